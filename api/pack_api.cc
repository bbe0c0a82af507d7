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
#include <limits>
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

Status check_count(const char* call, const char* argument, MPI_Count count) {
  if (count < 0) {
    return weft::error(MPI_ERR_COUNT, "%s: argument %s=%lld is negative", call, argument,
                       static_cast<long long>(count));
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
// `Int` is int (MPI_Pack, MPI_Unpack) or MPI_Count (their _c twins).
template <typename Int>
Status check_position(const char* call, const char* size_argument, Int buffer_size,
                      const Int* position, uint64_t needed, MPI_Count count, const Datatype& type) {
  if (buffer_size < 0) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s=%lld is negative", call, size_argument,
                       static_cast<long long>(buffer_size));
  }
  WEFT_TRY(check_pointer(call, "position", position));
  if (*position < 0 || *position > buffer_size) {
    return weft::error(MPI_ERR_ARG, "%s: argument *position=%lld is outside [0, %s=%lld]", call,
                       static_cast<long long>(*position), size_argument,
                       static_cast<long long>(buffer_size));
  }
  const auto left = static_cast<uint64_t>(buffer_size - *position);
  if (needed > left) {
    return weft::error(MPI_ERR_TRUNCATE,
                       "%s: %lld elements of datatype %s take %" PRIu64 " bytes but only %" PRIu64
                       " remain (%s=%lld, *position=%lld)",
                       call, static_cast<long long>(count), describe(type).c_str(), needed, left,
                       size_argument, static_cast<long long>(buffer_size),
                       static_cast<long long>(*position));
  }
  return Status::success();
}

// MPI_Pack and MPI_Pack_c.
template <typename Int>
int pack(const char* call, const void* inbuf, Int incount, MPI_Datatype datatype, void* outbuf,
         Int outsize, Int* position, MPI_Comm comm) {
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
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
    *position += static_cast<Int>(bytes);  // fits: check_position kept it within outsize
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

// MPI_Unpack and MPI_Unpack_c.
template <typename Int>
int unpack(const char* call, const void* inbuf, Int insize, Int* position, void* outbuf,
           Int outcount, MPI_Datatype datatype, MPI_Comm comm) {
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
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
    *position += static_cast<Int>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

// MPI_Pack_size and MPI_Pack_size_c: an int size that cannot hold the answer is
// MPI_ERR_VALUE_TOO_LARGE (MPI-4.1 §5.2).
template <typename Int>
int pack_size(const char* call, Int incount, MPI_Datatype datatype, MPI_Comm comm, Int* size) {
  Status status = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(check_count(call, "incount", incount));
    Datatype* type = nullptr;
    WEFT_TRY(weft::find_datatype(call, "datatype", datatype, &type));
    WEFT_TRY(check_comm(call, comm));
    WEFT_TRY(check_pointer(call, "size", size));
    const uint64_t bytes = static_cast<uint64_t>(incount) * type->size();
    if (bytes > static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
      return weft::error(MPI_ERR_VALUE_TOO_LARGE,
                         "%s: %lld elements pack into %" PRIu64 " bytes, more than argument size "
                         "holds",
                         call, static_cast<long long>(incount), bytes);
    }
    *size = static_cast<Int>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

}  // namespace

extern "C" int PMPI_Pack(const void* inbuf, int incount, MPI_Datatype datatype, void* outbuf,
                         int outsize, int* position, MPI_Comm comm) {
  return pack("MPI_Pack", inbuf, incount, datatype, outbuf, outsize, position, comm);
}

extern "C" int PMPI_Pack_c(const void* inbuf, MPI_Count incount, MPI_Datatype datatype,
                           void* outbuf, MPI_Count outsize, MPI_Count* position, MPI_Comm comm) {
  return pack("MPI_Pack_c", inbuf, incount, datatype, outbuf, outsize, position, comm);
}

extern "C" int PMPI_Unpack(const void* inbuf, int insize, int* position, void* outbuf, int outcount,
                           MPI_Datatype datatype, MPI_Comm comm) {
  return unpack("MPI_Unpack", inbuf, insize, position, outbuf, outcount, datatype, comm);
}

extern "C" int PMPI_Unpack_c(const void* inbuf, MPI_Count insize, MPI_Count* position,
                             void* outbuf, MPI_Count outcount, MPI_Datatype datatype,
                             MPI_Comm comm) {
  return unpack("MPI_Unpack_c", inbuf, insize, position, outbuf, outcount, datatype, comm);
}

extern "C" int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int* size) {
  return pack_size("MPI_Pack_size", incount, datatype, comm, size);
}

extern "C" int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm,
                                MPI_Count* size) {
  return pack_size("MPI_Pack_size_c", incount, datatype, comm, size);
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
template <typename Aint>
Status check_external_position(const char* call, const char* size_argument, Aint buffer_size,
                               const Aint* position, uint64_t needed, MPI_Count count,
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
                       "%s: %lld elements of datatype %s take %" PRIu64
                       " bytes in external32 but only %" PRIu64 " remain (%s=%" PRId64
                       ", *position=%" PRId64 ")",
                       call, static_cast<long long>(count), describe(type).c_str(), needed, left, size_argument,
                       static_cast<int64_t>(buffer_size), static_cast<int64_t>(*position));
  }
  return Status::success();
}

// MPI_Pack_external and its _c twin: `Int` is the count's type, `Aint` the size's and
// position's (MPI_Aint, or MPI_Count in the _c form).
template <typename Int, typename Aint>
int pack_external(const char* call, const char* datarep, const void* inbuf, Int incount,
                  MPI_Datatype datatype, void* outbuf, Aint outsize, Aint* position) {
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
    *position += static_cast<Aint>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

template <typename Int, typename Aint>
int unpack_external(const char* call, const char* datarep, const void* inbuf, Aint insize,
                    Aint* position, void* outbuf, Int outcount, MPI_Datatype datatype) {
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
    *position += static_cast<Aint>(bytes);
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}

}  // namespace

extern "C" int PMPI_Pack_external(const char* datarep, const void* inbuf, int incount,
                                  MPI_Datatype datatype, void* outbuf, MPI_Aint outsize,
                                  MPI_Aint* position) {
  return pack_external("MPI_Pack_external", datarep, inbuf, incount, datatype, outbuf, outsize,
                       position);
}

extern "C" int PMPI_Pack_external_c(const char* datarep, const void* inbuf, MPI_Count incount,
                                    MPI_Datatype datatype, void* outbuf, MPI_Count outsize,
                                    MPI_Count* position) {
  return pack_external("MPI_Pack_external_c", datarep, inbuf, incount, datatype, outbuf, outsize,
                       position);
}

extern "C" int PMPI_Unpack_external(const char datarep[], const void* inbuf, MPI_Aint insize,
                                    MPI_Aint* position, void* outbuf, int outcount,
                                    MPI_Datatype datatype) {
  return unpack_external("MPI_Unpack_external", datarep, inbuf, insize, position, outbuf, outcount,
                         datatype);
}

extern "C" int PMPI_Unpack_external_c(const char datarep[], const void* inbuf, MPI_Count insize,
                                      MPI_Count* position, void* outbuf, MPI_Count outcount,
                                      MPI_Datatype datatype) {
  return unpack_external("MPI_Unpack_external_c", datarep, inbuf, insize, position, outbuf,
                         outcount, datatype);
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

extern "C" int PMPI_Pack_external_size_c(const char* datarep, MPI_Count incount,
                                         MPI_Datatype datatype, MPI_Count* size) {
  const char* call = "MPI_Pack_external_size_c";
  Status status = [&]() -> Status {
    weft::api::validate::Pack_external_size_cObjects o;
    WEFT_TRY(weft::api::validate::Pack_external_size_c(datarep, incount, datatype, size, &o));
    WEFT_TRY(check_datarep(call, datarep));
    *size = static_cast<MPI_Count>(weft::external32_size(*o.datatype, static_cast<uint64_t>(incount)));
    return Status::success();
  }();
  return weft::api::finish(call, nullptr, status);
}
