// Entry points on intercommunicators (api/intercomm_api.cc, api/intercomm_coll_api.cc).
// The general communicator entry points (comm_api.cc) hand an intercommunicator over with
// one branch at their top; the collectives' checks and rounds (api/coll_rounds.h) call the
// checks below on one; MPI_Intercomm_*, MPI_Comm_remote_size and _remote_group are defined
// in intercomm_api.cc itself.
#pragma once

#include <cstddef>

#include "base/error.h"
#include "coll/reduction.h"
#include "mpi.h"

namespace weft {
class Comm;
class Datatype;
class Op;
}  // namespace weft

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

// The checks of the collectives that are special to intercommunicators, after the generated
// validation (api/kinds.h checks roots and per-rank arrays as on an intercommunicator); the
// check_<coll> functions of api/coll_rounds.h call them on an intercommunicator.
// MPI_IN_PLACE as `argument`: MPI_ERR_BUFFER.
Status not_in_place(const char* call, const char* argument, const void* buffer);
// sendbuf and recvbuf one buffer (count > 0): MPI_ERR_BUFFER.
Status not_aliased(const char* call, const void* sendbuf, const void* recvbuf, size_t count);
// Gather(v): no MPI_IN_PLACE as recvbuf at MPI_ROOT nor as sendbuf in the other group.
Status check_gather(const char* call, const void* sendbuf, const void* recvbuf, int root);
// Scatter(v): no MPI_IN_PLACE as recvbuf in the receiving group.
Status check_scatter(const char* call, const void* recvbuf, int root);
// The reductions: no MPI_IN_PLACE, no aliasing, and the op reduces the datatype wherever the
// reduction is significant (not at MPI_PROC_NULL: `op_view` is left as it is there).
Status check_reduce(const char* call, const void* sendbuf, void* recvbuf, Datatype* type, Op* op,
                    int root, coll::OpView* op_view);
Status check_allreduce(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                       Datatype* type, Op* op, coll::OpView* op_view);
Status check_reduce_scatter(const char* call, const void* sendbuf, void* recvbuf, Datatype* type,
                            Op* op, coll::OpView* op_view);
// Collectives the standard defines on intracommunicators only (MPI_Scan, MPI_Exscan and
// their nonblocking and persistent forms): MPI_ERR_COMM.
Status not_on_intercomm(const char* call, const Comm* c);

}  // namespace weft::api::inter
