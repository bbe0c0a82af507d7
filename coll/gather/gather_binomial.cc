// Algorithm: binomial-tree gather.
//
// Restrictions: none.
//
// Steps: ranks are renumbered relative to the root (v = r - root mod p); the subtree of v
// is the contiguous range [v, v + size(v)), so it travels as one message. Each rank places
// its own block first in a buffer of its subtree's blocks, receives each child's subtree
// range behind it (all children at once), and sends the whole range to its parent. At the
// root the blocks are in relative order; a root other than 0 rotates them into rank order
// (the root 0 receives straight into the result buffer).
//
// Cost: ⌈log2 p⌉ α + (p-1)/p n β, n = p blocks: each block crosses ⌈log2 p⌉ links at most
// but every link carries only its subtree's share.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task gather_binomial(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const int v = ranks::relative_rank(r, a.root, p);
  const size_t block = a.bytes;
  const int subtree = ranks::binomial_subtree_size(v, p);

  Scratch scratch;
  char* tree = nullptr;  // this rank's subtree, relative order, own block first
  if (v == 0 && a.root == 0) {
    tree = a.recv;
  } else if (subtree > 1) {
    scratch.resize(static_cast<size_t>(subtree) * block);
    tree = scratch.data();
  }
  const char* mine = a.send != nullptr ? a.send : a.recv + static_cast<size_t>(r) * block;
  if (tree != nullptr && tree != mine) std::memcpy(tree, mine, block);

  for (int child : ranks::binomial_children(v, p)) {
    c.recv(ranks::absolute_rank(child, a.root, p), tree + static_cast<size_t>(child - v) * block,
           static_cast<size_t>(ranks::binomial_subtree_size(child, p)) * block);
  }
  co_await c.all();

  if (v != 0) {
    const int parent = ranks::absolute_rank(ranks::binomial_parent(v), a.root, p);
    c.send(parent, tree != nullptr ? tree : mine, static_cast<size_t>(subtree) * block);
    co_await c.all();
  } else if (a.root != 0) {
    // Relative block i belongs to rank i + root.
    const size_t head = static_cast<size_t>(p - a.root) * block;
    std::memcpy(a.recv + static_cast<size_t>(a.root) * block, tree, head);
    std::memcpy(a.recv, tree + head, static_cast<size_t>(a.root) * block);
  }
  co_return Status();
}

}  // namespace weft::coll
