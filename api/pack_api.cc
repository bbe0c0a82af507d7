// C entry points of explicit packing (MPI_Pack, MPI_Unpack, MPI_Pack_size; the external32
// forms MPI_Pack_external, MPI_Unpack_external, MPI_Pack_external_size) and address
// arithmetic (MPI_Get_address, MPI_Aint_add, MPI_Aint_diff).
//
// weft's pack format is the raw packed byte stream of the datatype engine, without a header:
// all processes of a job share one data representation, so MPI_Pack_size is exactly
// incount * size and a packed buffer can be sent as MPI_PACKED or MPI_BYTE.
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

#include "api/api.h"
#include "api/api_checks.h"
#include "datatype/datatype.h"
#include "datatype/external32.h"
#include "mpi.h"
#include "mpi/comm.h"

namespace {

using weft::Datatype;
using weft::Status;

Status check_pointer(const char* call, const char* argument, const void* pointer) {
  if (pointer == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, argument);
  }
  return Status::success();
}

Status check_count(const char* call, const char* argument, int count) {
  if (count < 0) {
    return weft::error(MPI_ERR_COUNT, "%s: argument %s=%d is negative", call, argument, count);
  }
  return Status::success();
}

// The communicator only names the packing context; any valid one will do.
Status check_comm(const char* call, MPI_Comm comm) {
  weft::Comm* unused = nullptr;
  return weft::check_comm(call, comm, &unused);
}

// A type's name, or its handle value when it has none.
std::string describe(const Datatype& type) {
  if (!type.name().empty()) return type.name();
  char text[32];
  std::snprintf(text, sizeof text, "0x%" PRIxPTR, reinterpret_cast<uintptr_t>(type.handle()));
  return text;
}

// Checks *position against a buffer of `buffer_size` bytes that must still hold `needed`.
Status check_position(const char* call, const char* size_argument, int buffer_size,
                      const int* position, uint64_t needed, int count, const Datatype& type) {
  if (buffer_size < 0) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s=%d is negative", call, size_argument,
                       buffer_size);
  }
  WEFT_TRY(check_pointer(call, "position", position));
  if (*position < 0 || *position > buffer_size) {
    return weft::error(MPI_ERR_ARG, "%s: argument *position=%d is outside [0, %s=%d]", call,
                       *position, size_argument, buffer_size);
  }
  const auto left = static_cast<uint64_t>(buffer_size - *position);
  if (needed > left) {
    return weft::error(MPI_ERR_TRUNCATE,
                       "%s: %d elements of datatype %s take %" PRIu64 " bytes but only %" PRIu64
                       " remain (%s=%d, *position=%d)",
                       call, count, describe(type).c_str(), needed, left, size_argument,
                       buffer_size, *position);
  }
  return Status::success();
}

}  // namespace

extern "C" int PMPI_Pack(const void* inbuf, int incount, MPI_Datatype datatype, void* outbuf,
                         int outsize, int* position, MPI_Comm comm) {
  if (auto s = weft::api::check_initialized("MPI_Pack"); !s.ok())
    return weft::api::finish("MPI_Pack", nullptr, s);
  const char* call = "MPI_Pack";
  Status status = [&]() -> Status {
    WEFT_TRY(check_count(call, "incount", incount));
    Datatype* type = nullptr;
    WEFT_TRY(weft::check_datatype(call, "datatype", datatype, &type));
    WEFT_TRY(check_comm(call, comm));
    const uint64_t bytes = static_cast<uint64_t>(incount) * type->size();
    WEFT_TRY(check_position(call, "outsize", outsize, position, bytes, incount, *type));
    if (bytes > 0 && outbuf == nullptr) {
      return weft::error(MPI_ERR_BUFFER, "%s: argument outbuf is NULL", call);
    }
    type->pack(inbuf, static_cast<size_t>(incount), 0, static_cast<char*>(outbuf) + *position,
               bytes);
    *position += static_cast<int>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Unpack(const void* inbuf, int insize, int* position, void* outbuf, int outcount,
                           MPI_Datatype datatype, MPI_Comm comm) {
  if (auto s = weft::api::check_initialized("MPI_Unpack"); !s.ok())
    return weft::api::finish("MPI_Unpack", nullptr, s);
  const char* call = "MPI_Unpack";
  Status status = [&]() -> Status {
    WEFT_TRY(check_count(call, "outcount", outcount));
    Datatype* type = nullptr;
    WEFT_TRY(weft::check_datatype(call, "datatype", datatype, &type));
    WEFT_TRY(check_comm(call, comm));
    const uint64_t bytes = static_cast<uint64_t>(outcount) * type->size();
    WEFT_TRY(check_position(call, "insize", insize, position, bytes, outcount, *type));
    if (bytes > 0 && inbuf == nullptr) {
      return weft::error(MPI_ERR_BUFFER, "%s: argument inbuf is NULL", call);
    }
    type->unpack(static_cast<const char*>(inbuf) + *position, bytes, outbuf,
                 static_cast<size_t>(outcount), 0);
    *position += static_cast<int>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int* size) {
  if (auto s = weft::api::check_initialized("MPI_Pack_size"); !s.ok())
    return weft::api::finish("MPI_Pack_size", nullptr, s);
  const char* call = "MPI_Pack_size";
  Status status = [&]() -> Status {
    WEFT_TRY(check_count(call, "incount", incount));
    Datatype* type = nullptr;
    WEFT_TRY(weft::find_datatype(call, "datatype", datatype, &type));
    WEFT_TRY(check_comm(call, comm));
    WEFT_TRY(check_pointer(call, "size", size));
    const uint64_t bytes = static_cast<uint64_t>(incount) * type->size();
    if (bytes > INT_MAX) {
      return weft::error(MPI_ERR_VALUE_TOO_LARGE,
                         "%s: %d elements pack into %" PRIu64 " bytes, more than an int holds",
                         call, incount, bytes);
    }
    *size = static_cast<int>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

// Allowed before MPI_Init and after MPI_Finalize.
extern "C" int PMPI_Get_address(const void* location, MPI_Aint* address) {
  const char* call = "MPI_Get_address";
  Status status = check_pointer(call, "address", address);
  if (status.ok()) *address = static_cast<MPI_Aint>(reinterpret_cast<uintptr_t>(location));
  return weft::api::finish(call, nullptr, status);
}

// Address arithmetic wraps like the machine's addresses instead of overflowing a signed type.
extern "C" MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp) {
  return static_cast<MPI_Aint>(static_cast<uintptr_t>(base) + static_cast<uintptr_t>(disp));
}

extern "C" MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2) {
  return static_cast<MPI_Aint>(static_cast<uintptr_t>(addr1) - static_cast<uintptr_t>(addr2));
}

// ---- external32 (MPI_Pack_external, MPI_Unpack_external, MPI_Pack_external_size) ---------

namespace {

// "external32" is the one data representation these calls take (the standard names no
// other; "native" and "internal" are for file views).
Status check_datarep(const char* call, const char* datarep) {
  WEFT_TRY(check_pointer(call, "datarep", datarep));
  if (std::strcmp(datarep, "external32") != 0) {
    return weft::error(MPI_ERR_ARG,
                       "%s: argument datarep=\"%.64s\" is not a data representation this call "
                       "supports (only \"external32\")",
                       call, datarep);
  }
  return Status::success();
}

// Checks *position against a buffer of `buffer_size` bytes that must still hold `needed`.
Status check_external_position(const char* call, const char* size_argument, MPI_Aint buffer_size,
                               const MPI_Aint* position, uint64_t needed, int count,
                               const Datatype& type) {
  if (buffer_size < 0) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s=%" PRId64 " is negative", call, size_argument,
                       static_cast<int64_t>(buffer_size));
  }
  WEFT_TRY(check_pointer(call, "position", position));
  if (*position < 0 || *position > buffer_size) {
    return weft::error(
        MPI_ERR_ARG, "%s: argument *position=%" PRId64 " is outside [0, %s=%" PRId64 "]", call,
        static_cast<int64_t>(*position), size_argument, static_cast<int64_t>(buffer_size));
  }
  const auto left = static_cast<uint64_t>(buffer_size - *position);
  if (needed > left) {
    return weft::error(MPI_ERR_TRUNCATE,
                       "%s: %d elements of datatype %s take %" PRIu64
                       " bytes in external32 but only %" PRIu64 " remain (%s=%" PRId64
                       ", *position=%" PRId64 ")",
                       call, count, describe(type).c_str(), needed, left, size_argument,
                       static_cast<int64_t>(buffer_size), static_cast<int64_t>(*position));
  }
  return Status::success();
}

}  // namespace

extern "C" int PMPI_Pack_external(const char* datarep, const void* inbuf, int incount,
                                  MPI_Datatype datatype, void* outbuf, MPI_Aint outsize,
                                  MPI_Aint* position) {
  const char* call = "MPI_Pack_external";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(check_datarep(call, datarep));
    WEFT_TRY(check_count(call, "incount", incount));
    Datatype* type = nullptr;
    WEFT_TRY(weft::check_datatype(call, "datatype", datatype, &type));
    const uint64_t bytes = weft::external32_size(*type, static_cast<uint64_t>(incount));
    WEFT_TRY(check_external_position(call, "outsize", outsize, position, bytes, incount, *type));
    if (bytes > 0 && outbuf == nullptr) {
      return weft::error(MPI_ERR_BUFFER, "%s: argument outbuf is NULL", call);
    }
    WEFT_TRY(weft::pack_external32(call, inbuf, static_cast<uint64_t>(incount), *type,
                                   static_cast<char*>(outbuf) + *position));
    *position += static_cast<MPI_Aint>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Unpack_external(const char datarep[], const void* inbuf, MPI_Aint insize,
                                    MPI_Aint* position, void* outbuf, int outcount,
                                    MPI_Datatype datatype) {
  const char* call = "MPI_Unpack_external";
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(check_datarep(call, datarep));
    WEFT_TRY(check_count(call, "outcount", outcount));
    Datatype* type = nullptr;
    WEFT_TRY(weft::check_datatype(call, "datatype", datatype, &type));
    const uint64_t bytes = weft::external32_size(*type, static_cast<uint64_t>(outcount));
    WEFT_TRY(check_external_position(call, "insize", insize, position, bytes, outcount, *type));
    if (bytes > 0 && inbuf == nullptr) {
      return weft::error(MPI_ERR_BUFFER, "%s: argument inbuf is NULL", call);
    }
    WEFT_TRY(weft::unpack_external32(call, static_cast<const char*>(inbuf) + *position, outbuf,
                                     static_cast<uint64_t>(outcount), *type));
    *position += static_cast<MPI_Aint>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

extern "C" int PMPI_Pack_external_size(const char* datarep, int incount, MPI_Datatype datatype,
                                       MPI_Aint* size) {
  const char* call = "MPI_Pack_external_size";
  Status status = [&]() -> Status {
    weft::api::validate::Pack_external_sizeObjects o;
    WEFT_TRY(weft::api::validate::Pack_external_size(datarep, incount, datatype, size, &o));
    WEFT_TRY(check_datarep(call, datarep));
    const Datatype* type = o.datatype;
    *size = static_cast<MPI_Aint>(weft::external32_size(*type, static_cast<uint64_t>(incount)));
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}
