// Entry points on intercommunicators (api/intercomm_api.cc, api/intercomm_coll_api.cc).
// The general entry points (comm_api.cc, coll_api.cc) hand an intercommunicator over with
// one branch at their top; MPI_Intercomm_*, MPI_Comm_remote_size and _remote_group are
// defined in intercomm_api.cc itself.
#pragma once

#include "base/error.h"
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

// The collectives, after the generated validation (api/kinds.h checks roots and per-rank
// arrays as on an intercommunicator): the checks that are special to intercommunicators
// (no MPI_IN_PLACE, op x datatype where it is significant), then coll/inter/.
Status barrier(const char* call, Comm* c, MPI_Request* request);
Status bcast(const char* call, void* buffer, int count, Datatype* type, int root, Comm* c,
             MPI_Request* request);
Status gather(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
              void* recvbuf, int recvcount, Datatype* rtype, int root, Comm* c,
              MPI_Request* request);
Status gatherv(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
               void* recvbuf, const int* recvcounts, const int* displs, Datatype* rtype, int root,
               Comm* c, MPI_Request* request);
Status scatter(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
               void* recvbuf, int recvcount, Datatype* rtype, int root, Comm* c,
               MPI_Request* request);
Status scatterv(const char* call, const void* sendbuf, const int* sendcounts, const int* displs,
                Datatype* stype, void* recvbuf, int recvcount, Datatype* rtype, int root, Comm* c,
                MPI_Request* request);
Status allgather(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
                 void* recvbuf, int recvcount, Datatype* rtype, Comm* c, MPI_Request* request);
Status allgatherv(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
                  void* recvbuf, const int* recvcounts, const int* displs, Datatype* rtype,
                  Comm* c, MPI_Request* request);
Status alltoall(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
                void* recvbuf, int recvcount, Datatype* rtype, Comm* c, MPI_Request* request);
Status alltoallv(const char* call, const void* sendbuf, const int* sendcounts,
                 const int* sdispls, Datatype* stype, void* recvbuf, const int* recvcounts,
                 const int* rdispls, Datatype* rtype, Comm* c, MPI_Request* request);
Status reduce(const char* call, const void* sendbuf, void* recvbuf, int count, Datatype* type,
              Op* op, int root, Comm* c, MPI_Request* request);
Status allreduce(const char* call, const void* sendbuf, void* recvbuf, int count, Datatype* type,
                 Op* op, Comm* c, MPI_Request* request);
// recvcounts != nullptr: MPI_Reduce_scatter; else MPI_Reduce_scatter_block with recvcount.
Status reduce_scatter(const char* call, const void* sendbuf, void* recvbuf, const int* recvcounts,
                      int recvcount, Datatype* type, Op* op, Comm* c, MPI_Request* request);
// Collectives the standard defines on intracommunicators only (MPI_Scan, MPI_Exscan).
Status not_on_intercomm(const char* call, const Comm* c);

}  // namespace weft::api::inter
