// MPI_Alloc_mem / MPI_Free_mem: memory the program asks MPI for. weft has no registration
// that needs special memory, so it is heap memory, aligned to at least kDefaultAlignment
// (a cache line, so buffers never share one with unrelated data) or to the info hint
// "mpi_minimum_memory_alignment" (MPI-4.1) when that is a larger power of two. Blocks are
// remembered, so MPI_Free_mem can tell a pointer it never handed out [MPI_ERR_BASE].
#pragma once

#include <cstddef>

#include "base/error.h"

namespace weft {

class Info;

inline constexpr size_t kDefaultAlignment = 64;

// `hints` may be nullptr (MPI_INFO_NULL). A size of 0 still gives a distinct pointer.
Status alloc_mem(const char* call, size_t size, const Info* hints, void** out);
Status free_mem(const char* call, void* base);

// The alignment a hint value asks for: 0 when the value is not a power of two in decimal.
size_t parse_alignment(const char* text);

}  // namespace weft
