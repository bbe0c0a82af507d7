// Algorithm: pairwise-exchange reduce_scatter.
//
// Restrictions: commutative ops.
//
// Steps: rank r starts from its own contribution to block r. In step s = 1..p-1 it sends
// its contribution to block `to` to rank to (r XOR s for powers of two, else r + s) and
// receives rank from's contribution to block r (from = r XOR s, else r - s), which it
// combines into its result.
//
// Cost: (p-1) α + (p-1)/p n β + (p-1)/p n γ, n = the whole vector: every byte crosses one
// link once. The long-vector choice.
#include <algorithm>
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"

namespace weft::coll {

Task reduce_scatter_pairwise(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  std::vector<size_t> offset(static_cast<size_t>(p), 0);
  for (int i = 1; i < p; ++i) offset[static_cast<size_t>(i)] = offset[static_cast<size_t>(i) - 1] + a.counts[i - 1];
  const size_t mine = a.counts[r] * unit;

  Scratch accumulator_storage(mine);
  Scratch incoming_storage;
  char* accumulator = accumulator_storage.data();
  // Every peer sends this rank's block from its own input: place `incoming` like it.
  char* incoming = scratch_like(incoming_storage, mine, a.send + offset[static_cast<size_t>(r)] * unit);
  std::memcpy(accumulator, a.send + offset[static_cast<size_t>(r)] * unit, mine);
  for (int step = 1; step < p; ++step) {
    const int to = ranks::pairwise_to(r, step, p);
    const int from = ranks::pairwise_from(r, step, p);
    c.recv(from, incoming, mine);
    c.send(to, a.send + offset[static_cast<size_t>(to)] * unit, a.counts[to] * unit);
    co_await c.all();
    op.apply(incoming, accumulator, a.counts[r]);
  }
  std::memcpy(a.recv, accumulator, mine);
  co_return Status();
}

}  // namespace weft::coll
