// The reduction kernels: one loop per (predefined op, predefined datatype) pair that the
// standard allows, looked up by handle. Kernels work on packed elements (for the pair types
// with padding, MPI_DOUBLE_INT and friends, that is value bytes followed by the int index,
// with no gap), so a derived datatype made of one predefined type reduces after packing.
#pragma once

#include <cstddef>

#include "mpi.h"

namespace weft {

// Applies an op to `count` elements: inout[i] = in[i] op inout[i]. `in` holds the operand
// of the lower ranks, as MPI_User_function's invec does.
using ReduceKernel = void (*)(const void* in, void* inout, size_t count);

// The kernel for predefined `op` on predefined `type`, or nullptr when the pair is not
// allowed (or either handle is not predefined).
ReduceKernel reduce_kernel(MPI_Op op, MPI_Datatype type);

}  // namespace weft
