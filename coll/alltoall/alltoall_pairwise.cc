// Algorithm: pairwise-exchange alltoall.
//
// Restrictions: none.
//
// Steps: rank r copies its own block, then in step s = 1..p-1 sends block `to` to rank
// to = r XOR s and receives from the same rank when p is a power of two (each step pairs
// the ranks perfectly); otherwise it sends to r + s and receives from r - s. One exchange
// in flight per rank, so the network is never flooded.
//
// Cost: (p-1) (α + n/p β), n = p blocks. The long-message choice.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task alltoall_pairwise(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const size_t block = a.bytes;
  std::memcpy(a.recv + static_cast<size_t>(r) * block, a.send + static_cast<size_t>(r) * block, block);
  for (int step = 1; step < p; ++step) {
    const int to = ranks::pairwise_to(r, step, p);
    const int from = ranks::pairwise_from(r, step, p);
    c.recv(from, a.recv + static_cast<size_t>(from) * block, block);
    c.send(to, a.send + static_cast<size_t>(to) * block, block);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
