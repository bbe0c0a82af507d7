// Types found by description rather than built: MPI_Type_match_size, MPI_Type_get_value_index
// and the parameterized Fortran types of MPI_Type_create_f90_integer/real/complex.
//
// The Fortran kinds follow SELECTED_INT_KIND and SELECTED_REAL_KIND of a compiler with 1-, 2-,
// 4-, 8- and 16-byte integers and 4-, 8- and 16-byte reals (IEEE binary32, binary64 and a
// 16-byte quad), which are also the standard's external32 sizes for these types:
//   integer r:   1..2 -> 1 byte, ..4 -> 2, ..9 -> 4, ..18 -> 8, ..38 -> 16
//   real (p, r): p <= 6 and r <= 37 -> 4 bytes, p <= 15 and r <= 307 -> 8,
//                p <= 33 and r <= 4931 -> 16; a complex holds two such reals.
#include <cinttypes>
#include <map>
#include <mutex>
#include <tuple>

#include "datatype/datatype.h"

namespace weft {

namespace {

std::mutex g_f90_mutex;
// Created once per (combiner, p, r) and never freed: the standard wants the same handle for
// the same arguments, and types from different arguments must not match each other. The
// table itself is never destroyed either, so the handles stay valid until the process ends.
std::map<std::tuple<int, int, int>, Datatype*>& f90_types() {
  static auto* types = new std::map<std::tuple<int, int, int>, Datatype*>();
  return *types;
}

MPI_Datatype integer_kind(int r) {
  if (r <= 2) return MPI_INTEGER1;
  if (r <= 4) return MPI_INTEGER2;
  if (r <= 9) return MPI_INTEGER4;
  if (r <= 18) return MPI_INTEGER8;
  if (r <= 38) return MPI_INTEGER16;
  return MPI_DATATYPE_NULL;
}

// The real kind for precision p and exponent range r (either may be MPI_UNDEFINED).
int real_bytes(int p, int r) {
  const bool any_p = p == MPI_UNDEFINED;
  const bool any_r = r == MPI_UNDEFINED;
  if ((any_p || p <= 6) && (any_r || r <= 37)) return 4;
  if ((any_p || p <= 15) && (any_r || r <= 307)) return 8;
  if ((any_p || p <= 33) && (any_r || r <= 4931)) return 16;
  return 0;
}

// A supported predefined type of `size` bytes (MPI_Type_match_size never hands out a type
// the registered Fortran compiler lacks).
bool matches(MPI_Datatype candidate, int size) {
  const Datatype* type = predefined_datatype(candidate);
  return !type->is_unsupported() && type->size() == static_cast<size_t>(size);
}

}  // namespace

Status type_f90(const char* call, int combiner, int p, int r, Datatype** out) {
  MPI_Datatype base = MPI_DATATYPE_NULL;
  if (combiner == MPI_COMBINER_F90_INTEGER) {
    if (r != MPI_UNDEFINED && r < 0) {
      return error(MPI_ERR_ARG, "%s: argument r=%d must be non-negative", call, r);
    }
    base = integer_kind(r == MPI_UNDEFINED ? 0 : r);
    if (base == MPI_DATATYPE_NULL) {
      return error(MPI_ERR_ARG, "%s: argument r=%d: no integer kind holds %d decimal digits", call,
                   r, r);
    }
  } else {
    if (p == MPI_UNDEFINED && r == MPI_UNDEFINED) {
      return error(MPI_ERR_ARG, "%s: arguments p and r are both MPI_UNDEFINED; one must be given",
                   call);
    }
    if ((p != MPI_UNDEFINED && p < 0) || (r != MPI_UNDEFINED && r < 0)) {
      return error(MPI_ERR_ARG, "%s: arguments p=%d and r=%d must be non-negative or MPI_UNDEFINED",
                   call, p, r);
    }
    const bool complex = combiner == MPI_COMBINER_F90_COMPLEX;
    switch (real_bytes(p, r)) {
      case 4:
        base = complex ? MPI_COMPLEX8 : MPI_REAL4;
        break;
      case 8:
        base = complex ? MPI_COMPLEX16 : MPI_REAL8;
        break;
      case 16:
        base = complex ? MPI_COMPLEX32 : MPI_REAL16;
        break;
      default:
        return error(MPI_ERR_ARG,
                     "%s: arguments p=%d and r=%d: no real kind has that precision and range "
                     "(at most 33 digits and exponents to 4931)",
                     call, p, r);
    }
  }
  if (predefined_datatype(base)->is_unsupported()) {
    return error(MPI_ERR_ARG,
                 "%s: arguments p=%d and r=%d select %s, which the Fortran ABI registered with "
                 "MPI_Abi_set_fortran_info marks unsupported",
                 call, p, r, predefined_datatype(base)->name().c_str());
  }
  if (combiner == MPI_COMBINER_F90_INTEGER) p = 0;  // one integer argument only
  std::lock_guard<std::mutex> lock(g_f90_mutex);
  Datatype*& type = f90_types()[{combiner, p, r}];
  if (type == nullptr) {
    const Datatype* basic = predefined_datatype(base);
    type = new Datatype(basic->shape());
    type->set_name(basic->name());
    datatype_internal::Contents contents;
    contents.combiner = combiner;
    if (combiner == MPI_COMBINER_F90_INTEGER) {
      contents.integers = {r};
    } else {
      contents.integers = {p, r};
    }
    type->set_contents(std::move(contents));
    type->set_permanent();
  }
  *out = type;
  return Status::success();
}

Status type_match_size(const char* call, int typeclass, int size, const Datatype** out) {
  MPI_Datatype found = MPI_DATATYPE_NULL;
  const char* what = nullptr;
  switch (typeclass) {
    case MPI_TYPECLASS_INTEGER:
      what = "integer";
      for (MPI_Datatype candidate :
           {MPI_INTEGER1, MPI_INTEGER2, MPI_INTEGER4, MPI_INTEGER8, MPI_INTEGER16}) {
        if (matches(candidate, size)) found = candidate;
      }
      break;
    case MPI_TYPECLASS_REAL:
      what = "real";
      for (MPI_Datatype candidate : {MPI_REAL2, MPI_REAL4, MPI_REAL8, MPI_REAL16}) {
        if (matches(candidate, size)) found = candidate;
      }
      break;
    case MPI_TYPECLASS_COMPLEX:
      what = "complex";
      for (MPI_Datatype candidate : {MPI_COMPLEX4, MPI_COMPLEX8, MPI_COMPLEX16, MPI_COMPLEX32}) {
        if (matches(candidate, size)) found = candidate;
      }
      break;
    default:
      return error(MPI_ERR_ARG,
                   "%s: argument typeclass=%d is not MPI_TYPECLASS_INTEGER, MPI_TYPECLASS_REAL "
                   "or MPI_TYPECLASS_COMPLEX",
                   call, typeclass);
  }
  if (found == MPI_DATATYPE_NULL) {
    return error(MPI_ERR_ARG, "%s: argument size=%d: there is no %s type of %d bytes", call, size,
                 what, size);
  }
  *out = predefined_datatype(found);
  return Status::success();
}

MPI_Datatype value_index_type(MPI_Datatype value, MPI_Datatype index) {
  struct PairOf {
    MPI_Datatype value, index, pair;
  };
  static const PairOf kPairs[] = {
      {MPI_FLOAT, MPI_INT, MPI_FLOAT_INT},
      {MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT},
      {MPI_LONG, MPI_INT, MPI_LONG_INT},
      {MPI_INT, MPI_INT, MPI_2INT},
      {MPI_SHORT, MPI_INT, MPI_SHORT_INT},
      {MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT},
      {MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER},
      {MPI_REAL, MPI_REAL, MPI_2REAL},
      {MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION},
  };
  for (const PairOf& pair : kPairs) {
    if (pair.value == value && pair.index == index) return pair.pair;
  }
  return MPI_DATATYPE_NULL;
}

}  // namespace weft
