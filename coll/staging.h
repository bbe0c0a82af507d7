// The entry layer's handling of user buffers, shared by the collectives on
// intracommunicators (collectives.cc) and on intercommunicators (inter/collectives_inter.cc):
// datatypes to packed byte areas, the blocks of the v-variants, and the reduction an
// operation applies.
#pragma once

#include <cstddef>

#include "coll/operation.h"
#include "coll/per_rank.h"
#include "coll/reduction.h"

namespace weft {
class Datatype;
}  // namespace weft

namespace weft::coll {

inline const char* bytes_of(const void* buffer) { return static_cast<const char*>(buffer); }
inline char* bytes_of(void* buffer) { return static_cast<char*>(buffer); }

// The address of element `index` of a buffer of `type` (extent steps; a v-collective's
// displacement may be negative).
const char* element(const void* buffer, const Datatype& type, ptrdiff_t index);

// `count` elements of `type` at `buffer` as packed bytes. A contiguous type is used where it
// lies; any other is staged: packed now when `load`, unpacked into the user's buffer when
// the operation has finished when `store`.
char* stage(Operation& op, const void* buffer, size_t count, Datatype* type, bool load, bool store);

// Packs `count` elements of `type` at `buffer` into `out`.
void pack_into(char* out, const void* buffer, size_t count, const Datatype& type);

// The blocks of a v-collective buffer (counts[i] elements at displs[i] extents; int or
// 64-bit arrays, per_rank.h) as packed
// bytes: offsets from `base` and sizes. A contiguous type is used where it lies (based at
// the lowest displacement, so offsets stay non-negative) unless `copy` asks for a private
// copy; otherwise the blocks are staged one after another. `load` packs every block now,
// `load_one` only that rank's block (-1: none); `store` unpacks them all at the end.
// There is one block per rank of the operation, or `blocks` of them when it is given (an
// intercommunicator's per-rank arrays describe the remote group).
struct Blocks {
  char* base = nullptr;
  size_t* offsets = nullptr;
  size_t* sizes = nullptr;
  size_t total = 0;
};
Blocks stage_blocks(Operation& op, const void* buffer, PerRank counts, PerRank displs,
                    Datatype* type, bool load, int load_one, bool store, bool copy,
                    int blocks = -1);

// Sets up the operation's Reduction for `count` elements of `type` and returns the number
// of reduction elements: basic elements for a predefined op, the user's elements for a
// user op.
size_t setup_reduction(Operation& operation, const OpView& op, Datatype* type, size_t count);

}  // namespace weft::coll
