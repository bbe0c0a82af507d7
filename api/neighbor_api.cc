// The neighbourhood collectives, blocking, nonblocking and persistent, with their large-count
// _c twins: each call's buffers become the block lists of coll/neighbor.h, in the neighbour
// order of the communicator's topology (mpi/topology.h). Arguments are checked here with
// the checkers of api/kinds.h. One body per collective builds the lists (a template over
// the count and displacement types, so each _c twin shares it); the blocking and
// nonblocking forms run them at once, the persistent form keeps them for every MPI_Start.
#include <cstdio>
#include <memory>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api/kinds.h"
#include "api/persistent.h"
#include "coll/neighbor.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/topology.h"
#include "p2p/lock.h"

using weft::Comm;
using weft::Datatype;
using weft::Request;
using weft::Status;
using weft::Topology;
using weft::api::finish;
using weft::coll::NeighborBlock;
namespace kinds = weft::api::kinds;

namespace {

struct Neighbourhood {
  std::vector<int> in;
  std::vector<int> out;
  bool cartesian = false;
};

Status enter(const char* call, MPI_Comm comm, Comm** c, Neighbourhood* hood) {
  WEFT_TRY(weft::api::enter_comm(call, comm, c));
  const Topology* t = (*c)->topology();
  if (t == nullptr) {
    return weft::error(MPI_ERR_TOPOLOGY,
                       "%s: the communicator has no topology (neighbourhood "
                       "collectives need a Cartesian, graph or distributed "
                       "graph communicator)",
                       call);
  }
  t->neighbours((*c)->rank(), &hood->in, &hood->out);
  hood->cartesian = t->kind == Topology::Kind::kCart;
  return Status();
}

int in_degree(const Neighbourhood& h) { return static_cast<int>(h.in.size()); }
int out_degree(const Neighbourhood& h) { return static_cast<int>(h.out.size()); }

const char* at(const void* buffer, const Datatype* type, MPI_Aint elements) {
  return static_cast<const char*>(buffer) + elements * type->extent();
}

// Receives in posting order. On a Cartesian topology each rank sends to the rank below
// before the rank above, so the block that arrives from above (sent downwards) is posted
// first: where both neighbours are one process (a periodic dimension of extent 1 or 2),
// each block then lands in the slot the standard gives it.
std::vector<NeighborBlock> posting_order(std::vector<NeighborBlock> receives, bool cartesian) {
  if (cartesian) {
    for (size_t d = 0; d + 1 < receives.size(); d += 2) std::swap(receives[d], receives[d + 1]);
  }
  return receives;
}

// What one call moves: blocks out, blocks in (in posting order).
struct Plan {
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
};

Status finish_plan(std::vector<NeighborBlock> sends, std::vector<NeighborBlock> receives,
                   bool cartesian, Plan* plan) {
  plan->sends = std::move(sends);
  plan->receives = posting_order(std::move(receives), cartesian);
  return Status();
}

// The blocking (request == nullptr) and nonblocking forms.
Status run(const char* call, Comm* c, const Plan& plan, MPI_Request* request) {
  if (request != nullptr) WEFT_TRY(kinds::out_pointer(call, "request", request));
  return weft::api::run_collective(request, [&](Request** made) {
    return weft::coll::neighbor_exchange(call, c->coll_view(), plan.sends, plan.receives, made);
  });
}

// The persistent form: the plan, its datatypes retained, runs at every MPI_Start under the
// sequence number the request took at init.
Status start_persistent(const char* call, Comm* c, Plan plan, MPI_Info info, MPI_Request* request) {
  WEFT_TRY(kinds::info_or_null(call, "info", info));
  WEFT_TRY(kinds::out_pointer(call, "request", request));
  auto kept = std::make_shared<weft::api::Kept>();
  weft::EngineGuard guard;
  for (const NeighborBlock& b : plan.sends) kept->keep(b.type);
  for (const NeighborBlock& b : plan.receives) kept->keep(b.type);
  auto shared = std::make_shared<const Plan>(std::move(plan));
  weft::api::make_persistent(
      c, std::move(kept),
      [call, c, shared](Request** made, weft::coll::PersistentState* state) {
        weft::coll::CommView view = c->coll_view();
        view.persistent = state;
        return weft::coll::neighbor_exchange(call, view, shared->sends, shared->receives, made);
      },
      request);
  return Status();
}

// ---- one body per collective, for every form and both count types ---------------------

template <typename Count>
size_t elements(Count n) {
  return static_cast<size_t>(n);
}

template <typename Count>
Status allgather(const char* call, const void* sendbuf, Count sendcount, MPI_Datatype sendtype,
                 void* recvbuf, Count recvcount, MPI_Datatype recvtype, MPI_Comm comm, Comm** c,
                 Plan* plan) {
  Neighbourhood h;
  Datatype* st = nullptr;
  Datatype* rt = nullptr;
  WEFT_TRY(enter(call, comm, c, &h));
  WEFT_TRY(kinds::not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(kinds::count(call, "sendcount", sendcount));
  WEFT_TRY(kinds::datatype(call, "sendtype", sendtype, &st));
  WEFT_TRY(kinds::buffer(call, "sendbuf", sendbuf, "sendcount", sendcount, st));
  WEFT_TRY(kinds::count(call, "recvcount", recvcount));
  WEFT_TRY(kinds::datatype(call, "recvtype", recvtype, &rt));
  WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, "recvcount", recvcount, rt));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)], sendbuf, elements(sendcount), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back(
        {h.in[static_cast<size_t>(i)],
         at(recvbuf, rt, static_cast<MPI_Aint>(i) * static_cast<MPI_Aint>(recvcount)),
         elements(recvcount), rt});
  }
  return finish_plan(std::move(sends), std::move(receives), h.cartesian, plan);
}

template <typename Count, typename Displ>
Status allgatherv(const char* call, const void* sendbuf, Count sendcount, MPI_Datatype sendtype,
                  void* recvbuf, const Count recvcounts[], const Displ displs[],
                  MPI_Datatype recvtype, MPI_Comm comm, Comm** c, Plan* plan) {
  Neighbourhood h;
  Datatype* st = nullptr;
  Datatype* rt = nullptr;
  WEFT_TRY(enter(call, comm, c, &h));
  WEFT_TRY(kinds::not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(kinds::count(call, "sendcount", sendcount));
  WEFT_TRY(kinds::datatype(call, "sendtype", sendtype, &st));
  WEFT_TRY(kinds::buffer(call, "sendbuf", sendbuf, "sendcount", sendcount, st));
  WEFT_TRY(kinds::counts(call, "recvcounts", recvcounts, in_degree(h)));
  WEFT_TRY(kinds::array(call, "displs", displs, in_degree(h)));
  WEFT_TRY(kinds::datatype(call, "recvtype", recvtype, &rt));
  WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, "recvcounts", recvcounts, in_degree(h), rt));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)], sendbuf, elements(sendcount), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back(
        {h.in[static_cast<size_t>(i)], at(recvbuf, rt, displs[i]), elements(recvcounts[i]), rt});
  }
  return finish_plan(std::move(sends), std::move(receives), h.cartesian, plan);
}

template <typename Count>
Status alltoall(const char* call, const void* sendbuf, Count sendcount, MPI_Datatype sendtype,
                void* recvbuf, Count recvcount, MPI_Datatype recvtype, MPI_Comm comm, Comm** c,
                Plan* plan) {
  Neighbourhood h;
  Datatype* st = nullptr;
  Datatype* rt = nullptr;
  WEFT_TRY(enter(call, comm, c, &h));
  WEFT_TRY(kinds::not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(kinds::count(call, "sendcount", sendcount));
  WEFT_TRY(kinds::datatype(call, "sendtype", sendtype, &st));
  WEFT_TRY(kinds::buffer(call, "sendbuf", sendbuf, "sendcount", sendcount, st));
  WEFT_TRY(kinds::count(call, "recvcount", recvcount));
  WEFT_TRY(kinds::datatype(call, "recvtype", recvtype, &rt));
  WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, "recvcount", recvcount, rt));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)],
                     at(sendbuf, st, static_cast<MPI_Aint>(i) * static_cast<MPI_Aint>(sendcount)),
                     elements(sendcount), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back(
        {h.in[static_cast<size_t>(i)],
         at(recvbuf, rt, static_cast<MPI_Aint>(i) * static_cast<MPI_Aint>(recvcount)),
         elements(recvcount), rt});
  }
  return finish_plan(std::move(sends), std::move(receives), h.cartesian, plan);
}

template <typename Count, typename Displ>
Status alltoallv(const char* call, const void* sendbuf, const Count sendcounts[],
                 const Displ sdispls[], MPI_Datatype sendtype, void* recvbuf,
                 const Count recvcounts[], const Displ rdispls[], MPI_Datatype recvtype,
                 MPI_Comm comm, Comm** c, Plan* plan) {
  Neighbourhood h;
  Datatype* st = nullptr;
  Datatype* rt = nullptr;
  WEFT_TRY(enter(call, comm, c, &h));
  WEFT_TRY(kinds::not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(kinds::counts(call, "sendcounts", sendcounts, out_degree(h)));
  WEFT_TRY(kinds::array(call, "sdispls", sdispls, out_degree(h)));
  WEFT_TRY(kinds::datatype(call, "sendtype", sendtype, &st));
  WEFT_TRY(kinds::buffer(call, "sendbuf", sendbuf, "sendcounts", sendcounts, out_degree(h), st));
  WEFT_TRY(kinds::counts(call, "recvcounts", recvcounts, in_degree(h)));
  WEFT_TRY(kinds::array(call, "rdispls", rdispls, in_degree(h)));
  WEFT_TRY(kinds::datatype(call, "recvtype", recvtype, &rt));
  WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, "recvcounts", recvcounts, in_degree(h), rt));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back(
        {h.out[static_cast<size_t>(i)], at(sendbuf, st, sdispls[i]), elements(sendcounts[i]), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back(
        {h.in[static_cast<size_t>(i)], at(recvbuf, rt, rdispls[i]), elements(recvcounts[i]), rt});
  }
  return finish_plan(std::move(sends), std::move(receives), h.cartesian, plan);
}

template <typename Count>
Status alltoallw(const char* call, const void* sendbuf, const Count sendcounts[],
                 const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void* recvbuf,
                 const Count recvcounts[], const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                 MPI_Comm comm, Comm** c, Plan* plan) {
  Neighbourhood h;
  WEFT_TRY(enter(call, comm, c, &h));
  WEFT_TRY(kinds::not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(kinds::counts(call, "sendcounts", sendcounts, out_degree(h)));
  WEFT_TRY(kinds::array(call, "sdispls", sdispls, out_degree(h)));
  WEFT_TRY(kinds::array(call, "sendtypes", sendtypes, out_degree(h)));
  WEFT_TRY(kinds::counts(call, "recvcounts", recvcounts, in_degree(h)));
  WEFT_TRY(kinds::array(call, "rdispls", rdispls, in_degree(h)));
  WEFT_TRY(kinds::array(call, "recvtypes", recvtypes, in_degree(h)));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  char name[32];
  for (int i = 0; i < out_degree(h); ++i) {
    Datatype* t = nullptr;
    std::snprintf(name, sizeof name, "sendtypes[%d]", i);
    WEFT_TRY(kinds::datatype(call, name, sendtypes[i], &t));
    std::snprintf(name, sizeof name, "sendcounts[%d]", i);
    WEFT_TRY(kinds::buffer(call, "sendbuf", sendbuf, name, sendcounts[i], t));
    sends.push_back({h.out[static_cast<size_t>(i)], static_cast<const char*>(sendbuf) + sdispls[i],
                     elements(sendcounts[i]), t});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    Datatype* t = nullptr;
    std::snprintf(name, sizeof name, "recvtypes[%d]", i);
    WEFT_TRY(kinds::datatype(call, name, recvtypes[i], &t));
    std::snprintf(name, sizeof name, "recvcounts[%d]", i);
    WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, name, recvcounts[i], t));
    receives.push_back({h.in[static_cast<size_t>(i)], static_cast<char*>(recvbuf) + rdispls[i],
                        elements(recvcounts[i]), t});
  }
  return finish_plan(std::move(sends), std::move(receives), h.cartesian, plan);
}

}  // namespace

extern "C" int PMPI_Neighbor_allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                       void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                       MPI_Comm comm) {
  const char* call = "MPI_Neighbor_allgather";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      allgather(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                        void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                        MPI_Comm comm, MPI_Request* request) {
  const char* call = "MPI_Ineighbor_allgather";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      allgather(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgather_init(const void* sendbuf, int sendcount,
                                            MPI_Datatype sendtype, void* recvbuf, int recvcount,
                                            MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                            MPI_Request* request) {
  const char* call = "MPI_Neighbor_allgather_init";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      allgather(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgather_c(const void* sendbuf, MPI_Count sendcount,
                                         MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                         MPI_Datatype recvtype, MPI_Comm comm) {
  const char* call = "MPI_Neighbor_allgather_c";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      allgather(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_allgather_c(const void* sendbuf, MPI_Count sendcount,
                                          MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                          MPI_Datatype recvtype, MPI_Comm comm,
                                          MPI_Request* request) {
  const char* call = "MPI_Ineighbor_allgather_c";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      allgather(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgather_init_c(const void* sendbuf, MPI_Count sendcount,
                                              MPI_Datatype sendtype, void* recvbuf,
                                              MPI_Count recvcount, MPI_Datatype recvtype,
                                              MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_allgather_init_c";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      allgather(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                        void* recvbuf, const int recvcounts[], const int displs[],
                                        MPI_Datatype recvtype, MPI_Comm comm) {
  const char* call = "MPI_Neighbor_allgatherv";
  Comm* c = nullptr;
  Plan plan;
  Status s = allgatherv(call, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                        comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_allgatherv(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                         void* recvbuf, const int recvcounts[], const int displs[],
                                         MPI_Datatype recvtype, MPI_Comm comm,
                                         MPI_Request* request) {
  const char* call = "MPI_Ineighbor_allgatherv";
  Comm* c = nullptr;
  Plan plan;
  Status s = allgatherv(call, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                        comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgatherv_init(const void* sendbuf, int sendcount,
                                             MPI_Datatype sendtype, void* recvbuf,
                                             const int recvcounts[], const int displs[],
                                             MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                             MPI_Request* request) {
  const char* call = "MPI_Neighbor_allgatherv_init";
  Comm* c = nullptr;
  Plan plan;
  Status s = allgatherv(call, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                        comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgatherv_c(const void* sendbuf, MPI_Count sendcount,
                                          MPI_Datatype sendtype, void* recvbuf,
                                          const MPI_Count recvcounts[], const MPI_Aint displs[],
                                          MPI_Datatype recvtype, MPI_Comm comm) {
  const char* call = "MPI_Neighbor_allgatherv_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = allgatherv(call, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                        comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_allgatherv_c(const void* sendbuf, MPI_Count sendcount,
                                           MPI_Datatype sendtype, void* recvbuf,
                                           const MPI_Count recvcounts[], const MPI_Aint displs[],
                                           MPI_Datatype recvtype, MPI_Comm comm,
                                           MPI_Request* request) {
  const char* call = "MPI_Ineighbor_allgatherv_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = allgatherv(call, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                        comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_allgatherv_init_c(const void* sendbuf, MPI_Count sendcount,
                                               MPI_Datatype sendtype, void* recvbuf,
                                               const MPI_Count recvcounts[],
                                               const MPI_Aint displs[], MPI_Datatype recvtype,
                                               MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_allgatherv_init_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = allgatherv(call, sendbuf, sendcount, sendtype, recvbuf, recvcounts, displs, recvtype,
                        comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                      void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                      MPI_Comm comm) {
  const char* call = "MPI_Neighbor_alltoall";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      alltoall(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                       void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                       MPI_Comm comm, MPI_Request* request) {
  const char* call = "MPI_Ineighbor_alltoall";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      alltoall(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoall_init(const void* sendbuf, int sendcount,
                                           MPI_Datatype sendtype, void* recvbuf, int recvcount,
                                           MPI_Datatype recvtype, MPI_Comm comm, MPI_Info info,
                                           MPI_Request* request) {
  const char* call = "MPI_Neighbor_alltoall_init";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      alltoall(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoall_c(const void* sendbuf, MPI_Count sendcount,
                                        MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                        MPI_Datatype recvtype, MPI_Comm comm) {
  const char* call = "MPI_Neighbor_alltoall_c";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      alltoall(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_alltoall_c(const void* sendbuf, MPI_Count sendcount,
                                         MPI_Datatype sendtype, void* recvbuf, MPI_Count recvcount,
                                         MPI_Datatype recvtype, MPI_Comm comm,
                                         MPI_Request* request) {
  const char* call = "MPI_Ineighbor_alltoall_c";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      alltoall(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoall_init_c(const void* sendbuf, MPI_Count sendcount,
                                             MPI_Datatype sendtype, void* recvbuf,
                                             MPI_Count recvcount, MPI_Datatype recvtype,
                                             MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_alltoall_init_c";
  Comm* c = nullptr;
  Plan plan;
  Status s =
      alltoall(call, sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallv(const void* sendbuf, const int sendcounts[],
                                       const int sdispls[], MPI_Datatype sendtype, void* recvbuf,
                                       const int recvcounts[], const int rdispls[],
                                       MPI_Datatype recvtype, MPI_Comm comm) {
  const char* call = "MPI_Neighbor_alltoallv";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallv(call, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                       recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_alltoallv(const void* sendbuf, const int sendcounts[],
                                        const int sdispls[], MPI_Datatype sendtype, void* recvbuf,
                                        const int recvcounts[], const int rdispls[],
                                        MPI_Datatype recvtype, MPI_Comm comm,
                                        MPI_Request* request) {
  const char* call = "MPI_Ineighbor_alltoallv";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallv(call, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                       recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallv_init(const void* sendbuf, const int sendcounts[],
                                            const int sdispls[], MPI_Datatype sendtype,
                                            void* recvbuf, const int recvcounts[],
                                            const int rdispls[], MPI_Datatype recvtype,
                                            MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_alltoallv_init";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallv(call, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                       recvtype, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallv_c(const void* sendbuf, const MPI_Count sendcounts[],
                                         const MPI_Aint sdispls[], MPI_Datatype sendtype,
                                         void* recvbuf, const MPI_Count recvcounts[],
                                         const MPI_Aint rdispls[], MPI_Datatype recvtype,
                                         MPI_Comm comm) {
  const char* call = "MPI_Neighbor_alltoallv_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallv(call, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                       recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_alltoallv_c(const void* sendbuf, const MPI_Count sendcounts[],
                                          const MPI_Aint sdispls[], MPI_Datatype sendtype,
                                          void* recvbuf, const MPI_Count recvcounts[],
                                          const MPI_Aint rdispls[], MPI_Datatype recvtype,
                                          MPI_Comm comm, MPI_Request* request) {
  const char* call = "MPI_Ineighbor_alltoallv_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallv(call, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                       recvtype, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallv_init_c(const void* sendbuf, const MPI_Count sendcounts[],
                                              const MPI_Aint sdispls[], MPI_Datatype sendtype,
                                              void* recvbuf, const MPI_Count recvcounts[],
                                              const MPI_Aint rdispls[], MPI_Datatype recvtype,
                                              MPI_Comm comm, MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_alltoallv_init_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallv(call, sendbuf, sendcounts, sdispls, sendtype, recvbuf, recvcounts, rdispls,
                       recvtype, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallw(const void* sendbuf, const int sendcounts[],
                                       const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                       void* recvbuf, const int recvcounts[],
                                       const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                       MPI_Comm comm) {
  const char* call = "MPI_Neighbor_alltoallw";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                       recvtypes, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_alltoallw(const void* sendbuf, const int sendcounts[],
                                        const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                        void* recvbuf, const int recvcounts[],
                                        const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                        MPI_Comm comm, MPI_Request* request) {
  const char* call = "MPI_Ineighbor_alltoallw";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                       recvtypes, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallw_init(const void* sendbuf, const int sendcounts[],
                                            const MPI_Aint sdispls[],
                                            const MPI_Datatype sendtypes[], void* recvbuf,
                                            const int recvcounts[], const MPI_Aint rdispls[],
                                            const MPI_Datatype recvtypes[], MPI_Comm comm,
                                            MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_alltoallw_init";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                       recvtypes, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallw_c(const void* sendbuf, const MPI_Count sendcounts[],
                                         const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                         void* recvbuf, const MPI_Count recvcounts[],
                                         const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                         MPI_Comm comm) {
  const char* call = "MPI_Neighbor_alltoallw_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                       recvtypes, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, nullptr);
  return finish(call, c, s);
}

extern "C" int PMPI_Ineighbor_alltoallw_c(const void* sendbuf, const MPI_Count sendcounts[],
                                          const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                          void* recvbuf, const MPI_Count recvcounts[],
                                          const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                          MPI_Comm comm, MPI_Request* request) {
  const char* call = "MPI_Ineighbor_alltoallw_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                       recvtypes, comm, &c, &plan);
  if (s.ok()) s = run(call, c, plan, request);
  return finish(call, c, s);
}

extern "C" int PMPI_Neighbor_alltoallw_init_c(const void* sendbuf, const MPI_Count sendcounts[],
                                              const MPI_Aint sdispls[],
                                              const MPI_Datatype sendtypes[], void* recvbuf,
                                              const MPI_Count recvcounts[],
                                              const MPI_Aint rdispls[],
                                              const MPI_Datatype recvtypes[], MPI_Comm comm,
                                              MPI_Info info, MPI_Request* request) {
  const char* call = "MPI_Neighbor_alltoallw_init_c";
  Comm* c = nullptr;
  Plan plan;
  Status s = alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes, recvbuf, recvcounts, rdispls,
                       recvtypes, comm, &c, &plan);
  if (s.ok()) s = start_persistent(call, c, std::move(plan), info, request);
  return finish(call, c, s);
}
