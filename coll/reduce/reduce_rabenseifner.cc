// Algorithm: reduce-scatter + gather reduce (Rabenseifner 2004; Thakur, Rabenseifner and
// Gropp 2005).
//
// Restrictions: commutative ops.
//
// Steps: with pof2 the largest power of two <= p and rem = p - pof2:
//   1. Fold: of the first 2·rem ranks, each even rank sends its whole input to the next
//      odd rank, which combines it and stands for both from then on (new rank r/2); ranks
//      >= 2·rem take new rank r - rem.
//   2. Reduce-scatter by recursive halving over the pof2 new ranks: the vector is cut into
//      pof2 blocks; in the step with distance d = pof2/2, pof2/4, ..., 1 a rank keeps the
//      half of its current window that holds its own block, sends the other half to
//      new rank XOR d and combines the half it receives. Afterwards new rank i holds block
//      i fully reduced.
//   3. Binomial gather of the blocks to the new rank that stands for the root: with
//      x = new rank XOR target, in the step with distance d = 1, 2, ..., pof2/2 a rank
//      whose x has bit d sends its d aligned blocks to new rank XOR d and stops; the others
//      receive the partner's d blocks next to theirs.
//   4. If the root sat out in step 1, its odd partner sends it the result.
// Steps 1 and 2 are FoldAndHalve (coll/reduction_phases.cc), shared with allreduce
// and reduce_scatter.
//
// Cost: 2 log2 pof2 α + 2 (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ, plus one n-byte message
// and combine each way for the fold. The long-message choice: the binomial tree's
// log2 p · n β becomes about 2 n β.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"
#include "coll/reduction_phases.h"

namespace weft::coll {

Task reduce_rabenseifner(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const int pof2 = ranks::fold_of(p).pof2;
  const size_t n = a.count * unit;
  const Blocks blocks{a.count, pof2};
  const int me = ranks::fold_new_rank(r, p);
  const int stand_in = ranks::fold_representative(a.root, p);

  // The root reduces and gathers in its receive buffer when it takes part (no final copy),
  // unless its buffers' page offsets would slow the transfers between them; every other
  // rank in scratch placed like its input, which is where its peers send from.
  Scratch accumulator_storage;
  Scratch incoming_storage;
  char* accumulator = nullptr;
  if (r == a.root && stand_in == a.root &&
      (a.send == a.recv || (copies_fast(a.send, a.recv) && copies_fast(a.recv, a.send)))) {
    accumulator = a.recv;
  } else {
    accumulator = scratch_like(accumulator_storage, n, a.send);
  }
  char* incoming = scratch_like(incoming_storage, n, a.send);

  // 1 and 2. Fold, then recursive halving: new rank `me` ends with block `me` in the
  // accumulator. The input is read where it lies, never copied first.
  FoldAndHalve phase(c, op, a.send, accumulator, incoming, blocks);
  while (phase.post()) {
    co_await c.all();
    phase.combine();
  }

  if (me >= 0) {
    // 3. Binomial gather of the blocks to the target.
    const int target = ranks::fold_new_rank(stand_in, p);
    const int x = me ^ target;
    for (int distance = 1; distance < pof2; distance *= 2) {
      const int partner_new = me ^ distance;
      const int partner = ranks::fold_old_rank(partner_new, p);
      if ((x & distance) != 0) {
        const int first = me & ~(distance - 1);
        c.send(partner, accumulator + blocks.at(first) * unit,
               (blocks.at(first + distance) - blocks.at(first)) * unit);
        co_await c.all();
        break;
      }
      const int first = partner_new & ~(distance - 1);
      c.recv(partner, accumulator + blocks.at(first) * unit,
             (blocks.at(first + distance) - blocks.at(first)) * unit);
      co_await c.all();
    }
    if (me == target) {
      if (stand_in == a.root) {
        if (accumulator != a.recv) std::memcpy(a.recv, accumulator, n);
      } else {
        c.send(a.root, accumulator, n);  // 4. the root sat out
        co_await c.all();
      }
    }
  } else if (r == a.root) {
    c.recv(stand_in, a.recv, n);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
