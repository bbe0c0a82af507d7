// The reduction kernels, op × predefined type, behind one table of function pointers.
//
// Each element-wise kernel is one template loop over a small operation struct. The loop is
// cut into blocks of a fixed 64 elements through restrict-qualified pointers: that shape is
// what GCC's -O2 vectoriser (the "very cheap" cost model) accepts, since it needs neither an
// alias check nor a scalar epilogue inside the block; the remainder runs scalar. Built with
// -fopt-info-vec-optimized, the blocks of every integer and floating kernel report "loop
// vectorized using 16 byte vectors" (docs/algorithms.md lists the exceptions: 64-bit
// integer products, long double, complex products and MINLOC/MAXLOC, which stay scalar).
// On x86-64 the element-wise kernels and the complex product are also built for AVX2
// (WEFT_KERNEL_CLONES below), where the same blocks report 32 byte vectors; the loader
// picks the AVX2 build on processors that have it.
//
// Signed integers are added and multiplied as unsigned numbers of at least int's width, so
// an overflow wraps (as every MPI implementation's result does) instead of being undefined.
#include "datatype/reduce_ops.h"

#include <complex>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "datatype/datatype.h"
#include "datatype/fortran_abi.h"

namespace weft {

namespace {

constexpr size_t kBlock = 64;

// Unsigned arithmetic type for T's sums and products: wraps on overflow, never promotes to
// a signed int.
template <class T>
using Wrapping = std::conditional_t<(sizeof(T) < sizeof(unsigned)), unsigned, std::make_unsigned_t<T>>;

// The operations, each as inout = in OP inout.
struct Max {
  template <class T>
  static T apply(T in, T inout) { return in > inout ? in : inout; }
};
struct Min {
  template <class T>
  static T apply(T in, T inout) { return in < inout ? in : inout; }
};
struct Sum {
  template <class T>
  static T apply(T in, T inout) {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(static_cast<Wrapping<T>>(in) + static_cast<Wrapping<T>>(inout));
    } else {
      return in + inout;
    }
  }
};
struct Prod {
  template <class T>
  static T apply(T in, T inout) {
    if constexpr (std::is_integral_v<T>) {
      return static_cast<T>(static_cast<Wrapping<T>>(in) * static_cast<Wrapping<T>>(inout));
    } else {
      return in * inout;
    }
  }
};
struct Land {
  template <class T>
  static T apply(T in, T inout) { return static_cast<T>((in != T(0)) & (inout != T(0))); }
};
struct Lor {
  template <class T>
  static T apply(T in, T inout) { return static_cast<T>((in != T(0)) | (inout != T(0))); }
};
struct Lxor {
  template <class T>
  static T apply(T in, T inout) { return static_cast<T>((in != T(0)) ^ (inout != T(0))); }
};
struct Band {
  template <class T>
  static T apply(T in, T inout) { return static_cast<T>(in & inout); }
};
struct Bor {
  template <class T>
  static T apply(T in, T inout) { return static_cast<T>(in | inout); }
};
struct Bxor {
  template <class T>
  static T apply(T in, T inout) { return static_cast<T>(in ^ inout); }
};

template <class T, class F>
inline void whole_block(const T* __restrict in, T* __restrict inout) {
  for (size_t j = 0; j < kBlock; ++j) inout[j] = F::apply(in[j], inout[j]);
}

// AVX2 where the processor has it, SSE2 otherwise: GCC compiles each kernel twice and an
// ifunc resolver picks one when the library loads. With 32-byte vectors the float sum runs
// about 3x faster on data in L2 (measured on the EPYC these benchmarks run on: 128 KiB of
// floats in 2.8 us against 9.5 us).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define WEFT_KERNEL_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define WEFT_KERNEL_CLONES
#endif

template <class T, class F>
WEFT_KERNEL_CLONES void elementwise(const void* in_bytes, void* inout_bytes, size_t count) {
  const T* in = static_cast<const T*>(in_bytes);
  T* inout = static_cast<T*>(inout_bytes);
  size_t i = 0;
  for (; i + kBlock <= count; i += kBlock) whole_block<T, F>(in + i, inout + i);
  for (; i < count; ++i) inout[i] = F::apply(in[i], inout[i]);
}

// Complex numbers are two reals in a row (C's _Complex and std::complex agree): a sum is the
// real sum over twice the count.
template <class R>
void complex_sum(const void* in, void* inout, size_t count) {
  elementwise<R, Sum>(in, inout, 2 * count);
}

// The textbook product, as C computes it for finite operands (no Annex G NaN recovery).
template <class R>
WEFT_KERNEL_CLONES void complex_prod(const void* in_bytes, void* inout_bytes, size_t count) {
  const R* __restrict in = static_cast<const R*>(in_bytes);
  R* __restrict inout = static_cast<R*>(inout_bytes);
  for (size_t i = 0; i < count; ++i) {
    const R a = in[2 * i], b = in[2 * i + 1];
    const R c = inout[2 * i], d = inout[2 * i + 1];
    inout[2 * i] = a * c - b * d;
    inout[2 * i + 1] = a * d + b * c;
  }
}

// MAXLOC / MINLOC on packed (value, index) pairs: the index is an int for C's pair types
// and of the value's type for Fortran's (MPI_2REAL ...). The standard's rule: the better
// value wins; equal values keep the smaller index.
template <class V, class I, bool kMax>
void value_location(const void* in_bytes, void* inout_bytes, size_t count) {
  constexpr size_t kStride = sizeof(V) + sizeof(I);
  const char* in = static_cast<const char*>(in_bytes);
  char* inout = static_cast<char*>(inout_bytes);
  for (size_t i = 0; i < count; ++i, in += kStride, inout += kStride) {
    V a, b;
    I a_index, b_index;
    std::memcpy(&a, in, sizeof(V));
    std::memcpy(&b, inout, sizeof(V));
    std::memcpy(&a_index, in + sizeof(V), sizeof(I));
    std::memcpy(&b_index, inout + sizeof(V), sizeof(I));
    const bool better = kMax ? a > b : a < b;
    if (better) {
      std::memcpy(inout, in, kStride);
    } else if (a == b && a_index < b_index) {
      std::memcpy(inout + sizeof(V), &a_index, sizeof(I));
    }
  }
}

// LAND, LOR and LXOR on Fortran LOGICALs: only the registered .FALSE. literal is false
// (MPI_Abi_set_fortran_booleans; 0 until one is registered) and the result is one of the two
// registered literals, so a compiler whose .TRUE. is -1 reads back its own .TRUE.
struct FortranLand {
  static bool apply(bool a, bool b) { return a & b; }
};
struct FortranLor {
  static bool apply(bool a, bool b) { return a | b; }
};
struct FortranLxor {
  static bool apply(bool a, bool b) { return a ^ b; }
};

template <class T, class F>
void fortran_logical(const void* in_bytes, void* inout_bytes, size_t count) {
  const T* __restrict in = static_cast<const T*>(in_bytes);
  T* __restrict inout = static_cast<T*>(inout_bytes);
  const T true_value = fortran_abi::literal_true<T>();
  const T false_value = fortran_abi::literal_false<T>();
  for (size_t i = 0; i < count; ++i) {
    inout[i] = F::apply(in[i] != false_value, inout[i] != false_value) ? true_value : false_value;
  }
}

template <class V, bool kMax>
ReduceKernel twin_kernel() { return &value_location<V, V, kMax>; }

template <size_t kSize>
void replace(const void* in, void* inout, size_t count) {
  std::memcpy(inout, in, count * kSize);
}

void no_op(const void*, void*, size_t) {}

ReduceKernel replace_kernel(size_t size) {
  switch (size) {
    case 1: return &replace<1>;
    case 2: return &replace<2>;
    case 4: return &replace<4>;
    case 6: return &replace<6>;
    case 8: return &replace<8>;
    case 12: return &replace<12>;
    case 16: return &replace<16>;
    case 20: return &replace<20>;
    case 32: return &replace<32>;
    default: return nullptr;
  }
}

constexpr uintptr_t kFirstOp = 0x20;    // MPI_OP_NULL
constexpr uintptr_t kOpSlots = 0x1e;    // up to MPI_NO_OP (0x3d)
constexpr uintptr_t kFirstType = 0x200; // MPI_DATATYPE_NULL
constexpr uintptr_t kTypeSlots = 0x100; // the standard ABI's datatype range, 0x200..0x2ff

uintptr_t value_of(const void* handle) { return reinterpret_cast<uintptr_t>(handle); }

class KernelTable {
 public:
  KernelTable() {
    integer<MPI_Aint>(MPI_AINT);
    integer<MPI_Count>(MPI_COUNT);
    integer<MPI_Offset>(MPI_OFFSET);
    integer<short>(MPI_SHORT);
    integer<int>(MPI_INT);
    integer<long>(MPI_LONG);
    integer<long long>(MPI_LONG_LONG);
    integer<unsigned short>(MPI_UNSIGNED_SHORT);
    integer<unsigned>(MPI_UNSIGNED);
    integer<unsigned long>(MPI_UNSIGNED_LONG);
    integer<unsigned long long>(MPI_UNSIGNED_LONG_LONG);
    integer<signed char>(MPI_SIGNED_CHAR);
    integer<unsigned char>(MPI_UNSIGNED_CHAR);
    integer<int8_t>(MPI_INT8_T);
    integer<uint8_t>(MPI_UINT8_T);
    integer<int16_t>(MPI_INT16_T);
    integer<uint16_t>(MPI_UINT16_T);
    integer<int32_t>(MPI_INT32_T);
    integer<uint32_t>(MPI_UINT32_T);
    integer<int64_t>(MPI_INT64_T);
    integer<uint64_t>(MPI_UINT64_T);
    // Not an integer type for the standard, but MPICH and Open MPI accept it (the OSU
    // benchmarks reduce MPI_CHAR with MPI_SUM).
    integer<char>(MPI_CHAR);

    floating<float>(MPI_FLOAT);
    floating<double>(MPI_DOUBLE);
    floating<long double>(MPI_LONG_DOUBLE);

    complex<float>(MPI_C_FLOAT_COMPLEX);
    complex<float>(MPI_CXX_FLOAT_COMPLEX);
    complex<double>(MPI_C_DOUBLE_COMPLEX);
    complex<double>(MPI_CXX_DOUBLE_COMPLEX);
    complex<long double>(MPI_C_LONG_DOUBLE_COMPLEX);
    complex<long double>(MPI_CXX_LONG_DOUBLE_COMPLEX);

    logical<bool>(MPI_C_BOOL);
    logical<bool>(MPI_CXX_BOOL);

    bitwise<unsigned char>(MPI_BYTE);

    pair<float>(MPI_FLOAT_INT);
    pair<double>(MPI_DOUBLE_INT);
    pair<long>(MPI_LONG_INT);
    pair<int>(MPI_2INT);
    pair<short>(MPI_SHORT_INT);
    pair<long double>(MPI_LONG_DOUBLE_INT);

    // Fortran types, at weft's default sizes until a Fortran layer registers others (repoint).
    // LOGICALs take only the logical ops, with the registered .TRUE./.FALSE. literals
    // (fortran_logical); REAL2/REAL16 and COMPLEX4/COMPLEX32 have no C arithmetic and only
    // move data.
    integer<MPI_Fint>(MPI_INTEGER);
    integer<int8_t>(MPI_INTEGER1);
    integer<int16_t>(MPI_INTEGER2);
    integer<int32_t>(MPI_INTEGER4);
    integer<int64_t>(MPI_INTEGER8);
    fortran_logical_ops<MPI_Fint>(MPI_LOGICAL);
    fortran_logical_ops<int8_t>(MPI_LOGICAL1);
    fortran_logical_ops<int16_t>(MPI_LOGICAL2);
    fortran_logical_ops<int32_t>(MPI_LOGICAL4);
    fortran_logical_ops<int64_t>(MPI_LOGICAL8);
    floating<float>(MPI_REAL);
    floating<float>(MPI_REAL4);
    floating<double>(MPI_DOUBLE_PRECISION);
    floating<double>(MPI_REAL8);
    complex<float>(MPI_COMPLEX);
    complex<float>(MPI_COMPLEX8);
    complex<double>(MPI_DOUBLE_COMPLEX);
    complex<double>(MPI_COMPLEX16);
    twin<MPI_Fint>(MPI_2INTEGER);
    twin<float>(MPI_2REAL);
    twin<double>(MPI_2DOUBLE_PRECISION);

    // MPI_REPLACE and MPI_NO_OP apply to every predefined type.
    for (uintptr_t value = kFirstType + 1; value < kFirstType + kTypeSlots; ++value) {
      auto handle = reinterpret_cast<MPI_Datatype>(value);
      const Datatype* type = predefined_datatype(handle);
      if (type == nullptr) continue;
      set(MPI_REPLACE, handle, replace_kernel(type->size()));
      set(MPI_NO_OP, handle, &no_op);
    }
    // The sized kinds that the default types take when a Fortran layer registers other
    // sizes (repoint below) are kept apart, since the rows of the default types change.
    for (uintptr_t o = 0; o < kOpSlots; ++o) {
      for (MPI_Datatype kind : {MPI_INTEGER1, MPI_INTEGER2, MPI_INTEGER4, MPI_INTEGER8,
                                MPI_INTEGER16, MPI_LOGICAL1, MPI_LOGICAL2, MPI_LOGICAL4,
                                MPI_LOGICAL8, MPI_LOGICAL16, MPI_REAL2, MPI_REAL4, MPI_REAL8,
                                MPI_REAL16, MPI_COMPLEX4, MPI_COMPLEX8, MPI_COMPLEX16,
                                MPI_COMPLEX32}) {
        original_[o][value_of(kind) - kFirstType] = kernels_[o][value_of(kind) - kFirstType];
      }
    }
  }

  // MPI_Abi_set_fortran_info (before the communication layer starts): each default type
  // takes the kernels of the sized kind it now is, the pairs those of two such values, and
  // the unsupported optional types none at all.
  void repoint(const fortran_abi::Description& d) {
    copy_row(MPI_INTEGER, fortran_abi::integer_kind(d.integer_size));
    copy_row(MPI_LOGICAL, fortran_abi::logical_kind(d.logical_size));
    copy_row(MPI_REAL, fortran_abi::real_kind(d.real_size));
    copy_row(MPI_DOUBLE_PRECISION, fortran_abi::real_kind(d.double_precision_size));
    copy_row(MPI_COMPLEX, fortran_abi::complex_kind(d.real_size));
    copy_row(MPI_DOUBLE_COMPLEX, fortran_abi::complex_kind(d.double_precision_size));
    twin_row(MPI_2INTEGER, integer_twin<true>(d.integer_size), integer_twin<false>(d.integer_size),
             2 * d.integer_size);
    twin_row(MPI_2REAL, real_twin<true>(d.real_size), real_twin<false>(d.real_size),
             2 * d.real_size);
    twin_row(MPI_2DOUBLE_PRECISION, real_twin<true>(d.double_precision_size),
             real_twin<false>(d.double_precision_size), 2 * d.double_precision_size);
    for (size_t i = 0; i < fortran_abi::kOptionalTypes; ++i) {
      if (d.supported[i]) continue;
      for (uintptr_t o = 0; o < kOpSlots; ++o) {
        kernels_[o][value_of(fortran_abi::kOptional[i].handle) - kFirstType] = nullptr;
      }
    }
  }

  ReduceKernel find(MPI_Op op, MPI_Datatype type) const {
    const uintptr_t o = value_of(op), t = value_of(type);
    if (o < kFirstOp || o >= kFirstOp + kOpSlots || t < kFirstType || t >= kFirstType + kTypeSlots) {
      return nullptr;
    }
    return kernels_[o - kFirstOp][t - kFirstType];
  }

 private:
  void set(MPI_Op op, MPI_Datatype type, ReduceKernel kernel) {
    kernels_[value_of(op) - kFirstOp][value_of(type) - kFirstType] = kernel;
  }

  template <class T>
  void integer(MPI_Datatype type) {
    set(MPI_MAX, type, &elementwise<T, Max>);
    set(MPI_MIN, type, &elementwise<T, Min>);
    set(MPI_SUM, type, &elementwise<T, Sum>);
    set(MPI_PROD, type, &elementwise<T, Prod>);
    logical<T>(type);
    bitwise<T>(type);
  }
  template <class T>
  void floating(MPI_Datatype type) {
    set(MPI_MAX, type, &elementwise<T, Max>);
    set(MPI_MIN, type, &elementwise<T, Min>);
    set(MPI_SUM, type, &elementwise<T, Sum>);
    set(MPI_PROD, type, &elementwise<T, Prod>);
  }
  template <class R>
  void complex(MPI_Datatype type) {
    static_assert(sizeof(std::complex<R>) == 2 * sizeof(R));
    set(MPI_SUM, type, &complex_sum<R>);
    set(MPI_PROD, type, &complex_prod<R>);
  }
  void copy_row(MPI_Datatype to, MPI_Datatype from) {
    for (uintptr_t o = 0; o < kOpSlots; ++o) {
      kernels_[o][value_of(to) - kFirstType] = original_[o][value_of(from) - kFirstType];
    }
  }
  void twin_row(MPI_Datatype type, ReduceKernel max, ReduceKernel min, int size) {
    for (uintptr_t o = 0; o < kOpSlots; ++o) kernels_[o][value_of(type) - kFirstType] = nullptr;
    set(MPI_MAXLOC, type, max);
    set(MPI_MINLOC, type, min);
    set(MPI_REPLACE, type, replace_kernel(static_cast<size_t>(size)));
    set(MPI_NO_OP, type, &no_op);
  }
  // MAXLOC/MINLOC on (value, index) pairs of one integer or real kind; the 16-byte kinds
  // and REAL2 have no C arithmetic, so their pairs only move data.
  template <bool kMax>
  static ReduceKernel integer_twin(int size) {
    switch (size) {
      case 1: return twin_kernel<int8_t, kMax>();
      case 2: return twin_kernel<int16_t, kMax>();
      case 4: return twin_kernel<int32_t, kMax>();
      case 8: return twin_kernel<int64_t, kMax>();
      default: return nullptr;
    }
  }
  template <bool kMax>
  static ReduceKernel real_twin(int size) {
    switch (size) {
      case 4: return twin_kernel<float, kMax>();
      case 8: return twin_kernel<double, kMax>();
      default: return nullptr;
    }
  }

  template <class T>
  void fortran_logical_ops(MPI_Datatype type) {
    set(MPI_LAND, type, &fortran_logical<T, FortranLand>);
    set(MPI_LOR, type, &fortran_logical<T, FortranLor>);
    set(MPI_LXOR, type, &fortran_logical<T, FortranLxor>);
  }
  template <class T>
  void logical(MPI_Datatype type) {
    set(MPI_LAND, type, &elementwise<T, Land>);
    set(MPI_LOR, type, &elementwise<T, Lor>);
    set(MPI_LXOR, type, &elementwise<T, Lxor>);
  }
  template <class T>
  void bitwise(MPI_Datatype type) {
    set(MPI_BAND, type, &elementwise<T, Band>);
    set(MPI_BOR, type, &elementwise<T, Bor>);
    set(MPI_BXOR, type, &elementwise<T, Bxor>);
  }
  template <class V>
  void pair(MPI_Datatype type) {
    set(MPI_MAXLOC, type, &value_location<V, int, true>);
    set(MPI_MINLOC, type, &value_location<V, int, false>);
  }
  template <class V>
  void twin(MPI_Datatype type) {
    set(MPI_MAXLOC, type, &value_location<V, V, true>);
    set(MPI_MINLOC, type, &value_location<V, V, false>);
  }

  ReduceKernel kernels_[kOpSlots][kTypeSlots] = {};
  ReduceKernel original_[kOpSlots][kTypeSlots] = {};  // the sized kinds' rows, as built
};

// Built on first use and never destroyed. Written after that only by repoint, which runs
// before the communication layer starts (datatype/fortran_abi.h), so lookups need no lock.
KernelTable& kernel_table() {
  static KernelTable* table = new KernelTable();
  return *table;
}

}  // namespace

ReduceKernel reduce_kernel(MPI_Op op, MPI_Datatype type) { return kernel_table().find(op, type); }

namespace datatype_internal {
void repoint_fortran_kernels(const fortran_abi::Description& description) {
  kernel_table().repoint(description);
}
}  // namespace datatype_internal

}  // namespace weft
