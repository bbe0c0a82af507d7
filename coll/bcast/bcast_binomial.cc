// Algorithm: binomial-tree broadcast.
//
// Restrictions: none.
//
// Steps: ranks are renumbered relative to the root (v = r - root mod p). Rank v receives
// the whole message from its parent (v with its lowest set bit cleared), then sends it to
// its children v + 2^k for every 2^k below its lowest set bit, farthest child first since
// that child's subtree is the deepest. Any p works: children beyond p - 1 do not exist.
//
// Cost: ⌈log2 p⌉ (α + n β). Best for short messages, where latency dominates; for long
// ones every step moves the whole message (see bcast_scatter_allgather).
#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task bcast_binomial(Context& c, Args a) {
  const int p = c.size();
  const int v = ranks::relative_rank(c.rank(), a.root, p);
  if (v != 0) {
    c.recv(ranks::absolute_rank(ranks::binomial_parent(v), a.root, p), a.recv, a.bytes);
    co_await c.all();
  }
  const std::vector<int> children = ranks::binomial_children(v, p);
  for (auto child = children.rbegin(); child != children.rend(); ++child) {
    c.send(ranks::absolute_rank(*child, a.root, p), a.recv, a.bytes);
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
