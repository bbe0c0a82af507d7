// Algorithm: ring allgather.
//
// Restrictions: none.
//
// Steps: each rank's block starts in place. In step s = 0..p-2 rank r sends block r - s
// (the one it received in the previous step, or its own) to r + 1 and receives block
// r - s - 1 from r - 1, straight into its place.
//
// Cost: (p-1) α + (p-1)/p n β, n = p blocks. Only neighbours talk, so it is the choice for
// long messages, where latency no longer matters.
#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task allgather_ring(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const int right = ranks::ring_right(r, p);
  const int left = ranks::ring_left(r, p);
  for (int step = 0; step < p - 1; ++step) {
    const size_t send_block = static_cast<size_t>(ranks::ring_add(r, -step, p));
    const size_t recv_block = static_cast<size_t>(ranks::ring_add(r, -step - 1, p));
    c.recv(left, a.recv + recv_block * a.bytes, a.bytes);
    c.send(right, a.recv + send_block * a.bytes, a.bytes);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
