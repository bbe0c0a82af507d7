// Entry points on intercommunicators (api/intercomm_api.cc). The general entry points
// (comm_api.cc) hand an intercommunicator over with one branch at their top;
// MPI_Intercomm_*, MPI_Comm_remote_size and _remote_group are defined in intercomm_api.cc
// itself.
#pragma once

#include "base/error.h"
#include "mpi.h"

namespace weft::api::inter {

// Whether `comm` is a valid handle of an intercommunicator (false before MPI_Init, for
// MPI_COMM_NULL and for invalid handles: the general entry point then reports those).
bool is_inter(MPI_Comm comm);

// Whole entry points: validate, run, publish, return the error code.
int comm_dup(MPI_Comm comm, MPI_Comm* newcomm);
int comm_split(MPI_Comm comm, int color, int key, MPI_Comm* newcomm);
int comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm* newcomm);
int comm_compare(MPI_Comm comm1, MPI_Comm comm2, int* result);
// Calls defined on intracommunicators only (MPI_Comm_split_type, MPI_Comm_create_group):
// MPI_ERR_COMM, raised on `comm`.
int intracomm_only(const char* call, MPI_Comm comm);

}  // namespace weft::api::inter
