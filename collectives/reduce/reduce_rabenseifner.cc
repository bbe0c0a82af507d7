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
//
// Cost: 2 log2 pof2 α + 2 (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ, plus one n-byte message
// and combine each way for the fold. The long-message choice: the binomial tree's
// log2 p · n β becomes about 2 n β.
#include <cstring>

#include "collectives/algorithms.h"
#include "collectives/rank_math.h"
#include "collectives/reduction.h"

namespace weft::coll {

Task reduce_rabenseifner(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const ranks::Fold fold = ranks::fold_of(p);
  const int pof2 = fold.pof2;
  const size_t n = a.count * unit;
  // Element offset of block b (of pof2); block_at(pof2) is the whole count.
  auto block_at = [&](int b) { return ranks::block_offset(a.count, pof2, b); };
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
  // While `input_apart`, this rank's input is only in a.send: the next combine receives the
  // peer's part straight into the accumulator and adds the input to it from where it lies,
  // so the input is never copied.
  bool input_apart = a.send != accumulator;

  // 1. Fold.
  if (r < 2 * fold.rem) {
    if (me < 0) {
      c.send(r + 1, a.send, n);
      co_await c.all();
    } else {
      char* arrival = input_apart ? accumulator : incoming;
      c.recv(r - 1, arrival, n);
      co_await c.all();
      op.apply(input_apart ? a.send : arrival, accumulator, a.count);
      input_apart = false;
    }
  }

  if (me >= 0) {
    // 2. Recursive halving: [low, low + 2d) is the window of blocks still being reduced here.
    int low = 0;
    for (int distance = pof2 / 2; distance >= 1; distance /= 2) {
      const int partner = ranks::fold_old_rank(me ^ distance, p);
      const bool keep_low = (me & distance) == 0;
      const int keep_from = keep_low ? low : low + distance;
      const int give_from = keep_low ? low + distance : low;
      const size_t keep_at = block_at(keep_from) * unit;
      const size_t keep_elements = block_at(keep_from + distance) - block_at(keep_from);
      const size_t give_elements = block_at(give_from + distance) - block_at(give_from);
      const char* mine = input_apart ? a.send : accumulator;
      char* arrival = (input_apart ? accumulator : incoming) + keep_at;
      c.recv(partner, arrival, keep_elements * unit);
      c.send(partner, mine + block_at(give_from) * unit, give_elements * unit);
      co_await c.all();
      op.apply(input_apart ? a.send + keep_at : arrival, accumulator + keep_at, keep_elements);
      input_apart = false;
      low = keep_from;
    }
    if (input_apart) std::memcpy(accumulator, a.send, n);  // one rank: nothing to combine

    // 3. Binomial gather of the blocks to the target.
    const int target = ranks::fold_new_rank(stand_in, p);
    const int x = me ^ target;
    for (int distance = 1; distance < pof2; distance *= 2) {
      const int partner_new = me ^ distance;
      const int partner = ranks::fold_old_rank(partner_new, p);
      if ((x & distance) != 0) {
        const int first = me & ~(distance - 1);
        c.send(partner, accumulator + block_at(first) * unit,
               (block_at(first + distance) - block_at(first)) * unit);
        co_await c.all();
        break;
      }
      const int first = partner_new & ~(distance - 1);
      c.recv(partner, accumulator + block_at(first) * unit,
             (block_at(first + distance) - block_at(first)) * unit);
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
