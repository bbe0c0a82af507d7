// Algorithm: intercommunicator broadcast: the root sends to the remote leader, which
// broadcasts in its group.
//
// Restrictions: none.
//
// Steps: MPI_ROOT sends the message to rank 0 of the remote group; that rank receives it
// and runs a binomial broadcast rooted at 0 in its group. The other members of the root's
// group take no part (MPI_PROC_NULL: no algorithm runs there).
//
// Cost: α + n β for the crossing, then ⌈log2 q⌉ (α + n β) in the receiving group.
#include "coll/inter/inter_algorithms.h"
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
  Args local = a;
  local.root = 0;
  WEFT_CO_TRY(co_await bcast_binomial(c, local));
  co_return Status();
}

}  // namespace weft::coll
