// Algorithm: recursive-doubling allgather.
//
// Restrictions: p must be a power of two.
//
// Steps: in step k = 0..log2 p - 1 rank r exchanges with r XOR 2^k everything it has
// gathered so far: the 2^k blocks of the aligned group [r & ~(2^k - 1), + 2^k), which are
// contiguous in the result buffer, and receives the partner's group next to it.
//
// Cost: log2 p α + (p-1)/p n β, n = p blocks: the fewest steps with the least data, for
// short and medium messages on power-of-two sizes.
#include "coll/algorithms.h"

namespace weft::coll {

Task allgather_recursive_doubling(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  for (int mask = 1; mask < p; mask <<= 1) {
    const int partner = r ^ mask;
    const size_t mine = static_cast<size_t>(r & ~(mask - 1));
    const size_t theirs = static_cast<size_t>(partner & ~(mask - 1));
    const size_t bytes = static_cast<size_t>(mask) * a.bytes;
    c.recv(partner, a.recv + theirs * a.bytes, bytes);
    c.send(partner, a.recv + mine * a.bytes, bytes);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
