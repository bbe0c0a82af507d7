// The predefined datatypes of mpi.h, handle lookup, and the validation helpers.
//
// Sizes, alignments and the layouts of the pair types (MPI_DOUBLE_INT, ...) are taken from
// the C++ compiler's own types, so they match what a C program on the same platform
// declares: on x86-64, MPI_LONG_DOUBLE is 16 bytes, MPI_DOUBLE_INT holds 12 data bytes in
// a 16-byte extent, MPI_SHORT_INT 6 in 8, MPI_LONG_DOUBLE_INT 20 in 32.
//
// The Fortran types of the standard ABI are predefined too, so C code (and a Fortran layer
// on top) can use them: default INTEGER and LOGICAL are MPI_Fint, REAL is 4 bytes, DOUBLE
// PRECISION 8, CHARACTER 1; the sized kinds (MPI_INTEGER8, MPI_REAL4, MPI_COMPLEX16 ...)
// have the size in their name (a COMPLEXn holds two REAL(n/2)). REAL2 and REAL16 (and
// COMPLEX4/COMPLEX32) move data but have no arithmetic: C has no portable type for them.
// Those defaults are weft's assumption until a Fortran layer registers its compiler
// (MPI_Abi_set_fortran_info, datatype/fortran_abi.h): then the default types take the
// registered sizes and the optional types it lacks become unsupported.
#include <array>
#include <atomic>
#include <cinttypes>
#include <complex>
#include <cstddef>

#include "datatype/datatype.h"
#include "datatype/fortran_abi.h"

namespace weft {

namespace datatype_internal {

namespace {

constexpr uintptr_t kFirstPredefined = 0x200;  // MPI_DATATYPE_NULL
constexpr uintptr_t kLastPredefined = 0x2ff;   // end of the standard ABI's datatype range

uintptr_t value_of(MPI_Datatype handle) { return reinterpret_cast<uintptr_t>(handle); }

struct BasicSpec {
  MPI_Datatype handle;
  const char* name;
  size_t size;
  size_t alignment;
};

// A 32-byte, 16-aligned stand-in for COMPLEX32 (two REAL16), whose arithmetic C lacks.
struct alignas(16) Int128Pair {
  __int128 re, im;
};

#define WEFT_BASIC(handle, ctype) \
  BasicSpec { handle, #handle, sizeof(ctype), alignof(ctype) }

// C's float _Complex and friends have the layout of std::complex (two values in a row).
const BasicSpec kBasicTypes[] = {
    WEFT_BASIC(MPI_AINT, MPI_Aint),
    WEFT_BASIC(MPI_COUNT, MPI_Count),
    WEFT_BASIC(MPI_OFFSET, MPI_Offset),
    WEFT_BASIC(MPI_PACKED, unsigned char),
    WEFT_BASIC(MPI_SHORT, short),
    WEFT_BASIC(MPI_INT, int),
    WEFT_BASIC(MPI_LONG, long),
    WEFT_BASIC(MPI_LONG_LONG, long long),
    WEFT_BASIC(MPI_UNSIGNED_SHORT, unsigned short),
    WEFT_BASIC(MPI_UNSIGNED, unsigned),
    WEFT_BASIC(MPI_UNSIGNED_LONG, unsigned long),
    WEFT_BASIC(MPI_UNSIGNED_LONG_LONG, unsigned long long),
    WEFT_BASIC(MPI_FLOAT, float),
    WEFT_BASIC(MPI_C_FLOAT_COMPLEX, std::complex<float>),
    WEFT_BASIC(MPI_CXX_FLOAT_COMPLEX, std::complex<float>),
    WEFT_BASIC(MPI_DOUBLE, double),
    WEFT_BASIC(MPI_C_DOUBLE_COMPLEX, std::complex<double>),
    WEFT_BASIC(MPI_CXX_DOUBLE_COMPLEX, std::complex<double>),
    WEFT_BASIC(MPI_LONG_DOUBLE, long double),
    WEFT_BASIC(MPI_C_LONG_DOUBLE_COMPLEX, std::complex<long double>),
    WEFT_BASIC(MPI_CXX_LONG_DOUBLE_COMPLEX, std::complex<long double>),
    WEFT_BASIC(MPI_C_BOOL, bool),
    WEFT_BASIC(MPI_CXX_BOOL, bool),
    WEFT_BASIC(MPI_WCHAR, wchar_t),
    WEFT_BASIC(MPI_INT8_T, int8_t),
    WEFT_BASIC(MPI_UINT8_T, uint8_t),
    WEFT_BASIC(MPI_CHAR, char),
    WEFT_BASIC(MPI_SIGNED_CHAR, signed char),
    WEFT_BASIC(MPI_UNSIGNED_CHAR, unsigned char),
    WEFT_BASIC(MPI_BYTE, unsigned char),
    WEFT_BASIC(MPI_INT16_T, int16_t),
    WEFT_BASIC(MPI_UINT16_T, uint16_t),
    WEFT_BASIC(MPI_INT32_T, int32_t),
    WEFT_BASIC(MPI_UINT32_T, uint32_t),
    WEFT_BASIC(MPI_INT64_T, int64_t),
    WEFT_BASIC(MPI_UINT64_T, uint64_t),
    // Fortran types.
    WEFT_BASIC(MPI_INTEGER, MPI_Fint),
    WEFT_BASIC(MPI_LOGICAL, MPI_Fint),
    WEFT_BASIC(MPI_REAL, float),
    WEFT_BASIC(MPI_DOUBLE_PRECISION, double),
    WEFT_BASIC(MPI_COMPLEX, std::complex<float>),
    WEFT_BASIC(MPI_DOUBLE_COMPLEX, std::complex<double>),
    WEFT_BASIC(MPI_CHARACTER, char),
    WEFT_BASIC(MPI_INTEGER1, int8_t),
    WEFT_BASIC(MPI_INTEGER2, int16_t),
    WEFT_BASIC(MPI_INTEGER4, int32_t),
    WEFT_BASIC(MPI_INTEGER8, int64_t),
    WEFT_BASIC(MPI_INTEGER16, __int128),
    WEFT_BASIC(MPI_LOGICAL1, int8_t),
    WEFT_BASIC(MPI_LOGICAL2, int16_t),
    WEFT_BASIC(MPI_LOGICAL4, int32_t),
    WEFT_BASIC(MPI_LOGICAL8, int64_t),
    WEFT_BASIC(MPI_LOGICAL16, __int128),
    WEFT_BASIC(MPI_REAL2, int16_t),
    WEFT_BASIC(MPI_REAL4, float),
    WEFT_BASIC(MPI_REAL8, double),
    WEFT_BASIC(MPI_REAL16, __int128),
    WEFT_BASIC(MPI_COMPLEX4, int32_t),
    WEFT_BASIC(MPI_COMPLEX8, std::complex<float>),
    WEFT_BASIC(MPI_COMPLEX16, std::complex<double>),
    WEFT_BASIC(MPI_COMPLEX32, Int128Pair),
};
#undef WEFT_BASIC

// The value-and-index pair types of MINLOC/MAXLOC: struct { first value; second index; }.
struct PairSpec {
  MPI_Datatype handle;
  const char* name;
  MPI_Datatype first;
  MPI_Datatype second;
  size_t second_offset;
  size_t extent;
  size_t alignment;
};

template <class Value, class Index = int>
struct Pair {
  Value value;
  Index index;
};

#define WEFT_PAIR(handle, first, ctype)                                                 \
  PairSpec {                                                                            \
    handle, #handle, first, MPI_INT, offsetof(Pair<ctype>, index), sizeof(Pair<ctype>), \
        alignof(Pair<ctype>)                                                            \
  }

// Fortran's pairs hold the index in the value's own type (MPI_2REAL: two REALs).
template <class Value>
using Twin = Pair<Value, Value>;

#define WEFT_TWIN(handle, first, ctype)                                                     \
  PairSpec {                                                                                \
    handle, #handle, first, first, offsetof(Twin<ctype>, index), sizeof(Twin<ctype>),      \
        alignof(Twin<ctype>)                                                                \
  }

const PairSpec kPairTypes[] = {
    WEFT_PAIR(MPI_FLOAT_INT, MPI_FLOAT, float),
    WEFT_PAIR(MPI_DOUBLE_INT, MPI_DOUBLE, double),
    WEFT_PAIR(MPI_LONG_INT, MPI_LONG, long),
    WEFT_PAIR(MPI_2INT, MPI_INT, int),
    WEFT_PAIR(MPI_SHORT_INT, MPI_SHORT, short),
    WEFT_PAIR(MPI_LONG_DOUBLE_INT, MPI_LONG_DOUBLE, long double),
    WEFT_TWIN(MPI_2INTEGER, MPI_INTEGER, MPI_Fint),
    WEFT_TWIN(MPI_2REAL, MPI_REAL, float),
    WEFT_TWIN(MPI_2DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, double),
};
#undef WEFT_PAIR
#undef WEFT_TWIN

}  // namespace

struct PredefinedTable {
  // Atomic only so that MPI_Abi_set_fortran_info may replace a slot's object (before the
  // communication layer starts, datatype/fortran_abi.h); every read is a plain load.
  std::array<std::atomic<Datatype*>, kLastPredefined - kFirstPredefined + 1> types{};

  PredefinedTable() {
    for (const BasicSpec& spec : kBasicTypes) set(spec.handle, make_basic(spec));
    for (const PairSpec& spec : kPairTypes) set(spec.handle, make_pair(spec));
  }

  static Datatype* make_basic(const BasicSpec& spec) {
    Shape shape;
    shape.size = spec.size;
    shape.ub = shape.true_ub = static_cast<MPI_Aint>(spec.size);
    shape.alignment = spec.alignment;
    LayoutBuilder layout;
    layout.add_bytes(0, 1, 0, spec.size);
    shape.layout = layout.finish();
    auto* type = new Datatype(std::move(shape), spec.handle, spec.name);
    // A basic type is its own signature and its own uniform type.
    SignatureBuilder signature;
    signature.add_basic(type, 1);
    type->shape_.signature = signature.finish();
    type->shape_.uniform = type;
    return type;
  }

  Datatype* make_pair(const PairSpec& spec) const {
    const Datatype* first = get(spec.first);
    const Datatype* second = get(spec.second);
    Shape shape;
    shape.size = first->size() + second->size();
    shape.ub = static_cast<MPI_Aint>(spec.extent);
    shape.true_ub = static_cast<MPI_Aint>(spec.second_offset + second->size());
    shape.alignment = spec.alignment;
    LayoutBuilder layout;
    layout.add_bytes(0, 1, 0, first->size());
    layout.add_bytes(static_cast<MPI_Aint>(spec.second_offset), 1, 0, second->size());
    shape.layout = layout.finish();
    SignatureBuilder signature;
    signature.add_basic(first, 1);
    signature.add_basic(second, 1);
    shape.signature = signature.finish();
    auto* type = new Datatype(std::move(shape), spec.handle, spec.name);
    // MINLOC/MAXLOC reduce the pair as one value, so the pair is its own uniform type.
    type->shape_.uniform = type;
    return type;
  }

  // MPI_Abi_set_fortran_info: new objects for the default Fortran types and their
  // companions, each shaped like the sized kind it now is (MPI_INTEGER with 8 bytes is laid
  // out as MPI_INTEGER8), and unsupported copies of the optional types the compiler lacks.
  // The objects replaced stay alive: predefined types are never destroyed.
  void repoint(const fortran_abi::Description& d) {
    auto like = [&](MPI_Datatype handle, const char* name, MPI_Datatype kind) {
      const Datatype* model = get(kind);
      set(handle, make_basic(BasicSpec{handle, name, model->size(), model->alignment()}));
    };
    like(MPI_INTEGER, "MPI_INTEGER", fortran_abi::integer_kind(d.integer_size));
    like(MPI_LOGICAL, "MPI_LOGICAL", fortran_abi::logical_kind(d.logical_size));
    like(MPI_REAL, "MPI_REAL", fortran_abi::real_kind(d.real_size));
    like(MPI_DOUBLE_PRECISION, "MPI_DOUBLE_PRECISION",
         fortran_abi::real_kind(d.double_precision_size));
    like(MPI_COMPLEX, "MPI_COMPLEX", fortran_abi::complex_kind(d.real_size));
    like(MPI_DOUBLE_COMPLEX, "MPI_DOUBLE_COMPLEX",
         fortran_abi::complex_kind(d.double_precision_size));
    // Fortran's pairs are two values of one type: no padding, aligned like the value.
    auto twin = [&](MPI_Datatype handle, const char* name, MPI_Datatype value) {
      const Datatype* first = get(value);
      set(handle, make_pair(PairSpec{handle, name, value, value, first->size(),
                                     2 * first->size(), first->alignment()}));
    };
    twin(MPI_2INTEGER, "MPI_2INTEGER", MPI_INTEGER);
    twin(MPI_2REAL, "MPI_2REAL", MPI_REAL);
    twin(MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION", MPI_DOUBLE_PRECISION);
    for (size_t i = 0; i < fortran_abi::kOptionalTypes; ++i) {
      if (d.supported[i]) continue;
      const MPI_Datatype handle = fortran_abi::kOptional[i].handle;
      const Datatype* current = get(handle);
      // The replaced object lives on, so its name's characters do too.
      auto* type = make_basic(
          BasicSpec{handle, current->name().c_str(), current->size(), current->alignment()});
      type->unsupported_ = true;
      type->committed_ = false;
      set(handle, type);
    }
  }

  Datatype* get(MPI_Datatype handle) const {
    return types[value_of(handle) - kFirstPredefined].load(std::memory_order_acquire);
  }
  void set(MPI_Datatype handle, Datatype* type) {
    types[value_of(handle) - kFirstPredefined].store(type, std::memory_order_release);
  }
};

namespace {

// Built on first use (thread-safe static initialization) and never destroyed: handles of
// predefined types stay valid until the process ends.
PredefinedTable& predefined_table() {
  static PredefinedTable* table = new PredefinedTable();
  return *table;
}

}  // namespace

}  // namespace datatype_internal

const Datatype* predefined_datatype(MPI_Datatype handle) {
  const uintptr_t value = reinterpret_cast<uintptr_t>(handle);
  if (value <= datatype_internal::kFirstPredefined || value > datatype_internal::kLastPredefined) {
    return nullptr;
  }
  return datatype_internal::predefined_table().get(handle);
}

namespace datatype_internal {
void repoint_fortran_types(const fortran_abi::Description& description) {
  predefined_table().repoint(description);
}
}  // namespace datatype_internal

Datatype* datatype_from_handle(MPI_Datatype handle) {
  if (is_predefined_handle(handle)) return const_cast<Datatype*>(predefined_datatype(handle));
  return dynamic_object<Datatype>(handle);
}

Status find_datatype(const char* call, const char* argument, MPI_Datatype handle, Datatype** out) {
  const uintptr_t value = reinterpret_cast<uintptr_t>(handle);
  if (handle == MPI_DATATYPE_NULL) {
    return error(MPI_ERR_TYPE, "%s: argument %s=0x%" PRIxPTR " is MPI_DATATYPE_NULL", call,
                 argument, value);
  }
  Datatype* type = datatype_from_handle(handle);
  if (type == nullptr) {
    return error(MPI_ERR_TYPE, "%s: argument %s=0x%" PRIxPTR " is not a valid datatype handle",
                 call, argument, value);
  }
  *out = type;
  return Status::success();
}

Status check_datatype(const char* call, const char* argument, MPI_Datatype handle, Datatype** out) {
  Datatype* type = nullptr;
  WEFT_TRY(find_datatype(call, argument, handle, &type));
  if (!type->committed()) {
    if (type->is_unsupported()) {
      return error(MPI_ERR_TYPE,
                   "%s: argument %s=0x%" PRIxPTR
                   " (%s) is not supported: the Fortran ABI registered with "
                   "MPI_Abi_set_fortran_info says the compiler lacks it",
                   call, argument, reinterpret_cast<uintptr_t>(handle), type->name().c_str());
    }
    return error(MPI_ERR_TYPE,
                 "%s: argument %s=0x%" PRIxPTR
                 "%s%s%s is not committed (call MPI_Type_commit "
                 "before using it in communication)",
                 call, argument, reinterpret_cast<uintptr_t>(handle),
                 type->name().empty() ? "" : " (\"", type->name().c_str(),
                 type->name().empty() ? "" : "\")");
  }
  *out = type;
  return Status::success();
}

}  // namespace weft
