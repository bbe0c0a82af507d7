// The steps several intercommunicator collectives begin with: the local group's data
// brought to its leader (rank 0), before the leader talks to the other group.
#pragma once

#include "coll/algorithms.h"

namespace weft::coll {

// Gathers every local rank's block (a.send, a.bytes) at the leader in rank order (binomial
// gather). At the leader *blocks then points at the p blocks, held in `gathered` (a group
// of one uses its block where it lies). The caller keeps `gathered` and `blocks` alive until
// the task has finished.
Task gather_at_leader(Context& c, Args a, Scratch& gathered, const char** blocks);

// Reduces every local rank's input (a.send: a.count elements of a.op) at the leader in rank
// order (binomial reduce). At the leader *result then points at the group's reduction, in
// `reduced` (a group of one uses its input where it lies).
Task reduce_at_leader(Context& c, Args a, Scratch& reduced, const char** result);

}  // namespace weft::coll
