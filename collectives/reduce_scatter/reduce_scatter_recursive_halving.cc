// Algorithm: recursive-halving reduce_scatter (Thakur, Rabenseifner and Gropp 2005).
//
// Restrictions: commutative ops.
//
// Steps: with pof2 the largest power of two <= p and rem = p - pof2:
//   1. Fold: of the first 2·rem ranks, each even rank sends its whole vector to the next
//      odd rank, which combines it and takes new rank r/2; ranks >= 2·rem take new rank
//      r - rem. New rank i is responsible for the blocks of the old ranks it stands for
//      (two blocks for i < rem, one otherwise), which are adjacent in the vector.
//   2. Recursive halving over the pof2 new ranks, as in allreduce_rabenseifner but with the
//      blocks given by the counts: in the step with distance d = pof2/2, ..., 1 a rank keeps
//      the half of its window holding its own blocks, sends the other half to new rank
//      XOR d and combines the half it receives.
//   3. Each odd rank of the first 2·rem sends the even rank before it that rank's block;
//      every rank copies its own block out.
//
// Cost: log2 pof2 α + (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ (plus n β + n γ for the fold),
// n = the whole vector. The choice for short and medium vectors.
#include <cstring>
#include <vector>

#include "collectives/algorithms.h"
#include "collectives/rank_math.h"
#include "collectives/reduction.h"

namespace weft::coll {

Task reduce_scatter_recursive_halving(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const ranks::Fold fold = ranks::fold_of(p);
  const int pof2 = fold.pof2;

  // Element offsets of every rank's block, then of every new rank's blocks.
  std::vector<size_t> offset(static_cast<size_t>(p) + 1, 0);
  for (int i = 0; i < p; ++i) offset[static_cast<size_t>(i) + 1] = offset[static_cast<size_t>(i)] + a.counts[i];
  const size_t total = offset[static_cast<size_t>(p)];
  std::vector<size_t> block_at(static_cast<size_t>(pof2) + 1, total);
  for (int i = 0; i < pof2; ++i) {
    const int first_old = i < fold.rem ? 2 * i : i + fold.rem;
    block_at[static_cast<size_t>(i)] = offset[static_cast<size_t>(first_old)];
  }

  Scratch accumulator_storage;
  Scratch incoming_storage;
  char* accumulator = scratch_like(accumulator_storage, total * unit, a.send);
  char* incoming = scratch_like(incoming_storage, total * unit, a.send);
  std::memcpy(accumulator, a.send, total * unit);

  const int me = ranks::fold_new_rank(r, p);
  if (r < 2 * fold.rem) {
    if (me < 0) {
      c.send(r + 1, accumulator, total * unit);
    } else {
      c.recv(r - 1, incoming, total * unit);
    }
    co_await c.all();
    if (me >= 0) op.apply(incoming, accumulator, total);
  }

  if (me >= 0) {
    int low = 0;
    for (int distance = pof2 / 2; distance >= 1; distance /= 2) {
      const int partner = ranks::fold_old_rank(me ^ distance, p);
      const bool keep_low = (me & distance) == 0;
      const size_t keep_from = static_cast<size_t>(keep_low ? low : low + distance);
      const size_t give_from = static_cast<size_t>(keep_low ? low + distance : low);
      const size_t span = static_cast<size_t>(distance);
      const size_t keep_elements = block_at[keep_from + span] - block_at[keep_from];
      c.recv(partner, incoming + block_at[keep_from] * unit, keep_elements * unit);
      c.send(partner, accumulator + block_at[give_from] * unit,
             (block_at[give_from + span] - block_at[give_from]) * unit);
      co_await c.all();
      op.apply(incoming + block_at[keep_from] * unit, accumulator + block_at[keep_from] * unit,
               keep_elements);
      low = static_cast<int>(keep_from);
    }
    if (r < 2 * fold.rem) {
      c.send(r - 1, accumulator + offset[static_cast<size_t>(r) - 1] * unit, a.counts[r - 1] * unit);
    }
    std::memcpy(a.recv, accumulator + offset[static_cast<size_t>(r)] * unit, a.counts[r] * unit);
  } else {
    c.recv(r + 1, a.recv, a.counts[r] * unit);
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
