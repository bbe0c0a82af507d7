// Memory the program asks MPI for (MPI_Alloc_mem, MPI_Free_mem).
#include <cstring>

#include "api/api.h"
#include "mpi.h"
#include "mpi/info.h"
#include "mpi/memory.h"

using weft::Status;
using weft::api::finish;

extern "C" int PMPI_Alloc_mem(MPI_Aint size, MPI_Info info, void* baseptr) {
  const char* call = "MPI_Alloc_mem";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && size < 0) {
    s = weft::error(MPI_ERR_ARG, "%s: argument size=%lld is negative", call,
                    static_cast<long long>(size));
  }
  weft::Info* hints = nullptr;
  if (s.ok()) s = weft::resolve_hints(call, info, &hints);
  if (s.ok() && baseptr == nullptr)
    s = weft::error(MPI_ERR_ARG, "%s: argument baseptr is NULL", call);
  void* block = nullptr;
  if (s.ok()) s = weft::alloc_mem(call, static_cast<size_t>(size), hints, &block);
  // baseptr is a void* in C that points at the caller's pointer variable.
  if (s.ok()) std::memcpy(baseptr, &block, sizeof block);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Free_mem(void* base) {
  const char* call = "MPI_Free_mem";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::free_mem(call, base);
  return finish(call, nullptr, s);
}
