// The neighbourhood collectives, blocking and nonblocking: each call's buffers become the
// block lists of coll/neighbor.h, in the neighbour order of the communicator's topology
// (mpi/topology.h). Arguments are checked here with the checkers of api/kinds.h.
#include <cstdio>
#include <vector>

#include "api/api.h"
#include "api/kinds.h"
#include "coll/neighbor.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/topology.h"

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
  WEFT_TRY(weft::api::check_initialized(call));
  WEFT_TRY(weft::check_comm(call, comm, c));
  const Topology* t = (*c)->topology();
  if (t == nullptr) {
    return weft::error(MPI_ERR_TOPOLOGY, "%s: the communicator has no topology (neighbourhood "
                                         "collectives need a Cartesian, graph or distributed "
                                         "graph communicator)", call);
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

Status run(const char* call, Comm* c, const std::vector<NeighborBlock>& sends,
           const std::vector<NeighborBlock>& receives, bool cartesian, MPI_Request* request) {
  const std::vector<NeighborBlock> posted = posting_order(receives, cartesian);
  return weft::api::run_collective(request, [&](Request** made) {
    return weft::coll::neighbor_exchange(call, c->coll_view(), sends, posted, made);
  });
}

Status request_slot(const char* call, MPI_Request* request) {
  return kinds::out_pointer(call, "request", request);
}

// ---- one body per collective, for the blocking (request == nullptr) and nonblocking forms

Status allgather(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                 void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                 MPI_Request* request, Comm** c) {
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
  if (request != nullptr) WEFT_TRY(request_slot(call, request));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)], sendbuf, static_cast<size_t>(sendcount), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back({h.in[static_cast<size_t>(i)],
                        at(recvbuf, rt, static_cast<MPI_Aint>(i) * recvcount),
                        static_cast<size_t>(recvcount), rt});
  }
  return run(call, *c, sends, receives, h.cartesian, request);
}

Status allgatherv(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                  void* recvbuf, const int recvcounts[], const int displs[],
                  MPI_Datatype recvtype, MPI_Comm comm, MPI_Request* request, Comm** c) {
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
  if (request != nullptr) WEFT_TRY(request_slot(call, request));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)], sendbuf, static_cast<size_t>(sendcount), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back({h.in[static_cast<size_t>(i)], at(recvbuf, rt, displs[i]),
                        static_cast<size_t>(recvcounts[i]), rt});
  }
  return run(call, *c, sends, receives, h.cartesian, request);
}

Status alltoall(const char* call, const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                void* recvbuf, int recvcount, MPI_Datatype recvtype, MPI_Comm comm,
                MPI_Request* request, Comm** c) {
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
  if (request != nullptr) WEFT_TRY(request_slot(call, request));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)],
                     at(sendbuf, st, static_cast<MPI_Aint>(i) * sendcount),
                     static_cast<size_t>(sendcount), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back({h.in[static_cast<size_t>(i)],
                        at(recvbuf, rt, static_cast<MPI_Aint>(i) * recvcount),
                        static_cast<size_t>(recvcount), rt});
  }
  return run(call, *c, sends, receives, h.cartesian, request);
}

Status alltoallv(const char* call, const void* sendbuf, const int sendcounts[],
                 const int sdispls[], MPI_Datatype sendtype, void* recvbuf,
                 const int recvcounts[], const int rdispls[], MPI_Datatype recvtype,
                 MPI_Comm comm, MPI_Request* request, Comm** c) {
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
  if (request != nullptr) WEFT_TRY(request_slot(call, request));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    sends.push_back({h.out[static_cast<size_t>(i)], at(sendbuf, st, sdispls[i]),
                     static_cast<size_t>(sendcounts[i]), st});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    receives.push_back({h.in[static_cast<size_t>(i)], at(recvbuf, rt, rdispls[i]),
                        static_cast<size_t>(recvcounts[i]), rt});
  }
  return run(call, *c, sends, receives, h.cartesian, request);
}

Status alltoallw(const char* call, const void* sendbuf, const int sendcounts[],
                 const MPI_Aint sdispls[], const MPI_Datatype sendtypes[], void* recvbuf,
                 const int recvcounts[], const MPI_Aint rdispls[],
                 const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Request* request,
                 Comm** c) {
  Neighbourhood h;
  WEFT_TRY(enter(call, comm, c, &h));
  WEFT_TRY(kinds::not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(kinds::counts(call, "sendcounts", sendcounts, out_degree(h)));
  WEFT_TRY(kinds::array(call, "sdispls", sdispls, out_degree(h)));
  WEFT_TRY(kinds::array(call, "sendtypes", sendtypes, out_degree(h)));
  WEFT_TRY(kinds::counts(call, "recvcounts", recvcounts, in_degree(h)));
  WEFT_TRY(kinds::array(call, "rdispls", rdispls, in_degree(h)));
  WEFT_TRY(kinds::array(call, "recvtypes", recvtypes, in_degree(h)));
  if (request != nullptr) WEFT_TRY(request_slot(call, request));
  std::vector<NeighborBlock> sends;
  std::vector<NeighborBlock> receives;
  for (int i = 0; i < out_degree(h); ++i) {
    Datatype* t = nullptr;
    char name[32];
    std::snprintf(name, sizeof name, "sendtypes[%d]", i);
    WEFT_TRY(kinds::datatype(call, name, sendtypes[i], &t));
    std::snprintf(name, sizeof name, "sendcounts[%d]", i);
    WEFT_TRY(kinds::buffer(call, "sendbuf", sendbuf, name, sendcounts[i], t));
    sends.push_back({h.out[static_cast<size_t>(i)], static_cast<const char*>(sendbuf) + sdispls[i],
                     static_cast<size_t>(sendcounts[i]), t});
  }
  for (int i = 0; i < in_degree(h); ++i) {
    Datatype* t = nullptr;
    char name[32];
    std::snprintf(name, sizeof name, "recvtypes[%d]", i);
    WEFT_TRY(kinds::datatype(call, name, recvtypes[i], &t));
    std::snprintf(name, sizeof name, "recvcounts[%d]", i);
    WEFT_TRY(kinds::buffer(call, "recvbuf", recvbuf, name, recvcounts[i], t));
    receives.push_back({h.in[static_cast<size_t>(i)], static_cast<char*>(recvbuf) + rdispls[i],
                        static_cast<size_t>(recvcounts[i]), t});
  }
  return run(call, *c, sends, receives, h.cartesian, request);
}

}  // namespace

extern "C" int PMPI_Neighbor_allgather(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                       void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                       MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = allgather("MPI_Neighbor_allgather", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                       recvtype, comm, nullptr, &c);
  return finish("MPI_Neighbor_allgather", c, s);
}

extern "C" int PMPI_Ineighbor_allgather(const void* sendbuf, int sendcount,
                                        MPI_Datatype sendtype, void* recvbuf, int recvcount,
                                        MPI_Datatype recvtype, MPI_Comm comm,
                                        MPI_Request* request) {
  Comm* c = nullptr;
  Status s = allgather("MPI_Ineighbor_allgather", sendbuf, sendcount, sendtype, recvbuf,
                       recvcount, recvtype, comm, request, &c);
  return finish("MPI_Ineighbor_allgather", c, s);
}

extern "C" int PMPI_Neighbor_allgatherv(const void* sendbuf, int sendcount,
                                        MPI_Datatype sendtype, void* recvbuf,
                                        const int recvcounts[], const int displs[],
                                        MPI_Datatype recvtype, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = allgatherv("MPI_Neighbor_allgatherv", sendbuf, sendcount, sendtype, recvbuf,
                        recvcounts, displs, recvtype, comm, nullptr, &c);
  return finish("MPI_Neighbor_allgatherv", c, s);
}

extern "C" int PMPI_Ineighbor_allgatherv(const void* sendbuf, int sendcount,
                                         MPI_Datatype sendtype, void* recvbuf,
                                         const int recvcounts[], const int displs[],
                                         MPI_Datatype recvtype, MPI_Comm comm,
                                         MPI_Request* request) {
  Comm* c = nullptr;
  Status s = allgatherv("MPI_Ineighbor_allgatherv", sendbuf, sendcount, sendtype, recvbuf,
                        recvcounts, displs, recvtype, comm, request, &c);
  return finish("MPI_Ineighbor_allgatherv", c, s);
}

extern "C" int PMPI_Neighbor_alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                      void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                      MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoall("MPI_Neighbor_alltoall", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                      recvtype, comm, nullptr, &c);
  return finish("MPI_Neighbor_alltoall", c, s);
}

extern "C" int PMPI_Ineighbor_alltoall(const void* sendbuf, int sendcount, MPI_Datatype sendtype,
                                       void* recvbuf, int recvcount, MPI_Datatype recvtype,
                                       MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = alltoall("MPI_Ineighbor_alltoall", sendbuf, sendcount, sendtype, recvbuf, recvcount,
                      recvtype, comm, request, &c);
  return finish("MPI_Ineighbor_alltoall", c, s);
}

extern "C" int PMPI_Neighbor_alltoallv(const void* sendbuf, const int sendcounts[],
                                       const int sdispls[], MPI_Datatype sendtype, void* recvbuf,
                                       const int recvcounts[], const int rdispls[],
                                       MPI_Datatype recvtype, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoallv("MPI_Neighbor_alltoallv", sendbuf, sendcounts, sdispls, sendtype, recvbuf,
                       recvcounts, rdispls, recvtype, comm, nullptr, &c);
  return finish("MPI_Neighbor_alltoallv", c, s);
}

extern "C" int PMPI_Ineighbor_alltoallv(const void* sendbuf, const int sendcounts[],
                                        const int sdispls[], MPI_Datatype sendtype,
                                        void* recvbuf, const int recvcounts[],
                                        const int rdispls[], MPI_Datatype recvtype,
                                        MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = alltoallv("MPI_Ineighbor_alltoallv", sendbuf, sendcounts, sdispls, sendtype,
                       recvbuf, recvcounts, rdispls, recvtype, comm, request, &c);
  return finish("MPI_Ineighbor_alltoallv", c, s);
}

extern "C" int PMPI_Neighbor_alltoallw(const void* sendbuf, const int sendcounts[],
                                       const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                       void* recvbuf, const int recvcounts[],
                                       const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                       MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoallw("MPI_Neighbor_alltoallw", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                       recvcounts, rdispls, recvtypes, comm, nullptr, &c);
  return finish("MPI_Neighbor_alltoallw", c, s);
}

extern "C" int PMPI_Ineighbor_alltoallw(const void* sendbuf, const int sendcounts[],
                                        const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                        void* recvbuf, const int recvcounts[],
                                        const MPI_Aint rdispls[],
                                        const MPI_Datatype recvtypes[], MPI_Comm comm,
                                        MPI_Request* request) {
  Comm* c = nullptr;
  Status s = alltoallw("MPI_Ineighbor_alltoallw", sendbuf, sendcounts, sdispls, sendtypes,
                       recvbuf, recvcounts, rdispls, recvtypes, comm, request, &c);
  return finish("MPI_Ineighbor_alltoallw", c, s);
}
