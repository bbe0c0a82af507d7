// Algorithm: Rabenseifner's allreduce: reduce-scatter by recursive halving, then allgather
// by recursive doubling (Rabenseifner 2004; Thakur, Rabenseifner and Gropp 2005).
//
// Restrictions: commutative ops.
//
// Steps: with pof2 the largest power of two <= p and rem = p - pof2:
//   1. Fold: of the first 2·rem ranks, each even rank sends its vector to the next odd
//      rank, which combines it and takes new rank r/2; ranks >= 2·rem take new rank
//      r - rem. The even ranks wait for step 4.
//   2. Reduce-scatter by recursive halving over the pof2 new ranks and pof2 blocks of the
//      vector: in the step with distance d = pof2/2, ..., 1 a rank keeps the half of its
//      window that holds its own block, sends the other half to new rank XOR d and combines
//      the half it receives. New rank i ends with block i reduced.
//   3. Allgather by recursive doubling: in the step with distance d = 1, ..., pof2/2 a rank
//      swaps its d aligned blocks with new rank XOR d.
//   4. Unfold: each odd rank of the first 2·rem sends the result to the even rank before it.
//
// Cost: 2 log2 pof2 α + 2 (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ (plus 2 (α + n β) + n γ for
// the fold). The medium- and long-message choice for commutative ops.
#include <cstring>

#include "collectives/algorithms.h"
#include "collectives/rank_math.h"
#include "collectives/reduction.h"

namespace weft::coll {

Task allreduce_rabenseifner(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const ranks::Fold fold = ranks::fold_of(p);
  const int pof2 = fold.pof2;
  const size_t n = a.count * unit;
  auto block_at = [&](int b) { return ranks::block_offset(a.count, pof2, b); };
  char* data = a.recv;
  Scratch incoming_storage;
  char* incoming = scratch_like(incoming_storage, n, data);
  // While `input_apart`, this rank's contribution is still only in a.send: the next combine
  // receives the peer's part straight into `data` and adds the input to it, so the input is
  // never copied into the result (one pass over the vector saved). Buffers whose page
  // offsets would slow the peer's copy start from that copy instead.
  bool input_apart = a.send != data;
  if (input_apart && !copies_fast(a.send, data)) {
    std::memcpy(data, a.send, n);
    input_apart = false;
  }
  const char* mine = input_apart ? a.send : data;

  // 1. Fold.
  const int me = ranks::fold_new_rank(r, p);
  if (r < 2 * fold.rem) {
    if (me < 0) {
      c.send(r + 1, mine, n);
      co_await c.all();
    } else {
      c.recv(r - 1, input_apart ? data : incoming, n);
      co_await c.all();
      op.apply(input_apart ? mine : incoming, data, a.count);
      input_apart = false;
      mine = data;
    }
  }

  if (me >= 0) {
    // 2. Recursive halving; the window [low, low + 2d) always holds block `me`.
    int low = 0;
    for (int distance = pof2 / 2; distance >= 1; distance /= 2) {
      const int partner = ranks::fold_old_rank(me ^ distance, p);
      const bool keep_low = (me & distance) == 0;
      const int keep_from = keep_low ? low : low + distance;
      const int give_from = keep_low ? low + distance : low;
      const size_t keep_at = block_at(keep_from) * unit;
      const size_t keep_elements = block_at(keep_from + distance) - block_at(keep_from);
      char* arrival = (input_apart ? data : incoming) + keep_at;
      c.recv(partner, arrival, keep_elements * unit);
      c.send(partner, mine + block_at(give_from) * unit,
             (block_at(give_from + distance) - block_at(give_from)) * unit);
      co_await c.all();
      op.apply(input_apart ? mine + keep_at : arrival, data + keep_at, keep_elements);
      input_apart = false;
      mine = data;
      low = keep_from;
    }

    // 3. Recursive doubling allgather of the reduced blocks.
    for (int distance = 1; distance < pof2; distance *= 2) {
      const int partner_new = me ^ distance;
      const int partner = ranks::fold_old_rank(partner_new, p);
      const int own = me & ~(distance - 1);
      const int theirs = partner_new & ~(distance - 1);
      c.recv(partner, data + block_at(theirs) * unit,
             (block_at(theirs + distance) - block_at(theirs)) * unit);
      c.send(partner, data + block_at(own) * unit,
             (block_at(own + distance) - block_at(own)) * unit);
      co_await c.all();
    }
  }

  // 4. Unfold.
  if (r < 2 * fold.rem) {
    if (me < 0) {
      c.recv(r + 1, data, n);
    } else {
      c.send(r - 1, data, n);
    }
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
