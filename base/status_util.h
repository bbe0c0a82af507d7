// Where weft keeps its private fields inside the standard MPI_Status: the five reserved
// ints hold the received byte count (64 bits) and the cancelled flag.
#pragma once

#include <cstdint>
#include <cstring>

#include "mpi.h"

namespace weft {

inline void status_set_bytes(MPI_Status* status, int64_t bytes) {
  std::memcpy(&status->MPI_internal[0], &bytes, sizeof bytes);
}
inline int64_t status_bytes(const MPI_Status* status) {
  int64_t bytes;
  std::memcpy(&bytes, &status->MPI_internal[0], sizeof bytes);
  return bytes;
}
inline void status_set_cancelled(MPI_Status* status, bool cancelled) {
  status->MPI_internal[2] = cancelled ? 1 : 0;
}
inline bool status_cancelled(const MPI_Status* status) { return status->MPI_internal[2] != 0; }

// The status of an operation that completed with nothing (MPI_PROC_NULL, a null request).
inline void status_set_empty(MPI_Status* status) {
  status->MPI_SOURCE = MPI_ANY_SOURCE;
  status->MPI_TAG = MPI_ANY_TAG;
  status->MPI_ERROR = MPI_SUCCESS;
  status_set_bytes(status, 0);
  status_set_cancelled(status, false);
}

}  // namespace weft
