// Algorithm: intercommunicator allgather: local gather, the leaders swap their groups'
// blocks, local broadcast.
//
// Restrictions: none.
//
// Steps: 1. a gather rooted at 0 (the algorithm the selection rules choose for the local
// group: leader_phases.h) collects the local group's p blocks at its leader (a group of one
// skips it); 2. the two leaders swap them: each receives the remote group's q blocks
// straight into its result; 3. a broadcast from the leader (chosen by the selection rules)
// hands those to the whole group.
//
// Cost: ⌈log2 p⌉ α + (p-1)/p n_l β, then α + max(n_l, n_r) β, then ⌈log2 p⌉ (α + n_r β),
// with n_l the local group's blocks and n_r the remote group's.
#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"

namespace weft::coll {

Task allgather_inter(Context& c, Args a) {
  const size_t remote_total = static_cast<size_t>(c.remote_size()) * a.remote_bytes;
  Scratch gathered;
  const char* blocks = nullptr;
  WEFT_CO_TRY(co_await gather_at_leader(c, a, gathered, &blocks));
  if (c.rank() == 0) {
    c.recv_remote(0, a.recv, remote_total);
    c.send_remote(0, blocks, static_cast<size_t>(c.size()) * a.bytes);
    co_await c.all();
  }
  Args release;
  release.root = 0;
  release.recv = a.recv;
  release.bytes = remote_total;
  WEFT_CO_TRY(co_await bcast_from_leader(c, release));
  co_return Status();
}

}  // namespace weft::coll
