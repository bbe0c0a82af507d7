// Algorithm: scatter + ring allgather broadcast (van de Geijn; Barnett et al. 1994; the
// long-message broadcast of Thakur, Rabenseifner and Gropp 2005).
//
// Restrictions: none (chunks may be empty when the message has fewer bytes than p).
//
// Steps: the message is cut into p chunks, chunk i belonging to relative rank i
// (v = r - root mod p).
//   1. Binomial scatter: the root sends each child the chunks of the child's subtree (a
//      contiguous range of relative ranks, so one contiguous byte range); every rank
//      forwards its children's ranges the same way, after receiving its own subtree's.
//   2. Ring allgather over relative ranks: in step s = 0..p-2 rank v sends chunk v - s to
//      v + 1 and receives chunk v - s - 1 from v - 1.
//
// Cost: (⌈log2 p⌉ + p - 1) α + 2 (p-1)/p n β: about twice the bandwidth term's minimum,
// against ⌈log2 p⌉ n β for the binomial tree, so it wins for long messages and p ≥ 8.
#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task bcast_scatter_allgather(Context& c, Args a) {
  const int p = c.size();
  const int root = a.root;
  const int v = ranks::relative_rank(c.rank(), root, p);
  const size_t n = a.bytes;
  // Byte offset of relative rank i's chunk; chunk_at(p) == n.
  auto chunk_at = [n, p](int i) { return ranks::block_offset(n, p, i); };
  auto range_bytes = [&](int first, int count) { return chunk_at(first + count) - chunk_at(first); };

  // 1. Scatter this rank's subtree range down the binomial tree.
  if (v != 0) {
    const int parent = ranks::absolute_rank(ranks::binomial_parent(v), root, p);
    c.recv(parent, a.recv + chunk_at(v), range_bytes(v, ranks::binomial_subtree_size(v, p)));
    co_await c.all();
  }
  const std::vector<int> children = ranks::binomial_children(v, p);
  for (auto child = children.rbegin(); child != children.rend(); ++child) {
    c.send(ranks::absolute_rank(*child, root, p), a.recv + chunk_at(*child),
           range_bytes(*child, ranks::binomial_subtree_size(*child, p)));
  }
  co_await c.all();

  // 2. Ring allgather of the chunks.
  const int right = ranks::absolute_rank(ranks::ring_right(v, p), root, p);
  const int left = ranks::absolute_rank(ranks::ring_left(v, p), root, p);
  for (int step = 0; step < p - 1; ++step) {
    const int send_chunk = ranks::ring_add(v, -step, p);
    const int recv_chunk = ranks::ring_add(v, -step - 1, p);
    c.recv(left, a.recv + chunk_at(recv_chunk), range_bytes(recv_chunk, 1));
    c.send(right, a.recv + chunk_at(send_chunk), range_bytes(send_chunk, 1));
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
