// Unit tests of the reduction kernels (datatype/reduce_ops.h) and of the op/datatype
// checks (mpi/op.h). Every (op, predefined type) pair the standard allows is run over
// random inputs and compared with a reference loop written here, one element at a time;
// every other pair must have no kernel and be refused with MPI_ERR_OP.
#include <catch2/catch.hpp>

#include <complex>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "datatype/datatype.h"
#include "datatype/reduce_ops.h"
#include "mpi.h"
#include "mpi/op.h"

namespace {

using weft::ReduceKernel;

const MPI_Op kAllOps[] = {MPI_SUM,  MPI_MIN,  MPI_MAX,  MPI_PROD,   MPI_BAND,   MPI_BOR,     MPI_BXOR,
                          MPI_LAND, MPI_LOR,  MPI_LXOR, MPI_MINLOC, MPI_MAXLOC, MPI_REPLACE, MPI_NO_OP};

// Element counts around the kernels' 64-element blocks, and several blocks with a tail.
const size_t kCounts[] = {0, 1, 5, 63, 64, 65, 200, 1000};

std::mt19937_64& rng() {
  static std::mt19937_64 generator(12345);
  return generator;
}

template <class T>
T random_value() {
  if constexpr (std::is_same_v<T, bool>) {
    return (rng()() & 1) != 0;
  } else if constexpr (std::is_integral_v<T>) {
    // Mostly small values (so products and sums stay readable), sometimes anything.
    const uint64_t bits = rng()();
    if (bits % 4 == 0) return static_cast<T>(bits >> 8);
    return static_cast<T>(static_cast<int64_t>(bits % 7) - 3);
  } else {
    return static_cast<T>(static_cast<int64_t>(rng()() % 2001) - 1000) / T(8);
  }
}

// The reference: one element, the plain C++ meaning of each op (wrapping integers through
// unsigned arithmetic, as the kernels promise).
template <class T>
T reference(MPI_Op op, T in, T inout) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    using U = std::make_unsigned_t<T>;
    if (op == MPI_SUM) return static_cast<T>(static_cast<U>(static_cast<uint64_t>(in) + static_cast<uint64_t>(inout)));
    if (op == MPI_PROD) return static_cast<T>(static_cast<U>(static_cast<uint64_t>(in) * static_cast<uint64_t>(inout)));
    if (op == MPI_BAND) return static_cast<T>(in & inout);
    if (op == MPI_BOR) return static_cast<T>(in | inout);
    if (op == MPI_BXOR) return static_cast<T>(in ^ inout);
  } else if constexpr (!std::is_same_v<T, bool>) {
    if (op == MPI_SUM) return in + inout;
    if (op == MPI_PROD) return in * inout;
  }
  if constexpr (!std::is_same_v<T, bool>) {
    if (op == MPI_MAX) return inout < in ? in : inout;
    if (op == MPI_MIN) return in < inout ? in : inout;
  }
  if (op == MPI_LAND) return static_cast<T>(in != T(0) && inout != T(0));
  if (op == MPI_LOR) return static_cast<T>(in != T(0) || inout != T(0));
  if (op == MPI_LXOR) return static_cast<T>((in != T(0)) != (inout != T(0)));
  if (op == MPI_REPLACE) return in;
  return inout;  // MPI_NO_OP
}

template <class T>
void check_elementwise(MPI_Datatype type, const char* name, std::initializer_list<MPI_Op> allowed) {
  for (MPI_Op op : allowed) {
    ReduceKernel kernel = weft::reduce_kernel(op, type);
    INFO(name << " with " << weft::predefined_op_name(op));
    REQUIRE(kernel != nullptr);
    for (size_t count : kCounts) {
      // Arrays, not std::vector: vector<bool> is not an array of bool.
      std::unique_ptr<T[]> in(new T[count + 1]), inout(new T[count + 1]), expected(new T[count + 1]);
      for (size_t i = 0; i <= count; ++i) {
        in[i] = random_value<T>();
        inout[i] = random_value<T>();
        expected[i] = i < count ? reference<T>(op, in[i], inout[i]) : inout[i];
      }
      kernel(in.get(), inout.get(), count);
      for (size_t i = 0; i <= count; ++i) {
        INFO("count " << count << " element " << i);
        if constexpr (std::is_floating_point_v<T>) {
          REQUIRE(inout[i] == expected[i]);  // long double has padding bytes
        } else {
          REQUIRE(std::memcmp(&inout[i], &expected[i], sizeof(T)) == 0);
        }
      }
    }
  }
  for (MPI_Op op : kAllOps) {
    bool listed = false;
    for (MPI_Op a : allowed) listed = listed || a == op;
    if (listed) continue;
    INFO(name << " with " << weft::predefined_op_name(op) << " must have no kernel");
    CHECK(weft::reduce_kernel(op, type) == nullptr);
  }
}

template <class T>
void check_integer(MPI_Datatype type, const char* name) {
  check_elementwise<T>(type, name,
                       {MPI_SUM, MPI_MIN, MPI_MAX, MPI_PROD, MPI_BAND, MPI_BOR, MPI_BXOR, MPI_LAND,
                        MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
}

template <class T>
void check_floating(MPI_Datatype type, const char* name) {
  check_elementwise<T>(type, name, {MPI_SUM, MPI_MIN, MPI_MAX, MPI_PROD, MPI_REPLACE, MPI_NO_OP});
}

template <class R>
void check_complex(MPI_Datatype type, const char* name) {
  using C = std::complex<R>;
  for (MPI_Op op : {MPI_SUM, MPI_PROD}) {
    ReduceKernel kernel = weft::reduce_kernel(op, type);
    INFO(name << " with " << weft::predefined_op_name(op));
    REQUIRE(kernel != nullptr);
    for (size_t count : kCounts) {
      std::vector<C> in(count), inout(count), expected(count);
      for (size_t i = 0; i < count; ++i) {
        in[i] = C(random_value<R>(), random_value<R>());
        inout[i] = C(random_value<R>(), random_value<R>());
        const R a = in[i].real(), b = in[i].imag(), c = inout[i].real(), d = inout[i].imag();
        expected[i] = op == MPI_SUM ? C(a + c, b + d) : C(a * c - b * d, a * d + b * c);
      }
      kernel(in.data(), inout.data(), count);
      for (size_t i = 0; i < count; ++i) {
        INFO("count " << count << " element " << i);
        REQUIRE(inout[i].real() == expected[i].real());
        REQUIRE(inout[i].imag() == expected[i].imag());
      }
    }
  }
  for (MPI_Op op : {MPI_MIN, MPI_MAX, MPI_BAND, MPI_LAND, MPI_MAXLOC}) {
    INFO(name << " with " << weft::predefined_op_name(op) << " must have no kernel");
    CHECK(weft::reduce_kernel(op, type) == nullptr);
  }
}

// MINLOC/MAXLOC on packed (value, index) pairs: value bytes then the index, no padding. C's
// pair types index with an int, Fortran's (MPI_2REAL ...) with the value's own type.
template <class V, class I = int>
void check_pair(MPI_Datatype type, const char* name) {
  constexpr size_t kStride = sizeof(V) + sizeof(I);
  REQUIRE(weft::predefined_datatype(type)->size() == kStride);
  for (bool is_max : {true, false}) {
    MPI_Op op = is_max ? MPI_MAXLOC : MPI_MINLOC;
    ReduceKernel kernel = weft::reduce_kernel(op, type);
    INFO(name << " with " << weft::predefined_op_name(op));
    REQUIRE(kernel != nullptr);
    for (size_t count : kCounts) {
      std::vector<char> in(count * kStride + 1), inout(count * kStride + 1);
      std::vector<V> expected_value(count);
      std::vector<I> expected_index(count);
      for (size_t i = 0; i < count; ++i) {
        // Few distinct values, so ties are common.
        V a = static_cast<V>(rng()() % 3), b = static_cast<V>(rng()() % 3);
        I ai = static_cast<I>(rng()() % 50), bi = static_cast<I>(rng()() % 50);
        std::memcpy(&in[i * kStride], &a, sizeof(V));
        std::memcpy(&in[i * kStride + sizeof(V)], &ai, sizeof(I));
        std::memcpy(&inout[i * kStride], &b, sizeof(V));
        std::memcpy(&inout[i * kStride + sizeof(V)], &bi, sizeof(I));
        const bool take = is_max ? a > b : a < b;
        if (take) {
          expected_value[i] = a;
          expected_index[i] = ai;
        } else if (a == b) {
          expected_value[i] = a;
          expected_index[i] = ai < bi ? ai : bi;
        } else {
          expected_value[i] = b;
          expected_index[i] = bi;
        }
      }
      kernel(in.data(), inout.data(), count);
      for (size_t i = 0; i < count; ++i) {
        V v;
        I index;
        std::memcpy(&v, &inout[i * kStride], sizeof(V));
        std::memcpy(&index, &inout[i * kStride + sizeof(V)], sizeof(I));
        INFO("count " << count << " element " << i);
        REQUIRE(v == expected_value[i]);
        REQUIRE(index == expected_index[i]);
      }
    }
  }
  for (MPI_Op op : {MPI_SUM, MPI_MAX, MPI_BAND, MPI_LAND}) {
    INFO(name << " with " << weft::predefined_op_name(op) << " must have no kernel");
    CHECK(weft::reduce_kernel(op, type) == nullptr);
  }
}

}  // namespace

TEST_CASE("reduce kernels: C integer types", "[reduce_ops]") {
  check_integer<MPI_Aint>(MPI_AINT, "MPI_AINT");
  check_integer<MPI_Count>(MPI_COUNT, "MPI_COUNT");
  check_integer<MPI_Offset>(MPI_OFFSET, "MPI_OFFSET");
  check_integer<short>(MPI_SHORT, "MPI_SHORT");
  check_integer<int>(MPI_INT, "MPI_INT");
  check_integer<long>(MPI_LONG, "MPI_LONG");
  check_integer<long long>(MPI_LONG_LONG, "MPI_LONG_LONG");
  check_integer<unsigned short>(MPI_UNSIGNED_SHORT, "MPI_UNSIGNED_SHORT");
  check_integer<unsigned>(MPI_UNSIGNED, "MPI_UNSIGNED");
  check_integer<unsigned long>(MPI_UNSIGNED_LONG, "MPI_UNSIGNED_LONG");
  check_integer<unsigned long long>(MPI_UNSIGNED_LONG_LONG, "MPI_UNSIGNED_LONG_LONG");
  check_integer<signed char>(MPI_SIGNED_CHAR, "MPI_SIGNED_CHAR");
  check_integer<unsigned char>(MPI_UNSIGNED_CHAR, "MPI_UNSIGNED_CHAR");
  check_integer<int8_t>(MPI_INT8_T, "MPI_INT8_T");
  check_integer<uint8_t>(MPI_UINT8_T, "MPI_UINT8_T");
  check_integer<int16_t>(MPI_INT16_T, "MPI_INT16_T");
  check_integer<uint16_t>(MPI_UINT16_T, "MPI_UINT16_T");
  check_integer<int32_t>(MPI_INT32_T, "MPI_INT32_T");
  check_integer<uint32_t>(MPI_UINT32_T, "MPI_UINT32_T");
  check_integer<int64_t>(MPI_INT64_T, "MPI_INT64_T");
  check_integer<uint64_t>(MPI_UINT64_T, "MPI_UINT64_T");
}

TEST_CASE("reduce kernels: MPI_CHAR is accepted like an integer", "[reduce_ops]") {
  check_integer<char>(MPI_CHAR, "MPI_CHAR");
}

TEST_CASE("reduce kernels: floating types", "[reduce_ops]") {
  check_floating<float>(MPI_FLOAT, "MPI_FLOAT");
  check_floating<double>(MPI_DOUBLE, "MPI_DOUBLE");
  check_floating<long double>(MPI_LONG_DOUBLE, "MPI_LONG_DOUBLE");
}

TEST_CASE("reduce kernels: complex types", "[reduce_ops]") {
  check_complex<float>(MPI_C_FLOAT_COMPLEX, "MPI_C_FLOAT_COMPLEX");
  check_complex<float>(MPI_CXX_FLOAT_COMPLEX, "MPI_CXX_FLOAT_COMPLEX");
  check_complex<double>(MPI_C_DOUBLE_COMPLEX, "MPI_C_DOUBLE_COMPLEX");
  check_complex<double>(MPI_CXX_DOUBLE_COMPLEX, "MPI_CXX_DOUBLE_COMPLEX");
  check_complex<long double>(MPI_C_LONG_DOUBLE_COMPLEX, "MPI_C_LONG_DOUBLE_COMPLEX");
  check_complex<long double>(MPI_CXX_LONG_DOUBLE_COMPLEX, "MPI_CXX_LONG_DOUBLE_COMPLEX");
}

TEST_CASE("reduce kernels: logical and byte types", "[reduce_ops]") {
  check_elementwise<bool>(MPI_C_BOOL, "MPI_C_BOOL", {MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
  check_elementwise<bool>(MPI_CXX_BOOL, "MPI_CXX_BOOL", {MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
  check_elementwise<unsigned char>(MPI_BYTE, "MPI_BYTE", {MPI_BAND, MPI_BOR, MPI_BXOR, MPI_REPLACE, MPI_NO_OP});
}

TEST_CASE("reduce kernels: MINLOC and MAXLOC on the pair types, ties to the smaller index", "[reduce_ops]") {
  check_pair<int>(MPI_2INT, "MPI_2INT");
  check_pair<float>(MPI_FLOAT_INT, "MPI_FLOAT_INT");
  check_pair<double>(MPI_DOUBLE_INT, "MPI_DOUBLE_INT");
  check_pair<long>(MPI_LONG_INT, "MPI_LONG_INT");
  check_pair<short>(MPI_SHORT_INT, "MPI_SHORT_INT");
  check_pair<long double>(MPI_LONG_DOUBLE_INT, "MPI_LONG_DOUBLE_INT");
}

TEST_CASE("reduce kernels: Fortran types", "[reduce_ops]") {
  check_integer<int>(MPI_INTEGER, "MPI_INTEGER");
  check_integer<int8_t>(MPI_INTEGER1, "MPI_INTEGER1");
  check_integer<int16_t>(MPI_INTEGER2, "MPI_INTEGER2");
  check_integer<int32_t>(MPI_INTEGER4, "MPI_INTEGER4");
  check_integer<int64_t>(MPI_INTEGER8, "MPI_INTEGER8");
  for (auto [type, name] : {std::pair{MPI_LOGICAL, "MPI_LOGICAL"}, std::pair{MPI_LOGICAL4, "MPI_LOGICAL4"}}) {
    check_elementwise<int32_t>(type, name, {MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
  }
  check_elementwise<int8_t>(MPI_LOGICAL1, "MPI_LOGICAL1", {MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
  check_elementwise<int16_t>(MPI_LOGICAL2, "MPI_LOGICAL2", {MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
  check_elementwise<int64_t>(MPI_LOGICAL8, "MPI_LOGICAL8", {MPI_LAND, MPI_LOR, MPI_LXOR, MPI_REPLACE, MPI_NO_OP});
  check_floating<float>(MPI_REAL, "MPI_REAL");
  check_floating<float>(MPI_REAL4, "MPI_REAL4");
  check_floating<double>(MPI_DOUBLE_PRECISION, "MPI_DOUBLE_PRECISION");
  check_floating<double>(MPI_REAL8, "MPI_REAL8");
  check_complex<float>(MPI_COMPLEX, "MPI_COMPLEX");
  check_complex<float>(MPI_COMPLEX8, "MPI_COMPLEX8");
  check_complex<double>(MPI_DOUBLE_COMPLEX, "MPI_DOUBLE_COMPLEX");
  check_complex<double>(MPI_COMPLEX16, "MPI_COMPLEX16");
  check_pair<int, int>(MPI_2INTEGER, "MPI_2INTEGER");
  check_pair<float, float>(MPI_2REAL, "MPI_2REAL");
  check_pair<double, double>(MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION");
  // No C arithmetic exists for these: they only move data.
  for (MPI_Datatype type : {MPI_REAL2, MPI_REAL16, MPI_COMPLEX4, MPI_COMPLEX32, MPI_CHARACTER}) {
    for (MPI_Op op : {MPI_SUM, MPI_MAX, MPI_PROD, MPI_LAND, MPI_MAXLOC}) {
      CHECK(weft::reduce_kernel(op, type) == nullptr);
    }
    CHECK(weft::reduce_kernel(MPI_REPLACE, type) != nullptr);
  }
}

TEST_CASE("reduce kernels: MPI_REPLACE and MPI_NO_OP on every predefined type", "[reduce_ops]") {
  for (uintptr_t value = 0x201; value <= 0x2ff; ++value) {
    auto handle = reinterpret_cast<MPI_Datatype>(value);
    const weft::Datatype* type = weft::predefined_datatype(handle);
    if (type == nullptr) continue;
    INFO(type->name());
    const size_t size = type->size();
    std::vector<unsigned char> in(3 * size), inout(3 * size);
    for (size_t i = 0; i < in.size(); ++i) {
      in[i] = static_cast<unsigned char>(i * 7 + 1);
      inout[i] = static_cast<unsigned char>(i * 3 + 2);
    }
    const std::vector<unsigned char> before = inout;
    ReduceKernel no_op = weft::reduce_kernel(MPI_NO_OP, handle);
    REQUIRE(no_op != nullptr);
    no_op(in.data(), inout.data(), 3);
    REQUIRE(inout == before);
    ReduceKernel replace = weft::reduce_kernel(MPI_REPLACE, handle);
    REQUIRE(replace != nullptr);
    replace(in.data(), inout.data(), 3);
    REQUIRE(inout == in);
  }
}

TEST_CASE("reduce kernels: types the standard excludes have no arithmetic", "[reduce_ops]") {
  for (MPI_Datatype type : {MPI_WCHAR, MPI_PACKED}) {
    for (MPI_Op op : {MPI_SUM, MPI_MAX, MPI_BAND, MPI_LAND, MPI_MAXLOC}) {
      CHECK(weft::reduce_kernel(op, type) == nullptr);
    }
  }
  CHECK(weft::reduce_kernel(MPI_OP_NULL, MPI_INT) == nullptr);
  CHECK(weft::reduce_kernel(MPI_SUM, MPI_DATATYPE_NULL) == nullptr);
}

TEST_CASE("ops: handles, names and commutativity", "[reduce_ops]") {
  for (MPI_Op handle : kAllOps) {
    weft::Op* op = weft::op_from_handle(handle);
    REQUIRE(op != nullptr);
    CHECK(op->is_predefined());
    CHECK(op->commutative());
    CHECK(op->handle() == handle);
    CHECK(std::string(op->name()).rfind("MPI_", 0) == 0);
  }
  CHECK(weft::op_from_handle(MPI_OP_NULL) == nullptr);
  CHECK(weft::op_from_handle(reinterpret_cast<MPI_Op>(0x25)) == nullptr);  // unused value
  weft::Op* found = nullptr;
  weft::Status status = weft::check_op("MPI_Reduce", MPI_OP_NULL, &found);
  CHECK(status.error_class() == MPI_ERR_OP);
  CHECK(status.message().find("MPI_Reduce") != std::string::npos);

  auto* user = new weft::Op([](void*, void*, int*, MPI_Datatype*) {}, false);
  REQUIRE(weft::op_from_handle(user->handle()) == user);
  CHECK_FALSE(user->commutative());
  CHECK_FALSE(user->is_predefined());
  user->release();
}

TEST_CASE("ops: check_op_type names call, op and datatype", "[reduce_ops]") {
  weft::ReduceTarget target;
  const weft::Datatype& int_type = *weft::predefined_datatype(MPI_INT);
  weft::Status bad = weft::check_op_type("MPI_Allreduce", *weft::op_from_handle(MPI_MAXLOC), int_type, &target);
  CHECK(bad.error_class() == MPI_ERR_OP);
  CHECK(bad.message().find("MPI_Allreduce") != std::string::npos);
  CHECK(bad.message().find("MPI_MAXLOC") != std::string::npos);
  CHECK(bad.message().find("MPI_INT") != std::string::npos);

  weft::Status good = weft::check_op_type("MPI_Allreduce", *weft::op_from_handle(MPI_SUM), int_type, &target);
  CHECK(good.ok());
  CHECK(target.kernel != nullptr);
  CHECK(target.basic == &int_type);

  // A derived type made of one predefined type reduces on that type.
  weft::Datatype* vector = nullptr;
  REQUIRE(weft::type_vector("test", 3, 2, 5, int_type, &vector).ok());
  good = weft::check_op_type("MPI_Reduce", *weft::op_from_handle(MPI_MAX), *vector, &target);
  CHECK(good.ok());
  CHECK(target.basic == &int_type);
  bad = weft::check_op_type("MPI_Reduce", *weft::op_from_handle(MPI_BAND),
                            *weft::predefined_datatype(MPI_DOUBLE), &target);
  CHECK(bad.error_class() == MPI_ERR_OP);
  vector->release();

  // A struct of two predefined types has no predefined reduction.
  const int64_t lengths[] = {1, 1};
  const MPI_Aint displacements[] = {0, 8};
  const weft::Datatype* members[] = {&int_type, weft::predefined_datatype(MPI_DOUBLE)};
  weft::Datatype* mixed = nullptr;
  REQUIRE(weft::type_struct("test", lengths, displacements, members, &mixed).ok());
  bad = weft::check_op_type("MPI_Allreduce", *weft::op_from_handle(MPI_SUM), *mixed, &target);
  CHECK(bad.error_class() == MPI_ERR_OP);
  // User ops take any datatype.
  weft::Op user([](void*, void*, int*, MPI_Datatype*) {}, true);
  CHECK(weft::check_op_type("MPI_Allreduce", user, *mixed, &target).ok());
  CHECK(target.kernel == nullptr);
  mixed->release();
}
