// Algorithm: pairwise intercommunicator alltoall.
//
// Restrictions: none.
//
// Steps: with m = max(p, q), in step s = 0..m-1 local rank r sends its block for remote
// rank (r + s) mod m and receives the block of remote rank (r - s) mod m, skipping a
// partner that does not exist (>= q). Remote rank t sends in the same step to local rank
// (t + s) mod m, so every transfer of step s meets its partner's in step s, and each
// process has one send and one receive in flight at a time.
//
// Cost: m α + n β per process (n: its blocks).
#include <algorithm>

#include "coll/inter/inter_algorithms.h"

namespace weft::coll {

Task alltoall_inter(Context& c, Args a) {
  const int q = c.remote_size();
  const int m = std::max(c.size(), q);
  for (int step = 0; step < m; ++step) {
    const int to = (c.rank() + step) % m;
    const int from = (c.rank() - step + m) % m;
    if (from < q) {
      c.recv_remote(from, a.recv + static_cast<size_t>(from) * a.remote_bytes, a.remote_bytes);
    }
    if (to < q) c.send_remote(to, a.send + static_cast<size_t>(to) * a.bytes, a.bytes);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
