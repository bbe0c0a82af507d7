// Algorithm: binomial-tree reduce.
//
// Restrictions: none. Non-commutative ops are reduced strictly in rank order.
//
// Steps: ranks are renumbered relative to the tree's root. Each rank starts from its own
// input, receives the partial result of each child's subtree in increasing distance and
// combines it, then sends its own partial result to its parent. The subtree of relative
// rank v is the range [v, v + size(v)) and children come in increasing order, so every
// combine is (ranks before) op (ranks after).
//   Commutative ops root the tree at the real root.
//   Non-commutative ops root it at rank 0, where relative and real rank order agree, and
//   rank 0 forwards the result to the root when the root is another rank (one extra
//   message of n bytes).
//
// Cost: ⌈log2 p⌉ (α + n β + n γ). The short-message choice.
#include <cstring>
#include <utility>

#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"

namespace weft::coll {

Task reduce_binomial(Context& c, Args a) {
  const Reduction& op = *a.op;
  const int p = c.size();
  const int r = c.rank();
  const size_t n = a.count * op.unit();
  const int tree_root = op.commutative() ? a.root : 0;
  const int v = ranks::relative_rank(r, tree_root, p);
  const std::vector<int> children = ranks::binomial_children(v, p);

  Scratch first;
  Scratch second;
  const char* result = a.send;  // a leaf's partial result is its input
  if (!children.empty()) {
    // The root collects into its receive buffer, other inner ranks into scratch placed
    // like their input (children send from theirs). The first child's partial result
    // arrives straight in the accumulator and this rank's input is combined into it from
    // where it lies (input op child: the input holds the lower ranks, so the order suits
    // non-commutative ops too): no copy of the input. A root whose buffers' page offsets
    // would slow that transfer copies its input first instead.
    char* accumulator = nullptr;
    if (r == a.root && r == tree_root) {
      accumulator = a.recv;
    } else {
      accumulator = scratch_like(first, n, a.send);
    }
    bool input_apart = a.send != accumulator;
    if (input_apart && accumulator == a.recv && !copies_fast(a.send, a.recv)) {
      std::memcpy(accumulator, a.send, n);
      input_apart = false;
    }
    char* incoming = nullptr;
    for (int child : children) {
      const int source = ranks::absolute_rank(child, tree_root, p);
      if (input_apart) {
        c.recv(source, accumulator, n);
        co_await c.all();
        op.apply(a.send, accumulator, a.count);
        input_apart = false;
        continue;
      }
      if (incoming == nullptr) incoming = scratch_like(second, n, a.send);
      c.recv(source, incoming, n);
      co_await c.all();
      if (op.commutative()) {
        op.apply(incoming, accumulator, a.count);
      } else {
        // accumulator op incoming, which lands in `incoming`: the buffers trade roles.
        op.apply(accumulator, incoming, a.count);
        std::swap(accumulator, incoming);
      }
    }
    result = accumulator;
  }

  if (v != 0) {
    c.send(ranks::absolute_rank(ranks::binomial_parent(v), tree_root, p), result, n);
    co_await c.all();
  } else if (tree_root != a.root) {
    c.send(a.root, result, n);
    co_await c.all();
  }
  if (r == a.root) {
    if (tree_root != a.root) {
      c.recv(tree_root, a.recv, n);
      co_await c.all();
    } else if (result != a.recv) {
      std::memcpy(a.recv, result, n);
    }
  }
  co_return Status();
}

}  // namespace weft::coll
