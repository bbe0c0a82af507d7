// Algorithm: binomial-tree scatter.
//
// Restrictions: none.
//
// Steps: the mirror of gather_binomial. Ranks are renumbered relative to the root
// (v = r - root mod p). The root holds every block (rotated into relative order first
// when the root is not 0); each rank receives its subtree's blocks [v, v + size(v)) from
// its parent in one message, keeps the first, and sends each child its own subtree's range.
// A leaf receives straight into its result buffer.
//
// Cost: ⌈log2 p⌉ α + (p-1)/p n β, n = p blocks.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task scatter_binomial(Context& c, Args a) {
  const int p = c.size();
  const int v = ranks::relative_rank(c.rank(), a.root, p);
  const size_t block = a.bytes;
  const int subtree = ranks::binomial_subtree_size(v, p);

  Scratch scratch;
  const char* tree = nullptr;  // this rank's subtree, relative order, own block first
  if (v == 0) {
    if (a.root == 0) {
      tree = a.send;
    } else {
      scratch.resize(static_cast<size_t>(p) * block);
      const size_t head = static_cast<size_t>(p - a.root) * block;
      std::memcpy(scratch.data(), a.send + static_cast<size_t>(a.root) * block, head);
      std::memcpy(scratch.data() + head, a.send, static_cast<size_t>(a.root) * block);
      tree = scratch.data();
    }
  } else {
    char* into = a.recv;
    if (subtree > 1) {
      scratch.resize(static_cast<size_t>(subtree) * block);
      into = scratch.data();
    }
    const int parent = ranks::absolute_rank(ranks::binomial_parent(v), a.root, p);
    c.recv(parent, into, static_cast<size_t>(subtree) * block);
    co_await c.all();
    tree = into;
  }

  const std::vector<int> children = ranks::binomial_children(v, p);
  for (auto child = children.rbegin(); child != children.rend(); ++child) {
    c.send(ranks::absolute_rank(*child, a.root, p), tree + static_cast<size_t>(*child - v) * block,
           static_cast<size_t>(ranks::binomial_subtree_size(*child, p)) * block);
  }
  if (a.recv != nullptr && tree != a.recv) std::memcpy(a.recv, tree, block);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
