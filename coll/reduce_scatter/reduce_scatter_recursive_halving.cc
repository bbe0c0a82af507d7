// Algorithm: recursive-halving reduce_scatter (Thakur, Rabenseifner and Gropp 2005).
//
// Restrictions: commutative ops.
//
// Steps: with pof2 the largest power of two <= p and rem = p - pof2:
//   1. Fold: of the first 2·rem ranks, each even rank sends its whole vector to the next
//      odd rank, which combines it and takes new rank r/2; ranks >= 2·rem take new rank
//      r - rem. New rank i is responsible for the blocks of the old ranks it stands for
//      (two blocks for i < rem, one otherwise), which are adjacent in the vector.
//   2. Recursive halving over the pof2 new ranks, with the blocks given by the counts: in
//      the step with distance d = pof2/2, ..., 1 a rank keeps the half of its window
//      holding its own blocks, sends the other half to new rank XOR d and combines the half
//      it receives.
//   3. Each odd rank of the first 2·rem sends the even rank before it that rank's block;
//      every rank copies its own block out.
// Steps 1 and 2 are FoldAndHalve (coll/reduction_phases.cc), shared with the
// Rabenseifner allreduce and reduce; it reads the input where it lies, so the vector is not
// copied into scratch first.
//
// Cost: log2 pof2 α + (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ (plus n β + n γ for the fold),
// n = the whole vector. The choice for short and medium vectors.
#include <cstring>
#include <vector>

#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"
#include "coll/reduction_phases.h"

namespace weft::coll {

Task reduce_scatter_recursive_halving(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const ranks::Fold fold = ranks::fold_of(p);
  const int pof2 = fold.pof2;
  const size_t ranks_count = static_cast<size_t>(p);

  // Element offsets of every rank's block (offset[0..p]), then of every new rank's blocks
  // (block_at[0..pof2]), in one allocation.
  std::vector<size_t> offsets(ranks_count + 1 + static_cast<size_t>(pof2) + 1, 0);
  size_t* offset = offsets.data();
  size_t* block_at = offset + ranks_count + 1;
  for (size_t i = 0; i < ranks_count; ++i) offset[i + 1] = offset[i] + a.counts[i];
  const size_t total = offset[ranks_count];
  for (int i = 0; i < pof2; ++i) {
    const int first_old = i < fold.rem ? 2 * i : i + fold.rem;
    block_at[i] = offset[first_old];
  }
  block_at[pof2] = total;

  Scratch accumulator_storage;
  Scratch incoming_storage;
  char* accumulator = scratch_like(accumulator_storage, total * unit, a.send);
  char* incoming = scratch_like(incoming_storage, total * unit, a.send);

  // 1 and 2. Fold, then recursive halving: new rank `me` ends with its blocks reduced in
  // the accumulator.
  FoldAndHalve phase(c, op, a.send, accumulator, incoming, Blocks{total, pof2, block_at});
  while (phase.post()) {
    co_await c.all();
    phase.combine();
  }

  // 3. Hand the sat-out rank its block; copy out our own.
  const int me = phase.new_rank();
  if (me >= 0) {
    if (r < 2 * fold.rem) {
      c.send(r - 1, accumulator + offset[r - 1] * unit, a.counts[r - 1] * unit);
    }
    std::memcpy(a.recv, accumulator + offset[r] * unit, a.counts[r] * unit);
  } else {
    c.recv(r + 1, a.recv, a.counts[r] * unit);
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
