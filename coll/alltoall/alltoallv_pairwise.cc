// Algorithm: pairwise-exchange alltoallv.
//
// Restrictions: none.
//
// Steps: as alltoall_pairwise with per-rank offsets and sizes: a local copy of the own
// block, then in step s = 1..p-1 one exchange (XOR partner for powers of two, else send to
// r + s and receive from r - s).
//
// Cost: (p-1) α + Σ (block sizes) β, one exchange in flight at a time.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task alltoallv_pairwise(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  std::memcpy(a.recv + a.recv_offsets[r], a.send + a.send_offsets[r], a.recv_sizes[r]);
  for (int step = 1; step < p; ++step) {
    const int to = ranks::pairwise_to(r, step, p);
    const int from = ranks::pairwise_from(r, step, p);
    c.recv(from, a.recv + a.recv_offsets[from], a.recv_sizes[from]);
    c.send(to, a.send + a.send_offsets[to], a.send_sizes[to]);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
