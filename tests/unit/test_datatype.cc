// Unit tests of the datatype engine (datatype/datatype.h), through its C++ interface.
//
// Layouts are checked against byte offsets worked out by hand from the standard's
// definitions, and random nested types against a reference type map built here by the most
// literal expansion of each constructor: a list of (displacement, size, basic type) entries
// in type-map order. Packing by the engine must equal gathering those entries in order.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "datatype/datatype.h"
#include "datatype/external32.h"
#include "datatype/type_attributes.h"
#include "mpi.h"

namespace {

using weft::Datatype;

// Owns one reference to a derived type (predefined types are not reference counted).
class Type {
 public:
  Type() = default;
  explicit Type(Datatype* type) : type_(type) {}
  Type(const Type& other) : type_(other.type_) {
    if (type_ != nullptr && !type_->is_predefined()) type_->retain();
  }
  Type& operator=(Type other) {
    std::swap(type_, other.type_);
    return *this;
  }
  ~Type() {
    if (type_ != nullptr && !type_->is_predefined()) type_->release();
  }
  const Datatype& operator*() const { return *type_; }
  const Datatype* operator->() const { return type_; }
  const Datatype* get() const { return type_; }

 private:
  Datatype* type_ = nullptr;
};

Type basic(MPI_Datatype handle) {
  Datatype* type = weft::datatype_from_handle(handle);
  REQUIRE(type != nullptr);
  return Type(type);
}

Type checked(const weft::Status& status, Datatype* made) {
  INFO(status.message());
  REQUIRE(status.ok());
  REQUIRE(made != nullptr);
  return Type(made);
}

Type contiguous(int64_t count, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_contiguous("test", count, *old, &out);
  return checked(status, out);
}
Type vector(int64_t count, int64_t blocklength, int64_t stride, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_vector("test", count, blocklength, stride, *old, &out);
  return checked(status, out);
}
Type hvector(int64_t count, int64_t blocklength, MPI_Aint stride, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_hvector("test", count, blocklength, stride, *old, &out);
  return checked(status, out);
}
Type indexed(std::vector<int64_t> lengths, std::vector<int64_t> displacements, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_indexed("test", lengths, displacements, *old, &out);
  return checked(status, out);
}
Type hindexed(std::vector<int64_t> lengths, std::vector<MPI_Aint> displacements, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_hindexed("test", lengths, displacements, *old, &out);
  return checked(status, out);
}
Type indexed_block(int64_t length, std::vector<int64_t> displacements, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_indexed_block("test", length, displacements, *old, &out);
  return checked(status, out);
}
Type hindexed_block(int64_t length, std::vector<MPI_Aint> displacements, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_hindexed_block("test", length, displacements, *old, &out);
  return checked(status, out);
}
Type structure(std::vector<int64_t> lengths, std::vector<MPI_Aint> displacements,
               std::vector<Type> types) {
  std::vector<const Datatype*> raw;
  for (const Type& t : types) raw.push_back(t.get());
  Datatype* out = nullptr;
  auto status = weft::type_struct("test", lengths, displacements, raw, &out);
  return checked(status, out);
}
Type subarray(std::vector<int64_t> sizes, std::vector<int64_t> subsizes,
              std::vector<int64_t> starts, int order, const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_subarray("test", sizes, subsizes, starts, order, *old, &out);
  return checked(status, out);
}
Type resized(const Type& old, MPI_Aint lb, MPI_Aint extent) {
  Datatype* out = nullptr;
  auto status = weft::type_resized("test", *old, lb, extent, &out);
  return checked(status, out);
}
Type dup(const Type& old) {
  Datatype* out = nullptr;
  auto status = weft::type_dup("test", *old, &out);
  return checked(status, out);
}

// Memory with room on both sides, filled with a pattern that differs at every byte.
struct Arena {
  explicit Arena(size_t bytes, MPI_Aint origin_offset, uint8_t salt = 0)
      : data(bytes), origin(origin_offset) {
    for (size_t i = 0; i < bytes; ++i) data[i] = static_cast<uint8_t>((i * 131 + 7 + salt) % 251);
  }
  uint8_t* at(MPI_Aint disp) { return data.data() + origin + disp; }
  std::vector<uint8_t> data;
  MPI_Aint origin;
};

// Packs `count` elements in one call.
std::vector<uint8_t> pack_all(const Datatype& type, const void* buf, size_t count) {
  std::vector<uint8_t> out(count * type.size());
  type.pack(buf, count, 0, out.data(), out.size());
  return out;
}

// Gathers the bytes at the given (displacement, length) pairs, in order.
std::vector<uint8_t> gather(const uint8_t* origin,
                            std::vector<std::pair<MPI_Aint, size_t>> blocks) {
  std::vector<uint8_t> out;
  for (auto [disp, length] : blocks) out.insert(out.end(), origin + disp, origin + disp + length);
  return out;
}

// ---- the reference type map ----------------------------------------------------------------

struct Entry {
  MPI_Aint disp;
  size_t size;
  MPI_Datatype basic;
};
using TypeMap = std::vector<Entry>;

TypeMap ref_basic(MPI_Datatype handle) {
  // The pair types are struct { value; int; } with C layout on x86-64.
  if (handle == MPI_FLOAT_INT) return {{0, 4, MPI_FLOAT}, {4, 4, MPI_INT}};
  if (handle == MPI_DOUBLE_INT) return {{0, 8, MPI_DOUBLE}, {8, 4, MPI_INT}};
  if (handle == MPI_LONG_INT) return {{0, 8, MPI_LONG}, {8, 4, MPI_INT}};
  if (handle == MPI_2INT) return {{0, 4, MPI_INT}, {4, 4, MPI_INT}};
  if (handle == MPI_SHORT_INT) return {{0, 2, MPI_SHORT}, {4, 4, MPI_INT}};
  if (handle == MPI_LONG_DOUBLE_INT) return {{0, 16, MPI_LONG_DOUBLE}, {16, 4, MPI_INT}};
  return {{0, weft::datatype_from_handle(handle)->size(), handle}};
}

void append_shifted(TypeMap& to, const TypeMap& from, MPI_Aint by) {
  for (const Entry& e : from) to.push_back({e.disp + by, e.size, e.basic});
}

struct Reference {
  Type type;
  TypeMap map;
};

// Bytes of the reference pack of `count` elements whose origins are one extent apart.
std::vector<uint8_t> ref_pack(const Reference& ref, const uint8_t* origin, size_t count) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < count; ++i) {
    const MPI_Aint base = static_cast<MPI_Aint>(i) * ref.type->extent();
    for (const Entry& e : ref.map) {
      out.insert(out.end(), origin + base + e.disp, origin + base + e.disp + e.size);
    }
  }
  return out;
}

void ref_unpack(const Reference& ref, const uint8_t* stream, uint8_t* origin, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    const MPI_Aint base = static_cast<MPI_Aint>(i) * ref.type->extent();
    for (const Entry& e : ref.map) {
      std::memcpy(origin + base + e.disp, stream, e.size);
      stream += e.size;
    }
  }
}

int64_t ref_elements(const Reference& ref, int64_t bytes) {
  int64_t elements = 0;
  int64_t at = 0;
  if (bytes == 0) return 0;
  while (true) {
    for (const Entry& e : ref.map) {
      if (at == bytes) return elements;
      if (at + static_cast<int64_t>(e.size) > bytes) return -1;
      at += static_cast<int64_t>(e.size);
      ++elements;
    }
    if (at == bytes) return elements;
  }
}

// Lowest and highest byte touched by `count` elements.
std::pair<MPI_Aint, MPI_Aint> ref_span(const Reference& ref, size_t count) {
  MPI_Aint low = 0, high = 0;
  for (size_t i = 0; i < count; ++i) {
    const MPI_Aint base = static_cast<MPI_Aint>(i) * ref.type->extent();
    for (const Entry& e : ref.map) {
      low = std::min(low, base + e.disp);
      high = std::max(high, base + e.disp + static_cast<MPI_Aint>(e.size));
    }
  }
  return {low, high};
}

// Random nested types built through the engine, with their reference type maps.
class RandomTypes {
 public:
  explicit RandomTypes(uint32_t seed) : random_(seed) {}

  Reference make(int depth) {
    if (depth == 0 || pick(0, 5) == 0) return leaf();
    switch (pick(0, 9)) {
      case 0: {
        Reference old = make(depth - 1);
        const int64_t count = pick(0, 4);
        TypeMap map;
        for (int64_t i = 0; i < count; ++i) append_shifted(map, old.map, i * old.type->extent());
        return {contiguous(count, old.type), map};
      }
      case 1:
      case 2: {
        Reference old = make(depth - 1);
        const int64_t count = pick(0, 4), length = pick(0, 3), stride = pick(-4, 6);
        TypeMap map;
        for (int64_t i = 0; i < count; ++i) {
          for (int64_t j = 0; j < length; ++j) {
            append_shifted(map, old.map, (i * stride + j) * old.type->extent());
          }
        }
        return {vector(count, length, stride, old.type), map};
      }
      case 3: {
        Reference old = make(depth - 1);
        const int64_t count = pick(0, 4), length = pick(0, 3);
        const MPI_Aint stride = pick(-40, 40);
        TypeMap map;
        for (int64_t i = 0; i < count; ++i) {
          for (int64_t j = 0; j < length; ++j) {
            append_shifted(map, old.map, i * stride + j * old.type->extent());
          }
        }
        return {hvector(count, length, stride, old.type), map};
      }
      case 4: {
        Reference old = make(depth - 1);
        std::vector<int64_t> lengths, displacements;
        TypeMap map;
        for (int64_t i = 0, n = pick(0, 4); i < n; ++i) {
          lengths.push_back(pick(0, 3));
          displacements.push_back(pick(-3, 8));
          for (int64_t j = 0; j < lengths.back(); ++j) {
            append_shifted(map, old.map, (displacements.back() + j) * old.type->extent());
          }
        }
        return {indexed(lengths, displacements, old.type), map};
      }
      case 5: {
        Reference old = make(depth - 1);
        std::vector<int64_t> lengths;
        std::vector<MPI_Aint> displacements;
        TypeMap map;
        for (int64_t i = 0, n = pick(0, 4); i < n; ++i) {
          lengths.push_back(pick(0, 3));
          displacements.push_back(pick(-30, 60));
          for (int64_t j = 0; j < lengths.back(); ++j) {
            append_shifted(map, old.map, displacements.back() + j * old.type->extent());
          }
        }
        if (pick(0, 1) == 0) return {hindexed(lengths, displacements, old.type), map};
        // The same blocks with one length: rebuild the map for that length.
        const int64_t length = pick(0, 3);
        map.clear();
        for (MPI_Aint d : displacements) {
          for (int64_t j = 0; j < length; ++j)
            append_shifted(map, old.map, d + j * old.type->extent());
        }
        return {hindexed_block(length, displacements, old.type), map};
      }
      case 6: {
        Reference old = make(depth - 1);
        const int64_t length = pick(0, 3);
        std::vector<int64_t> displacements;
        TypeMap map;
        for (int64_t i = 0, n = pick(0, 4); i < n; ++i) {
          displacements.push_back(pick(-2, 9));
          for (int64_t j = 0; j < length; ++j) {
            append_shifted(map, old.map, (displacements.back() + j) * old.type->extent());
          }
        }
        return {indexed_block(length, displacements, old.type), map};
      }
      case 7: {
        std::vector<int64_t> lengths;
        std::vector<MPI_Aint> displacements;
        std::vector<Type> types;
        TypeMap map;
        for (int64_t i = 0, n = pick(1, 4); i < n; ++i) {
          Reference member = make(depth - 1);
          lengths.push_back(pick(0, 3));
          displacements.push_back(pick(-20, 80));
          for (int64_t j = 0; j < lengths.back(); ++j) {
            append_shifted(map, member.map, displacements.back() + j * member.type->extent());
          }
          types.push_back(member.type);
        }
        return {structure(lengths, displacements, types), map};
      }
      case 8: {
        Reference old = make(depth - 1);
        const MPI_Aint lb = pick(-16, 16), extent = pick(0, 48);
        if (pick(0, 3) == 0) return {dup(old.type), old.map};
        return {resized(old.type, lb, extent), old.map};
      }
      default: {
        Reference old = make(depth - 1);
        const int ndims = static_cast<int>(pick(1, 3));
        const int order = pick(0, 1) == 0 ? MPI_ORDER_C : MPI_ORDER_FORTRAN;
        std::vector<int64_t> sizes, subsizes, starts;
        for (int d = 0; d < ndims; ++d) {
          sizes.push_back(pick(1, 4));
          subsizes.push_back(pick(0, sizes.back()));
          starts.push_back(pick(0, sizes.back() - subsizes.back()));
        }
        // Visit the selected elements with the fastest dimension innermost.
        std::vector<int64_t> row(static_cast<size_t>(ndims));
        int64_t step = 1;
        for (int i = 0; i < ndims; ++i) {
          const int d = order == MPI_ORDER_C ? ndims - 1 - i : i;
          row[static_cast<size_t>(d)] = step;
          step *= sizes[static_cast<size_t>(d)];
        }
        TypeMap map;
        std::vector<int64_t> index(static_cast<size_t>(ndims), 0);
        std::function<void(int)> visit = [&](int level) {
          if (level == ndims) {
            int64_t element = 0;
            for (int d = 0; d < ndims; ++d) {
              element += (starts[static_cast<size_t>(d)] + index[static_cast<size_t>(d)]) *
                         row[static_cast<size_t>(d)];
            }
            append_shifted(map, old.map, element * old.type->extent());
            return;
          }
          const int d = order == MPI_ORDER_C ? level : ndims - 1 - level;
          for (int64_t k = 0; k < subsizes[static_cast<size_t>(d)]; ++k) {
            index[static_cast<size_t>(d)] = k;
            visit(level + 1);
          }
        };
        visit(0);
        return {subarray(sizes, subsizes, starts, order, old.type), map};
      }
    }
  }

 private:
  Reference leaf() {
    static const MPI_Datatype kLeaves[] = {MPI_CHAR,      MPI_SHORT,       MPI_INT,
                                           MPI_DOUBLE,    MPI_LONG_DOUBLE, MPI_DOUBLE_INT,
                                           MPI_SHORT_INT, MPI_2INT,        MPI_C_DOUBLE_COMPLEX};
    const MPI_Datatype handle = kLeaves[pick(0, std::size(kLeaves) - 1)];
    return {basic(handle), ref_basic(handle)};
  }

  int64_t pick(int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random_);
  }

  std::mt19937 random_;
};

}  // namespace

// ---- predefined types -------------------------------------------------------------------------

TEST_CASE("predefined datatypes have the x86-64 sizes, extents and names", "[datatype]") {
  struct Expect {
    MPI_Datatype handle;
    const char* name;
    size_t size;
    MPI_Aint extent;
    bool contiguous;
  };
  const Expect expected[] = {
      {MPI_AINT, "MPI_AINT", 8, 8, true},
      {MPI_COUNT, "MPI_COUNT", 8, 8, true},
      {MPI_OFFSET, "MPI_OFFSET", 8, 8, true},
      {MPI_PACKED, "MPI_PACKED", 1, 1, true},
      {MPI_BYTE, "MPI_BYTE", 1, 1, true},
      {MPI_CHAR, "MPI_CHAR", 1, 1, true},
      {MPI_SIGNED_CHAR, "MPI_SIGNED_CHAR", 1, 1, true},
      {MPI_UNSIGNED_CHAR, "MPI_UNSIGNED_CHAR", 1, 1, true},
      {MPI_SHORT, "MPI_SHORT", 2, 2, true},
      {MPI_UNSIGNED_SHORT, "MPI_UNSIGNED_SHORT", 2, 2, true},
      {MPI_INT, "MPI_INT", 4, 4, true},
      {MPI_UNSIGNED, "MPI_UNSIGNED", 4, 4, true},
      {MPI_LONG, "MPI_LONG", 8, 8, true},
      {MPI_UNSIGNED_LONG, "MPI_UNSIGNED_LONG", 8, 8, true},
      {MPI_LONG_LONG, "MPI_LONG_LONG", 8, 8, true},
      {MPI_UNSIGNED_LONG_LONG, "MPI_UNSIGNED_LONG_LONG", 8, 8, true},
      {MPI_FLOAT, "MPI_FLOAT", 4, 4, true},
      {MPI_DOUBLE, "MPI_DOUBLE", 8, 8, true},
      {MPI_LONG_DOUBLE, "MPI_LONG_DOUBLE", 16, 16, true},
      {MPI_C_FLOAT_COMPLEX, "MPI_C_FLOAT_COMPLEX", 8, 8, true},
      {MPI_CXX_FLOAT_COMPLEX, "MPI_CXX_FLOAT_COMPLEX", 8, 8, true},
      {MPI_C_DOUBLE_COMPLEX, "MPI_C_DOUBLE_COMPLEX", 16, 16, true},
      {MPI_CXX_DOUBLE_COMPLEX, "MPI_CXX_DOUBLE_COMPLEX", 16, 16, true},
      {MPI_C_LONG_DOUBLE_COMPLEX, "MPI_C_LONG_DOUBLE_COMPLEX", 32, 32, true},
      {MPI_CXX_LONG_DOUBLE_COMPLEX, "MPI_CXX_LONG_DOUBLE_COMPLEX", 32, 32, true},
      {MPI_C_BOOL, "MPI_C_BOOL", 1, 1, true},
      {MPI_CXX_BOOL, "MPI_CXX_BOOL", 1, 1, true},
      {MPI_WCHAR, "MPI_WCHAR", 4, 4, true},
      {MPI_INT8_T, "MPI_INT8_T", 1, 1, true},
      {MPI_UINT8_T, "MPI_UINT8_T", 1, 1, true},
      {MPI_INT16_T, "MPI_INT16_T", 2, 2, true},
      {MPI_UINT16_T, "MPI_UINT16_T", 2, 2, true},
      {MPI_INT32_T, "MPI_INT32_T", 4, 4, true},
      {MPI_UINT32_T, "MPI_UINT32_T", 4, 4, true},
      {MPI_INT64_T, "MPI_INT64_T", 8, 8, true},
      {MPI_UINT64_T, "MPI_UINT64_T", 8, 8, true},
      {MPI_FLOAT_INT, "MPI_FLOAT_INT", 8, 8, true},
      {MPI_2INT, "MPI_2INT", 8, 8, true},
      {MPI_DOUBLE_INT, "MPI_DOUBLE_INT", 12, 16, false},
      {MPI_LONG_INT, "MPI_LONG_INT", 12, 16, false},
      {MPI_SHORT_INT, "MPI_SHORT_INT", 6, 8, false},
      {MPI_LONG_DOUBLE_INT, "MPI_LONG_DOUBLE_INT", 20, 32, false},
      // Fortran types: the sizes the standard gives each kind (default INTEGER, LOGICAL and
      // REAL are 4 bytes, DOUBLE PRECISION 8; a sized kind says its bytes in its name).
      {MPI_INTEGER, "MPI_INTEGER", 4, 4, true},
      {MPI_LOGICAL, "MPI_LOGICAL", 4, 4, true},
      {MPI_REAL, "MPI_REAL", 4, 4, true},
      {MPI_DOUBLE_PRECISION, "MPI_DOUBLE_PRECISION", 8, 8, true},
      {MPI_COMPLEX, "MPI_COMPLEX", 8, 8, true},
      {MPI_DOUBLE_COMPLEX, "MPI_DOUBLE_COMPLEX", 16, 16, true},
      {MPI_CHARACTER, "MPI_CHARACTER", 1, 1, true},
      {MPI_INTEGER1, "MPI_INTEGER1", 1, 1, true},
      {MPI_INTEGER2, "MPI_INTEGER2", 2, 2, true},
      {MPI_INTEGER4, "MPI_INTEGER4", 4, 4, true},
      {MPI_INTEGER8, "MPI_INTEGER8", 8, 8, true},
      {MPI_INTEGER16, "MPI_INTEGER16", 16, 16, true},
      {MPI_LOGICAL1, "MPI_LOGICAL1", 1, 1, true},
      {MPI_LOGICAL2, "MPI_LOGICAL2", 2, 2, true},
      {MPI_LOGICAL4, "MPI_LOGICAL4", 4, 4, true},
      {MPI_LOGICAL8, "MPI_LOGICAL8", 8, 8, true},
      {MPI_LOGICAL16, "MPI_LOGICAL16", 16, 16, true},
      {MPI_REAL2, "MPI_REAL2", 2, 2, true},
      {MPI_REAL4, "MPI_REAL4", 4, 4, true},
      {MPI_REAL8, "MPI_REAL8", 8, 8, true},
      {MPI_REAL16, "MPI_REAL16", 16, 16, true},
      {MPI_COMPLEX4, "MPI_COMPLEX4", 4, 4, true},
      {MPI_COMPLEX8, "MPI_COMPLEX8", 8, 8, true},
      {MPI_COMPLEX16, "MPI_COMPLEX16", 16, 16, true},
      {MPI_COMPLEX32, "MPI_COMPLEX32", 32, 32, true},
      {MPI_2INTEGER, "MPI_2INTEGER", 8, 8, true},
      {MPI_2REAL, "MPI_2REAL", 8, 8, true},
      {MPI_2DOUBLE_PRECISION, "MPI_2DOUBLE_PRECISION", 16, 16, true},
  };
  for (const Expect& e : expected) {
    INFO(e.name);
    const Datatype* type = weft::datatype_from_handle(e.handle);
    REQUIRE(type != nullptr);
    CHECK(type->name() == e.name);
    CHECK(type->size() == e.size);
    CHECK(type->lb() == 0);
    CHECK(type->extent() == e.extent);
    CHECK(type->true_lb() == 0);
    CHECK(type->is_predefined());
    CHECK(type->committed());
    CHECK(type->is_contiguous() == e.contiguous);
    CHECK(type->handle() == e.handle);
    CHECK(type->uniform_basic_type() == type);
    CHECK(type->combiner() == MPI_COMBINER_NAMED);
  }
  CHECK(weft::datatype_from_handle(MPI_LONG_LONG_INT) == weft::datatype_from_handle(MPI_LONG_LONG));
  CHECK(weft::datatype_from_handle(MPI_C_COMPLEX)->name() == "MPI_C_FLOAT_COMPLEX");
  CHECK(weft::datatype_from_handle(MPI_DOUBLE_INT)->true_extent() == 12);
  CHECK(weft::datatype_from_handle(MPI_SHORT_INT)->true_extent() == 8);
  CHECK(weft::datatype_from_handle(MPI_LONG_DOUBLE_INT)->true_extent() == 20);
}

TEST_CASE("handles that are not datatypes are refused", "[datatype]") {
  CHECK(weft::datatype_from_handle(MPI_DATATYPE_NULL) == nullptr);
  CHECK(weft::datatype_from_handle(reinterpret_cast<MPI_Datatype>(0x204)) == nullptr);  // a gap
  CHECK(weft::datatype_from_handle(reinterpret_cast<MPI_Datatype>(0x25a)) == nullptr);
  CHECK(weft::datatype_from_handle(reinterpret_cast<MPI_Datatype>(0x101)) == nullptr);
  CHECK(weft::datatype_from_handle(nullptr) == nullptr);

  Datatype* out = nullptr;
  weft::Status status = weft::check_datatype("MPI_Send", "datatype", MPI_DATATYPE_NULL, &out);
  CHECK(status.error_class() == MPI_ERR_TYPE);
  CHECK(status.message() == "MPI_Send: argument datatype=0x200 is MPI_DATATYPE_NULL");
  status =
      weft::check_datatype("MPI_Recv", "datatype", reinterpret_cast<MPI_Datatype>(0x204), &out);
  CHECK(status.error_class() == MPI_ERR_TYPE);
  CHECK(status.message() == "MPI_Recv: argument datatype=0x204 is not a valid datatype handle");

  Type fresh = contiguous(2, basic(MPI_INT));
  status = weft::check_datatype("MPI_Isend", "datatype", fresh->handle(), &out);
  CHECK(status.error_class() == MPI_ERR_TYPE);
  CHECK_THAT(status.message(), Catch::Contains("MPI_Isend: argument datatype=0x") &&
                                   Catch::Contains("is not committed"));
  CHECK(weft::find_datatype("MPI_Type_size", "datatype", fresh->handle(), &out).ok());
  CHECK(out == fresh.get());
  const_cast<Datatype*>(fresh.get())->commit();
  out = nullptr;
  CHECK(weft::check_datatype("MPI_Isend", "datatype", fresh->handle(), &out).ok());
  CHECK(out == fresh.get());
  CHECK(weft::datatype_from_handle(fresh->handle()) == fresh.get());
  CHECK(weft::check_datatype("MPI_Send", "datatype", MPI_INT, &out).ok());
}

TEST_CASE("pair types pack without their padding and count two elements each", "[datatype]") {
  struct DoubleInt {
    double value;
    int index;
  };
  DoubleInt pairs[2] = {{1.5, 7}, {-2.25, 9}};
  const Datatype& type = *weft::datatype_from_handle(MPI_DOUBLE_INT);
  std::vector<uint8_t> packed = pack_all(type, pairs, 2);
  REQUIRE(packed.size() == 24);
  double value;
  int index;
  std::memcpy(&value, &packed[12], 8);
  std::memcpy(&index, &packed[20], 4);
  CHECK(value == -2.25);
  CHECK(index == 9);
  DoubleInt back[2] = {};
  type.unpack(packed.data(), packed.size(), back, 2, 0);
  CHECK(back[0].value == 1.5);
  CHECK(back[1].index == 9);

  CHECK(type.count_basic_elements(0) == 0);
  CHECK(type.count_basic_elements(8) == 1);
  CHECK(type.count_basic_elements(12) == 2);
  CHECK(type.count_basic_elements(20) == 3);
  CHECK(type.count_basic_elements(24) == 4);
  CHECK(type.count_basic_elements(4) == -1);
  CHECK(type.count_basic_elements(10) == -1);
  CHECK(type.bytes_of_basic_elements(3) == 20);

  const Datatype& short_int = *weft::datatype_from_handle(MPI_SHORT_INT);
  struct ShortInt {
    short value;
    int index;
  } si = {3, 11};
  std::vector<uint8_t> bytes = pack_all(short_int, &si, 1);
  REQUIRE(bytes.size() == 6);
  CHECK(std::memcmp(bytes.data(), &si.value, 2) == 0);
  CHECK(std::memcmp(bytes.data() + 2, &si.index, 4) == 0);
}

// ---- constructors, with hand-computed layouts ----------------------------------------------

TEST_CASE("contiguous", "[datatype]") {
  Type type = contiguous(3, basic(MPI_INT));
  CHECK(type->size() == 12);
  CHECK(type->lb() == 0);
  CHECK(type->extent() == 12);
  CHECK(type->true_extent() == 12);
  CHECK(type->is_contiguous());
  CHECK(!type->committed());
  CHECK(!type->is_predefined());
  CHECK(type->combiner() == MPI_COMBINER_CONTIGUOUS);
  CHECK(type->uniform_basic_type() == basic(MPI_INT).get());
  int values[6] = {1, 2, 3, 4, 5, 6};
  std::vector<uint8_t> packed = pack_all(*type, values, 2);
  CHECK(std::memcmp(packed.data(), values, 24) == 0);
  CHECK(type->count_basic_elements(24) == 6);
  CHECK(type->count_basic_elements(14) == -1);

  Type empty = contiguous(0, basic(MPI_INT));
  CHECK(empty->size() == 0);
  CHECK(empty->extent() == 0);
  CHECK(empty->true_extent() == 0);
  CHECK(empty->count_basic_elements(0) == 0);
  CHECK(empty->is_contiguous());
  empty->pack(values, 5, 0, nullptr, 0);
}

TEST_CASE("vector and hvector", "[datatype]") {
  // Three blocks of two ints, four ints apart: bytes [0,8) [16,24) [32,40).
  Type type = vector(3, 2, 4, basic(MPI_INT));
  CHECK(type->size() == 24);
  CHECK(type->lb() == 0);
  CHECK(type->extent() == 40);
  CHECK(type->true_lb() == 0);
  CHECK(type->true_extent() == 40);
  CHECK(!type->is_contiguous());
  Arena arena(200, 0);
  std::vector<uint8_t> expect =
      gather(arena.at(0), {{0, 8}, {16, 8}, {32, 8}, {40, 8}, {56, 8}, {72, 8}});
  CHECK(pack_all(*type, arena.at(0), 2) == expect);

  // A negative stride walks downwards: blocks at 0 and -8, type-map order kept.
  Type down = hvector(2, 1, -8, basic(MPI_DOUBLE));
  CHECK(down->lb() == -8);
  CHECK(down->extent() == 16);
  CHECK(down->true_lb() == -8);
  CHECK(down->true_extent() == 16);
  Arena around(64, 32);
  CHECK(pack_all(*down, around.at(0), 1) == gather(around.at(0), {{0, 8}, {-8, 8}}));

  // A stride equal to the block is one run, and so contiguous.
  Type tiled = vector(4, 2, 2, basic(MPI_SHORT));
  CHECK(tiled->is_contiguous());
  CHECK(tiled->extent() == 16);

  // hvector of a vector: blocks of the inner type 100 bytes apart.
  Type inner = vector(2, 1, 3, basic(MPI_INT));  // bytes [0,4) [12,16), extent 16
  Type outer = hvector(2, 2, 100, inner);
  CHECK(outer->size() == 32);
  CHECK(outer->extent() == 100 + 32);
  Arena big(300, 0);
  CHECK(pack_all(*outer, big.at(0), 1) ==
        gather(big.at(0),
               {{0, 4}, {12, 4}, {16, 4}, {28, 4}, {100, 4}, {112, 4}, {116, 4}, {128, 4}}));
}

TEST_CASE("indexed, hindexed and their block forms", "[datatype]") {
  // Blocks in type-map order: 2 ints at index 3, then 1 int at index 0.
  Type type = indexed({2, 1}, {3, 0}, basic(MPI_INT));
  CHECK(type->size() == 12);
  CHECK(type->lb() == 0);
  CHECK(type->extent() == 20);
  CHECK(type->true_extent() == 20);
  Arena arena(100, 0);
  CHECK(pack_all(*type, arena.at(0), 2) ==
        gather(arena.at(0), {{12, 8}, {0, 4}, {32, 8}, {20, 4}}));

  Type bytes = hindexed({1, 0, 2}, {5, 100, -3}, basic(MPI_SHORT));
  CHECK(bytes->size() == 6);
  CHECK(bytes->lb() == -3);
  CHECK(bytes->extent() == 10);
  CHECK(bytes->true_lb() == -3);
  Arena around(64, 16);
  CHECK(pack_all(*bytes, around.at(0), 1) == gather(around.at(0), {{5, 2}, {-3, 4}}));

  Type block = indexed_block(2, {4, 1}, basic(MPI_DOUBLE));
  CHECK(block->size() == 32);
  CHECK(block->lb() == 8);
  CHECK(block->extent() == 40);
  CHECK(pack_all(*block, arena.at(0), 1) == gather(arena.at(0), {{32, 16}, {8, 16}}));
  CHECK(block->combiner() == MPI_COMBINER_INDEXED_BLOCK);

  Type hblock = hindexed_block(1, {0, 9, 2}, basic(MPI_CHAR));
  CHECK(hblock->size() == 3);
  CHECK(hblock->extent() == 10);
  CHECK(pack_all(*hblock, arena.at(0), 1) == gather(arena.at(0), {{0, 1}, {9, 1}, {2, 1}}));

  Type none = indexed({}, {}, basic(MPI_INT));
  CHECK(none->size() == 0);
  CHECK(none->extent() == 0);
}

TEST_CASE("struct extents are padded to the largest alignment", "[datatype]") {
  Type int_char = structure({1, 1}, {0, 4}, {basic(MPI_INT), basic(MPI_CHAR)});
  CHECK(int_char->size() == 5);
  CHECK(int_char->extent() == 8);
  CHECK(int_char->true_extent() == 5);
  CHECK(int_char->uniform_basic_type() == nullptr);

  Type double_char = structure({1, 1}, {0, 8}, {basic(MPI_DOUBLE), basic(MPI_CHAR)});
  CHECK(double_char->extent() == 16);
  Type char_double = structure({1, 1}, {0, 8}, {basic(MPI_CHAR), basic(MPI_DOUBLE)});
  CHECK(char_double->extent() == 16);
  Type chars = structure({3}, {0}, {basic(MPI_CHAR)});
  CHECK(chars->extent() == 3);
  Type ld_char = structure({1, 1}, {0, 16}, {basic(MPI_LONG_DOUBLE), basic(MPI_CHAR)});
  CHECK(ld_char->extent() == 32);
  Type short_char = structure({1, 1}, {0, 2}, {basic(MPI_SHORT), basic(MPI_CHAR)});
  CHECK(short_char->extent() == 4);

  // A struct of a padded struct keeps the member's extent for its copies.
  Type nested = structure({2, 1}, {0, 32}, {int_char, basic(MPI_CHAR)});
  CHECK(nested->size() == 11);
  CHECK(nested->extent() == 36);
  Arena arena(100, 0);
  CHECK(pack_all(*nested, arena.at(0), 1) == gather(arena.at(0), {{0, 5}, {8, 5}, {32, 1}}));

  Type same = structure({1, 2}, {0, 4}, {basic(MPI_INT), basic(MPI_INT)});
  CHECK(same->uniform_basic_type() == basic(MPI_INT).get());
  CHECK(same->is_contiguous());

  // Memory order differs from type-map order: not contiguous.
  Type swapped = structure({1, 1}, {4, 0}, {basic(MPI_INT), basic(MPI_INT)});
  CHECK(!swapped->is_contiguous());
  CHECK(pack_all(*swapped, arena.at(0), 1) == gather(arena.at(0), {{4, 4}, {0, 4}}));

  // Zero-length members leave no trace in the bounds.
  Type ghost = structure({0, 1}, {-100, 8}, {basic(MPI_DOUBLE), basic(MPI_INT)});
  CHECK(ghost->lb() == 8);
  CHECK(ghost->extent() == 4);
}

TEST_CASE("resized bounds are sticky in later constructors", "[datatype]") {
  Type wide = resized(basic(MPI_INT), -4, 12);
  CHECK(wide->lb() == -4);
  CHECK(wide->extent() == 12);
  CHECK(wide->true_lb() == 0);
  CHECK(wide->true_extent() == 4);
  CHECK(wide->size() == 4);
  CHECK(!wide->is_contiguous());
  CHECK(wide->has_explicit_lb());

  // Copies at 0 and 12: lb markers at -4 and 8, ub markers at 8 and 20.
  Type two = contiguous(2, wide);
  CHECK(two->lb() == -4);
  CHECK(two->extent() == 24);
  CHECK(two->true_lb() == 0);
  CHECK(two->true_extent() == 16);
  Arena arena(100, 8);
  CHECK(pack_all(*two, arena.at(0), 2) == gather(arena.at(0), {{0, 4}, {12, 4}, {24, 4}, {36, 4}}));

  // In a struct the markers decide: the char's data beyond ub does not move it, and no
  // alignment padding is added.
  Type mixed = structure({1, 1}, {0, 20}, {wide, basic(MPI_CHAR)});
  CHECK(mixed->lb() == -4);
  CHECK(mixed->extent() == 12);
  CHECK(mixed->true_lb() == 0);
  CHECK(mixed->true_extent() == 21);

  // Resizing to the size makes a gap-free type again.
  Type tight = resized(basic(MPI_DOUBLE_INT), 0, 12);
  CHECK(tight->is_contiguous());
  Type shifted = resized(basic(MPI_INT), 8, 4);
  CHECK(shifted->is_contiguous());
  CHECK(shifted->lb() == 8);
}

TEST_CASE("subarray in C and Fortran order", "[datatype]") {
  // 4x5 ints, rows 1..2, columns 2..4.
  Type c = subarray({4, 5}, {2, 3}, {1, 2}, MPI_ORDER_C, basic(MPI_INT));
  CHECK(c->size() == 24);
  CHECK(c->lb() == 0);
  CHECK(c->extent() == 80);
  CHECK(c->true_lb() == 28);
  CHECK(c->true_extent() == 32);
  CHECK(c->combiner() == MPI_COMBINER_SUBARRAY);
  Arena arena(400, 0);
  CHECK(pack_all(*c, arena.at(0), 2) ==
        gather(arena.at(0), {{28, 12}, {48, 12}, {108, 12}, {128, 12}}));

  // Dimension 0 varies fastest: element (i, j) is at (i + 4 j) ints.
  Type f = subarray({4, 5}, {2, 3}, {1, 2}, MPI_ORDER_FORTRAN, basic(MPI_INT));
  CHECK(f->extent() == 80);
  CHECK(f->true_lb() == 36);
  CHECK(f->true_extent() == 40);
  CHECK(pack_all(*f, arena.at(0), 1) == gather(arena.at(0), {{36, 8}, {52, 8}, {68, 8}}));

  // A 3-d block of doubles in a 3x4x5 array.
  Type cube = subarray({3, 4, 5}, {2, 2, 2}, {1, 1, 3}, MPI_ORDER_C, basic(MPI_DOUBLE));
  CHECK(cube->extent() == 3 * 4 * 5 * 8);
  std::vector<std::pair<MPI_Aint, size_t>> blocks;
  for (int i = 1; i < 3; ++i) {
    for (int j = 1; j < 3; ++j) blocks.push_back({((i * 4 + j) * 5 + 3) * 8, 16});
  }
  Arena doubles(1000, 0);
  CHECK(pack_all(*cube, doubles.at(0), 1) == gather(doubles.at(0), blocks));

  Datatype* out = nullptr;
  const std::vector<int64_t> sizes{4, 5}, too_big{5, 1}, starts{0, 0}, late{0, 3}, ok{2, 3};
  weft::Status status = weft::type_subarray("MPI_Type_create_subarray", sizes, too_big, starts,
                                            MPI_ORDER_C, *basic(MPI_INT), &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK_THAT(status.message(), Catch::Contains("array_of_subsizes[0]=5"));
  status = weft::type_subarray("MPI_Type_create_subarray", sizes, ok, late, MPI_ORDER_C,
                               *basic(MPI_INT), &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK_THAT(status.message(), Catch::Contains("array_of_starts[1]=3"));
  status =
      weft::type_subarray("MPI_Type_create_subarray", sizes, ok, starts, 7, *basic(MPI_INT), &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK_THAT(status.message(), Catch::Contains("order=7"));
}

TEST_CASE("dup copies everything but the name", "[datatype]") {
  Type original = vector(3, 1, 2, basic(MPI_FLOAT));
  const_cast<Datatype*>(original.get())->set_name("three floats");
  Type copy = dup(original);
  CHECK(copy->size() == original->size());
  CHECK(copy->extent() == original->extent());
  CHECK(copy->true_extent() == original->true_extent());
  CHECK(copy->combiner() == MPI_COMBINER_DUP);
  CHECK(!copy->committed());
  CHECK(copy->name().empty());
  const_cast<Datatype*>(original.get())->commit();
  CHECK(dup(original)->committed());
  CHECK(dup(basic(MPI_INT))->committed());
}

TEST_CASE("constructor arguments are validated", "[datatype]") {
  Datatype* out = nullptr;
  weft::Status status = weft::type_contiguous("MPI_Type_contiguous", -1, *basic(MPI_INT), &out);
  CHECK(status.error_class() == MPI_ERR_COUNT);
  CHECK(status.message() == "MPI_Type_contiguous: argument count=-1 is negative");
  status = weft::type_vector("MPI_Type_vector", 2, -3, 1, *basic(MPI_INT), &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK(status.message() == "MPI_Type_vector: argument blocklength=-3 is negative");
  const std::vector<int64_t> lengths{1, -2};
  const std::vector<MPI_Aint> displacements{0, 8};
  status = weft::type_hindexed("MPI_Type_create_hindexed", lengths, displacements, *basic(MPI_INT),
                               &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK(status.message() ==
        "MPI_Type_create_hindexed: argument array_of_blocklengths[1]=-2 is negative");
  // 2^50 elements of 20 bytes fit in int64; 2^30 copies of them do not.
  status = weft::type_hvector("MPI_Type_create_hvector", 1 << 30, 1 << 20, 1,
                              *basic(MPI_LONG_DOUBLE_INT), &out);
  REQUIRE(status.ok());
  Type huge(out);
  CHECK(huge->size() == (uint64_t{1} << 50) * 20);
  status = weft::type_contiguous("MPI_Type_contiguous", 1 << 30, *huge, &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK_THAT(status.message(), Catch::Contains("MPI_Type_contiguous: the size"));
  status = weft::type_resized("MPI_Type_create_resized", *basic(MPI_INT), INT64_MAX, 1, &out);
  CHECK(status.error_class() == MPI_ERR_ARG);
}

// ---- packing ----------------------------------------------------------------------------------

TEST_CASE("the same signature in different layouts exchanges data", "[datatype]") {
  // Sending a strided column and receiving it contiguously (and back) is the classic use.
  int matrix[4][5];
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 5; ++j) matrix[i][j] = 10 * i + j;
  }
  Type column = vector(4, 1, 5, basic(MPI_INT));
  Type four = contiguous(4, basic(MPI_INT));
  std::vector<uint8_t> stream = pack_all(*column, &matrix[0][2], 1);
  int received[4];
  four->unpack(stream.data(), stream.size(), received, 1, 0);
  CHECK(received[0] == 2);
  CHECK(received[3] == 32);
  CHECK(pack_all(*four, received, 1) == stream);

  int target[4][5] = {};
  column->unpack(stream.data(), stream.size(), &target[0][1], 1, 0);
  for (int i = 0; i < 4; ++i) CHECK(target[i][1] == 10 * i + 2);
  CHECK(target[0][2] == 0);

  // An indexed type and a struct with the same signature.
  Type pattern = indexed({1, 3}, {7, 1}, basic(MPI_INT));
  Type members = structure({2, 2}, {100, 0}, {basic(MPI_INT), basic(MPI_INT)});
  CHECK(pattern->count_basic_elements(16) == members->count_basic_elements(16));
  int source[10];
  for (int i = 0; i < 10; ++i) source[i] = i * i;
  stream = pack_all(*pattern, source, 1);
  std::vector<uint8_t> space(200, 0);
  members->unpack(stream.data(), stream.size(), space.data(), 1, 0);
  int a, b, c, d;
  std::memcpy(&a, &space[100], 4);
  std::memcpy(&b, &space[104], 4);
  std::memcpy(&c, &space[0], 4);
  std::memcpy(&d, &space[4], 4);
  CHECK(a == 49);
  CHECK(b == 1);
  CHECK(c == 4);
  CHECK(d == 9);
}

TEST_CASE("absolute displacements from MPI_BOTTOM", "[datatype]") {
  double x = 3.5;
  int y = 42;
  const MPI_Aint address_x = reinterpret_cast<MPI_Aint>(&x);
  const MPI_Aint address_y = reinterpret_cast<MPI_Aint>(&y);
  Type absolute = structure({1, 1}, {address_y, address_x}, {basic(MPI_INT), basic(MPI_DOUBLE)});
  std::vector<uint8_t> stream = pack_all(*absolute, MPI_BOTTOM, 1);
  REQUIRE(stream.size() == 12);
  CHECK(std::memcmp(stream.data(), &y, 4) == 0);
  CHECK(std::memcmp(stream.data() + 4, &x, 8) == 0);
  y = 0;
  x = 0;
  absolute->unpack(stream.data(), stream.size(), MPI_BOTTOM, 1, 0);
  CHECK(y == 42);
  CHECK(x == 3.5);
}

TEST_CASE("count_basic_elements and its inverse", "[datatype]") {
  Type mixed = structure({1, 1}, {0, 8}, {basic(MPI_INT), basic(MPI_DOUBLE)});
  CHECK(mixed->count_basic_elements(0) == 0);
  CHECK(mixed->count_basic_elements(4) == 1);
  CHECK(mixed->count_basic_elements(6) == -1);
  CHECK(mixed->count_basic_elements(12) == 2);
  CHECK(mixed->count_basic_elements(16) == 3);
  CHECK(mixed->count_basic_elements(24) == 4);
  CHECK(mixed->bytes_of_basic_elements(0) == 0);
  CHECK(mixed->bytes_of_basic_elements(1) == 4);
  CHECK(mixed->bytes_of_basic_elements(3) == 16);
  CHECK(mixed->basic_elements() == 2);

  // Nested repetition: 1000 x (int, 3 x double, short).
  Type inner =
      structure({1, 3, 1}, {0, 8, 32}, {basic(MPI_INT), basic(MPI_DOUBLE), basic(MPI_SHORT)});
  Type many = contiguous(1000, inner);
  CHECK(many->basic_elements() == 5000);
  CHECK(many->count_basic_elements(30 * 999 + 4 + 16) == 5 * 999 + 3);
  CHECK(many->count_basic_elements(30 * 999 + 4 + 17) == -1);
  CHECK(many->count_basic_elements(2 * 30000 + 30 + 28) == 10000 + 5 + 4);
  for (int64_t n = 0; n < 40; ++n) {
    const int64_t bytes = many->bytes_of_basic_elements(n);
    CHECK(many->count_basic_elements(bytes) == n);
  }
  Type empty = contiguous(0, basic(MPI_INT));
  CHECK(empty->bytes_of_basic_elements(1) == -1);
}

TEST_CASE("large and nested types stay compact and pack correctly", "[datatype]") {
  const int64_t blocks = 1000000;
  Type every_other = vector(blocks, 1, 2, basic(MPI_INT));
  CHECK(every_other->shape().layout->pieces.size() == 1);
  CHECK(every_other->size() == static_cast<size_t>(4 * blocks));
  std::vector<int> values(static_cast<size_t>(2 * blocks));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<int>(i);
  std::vector<uint8_t> stream = pack_all(*every_other, values.data(), 1);
  bool all = true;
  for (int64_t i = 0; i < blocks; ++i) {
    int v;
    std::memcpy(&v, &stream[static_cast<size_t>(4 * i)], 4);
    all = all && v == 2 * i;
  }
  CHECK(all);

  // 1000 x 1000 blocks through nesting, described by a handful of pieces.
  Type row = vector(1000, 1, 2, basic(MPI_CHAR));
  Type grid = hvector(1000, 1, 4000, row);
  CHECK(grid->shape().layout->pieces.size() == 1);
  CHECK(grid->shape().layout->pieces[0].child->pieces.size() == 1);

  // Repeating a struct repeats a reference to its layout and signature.
  Type pair = structure({1, 1}, {0, 8}, {basic(MPI_INT), basic(MPI_DOUBLE)});
  Type pairs = contiguous(1000000, pair);
  CHECK(pairs->shape().layout->pieces.size() == 1);
  CHECK(pairs->shape().signature->items.size() == 1);

  // An indexed type of equally spaced blocks folds into one counted piece.
  std::vector<int64_t> lengths(1000, 2), displacements(1000);
  for (size_t i = 0; i < displacements.size(); ++i) displacements[i] = static_cast<int64_t>(3 * i);
  Type regular = indexed(lengths, displacements, basic(MPI_DOUBLE));
  CHECK(regular->shape().layout->pieces.size() == 1);
}

TEST_CASE("random nested types pack like their reference type map", "[datatype]") {
  for (uint32_t seed = 1; seed <= 1500; ++seed) {
    RandomTypes generator(seed);
    Reference ref = generator.make(2 + static_cast<int>(seed % 3));
    INFO("seed " << seed);
    const Datatype& type = *ref.type;

    size_t map_bytes = 0;
    for (const Entry& e : ref.map) map_bytes += e.size;
    REQUIRE(type.size() == map_bytes);
    if (!ref.map.empty()) {
      MPI_Aint low = ref.map[0].disp, high = low;
      for (const Entry& e : ref.map) {
        low = std::min(low, e.disp);
        high = std::max(high, e.disp + static_cast<MPI_Aint>(e.size));
      }
      CHECK(type.true_lb() == low);
      CHECK(type.true_extent() == high - low);
    }

    const size_t count = 1 + seed % 3;
    auto [low, high] = ref_span(ref, count);
    const size_t span = static_cast<size_t>(high - low) + 16;
    Arena source(span, -low + 8, 0);
    const std::vector<uint8_t> expect = ref_pack(ref, source.at(0), count);
    const std::vector<uint8_t> packed = pack_all(type, source.at(0), count);
    REQUIRE(packed == expect);

    // Any window of the stream packs the same bytes as the full pack.
    std::mt19937 random(seed);
    for (int trial = 0; trial < 20 && !packed.empty(); ++trial) {
      const size_t offset = random() % packed.size();
      const size_t length = random() % (packed.size() - offset + 1);
      std::vector<uint8_t> window(length);
      type.pack(source.at(0), count, offset, window.data(), length);
      if (!std::equal(window.begin(), window.end(), packed.begin() + static_cast<long>(offset))) {
        FAIL("pack of stream bytes [" << offset << ", " << offset + length << ") differs");
      }
    }

    // Unpacking in random chunks writes what the reference writes, and nothing else.
    Arena expected_target(span, -low + 8, 99);
    ref_unpack(ref, packed.data(), expected_target.at(0), count);
    Arena target(span, -low + 8, 99);
    for (size_t at = 0; at < packed.size();) {
      const size_t length = std::min<size_t>(packed.size() - at, 1 + random() % 13);
      type.unpack(packed.data() + at, length, target.at(0), count, at);
      at += length;
    }
    CHECK(target.data == expected_target.data);

    for (int64_t bytes = 0; bytes <= static_cast<int64_t>(packed.size()); ++bytes) {
      if (type.count_basic_elements(bytes) != ref_elements(ref, bytes)) {
        FAIL("count_basic_elements(" << bytes << ") = " << type.count_basic_elements(bytes)
                                     << ", reference " << ref_elements(ref, bytes));
      }
    }
    if (type.size() > 0) {
      for (int64_t n = 0; n <= static_cast<int64_t>(ref.map.size() * count); ++n) {
        if (type.count_basic_elements(type.bytes_of_basic_elements(n)) != n) {
          FAIL("bytes_of_basic_elements(" << n << ") = " << type.bytes_of_basic_elements(n));
        }
      }
    }

    // A gap-free type must really be one run from true_lb.
    if (type.is_contiguous() && type.size() > 0) {
      const uint8_t* begin = source.at(type.true_lb());
      CHECK(std::equal(packed.begin(), packed.end(), begin));
    }
  }
}

// ---- contents, darray, external32, attributes ---------------------------------------------

TEST_CASE("constructors record their arguments and hold their input types", "[datatype]") {
  const Datatype* inner_raw = nullptr;
  Type outer;
  {
    Type inner = vector(2, 1, 3, basic(MPI_INT));
    inner_raw = inner.get();
    outer = indexed({2, 1}, {5, 0}, inner);
  }  // the test's reference to inner is gone; outer's contents keep it alive
  const auto& contents = outer->contents();
  CHECK(contents.combiner == MPI_COMBINER_INDEXED);
  CHECK(contents.integers == std::vector<int>{2, 2, 1, 5, 0});
  CHECK(contents.addresses.empty());
  REQUIRE(contents.types.size() == 1);
  CHECK(contents.types[0] == inner_raw);
  CHECK(inner_raw->contents().integers == std::vector<int>{2, 1, 3});
  CHECK(inner_raw->extent() == 4 * 4);

  Type st = structure({1, 3}, {0, 16}, {basic(MPI_DOUBLE), outer});
  CHECK(st->contents().combiner == MPI_COMBINER_STRUCT);
  CHECK(st->contents().integers == std::vector<int>{2, 1, 3});
  CHECK(st->contents().addresses == std::vector<MPI_Aint>{0, 16});
  CHECK(resized(st, -8, 64)->contents().addresses == std::vector<MPI_Aint>{-8, 64});
  CHECK(subarray({4, 5}, {2, 3}, {1, 2}, MPI_ORDER_C, basic(MPI_INT))->contents().integers ==
        std::vector<int>{2, 4, 5, 2, 3, 1, 2, MPI_ORDER_C});
  CHECK(basic(MPI_INT)->contents().combiner == MPI_COMBINER_NAMED);
  Type copy(weft::type_copy(*st));
  CHECK(copy.get() != st.get());
  CHECK(copy->contents().integers == st->contents().integers);
  CHECK(copy->size() == st->size());
}

namespace {

Type darray(int size, int rank, std::vector<int64_t> gsizes, std::vector<int> distribs,
            std::vector<int> dargs, std::vector<int> psizes, int order, const Type& old) {
  Datatype* out = nullptr;
  auto status =
      weft::type_darray("test", size, rank, gsizes, distribs, dargs, psizes, order, *old, &out);
  return checked(status, out);
}

// The ints `type` selects from an array holding 0, 1, 2, ... in that order.
std::vector<int> selected(const Type& type, int total) {
  std::vector<int> array(static_cast<size_t>(total));
  for (int i = 0; i < total; ++i) array[static_cast<size_t>(i)] = i;
  std::vector<int> out(type->size() / sizeof(int));
  type->pack(array.data(), 1, 0, out.data(), type->size());
  return out;
}

}  // namespace

TEST_CASE("darray block, cyclic and none, by hand", "[datatype]") {
  // 10 elements cyclic(2) over 3 processes: rank 1 owns 2,3 and 8,9.
  Type c = darray(3, 1, {10}, {MPI_DISTRIBUTE_CYCLIC}, {2}, {3}, MPI_ORDER_C, basic(MPI_INT));
  CHECK(selected(c, 10) == std::vector<int>{2, 3, 8, 9});
  CHECK(c->lb() == 0);
  CHECK(c->extent() == 40);
  // 10 elements in default blocks (4) over 3 processes: rank 2 owns 8, 9.
  Type b = darray(3, 2, {10}, {MPI_DISTRIBUTE_BLOCK}, {MPI_DISTRIBUTE_DFLT_DARG}, {3},
                  MPI_ORDER_FORTRAN, basic(MPI_INT));
  CHECK(selected(b, 10) == std::vector<int>{8, 9});
  // A 3x4 C-order array, rows in blocks over 2 processes and columns not distributed:
  // rank 1 of the 2x1 grid owns row 2.
  Type r = darray(2, 1, {3, 4}, {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_NONE},
                  {MPI_DISTRIBUTE_DFLT_DARG, MPI_DISTRIBUTE_DFLT_DARG}, {2, 1}, MPI_ORDER_C,
                  basic(MPI_INT));
  CHECK(selected(r, 12) == std::vector<int>{8, 9, 10, 11});
  // The same in Fortran order: the first index varies fastest, so row 2 is 2, 5, 8, 11.
  Type f = darray(2, 1, {3, 4}, {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_NONE},
                  {MPI_DISTRIBUTE_DFLT_DARG, MPI_DISTRIBUTE_DFLT_DARG}, {2, 1}, MPI_ORDER_FORTRAN,
                  basic(MPI_INT));
  CHECK(selected(f, 12) == std::vector<int>{2, 5, 8, 11});
  // A process that owns nothing: 2 elements in blocks of 1 over 3 processes.
  Type empty = darray(3, 2, {2}, {MPI_DISTRIBUTE_BLOCK}, {1}, {3}, MPI_ORDER_C, basic(MPI_INT));
  CHECK(empty->size() == 0);
  CHECK(empty->extent() == 8);

  // A long cyclic dimension stays a few pieces: 10^9 chars in blocks of 7 round 3 processes.
  // Rank 1 owns positions 7..13 of each 21: 47619047 whole cycles and 6 of the last 13.
  Type big =
      darray(3, 1, {1000000000}, {MPI_DISTRIBUTE_CYCLIC}, {7}, {3}, MPI_ORDER_C, basic(MPI_CHAR));
  CHECK(big->size() == 47619047u * 7 + 6);
  CHECK(big->extent() == 1000000000);
  CHECK(big->shape().layout->pieces.size() <= 3);

  Datatype* out = nullptr;
  CHECK(weft::type_darray("test", 3, 0, std::vector<int64_t>{10}, std::vector<int>{17},
                          std::vector<int>{3}, std::vector<int>{3}, MPI_ORDER_C, *basic(MPI_INT),
                          &out)
            .error_class() == MPI_ERR_ARG);  // block of 3 cannot cover 10 over 3
  CHECK(weft::type_darray("test", 2, 2, std::vector<int64_t>{10}, std::vector<int>{17},
                          std::vector<int>{MPI_DISTRIBUTE_DFLT_DARG}, std::vector<int>{2},
                          MPI_ORDER_C, *basic(MPI_INT), &out)
            .error_class() == MPI_ERR_RANK);
}

TEST_CASE("external32 writes big-endian values of the standard's sizes", "[datatype]") {
  Type pair = basic(MPI_LONG_DOUBLE_INT);
  CHECK(weft::external32_size(*pair, 2) == 2 * (16 + 4));
  CHECK(weft::external32_size(*basic(MPI_LONG), 3) == 12);
  CHECK(weft::external32_size(*basic(MPI_WCHAR), 1) == 2);
  CHECK(weft::external32_size(*basic(MPI_C_DOUBLE_COMPLEX), 1) == 16);

  const long double values[] = {1.0L, -0.15625L, 1e-4940L};  // the last one is subnormal
  unsigned char out[48] = {};
  REQUIRE(weft::pack_external32("test", values, 3, *basic(MPI_LONG_DOUBLE), out).ok());
  CHECK(out[0] == 0x3f);
  CHECK(out[1] == 0xff);
  // -0.15625 = -1.25 * 2^-3: sign set, exponent 16380 = 0x3ffc, fraction .01
  CHECK(out[16] == 0xbf);
  CHECK(out[17] == 0xfc);
  CHECK(out[18] == 0x40);
  long double back[3] = {};
  REQUIRE(weft::unpack_external32("test", out, back, 3, *basic(MPI_LONG_DOUBLE)).ok());
  CHECK(back[0] == values[0]);
  CHECK(back[1] == values[1]);
  CHECK(back[2] == values[2]);

  const long longs[] = {-1, 2147483647L};
  unsigned char packed[8];
  REQUIRE(weft::pack_external32("test", longs, 2, *basic(MPI_LONG), packed).ok());
  CHECK(std::vector<unsigned char>(packed, packed + 8) ==
        std::vector<unsigned char>{0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff});
  long longs_back[2] = {};
  REQUIRE(weft::unpack_external32("test", packed, longs_back, 2, *basic(MPI_LONG)).ok());
  CHECK(longs_back[0] == -1);
  CHECK(longs_back[1] == 2147483647L);
  const long too_big = 1L << 33;
  CHECK(weft::pack_external32("test", &too_big, 1, *basic(MPI_LONG), packed).error_class() ==
        MPI_ERR_CONVERSION);
}

namespace {

int g_deletes = 0;
int count_delete(MPI_Datatype, int, void*, void*) {
  ++g_deletes;
  return MPI_SUCCESS;
}

}  // namespace

TEST_CASE("a freed attribute key lives while attributes use it", "[datatype]") {
  Type type = contiguous(2, basic(MPI_INT));
  Datatype& raw = *const_cast<Datatype*>(type.get());
  int key = weft::type_keyval_create({MPI_TYPE_DUP_FN, count_delete, nullptr});
  g_deletes = 0;
  REQUIRE(weft::type_attr_set("test", raw, key, reinterpret_cast<void*>(7)).ok());
  REQUIRE(weft::type_attr_set("test", raw, key, reinterpret_cast<void*>(8)).ok());
  CHECK(g_deletes == 1);
  int freed = key;
  REQUIRE(weft::type_keyval_free("test", &freed).ok());
  CHECK(freed == MPI_KEYVAL_INVALID);
  void* value = nullptr;
  bool found = false;
  CHECK(weft::type_attr_get("test", raw, key, &value, &found).error_class() == MPI_ERR_KEYVAL);
  REQUIRE(weft::type_attrs_delete_all("test", raw).ok());
  CHECK(g_deletes == 2);  // the freed key's callback still ran
  CHECK(raw.attributes().empty());
}
