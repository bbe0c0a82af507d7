// The steps inside the local group that the intercommunicator collectives are built from:
// the group's data brought to its leader (rank 0) before the leader talks to the other
// group, and what the leader received handed on to the group. Each runs the
// intracommunicator algorithm the selection rules choose for that step on the local group
// (coll/select.h: the tuning file, WEFT_<COLLECTIVE>_ALGORITHM), with the sizes every
// member knows alike, so the members agree on it.
#pragma once

#include "coll/algorithms.h"

namespace weft::coll {

// Gathers every local rank's block (a.send, a.bytes) at the leader in rank order. At the
// leader *blocks then points at the p blocks, held in `gathered` (a group of one uses its
// block where it lies). The caller keeps `gathered` and `blocks` alive until the task has
// finished.
Task gather_at_leader(Context& c, Args a, Scratch& gathered, const char** blocks);

// Reduces every local rank's input (a.send: a.count elements of a.op) at the leader in rank
// order. At the leader *result then points at the group's reduction, in `reduced` (a group
// of one uses its input where it lies).
Task reduce_at_leader(Context& c, Args a, Scratch& reduced, const char** result);

// Broadcasts a.bytes at a.recv from the leader to the local group.
Task bcast_from_leader(Context& c, Args a);

// Scatters the leader's p blocks (a.send, leader only) to the local group: a.bytes each
// into a.recv.
Task scatter_from_leader(Context& c, Args a);

}  // namespace weft::coll
