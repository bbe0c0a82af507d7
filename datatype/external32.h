// The "external32" data representation (MPI-4.1 §14.5.2, used by MPI_Pack_external and
// MPI_Unpack_external): every basic value big-endian, with the standard's fixed sizes
// (MPI_LONG and MPI_UNSIGNED_LONG 4 bytes, MPI_WCHAR 2, MPI_LONG_DOUBLE a 16-byte IEEE
// binary128, complex types two such values, ...), elements in type-map order with no gaps.
#pragma once

#include <cstdint>

#include "base/error.h"
#include "datatype/datatype.h"

namespace weft {

// Bytes that `count` elements of `type` take in external32.
uint64_t external32_size(const Datatype& type, uint64_t count);

// Converts `count` elements of `type` at `buf` to external32 at `out` (external32_size bytes).
// Fails with MPI_ERR_CONVERSION when a value does not fit its external size (a long beyond
// 32 bits, a wide character beyond 16); `call` names the caller in the message.
Status pack_external32(const char* call, const void* buf, uint64_t count, const Datatype& type,
                       void* out);
// The inverse: reads external32_size bytes at `in` into `count` elements of `type` at `buf`.
Status unpack_external32(const char* call, const void* in, void* buf, uint64_t count,
                         const Datatype& type);

}  // namespace weft
