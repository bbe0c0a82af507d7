// Algorithm: pairwise intercommunicator alltoallv.
//
// Restrictions: none.
//
// Steps: as alltoall_inter (step s: send to remote rank (r + s) mod m, receive from
// (r - s) mod m, m = max(p, q), partners >= q skipped), each block at its own offset and
// size.
//
// Cost: m α + n β per process (n: its blocks).
#include <algorithm>

#include "coll/inter/inter_algorithms.h"

namespace weft::coll {

Task alltoallv_inter(Context& c, Args a) {
  const int q = c.remote_size();
  const int m = std::max(c.size(), q);
  for (int step = 0; step < m; ++step) {
    const int to = (c.rank() + step) % m;
    const int from = (c.rank() - step + m) % m;
    if (from < q) c.recv_remote(from, a.recv + a.recv_offsets[from], a.recv_sizes[from]);
    if (to < q) c.send_remote(to, a.send + a.send_offsets[to], a.send_sizes[to]);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
