// Algorithm: intercommunicator broadcast: the root sends to the remote leader, which
// broadcasts in its group.
//
// Restrictions: none.
//
// Steps: MPI_ROOT sends the message to rank 0 of the remote group; that rank receives it
// and broadcasts it in its group (the algorithm the selection rules choose:
// leader_phases.h). The other members of the root's group take no part (MPI_PROC_NULL: no
// algorithm runs there).
//
// Cost: α + n β for the crossing, then ⌈log2 q⌉ (α + n β) in the receiving group.
#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"
#include "mpi.h"

namespace weft::coll {

Task bcast_inter(Context& c, Args a) {
  if (a.root == MPI_ROOT) {
    c.send_remote(0, a.recv, a.bytes);
    co_await c.all();
    co_return Status();
  }
  if (c.rank() == 0) {
    c.recv_remote(a.root, a.recv, a.bytes);
    co_await c.all();
  }
  co_return co_await bcast_from_leader(c, a);
}

}  // namespace weft::coll
