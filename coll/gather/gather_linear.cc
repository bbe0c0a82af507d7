// Algorithm: linear (flat) gather.
//
// Restrictions: none.
//
// Steps: every non-root rank sends its block straight to the root and is done; the root
// posts its p - 1 receives at once, each straight into that rank's place in the result,
// and copies its own block (unless it is already in place).
//
// Cost: (p-1) α + (p-1)/p n β, all at the root, n = p blocks. Against the binomial tree it
// gives up the logarithmic latency term but nothing is forwarded: no rank waits on an
// intermediate rank, no subtree is staged and copied twice. On few ranks, and above all
// when ranks share cores (an intermediate rank must be scheduled before its parent can
// go on), that wins at every size.
#include <cstring>

#include "coll/algorithms.h"

namespace weft::coll {

Task gather_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const size_t block = a.bytes;
  if (r != a.root) {
    c.send(a.root, a.send, block);
    co_await c.all();
    co_return Status();
  }
  for (int i = 1; i < p; ++i) {
    const int from = (r + i) % p;
    c.recv(from, a.recv + static_cast<size_t>(from) * block, block);
  }
  if (a.send != nullptr) std::memcpy(a.recv + static_cast<size_t>(r) * block, a.send, block);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
