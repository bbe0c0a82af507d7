// Algorithm: reduce_scatter as a binomial reduce to rank 0 followed by a linear scatterv.
//
// Restrictions: none. Non-commutative ops are reduced strictly in rank order (through
// reduce_binomial), which is why this is the choice for them.
//
// Steps:
//   1. reduce_binomial of the whole vector to rank 0 (in rank order for non-commutative
//      ops);
//   2. scatterv_linear of the blocks from rank 0.
//
// Cost: ⌈log2 p⌉ (α + n β + n γ) + (p-1) α + (p-1)/p n β, n = the whole vector.
#include <vector>

#include "coll/algorithms.h"
#include "coll/reduction.h"

namespace weft::coll {

Task reduce_scatter_reduce_scatterv(Context& c, Args a) {
  const size_t unit = a.op->unit();
  const int p = c.size();
  std::vector<size_t> offsets(static_cast<size_t>(p));
  std::vector<size_t> sizes(static_cast<size_t>(p));
  size_t total = 0;
  for (int i = 0; i < p; ++i) {
    offsets[static_cast<size_t>(i)] = total * unit;
    sizes[static_cast<size_t>(i)] = a.counts[i] * unit;
    total += a.counts[i];
  }
  Scratch reduced(c.rank() == 0 ? total * unit : 0);

  Args reduce = a;
  reduce.recv = reduced.data();
  reduce.count = total;
  reduce.root = 0;
  Status reduced_status = co_await reduce_binomial(c, reduce);

  Args scatter;
  scatter.send = reduced.data();
  scatter.send_offsets = offsets.data();
  scatter.send_sizes = sizes.data();
  scatter.recv = a.recv;
  scatter.bytes = sizes[static_cast<size_t>(c.rank())];
  scatter.root = 0;
  Status scattered_status = co_await scatterv_linear(c, scatter);
  co_return reduced_status.ok() ? scattered_status : reduced_status;
}

}  // namespace weft::coll
