// Phases that several reduction algorithms share, written once: the fold of a communicator
// whose size is not a power of two, then the recursive-halving reduce-scatter over the
// remaining power of two (coll/reduction_phases.cc has the contract). Rabenseifner's
// allreduce and reduce and the recursive-halving reduce_scatter run it as their first steps.
#pragma once

#include <cstddef>

#include "coll/rank_math.h"
#include "coll/task.h"

namespace weft::coll {

class Reduction;

// Where a vector of `count` elements is cut into `parts` blocks (a power of two): evenly as
// ranks::block_offset does, unless `offsets` holds the parts + 1 element offsets (the last
// one `count`). Block b is [at(b), at(b + 1)).
struct Blocks {
  size_t count = 0;
  int parts = 1;
  const size_t* offsets = nullptr;

  size_t at(int b) const {
    return offsets != nullptr ? offsets[b] : ranks::block_offset(count, parts, b);
  }
};

// Fold, then recursive halving (steps 1 and 2 of the algorithms above), one exchange at a
// time, driven from the calling algorithm's coroutine:
//
//   FoldAndHalve phase(c, op, input, accumulator, incoming, blocks);
//   while (phase.post()) {
//     co_await c.all();
//     phase.combine();
//   }
//
// A step object rather than a nested coroutine: awaiting a child Task costs a frame and two
// coroutine switches per call, measurable on the shortest vectors these algorithms serve.
//
// `input` is this rank's vector (it may be `accumulator` itself); `accumulator` and
// `incoming` hold the whole vector (`incoming` is scratch placed like the peers' send
// buffers). Afterwards the rank with new rank i = new_rank() >= 0 holds block i of the
// result in `accumulator`; a rank that sat out (new rank -1) has handed its input on and
// left `accumulator` alone. Commutative ops only.
class FoldAndHalve {
 public:
  FoldAndHalve(Context& c, const Reduction& op, const char* input, char* accumulator,
               char* incoming, Blocks blocks);

  // Posts the transfers of the next step; false when the phase is over.
  bool post();
  // Combines what the step posted last received (after its transfers completed).
  void combine();

  int new_rank() const { return me_; }

 private:
  enum class Stage { kFold, kHalving, kDone };

  Context& c_;
  const Reduction& op_;
  const char* input_;
  char* accumulator_;
  char* incoming_;
  Blocks blocks_;
  size_t unit_;
  int me_;
  Stage stage_ = Stage::kFold;
  // Until this rank's first combine, its vector is only in `input_`.
  bool input_apart_;
  int distance_;  // of the next halving step
  int low_ = 0;   // the window [low, low + 2 distance) holds block `me_`
  // The combine the posted step asks for: inout = in op inout over `count` elements.
  const char* combine_in_ = nullptr;
  char* combine_inout_ = nullptr;
  size_t combine_count_ = 0;
};

}  // namespace weft::coll
