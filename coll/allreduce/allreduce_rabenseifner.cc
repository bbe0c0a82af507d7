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
// Steps 1 and 2 are FoldAndHalve (coll/reduction_phases.cc), shared with reduce and
// reduce_scatter.
//
// Cost: 2 log2 pof2 α + 2 (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ (plus 2 (α + n β) + n γ for
// the fold). The medium- and long-message choice for commutative ops.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"
#include "coll/reduction_phases.h"

namespace weft::coll {

Task allreduce_rabenseifner(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const ranks::Fold fold = ranks::fold_of(p);
  const int pof2 = fold.pof2;
  const size_t n = a.count * unit;
  const Blocks blocks{a.count, pof2};
  char* data = a.recv;
  Scratch incoming_storage;
  char* incoming = scratch_like(incoming_storage, n, data);
  // The first combine receives the peer's part straight into `data` and adds the input to it
  // from a.send (FoldAndHalve), so the input is never copied into the result. Buffers
  // whose page offsets would slow the peer's copy start from that copy instead.
  const char* input = a.send;
  if (input != data && !copies_fast(a.send, data)) {
    std::memcpy(data, a.send, n);
    input = data;
  }

  // 1 and 2. Fold, then recursive halving: new rank `me` ends with block `me` in `data`.
  FoldAndHalve phase(c, op, input, data, incoming, blocks);
  while (phase.post()) {
    co_await c.all();
    phase.combine();
  }
  const int me = phase.new_rank();

  if (me >= 0) {
    // 3. Recursive doubling allgather of the reduced blocks.
    for (int distance = 1; distance < pof2; distance *= 2) {
      const int partner_new = me ^ distance;
      const int partner = ranks::fold_old_rank(partner_new, p);
      const int own = me & ~(distance - 1);
      const int theirs = partner_new & ~(distance - 1);
      c.recv(partner, data + blocks.at(theirs) * unit,
             (blocks.at(theirs + distance) - blocks.at(theirs)) * unit);
      c.send(partner, data + blocks.at(own) * unit,
             (blocks.at(own + distance) - blocks.at(own)) * unit);
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
