// Algorithm: recursive-doubling allreduce.
//
// Restrictions: none. Non-commutative ops are reduced strictly in rank order.
//
// Steps: with pof2 the largest power of two <= p and rem = p - pof2:
//   1. Fold: of the first 2·rem ranks, each even rank sends its vector to the next odd
//      rank, which combines (even op odd) and takes new rank r/2; ranks >= 2·rem take new
//      rank r - rem. New ranks keep the old order.
//   2. In the step with distance d = 1, 2, ..., pof2/2 a rank exchanges its whole partial
//      result with new rank XOR d and combines, the lower new rank's partial on the left.
//      After the step every rank holds the reduction over its aligned group of 2d new
//      ranks, a contiguous range of old ranks.
//   3. Unfold: each odd rank of the first 2·rem sends the result to the even rank before it.
//
// Cost: log2 pof2 (α + n β + n γ), plus 2 (α + n β) + n γ for the fold when p is not a
// power of two. The short-message choice, and the one for non-commutative ops.
#include <cstring>
#include <utility>

#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"

namespace weft::coll {

Task allreduce_recursive_doubling(Context& c, Args a) {
  const Reduction& op = *a.op;
  const int p = c.size();
  const int r = c.rank();
  const ranks::Fold fold = ranks::fold_of(p);
  const size_t n = a.count * op.unit();
  Scratch spare;
  char* accumulator = a.recv;
  char* incoming = scratch_like(spare, n, a.recv);
  // A commutative op reads the input where it lies: the first combine receives the peer's
  // vector straight into the result and adds the input to it, which saves copying the input
  // into the result first. A non-commutative op, or a pair of buffers whose page offsets
  // would slow the peer's copy, starts from that copy.
  bool input_apart = a.send != a.recv;
  if (input_apart && (!op.commutative() || !copies_fast(a.send, a.recv))) {
    std::memcpy(a.recv, a.send, n);
    input_apart = false;
  }

  const int me = ranks::fold_new_rank(r, p);
  if (r < 2 * fold.rem) {
    if (me < 0) {
      c.send(r + 1, input_apart ? a.send : a.recv, n);
      co_await c.all();
    } else {
      c.recv(r - 1, input_apart ? a.recv : incoming, n);
      co_await c.all();
      op.apply(input_apart ? a.send : incoming, a.recv, a.count);
      input_apart = false;
    }
  }

  if (me >= 0) {
    for (int distance = 1; distance < fold.pof2; distance *= 2) {
      const int partner_new = me ^ distance;
      const int partner = ranks::fold_old_rank(partner_new, p);
      if (input_apart) {
        c.recv(partner, a.recv, n);
        c.send(partner, a.send, n);
        co_await c.all();
        op.apply(a.send, a.recv, a.count);  // commutative
        input_apart = false;
        continue;
      }
      c.recv(partner, incoming, n);
      c.send(partner, accumulator, n);
      co_await c.all();
      if (partner_new < me || op.commutative()) {
        op.apply(incoming, accumulator, a.count);
      } else {
        op.apply(accumulator, incoming, a.count);  // mine op theirs, left in `incoming`
        std::swap(accumulator, incoming);
      }
    }
    if (accumulator != a.recv) std::memcpy(a.recv, accumulator, n);
  }

  if (r < 2 * fold.rem) {
    if (me < 0) {
      c.recv(r + 1, a.recv, n);
    } else {
      c.send(r - 1, a.recv, n);
    }
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
