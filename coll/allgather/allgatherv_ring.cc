// Algorithm: ring allgatherv.
//
// Restrictions: none.
//
// Steps: as allgather_ring, with each rank's block at its own offset and size: in step
// s = 0..p-2 rank r forwards block r - s to r + 1 and receives block r - s - 1 from r - 1.
//
// Cost: (p-1) α + (n - n_min) β per rank at most, n = total bytes; balanced blocks give
// (p-1)/p n β.
#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task allgatherv_ring(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const int right = ranks::ring_right(r, p);
  const int left = ranks::ring_left(r, p);
  for (int step = 0; step < p - 1; ++step) {
    const int send_block = ranks::ring_add(r, -step, p);
    const int recv_block = ranks::ring_add(r, -step - 1, p);
    c.recv(left, a.recv + a.recv_offsets[recv_block], a.recv_sizes[recv_block]);
    c.send(right, a.recv + a.recv_offsets[send_block], a.recv_sizes[send_block]);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
