// C entry points of the Fortran ABI registration (MPI-5.0 §21.4.1): MPI_Abi_set_fortran_info,
// MPI_Abi_get_fortran_info, MPI_Abi_set_fortran_booleans and MPI_Abi_get_fortran_booleans.
// A Fortran layer on top of the C library calls them before MPI_Init, so none of them
// requires an initialized library; the rules (when a registration may happen, what "get"
// reports before one) are in datatype/fortran_abi.h, the behaviour in docs/datatypes.md.
#include <cinttypes>
#include <cstdint>
#include <string>

#include "api/api.h"
#include "datatype/fortran_abi.h"
#include "mpi.h"
#include "mpi/info.h"

namespace {

using weft::Status;

}  // namespace

extern "C" int PMPI_Abi_set_fortran_info(MPI_Info info) {
  constexpr const char* kCall = "MPI_Abi_set_fortran_info";
  Status status = [&]() -> Status {
    weft::Info* resolved = weft::info_from_handle(info);
    if (resolved == nullptr) {
      if (info == MPI_INFO_NULL) {
        return weft::error(MPI_ERR_INFO,
                           "%s: argument info is MPI_INFO_NULL; it must describe the Fortran "
                           "compiler (keys mpi_integer_size, mpi_logical_size, ...)",
                           kCall);
      }
      return weft::error(MPI_ERR_INFO, "%s: argument info=0x%" PRIxPTR " is not a valid info handle",
                         kCall, reinterpret_cast<uintptr_t>(info));
    }
    return weft::fortran_abi::set(kCall, [&](const std::string& key, std::string* value) {
      return resolved->get(key, *value);
    });
  }();
  return weft::api::finish_registration(kCall, status);
}

extern "C" int PMPI_Abi_get_fortran_info(MPI_Info* info) {
  constexpr const char* kCall = "MPI_Abi_get_fortran_info";
  Status status = [&]() -> Status {
    if (info == nullptr) return weft::api::null_argument(kCall, "info");
    auto entries = weft::fortran_abi::describe();
    if (!entries) {
      *info = MPI_INFO_NULL;  // unknown: the application must register its compiler
      return Status::success();
    }
    auto* result = new weft::Info();
    for (const auto& [key, value] : *entries) result->set(key, value);
    *info = result->handle();
    return Status::success();
  }();
  return weft::api::finish_registration(kCall, status);
}

extern "C" int PMPI_Abi_set_fortran_booleans(int logical_size, void* logical_true,
                                             void* logical_false) {
  constexpr const char* kCall = "MPI_Abi_set_fortran_booleans";
  return weft::api::finish_registration(
      kCall, weft::fortran_abi::set_booleans(kCall, logical_size, logical_true, logical_false));
}

extern "C" int PMPI_Abi_get_fortran_booleans(int logical_size, void* logical_true,
                                             void* logical_false, int* is_set) {
  constexpr const char* kCall = "MPI_Abi_get_fortran_booleans";
  return weft::api::finish_registration(
      kCall,
      weft::fortran_abi::get_booleans(kCall, logical_size, logical_true, logical_false, is_set));
}
