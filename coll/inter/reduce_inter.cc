// Algorithm: intercommunicator reduce: a local reduce to the leader, which sends the result
// to the root.
//
// Restrictions: none. Non-commutative ops reduce in the sending group's rank order (the
// local reduce does).
//
// Steps: in the group without the root, a reduce rooted at 0 (the algorithm the selection
// rules choose: leader_phases.h) leaves the group's result at rank 0 (a group of one sends
// its input as it is), which sends it to the root; MPI_ROOT receives it straight into its
// result.
//
// Cost: ⌈log2 p⌉ (α + n β + n γ) in the sending group, then α + n β.
#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"
#include "coll/reduction.h"
#include "mpi.h"

namespace weft::coll {

Task reduce_inter(Context& c, Args a) {
  const size_t n = a.count * a.op->unit();
  if (a.root == MPI_ROOT) {
    c.recv_remote(0, a.recv, n);
    co_await c.all();
    co_return Status();
  }
  Scratch reduced;
  const char* result = nullptr;
  WEFT_CO_TRY(co_await reduce_at_leader(c, a, reduced, &result));
  if (c.rank() == 0) {
    c.send_remote(a.root, result, n);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
