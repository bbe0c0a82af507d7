// The Fortran ABI registration of the standard ABI (MPI-5.0 §21.4.1): the sizes of the
// default Fortran types, which optional Fortran types the compiler supports, and the bit
// patterns of .TRUE. and .FALSE. per LOGICAL size. A Fortran layer built on the C library
// registers what its compiler does (MPI_Abi_set_fortran_info, MPI_Abi_set_fortran_booleans);
// the predefined datatypes and reduction kernels follow it.
//
// When it may change. The predefined datatypes are read without a lock on every
// communication call, so they change only while nothing can use them: before the
// communication layer first starts (MPI_Init, MPI_Init_thread or the first
// MPI_Session_init, which call seal()). Until then the registration is open: the first
// valid MPI_Abi_set_fortran_info re-points the default types and closes it. From the seal on
// the types are fixed for the life of the process, registered or not, and a set call gets
// MPI_ERR_ABI. A refused call (bad value, too late, second call) changes nothing.
//
// What MPI_Abi_get_fortran_info reports (describe()): nothing (MPI_INFO_NULL, "unknown, must
// be set by the application") while the registration is open and unused, so a Fortran layer
// that follows the standard registers its compiler's properties instead of trusting
// weft's built-in assumption; the registered description once it is set; and the
// description in force (weft's defaults: INTEGER and LOGICAL are MPI_Fint, REAL 4 bytes,
// DOUBLE PRECISION 8, every optional type supported) once the seal fixed it unregistered.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "mpi.h"

namespace weft::fortran_abi {

// The optional Fortran types that the info keys mpi_<name>_supported describe, in the
// standard's order.
struct OptionalType {
  const char* key;  // "mpi_integer8_supported"
  MPI_Datatype handle;
};
inline constexpr size_t kOptionalTypes = 19;
extern const OptionalType kOptional[kOptionalTypes];

// The properties of the Fortran compiler that the datatypes follow.
struct Description {
  int logical_size = sizeof(MPI_Fint);
  int integer_size = sizeof(MPI_Fint);
  int real_size = 4;
  int double_precision_size = 8;
  bool supported[kOptionalTypes] = {true, true, true, true, true, true, true, true, true, true,
                                    true, true, true, true, true, true, true, true, true};
};

// Looks a key up in the caller's info object: true and *value set when present.
using Lookup = std::function<bool(const std::string& key, std::string* value)>;

// MPI_Abi_set_fortran_info: validates every key it knows (unknown keys are ignored, as for
// any info object; a key not given keeps its current value), then re-points the default
// Fortran types, their pair and complex companions and their reduction kernels, and marks
// the unsupported optional types. MPI_ERR_ABI when called twice or after the seal;
// MPI_ERR_INFO_VALUE naming the key and value for a value weft cannot represent.
Status set(const char* call, const Lookup& lookup);

// MPI_Abi_get_fortran_info: the keys and values to report, or nothing (MPI_INFO_NULL); see
// the top of this file.
std::optional<std::vector<std::pair<std::string, std::string>>> describe();

// The communication layer starts: the registration closes for good. Idempotent.
void seal();

// MPI_Abi_set_fortran_booleans / _get_: the literal .TRUE. and .FALSE. of a LOGICAL of
// `logical_size` bytes (a power of two up to 16, else MPI_ERR_ARG). Each size is registered
// once, before the seal (a repeat with the same literals is accepted; different ones, or a
// call after the seal, get MPI_ERR_ABI). Unregistered sizes use 1 and 0 (is_set false).
Status set_booleans(const char* call, int logical_size, const void* logical_true,
                    const void* logical_false);
Status get_booleans(const char* call, int logical_size, void* logical_true, void* logical_false,
                    int* is_set);

// The literals the logical reduction kernels of LOGICALn (n = 1, 2, 4, 8) produce and test
// (only the false literal is false), as T's bit pattern. Written only before the seal.
namespace internal {
extern std::atomic<int64_t> g_true[4];
extern std::atomic<int64_t> g_false[4];
constexpr int slot_of(size_t size) { return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3; }
}  // namespace internal

template <class T>
inline T literal_true() {
  return static_cast<T>(internal::g_true[internal::slot_of(sizeof(T))].load(std::memory_order_relaxed));
}
template <class T>
inline T literal_false() {
  return static_cast<T>(internal::g_false[internal::slot_of(sizeof(T))].load(std::memory_order_relaxed));
}

// The sized kind a default Fortran type of `size` bytes is (MPI_INTEGER of 8 bytes is
// MPI_INTEGER8); sizes are those set() accepts. complex_kind takes the size of one part.
inline MPI_Datatype integer_kind(int size) {
  switch (size) {
    case 1: return MPI_INTEGER1;
    case 2: return MPI_INTEGER2;
    case 4: return MPI_INTEGER4;
    case 8: return MPI_INTEGER8;
    default: return MPI_INTEGER16;
  }
}
inline MPI_Datatype logical_kind(int size) {
  switch (size) {
    case 1: return MPI_LOGICAL1;
    case 2: return MPI_LOGICAL2;
    case 4: return MPI_LOGICAL4;
    case 8: return MPI_LOGICAL8;
    default: return MPI_LOGICAL16;
  }
}
inline MPI_Datatype real_kind(int size) {
  switch (size) {
    case 2: return MPI_REAL2;
    case 4: return MPI_REAL4;
    case 8: return MPI_REAL8;
    default: return MPI_REAL16;
  }
}
inline MPI_Datatype complex_kind(int real_size) {
  switch (real_size) {
    case 2: return MPI_COMPLEX4;
    case 4: return MPI_COMPLEX8;
    case 8: return MPI_COMPLEX16;
    default: return MPI_COMPLEX32;
  }
}

}  // namespace weft::fortran_abi

namespace weft::datatype_internal {
// Re-points the predefined Fortran types to `description` (fortran_abi.cc calls it with its
// lock held, before the seal).
void repoint_fortran_types(const fortran_abi::Description& description);
void repoint_fortran_kernels(const fortran_abi::Description& description);
}  // namespace weft::datatype_internal
