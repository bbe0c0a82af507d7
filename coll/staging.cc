#include "coll/staging.h"

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "datatype/datatype.h"
#include "mpi.h"

namespace weft::coll {

const char* element(const void* buffer, const Datatype& type, ptrdiff_t index) {
  return bytes_of(buffer) + index * type.extent();
}

char* stage(Operation& op, const void* buffer, size_t count, Datatype* type, bool load,
            bool store) {
  const size_t bytes = count * type->size();
  if (bytes == 0) return op.buffer(0);
  if (type->is_contiguous()) return const_cast<char*>(bytes_of(buffer)) + type->true_lb();
  char* staged = op.buffer(bytes);
  if (load) type->pack(buffer, count, 0, staged, bytes);
  if (store) {
    op.keep(type);
    void* user = const_cast<void*>(buffer);
    op.at_end([type, staged, bytes, user, count] { type->unpack(staged, bytes, user, count, 0); });
  }
  return staged;
}

void pack_into(char* out, const void* buffer, size_t count, const Datatype& type) {
  const size_t bytes = count * type.size();
  if (bytes == 0) return;
  if (type.is_contiguous()) {
    std::memmove(out, bytes_of(buffer) + type.true_lb(), bytes);
  } else {
    type.pack(buffer, count, 0, out, bytes);
  }
}

Blocks stage_blocks(Operation& op, const void* buffer, PerRank counts, PerRank displs,
                    Datatype* type, bool load, int load_one, bool store, bool copy, int blocks_in) {
  const int p = blocks_in < 0 ? op.size() : blocks_in;
  Blocks blocks;
  blocks.offsets = op.array(static_cast<size_t>(p));
  blocks.sizes = op.array(static_cast<size_t>(p));
  for (int i = 0; i < p; ++i) {
    blocks.sizes[i] = static_cast<size_t>(counts[i]) * type->size();
    blocks.total += blocks.sizes[i];
  }
  if (type->is_contiguous() && !copy) {
    int64_t lowest = 0;
    for (int i = 0; i < p; ++i) {
      if (i == 0 || displs[i] < lowest) lowest = displs[i];
    }
    blocks.base = const_cast<char*>(bytes_of(buffer)) + type->true_lb() +
                  static_cast<MPI_Aint>(lowest) * type->extent();
    for (int i = 0; i < p; ++i) {
      blocks.offsets[i] =
          static_cast<size_t>(static_cast<MPI_Aint>(displs[i] - lowest) * type->extent());
    }
    return blocks;
  }
  blocks.base = op.buffer(blocks.total);
  size_t at = 0;
  for (int i = 0; i < p; ++i) {
    blocks.offsets[i] = at;
    at += blocks.sizes[i];
  }
  for (int i = 0; i < p; ++i) {
    if (load || i == load_one) {
      pack_into(blocks.base + blocks.offsets[i], element(buffer, *type, displs[i]),
                static_cast<size_t>(counts[i]), *type);
    }
  }
  if (store) {
    op.keep(type);
    void* user = const_cast<void*>(buffer);
    const Blocks staged = blocks;
    // The user's arrays need not outlive the call (a nonblocking one): keep their values.
    std::vector<std::pair<size_t, MPI_Aint>> layout(static_cast<size_t>(p));
    for (int i = 0; i < p; ++i) {
      layout[static_cast<size_t>(i)] = {static_cast<size_t>(counts[i]),
                                        static_cast<MPI_Aint>(displs[i])};
    }
    op.at_end([type, staged, user, layout = std::move(layout)] {
      for (size_t i = 0; i < layout.size(); ++i) {
        if (staged.sizes[i] == 0) continue;
        type->unpack(staged.base + staged.offsets[i], staged.sizes[i],
                     const_cast<char*>(element(user, *type, layout[i].second)), layout[i].first,
                     0);
      }
    });
  }
  return blocks;
}

size_t setup_reduction(Operation& operation, const OpView& op, Datatype* type, size_t count) {
  if (op.function) {
    operation.keep(type);
    operation.keep(op.owner);
    operation.reduction() = Reduction(op.function, op.commutative, type);
    return count;
  }
  if (op.kernel == nullptr || op.basic->size() == 0) {
    operation.reduction() = Reduction(nullptr, 1);
    return 0;
  }
  operation.reduction() = Reduction(op.kernel, op.basic->size());
  return count * type->size() / op.basic->size();
}

}  // namespace weft::coll
