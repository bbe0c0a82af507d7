// Collective entry points, blocking and nonblocking (MPI_I*). Each validates its arguments
// with the code generated from api/mpi.api (weft::api::validate::<Name>, api/kinds.h), which
// hands back the resolved communicator, datatypes and op; the core of each pair then runs
// the checks that depend on several arguments (MPI_IN_PLACE only at the root, aliased
// buffers, op x datatype) and one round of the collective, both from api/coll_rounds.h,
// which the persistent forms (coll_persistent_api.cc) share. The blocking form passes no
// request. Every call has a large-count twin MPI_<Coll>_c / MPI_I<coll>_c (MPI_Count counts,
// MPI_Aint displacements) that runs the same core, a template over the count type.
#include <cstdint>

#include "api/api.h"
#include "api/api_checks.h"
#include "api/coll_rounds.h"
#include "api/intercomm.h"
#include "coll/collectives.h"
#include "coll/inter/collectives_inter.h"
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
namespace kinds = weft::api::kinds;
namespace rounds = weft::api::rounds;
namespace validate = weft::api::validate;
namespace inter = weft::api::inter;

namespace {

// MPI_IN_PLACE is the root's alone in the rooted collectives.
Status not_in_place_off_root(const char* call, const char* argument, const void* buffer) {
  if (buffer == MPI_IN_PLACE) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: argument %s is MPI_IN_PLACE, which is not allowed on ranks other "
                       "than the root",
                       call, argument);
  }
  return Status();
}

// Whether the op can reduce the datatype; `view` is what the collectives see of both.
Status check_reduction(const char* call, Op* op, const Datatype* type, coll::OpView* view) {
  return weft::reduction_view(call, op, *type, view);
}

Status not_aliased(const char* call, const void* sendbuf, const void* recvbuf, size_t count) {
  if (sendbuf == recvbuf && sendbuf != nullptr && count > 0) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: arguments sendbuf and recvbuf are the same buffer %p (pass "
                       "MPI_IN_PLACE as sendbuf to reduce in place)",
                       call, recvbuf);
  }
  return Status();
}

// Runs `start` (a round of rounds:: taking the request slot: nullptr for the blocking form)
// under the engine lock and hands the new request of a nonblocking form to the user.
template <typename Start>
Status run(MPI_Request* request, Start start) {
  return weft::api::run_collective(request, start);
}

}  // namespace

// ---- the checks and rounds of api/coll_rounds.h --------------------------------------------

namespace weft::api::rounds {

namespace {

// The communicator as the collectives see it, for a round of a persistent request when
// `persistent` is given (api/coll_rounds.h).
coll::CommView view_of(Comm* c, coll::PersistentState* persistent) {
  coll::CommView view = c->coll_view();
  view.persistent = persistent;
  return view;
}

}  // namespace

Status check_gather(const char* call, const void* sendbuf, const void* recvbuf, int root,
                    Comm* c) {
  if (c->is_inter()) return inter::check_gather(call, sendbuf, recvbuf, root);
  if (c->rank() != root) WEFT_TRY(not_in_place_off_root(call, "sendbuf", sendbuf));
  return Status();
}

Status check_scatter(const char* call, const void* recvbuf, int root, Comm* c) {
  if (c->is_inter()) return inter::check_scatter(call, recvbuf, root);
  if (c->rank() != root) WEFT_TRY(not_in_place_off_root(call, "recvbuf", recvbuf));
  return Status();
}

Status check_allgather(const char* call, const void* sendbuf, Comm* c) {
  if (c->is_inter()) return inter::not_in_place(call, "sendbuf", sendbuf);
  return Status();
}

Status check_reduce(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                    Datatype* type, Op* op, int root, Comm* c, coll::OpView* op_view) {
  if (c->is_inter()) return inter::check_reduce(call, sendbuf, recvbuf, type, op, root, op_view);
  if (c->rank() != root) {
    WEFT_TRY(not_in_place_off_root(call, "sendbuf", sendbuf));
  } else {
    WEFT_TRY(not_aliased(call, sendbuf, recvbuf, count));
  }
  return check_reduction(call, op, type, op_view);
}

Status check_allreduce(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                       Datatype* type, Op* op, Comm* c, coll::OpView* op_view) {
  if (c->is_inter()) {
    return inter::check_allreduce(call, sendbuf, recvbuf, count, type, op, op_view);
  }
  WEFT_TRY(check_reduction(call, op, type, op_view));
  return not_aliased(call, sendbuf, recvbuf, count);
}

// recvcounts given: MPI_Reduce_scatter, whose recvbuf holds recvcounts[rank] elements
// (buffer(sized_by_call) in mpi.api); empty: MPI_Reduce_scatter_block with recvcount. The
// counts are per local rank on an intercommunicator too.
Status check_reduce_scatter(const char* call, const void* sendbuf, void* recvbuf,
                            coll::PerRank recvcounts, size_t recvcount, Datatype* type, Op* op,
                            Comm* c, coll::OpView* op_view) {
  const bool block = recvcounts.empty();
  int64_t total = static_cast<int64_t>(recvcount) * c->size();
  if (!block) {
    WEFT_TRY(
        kinds::buffer(call, "recvbuf", recvbuf, "recvcounts[rank]", recvcounts[c->rank()], type));
    total = 0;
    for (int i = 0; i < c->size(); ++i) total += recvcounts[i];
  }
  if (c->is_inter()) return inter::check_reduce_scatter(call, sendbuf, recvbuf, type, op, op_view);
  WEFT_TRY(check_reduction(call, op, type, op_view));
  return not_aliased(call, sendbuf, recvbuf, static_cast<size_t>(total > 0));
}

Status check_scan(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                  Datatype* type, Op* op, Comm* c, coll::OpView* op_view) {
  if (c->is_inter()) return inter::not_on_intercomm(call, c);
  WEFT_TRY(check_reduction(call, op, type, op_view));
  return not_aliased(call, sendbuf, recvbuf, count);
}

// Each round runs the intercommunicator algorithm (coll/inter/) on an intercommunicator and
// the selected intracommunicator algorithm (coll/collectives.h) otherwise, on the same view.

Status barrier(const char* call, Comm* c, Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) return coll::inter::barrier(call, view, request);
  return coll::barrier(call, view, request);
}

Status bcast(const char* call, void* buffer, size_t count, Datatype* type, int root, Comm* c,
             Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) return coll::inter::bcast(call, view, buffer, count, type, root, request);
  return coll::bcast(call, view, buffer, count, type, root, request);
}

Status gather(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
              void* recvbuf, size_t recvcount, Datatype* rtype, int root, Comm* c,
              Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::gather(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype,
                               root, request);
  }
  return coll::gather(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, root,
                      request);
}

Status gatherv(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
               void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs, Datatype* rtype,
               int root, Comm* c, Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::gatherv(call, view, sendbuf, sendcount, stype, recvbuf, recvcounts, displs,
                                rtype, root, request);
  }
  return coll::gatherv(call, view, sendbuf, sendcount, stype, recvbuf, recvcounts, displs, rtype,
                       root, request);
}

Status scatter(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
               void* recvbuf, size_t recvcount, Datatype* rtype, int root, Comm* c,
               Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::scatter(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype,
                                root, request);
  }
  return coll::scatter(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, root,
                       request);
}

Status scatterv(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                coll::PerRank displs, Datatype* stype, void* recvbuf, size_t recvcount,
                Datatype* rtype, int root, Comm* c, Request** request,
                coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::scatterv(call, view, sendbuf, sendcounts, displs, stype, recvbuf, recvcount,
                                 rtype, root, request);
  }
  return coll::scatterv(call, view, sendbuf, sendcounts, displs, stype, recvbuf, recvcount, rtype,
                        root, request);
}

Status allgather(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                 void* recvbuf, size_t recvcount, Datatype* rtype, Comm* c, Request** request,
                 coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::allgather(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype,
                                  request);
  }
  return coll::allgather(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, request);
}

Status allgatherv(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                  void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs, Datatype* rtype,
                  Comm* c, Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::allgatherv(call, view, sendbuf, sendcount, stype, recvbuf, recvcounts,
                                   displs, rtype, request);
  }
  return coll::allgatherv(call, view, sendbuf, sendcount, stype, recvbuf, recvcounts, displs, rtype,
                          request);
}

Status alltoall(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                void* recvbuf, size_t recvcount, Datatype* rtype, Comm* c, Request** request,
                coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::alltoall(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype,
                                 request);
  }
  return coll::alltoall(call, view, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, request);
}

Status alltoallv(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                 coll::PerRank sdispls, Datatype* stype, void* recvbuf, coll::PerRank recvcounts,
                 coll::PerRank rdispls, Datatype* rtype, Comm* c, Request** request,
                 coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::alltoallv(call, view, sendbuf, sendcounts, sdispls, stype, recvbuf,
                                  recvcounts, rdispls, rtype, request);
  }
  return coll::alltoallv(call, view, sendbuf, sendcounts, sdispls, stype, recvbuf, recvcounts,
                         rdispls, rtype, request);
}

Status reduce(const char* call, const void* sendbuf, void* recvbuf, size_t count, Datatype* type,
              const coll::OpView& op, int root, Comm* c, Request** request,
              coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::reduce(call, view, sendbuf, recvbuf, count, type, op, root, request);
  }
  return coll::reduce(call, view, sendbuf, recvbuf, count, type, op, root, request);
}

Status allreduce(const char* call, const void* sendbuf, void* recvbuf, size_t count, Datatype* type,
                 const coll::OpView& op, Comm* c, Request** request,
                 coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::allreduce(call, view, sendbuf, recvbuf, count, type, op, request);
  }
  return coll::allreduce(call, view, sendbuf, recvbuf, count, type, op, request);
}

Status reduce_scatter(const char* call, const void* sendbuf, void* recvbuf,
                      coll::PerRank recvcounts, bool block, Datatype* type, const coll::OpView& op,
                      Comm* c, Request** request, coll::PersistentState* persistent) {
  const coll::CommView view = view_of(c, persistent);
  if (view.is_inter()) {
    return coll::inter::reduce_scatter(call, view, sendbuf, recvbuf, recvcounts, block, type, op,
                                       request);
  }
  return coll::reduce_scatter(call, view, sendbuf, recvbuf, recvcounts, block, type, op, request);
}

Status scan(const char* call, const void* sendbuf, void* recvbuf, size_t count, Datatype* type,
            const coll::OpView& op, bool exclusive, Comm* c, Request** request,
            coll::PersistentState* persistent) {
  if (c->is_inter()) return inter::not_on_intercomm(call, c);
  return coll::scan(call, view_of(c, persistent), sendbuf, recvbuf, count,
                    type, op, exclusive, request);
}

}  // namespace weft::api::rounds

// ---- each entry point: its checks, then one round ------------------------------------------
//
// Each core serves a call and its large-count `_c` twin: `Count` is int or MPI_Count (the
// generated validation has refused negative values), the per-rank arrays arrive as int or
// 64-bit (coll::PerRank), and the round takes them as size_t, so the int instantiation
// compiles to what a plain int function would.

namespace {

using rounds::elements;

template <typename Count>
Status gather_core(const char* call, const void* sendbuf, Count sendcount, Datatype* stype,
                   void* recvbuf, Count recvcount, Datatype* rtype, int root, Comm* c,
                   MPI_Request* request) {
  WEFT_TRY(rounds::check_gather(call, sendbuf, recvbuf, root, c));
  return run(request, [&](Request** made) {
    return rounds::gather(call, sendbuf, elements(sendcount), stype, recvbuf, elements(recvcount),
                          rtype, root, c, made);
  });
}

template <typename Count>
Status gatherv_core(const char* call, const void* sendbuf, Count sendcount, Datatype* stype,
                    void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs,
                    Datatype* rtype, int root, Comm* c, MPI_Request* request) {
  WEFT_TRY(rounds::check_gather(call, sendbuf, recvbuf, root, c));
  return run(request, [&](Request** made) {
    return rounds::gatherv(call, sendbuf, elements(sendcount), stype, recvbuf, recvcounts, displs,
                           rtype, root, c, made);
  });
}

template <typename Count>
Status scatter_core(const char* call, const void* sendbuf, Count sendcount, Datatype* stype,
                    void* recvbuf, Count recvcount, Datatype* rtype, int root, Comm* c,
                    MPI_Request* request) {
  WEFT_TRY(rounds::check_scatter(call, recvbuf, root, c));
  return run(request, [&](Request** made) {
    return rounds::scatter(call, sendbuf, elements(sendcount), stype, recvbuf,
                           elements(recvcount), rtype, root, c, made);
  });
}

template <typename Count>
Status scatterv_core(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                     coll::PerRank displs, Datatype* stype, void* recvbuf, Count recvcount,
                     Datatype* rtype, int root, Comm* c, MPI_Request* request) {
  WEFT_TRY(rounds::check_scatter(call, recvbuf, root, c));
  return run(request, [&](Request** made) {
    return rounds::scatterv(call, sendbuf, sendcounts, displs, stype, recvbuf,
                            elements(recvcount), rtype, root, c, made);
  });
}

template <typename Count>
Status reduce_core(const char* call, const void* sendbuf, void* recvbuf, Count count,
                   Datatype* type, Op* op, int root, Comm* c, MPI_Request* request) {
  coll::OpView o;
  const size_t n = elements(count);
  WEFT_TRY(rounds::check_reduce(call, sendbuf, recvbuf, n, type, op, root, c, &o));
  return run(request, [&](Request** made) {
    return rounds::reduce(call, sendbuf, recvbuf, n, type, o, root, c, made);
  });
}

template <typename Count>
Status allreduce_core(const char* call, const void* sendbuf, void* recvbuf, Count count,
                      Datatype* type, Op* op, Comm* c, MPI_Request* request) {
  coll::OpView o;
  const size_t n = elements(count);
  WEFT_TRY(rounds::check_allreduce(call, sendbuf, recvbuf, n, type, op, c, &o));
  return run(request, [&](Request** made) {
    return rounds::allreduce(call, sendbuf, recvbuf, n, type, o, c, made);
  });
}

// `recvcounts` given: MPI_Reduce_scatter; empty: MPI_Reduce_scatter_block with `recvcount`.
template <typename Count>
Status reduce_scatter_core(const char* call, const void* sendbuf, void* recvbuf,
                           coll::PerRank recvcounts, Count recvcount, Datatype* type, Op* op,
                           Comm* c, MPI_Request* request) {
  coll::OpView o;
  WEFT_TRY(rounds::check_reduce_scatter(call, sendbuf, recvbuf, recvcounts, elements(recvcount),
                                        type, op, c, &o));
  const bool block = recvcounts.empty();
  return run(request, [&](Request** made) {
    return rounds::reduce_scatter(call, sendbuf, recvbuf,
                                  block ? coll::PerRank(&recvcount) : recvcounts, block, type, o,
                                  c, made);
  });
}

template <typename Count>
Status scan_core(const char* call, const void* sendbuf, void* recvbuf, Count count,
                 Datatype* type, Op* op, bool exclusive, Comm* c, MPI_Request* request) {
  coll::OpView o;
  const size_t n = elements(count);
  WEFT_TRY(rounds::check_scan(call, sendbuf, recvbuf, n, type, op, c, &o));
  return run(request, [&](Request** made) {
    return rounds::scan(call, sendbuf, recvbuf, n, type, o, exclusive, c, made);
  });
}

// ---- barrier, bcast: nothing beyond the generated validation ------------------------------

Status barrier_core(const char* call, Comm* c, MPI_Request* request) {
  return run(request, [&](Request** made) { return rounds::barrier(call, c, made); });
}

template <typename Count>
Status bcast_core(const char* call, void* buffer, Count count, Datatype* type, int root, Comm* c,
                  MPI_Request* request) {
  return run(request, [&](Request** made) {
    return rounds::bcast(call, buffer, elements(count), type, root, c, made);
  });
}

// ---- allgather, alltoall: MPI_IN_PLACE only on an intracommunicator -----------------------

template <typename Count>
Status allgather_core(const char* call, const void* sendbuf, Count sendcount, Datatype* stype,
                      void* recvbuf, Count recvcount, Datatype* rtype, Comm* c,
                      MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return run(request, [&](Request** made) {
    return rounds::allgather(call, sendbuf, elements(sendcount), stype, recvbuf,
                             elements(recvcount), rtype, c, made);
  });
}

template <typename Count>
Status allgatherv_core(const char* call, const void* sendbuf, Count sendcount, Datatype* stype,
                       void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs,
                       Datatype* rtype, Comm* c, MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return run(request, [&](Request** made) {
    return rounds::allgatherv(call, sendbuf, elements(sendcount), stype, recvbuf, recvcounts,
                              displs, rtype, c, made);
  });
}

template <typename Count>
Status alltoall_core(const char* call, const void* sendbuf, Count sendcount, Datatype* stype,
                     void* recvbuf, Count recvcount, Datatype* rtype, Comm* c,
                     MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return run(request, [&](Request** made) {
    return rounds::alltoall(call, sendbuf, elements(sendcount), stype, recvbuf,
                            elements(recvcount), rtype, c, made);
  });
}

Status alltoallv_core(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                      coll::PerRank sdispls, Datatype* stype, void* recvbuf,
                      coll::PerRank recvcounts, coll::PerRank rdispls, Datatype* rtype, Comm* c,
                      MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return run(request, [&](Request** made) {
    return rounds::alltoallv(call, sendbuf, sendcounts, sdispls, stype, recvbuf, recvcounts,
                             rdispls, rtype, c, made);
  });
}

}  // namespace

// ---- barrier, bcast ------------------------------------------------------------------------

extern "C" int PMPI_Barrier(MPI_Comm comm) {
  validate::BarrierObjects o;
  Status s = validate::Barrier(comm, &o);
  if (s.ok()) s = barrier_core("MPI_Barrier", o.comm, nullptr);
  return finish("MPI_Barrier", o.comm, s);
}

extern "C" int PMPI_Ibarrier(MPI_Comm comm, MPI_Request* request) {
  validate::IbarrierObjects o;
  Status s = validate::Ibarrier(comm, request, &o);
  if (s.ok()) s = barrier_core("MPI_Ibarrier", o.comm, request);
  return finish("MPI_Ibarrier", o.comm, s);
}

extern "C" int PMPI_Bcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm) {
  validate::BcastObjects o;
  Status s = validate::Bcast(buffer, count, datatype, root, comm, &o);
  if (s.ok()) s = bcast_core("MPI_Bcast", buffer, count, o.datatype, root, o.comm, nullptr);
  return finish("MPI_Bcast", o.comm, s);
}

extern "C" int PMPI_Bcast_c(void* buffer, MPI_Count count, MPI_Datatype datatype, int root,
                            MPI_Comm comm) {
  validate::Bcast_cObjects o;
  Status s = validate::Bcast_c(buffer, count, datatype, root, comm, &o);
  if (s.ok()) s = bcast_core("MPI_Bcast_c", buffer, count, o.datatype, root, o.comm, nullptr);
  return finish("MPI_Bcast_c", o.comm, s);
}

extern "C" int PMPI_Ibcast(void* buffer, int count, MPI_Datatype datatype, int root, MPI_Comm comm,
                           MPI_Request* request) {
  validate::IbcastObjects o;
  Status s = validate::Ibcast(buffer, count, datatype, root, comm, request, &o);
  if (s.ok()) s = bcast_core("MPI_Ibcast", buffer, count, o.datatype, root, o.comm, request);
  return finish("MPI_Ibcast", o.comm, s);
}

extern "C" int PMPI_Ibcast_c(void* buffer, MPI_Count count, MPI_Datatype datatype, int root,
                             MPI_Comm comm, MPI_Request* request) {
  validate::Ibcast_cObjects o;
  Status s = validate::Ibcast_c(buffer, count, datatype, root, comm, request, &o);
  if (s.ok()) s = bcast_core("MPI_Ibcast_c", buffer, count, o.datatype, root, o.comm, request);
  return finish("MPI_Ibcast_c", o.comm, s);
}

// ---- gather, scatter -----------------------------------------------------------------------

extern "C" int PMPI_Gather(const void* sendbuf, int sendcount, MPI_Datatype sendtype, void* recvbuf,
                           int recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm) {
  validate::GatherObjects o;
  Status s =
      validate::Gather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm, &o);
  if (s.ok())
    s = gather_core("MPI_Gather", sendbuf, sendcount, o.sendtype, recvbuf, recvcount, o.recvtype,
                    root, o.comm, nullptr);
  return finish("MPI_Gather", o.comm, s);
}

extern "C" int PMPI_Gather_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                             void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                             MPI_Comm comm) {
  validate::Gather_cObjects o;
  Status s = validate::Gather_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, &o);
  if (s.ok())
    s = gather_core("MPI_Gather_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount, o.recvtype,
                    root, o.comm, nullptr);
  return finish("MPI_Gather_c", o.comm, s);
}

extern "C" int PMPI_Igather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                            void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                            MPI_Comm comm, MPI_Request* request) {
  validate::IgatherObjects o;
  Status s = validate::Igather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                               comm, request, &o);
  if (s.ok())
    s = gather_core("MPI_Igather", sendbuf, sendcount, o.sendtype, recvbuf, recvcount, o.recvtype,
                    root, o.comm, request);
  return finish("MPI_Igather", o.comm, s);
}

extern "C" int PMPI_Igather_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                              MPI_Comm comm, MPI_Request* request) {
  validate::Igather_cObjects o;
  Status s = validate::Igather_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, request, &o);
  if (s.ok())
    s = gather_core("MPI_Igather_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount, o.recvtype,
                    root, o.comm, request);
  return finish("MPI_Igather_c", o.comm, s);
}

extern "C" int PMPI_Gatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                            void* recvbuf, const int recvcounts[], const int displs[],
                            MPI_Datatype recvtype, int root, MPI_Comm comm) {
  validate::GathervObjects o;
  Status s = validate::Gatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                               root, comm, &o);
  if (s.ok())
    s = gatherv_core("MPI_Gatherv", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts, displs,
                     o.recvtype, root, o.comm, nullptr);
  return finish("MPI_Gatherv", o.comm, s);
}

extern "C" int PMPI_Gatherv_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void* recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                              MPI_Datatype recvtype, int root, MPI_Comm comm) {
  validate::Gatherv_cObjects o;
  Status s = validate::Gatherv_c(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                 recvtype, root, comm, &o);
  if (s.ok())
    s = gatherv_core("MPI_Gatherv_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts, displs,
                     o.recvtype, root, o.comm, nullptr);
  return finish("MPI_Gatherv_c", o.comm, s);
}

extern "C" int PMPI_Igatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                             void* recvbuf, const int recvcounts[], const int displs[],
                             MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Request* request) {
  validate::IgathervObjects o;
  Status s = validate::Igatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                                root, comm, request, &o);
  if (s.ok())
    s = gatherv_core("MPI_Igatherv", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts, displs,
                     o.recvtype, root, o.comm, request);
  return finish("MPI_Igatherv", o.comm, s);
}

extern "C" int PMPI_Igatherv_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void* recvbuf, const MPI_Count recvcounts[], const MPI_Aint displs[],
                               MPI_Datatype recvtype, int root, MPI_Comm comm,
                               MPI_Request* request) {
  validate::Igatherv_cObjects o;
  Status s = validate::Igatherv_c(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                  recvtype, root, comm, request, &o);
  if (s.ok())
    s = gatherv_core("MPI_Igatherv_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts, displs,
                     o.recvtype, root, o.comm, request);
  return finish("MPI_Igatherv_c", o.comm, s);
}

extern "C" int PMPI_Scatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                            void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                            MPI_Comm comm) {
  validate::ScatterObjects o;
  Status s =
      validate::Scatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm, &o);
  if (s.ok())
    s = scatter_core("MPI_Scatter", sendbuf, sendcount, o.sendtype, recvbuf, recvcount, o.recvtype,
                     root, o.comm, nullptr);
  return finish("MPI_Scatter", o.comm, s);
}

extern "C" int PMPI_Scatter_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                              void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                              MPI_Comm comm) {
  validate::Scatter_cObjects o;
  Status s = validate::Scatter_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                 comm, &o);
  if (s.ok())
    s = scatter_core("MPI_Scatter_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                     o.recvtype, root, o.comm, nullptr);
  return finish("MPI_Scatter_c", o.comm, s);
}

extern "C" int PMPI_Iscatter(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                             void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                             MPI_Comm comm, MPI_Request* request) {
  validate::IscatterObjects o;
  Status s = validate::Iscatter(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                comm, request, &o);
  if (s.ok())
    s = scatter_core("MPI_Iscatter", sendbuf, sendcount, o.sendtype, recvbuf, recvcount, o.recvtype,
                     root, o.comm, request);
  return finish("MPI_Iscatter", o.comm, s);
}

extern "C" int PMPI_Iscatter_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype, int root,
                               MPI_Comm comm, MPI_Request* request) {
  validate::Iscatter_cObjects o;
  Status s = validate::Iscatter_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root,
                                  comm, request, &o);
  if (s.ok())
    s = scatter_core("MPI_Iscatter_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                     o.recvtype, root, o.comm, request);
  return finish("MPI_Iscatter_c", o.comm, s);
}

extern "C" int PMPI_Scatterv(const void* sendbuf, const int sendcounts[], const int displs[],
                             MPI_Datatype sendtype, void* recvbuf, int recvcount,
                             MPI_Datatype recvtype, int root, MPI_Comm comm) {
  validate::ScattervObjects o;
  Status s = validate::Scatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount, recvtype,
                                root, comm, &o);
  if (s.ok())
    s = scatterv_core("MPI_Scatterv", sendbuf, sendcounts, displs, o.sendtype, recvbuf, recvcount,
                      o.recvtype, root, o.comm, nullptr);
  return finish("MPI_Scatterv", o.comm, s);
}

extern "C" int PMPI_Scatterv_c(const void* sendbuf, const MPI_Count sendcounts[],
                               const MPI_Aint displs[], MPI_Datatype sendtype, void* recvbuf,
                               MPI_Count recvcount, MPI_Datatype recvtype, int root,
                               MPI_Comm comm) {
  validate::Scatterv_cObjects o;
  Status s = validate::Scatterv_c(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                  recvtype, root, comm, &o);
  if (s.ok())
    s = scatterv_core("MPI_Scatterv_c", sendbuf, sendcounts, displs, o.sendtype, recvbuf, recvcount,
                      o.recvtype, root, o.comm, nullptr);
  return finish("MPI_Scatterv_c", o.comm, s);
}

extern "C" int PMPI_Iscatterv(const void* sendbuf, const int sendcounts[], const int displs[],
                              MPI_Datatype sendtype, void* recvbuf, int recvcount,
                              MPI_Datatype recvtype, int root, MPI_Comm comm,
                              MPI_Request* request) {
  validate::IscattervObjects o;
  Status s = validate::Iscatterv(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                 recvtype, root, comm, request, &o);
  if (s.ok())
    s = scatterv_core("MPI_Iscatterv", sendbuf, sendcounts, displs, o.sendtype, recvbuf, recvcount,
                      o.recvtype, root, o.comm, request);
  return finish("MPI_Iscatterv", o.comm, s);
}

extern "C" int PMPI_Iscatterv_c(const void* sendbuf, const MPI_Count sendcounts[],
                                const MPI_Aint displs[], MPI_Datatype sendtype, void* recvbuf,
                                MPI_Count recvcount, MPI_Datatype recvtype, int root, MPI_Comm comm,
                                MPI_Request* request) {
  validate::Iscatterv_cObjects o;
  Status s = validate::Iscatterv_c(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                   recvtype, root, comm, request, &o);
  if (s.ok())
    s = scatterv_core("MPI_Iscatterv_c", sendbuf, sendcounts, displs, o.sendtype, recvbuf,
                      recvcount, o.recvtype, root, o.comm, request);
  return finish("MPI_Iscatterv_c", o.comm, s);
}

// ---- allgather, alltoall -------------------------------------------------------------------

extern "C" int PMPI_Allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                              void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm) {
  validate::AllgatherObjects o;
  Status s =
      validate::Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &o);
  if (s.ok())
    s = allgather_core("MPI_Allgather", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                       o.recvtype, o.comm, nullptr);
  return finish("MPI_Allgather", o.comm, s);
}

extern "C" int PMPI_Allgather_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                MPI_Comm comm) {
  validate::Allgather_cObjects o;
  Status s =
      validate::Allgather_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &o);
  if (s.ok())
    s = allgather_core("MPI_Allgather_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                       o.recvtype, o.comm, nullptr);
  return finish("MPI_Allgather_c", o.comm, s);
}

extern "C" int PMPI_Iallgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                               void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                               MPI_Request* request) {
  validate::IallgatherObjects o;
  Status s = validate::Iallgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                  request, &o);
  if (s.ok())
    s = allgather_core("MPI_Iallgather", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                       o.recvtype, o.comm, request);
  return finish("MPI_Iallgather", o.comm, s);
}

extern "C" int PMPI_Iallgather_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                 void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                 MPI_Comm comm, MPI_Request* request) {
  validate::Iallgather_cObjects o;
  Status s = validate::Iallgather_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                    comm, request, &o);
  if (s.ok())
    s = allgather_core("MPI_Iallgather_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                       o.recvtype, o.comm, request);
  return finish("MPI_Iallgather_c", o.comm, s);
}

extern "C" int PMPI_Allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                               void* recvbuf, const int recvcounts[], const int displs[],
                               MPI_Datatype recvtype, MPI_Comm comm) {
  validate::AllgathervObjects o;
  Status s = validate::Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                  recvtype, comm, &o);
  if (s.ok())
    s = allgatherv_core("MPI_Allgatherv", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts,
                        displs, o.recvtype, o.comm, nullptr);
  return finish("MPI_Allgatherv", o.comm, s);
}

extern "C" int PMPI_Allgatherv_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                 void* recvbuf, const MPI_Count recvcounts[],
                                 const MPI_Aint displs[], MPI_Datatype recvtype, MPI_Comm comm) {
  validate::Allgatherv_cObjects o;
  Status s = validate::Allgatherv_c(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, comm, &o);
  if (s.ok())
    s = allgatherv_core("MPI_Allgatherv_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts,
                        displs, o.recvtype, o.comm, nullptr);
  return finish("MPI_Allgatherv_c", o.comm, s);
}

extern "C" int PMPI_Iallgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                void* recvbuf, const int recvcounts[], const int displs[],
                                MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  validate::IallgathervObjects o;
  Status s = validate::Iallgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                   recvtype, comm, request, &o);
  if (s.ok())
    s = allgatherv_core("MPI_Iallgatherv", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts,
                        displs, o.recvtype, o.comm, request);
  return finish("MPI_Iallgatherv", o.comm, s);
}

extern "C" int PMPI_Iallgatherv_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                  void* recvbuf, const MPI_Count recvcounts[],
                                  const MPI_Aint displs[], MPI_Datatype recvtype, MPI_Comm comm,
                                  MPI_Request* request) {
  validate::Iallgatherv_cObjects o;
  Status s = validate::Iallgatherv_c(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                     recvtype, comm, request, &o);
  if (s.ok())
    s = allgatherv_core("MPI_Iallgatherv_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcounts,
                        displs, o.recvtype, o.comm, request);
  return finish("MPI_Iallgatherv_c", o.comm, s);
}

extern "C" int PMPI_Alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                             void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm) {
  validate::AlltoallObjects o;
  Status s =
      validate::Alltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &o);
  if (s.ok())
    s = alltoall_core("MPI_Alltoall", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                      o.recvtype, o.comm, nullptr);
  return finish("MPI_Alltoall", o.comm, s);
}

extern "C" int PMPI_Alltoall_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                               MPI_Comm comm) {
  validate::Alltoall_cObjects o;
  Status s =
      validate::Alltoall_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &o);
  if (s.ok())
    s = alltoall_core("MPI_Alltoall_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                      o.recvtype, o.comm, nullptr);
  return finish("MPI_Alltoall_c", o.comm, s);
}

extern "C" int PMPI_Ialltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                              void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                              MPI_Request* request) {
  validate::IalltoallObjects o;
  Status s = validate::Ialltoall(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                 request, &o);
  if (s.ok())
    s = alltoall_core("MPI_Ialltoall", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                      o.recvtype, o.comm, request);
  return finish("MPI_Ialltoall", o.comm, s);
}

extern "C" int PMPI_Ialltoall_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                MPI_Comm comm, MPI_Request* request) {
  validate::Ialltoall_cObjects o;
  Status s = validate::Ialltoall_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm,
                                   request, &o);
  if (s.ok())
    s = alltoall_core("MPI_Ialltoall_c", sendbuf, sendcount, o.sendtype, recvbuf, recvcount,
                      o.recvtype, o.comm, request);
  return finish("MPI_Ialltoall_c", o.comm, s);
}

extern "C" int PMPI_Alltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[],
                              MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                              const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm) {
  validate::AlltoallvObjects o;
  Status s = validate::Alltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                 rdispls, recvtype, comm, &o);
  if (s.ok())
    s = alltoallv_core("MPI_Alltoallv", sendbuf, sendcounts, sdispls, o.sendtype, recvbuf,
                       recvcounts, rdispls, o.recvtype, o.comm, nullptr);
  return finish("MPI_Alltoallv", o.comm, s);
}

extern "C" int PMPI_Alltoallv_c(const void* sendbuf, const MPI_Count sendcounts[],
                                const MPI_Aint sdispls[], MPI_Datatype sendtype, void* recvbuf,
                                const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                                MPI_Datatype recvtype, MPI_Comm comm) {
  validate::Alltoallv_cObjects o;
  Status s = validate::Alltoallv_c(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                   rdispls, recvtype, comm, &o);
  if (s.ok())
    s = alltoallv_core("MPI_Alltoallv_c", sendbuf, sendcounts, sdispls, o.sendtype, recvbuf,
                       recvcounts, rdispls, o.recvtype, o.comm, nullptr);
  return finish("MPI_Alltoallv_c", o.comm, s);
}

extern "C" int PMPI_Ialltoallv(const void* sendbuf, const int sendcounts[], const int sdispls[],
                               MPI_Datatype sendtype, void* recvbuf, const int recvcounts[],
                               const int rdispls[], MPI_Datatype recvtype, MPI_Comm comm,
                               MPI_Request* request) {
  validate::IalltoallvObjects o;
  Status s = validate::Ialltoallv(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                  rdispls, recvtype, comm, request, &o);
  if (s.ok())
    s = alltoallv_core("MPI_Ialltoallv", sendbuf, sendcounts, sdispls, o.sendtype, recvbuf,
                       recvcounts, rdispls, o.recvtype, o.comm, request);
  return finish("MPI_Ialltoallv", o.comm, s);
}

extern "C" int PMPI_Ialltoallv_c(const void* sendbuf, const MPI_Count sendcounts[],
                                 const MPI_Aint sdispls[], MPI_Datatype sendtype, void* recvbuf,
                                 const MPI_Count recvcounts[], const MPI_Aint rdispls[],
                                 MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request) {
  validate::Ialltoallv_cObjects o;
  Status s = validate::Ialltoallv_c(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                    rdispls, recvtype, comm, request, &o);
  if (s.ok())
    s = alltoallv_core("MPI_Ialltoallv_c", sendbuf, sendcounts, sdispls, o.sendtype, recvbuf,
                       recvcounts, rdispls, o.recvtype, o.comm, request);
  return finish("MPI_Ialltoallv_c", o.comm, s);
}

// ---- reductions ----------------------------------------------------------------------------

extern "C" int PMPI_Reduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                           MPI_Op op, int root, MPI_Comm comm) {
  validate::ReduceObjects o;
  Status s = validate::Reduce(sendbuf, recvbuf, count, datatype, op, root, comm, &o);
  if (s.ok())
    s = reduce_core("MPI_Reduce", sendbuf, recvbuf, count, o.datatype, o.op, root, o.comm, nullptr);
  return finish("MPI_Reduce", o.comm, s);
}

extern "C" int PMPI_Reduce_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                             MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm) {
  validate::Reduce_cObjects o;
  Status s = validate::Reduce_c(sendbuf, recvbuf, count, datatype, op, root, comm, &o);
  if (s.ok())
    s = reduce_core("MPI_Reduce_c", sendbuf, recvbuf, count, o.datatype, o.op, root, o.comm,
                    nullptr);
  return finish("MPI_Reduce_c", o.comm, s);
}

extern "C" int PMPI_Ireduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                            MPI_Op op, int root, MPI_Comm comm, MPI_Request* request) {
  validate::IreduceObjects o;
  Status s = validate::Ireduce(sendbuf, recvbuf, count, datatype, op, root, comm, request, &o);
  if (s.ok())
    s = reduce_core("MPI_Ireduce", sendbuf, recvbuf, count, o.datatype, o.op, root, o.comm,
                    request);
  return finish("MPI_Ireduce", o.comm, s);
}

extern "C" int PMPI_Ireduce_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                              MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm,
                              MPI_Request* request) {
  validate::Ireduce_cObjects o;
  Status s = validate::Ireduce_c(sendbuf, recvbuf, count, datatype, op, root, comm, request, &o);
  if (s.ok())
    s = reduce_core("MPI_Ireduce_c", sendbuf, recvbuf, count, o.datatype, o.op, root, o.comm,
                    request);
  return finish("MPI_Ireduce_c", o.comm, s);
}

extern "C" int PMPI_Allreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                              MPI_Op op, MPI_Comm comm) {
  validate::AllreduceObjects o;
  Status s = validate::Allreduce(sendbuf, recvbuf, count, datatype, op, comm, &o);
  if (s.ok())
    s = allreduce_core("MPI_Allreduce", sendbuf, recvbuf, count, o.datatype, o.op, o.comm, nullptr);
  return finish("MPI_Allreduce", o.comm, s);
}

extern "C" int PMPI_Allreduce_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                                MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  validate::Allreduce_cObjects o;
  Status s = validate::Allreduce_c(sendbuf, recvbuf, count, datatype, op, comm, &o);
  if (s.ok())
    s = allreduce_core("MPI_Allreduce_c", sendbuf, recvbuf, count, o.datatype, o.op, o.comm,
                       nullptr);
  return finish("MPI_Allreduce_c", o.comm, s);
}

extern "C" int PMPI_Iallreduce(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                               MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  validate::IallreduceObjects o;
  Status s = validate::Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, request, &o);
  if (s.ok())
    s = allreduce_core("MPI_Iallreduce", sendbuf, recvbuf, count, o.datatype, o.op, o.comm,
                       request);
  return finish("MPI_Iallreduce", o.comm, s);
}

extern "C" int PMPI_Iallreduce_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                                 MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                 MPI_Request* request) {
  validate::Iallreduce_cObjects o;
  Status s = validate::Iallreduce_c(sendbuf, recvbuf, count, datatype, op, comm, request, &o);
  if (s.ok())
    s = allreduce_core("MPI_Iallreduce_c", sendbuf, recvbuf, count, o.datatype, o.op, o.comm,
                       request);
  return finish("MPI_Iallreduce_c", o.comm, s);
}

extern "C" int PMPI_Reduce_scatter(const void* sendbuf, void* recvbuf, const int recvcounts[],
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  validate::Reduce_scatterObjects o;
  Status s = validate::Reduce_scatter(sendbuf, recvbuf, recvcounts, datatype, op, comm, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Reduce_scatter", sendbuf, recvbuf, recvcounts, 0, o.datatype, o.op,
                            o.comm, nullptr);
  return finish("MPI_Reduce_scatter", o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_c(const void* sendbuf, void* recvbuf,
                                     const MPI_Count recvcounts[], MPI_Datatype datatype, MPI_Op op,
                                     MPI_Comm comm) {
  validate::Reduce_scatter_cObjects o;
  Status s = validate::Reduce_scatter_c(sendbuf, recvbuf, recvcounts, datatype, op, comm, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Reduce_scatter_c", sendbuf, recvbuf, recvcounts, MPI_Count{0},
                            o.datatype, o.op, o.comm, nullptr);
  return finish("MPI_Reduce_scatter_c", o.comm, s);
}

extern "C" int PMPI_Ireduce_scatter(const void* sendbuf, void* recvbuf, const int recvcounts[],
                                    MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                    MPI_Request* request) {
  validate::Ireduce_scatterObjects o;
  Status s =
      validate::Ireduce_scatter(sendbuf, recvbuf, recvcounts, datatype, op, comm, request, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Ireduce_scatter", sendbuf, recvbuf, recvcounts, 0, o.datatype,
                            o.op, o.comm, request);
  return finish("MPI_Ireduce_scatter", o.comm, s);
}

extern "C" int PMPI_Ireduce_scatter_c(const void* sendbuf, void* recvbuf,
                                      const MPI_Count recvcounts[], MPI_Datatype datatype,
                                      MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  validate::Ireduce_scatter_cObjects o;
  Status s =
      validate::Ireduce_scatter_c(sendbuf, recvbuf, recvcounts, datatype, op, comm, request, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Ireduce_scatter_c", sendbuf, recvbuf, recvcounts, MPI_Count{0},
                            o.datatype, o.op, o.comm, request);
  return finish("MPI_Ireduce_scatter_c", o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_block(const void* sendbuf, void* recvbuf, int recvcount,
                                         MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  validate::Reduce_scatter_blockObjects o;
  Status s = validate::Reduce_scatter_block(sendbuf, recvbuf, recvcount, datatype, op, comm, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Reduce_scatter_block", sendbuf, recvbuf, coll::PerRank(),
                            recvcount, o.datatype, o.op, o.comm, nullptr);
  return finish("MPI_Reduce_scatter_block", o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_block_c(const void* sendbuf, void* recvbuf, MPI_Count recvcount,
                                           MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  validate::Reduce_scatter_block_cObjects o;
  Status s = validate::Reduce_scatter_block_c(sendbuf, recvbuf, recvcount, datatype, op, comm, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Reduce_scatter_block_c", sendbuf, recvbuf, coll::PerRank(),
                            recvcount, o.datatype, o.op, o.comm, nullptr);
  return finish("MPI_Reduce_scatter_block_c", o.comm, s);
}

extern "C" int PMPI_Ireduce_scatter_block(const void* sendbuf, void* recvbuf, int recvcount,
                                          MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                          MPI_Request* request) {
  validate::Ireduce_scatter_blockObjects o;
  Status s =
      validate::Ireduce_scatter_block(sendbuf, recvbuf, recvcount, datatype, op, comm, request, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Ireduce_scatter_block", sendbuf, recvbuf, coll::PerRank(),
                            recvcount, o.datatype, o.op, o.comm, request);
  return finish("MPI_Ireduce_scatter_block", o.comm, s);
}

extern "C" int PMPI_Ireduce_scatter_block_c(const void* sendbuf, void* recvbuf, MPI_Count recvcount,
                                            MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                            MPI_Request* request) {
  validate::Ireduce_scatter_block_cObjects o;
  Status s = validate::Ireduce_scatter_block_c(sendbuf, recvbuf, recvcount, datatype, op, comm,
                                               request, &o);
  if (s.ok())
    s = reduce_scatter_core("MPI_Ireduce_scatter_block_c", sendbuf, recvbuf, coll::PerRank(),
                            recvcount, o.datatype, o.op, o.comm, request);
  return finish("MPI_Ireduce_scatter_block_c", o.comm, s);
}

extern "C" int PMPI_Scan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                         MPI_Op op, MPI_Comm comm) {
  validate::ScanObjects o;
  Status s = validate::Scan(sendbuf, recvbuf, count, datatype, op, comm, &o);
  if (s.ok())
    s = scan_core("MPI_Scan", sendbuf, recvbuf, count, o.datatype, o.op, false, o.comm, nullptr);
  return finish("MPI_Scan", o.comm, s);
}

extern "C" int PMPI_Scan_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                           MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  validate::Scan_cObjects o;
  Status s = validate::Scan_c(sendbuf, recvbuf, count, datatype, op, comm, &o);
  if (s.ok())
    s = scan_core("MPI_Scan_c", sendbuf, recvbuf, count, o.datatype, o.op, false, o.comm, nullptr);
  return finish("MPI_Scan_c", o.comm, s);
}

extern "C" int PMPI_Iscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                          MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  validate::IscanObjects o;
  Status s = validate::Iscan(sendbuf, recvbuf, count, datatype, op, comm, request, &o);
  if (s.ok())
    s = scan_core("MPI_Iscan", sendbuf, recvbuf, count, o.datatype, o.op, false, o.comm, request);
  return finish("MPI_Iscan", o.comm, s);
}

extern "C" int PMPI_Iscan_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                            MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  validate::Iscan_cObjects o;
  Status s = validate::Iscan_c(sendbuf, recvbuf, count, datatype, op, comm, request, &o);
  if (s.ok())
    s = scan_core("MPI_Iscan_c", sendbuf, recvbuf, count, o.datatype, o.op, false, o.comm, request);
  return finish("MPI_Iscan_c", o.comm, s);
}

extern "C" int PMPI_Exscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                           MPI_Op op, MPI_Comm comm) {
  validate::ExscanObjects o;
  Status s = validate::Exscan(sendbuf, recvbuf, count, datatype, op, comm, &o);
  if (s.ok())
    s = scan_core("MPI_Exscan", sendbuf, recvbuf, count, o.datatype, o.op, true, o.comm, nullptr);
  return finish("MPI_Exscan", o.comm, s);
}

extern "C" int PMPI_Exscan_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                             MPI_Datatype datatype, MPI_Op op, MPI_Comm comm) {
  validate::Exscan_cObjects o;
  Status s = validate::Exscan_c(sendbuf, recvbuf, count, datatype, op, comm, &o);
  if (s.ok())
    s = scan_core("MPI_Exscan_c", sendbuf, recvbuf, count, o.datatype, o.op, true, o.comm, nullptr);
  return finish("MPI_Exscan_c", o.comm, s);
}

extern "C" int PMPI_Iexscan(const void* sendbuf, void* recvbuf, int count, MPI_Datatype datatype,
                            MPI_Op op, MPI_Comm comm, MPI_Request* request) {
  validate::IexscanObjects o;
  Status s = validate::Iexscan(sendbuf, recvbuf, count, datatype, op, comm, request, &o);
  if (s.ok())
    s = scan_core("MPI_Iexscan", sendbuf, recvbuf, count, o.datatype, o.op, true, o.comm, request);
  return finish("MPI_Iexscan", o.comm, s);
}

extern "C" int PMPI_Iexscan_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                              MPI_Request* request) {
  validate::Iexscan_cObjects o;
  Status s = validate::Iexscan_c(sendbuf, recvbuf, count, datatype, op, comm, request, &o);
  if (s.ok())
    s = scan_core("MPI_Iexscan_c", sendbuf, recvbuf, count, o.datatype, o.op, true, o.comm,
                  request);
  return finish("MPI_Iexscan_c", o.comm, s);
}

extern "C" int PMPI_Reduce_local(const void* inbuf, void* inoutbuf, int count,
                                 MPI_Datatype datatype, MPI_Op op) {
  validate::Reduce_localObjects o;
  Status s = validate::Reduce_local(inbuf, inoutbuf, count, datatype, op, &o);
  coll::OpView view;
  if (s.ok()) s = check_reduction("MPI_Reduce_local", o.op, o.datatype, &view);
  // User functions run without the engine lock here: no communication is involved.
  if (s.ok()) {
    s = coll::reduce_local("MPI_Reduce_local", inbuf, inoutbuf, static_cast<size_t>(count),
                           o.datatype, view);
  }
  return finish("MPI_Reduce_local", nullptr, s);
}
