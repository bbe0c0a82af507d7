// Collective entry points, blocking and nonblocking (MPI_I*): validate, convert handles,
// call coll/collectives.h. Each pair shares one function; the blocking form passes
// no request. Arguments are checked only where the standard makes them significant (the
// receive side of MPI_Gather only at the root, and so on).
#include <cinttypes>
#include <cstdint>

#include "api/api.h"
#include "coll/collectives.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/op.h"
#include "mpi/state.h"
#include "p2p/request.h"

using weft::Comm;
using weft::Datatype;
using weft::EngineGuard;
using weft::Op;
using weft::Request;
using weft::Status;
using weft::api::finish;
namespace coll = weft::coll;


namespace {

bool in_place(const void* buffer) { return buffer == MPI_IN_PLACE; }

// The checks every collective starts with. `request` is the user's output argument of a
// nonblocking form, nullptr for the blocking one.
Status begin(const char* call, MPI_Comm comm, Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (nonblocking && request == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
  }
  return weft::check_comm(call, comm, c);
}

Status check_count(const char* call, const char* argument, int count) {
  if (count < 0) return weft::error(MPI_ERR_COUNT, "%s: argument %s=%d is negative", call, argument, count);
  return Status();
}

Status check_root(const char* call, int root, const Comm* c) {
  if (root < 0 || root >= c->size()) {
    return weft::error(MPI_ERR_ROOT, "%s: argument root=%d is not a rank of communicator %s (size %d)",
                       call, root, c->name().c_str(), c->size());
  }
  return Status();
}

// (buffer, count, datatype) of one side of a collective.
Status check_data(const char* call, const char* buffer_name, const void* buffer,
                  const char* count_name, int count, const char* type_name,
                  MPI_Datatype datatype, Datatype** type) {
  WEFT_TRY(check_count(call, count_name, count));
  WEFT_TRY(weft::check_datatype(call, type_name, datatype, type));
  if (buffer == nullptr && count > 0 && (*type)->is_predefined() && (*type)->size() > 0) {
    return weft::error(MPI_ERR_BUFFER, "%s: argument %s is NULL with %s=%d", call, buffer_name,
                       count_name, count);
  }
  return Status();
}

// The counts array (and displacements) of a v-collective: one entry per rank.
Status check_counts(const char* call, const char* counts_name, const int* counts,
                    const char* displs_name, const int* displs, const Comm* c) {
  if (counts == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, counts_name);
  if (displs_name != nullptr && displs == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, displs_name);
  }
  for (int i = 0; i < c->size(); ++i) {
    if (counts[i] < 0) {
      return weft::error(MPI_ERR_COUNT, "%s: argument %s[%d]=%d is negative", call, counts_name, i,
                         counts[i]);
    }
  }
  return Status();
}

Status check_v_data(const char* call, const char* buffer_name, const void* buffer,
                    const char* counts_name, const int* counts, const char* displs_name,
                    const int* displs, const char* type_name, MPI_Datatype datatype,
                    const Comm* c, Datatype** type) {
  WEFT_TRY(check_counts(call, counts_name, counts, displs_name, displs, c));
  WEFT_TRY(weft::check_datatype(call, type_name, datatype, type));
  if (buffer == nullptr && (*type)->is_predefined() && (*type)->size() > 0) {
    for (int i = 0; i < c->size(); ++i) {
      if (counts[i] > 0) {
        return weft::error(MPI_ERR_BUFFER, "%s: argument %s is NULL with %s[%d]=%d", call,
                           buffer_name, counts_name, i, counts[i]);
      }
    }
  }
  return Status();
}

Status not_in_place(const char* call, const char* argument, const void* buffer, const char* where) {
  if (in_place(buffer)) {
    return weft::error(MPI_ERR_BUFFER, "%s: argument %s is MPI_IN_PLACE, which is not allowed %s",
                       call, argument, where);
  }
  return Status();
}

// The op of a reduction, and that it can reduce the datatype.
// Checks the op and its pair with the datatype; `view` is what the collectives see of both.
Status check_reduction(const char* call, MPI_Op handle, const Datatype* type, coll::OpView* view) {
  Op* op = nullptr;
  WEFT_TRY(weft::check_op(call, handle, &op));
  weft::ReduceTarget target;
  WEFT_TRY(weft::check_op_type(call, *op, *type, &target));
  view->owner = op;
  view->function = op->is_predefined() ? nullptr : op->function();
  view->kernel = target.kernel;
  view->basic = target.basic;
  view->commutative = op->commutative();
  return Status();
}

Status not_aliased(const char* call, const void* sendbuf, const void* recvbuf, int count) {
  if (sendbuf == recvbuf && sendbuf != nullptr && count > 0) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: arguments sendbuf and recvbuf are the same buffer %p (pass "
                       "MPI_IN_PLACE as sendbuf to reduce in place)",
                       call, recvbuf);
  }
  return Status();
}

// Hands the new request to the user.
void give(Request* made, MPI_Request* request) {
  if (request != nullptr && made != nullptr) *request = made->handle();
}

Status barrier_core(const char* call, MPI_Comm comm, Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::barrier(call, (*c)->coll_view(), nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status bcast_core(const char* call, void* buffer, int count, MPI_Datatype datatype, int root,
                  MPI_Comm comm, Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* type = nullptr;
  WEFT_TRY(check_root(call, root, *c));
  WEFT_TRY(check_data(call, "buffer", buffer, "count", count, "datatype", datatype, &type));
  WEFT_TRY(not_in_place(call, "buffer", buffer, "in a broadcast"));
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::bcast(call, (*c)->coll_view(), buffer, static_cast<size_t>(count), type, root,
                       nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status gather_core(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                   void* recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                   Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  WEFT_TRY(check_root(call, root, *c));
  const bool at_root = (*c)->rank() == root;
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  if (at_root) {
    WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
    WEFT_TRY(check_data(call, "recvbuf", recvbuf, "recvcount", recvcount, "recvtype", recvtype, &rtype));
  } else {
    WEFT_TRY(not_in_place(call, "sendbuf", sendbuf, "on ranks other than the root"));
  }
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "sendcount", sendcount, "sendtype", sendtype, &stype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::gather(call, (*c)->coll_view(), sendbuf, static_cast<size_t>(sendcount), stype,
                        recvbuf, static_cast<size_t>(recvcount), rtype, root,
                        nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status gatherv_core(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                    void* recvbuf, const int* recvcounts, const int* displs, MPI_Datatype recvtype,
                    int root, MPI_Comm comm, Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  WEFT_TRY(check_root(call, root, *c));
  const bool at_root = (*c)->rank() == root;
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  if (at_root) {
    WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
    WEFT_TRY(check_v_data(call, "recvbuf", recvbuf, "recvcounts", recvcounts, "displs", displs,
                          "recvtype", recvtype, *c, &rtype));
  } else {
    WEFT_TRY(not_in_place(call, "sendbuf", sendbuf, "on ranks other than the root"));
  }
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "sendcount", sendcount, "sendtype", sendtype, &stype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::gatherv(call, (*c)->coll_view(), sendbuf, static_cast<size_t>(sendcount), stype,
                         recvbuf, recvcounts, displs, rtype, root, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status scatter_core(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                    void* recvbuf, int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                    Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  WEFT_TRY(check_root(call, root, *c));
  const bool at_root = (*c)->rank() == root;
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  if (at_root) {
    WEFT_TRY(not_in_place(call, "sendbuf", sendbuf, "for the send buffer"));
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "sendcount", sendcount, "sendtype", sendtype, &stype));
  } else {
    WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "on ranks other than the root"));
  }
  if (!in_place(recvbuf)) {
    WEFT_TRY(check_data(call, "recvbuf", recvbuf, "recvcount", recvcount, "recvtype", recvtype, &rtype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::scatter(call, (*c)->coll_view(), sendbuf, static_cast<size_t>(sendcount), stype,
                         recvbuf, static_cast<size_t>(recvcount), rtype, root,
                         nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status scatterv_core(const char* call, const void* sendbuf, const int* sendcounts,
                     const int* displs, MPI_Datatype sendtype, void* recvbuf, int recvcount,
                     MPI_Datatype recvtype, int root, MPI_Comm comm, Comm** c, bool nonblocking,
                     MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  WEFT_TRY(check_root(call, root, *c));
  const bool at_root = (*c)->rank() == root;
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  if (at_root) {
    WEFT_TRY(not_in_place(call, "sendbuf", sendbuf, "for the send buffer"));
    WEFT_TRY(check_v_data(call, "sendbuf", sendbuf, "sendcounts", sendcounts, "displs", displs,
                          "sendtype", sendtype, *c, &stype));
  } else {
    WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "on ranks other than the root"));
  }
  if (!in_place(recvbuf)) {
    WEFT_TRY(check_data(call, "recvbuf", recvbuf, "recvcount", recvcount, "recvtype", recvtype, &rtype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::scatterv(call, (*c)->coll_view(), sendbuf, sendcounts, displs, stype, recvbuf,
                          static_cast<size_t>(recvcount), rtype, root, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status allgather_core(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                      void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, Comm** c,
                      bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  WEFT_TRY(check_data(call, "recvbuf", recvbuf, "recvcount", recvcount, "recvtype", recvtype, &rtype));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "sendcount", sendcount, "sendtype", sendtype, &stype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::allgather(call, (*c)->coll_view(), sendbuf, static_cast<size_t>(sendcount), stype,
                           recvbuf, static_cast<size_t>(recvcount), rtype,
                           nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status allgatherv_core(const char* call, const void* sendbuf, int sendcount,
                       MPI_Datatype sendtype, void* recvbuf, const int* recvcounts,
                       const int* displs, MPI_Datatype recvtype, MPI_Comm comm, Comm** c,
                       bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  WEFT_TRY(check_v_data(call, "recvbuf", recvbuf, "recvcounts", recvcounts, "displs", displs,
                        "recvtype", recvtype, *c, &rtype));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "sendcount", sendcount, "sendtype", sendtype, &stype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::allgatherv(call, (*c)->coll_view(), sendbuf, static_cast<size_t>(sendcount), stype,
                            recvbuf, recvcounts, displs, rtype, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status alltoall_core(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                     void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm, Comm** c,
                     bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  WEFT_TRY(check_data(call, "recvbuf", recvbuf, "recvcount", recvcount, "recvtype", recvtype, &rtype));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "sendcount", sendcount, "sendtype", sendtype, &stype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::alltoall(call, (*c)->coll_view(), sendbuf, static_cast<size_t>(sendcount), stype,
                          recvbuf, static_cast<size_t>(recvcount), rtype,
                          nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status alltoallv_core(const char* call, const void* sendbuf, const int* sendcounts,
                      const int* sdispls, MPI_Datatype sendtype, void* recvbuf,
                      const int* recvcounts, const int* rdispls, MPI_Datatype recvtype,
                      MPI_Comm comm, Comm** c, bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  WEFT_TRY(check_v_data(call, "recvbuf", recvbuf, "recvcounts", recvcounts, "rdispls", rdispls,
                        "recvtype", recvtype, *c, &rtype));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_v_data(call, "sendbuf", sendbuf, "sendcounts", sendcounts, "sdispls", sdispls,
                          "sendtype", sendtype, *c, &stype));
  }
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::alltoallv(call, (*c)->coll_view(), sendbuf, sendcounts, sdispls, stype, recvbuf,
                           recvcounts, rdispls, rtype, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status reduce_core(const char* call, const void* sendbuf, void* recvbuf, int count,
                   MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm, Comm** c,
                   bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  WEFT_TRY(check_root(call, root, *c));
  const bool at_root = (*c)->rank() == root;
  Datatype* type = nullptr;
  coll::OpView o;
  if (!at_root) WEFT_TRY(not_in_place(call, "sendbuf", sendbuf, "on ranks other than the root"));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "count", count, "datatype", datatype, &type));
  }
  if (at_root) {
    WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
    WEFT_TRY(check_data(call, "recvbuf", recvbuf, "count", count, "datatype", datatype, &type));
    WEFT_TRY(not_aliased(call, sendbuf, recvbuf, count));
  }
  WEFT_TRY(check_reduction(call, op, type, &o));
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::reduce(call, (*c)->coll_view(), sendbuf, recvbuf, static_cast<size_t>(count), type,
                        o, root, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status allreduce_core(const char* call, const void* sendbuf, void* recvbuf, int count,
                      MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, Comm** c,
                      bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* type = nullptr;
  coll::OpView o;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  WEFT_TRY(check_data(call, "recvbuf", recvbuf, "count", count, "datatype", datatype, &type));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "count", count, "datatype", datatype, &type));
  }
  WEFT_TRY(check_reduction(call, op, type, &o));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, count));
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::allreduce(call, (*c)->coll_view(), sendbuf, recvbuf, static_cast<size_t>(count),
                           type, o, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status reduce_scatter_core(const char* call, const void* sendbuf, void* recvbuf,
                           const int* recvcounts, int recvcount, bool block,
                           MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, Comm** c,
                           bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* type = nullptr;
  coll::OpView o;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  int mine = 0;
  int64_t total = 0;
  if (block) {
    WEFT_TRY(check_count(call, "recvcount", recvcount));
    mine = recvcount;
    total = static_cast<int64_t>(recvcount) * (*c)->size();
  } else {
    WEFT_TRY(check_counts(call, "recvcounts", recvcounts, nullptr, nullptr, *c));
    mine = recvcounts[(*c)->rank()];
    for (int i = 0; i < (*c)->size(); ++i) total += recvcounts[i];
  }
  WEFT_TRY(check_data(call, "recvbuf", recvbuf, block ? "recvcount" : "recvcounts[rank]", mine,
                      "datatype", datatype, &type));
  if (!in_place(sendbuf) && sendbuf == nullptr && total > 0 && type->is_predefined() && type->size() > 0) {
    return weft::error(MPI_ERR_BUFFER, "%s: argument sendbuf is NULL with %" PRId64 " elements to reduce",
                       call, total);
  }
  WEFT_TRY(check_reduction(call, op, type, &o));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, static_cast<int>(total > 0)));
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::reduce_scatter(call, (*c)->coll_view(), sendbuf, recvbuf,
                                block ? &recvcount : recvcounts, block, type, o,
                                nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

Status scan_core(const char* call, const void* sendbuf, void* recvbuf, int count,
                 MPI_Datatype datatype, MPI_Op op, bool exclusive, MPI_Comm comm, Comm** c,
                 bool nonblocking, MPI_Request* request) {
  WEFT_TRY(begin(call, comm, c, nonblocking, request));
  Datatype* type = nullptr;
  coll::OpView o;
  WEFT_TRY(not_in_place(call, "recvbuf", recvbuf, "for the receive buffer"));
  WEFT_TRY(check_data(call, "recvbuf", recvbuf, "count", count, "datatype", datatype, &type));
  if (!in_place(sendbuf)) {
    WEFT_TRY(check_data(call, "sendbuf", sendbuf, "count", count, "datatype", datatype, &type));
  }
  WEFT_TRY(check_reduction(call, op, type, &o));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, count));
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(coll::scan(call, (*c)->coll_view(), sendbuf, recvbuf, static_cast<size_t>(count), type,
                      o, exclusive, nonblocking ? &made : nullptr));
  give(made, request);
  return Status();
}

}  // namespace

// ---- barrier, bcast ---------------------------------------------------------------------

extern "C" int PMPI_Barrier(MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = barrier_core("MPI_Barrier", comm, &c, false, nullptr);
  return finish("MPI_Barrier", c, s);
}

extern "C" int PMPI_Ibarrier(MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = barrier_core("MPI_Ibarrier", comm, &c, true, request);
  return finish("MPI_Ibarrier", c, s);
}

extern "C" int PMPI_Bcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = bcast_core("MPI_Bcast", buffer, count, datatype, root, comm, &c, false, nullptr);
  return finish("MPI_Bcast", c, s);
}

extern "C" int PMPI_Ibcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                           MPI_Request* request) {
  Comm* c = nullptr;
  Status s = bcast_core("MPI_Ibcast", buffer, count, datatype, root, comm, &c, true, request);
  return finish("MPI_Ibcast", c, s);
}

// ---- gather, scatter --------------------------------------------------------------------

extern "C" int PMPI_Gather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                           int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = gather_core("MPI_Gather", sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                         root, comm, &c, false, nullptr);
  return finish("MPI_Gather", c, s);
}

extern "C" int PMPI_Igather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                            int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                            MPI_Request* request) {
  Comm* c = nullptr;
  Status s = gather_core("MPI_Igather", sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                         root, comm, &c, true, request);
  return finish("MPI_Igather", c, s);
}

extern "C" int PMPI_Gatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                            const int recvcounts[], const int displs[], MPI_Datatype recvtype,
                            int root, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = gatherv_core("MPI_Gatherv", sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                          recvtype, root, comm, &c, false, nullptr);
  return finish("MPI_Gatherv", c, s);
}

extern "C" int PMPI_Igatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                             void* recvbuf, const int recvcounts[], const int displs[],
                             MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = gatherv_core("MPI_Igatherv", sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                          recvtype, root, comm, &c, true, request);
  return finish("MPI_Igatherv", c, s);
}

extern "C" int PMPI_Scatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                            int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = scatter_core("MPI_Scatter", sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                          root, comm, &c, false, nullptr);
  return finish("MPI_Scatter", c, s);
}

extern "C" int PMPI_Iscatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                             void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                             MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = scatter_core("MPI_Iscatter", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                          recvtype, root, comm, &c, true, request);
  return finish("MPI_Iscatter", c, s);
}

extern "C" int PMPI_Scatterv(const void* sendbuf, const int sendcounts[], const int displs[],
                             MPI_Datatype sendtype, void* recvbuf, int recvcount,
                             MPI_Datatype recvtype, int root, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = scatterv_core("MPI_Scatterv", sendbuf, sendcounts, displs, sendtype, recvbuf,
                           recvcount, recvtype, root, comm, &c, false, nullptr);
  return finish("MPI_Scatterv", c, s);
}

extern "C" int PMPI_Iscatterv(const void* sendbuf, const int sendcounts[], const int displs[],
                              MPI_Datatype sendtype, void* recvbuf, int recvcount,
                              MPI_Datatype recvtype, int root, MPI_Comm comm,
                              MPI_Request* request) {
  Comm* c = nullptr;
  Status s = scatterv_core("MPI_Iscatterv", sendbuf, sendcounts, displs, sendtype, recvbuf,
                           recvcount, recvtype, root, comm, &c, true, request);
  return finish("MPI_Iscatterv", c, s);
}

// ---- allgather, alltoall ----------------------------------------------------------------

extern "C" int PMPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                              void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = allgather_core("MPI_Allgather", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                            recvtype, comm, &c, false, nullptr);
  return finish("MPI_Allgather", c, s);
}

extern "C" int PMPI_Iallgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                               void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                               MPI_Request* request) {
  Comm* c = nullptr;
  Status s = allgather_core("MPI_Iallgather", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                            recvtype, comm, &c, true, request);
  return finish("MPI_Iallgather", c, s);
}

extern "C" int PMPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                               void* recvbuf, const int recvcounts[], const int displs[],
                               MPI_Datatype recvtype, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = allgatherv_core("MPI_Allgatherv", sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                             displs, recvtype, comm, &c, false, nullptr);
  return finish("MPI_Allgatherv", c, s);
}

extern "C" int PMPI_Iallgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                void* recvbuf, const int recvcounts[], const int displs[],
                                MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = allgatherv_core("MPI_Iallgatherv", sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                             displs, recvtype, comm, &c, true, request);
  return finish("MPI_Iallgatherv", c, s);
}

extern "C" int PMPI_Alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                             void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoall_core("MPI_Alltoall", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                           recvtype, comm, &c, false, nullptr);
  return finish("MPI_Alltoall", c, s);
}

extern "C" int PMPI_Ialltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                              void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                              MPI_Request* request) {
  Comm* c = nullptr;
  Status s = alltoall_core("MPI_Ialltoall", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                           recvtype, comm, &c, true, request);
  return finish("MPI_Ialltoall", c, s);
}

extern "C" int PMPI_Alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[],
                              MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                              const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoallv_core("MPI_Alltoallv", sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                            recvcounts, rdispls, recvtype, comm, &c, false, nullptr);
  return finish("MPI_Alltoallv", c, s);
}

extern "C" int PMPI_Ialltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[],
                               MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                               const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                               MPI_Request* request) {
  Comm* c = nullptr;
  Status s = alltoallv_core("MPI_Ialltoallv", sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                            recvcounts, rdispls, recvtype, comm, &c, true, request);
  return finish("MPI_Ialltoallv", c, s);
}

// ---- reductions -------------------------------------------------------------------------

extern "C" int PMPI_Reduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                           MPI_Op op, int root, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = reduce_core("MPI_Reduce", sendbuf, recvbuf, count, datatype, op, root, comm, &c, false,
                         nullptr);
  return finish("MPI_Reduce", c, s);
}

extern "C" int PMPI_Ireduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                            MPI_Op op, int root, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = reduce_core("MPI_Ireduce", sendbuf, recvbuf, count, datatype, op, root, comm, &c, true,
                         request);
  return finish("MPI_Ireduce", c, s);
}

extern "C" int PMPI_Allreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                              MPI_Op op, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = allreduce_core("MPI_Allreduce", sendbuf, recvbuf, count, datatype, op, comm, &c, false,
                            nullptr);
  return finish("MPI_Allreduce", c, s);
}

extern "C" int PMPI_Iallreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                               MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = allreduce_core("MPI_Iallreduce", sendbuf, recvbuf, count, datatype, op, comm, &c, true,
                            request);
  return finish("MPI_Iallreduce", c, s);
}

extern "C" int PMPI_Reduce_scatter(const void* sendbuf, void* recvbuf, const int recvcounts[],
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = reduce_scatter_core("MPI_Reduce_scatter", sendbuf, recvbuf, recvcounts, 0, false,
                                 datatype, op, comm, &c, false, nullptr);
  return finish("MPI_Reduce_scatter", c, s);
}

extern "C" int PMPI_Ireduce_scatter(const void* sendbuf, void* recvbuf, const int recvcounts[],
                                    MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                    MPI_Request* request) {
  Comm* c = nullptr;
  Status s = reduce_scatter_core("MPI_Ireduce_scatter", sendbuf, recvbuf, recvcounts, 0, false,
                                 datatype, op, comm, &c, true, request);
  return finish("MPI_Ireduce_scatter", c, s);
}

extern "C" int PMPI_Reduce_scatter_block(const void* sendbuf, void* recvbuf, int recvcount,
                                         MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = reduce_scatter_core("MPI_Reduce_scatter_block", sendbuf, recvbuf, nullptr, recvcount,
                                 true, datatype, op, comm, &c, false, nullptr);
  return finish("MPI_Reduce_scatter_block", c, s);
}

extern "C" int PMPI_Ireduce_scatter_block(const void* sendbuf, void* recvbuf, int recvcount,
                                          MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                          MPI_Request* request) {
  Comm* c = nullptr;
  Status s = reduce_scatter_core("MPI_Ireduce_scatter_block", sendbuf, recvbuf, nullptr, recvcount,
                                 true, datatype, op, comm, &c, true, request);
  return finish("MPI_Ireduce_scatter_block", c, s);
}

extern "C" int PMPI_Scan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                         MPI_Op op, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = scan_core("MPI_Scan", sendbuf, recvbuf, count, datatype, op, false, comm, &c, false,
                       nullptr);
  return finish("MPI_Scan", c, s);
}

extern "C" int PMPI_Iscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                          MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = scan_core("MPI_Iscan", sendbuf, recvbuf, count, datatype, op, false, comm, &c, true,
                       request);
  return finish("MPI_Iscan", c, s);
}

extern "C" int PMPI_Exscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                           MPI_Op op, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = scan_core("MPI_Exscan", sendbuf, recvbuf, count, datatype, op, true, comm, &c, false,
                       nullptr);
  return finish("MPI_Exscan", c, s);
}

extern "C" int PMPI_Iexscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                            MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = scan_core("MPI_Iexscan", sendbuf, recvbuf, count, datatype, op, true, comm, &c, true,
                       request);
  return finish("MPI_Iexscan", c, s);
}

extern "C" int PMPI_Reduce_local(const void* inbuf, void* inoutbuf, int count,
                                 MPI_Datatype datatype, MPI_Op op) {
  const char* call = "MPI_Reduce_local";
  Status s = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    Datatype* type = nullptr;
    coll::OpView o;
    WEFT_TRY(check_data(call, "inbuf", inbuf, "count", count, "datatype", datatype, &type));
    WEFT_TRY(check_data(call, "inoutbuf", inoutbuf, "count", count, "datatype", datatype, &type));
    WEFT_TRY(not_in_place(call, "inbuf", inbuf, "in MPI_Reduce_local"));
    WEFT_TRY(not_in_place(call, "inoutbuf", inoutbuf, "in MPI_Reduce_local"));
    WEFT_TRY(check_reduction(call, op, type, &o));
    // User functions run without the engine lock here: no communication is involved.
    return coll::reduce_local(call, inbuf, inoutbuf, static_cast<size_t>(count), type, o);
  }();
  return finish(call, nullptr, s);
}
