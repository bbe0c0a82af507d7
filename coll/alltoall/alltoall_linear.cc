// Algorithm: linear (direct) alltoall.
//
// Restrictions: none.
//
// Steps: every rank posts all p - 1 receives and all p - 1 sends at once (sends to r + i
// for i = 1..p-1, so the ranks start with different peers) and copies its own block.
//
// Cost: (p-1) α + (p-1)/p n β with everything in flight together; the medium-message choice,
// where overlapping the transfers beats pairwise steps and Bruck's extra volume.
#include <cstring>

#include "coll/algorithms.h"

namespace weft::coll {

Task alltoall_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const size_t block = a.bytes;
  for (int i = 1; i < p; ++i) {
    const int from = (r - i + p) % p;
    c.recv(from, a.recv + static_cast<size_t>(from) * block, block);
  }
  for (int i = 1; i < p; ++i) {
    const int to = (r + i) % p;
    c.send(to, a.send + static_cast<size_t>(to) * block, block);
  }
  std::memcpy(a.recv + static_cast<size_t>(r) * block, a.send + static_cast<size_t>(r) * block, block);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
