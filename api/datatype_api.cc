// C entry points of datatype construction, decoding (MPI_Type_get_envelope/get_contents)
// and queries, the types found by description (MPI_Type_match_size, MPI_Type_get_value_index,
// MPI_Type_create_f90_*), MPI_Get_count/MPI_Get_elements and the status helpers. They
// validate arguments with the code generated from api/mpi.api (weft::api::validate::<Name>,
// which hands back the resolved datatype), and call datatype/datatype.h.
// MPI_Type_create_struct, MPI_Type_create_subarray, MPI_Type_create_darray,
// MPI_Type_get_contents and MPI_Type_match_size still validate by hand (arrays of datatypes,
// enums, output arrays sized by the type: kinds without a generated checker yet).
#include <algorithm>
#include <cinttypes>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/api_checks.h"
#include "base/status_util.h"
#include "datatype/datatype.h"
#include "datatype/type_attributes.h"
#include "mpi.h"

namespace {

using weft::Datatype;
using weft::Status;
namespace validate = weft::api::validate;

Status check_pointer(const char* call, const char* argument, const void* pointer) {
  if (pointer == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, argument);
  }
  return Status::success();
}

Status check_count(const char* call, const char* argument, int64_t count) {
  if (count < 0) {
    return weft::error(MPI_ERR_COUNT, "%s: argument %s=%" PRId64 " is negative", call, argument,
                       count);
  }
  return Status::success();
}

// An input array may be NULL only when it has no entries.
Status check_array(const char* call, const char* argument, const void* array, int64_t count) {
  if (array == nullptr && count > 0) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL but count=%" PRId64, call, argument,
                       count);
  }
  return Status::success();
}

template <typename Integer, typename Length>
std::vector<int64_t> widen(const Integer* values, Length count) {
  return count > 0 ? std::vector<int64_t>(values, values + count) : std::vector<int64_t>();
}

// MPI_Count displacements (the _c constructors) as the MPI_Aint the layouts hold.
std::vector<MPI_Aint> addresses_of(const MPI_Count* values, MPI_Count count) {
  return count > 0 ? std::vector<MPI_Aint>(values, values + count) : std::vector<MPI_Aint>();
}

// Stores a new type's handle in the caller's variable.
Status hand_out(Datatype* made, MPI_Datatype* newtype) {
  *newtype = made->handle();
  return Status::success();
}

// A type made by a _c constructor: its MPI_Count arguments are recorded as large counts and
// only its int arguments as integers (MPI-4.1 §5.1.13), so MPI_Type_get_contents_c gives them
// back exactly and MPI_Type_get_envelope/get_contents refuse the type.
Status hand_out_large(Datatype* made, std::vector<int> integers,
                      std::vector<MPI_Count> large_counts, MPI_Datatype* newtype) {
  weft::datatype_internal::Contents contents = made->contents();  // combiner and types
  contents.integers = std::move(integers);
  contents.addresses.clear();
  contents.large_counts = std::move(large_counts);
  made->set_contents(std::move(contents));  // retains the types again, then drops the old
  return hand_out(made, newtype);
}

template <typename Integer>
void append(std::vector<MPI_Count>& out, const Integer* values, MPI_Count count) {
  for (MPI_Count i = 0; i < count; ++i) out.push_back(static_cast<MPI_Count>(values[i]));
}

// Stores `value` in an int output, or MPI_UNDEFINED when it does not fit (the standard's
// rule for MPI_Type_size, MPI_Get_count and MPI_Get_elements).
int int_or_undefined(int64_t value) {
  return value < 0 || value > INT_MAX ? MPI_UNDEFINED : static_cast<int>(value);
}

}  // namespace

extern "C" int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_contiguousObjects o;
  const char* call = "MPI_Type_contiguous";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_contiguous(count, oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_contiguous(call, count, *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                                MPI_Datatype* newtype) {
  validate::Type_vectorObjects o;
  const char* call = "MPI_Type_vector";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_vector(count, blocklength, stride, oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_vector(call, count, blocklength, stride, *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride,
                                        MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_hvectorObjects o;
  const char* call = "MPI_Type_create_hvector";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_hvector(count, blocklength, stride, oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_hvector(call, count, blocklength, stride, *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_indexed(int count, const int array_of_blocklengths[],
                                 const int array_of_displacements[], MPI_Datatype oldtype,
                                 MPI_Datatype* newtype) {
  validate::Type_indexedObjects o;
  const char* call = "MPI_Type_indexed";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_indexed(count, array_of_blocklengths, array_of_displacements, oldtype,
                                    newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_indexed(call, widen(array_of_blocklengths, count),
                                widen(array_of_displacements, count), *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                                         const MPI_Aint array_of_displacements[],
                                         MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_hindexedObjects o;
  const char* call = "MPI_Type_create_hindexed";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_hindexed(count, array_of_blocklengths, array_of_displacements,
                                            oldtype, newtype, &o));
    Datatype* made = nullptr;
    std::span<const MPI_Aint> displacements;
    if (count > 0) displacements = {array_of_displacements, static_cast<size_t>(count)};
    WEFT_TRY(weft::type_hindexed(call, widen(array_of_blocklengths, count), displacements,
                                 *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_indexed_block(int count, int blocklength,
                                              const int array_of_displacements[],
                                              MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_indexed_blockObjects o;
  const char* call = "MPI_Type_create_indexed_block";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_indexed_block(count, blocklength, array_of_displacements,
                                                 oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_indexed_block(call, blocklength, widen(array_of_displacements, count),
                                      *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_hindexed_block(int count, int blocklength,
                                               const MPI_Aint array_of_displacements[],
                                               MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_hindexed_blockObjects o;
  const char* call = "MPI_Type_create_hindexed_block";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_hindexed_block(count, blocklength, array_of_displacements,
                                                  oldtype, newtype, &o));
    Datatype* made = nullptr;
    std::span<const MPI_Aint> displacements;
    if (count > 0) displacements = {array_of_displacements, static_cast<size_t>(count)};
    WEFT_TRY(weft::type_hindexed_block(call, blocklength, displacements, *o.oldtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                                       const MPI_Aint array_of_displacements[],
                                       const MPI_Datatype array_of_types[], MPI_Datatype* newtype) {
  if (auto s = weft::api::check_initialized("MPI_Type_create_struct"); !s.ok())
    return weft::api::finish("MPI_Type_create_struct", nullptr, s);
  const char* call = "MPI_Type_create_struct";
  Status status = [&]() -> Status {
    WEFT_TRY(check_count(call, "count", count));
    WEFT_TRY(check_array(call, "array_of_blocklengths", array_of_blocklengths, count));
    WEFT_TRY(check_array(call, "array_of_displacements", array_of_displacements, count));
    WEFT_TRY(check_array(call, "array_of_types", array_of_types, count));
    std::vector<const Datatype*> types(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) {
      const std::string argument = "array_of_types[" + std::to_string(i) + "]";
      Datatype* type = nullptr;
      WEFT_TRY(weft::find_datatype(call, argument.c_str(), array_of_types[i], &type));
      types[static_cast<size_t>(i)] = type;
    }
    WEFT_TRY(check_pointer(call, "newtype", newtype));
    std::span<const MPI_Aint> displacements;
    if (count > 0) displacements = {array_of_displacements, static_cast<size_t>(count)};
    Datatype* made = nullptr;
    WEFT_TRY(
        weft::type_struct(call, widen(array_of_blocklengths, count), displacements, types, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[],
                                         const int array_of_subsizes[], const int array_of_starts[],
                                         int order, MPI_Datatype oldtype, MPI_Datatype* newtype) {
  if (auto s = weft::api::check_initialized("MPI_Type_create_subarray"); !s.ok())
    return weft::api::finish("MPI_Type_create_subarray", nullptr, s);
  const char* call = "MPI_Type_create_subarray";
  Status status = [&]() -> Status {
    if (ndims <= 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument ndims=%d must be positive", call, ndims);
    }
    WEFT_TRY(check_array(call, "array_of_sizes", array_of_sizes, ndims));
    WEFT_TRY(check_array(call, "array_of_subsizes", array_of_subsizes, ndims));
    WEFT_TRY(check_array(call, "array_of_starts", array_of_starts, ndims));
    Datatype* old = nullptr;
    WEFT_TRY(weft::find_datatype(call, "oldtype", oldtype, &old));
    WEFT_TRY(check_pointer(call, "newtype", newtype));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_subarray(call, widen(array_of_sizes, ndims),
                                 widen(array_of_subsizes, ndims), widen(array_of_starts, ndims),
                                 order, *old, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                                        MPI_Datatype* newtype) {
  validate::Type_create_resizedObjects o;
  const char* call = "MPI_Type_create_resized";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_resized(oldtype, lb, extent, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_resized(call, *o.oldtype, lb, extent, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

// ---- large-count constructors --------------------------------------------------------------

extern "C" int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype oldtype,
                                      MPI_Datatype* newtype) {
  validate::Type_contiguous_cObjects o;
  const char* call = "MPI_Type_contiguous_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_contiguous_c(count, oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_contiguous(call, count, *o.oldtype, &made));
    return hand_out_large(made, {}, {count}, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_vector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                                  MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_vector_cObjects o;
  const char* call = "MPI_Type_vector_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_vector_c(count, blocklength, stride, oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_vector(call, count, blocklength, stride, *o.oldtype, &made));
    return hand_out_large(made, {}, {count, blocklength, stride}, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_hvector_c(MPI_Count count, MPI_Count blocklength,
                                          MPI_Count stride, MPI_Datatype oldtype,
                                          MPI_Datatype* newtype) {
  validate::Type_create_hvector_cObjects o;
  const char* call = "MPI_Type_create_hvector_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_hvector_c(count, blocklength, stride, oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_hvector(call, count, blocklength, static_cast<MPI_Aint>(stride),
                                *o.oldtype, &made));
    return hand_out_large(made, {}, {count, blocklength, stride}, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_indexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                                   const MPI_Count array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_indexed_cObjects o;
  const char* call = "MPI_Type_indexed_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_indexed_c(count, array_of_blocklengths, array_of_displacements,
                                      oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_indexed(call, widen(array_of_blocklengths, count),
                                widen(array_of_displacements, count), *o.oldtype, &made));
    std::vector<MPI_Count> large{count};
    append(large, array_of_blocklengths, count);
    append(large, array_of_displacements, count);
    return hand_out_large(made, {}, std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_hindexed_c(MPI_Count count,
                                           const MPI_Count array_of_blocklengths[],
                                           const MPI_Count array_of_displacements[],
                                           MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_hindexed_cObjects o;
  const char* call = "MPI_Type_create_hindexed_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_hindexed_c(count, array_of_blocklengths,
                                              array_of_displacements, oldtype, newtype, &o));
    Datatype* made = nullptr;
    const std::vector<MPI_Aint> displacements = addresses_of(array_of_displacements, count);
    WEFT_TRY(weft::type_hindexed(call, widen(array_of_blocklengths, count), displacements,
                                 *o.oldtype, &made));
    std::vector<MPI_Count> large{count};
    append(large, array_of_blocklengths, count);
    append(large, array_of_displacements, count);
    return hand_out_large(made, {}, std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_indexed_block_c(MPI_Count count, MPI_Count blocklength,
                                                const MPI_Count array_of_displacements[],
                                                MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_indexed_block_cObjects o;
  const char* call = "MPI_Type_create_indexed_block_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_indexed_block_c(count, blocklength, array_of_displacements,
                                                   oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_indexed_block(call, blocklength, widen(array_of_displacements, count),
                                      *o.oldtype, &made));
    std::vector<MPI_Count> large{count, blocklength};
    append(large, array_of_displacements, count);
    return hand_out_large(made, {}, std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_hindexed_block_c(MPI_Count count, MPI_Count blocklength,
                                                 const MPI_Count array_of_displacements[],
                                                 MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_create_hindexed_block_cObjects o;
  const char* call = "MPI_Type_create_hindexed_block_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_hindexed_block_c(count, blocklength, array_of_displacements,
                                                    oldtype, newtype, &o));
    Datatype* made = nullptr;
    const std::vector<MPI_Aint> displacements = addresses_of(array_of_displacements, count);
    WEFT_TRY(weft::type_hindexed_block(call, blocklength, displacements, *o.oldtype, &made));
    std::vector<MPI_Count> large{count, blocklength};
    append(large, array_of_displacements, count);
    return hand_out_large(made, {}, std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_struct_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                                         const MPI_Count array_of_displacements[],
                                         const MPI_Datatype array_of_types[],
                                         MPI_Datatype* newtype) {
  const char* call = "MPI_Type_create_struct_c";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(check_count(call, "count", count));
    WEFT_TRY(check_array(call, "array_of_blocklengths", array_of_blocklengths, count));
    WEFT_TRY(check_array(call, "array_of_displacements", array_of_displacements, count));
    WEFT_TRY(check_array(call, "array_of_types", array_of_types, count));
    std::vector<const Datatype*> types(static_cast<size_t>(count));
    for (MPI_Count i = 0; i < count; ++i) {
      const std::string argument = "array_of_types[" + std::to_string(i) + "]";
      Datatype* type = nullptr;
      WEFT_TRY(weft::find_datatype(call, argument.c_str(), array_of_types[i], &type));
      types[static_cast<size_t>(i)] = type;
    }
    WEFT_TRY(check_pointer(call, "newtype", newtype));
    const std::vector<MPI_Aint> displacements = addresses_of(array_of_displacements, count);
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_struct(call, widen(array_of_blocklengths, count), displacements, types,
                               &made));
    std::vector<MPI_Count> large{count};
    append(large, array_of_blocklengths, count);
    append(large, array_of_displacements, count);
    return hand_out_large(made, {}, std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_subarray_c(int ndims, const MPI_Count array_of_sizes[],
                                           const MPI_Count array_of_subsizes[],
                                           const MPI_Count array_of_starts[], int order,
                                           MPI_Datatype oldtype, MPI_Datatype* newtype) {
  const char* call = "MPI_Type_create_subarray_c";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    if (ndims <= 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument ndims=%d must be positive", call, ndims);
    }
    WEFT_TRY(check_array(call, "array_of_sizes", array_of_sizes, ndims));
    WEFT_TRY(check_array(call, "array_of_subsizes", array_of_subsizes, ndims));
    WEFT_TRY(check_array(call, "array_of_starts", array_of_starts, ndims));
    Datatype* old = nullptr;
    WEFT_TRY(weft::find_datatype(call, "oldtype", oldtype, &old));
    WEFT_TRY(check_pointer(call, "newtype", newtype));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_subarray(call, widen(array_of_sizes, ndims),
                                 widen(array_of_subsizes, ndims), widen(array_of_starts, ndims),
                                 order, *old, &made));
    std::vector<MPI_Count> large;
    append(large, array_of_sizes, ndims);
    append(large, array_of_subsizes, ndims);
    append(large, array_of_starts, ndims);
    return hand_out_large(made, {ndims, order}, std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_resized_c(MPI_Datatype oldtype, MPI_Count lb, MPI_Count extent,
                                          MPI_Datatype* newtype) {
  validate::Type_create_resized_cObjects o;
  const char* call = "MPI_Type_create_resized_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_create_resized_c(oldtype, lb, extent, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_resized(call, *o.oldtype, static_cast<MPI_Aint>(lb),
                                static_cast<MPI_Aint>(extent), &made));
    return hand_out_large(made, {}, {lb, extent}, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype* newtype) {
  validate::Type_dupObjects o;
  const char* call = "MPI_Type_dup";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_dup(oldtype, newtype, &o));
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_dup(call, *o.oldtype, &made));
    if (Status copied = weft::type_attrs_copy(call, *o.oldtype, *made); !copied.ok()) {
      // The attributes copied so far go with the duplicate, their delete callbacks run.
      (void)weft::type_attrs_delete_all(call, *made);
      made->release();
      *newtype = MPI_DATATYPE_NULL;
      return copied;
    }
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_commit(MPI_Datatype* datatype) {
  validate::Type_commitObjects o;
  const char* call = "MPI_Type_commit";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_commit(datatype, &o));
    if (o.datatype->uses_unsupported()) {
      return weft::error(MPI_ERR_TYPE,
                         "%s: argument datatype=0x%" PRIxPTR
                         " is or contains a Fortran type that the Fortran ABI registered with "
                         "MPI_Abi_set_fortran_info marks unsupported",
                         call, reinterpret_cast<uintptr_t>(*datatype));
    }
    // Layouts are complete from construction on, so committing only records the state.
    o.datatype->commit();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_free(MPI_Datatype* datatype) {
  validate::Type_freeObjects o;
  const char* call = "MPI_Type_free";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_free(datatype, &o));
    if (o.datatype->is_predefined()) {
      return weft::error(MPI_ERR_TYPE,
                         "%s: argument datatype=0x%" PRIxPTR
                         " (%s) is predefined and cannot be "
                         "freed",
                         call, reinterpret_cast<uintptr_t>(*datatype), o.datatype->name().c_str());
    }
    // The Fortran-kind types are predefined to the standard and live for the whole process;
    // freeing one (which programs that free every non-NAMED combiner do) only clears the
    // handle, and their attributes stay.
    if (!o.datatype->is_permanent()) {
      WEFT_TRY(weft::type_attrs_delete_all(call, *o.datatype));
      // Operations still using the type hold their own references; it goes with the last.
      o.datatype->release();
    }
    *datatype = MPI_DATATYPE_NULL;
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_size(MPI_Datatype datatype, int* size) {
  validate::Type_sizeObjects o;
  const char* call = "MPI_Type_size";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_size(datatype, size, &o));
    // MPI-5.0 §21.4: an optional predefined type the implementation lacks has size
    // MPI_UNDEFINED (here: one the registered Fortran compiler lacks).
    *size = o.datatype->is_unsupported() ? MPI_UNDEFINED
                                         : int_or_undefined(static_cast<int64_t>(o.datatype->size()));
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_size_c(MPI_Datatype datatype, MPI_Count* size) {
  validate::Type_size_cObjects o;
  Status status = validate::Type_size_c(datatype, size, &o);
  if (status.ok()) {
    *size = o.datatype->is_unsupported() ? MPI_UNDEFINED : static_cast<MPI_Count>(o.datatype->size());
  }
  return weft::api::finish("MPI_Type_size_c", nullptr, status);
}

extern "C" int PMPI_Type_size_x(MPI_Datatype datatype, MPI_Count* size) {
  validate::Type_size_xObjects o;
  const char* call = "MPI_Type_size_x";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_size_x(datatype, size, &o));
    *size = o.datatype->is_unsupported() ? MPI_UNDEFINED : static_cast<MPI_Count>(o.datatype->size());
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_extent(MPI_Datatype datatype, MPI_Aint* lb, MPI_Aint* extent) {
  validate::Type_get_extentObjects o;
  const char* call = "MPI_Type_get_extent";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_get_extent(datatype, lb, extent, &o));
    *lb = o.datatype->lb();
    *extent = o.datatype->extent();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_extent_c(MPI_Datatype datatype, MPI_Count* lb, MPI_Count* extent) {
  validate::Type_get_extent_cObjects o;
  Status status = validate::Type_get_extent_c(datatype, lb, extent, &o);
  if (status.ok()) {
    *lb = o.datatype->lb();
    *extent = o.datatype->extent();
  }
  return weft::api::finish("MPI_Type_get_extent_c", nullptr, status);
}

extern "C" int PMPI_Type_get_extent_x(MPI_Datatype datatype, MPI_Count* lb, MPI_Count* extent) {
  validate::Type_get_extent_xObjects o;
  const char* call = "MPI_Type_get_extent_x";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_get_extent_x(datatype, lb, extent, &o));
    *lb = o.datatype->lb();
    *extent = o.datatype->extent();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_true_extent(MPI_Datatype datatype, MPI_Aint* true_lb,
                                         MPI_Aint* true_extent) {
  validate::Type_get_true_extentObjects o;
  const char* call = "MPI_Type_get_true_extent";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_get_true_extent(datatype, true_lb, true_extent, &o));
    *true_lb = o.datatype->true_lb();
    *true_extent = o.datatype->true_extent();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_true_extent_c(MPI_Datatype datatype, MPI_Count* true_lb,
                                           MPI_Count* true_extent) {
  validate::Type_get_true_extent_cObjects o;
  Status status = validate::Type_get_true_extent_c(datatype, true_lb, true_extent, &o);
  if (status.ok()) {
    *true_lb = o.datatype->true_lb();
    *true_extent = o.datatype->true_extent();
  }
  return weft::api::finish("MPI_Type_get_true_extent_c", nullptr, status);
}

extern "C" int PMPI_Type_get_true_extent_x(MPI_Datatype datatype, MPI_Count* true_lb,
                                           MPI_Count* true_extent) {
  validate::Type_get_true_extent_xObjects o;
  const char* call = "MPI_Type_get_true_extent_x";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_get_true_extent_x(datatype, true_lb, true_extent, &o));
    *true_lb = o.datatype->true_lb();
    *true_extent = o.datatype->true_extent();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_name(MPI_Datatype datatype, char* type_name, int* resultlen) {
  const char* call = "MPI_Type_get_name";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    // MPI 4.1: MPI_DATATYPE_NULL may be asked for its name, which is "MPI_DATATYPE_NULL".
    weft::Datatype* type = nullptr;
    if (datatype != MPI_DATATYPE_NULL) {
      WEFT_TRY(weft::api::kinds::datatype_uncommitted(call, "datatype", datatype, &type));
    }
    if (type_name == nullptr) return weft::api::null_argument(call, "type_name");
    if (resultlen == nullptr) return weft::api::null_argument(call, "resultlen");
    // Names are kept shorter than MPI_MAX_OBJECT_NAME by MPI_Type_set_name.
    const std::string name = type != nullptr ? type->name() : std::string("MPI_DATATYPE_NULL");
    std::memcpy(type_name, name.c_str(), name.size() + 1);
    *resultlen = static_cast<int>(name.size());
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_set_name(MPI_Datatype datatype, const char* type_name) {
  validate::Type_set_nameObjects o;
  const char* call = "MPI_Type_set_name";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_set_name(datatype, type_name, &o));
    // Longer names are truncated, as the standard allows, so MPI_Type_get_name always fits
    // a buffer of MPI_MAX_OBJECT_NAME characters.
    o.datatype->set_name(std::string(type_name, strnlen(type_name, MPI_MAX_OBJECT_NAME - 1)));
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Get_count(const MPI_Status* status, MPI_Datatype datatype, int* count) {
  validate::Get_countObjects o;
  const char* call = "MPI_Get_count";
  Status result = [&]() -> Status {
    WEFT_TRY(validate::Get_count(status, datatype, count, &o));
    const int64_t bytes = weft::status_bytes(status);
    const auto size = static_cast<int64_t>(o.datatype->size());
    if (size == 0) {
      *count = 0;  // the standard's rule for types without data
    } else if (bytes % size != 0) {
      *count = MPI_UNDEFINED;
    } else {
      *count = int_or_undefined(bytes / size);
    }
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, result);
}

extern "C" int PMPI_Get_count_c(const MPI_Status* status, MPI_Datatype datatype,
                                MPI_Count* count) {
  validate::Get_count_cObjects o;
  Status result = validate::Get_count_c(status, datatype, count, &o);
  if (result.ok()) {
    const int64_t bytes = weft::status_bytes(status);
    const auto size = static_cast<int64_t>(o.datatype->size());
    *count = size == 0 ? 0 : bytes % size != 0 ? MPI_UNDEFINED : bytes / size;
  }
  return weft::api::finish("MPI_Get_count_c", nullptr, result);
}

extern "C" int PMPI_Get_elements(const MPI_Status* status, MPI_Datatype datatype, int* count) {
  validate::Get_elementsObjects o;
  Status result = validate::Get_elements(status, datatype, count, &o);
  if (result.ok()) {
    *count = int_or_undefined(o.datatype->count_basic_elements(weft::status_bytes(status)));
  }
  return weft::api::finish("MPI_Get_elements", nullptr, result);
}

extern "C" int PMPI_Get_elements_c(const MPI_Status* status, MPI_Datatype datatype,
                                   MPI_Count* count) {
  validate::Get_elements_cObjects o;
  Status result = validate::Get_elements_c(status, datatype, count, &o);
  if (result.ok()) {
    const int64_t elements = o.datatype->count_basic_elements(weft::status_bytes(status));
    *count = elements < 0 ? MPI_UNDEFINED : elements;
  }
  return weft::api::finish("MPI_Get_elements_c", nullptr, result);
}

extern "C" int PMPI_Get_elements_x(const MPI_Status* status, MPI_Datatype datatype,
                                   MPI_Count* count) {
  validate::Get_elements_xObjects o;
  Status result = validate::Get_elements_x(status, datatype, count, &o);
  if (result.ok()) {
    const int64_t elements = o.datatype->count_basic_elements(weft::status_bytes(status));
    *count = elements < 0 ? MPI_UNDEFINED : elements;
  }
  return weft::api::finish("MPI_Get_elements_x", nullptr, result);
}

extern "C" int PMPI_Status_set_elements(MPI_Status* status, MPI_Datatype datatype, int count) {
  validate::Status_set_elementsObjects o;
  const char* call = "MPI_Status_set_elements";
  Status result = [&]() -> Status {
    WEFT_TRY(validate::Status_set_elements(status, datatype, count, &o));
    const int64_t bytes = o.datatype->bytes_of_basic_elements(count);
    if (bytes < 0) {
      return weft::error(MPI_ERR_ARG,
                         "%s: argument count=%d cannot be represented: datatype=0x%" PRIxPTR
                         " holds no basic elements",
                         call, count, reinterpret_cast<uintptr_t>(datatype));
    }
    weft::status_set_bytes(status, bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, result);
}

extern "C" int PMPI_Status_set_elements_c(MPI_Status* status, MPI_Datatype datatype,
                                          MPI_Count count) {
  validate::Status_set_elements_cObjects o;
  const char* call = "MPI_Status_set_elements_c";
  Status result = [&]() -> Status {
    WEFT_TRY(validate::Status_set_elements_c(status, datatype, count, &o));
    const int64_t bytes = o.datatype->bytes_of_basic_elements(count);
    if (bytes < 0) {
      return weft::error(MPI_ERR_ARG,
                         "%s: argument count=%lld cannot be represented: datatype=0x%" PRIxPTR
                         " holds no basic elements",
                         call, static_cast<long long>(count), reinterpret_cast<uintptr_t>(datatype));
    }
    weft::status_set_bytes(status, bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, result);
}

extern "C" int PMPI_Status_set_cancelled(MPI_Status* status, int flag) {
  validate::Status_set_cancelledObjects o;
  Status result = validate::Status_set_cancelled(status, flag, &o);
  if (result.ok()) weft::status_set_cancelled(status, flag != 0);
  return weft::api::finish("MPI_Status_set_cancelled", nullptr, result);
}

extern "C" int PMPI_Test_cancelled(const MPI_Status* status, int* flag) {
  validate::Test_cancelledObjects o;
  Status result = validate::Test_cancelled(status, flag, &o);
  if (result.ok()) *flag = weft::status_cancelled(status) ? 1 : 0;
  return weft::api::finish("MPI_Test_cancelled", nullptr, result);
}

// ---- decoding (MPI_Type_get_envelope, MPI_Type_get_contents) ------------------------------

namespace {

// The int decoding calls cannot describe a type made by a large-count constructor: MPI-4.1
// §5.1.13 has them raise MPI_ERR_TYPE (the _c forms decode it).
Status refuse_large(const char* call, MPI_Datatype datatype,
                    const weft::datatype_internal::Contents& contents) {
  if (contents.large_counts.empty()) return Status::success();
  return weft::error(MPI_ERR_TYPE,
                     "%s: argument datatype=0x%" PRIxPTR
                     " was made by a large-count constructor (%zu MPI_Count arguments); "
                     "decode it with the _c form",
                     call, reinterpret_cast<uintptr_t>(datatype), contents.large_counts.size());
}

}  // namespace

extern "C" int PMPI_Type_get_envelope(MPI_Datatype datatype, int* num_integers, int* num_addresses,
                                      int* num_datatypes, int* combiner) {
  validate::Type_get_envelopeObjects o;
  const char* call = "MPI_Type_get_envelope";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_get_envelope(datatype, num_integers, num_addresses, num_datatypes,
                                         combiner, &o));
    const weft::datatype_internal::Contents& contents = o.datatype->contents();
    WEFT_TRY(refuse_large(call, datatype, contents));
    *num_integers = static_cast<int>(contents.integers.size());
    *num_addresses = static_cast<int>(contents.addresses.size());
    *num_datatypes = static_cast<int>(contents.types.size());
    *combiner = contents.combiner;
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_envelope_c(MPI_Datatype datatype, MPI_Count* num_integers,
                                        MPI_Count* num_addresses, MPI_Count* num_large_counts,
                                        MPI_Count* num_datatypes, int* combiner) {
  validate::Type_get_envelope_cObjects o;
  const char* call = "MPI_Type_get_envelope_c";
  Status status = [&]() -> Status {
    WEFT_TRY(validate::Type_get_envelope_c(datatype, num_integers, num_addresses, num_large_counts,
                                           num_datatypes, combiner, &o));
    const weft::datatype_internal::Contents& contents = o.datatype->contents();
    *num_integers = static_cast<MPI_Count>(contents.integers.size());
    *num_addresses = static_cast<MPI_Count>(contents.addresses.size());
    *num_large_counts = static_cast<MPI_Count>(contents.large_counts.size());
    *num_datatypes = static_cast<MPI_Count>(contents.types.size());
    *combiner = contents.combiner;
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

namespace {

// The shared body of MPI_Type_get_contents and its _c twin: copies the recorded arguments
// out, handing the caller a new datatype object for every derived datatype, which the caller
// frees.
// `large` is false for the int form, which refuses a type made by a _c constructor.
Status get_contents(const char* call, MPI_Datatype datatype, int64_t max_integers,
                    int64_t max_addresses, int64_t max_large_counts, int64_t max_datatypes,
                    int* array_of_integers, MPI_Aint* array_of_addresses,
                    MPI_Count* array_of_large_counts, MPI_Datatype* array_of_datatypes,
                    bool large) {
  WEFT_TRY(weft::api::check_initialized(call));
  Datatype* type = nullptr;
  WEFT_TRY(weft::find_datatype(call, "datatype", datatype, &type));
  const weft::datatype_internal::Contents& contents = type->contents();
  if (!large) WEFT_TRY(refuse_large(call, datatype, contents));
  if (contents.combiner == MPI_COMBINER_NAMED) {
    return weft::error(MPI_ERR_TYPE,
                       "%s: argument datatype=0x%" PRIxPTR
                       " (%s) is a named predefined type, which has no contents "
                       "(its combiner is MPI_COMBINER_NAMED)",
                       call, reinterpret_cast<uintptr_t>(datatype), type->name().c_str());
  }
  struct Limit {
    const char* name;
    int64_t given;
    size_t needed;
    const void* array;
    const char* array_name;
  };
  const Limit limits[] = {
      {"max_integers", max_integers, contents.integers.size(), array_of_integers,
       "array_of_integers"},
      {"max_addresses", max_addresses, contents.addresses.size(), array_of_addresses,
       "array_of_addresses"},
      {"max_large_counts", max_large_counts, contents.large_counts.size(), array_of_large_counts,
       "array_of_large_counts"},
      {"max_datatypes", max_datatypes, contents.types.size(), array_of_datatypes,
       "array_of_datatypes"},
  };
  for (const Limit& limit : limits) {
    if (limit.given < static_cast<int64_t>(limit.needed)) {
      return weft::error(MPI_ERR_ARG,
                         "%s: argument %s=%" PRId64
                         " is smaller than the %zu entries of the datatype "
                         "(see MPI_Type_get_envelope)",
                         call, limit.name, limit.given, limit.needed);
    }
    if (limit.needed > 0 && limit.array == nullptr) {
      return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL but the datatype has %zu entries",
                         call, limit.array_name, limit.needed);
    }
  }
  std::copy(contents.integers.begin(), contents.integers.end(), array_of_integers);
  std::copy(contents.addresses.begin(), contents.addresses.end(), array_of_addresses);
  std::copy(contents.large_counts.begin(), contents.large_counts.end(), array_of_large_counts);
  for (size_t i = 0; i < contents.types.size(); ++i) {
    const Datatype* inner = contents.types[i];
    // A derived type comes back as a new object, like the original but without its name
    // and attributes, so freeing it leaves the original's attributes alone.
    if (!inner->is_predefined() && !inner->is_permanent()) inner = weft::type_copy(*inner);
    array_of_datatypes[i] = inner->handle();
  }
  return Status::success();
}

}  // namespace

extern "C" int PMPI_Type_get_contents(MPI_Datatype datatype, int max_integers, int max_addresses,
                                      int max_datatypes, int array_of_integers[],
                                      MPI_Aint array_of_addresses[],
                                      MPI_Datatype array_of_datatypes[]) {
  const char* call = "MPI_Type_get_contents";
  return weft::api::finish(call, nullptr,
                           get_contents(call, datatype, max_integers, max_addresses, 0,
                                        max_datatypes, array_of_integers, array_of_addresses,
                                        nullptr, array_of_datatypes, false));
}

extern "C" int PMPI_Type_get_contents_c(MPI_Datatype datatype, MPI_Count max_integers,
                                        MPI_Count max_addresses, MPI_Count max_large_counts,
                                        MPI_Count max_datatypes, int array_of_integers[],
                                        MPI_Aint array_of_addresses[],
                                        MPI_Count array_of_large_counts[],
                                        MPI_Datatype array_of_datatypes[]) {
  const char* call = "MPI_Type_get_contents_c";
  return weft::api::finish(call, nullptr,
                           get_contents(call, datatype, max_integers, max_addresses,
                                        max_large_counts, max_datatypes, array_of_integers,
                                        array_of_addresses, array_of_large_counts,
                                        array_of_datatypes, true));
}

// ---- MPI_Type_create_darray ---------------------------------------------------------------

namespace {

// The checks and the construction both forms share; the int form's gsizes widen here.
template <typename Count>
Status make_darray(const char* call, int size, int rank, int ndims, const Count gsizes[],
                   const int distribs[], const int dargs[], const int psizes[], int order,
                   MPI_Datatype oldtype, MPI_Datatype* newtype, Datatype** made) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (ndims <= 0) {
    return weft::error(MPI_ERR_ARG, "%s: argument ndims=%d must be positive", call, ndims);
  }
  WEFT_TRY(check_array(call, "array_of_gsizes", gsizes, ndims));
  WEFT_TRY(check_array(call, "array_of_distribs", distribs, ndims));
  WEFT_TRY(check_array(call, "array_of_dargs", dargs, ndims));
  WEFT_TRY(check_array(call, "array_of_psizes", psizes, ndims));
  Datatype* old = nullptr;
  WEFT_TRY(weft::find_datatype(call, "oldtype", oldtype, &old));
  WEFT_TRY(check_pointer(call, "newtype", newtype));
  const auto n = static_cast<size_t>(ndims);
  return weft::type_darray(call, size, rank, widen(gsizes, ndims), {distribs, n}, {dargs, n},
                           {psizes, n}, order, *old, made);
}

}  // namespace

extern "C" int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                                       const int array_of_distribs[], const int array_of_dargs[],
                                       const int array_of_psizes[], int order, MPI_Datatype oldtype,
                                       MPI_Datatype* newtype) {
  const char* call = "MPI_Type_create_darray";
  Status status = [&]() -> Status {
    Datatype* made = nullptr;
    WEFT_TRY(make_darray(call, size, rank, ndims, array_of_gsizes, array_of_distribs,
                         array_of_dargs, array_of_psizes, order, oldtype, newtype, &made));
    return hand_out(made, newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_create_darray_c(int size, int rank, int ndims,
                                         const MPI_Count array_of_gsizes[],
                                         const int array_of_distribs[], const int array_of_dargs[],
                                         const int array_of_psizes[], int order,
                                         MPI_Datatype oldtype, MPI_Datatype* newtype) {
  const char* call = "MPI_Type_create_darray_c";
  Status status = [&]() -> Status {
    Datatype* made = nullptr;
    WEFT_TRY(make_darray(call, size, rank, ndims, array_of_gsizes, array_of_distribs,
                         array_of_dargs, array_of_psizes, order, oldtype, newtype, &made));
    // The int arguments in the int form's order, less the gsizes (the large counts).
    const auto n = static_cast<size_t>(ndims);
    std::vector<int> integers{size, rank, ndims};
    integers.insert(integers.end(), array_of_distribs, array_of_distribs + n);
    integers.insert(integers.end(), array_of_dargs, array_of_dargs + n);
    integers.insert(integers.end(), array_of_psizes, array_of_psizes + n);
    integers.push_back(order);
    std::vector<MPI_Count> large;
    append(large, array_of_gsizes, ndims);
    return hand_out_large(made, std::move(integers), std::move(large), newtype);
  }();
  return weft::api::finish(call, nullptr, status);
}

// ---- types found by description -----------------------------------------------------------

extern "C" int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype* datatype) {
  const char* call = "MPI_Type_match_size";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(check_pointer(call, "datatype", datatype));
    const Datatype* found = nullptr;
    WEFT_TRY(weft::type_match_size(call, typeclass, size, &found));
    *datatype = found->handle();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_get_value_index(MPI_Datatype value_type, MPI_Datatype index_type,
                                         MPI_Datatype* pair_type) {
  validate::Type_get_value_indexObjects o;
  Status status = validate::Type_get_value_index(value_type, index_type, pair_type, &o);
  if (status.ok()) *pair_type = weft::value_index_type(value_type, index_type);
  return weft::api::finish("MPI_Type_get_value_index", nullptr, status);
}

namespace {

// `checked`: the generated validation's verdict on the arguments.
int create_f90(const char* call, const Status& checked, int combiner, int p, int r,
               MPI_Datatype* newtype) {
  Status status = [&]() -> Status {
    WEFT_TRY(checked);
    Datatype* made = nullptr;
    WEFT_TRY(weft::type_f90(call, combiner, p, r, &made));
    *newtype = made->handle();
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

}  // namespace

extern "C" int PMPI_Type_create_f90_integer(int r, MPI_Datatype* newtype) {
  validate::Type_create_f90_integerObjects o;
  return create_f90("MPI_Type_create_f90_integer",
                    validate::Type_create_f90_integer(r, newtype, &o), MPI_COMBINER_F90_INTEGER, 0,
                    r, newtype);
}

extern "C" int PMPI_Type_create_f90_real(int p, int r, MPI_Datatype* newtype) {
  validate::Type_create_f90_realObjects o;
  return create_f90("MPI_Type_create_f90_real", validate::Type_create_f90_real(p, r, newtype, &o),
                    MPI_COMBINER_F90_REAL, p, r, newtype);
}

extern "C" int PMPI_Type_create_f90_complex(int p, int r, MPI_Datatype* newtype) {
  validate::Type_create_f90_complexObjects o;
  return create_f90("MPI_Type_create_f90_complex",
                    validate::Type_create_f90_complex(p, r, newtype, &o), MPI_COMBINER_F90_COMPLEX,
                    p, r, newtype);
}
