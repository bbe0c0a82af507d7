// A per-rank array of counts or displacements as a C entry point received it: `int` for
// the standard calls, 64-bit (MPI_Count counts, MPI_Aint displacements) for their
// large-count `_c` twins. The entry layers (collectives.cc, inter/collectives_inter.cc,
// alltoallw) read each entry once, into the byte offsets and sizes the algorithms use, so
// one body serves both forms without converting the int arrays into a wide copy first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace weft::coll {

class PerRank {
 public:
  PerRank() = default;
  // From `const int*`, `const MPI_Count*` or `const MPI_Aint*` (nullptr: no array, as where
  // an argument is not significant).
  template <typename Integer>
    requires(std::is_integral_v<Integer> && std::is_signed_v<Integer> &&
             (sizeof(Integer) == sizeof(int32_t) || sizeof(Integer) == sizeof(int64_t)))
  PerRank(const Integer* values)  // NOLINT(google-explicit-constructor): the C array itself
      : data_(values), wide_(sizeof(Integer) == sizeof(int64_t)) {}

  int64_t operator[](size_t i) const {
    if (wide_) {
      int64_t value;
      // MPI_Aint (intptr_t) and MPI_Count (int64_t) may be distinct types of one size.
      __builtin_memcpy(&value, static_cast<const char*>(data_) + i * sizeof(int64_t),
                       sizeof value);
      return value;
    }
    return static_cast<const int32_t*>(data_)[i];
  }
  bool empty() const { return data_ == nullptr; }
  bool wide() const { return wide_; }
  const void* data() const { return data_; }

 private:
  const void* data_ = nullptr;
  bool wide_ = false;
};

}  // namespace weft::coll
