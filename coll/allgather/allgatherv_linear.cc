// Algorithm: linear (direct) allgatherv.
//
// Restrictions: none.
//
// Steps: every rank posts, at once, a receive for every other rank's block straight into
// its place and a send of its own block to every other rank (starting with r + 1, so that
// not every rank sends to rank 0 first). One round, p - 1 messages each way per rank.
//
// Cost: (p-1) α + (p-1)/p n β with every transfer in flight together: the fewest
// sequential steps, for small p and short blocks.
#include "coll/algorithms.h"

namespace weft::coll {

Task allgatherv_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  for (int i = 1; i < p; ++i) {
    const int from = (r - i + p) % p;
    c.recv(from, a.recv + a.recv_offsets[from], a.recv_sizes[from]);
  }
  for (int i = 1; i < p; ++i) {
    c.send((r + i) % p, a.recv + a.recv_offsets[r], a.recv_sizes[r]);
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
