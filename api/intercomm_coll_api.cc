// Collectives on intercommunicators: the part of each entry point that is special to them.
// coll_api.cc validates with the generated code (which already reads roots and per-rank
// arrays as on an intercommunicator: api/kinds.h) and hands an intercommunicator over at
// the top of each collective's core; here come the checks the standard adds for
// intercommunicators (no MPI_IN_PLACE anywhere, op x datatype where the reduction is
// significant), then coll/inter/collectives_inter.h.
#include "api/api.h"
#include "api/intercomm.h"
#include "api/kinds.h"
#include "coll/inter/collectives_inter.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/op.h"

using weft::Comm;
using weft::Datatype;
using weft::Op;
using weft::Request;
using weft::Status;
namespace coll = weft::coll;

namespace weft::api::inter {

namespace {

Status not_in_place(const char* call, const char* argument, const void* buffer) {
  if (buffer != MPI_IN_PLACE) return Status();
  return weft::error(MPI_ERR_BUFFER,
                     "%s: argument %s is MPI_IN_PLACE, which is not allowed on an "
                     "intercommunicator",
                     call, argument);
}

Status not_aliased(const char* call, const void* sendbuf, const void* recvbuf, int count) {
  if (sendbuf == recvbuf && sendbuf != nullptr && count > 0) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: arguments sendbuf and recvbuf are the same buffer %p (MPI_IN_PLACE "
                       "is not allowed on an intercommunicator either)",
                       call, recvbuf);
  }
  return Status();
}

size_t size_of(int count) { return static_cast<size_t>(count); }

}  // namespace

Status barrier(const char* call, Comm* c, MPI_Request* request) {
  return run_collective(request, [&](Request** made) {
    return coll::inter::barrier(call, c->coll_view(), made);
  });
}

Status bcast(const char* call, void* buffer, int count, Datatype* type, int root, Comm* c,
             MPI_Request* request) {
  return run_collective(request, [&](Request** made) {
    return coll::inter::bcast(call, c->coll_view(), buffer, size_of(count), type, root, made);
  });
}

Status gather(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
              void* recvbuf, int recvcount, Datatype* rtype, int root, Comm* c,
              MPI_Request* request) {
  if (root == MPI_ROOT) WEFT_TRY(not_in_place(call, "recvbuf", recvbuf));
  if (root >= 0) WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::gather(call, c->coll_view(), sendbuf, size_of(sendcount), stype, recvbuf,
                               size_of(recvcount), rtype, root, made);
  });
}

Status gatherv(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
               void* recvbuf, const int* recvcounts, const int* displs, Datatype* rtype, int root,
               Comm* c, MPI_Request* request) {
  if (root >= 0) WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::gatherv(call, c->coll_view(), sendbuf, size_of(sendcount), stype, recvbuf,
                                recvcounts, displs, rtype, root, made);
  });
}

Status scatter(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
               void* recvbuf, int recvcount, Datatype* rtype, int root, Comm* c,
               MPI_Request* request) {
  if (root >= 0) WEFT_TRY(not_in_place(call, "recvbuf", recvbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::scatter(call, c->coll_view(), sendbuf, size_of(sendcount), stype, recvbuf,
                                size_of(recvcount), rtype, root, made);
  });
}

Status scatterv(const char* call, const void* sendbuf, const int* sendcounts, const int* displs,
                Datatype* stype, void* recvbuf, int recvcount, Datatype* rtype, int root, Comm* c,
                MPI_Request* request) {
  if (root >= 0) WEFT_TRY(not_in_place(call, "recvbuf", recvbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::scatterv(call, c->coll_view(), sendbuf, sendcounts, displs, stype,
                                 recvbuf, size_of(recvcount), rtype, root, made);
  });
}

Status allgather(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
                 void* recvbuf, int recvcount, Datatype* rtype, Comm* c, MPI_Request* request) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::allgather(call, c->coll_view(), sendbuf, size_of(sendcount), stype,
                                  recvbuf, size_of(recvcount), rtype, made);
  });
}

Status allgatherv(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
                  void* recvbuf, const int* recvcounts, const int* displs, Datatype* rtype,
                  Comm* c, MPI_Request* request) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::allgatherv(call, c->coll_view(), sendbuf, size_of(sendcount), stype,
                                   recvbuf, recvcounts, displs, rtype, made);
  });
}

Status alltoall(const char* call, const void* sendbuf, int sendcount, Datatype* stype,
                void* recvbuf, int recvcount, Datatype* rtype, Comm* c, MPI_Request* request) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::alltoall(call, c->coll_view(), sendbuf, size_of(sendcount), stype,
                                 recvbuf, size_of(recvcount), rtype, made);
  });
}

Status alltoallv(const char* call, const void* sendbuf, const int* sendcounts,
                 const int* sdispls, Datatype* stype, void* recvbuf, const int* recvcounts,
                 const int* rdispls, Datatype* rtype, Comm* c, MPI_Request* request) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return run_collective(request, [&](Request** made) {
    return coll::inter::alltoallv(call, c->coll_view(), sendbuf, sendcounts, sdispls, stype,
                                  recvbuf, recvcounts, rdispls, rtype, made);
  });
}

Status reduce(const char* call, const void* sendbuf, void* recvbuf, int count, Datatype* type,
              Op* op, int root, Comm* c, MPI_Request* request) {
  coll::OpView view;
  if (root != MPI_PROC_NULL) {
    WEFT_TRY(not_in_place(call, root == MPI_ROOT ? "recvbuf" : "sendbuf",
                          root == MPI_ROOT ? recvbuf : sendbuf));
    WEFT_TRY(weft::reduction_view(call, op, *type, &view));
  }
  return run_collective(request, [&](Request** made) {
    return coll::inter::reduce(call, c->coll_view(), sendbuf, recvbuf, size_of(count), type, view,
                               root, made);
  });
}

Status allreduce(const char* call, const void* sendbuf, void* recvbuf, int count, Datatype* type,
                 Op* op, Comm* c, MPI_Request* request) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, count));
  coll::OpView view;
  WEFT_TRY(weft::reduction_view(call, op, *type, &view));
  return run_collective(request, [&](Request** made) {
    return coll::inter::allreduce(call, c->coll_view(), sendbuf, recvbuf, size_of(count), type,
                                  view, made);
  });
}

Status reduce_scatter(const char* call, const void* sendbuf, void* recvbuf, const int* recvcounts,
                      int recvcount, Datatype* type, Op* op, Comm* c, MPI_Request* request) {
  const bool block = recvcounts == nullptr;
  if (!block) {
    WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, "recvcounts[rank]", recvcounts[c->rank()],
                           type));
  }
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, 1));
  coll::OpView view;
  WEFT_TRY(weft::reduction_view(call, op, *type, &view));
  return run_collective(request, [&](Request** made) {
    return coll::inter::reduce_scatter(call, c->coll_view(), sendbuf, recvbuf,
                                       block ? &recvcount : recvcounts, block, type, view, made);
  });
}

Status not_on_intercomm(const char* call, const Comm* c) {
  return weft::error(MPI_ERR_COMM,
                     "%s: argument comm is an intercommunicator (%s); this collective is defined "
                     "on intracommunicators only",
                     call, c->name().c_str());
}

}  // namespace weft::api::inter
