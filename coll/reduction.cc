#include "coll/reduction.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#include "datatype/datatype.h"

namespace weft::coll {

char* scratch_like(Scratch& scratch, size_t bytes, const void* like) {
  constexpr uintptr_t kPage = 4096;
  // Too short for the kernel's single-copy path: placement does not matter.
  if (bytes <= Scratch::kInline) {
    scratch.resize(bytes);
    return scratch.data();
  }
  scratch.resize(bytes + kPage);
  char* base = scratch.data();
  const uintptr_t offset =
      (reinterpret_cast<uintptr_t>(like) - reinterpret_cast<uintptr_t>(base)) & (kPage - 1);
  return base + offset;
}

bool copies_fast(const void* from, const void* to) {
  constexpr uintptr_t kPage = 4096;
  const uintptr_t distance =
      (reinterpret_cast<uintptr_t>(to) - reinterpret_cast<uintptr_t>(from)) & (kPage - 1);
  return distance == 0 || distance >= 64;
}

void UserFunction::call(void* in, void* inout, size_t count, MPI_Datatype handle,
                        MPI_Aint extent) const {
  if (large != nullptr) {
    MPI_Count n = static_cast<MPI_Count>(count);
    large(in, inout, &n, &handle);
    return;
  }
  char* in_bytes = static_cast<char*>(in);
  char* inout_bytes = static_cast<char*>(inout);
  const size_t stride = static_cast<size_t>(extent);
  while (count > 0) {
    int piece = static_cast<int>(std::min<size_t>(count, INT_MAX));
    plain(in_bytes, inout_bytes, &piece, &handle);
    in_bytes += stride * static_cast<size_t>(piece);
    inout_bytes += stride * static_cast<size_t>(piece);
    count -= static_cast<size_t>(piece);
  }
}

Reduction::Reduction(UserFunction function, bool commutative, const Datatype* type)
    : function_(function), type_(type), unit_(type->size()), commutative_(commutative) {}

void Reduction::apply(const void* in, void* inout, size_t count) const {
  if (count == 0) return;
  if (kernel_ != nullptr) {
    kernel_(in, inout, count);
  } else {
    apply_user(in, inout, count);
  }
}

namespace {

// The memory that `count` elements of `type` span, relative to the buffer address.
struct Span {
  MPI_Aint low;
  MPI_Aint high;
};

Span span_of(const Datatype& type, size_t count) {
  const MPI_Aint last = static_cast<MPI_Aint>(count - 1) * type.extent();
  return Span{std::min(type.true_lb(), last + type.true_lb()),
              std::max(type.true_lb() + type.true_extent(), last + type.true_lb() + type.true_extent())};
}

void call_user(const UserFunction& function, const Datatype& type, char* in, char* inout,
               size_t count) {
  function.call(in, inout, count, type.handle(), type.extent());
}

}  // namespace

void Reduction::apply_user(const void* in, void* inout, size_t count) const {
  const Datatype& type = *type_;
  if (type.is_contiguous()) {
    // Packed data of a contiguous type is its memory image, which starts at true_lb.
    char* in_buffer = const_cast<char*>(static_cast<const char*>(in)) - type.true_lb();
    char* inout_buffer = static_cast<char*>(inout) - type.true_lb();
    call_user(function_, type, in_buffer, inout_buffer, count);
    return;
  }
  // The user function expects the datatype's own layout: unpack both operands, apply, and
  // pack the result back.
  const Span span = span_of(type, count);
  const size_t bytes = static_cast<size_t>(span.high - span.low);
  std::unique_ptr<char[]> in_image(new char[bytes]);
  std::unique_ptr<char[]> inout_image(new char[bytes]);
  char* in_buffer = in_image.get() - span.low;
  char* inout_buffer = inout_image.get() - span.low;
  const size_t packed = count * type.size();
  type.unpack(in, packed, in_buffer, count, 0);
  type.unpack(inout, packed, inout_buffer, count, 0);
  call_user(function_, type, in_buffer, inout_buffer, count);
  type.pack(inout_buffer, count, 0, inout, packed);
}

}  // namespace weft::coll
