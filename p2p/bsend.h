// The buffer of MPI_Buffer_attach: buffered sends copy their data (weft keeps the copy
// in the request) and account for it against the attached size, so a program that
// overruns its buffer gets MPI_ERR_BUFFER as the standard requires.
#pragma once

#include <cstddef>

#include "base/error.h"

namespace weft {

Status bsend_attach(const char* call, void* buffer, size_t size);
// Waits (progressing) until every buffered send completed, then detaches.
Status bsend_detach(const char* call, void** buffer, size_t* size);
// Reserves room for a message of `bytes` (plus MPI_BSEND_OVERHEAD).
Status bsend_reserve(const char* call, size_t bytes, size_t* reserved);
void bsend_release(size_t reserved);

}  // namespace weft
