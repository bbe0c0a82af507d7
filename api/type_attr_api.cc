// C entry points of datatype attributes: MPI_Type_create_keyval, MPI_Type_free_keyval,
// MPI_Type_set_attr, MPI_Type_get_attr, MPI_Type_delete_attr. The keys, their callbacks and
// the values live in datatype/type_attributes.h; MPI_Type_dup and MPI_Type_free
// (datatype_api.cc) run the copy and delete callbacks.
#include <cstring>

#include "api/api.h"
#include "api/api_checks.h"
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

}  // namespace

extern "C" int PMPI_Type_create_keyval(MPI_Type_copy_attr_function* type_copy_attr_fn,
                                       MPI_Type_delete_attr_function* type_delete_attr_fn,
                                       int* type_keyval, void* extra_state) {
  const char* call = "MPI_Type_create_keyval";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(check_pointer(call, "type_keyval", type_keyval));
    *type_keyval = weft::type_keyval_create(
        weft::TypeKeyval{type_copy_attr_fn, type_delete_attr_fn, extra_state});
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_free_keyval(int* type_keyval) {
  const char* call = "MPI_Type_free_keyval";
  Status status = [&]() -> Status {
    validate::Type_free_keyvalObjects o;
    WEFT_TRY(validate::Type_free_keyval(type_keyval, &o));
    return weft::type_keyval_free(call, type_keyval);
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void* attribute_val) {
  const char* call = "MPI_Type_set_attr";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    Datatype* type = nullptr;
    WEFT_TRY(weft::find_datatype(call, "datatype", datatype, &type));
    return weft::type_attr_set(call, *type, type_keyval, attribute_val);
  }();
  return weft::api::finish(call, nullptr, status);
}

// attribute_val is a void** in disguise: the value is stored through it.
extern "C" int PMPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void* attribute_val,
                                  int* flag) {
  const char* call = "MPI_Type_get_attr";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    Datatype* type = nullptr;
    WEFT_TRY(weft::find_datatype(call, "datatype", datatype, &type));
    WEFT_TRY(check_pointer(call, "attribute_val", attribute_val));
    WEFT_TRY(check_pointer(call, "flag", flag));
    void* value = nullptr;
    bool found = false;
    WEFT_TRY(weft::type_attr_get(call, *type, type_keyval, &value, &found));
    *flag = found ? 1 : 0;
    if (found) std::memcpy(attribute_val, &value, sizeof value);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval) {
  const char* call = "MPI_Type_delete_attr";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    Datatype* type = nullptr;
    WEFT_TRY(weft::find_datatype(call, "datatype", datatype, &type));
    return weft::type_attr_delete(call, *type, type_keyval);
  }();
  return weft::api::finish(call, nullptr, status);
}
