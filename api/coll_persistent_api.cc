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
// The request keeps the datatypes and op (the user may free them before the request) and
// copies of the per-rank arrays; the buffers are the user's, read at each MPI_Start and
// written by each completion. The info argument carries no hint weft uses.
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

namespace {

// What a persistent collective keeps from its init call for every round.
class Kept {
 public:
  Kept() = default;
  Kept(const Kept&) = delete;
  Kept& operator=(const Kept&) = delete;
  ~Kept() {
    for (weft::Object* object : objects_) object->release();
  }
  // Retains a datatype or op (nullptr: not significant on this rank).
  void keep(weft::Object* object) {
    if (object == nullptr) return;
    object->retain();
    objects_.push_back(object);
  }
  // A copy of `n` ints, stable for the request's life; nullptr stays nullptr.
  const int* ints(const int* values, int n) {
    if (values == nullptr) return nullptr;
    arrays_.emplace_back(values, values + n);
    return arrays_.back().data();
  }

 private:
  std::vector<weft::Object*> objects_;
  std::deque<std::vector<int>> arrays_;
};

// One round of the collective, arguments bound, for the request's `persistent` state
// (engine lock held).
using State = coll::PersistentState;
using Round = std::function<Status(Request**, State* state)>;

// Whether this process is the root of a rooted collective: its rank on an
// intracommunicator, MPI_ROOT on an intercommunicator.
bool root_here(const Comm* c, int root) {
  return c->is_inter() ? root == MPI_ROOT : c->rank() == root;
}

// Makes the inactive persistent request for `round` on `c`.
void make_persistent(Comm* c, std::shared_ptr<Kept> kept, Round round, MPI_Request* out) {
  // The request's collective sequence number, taken now: init calls are ordered alike on
  // every member, starts need not be (api/coll_rounds.h).
  auto state = std::make_shared<coll::PersistentState>();
  state->sequence = (*c->coll_view().sequence)++;
  auto* request = new Request(weft::RequestKind::kGeneric);
  request->persistent = true;
  request->bind(c, nullptr);
  weft::status_set_empty(&request->status);
  request->start_round = [kept = std::move(kept), round = std::move(round),
                          state = std::move(state)](Request& self) {
    Request* inner = nullptr;
    WEFT_TRY(round(&inner, state.get()));
    // The persistent request completes with the round's own request, which it then drops.
    self.error = MPI_SUCCESS;
    weft::status_set_empty(&self.status);
    self.progress = [&self, inner] {
      if (!inner->is_complete()) return false;
      self.error = inner->error;
      self.status.MPI_ERROR = inner->error;
      inner->release();
      return true;
    };
    weft::p2p::engine().add_generic(&self);
    return Status();
  };
  *out = request->handle();
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

}  // namespace

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
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.datatype);
      return [=, c = o.comm, type = o.datatype](Request** made, State* state) {
        return rounds::bcast(call, buffer, count, type, root, c, made, state);
      };
    });
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Gather_init(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                void* recvbuf, int recvcount, MPI_Datatype recvtype, int root,
                                MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Gather_init";
  validate::Gather_initObjects o;
  Status s = validate::Gather_init(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype,
                                   root, comm, info, request, &o);
  if (s.ok()) s = rounds::check_gather(call, sendbuf, recvbuf, root, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::gather(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, root, c,
                              made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_gather(call, sendbuf, recvbuf, root, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      const bool at_root = root_here(o.comm, root);
      const int p = o.comm->peer_size();
      const int* counts = at_root ? kept.ints(recvcounts, p) : nullptr;
      const int* offsets = at_root ? kept.ints(displs, p) : nullptr;
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::gatherv(call, sendbuf, sendcount, stype, recvbuf, counts, offsets, rtype,
                               root, c, made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_scatter(call, recvbuf, root, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::scatter(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, root,
                               c, made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_scatter(call, recvbuf, root, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      const bool at_root = root_here(o.comm, root);
      const int p = o.comm->peer_size();
      const int* counts = at_root ? kept.ints(sendcounts, p) : nullptr;
      const int* offsets = at_root ? kept.ints(displs, p) : nullptr;
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::scatterv(call, sendbuf, counts, offsets, stype, recvbuf, recvcount, rtype,
                                root, c, made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_allgather(call, sendbuf, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::allgather(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, c,
                                 made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_allgather(call, sendbuf, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      const int p = o.comm->peer_size();
      const int* counts = kept.ints(recvcounts, p);
      const int* offsets = kept.ints(displs, p);
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::allgatherv(call, sendbuf, sendcount, stype, recvbuf, counts, offsets,
                                  rtype, c, made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_allgather(call, sendbuf, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::alltoall(call, sendbuf, sendcount, stype, recvbuf, recvcount, rtype, c,
                                made, state);
      };
    });
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
  if (s.ok()) s = rounds::check_allgather(call, sendbuf, o.comm);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.sendtype);
      kept.keep(o.recvtype);
      const int p = o.comm->peer_size();
      const bool in_place = sendbuf == MPI_IN_PLACE;
      const int* scounts = in_place ? nullptr : kept.ints(sendcounts, p);
      const int* soffsets = in_place ? nullptr : kept.ints(sdispls, p);
      const int* rcounts = kept.ints(recvcounts, p);
      const int* roffsets = kept.ints(rdispls, p);
      return [=, c = o.comm, stype = o.sendtype, rtype = o.recvtype](Request** made, State* state) {
        return rounds::alltoallv(call, sendbuf, scounts, soffsets, stype, recvbuf, rcounts,
                                 roffsets, rtype, c, made, state);
      };
    });
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Alltoallw_init(const void* sendbuf, const int sendcounts[],
                                   const int sdispls[], const MPI_Datatype sendtypes[],
                                   void* recvbuf, const int recvcounts[], const int rdispls[],
                                   const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  const char* call = "MPI_Alltoallw_init";
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
        args.sendcounts = kept.ints(sendcounts, p);
        args.sdispls = kept.ints(sdispls, p);
      }
      args.recvcounts = kept.ints(recvcounts, p);
      args.rdispls = kept.ints(rdispls, p);
      return [call, c, args](Request** made, State* state) {
        return rounds::alltoallw(call, args, c, made, state);
      };
    });
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Reduce_init(const void* sendbuf, void* recvbuf, int count,
                                MPI_Datatype datatype, MPI_Op op, int root, MPI_Comm comm,
                                MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_init";
  validate::Reduce_initObjects o;
  coll::OpView view;
  Status s = validate::Reduce_init(sendbuf, recvbuf, count, datatype, op, root, comm, info,
                                   request, &o);
  if (s.ok()) {
    s = rounds::check_reduce(call, sendbuf, recvbuf, count, o.datatype, o.op, root, o.comm, &view);
  }
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.datatype);
      kept.keep(o.op);
      return [=, c = o.comm, type = o.datatype](Request** made, State* state) {
        return rounds::reduce(call, sendbuf, recvbuf, count, type, view, root, c, made, state);
      };
    });
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Allreduce_init(const void* sendbuf, void* recvbuf, int count,
                                   MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                   MPI_Request* request) {
  const char* call = "MPI_Allreduce_init";
  validate::Allreduce_initObjects o;
  coll::OpView view;
  Status s =
      validate::Allreduce_init(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  if (s.ok()) s = rounds::check_allreduce(call, sendbuf, recvbuf, count, o.datatype, o.op, o.comm,
                                            &view);
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.datatype);
      kept.keep(o.op);
      return [=, c = o.comm, type = o.datatype](Request** made, State* state) {
        return rounds::allreduce(call, sendbuf, recvbuf, count, type, view, c, made, state);
      };
    });
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_init(const void* sendbuf, void* recvbuf,
                                        const int recvcounts[], MPI_Datatype datatype, MPI_Op op,
                                        MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_scatter_init";
  validate::Reduce_scatter_initObjects o;
  coll::OpView view;
  Status s = validate::Reduce_scatter_init(sendbuf, recvbuf, recvcounts, datatype, op, comm, info,
                                           request, &o);
  if (s.ok()) {
    s = rounds::check_reduce_scatter(call, sendbuf, recvbuf, recvcounts, 0, o.datatype, o.op,
                                     o.comm, &view);
  }
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.datatype);
      kept.keep(o.op);
      const int* counts = kept.ints(recvcounts, o.comm->size());
      return [=, c = o.comm, type = o.datatype](Request** made, State* state) {
        return rounds::reduce_scatter(call, sendbuf, recvbuf, counts, false, type, view, c, made,
                                      state);
      };
    });
  }
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Reduce_scatter_block_init(const void* sendbuf, void* recvbuf, int recvcount,
                                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm,
                                              MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Reduce_scatter_block_init";
  validate::Reduce_scatter_block_initObjects o;
  coll::OpView view;
  Status s = validate::Reduce_scatter_block_init(sendbuf, recvbuf, recvcount, datatype, op, comm,
                                                 info, request, &o);
  if (s.ok()) {
    s = rounds::check_reduce_scatter(call, sendbuf, recvbuf, nullptr, recvcount, o.datatype, o.op,
                                     o.comm, &view);
  }
  if (s.ok()) {
    s = persistent(call, o.comm, request, [&](Kept& kept) -> Round {
      kept.keep(o.datatype);
      kept.keep(o.op);
      const int* count = kept.ints(&recvcount, 1);
      return [=, c = o.comm, type = o.datatype](Request** made, State* state) {
        return rounds::reduce_scatter(call, sendbuf, recvbuf, count, true, type, view, c, made,
                                      state);
      };
    });
  }
  return finish(call, o.comm, s);
}

namespace {

int scan_init(const char* call, bool exclusive, const void* sendbuf, void* recvbuf, int count,
              Comm* c, Datatype* type, weft::Op* op_object, Status s,
              MPI_Request* request) {
  coll::OpView view;
  if (s.ok()) s = rounds::check_scan(call, sendbuf, recvbuf, count, type, op_object, c, &view);
  if (s.ok()) {
    s = persistent(call, c, request, [&](Kept& kept) -> Round {
      kept.keep(type);
      kept.keep(op_object);
      return [=](Request** made, State* state) {
        return rounds::scan(call, sendbuf, recvbuf, count, type, view, exclusive, c, made, state);
      };
    });
  }
  return finish(call, c, s);
}

}  // namespace

extern "C" int PMPI_Scan_init(const void* sendbuf, void* recvbuf, int count,
                              MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                              MPI_Request* request) {
  validate::Scan_initObjects o;
  Status s = validate::Scan_init(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  return scan_init("MPI_Scan_init", false, sendbuf, recvbuf, count, o.comm, o.datatype, o.op, s,
                   request);
}

extern "C" int PMPI_Exscan_init(const void* sendbuf, void* recvbuf, int count,
                                MPI_Datatype datatype, MPI_Op op, MPI_Comm comm, MPI_Info info,
                                MPI_Request* request) {
  validate::Exscan_initObjects o;
  Status s = validate::Exscan_init(sendbuf, recvbuf, count, datatype, op, comm, info, request, &o);
  return scan_init("MPI_Exscan_init", true, sendbuf, recvbuf, count, o.comm, o.datatype, o.op, s,
                   request);
}
