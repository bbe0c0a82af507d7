// Algorithm: intercommunicator reduce_scatter (and reduce_scatter_block): local reduce, the
// leaders swap their groups' results, local scatterv.
//
// Restrictions: none. Both groups reduce vectors of the same length (the sum of each
// group's counts must agree, as the standard requires). Non-commutative ops reduce each
// group in its rank order.
//
// Steps: 1. a reduce rooted at 0 (the algorithm the selection rules choose:
// leader_phases.h) leaves the local group's whole reduced vector at its leader (a group of
// one uses its input as it is); 2. the leaders swap vectors; 3. each leader scatters the
// remote group's vector in its group, counts[i] elements to rank i (linear scatterv).
//
// Cost: ⌈log2 p⌉ (α + n β + n γ) + (α + n β) + (p-1) α + n β at the leader.
#include <vector>

#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"
#include "coll/reduction.h"

namespace weft::coll {

Task reduce_scatter_inter(Context& c, Args a) {
  const size_t unit = a.op->unit();
  const size_t n = a.count * unit;
  const int p = c.size();
  Scratch reduced;
  const char* result = nullptr;
  WEFT_CO_TRY(co_await reduce_at_leader(c, a, reduced, &result));
  Scratch remote;
  std::vector<size_t> offsets;
  std::vector<size_t> sizes;
  if (c.rank() == 0) {
    remote.resize(n);
    c.recv_remote(0, remote.data(), n);
    c.send_remote(0, result, n);
    co_await c.all();
    size_t at = 0;
    for (int i = 0; i < p; ++i) {
      offsets.push_back(at);
      sizes.push_back(a.counts[i] * unit);
      at += sizes.back();
    }
  }
  Args scatter;
  scatter.root = 0;
  scatter.send = remote.data();
  scatter.send_offsets = offsets.data();
  scatter.send_sizes = sizes.data();
  scatter.recv = a.recv;
  scatter.bytes = a.counts[c.rank()] * unit;
  WEFT_CO_TRY(co_await scatterv_linear(c, scatter));
  co_return Status();
}

}  // namespace weft::coll
