// Algorithm: intercommunicator gather: a local gather to the leader, which sends the whole
// group's blocks to the root in one message.
//
// Restrictions: none.
//
// Steps: in the group without the root, a gather rooted at 0 (the algorithm the selection
// rules choose for the local group: leader_phases.h) collects the p blocks in rank order at
// rank 0 (a group of one skips it), which sends them to the root; MPI_ROOT receives the q
// blocks of the remote group straight into its result.
//
// Cost: ⌈log2 p⌉ α + (p-1)/p n β in the sending group (n = p blocks), then α + n β.
#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"
#include "mpi.h"

namespace weft::coll {

Task gather_inter(Context& c, Args a) {
  if (a.root == MPI_ROOT) {
    c.recv_remote(0, a.recv, static_cast<size_t>(c.remote_size()) * a.bytes);
    co_await c.all();
    co_return Status();
  }
  Scratch gathered;
  const char* blocks = nullptr;
  WEFT_CO_TRY(co_await gather_at_leader(c, a, gathered, &blocks));
  if (c.rank() == 0) {
    c.send_remote(a.root, blocks, static_cast<size_t>(c.size()) * a.bytes);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
