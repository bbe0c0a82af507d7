// Algorithm: fold + recursive-halving reduce-scatter, the first phase of Rabenseifner's
// allreduce and reduce and of the recursive-halving reduce_scatter (Rabenseifner 2004;
// Thakur, Rabenseifner and Gropp 2005).
//
// Restrictions: commutative ops (partial results are combined in the order they meet, not
// in rank order).
//
// Steps: with pof2 the largest power of two <= p and rem = p - pof2:
//   1. Fold: of the first 2·rem ranks, each even rank sends its whole vector to the next
//      odd rank, which combines it and takes new rank r/2; ranks >= 2·rem take new rank
//      r - rem. The even ranks are done with this phase.
//   2. Recursive halving over the pof2 new ranks and the pof2 blocks of the vector: in the
//      step with distance d = pof2/2, ..., 1 a rank keeps the half of its window of blocks
//      that holds its own block, sends the other half to new rank XOR d and combines the
//      half it receives. New rank i ends with block i reduced over all p inputs.
//
// The input is read where it lies: until a rank's first combine its own vector is only in
// `input`, so that combine receives the peer's part straight into the accumulator and adds
// the input to it from there; nothing copies the input first (one pass over the vector
// saved, which matters for the long vectors these algorithms serve).
//
// Cost: log2 pof2 α + (pof2-1)/pof2 n β + (pof2-1)/pof2 n γ, plus α + n β + n γ for the
// fold.
#include "coll/reduction_phases.h"

#include <cstring>

#include "coll/reduction.h"

namespace weft::coll {

FoldAndHalve::FoldAndHalve(Context& c, const Reduction& op, const char* input,
                           char* accumulator, char* incoming, Blocks blocks)
    : c_(c),
      op_(op),
      input_(input),
      accumulator_(accumulator),
      incoming_(incoming),
      blocks_(blocks),
      unit_(op.unit()),
      me_(ranks::fold_new_rank(c.rank(), c.size())),
      input_apart_(input != accumulator),
      distance_(ranks::fold_of(c.size()).pof2 / 2) {}

bool FoldAndHalve::post() {
  combine_count_ = 0;
  combine_inout_ = nullptr;
  if (stage_ == Stage::kFold) {
    stage_ = Stage::kHalving;
    const int r = c_.rank();
    if (r < 2 * ranks::fold_of(c_.size()).rem) {
      // 1. Fold.
      if (me_ < 0) {
        c_.send(r + 1, input_, blocks_.count * unit_);
        stage_ = Stage::kDone;
        return true;
      }
      char* arrival = input_apart_ ? accumulator_ : incoming_;
      c_.recv(r - 1, arrival, blocks_.count * unit_);
      combine_in_ = input_apart_ ? input_ : arrival;
      combine_inout_ = accumulator_;
      combine_count_ = blocks_.count;
      return true;
    }
  }
  if (stage_ == Stage::kDone) return false;

  if (distance_ < 1) {
    // One rank: nothing was combined, and the callers read the result from the accumulator.
    if (input_apart_) std::memcpy(accumulator_, input_, blocks_.count * unit_);
    stage_ = Stage::kDone;
    return false;
  }
  // 2. One step of recursive halving.
  const int distance = distance_;
  const int partner = ranks::fold_old_rank(me_ ^ distance, c_.size());
  const bool keep_low = (me_ & distance) == 0;
  const int keep_from = keep_low ? low_ : low_ + distance;
  const int give_from = keep_low ? low_ + distance : low_;
  const size_t keep_at = blocks_.at(keep_from) * unit_;
  const size_t keep_elements = blocks_.at(keep_from + distance) - blocks_.at(keep_from);
  const size_t give_at = blocks_.at(give_from) * unit_;
  const size_t give_bytes = blocks_.at(give_from + distance) * unit_ - give_at;
  const char* mine = input_apart_ ? input_ : accumulator_;
  char* arrival = (input_apart_ ? accumulator_ : incoming_) + keep_at;
  c_.recv(partner, arrival, keep_elements * unit_);
  c_.send(partner, mine + give_at, give_bytes);
  combine_in_ = input_apart_ ? input_ + keep_at : arrival;
  combine_inout_ = accumulator_ + keep_at;
  combine_count_ = keep_elements;
  low_ = keep_from;
  distance_ = distance / 2;
  return true;
}

void FoldAndHalve::combine() {
  if (combine_inout_ == nullptr) return;  // a step that only sent
  op_.apply(combine_in_, combine_inout_, combine_count_);
  input_apart_ = false;
}

}  // namespace weft::coll
