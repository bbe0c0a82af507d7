// Persistent collectives (MPI_<Coll>_init, MPI-4.0). The init call validates its arguments
// once (the generated validation, then the same checks as the blocking and nonblocking
// forms, api/coll_rounds.h) and returns an inactive persistent request that remembers a
// round: the shared round function of the collective, with the arguments bound. Each
// MPI_Start / MPI_Startall runs one round. The request takes a collective sequence number
// (the tag of its messages) at init, where the standard orders the calls alike on every
// member; members may then start different persistent requests in different orders. Its
// first round selects the algorithm (coll/select.h) and the later ones reuse it. The request
// completes with its round and becomes inactive again at MPI_Wait / MPI_Test; an inactive
// one completes at once with an empty status (api/request_api.cc).
//
// Each MPI_<Coll>_init and its large-count twin MPI_<Coll>_init_c share one body (<coll>_init
// below), which takes the counts as size_t and the per-rank arrays as coll::PerRank (int or
// 64-bit). The request keeps the datatypes and op (the user may free them before the
// request) and 64-bit copies of the per-rank arrays; the buffers are the user's, read at each
// MPI_Start and written by each completion. The info argument carries no hint weft uses.
//
// On an intercommunicator every collective but MPI_Scan_init and MPI_Exscan_init (refused
// with MPI_ERR_COMM, as their blocking forms are) runs its intercommunicator algorithm: the
// roots are MPI_ROOT, MPI_PROC_NULL or a remote rank, the per-rank arrays have one entry per
// remote process (MPI_Reduce_scatter_init's: per local process), MPI_IN_PLACE is refused,
// and the sequence number is taken alike by both groups, whose init calls are ordered too.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api/api_checks.h"
#include "api/coll_rounds.h"
#include "api/persistent.h"
#include "base/status_util.h"
#include "coll/alltoallw.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/op.h"
#include "mpi/state.h"
#include "p2p/engine.h"
#include "p2p/request.h"

using weft::Comm;
using weft::Datatype;
using weft::EngineGuard;
using weft::Request;
using weft::Status;
using weft::api::finish;
namespace coll = weft::coll;
namespace rounds = weft::api::rounds;
namespace validate = weft::api::validate;

namespace weft::api {

// Makes the inactive persistent request for `round` on `c`.
void make_persistent(Comm* c, std::shared_ptr<Kept> kept, PersistentRound round,
                     MPI_Request* out) {
  // The request's collective sequence number, taken now: init calls are ordered alike on
  // every member, starts need not be (api/coll_rounds.h).
  auto state = std::make_shared<coll::PersistentState>();
  state->sequence = (*c->coll_view().sequence)++;
  auto* request = new Request(RequestKind::kGeneric);
  request->persistent = true;
  request->bind(c, nullptr);
  status_set_empty(&request->status);
  request->start_round = [kept = std::move(kept), round = std::move(round),
                          state = std::move(state)](Request& self) {
    Request* inner = nullptr;
    WEFT_TRY(round(&inner, state.get()));
    // The persistent request completes with the round's own request, which it then drops.
    self.error = MPI_SUCCESS;
    status_set_empty(&self.status);
    self.progress = [&self, inner] {
      if (!inner->is_complete()) return false;
      self.error = inner->error;
      self.status.MPI_ERROR = inner->error;
      inner->release();
      return true;
    };
    p2p::engine().add_generic(&self);
    return Status();
  };
  *out = request->handle();
}

}  // namespace weft::api

using weft::api::make_persistent;

namespace {

using weft::api::Kept;
using State = coll::PersistentState;
using Round = weft::api::PersistentRound;

// Whether this process is the root of a rooted collective: its rank on an
// intracommunicator, MPI_ROOT on an intercommunicator.
bool root_here(const Comm* c, int root) {
  return c->is_inter() ? root == MPI_ROOT : c->rank() == root;
}

// Validation done: builds the request under the engine lock (objects retained there).
template <typename Build>
Status persistent(const char*, Comm* c, MPI_Request* request, Build build) {
  auto kept = std::make_shared<Kept>();
  EngineGuard guard;
  Round round = build(*kept);
  make_persistent(c, std::move(kept), std::move(round), request);
  return Status();
}

// ---- the bodies each MPI_<Coll>_init shares with its _c twin (validation done) ------------

Status bcast_init(const char* call, void* buffer, size_t count, Datatype* type, int root,
                  Comm* c, MPI_Request* request) {
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(type);
    return [=](Request** made, State* state) {
      return rounds::bcast(call, buffer, count, type, root, c, made, state);
    };
  });
}

Status gather_init(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                   void* recvbuf, size_t recvcount, Datatype* rtype, int root, Comm* c,
                   MPI_Request* request) {
  WEFT_TRY(rounds::check_gather(call, sendbuf, recvbuf, root, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    return [=](Request** made, State* state) {
      return rounds::gather(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, root, c,
                            made, state);
    };
  });
}

Status gatherv_init(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                    void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs,
                    Datatype* rtype, int root, Comm* c, MPI_Request* request) {
  WEFT_TRY(rounds::check_gather(call, sendbuf, recvbuf, root, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    const bool at_root = root_here(c, root);
    const int p = c->peer_size();
    const coll::PerRank counts = at_root ? kept.copy(recvcounts, p) : coll::PerRank();
    const coll::PerRank offsets = at_root ? kept.copy(displs, p) : coll::PerRank();
    return [=](Request** made, State* state) {
      return rounds::gatherv(call, sendbuf, sendcount, stype, recvbuf, counts, offsets, rtype,
                             root, c, made, state);
    };
  });
}

Status scatter_init(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                    void* recvbuf, size_t recvcount, Datatype* rtype, int root, Comm* c,
                    MPI_Request* request) {
  WEFT_TRY(rounds::check_scatter(call, recvbuf, root, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    return [=](Request** made, State* state) {
      return rounds::scatter(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, root, c,
                             made, state);
    };
  });
}

Status scatterv_init(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                     coll::PerRank displs, Datatype* stype, void* recvbuf, size_t recvcount,
                     Datatype* rtype, int root, Comm* c, MPI_Request* request) {
  WEFT_TRY(rounds::check_scatter(call, recvbuf, root, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    const bool at_root = root_here(c, root);
    const int p = c->peer_size();
    const coll::PerRank counts = at_root ? kept.copy(sendcounts, p) : coll::PerRank();
    const coll::PerRank offsets = at_root ? kept.copy(displs, p) : coll::PerRank();
    return [=](Request** made, State* state) {
      return rounds::scatterv(call, sendbuf, counts, offsets, stype, recvbuf, recvcount, rtype,
                              root, c, made, state);
    };
  });
}

Status allgather_init(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                      void* recvbuf, size_t recvcount, Datatype* rtype, Comm* c,
                      MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    return [=](Request** made, State* state) {
      return rounds::allgather(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, c,
                               made, state);
    };
  });
}

Status allgatherv_init(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                       void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs,
                       Datatype* rtype, Comm* c, MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    const int p = c->peer_size();
    const coll::PerRank counts = kept.copy(recvcounts, p);
    const coll::PerRank offsets = kept.copy(displs, p);
    return [=](Request** made, State* state) {
      return rounds::allgatherv(call, sendbuf, sendcount, stype, recvbuf, counts, offsets, rtype,
                                c, made, state);
    };
  });
}

Status alltoall_init(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                     void* recvbuf, size_t recvcount, Datatype* rtype, Comm* c,
                     MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    return [=](Request** made, State* state) {
      return rounds::alltoall(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, c, made,
                              state);
    };
  });
}

Status alltoallv_init(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                      coll::PerRank sdispls, Datatype* stype, void* recvbuf,
                      coll::PerRank recvcounts, coll::PerRank rdispls, Datatype* rtype, Comm* c,
                      MPI_Request* request) {
  WEFT_TRY(rounds::check_allgather(call, sendbuf, c));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(stype);
    kept.keep(rtype);
    const int p = c->peer_size();
    const bool in_place = sendbuf == MPI_IN_PLACE;
    const coll::PerRank scounts = in_place ? coll::PerRank() : kept.copy(sendcounts, p);
    const coll::PerRank soffsets = in_place ? coll::PerRank() : kept.copy(sdispls, p);
    const coll::PerRank rcounts = kept.copy(recvcounts, p);
    const coll::PerRank roffsets = kept.copy(rdispls, p);
    return [=](Request** made, State* state) {
      return rounds::alltoallv(call, sendbuf, scounts, soffsets, stype, recvbuf, rcounts,
                               roffsets, rtype, c, made, state);
    };
  });
}

// No generated validation covers arrays of datatypes: check_alltoallw checks everything.
int alltoallw_init(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                   coll::PerRank sdispls, const MPI_Datatype sendtypes[], void* recvbuf,
                   coll::PerRank recvcounts, coll::PerRank rdispls,
                   const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                   MPI_Request* request) {
  Comm* c = nullptr;
  coll::AlltoallwArgs args;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) {
    s = rounds::check_alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                                recvcounts, rdispls, recvtypes, c, &args);
  }
  if (s.ok()) s = weft::api::kinds::info_or_null(call, "info", info);
  if (s.ok() && request == nullptr) {
    s = weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
  }
  if (s.ok()) {
    s = persistent(call, c, request, [&](Kept& kept) -> Round {
      const int p = c->peer_size();
      for (Datatype* type : args.sendtypes) kept.keep(type);
      for (Datatype* type : args.recvtypes) kept.keep(type);
      if (!args.in_place) {
        args.sendcounts = kept.copy(sendcounts, p);
        args.sdispls = kept.copy(sdispls, p);
      }
      args.recvcounts = kept.copy(recvcounts, p);
      args.rdispls = kept.copy(rdispls, p);
      return [call, c, args](Request** made, State* state) {
        return rounds::alltoallw(call, args, c, made, state);
      };
    });
  }
  return finish(call, c, s);
}

Status reduce_init(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                   Datatype* type, weft::Op* op, int root, Comm* c, MPI_Request* request) {
  coll::OpView view;
  WEFT_TRY(rounds::check_reduce(call, sendbuf, recvbuf, count, type, op, root, c, &view));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(type);
    kept.keep(op);
    return [=](Request** made, State* state) {
      return rounds::reduce(call, sendbuf, recvbuf, count, type, view, root, c, made, state);
    };
  });
}

Status allreduce_init(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                      Datatype* type, weft::Op* op, Comm* c, MPI_Request* request) {
  coll::OpView view;
  WEFT_TRY(rounds::check_allreduce(call, sendbuf, recvbuf, count, type, op, c, &view));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(type);
    kept.keep(op);
    return [=](Request** made, State* state) {
      return rounds::allreduce(call, sendbuf, recvbuf, count, type, view, c, made, state);
    };
  });
}

// `recvcounts` given: MPI_Reduce_scatter_init; empty: MPI_Reduce_scatter_block_init with
// `recvcount` for every rank.
Status reduce_scatter_init(const char* call, const void* sendbuf, void* recvbuf,
                           coll::PerRank recvcounts, size_t recvcount, Datatype* type,
                           weft::Op* op, Comm* c, MPI_Request* request) {
  coll::OpView view;
  WEFT_TRY(rounds::check_reduce_scatter(call, sendbuf, recvbuf, recvcounts, recvcount, type, op,
                                        c, &view));
  const bool block = recvcounts.empty();
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(type);
    kept.keep(op);
    const auto one = static_cast<int64_t>(recvcount);
    const coll::PerRank counts =
        block ? kept.copy(coll::PerRank(&one), 1) : kept.copy(recvcounts, c->size());
    return [=](Request** made, State* state) {
      return rounds::reduce_scatter(call, sendbuf, recvbuf, counts, block, type, view, c, made,
                                    state);
    };
  });
}

Status scan_init(const char* call, bool exclusive, const void* sendbuf, void* recvbuf,
                 size_t count, Datatype* type, weft::Op* op, Comm* c, MPI_Request* request) {
  coll::OpView view;
  WEFT_TRY(rounds::check_scan(call, sendbuf, recvbuf, count, type, op, c, &view));
  return persistent(call, c, request, [&](Kept& kept) -> Round {
    kept.keep(type);
    kept.keep(op);
    return [=](Request** made, State* state) {
      return rounds::scan(call, sendbuf, recvbuf, count, type, view, exclusive, c, made, state);
    };
  });
}

}  // namespace

using rounds::elements;

// ---- the entry points: generated validation, then the shared body ------------------------

extern "C" int PMPI_Barrier_init(MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Barrier_init";
  validate::Barrier_initObjects o;
  Status s = validate::Barrier_init(comm, info, request, &o);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept&) -> Round {
      return [call, c = o.comm](Request** made, State* state) {
        return rounds::barrier(call, c, made, state);
      };
    });
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Bcast_init(void* buffer, int count, MPI_Datatype datatype, int root,
                               MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Bcast_init";
  validate::Bcast_initObjects o;
  Status s = validate::Bcast_init(buffer, count, datatype, root, comm, info, request, &o);
  if (s.ok()) s = bcast_init(call, buffer, elements(count), o.datatype, root, o.comm, request);
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Bcast_init_c(void* buffer, MPI_Count count, MPI_Datatype datatype, int root,
                                 MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Bcast_init_c";
  validate::Bcast_init_cObjects o;
  Status s = validate::Bcast_init_c(buffer, count, datatype, root, comm, info, request, &o);
  if (s.ok()) s = bcast_init(call, buffer, elements(count), o.datatype, root, o.comm, request);
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Gather_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                                MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Gather_init";
  validate::Gather_initObjects o;
  Status s = validate::Gather_init(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                   root, comm, info, request, &o);
  if (s.ok()) {
    s = gather_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf, elements(recvcount),
                    o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Gather_init_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                  void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                  int root, MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Gather_init_c";
  validate::Gather_init_cObjects o;
  Status s = validate::Gather_init_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                     root, comm, info, request, &o);
  if (s.ok()) {
    s = gather_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf, elements(recvcount),
                    o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Gatherv_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                 void* recvbuf, const int recvcounts[], const int displs[],
                                 MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                                 MPI_Request* request) {
  const char* call = "MPI_Gatherv_init";
  validate::Gatherv_initObjects o;
  Status s = validate::Gatherv_init(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                    recvtype, root, comm, info, request, &o);
  if (s.ok()) {
    s = gatherv_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf, recvcounts, displs,
                     o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Gatherv_init_c(const void* sendbuf, MPI_Count sendcount,
                                   MPI_Datatype sendtype, void* recvbuf,
                                   const MPI_Count recvcounts[], const MPI_Aint displs[],
                                   MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  const char* call = "MPI_Gatherv_init_c";
  validate::Gatherv_init_cObjects o;
  Status s = validate::Gatherv_init_c(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                      recvtype, root, comm, info, request, &o);
  if (s.ok()) {
    s = gatherv_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf, recvcounts, displs,
                     o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Scatter_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                 void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                                 MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Scatter_init";
  validate::Scatter_initObjects o;
  Status s = validate::Scatter_init(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                    root, comm, info, request, &o);
  if (s.ok()) {
    s = scatter_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf,
                     elements(recvcount), o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Scatter_init_c(const void* sendbuf, MPI_Count sendcount,
                                   MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                   MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  const char* call = "MPI_Scatter_init_c";
  validate::Scatter_init_cObjects o;
  Status s = validate::Scatter_init_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                      root, comm, info, request, &o);
  if (s.ok()) {
    s = scatter_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf,
                     elements(recvcount), o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Scatterv_init(const void* sendbuf, const int sendcounts[], const int displs[],
                                  MPI_Datatype sendtype, void* recvbuf, int recvcount,
                                  MPI_Datatype recvtype, int root, MPI_Comm comm, MPI_Info info,
                                  MPI_Request* request) {
  const char* call = "MPI_Scatterv_init";
  validate::Scatterv_initObjects o;
  Status s = validate::Scatterv_init(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                     recvtype, root, comm, info, request, &o);
  if (s.ok()) {
    s = scatterv_init(call, sendbuf, sendcounts, displs, o.sendtype, recvbuf,
                      elements(recvcount), o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Scatterv_init_c(const void* sendbuf, const MPI_Count sendcounts[],
                                    const MPI_Aint displs[], MPI_Datatype sendtype,
                                    void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
                                    int root, MPI_Comm comm, MPI_Info info,
                                    MPI_Request* request) {
  const char* call = "MPI_Scatterv_init_c";
  validate::Scatterv_init_cObjects o;
  Status s = validate::Scatterv_init_c(sendbuf, sendcounts, displs, sendtype, recvbuf, recvcount,
                                       recvtype, root, comm, info, request, &o);
  if (s.ok()) {
    s = scatterv_init(call, sendbuf, sendcounts, displs, o.sendtype, recvbuf,
                      elements(recvcount), o.recvtype, root, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allgather_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                   void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                   MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Allgather_init";
  validate::Allgather_initObjects o;
  Status s = validate::Allgather_init(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                      comm, info, request, &o);
  if (s.ok()) {
    s = allgather_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf,
                       elements(recvcount), o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allgather_init_c(const void* sendbuf, MPI_Count sendcount,
                                     MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                     MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                     MPI_Request* request) {
  const char* call = "MPI_Allgather_init_c";
  validate::Allgather_init_cObjects o;
  Status s = validate::Allgather_init_c(sendbuf, sendcount, sendtype, recvbuf, recvcount,
                                        recvtype, comm, info, request, &o);
  if (s.ok()) {
    s = allgather_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf,
                       elements(recvcount), o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allgatherv_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                    void* recvbuf, const int recvcounts[], const int displs[],
                                    MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                    MPI_Request* request) {
  const char* call = "MPI_Allgatherv_init";
  validate::Allgatherv_initObjects o;
  Status s = validate::Allgatherv_init(sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs,
                                       recvtype, comm, info, request, &o);
  if (s.ok()) {
    s = allgatherv_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf, recvcounts,
                        displs, o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allgatherv_init_c(const void* sendbuf, MPI_Count sendcount,
                                      MPI_Datatype sendtype, void* recvbuf,
                                      const MPI_Count recvcounts[], const MPI_Aint displs[],
                                      MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                      MPI_Request* request) {
  const char* call = "MPI_Allgatherv_init_c";
  validate::Allgatherv_init_cObjects o;
  Status s = validate::Allgatherv_init_c(sendbuf, sendcount, sendtype, recvbuf, recvcounts,
                                         displs, recvtype, comm, info, request, &o);
  if (s.ok()) {
    s = allgatherv_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf, recvcounts,
                        displs, o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Alltoall_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                  void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                  MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Alltoall_init";
  validate::Alltoall_initObjects o;
  Status s = validate::Alltoall_init(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                     comm, info, request, &o);
  if (s.ok()) {
    s = alltoall_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf,
                      elements(recvcount), o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Alltoall_init_c(const void* sendbuf, MPI_Count sendcount,
                                    MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                    MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                    MPI_Request* request) {
  const char* call = "MPI_Alltoall_init_c";
  validate::Alltoall_init_cObjects o;
  Status s = validate::Alltoall_init_c(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                       comm, info, request, &o);
  if (s.ok()) {
    s = alltoall_init(call, sendbuf, elements(sendcount), o.sendtype, recvbuf,
                      elements(recvcount), o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Alltoallv_init(const void* sendbuf, const int sendcounts[],
                                   const int sdispls[], MPI_Datatype sendtype, void* recvbuf,
                                   const int recvcounts[], const int rdispls[],
                                   MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  const char* call = "MPI_Alltoallv_init";
  validate::Alltoallv_initObjects o;
  Status s = validate::Alltoallv_init(sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts,
                                      rdispls, recvtype, comm, info, request, &o);
  if (s.ok()) {
    s = alltoallv_init(call, sendbuf, sendcounts, sdispls, o.sendtype, recvbuf, recvcounts,
                       rdispls, o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Alltoallv_init_c(const void* sendbuf, const MPI_Count sendcounts[],
                                     const MPI_Aint sdispls[], MPI_Datatype sendtype,
                                     void* recvbuf, const MPI_Count recvcounts[],
                                     const MPI_Aint rdispls[], MPI_Datatype recvtype,
                                     MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Alltoallv_init_c";
  validate::Alltoallv_init_cObjects o;
  Status s = validate::Alltoallv_init_c(sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                                        recvcounts, rdispls, recvtype, comm, info, request, &o);
  if (s.ok()) {
    s = alltoallv_init(call, sendbuf, sendcounts, sdispls, o.sendtype, recvbuf, recvcounts,
                       rdispls, o.recvtype, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Alltoallw_init(const void* sendbuf, const int sendcounts[],
                                   const int sdispls[], const MPI_Datatype sendtypes[],
                                   void* recvbuf, const int recvcounts[], const int rdispls[],
                                   const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  return alltoallw_init("MPI_Alltoallw_init", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                        recvcounts, rdispls, recvtypes, comm, info, request);
}

extern "C" int PMPI_Alltoallw_init_c(const void* sendbuf, const MPI_Count sendcounts[],
                                     const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                     void* recvbuf, const MPI_Count recvcounts[],
                                     const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                     MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  return alltoallw_init("MPI_Alltoallw_init_c", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                        recvcounts, rdispls, recvtypes, comm, info, request);
}

extern "C" int PMPI_Reduce_init(const void* sendbuf, void* recvbuf, int count,
                                MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm,
                                MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_init";
  validate::Reduce_initObjects o;
  Status s = validate::Reduce_init(sendbuf, recvbuf, count, datatype, op, root, comm, info,
                                   request, &o);
  if (s.ok()) {
    s = reduce_init(call, sendbuf, recvbuf, elements(count), o.datatype, o.op, root, o.comm,
                    request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_init_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                                  MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm,
                                  MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_init_c";
  validate::Reduce_init_cObjects o;
  Status s = validate::Reduce_init_c(sendbuf, recvbuf, count, datatype, op, root, comm, info,
                                     request, &o);
  if (s.ok()) {
    s = reduce_init(call, sendbuf, recvbuf, elements(count), o.datatype, o.op, root, o.comm,
                    request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allreduce_init(const void* sendbuf, void* recvbuf, int count,
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  const char* call = "MPI_Allreduce_init";
  validate::Allreduce_initObjects o;
  Status s =
      validate::Allreduce_init(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) {
    s = allreduce_init(call, sendbuf, recvbuf, elements(count), o.datatype, o.op, o.comm,
                       request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allreduce_init_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                                     MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                     MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Allreduce_init_c";
  validate::Allreduce_init_cObjects o;
  Status s =
      validate::Allreduce_init_c(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) {
    s = allreduce_init(call, sendbuf, recvbuf, elements(count), o.datatype, o.op, o.comm,
                       request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_init(const void* sendbuf, void* recvbuf,
                                        const int recvcounts[], MPI_Datatype datatype, MPI_Op op,
                                        MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_scatter_init";
  validate::Reduce_scatter_initObjects o;
  Status s = validate::Reduce_scatter_init(sendbuf, recvbuf, recvcounts, datatype, op, comm, info,
                                           request, &o);
  if (s.ok()) {
    s = reduce_scatter_init(call, sendbuf, recvbuf, recvcounts, 0, o.datatype, o.op, o.comm,
                            request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_init_c(const void* sendbuf, void* recvbuf,
                                          const MPI_Count recvcounts[], MPI_Datatype datatype,
                                          MPI_Op op, MPI_Comm comm, MPI_Info info,
                                          MPI_Request* request) {
  const char* call = "MPI_Reduce_scatter_init_c";
  validate::Reduce_scatter_init_cObjects o;
  Status s = validate::Reduce_scatter_init_c(sendbuf, recvbuf, recvcounts, datatype, op, comm,
                                             info, request, &o);
  if (s.ok()) {
    s = reduce_scatter_init(call, sendbuf, recvbuf, recvcounts, 0, o.datatype, o.op, o.comm,
                            request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_block_init(const void* sendbuf, void* recvbuf, int recvcount,
                                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                              MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_scatter_block_init";
  validate::Reduce_scatter_block_initObjects o;
  Status s = validate::Reduce_scatter_block_init(sendbuf, recvbuf, recvcount, datatype, op, comm,
                                                 info, request, &o);
  if (s.ok()) {
    s = reduce_scatter_init(call, sendbuf, recvbuf, coll::PerRank(), elements(recvcount),
                            o.datatype, o.op, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_block_init_c(const void* sendbuf, void* recvbuf,
                                                MPI_Count recvcount, MPI_Datatype datatype,
                                                MPI_Op op, MPI_Comm comm, MPI_Info info,
                                                MPI_Request* request) {
  const char* call = "MPI_Reduce_scatter_block_init_c";
  validate::Reduce_scatter_block_init_cObjects o;
  Status s = validate::Reduce_scatter_block_init_c(sendbuf, recvbuf, recvcount, datatype, op,
                                                   comm, info, request, &o);
  if (s.ok()) {
    s = reduce_scatter_init(call, sendbuf, recvbuf, coll::PerRank(), elements(recvcount),
                            o.datatype, o.op, o.comm, request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Scan_init(const void* sendbuf, void* recvbuf, int count,
                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                              MPI_Request* request) {
  const char* call = "MPI_Scan_init";
  validate::Scan_initObjects o;
  Status s = validate::Scan_init(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) {
    s = scan_init(call, false, sendbuf, recvbuf, elements(count), o.datatype, o.op, o.comm,
                  request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Scan_init_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                                MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                MPI_Request* request) {
  const char* call = "MPI_Scan_init_c";
  validate::Scan_init_cObjects o;
  Status s =
      validate::Scan_init_c(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) {
    s = scan_init(call, false, sendbuf, recvbuf, elements(count), o.datatype, o.op, o.comm,
                  request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Exscan_init(const void* sendbuf, void* recvbuf, int count,
                                MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                MPI_Request* request) {
  const char* call = "MPI_Exscan_init";
  validate::Exscan_initObjects o;
  Status s = validate::Exscan_init(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) {
    s = scan_init(call, true, sendbuf, recvbuf, elements(count), o.datatype, o.op, o.comm,
                  request);
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Exscan_init_c(const void* sendbuf, void* recvbuf, MPI_Count count,
                                  MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                  MPI_Request* request) {
  const char* call = "MPI_Exscan_init_c";
  validate::Exscan_init_cObjects o;
  Status s =
      validate::Exscan_init_c(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) {
    s = scan_init(call, true, sendbuf, recvbuf, elements(count), o.datatype, o.op, o.comm,
                  request);
  }
  return finish(call, o.comm, s);
}
