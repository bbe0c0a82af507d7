// Algorithm: intercommunicator allreduce: local reduce, the leaders swap their groups'
// results, local broadcast.
//
// Restrictions: none. Non-commutative ops reduce each group in its rank order.
//
// Steps: 1. a reduce rooted at 0 (the algorithm the selection rules choose:
// leader_phases.h) leaves the local group's result at its leader (a group of one uses its
// input as it is); 2. the leaders swap results, each receiving the remote group's straight
// into its result buffer; 3. a broadcast from the leader (chosen by the selection rules)
// hands it to the group. Each group ends with the reduction of the other group's inputs.
//
// Cost: ⌈log2 p⌉ (α + n β + n γ) + (α + n β) + ⌈log2 p⌉ (α + n β).
#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"
#include "coll/reduction.h"

namespace weft::coll {

Task allreduce_inter(Context& c, Args a) {
  const size_t n = a.count * a.op->unit();
  Scratch reduced;
  const char* result = nullptr;
  WEFT_CO_TRY(co_await reduce_at_leader(c, a, reduced, &result));
  if (c.rank() == 0) {
    c.recv_remote(0, a.recv, n);
    c.send_remote(0, result, n);
    co_await c.all();
  }
  Args release;
  release.root = 0;
  release.recv = a.recv;
  release.bytes = n;
  WEFT_CO_TRY(co_await bcast_from_leader(c, release));
  co_return Status();
}

}  // namespace weft::coll
