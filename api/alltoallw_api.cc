// MPI_Alltoallw and MPI_Ialltoallw, and their large-count _c twins: validation, then one round
// (api/coll_rounds.h) of coll/alltoallw.
#include <cstdio>

#include "api/api.h"
#include "api/coll_rounds.h"
#include "api/kinds.h"
#include "coll/alltoallw.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/state.h"
#include "p2p/request.h"

using weft::Comm;
using weft::Status;
using weft::api::finish;


namespace {

Status validate_side(const char* call, const char* side, const void* buffer,
                     weft::coll::PerRank counts, weft::coll::PerRank displs,
                     const MPI_Datatype types[], int p, std::vector<weft::Datatype*>& out) {
  if (p > 0 && (counts.empty() || displs.empty() || types == nullptr)) {
    return weft::error(MPI_ERR_ARG, "%s: an array argument of the %s side is NULL", call, side);
  }
  out.resize(static_cast<size_t>(p));
  for (int i = 0; i < p; ++i) {
    if (counts[i] < 0) {
      return weft::error(MPI_ERR_COUNT, "%s: argument %scounts[%d]=%lld is negative", call, side,
                         i, static_cast<long long>(counts[i]));
    }
    char argument[32];
    std::snprintf(argument, sizeof argument, "%stypes[%d]", side, i);
    weft::Datatype* type = nullptr;
    WEFT_TRY(weft::check_datatype(call, argument, types[i], &type));
    out[static_cast<size_t>(i)] = type;
    if (counts.wide()) {
      std::snprintf(argument, sizeof argument, "%scounts[%d]", side, i);
      WEFT_TRY(weft::api::kinds::addressable(call, argument, counts[i], type));
    }
    // MPI_BOTTOM (NULL) is only meaningful with derived types holding absolute addresses.
    if (buffer == nullptr && counts[i] > 0 && type->is_predefined() && type->size() > 0) {
      return weft::error(MPI_ERR_BUFFER, "%s: argument %sbuf is NULL with %scounts[%d]=%lld",
                         call, side, side, i, static_cast<long long>(counts[i]));
    }
  }
  return Status();
}

// MPI_(I)Alltoallw and their _c twins: the counts and displacements are int or 64-bit
// (coll::PerRank), read once by the checks and the exchange.
Status alltoallw(const char* call, const void* sendbuf, weft::coll::PerRank sendcounts,
                 weft::coll::PerRank sdispls, const MPI_Datatype sendtypes[], void* recvbuf,
                 weft::coll::PerRank recvcounts, weft::coll::PerRank rdispls,
                 const MPI_Datatype recvtypes[], MPI_Comm comm, MPI_Request* request, Comm** c) {
  WEFT_TRY(weft::api::check_initialized(call));
  WEFT_TRY(weft::check_comm(call, comm, c));
  weft::coll::AlltoallwArgs args;
  WEFT_TRY(weft::api::rounds::check_alltoallw(call, sendbuf, sendcounts, sdispls, sendtypes,
                                              recvbuf, recvcounts, rdispls, recvtypes, *c, &args));
  weft::EngineGuard guard;
  weft::Request* made = nullptr;
  WEFT_TRY(weft::api::rounds::alltoallw(call, args, *c, request != nullptr ? &made : nullptr));
  if (request != nullptr) *request = made->handle();
  return Status();
}

}  // namespace

namespace weft::api::rounds {

Status check_alltoallw(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                       coll::PerRank sdispls, const MPI_Datatype sendtypes[], void* recvbuf,
                       coll::PerRank recvcounts, coll::PerRank rdispls,
                       const MPI_Datatype recvtypes[], Comm* c, coll::AlltoallwArgs* args) {
  const int p = c->peer_size();  // the remote group's size on an intercommunicator
  *args = coll::AlltoallwArgs{sendbuf, sendcounts, sdispls, {}, recvbuf, recvcounts, rdispls,
                              {}, sendbuf == MPI_IN_PLACE};
  if (recvbuf == MPI_IN_PLACE) {
    return weft::error(MPI_ERR_BUFFER, "%s: argument recvbuf cannot be MPI_IN_PLACE", call);
  }
  if (args->in_place && c->is_inter()) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: argument sendbuf is MPI_IN_PLACE, which is not allowed on an "
                       "intercommunicator",
                       call);
  }
  WEFT_TRY(validate_side(call, "recv", recvbuf, recvcounts, rdispls, recvtypes, p,
                         args->recvtypes));
  if (!args->in_place) {
    WEFT_TRY(validate_side(call, "send", sendbuf, sendcounts, sdispls, sendtypes, p,
                           args->sendtypes));
  }
  return Status();
}

Status alltoallw(const char* call, const coll::AlltoallwArgs& args, Comm* c, Request** request,
                 coll::PersistentState* persistent) {
  coll::CommView view = c->coll_view();
  view.persistent = persistent;
  MPI_Request handle = MPI_REQUEST_NULL;
  WEFT_TRY(coll::alltoallw(call, args, view, request != nullptr ? &handle : nullptr));
  if (request != nullptr) *request = weft::request_from_handle(handle);
  return Status();
}

}  // namespace weft::api::rounds

extern "C" int PMPI_Alltoallw(const void* sendbuf, const int sendcounts[], const int sdispls[],
                              const MPI_Datatype sendtypes[], void* recvbuf,
                              const int recvcounts[], const int rdispls[],
                              const MPI_Datatype recvtypes[], MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoallw("MPI_Alltoallw", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                       recvcounts, rdispls, recvtypes, comm, nullptr, &c);
  return finish("MPI_Alltoallw", c, s);
}

extern "C" int PMPI_Ialltoallw(const void* sendbuf, const int sendcounts[], const int sdispls[],
                               const MPI_Datatype sendtypes[], void* recvbuf,
                               const int recvcounts[], const int rdispls[],
                               const MPI_Datatype recvtypes[], MPI_Comm comm,
                               MPI_Request* request) {
  Comm* c = nullptr;
  Status s = request == nullptr
                 ? weft::error(MPI_ERR_ARG, "MPI_Ialltoallw: argument request is NULL")
                 : alltoallw("MPI_Ialltoallw", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                             recvcounts, rdispls, recvtypes, comm, request, &c);
  return finish("MPI_Ialltoallw", c, s);
}

extern "C" int PMPI_Alltoallw_c(const void* sendbuf, const MPI_Count sendcounts[],
                                const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                void* recvbuf, const MPI_Count recvcounts[],
                                const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = alltoallw("MPI_Alltoallw_c", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                       recvcounts, rdispls, recvtypes, comm, nullptr, &c);
  return finish("MPI_Alltoallw_c", c, s);
}

extern "C" int PMPI_Ialltoallw_c(const void* sendbuf, const MPI_Count sendcounts[],
                                 const MPI_Aint sdispls[], const MPI_Datatype sendtypes[],
                                 void* recvbuf, const MPI_Count recvcounts[],
                                 const MPI_Aint rdispls[], const MPI_Datatype recvtypes[],
                                 MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = request == nullptr
                 ? weft::error(MPI_ERR_ARG, "MPI_Ialltoallw_c: argument request is NULL")
                 : alltoallw("MPI_Ialltoallw_c", sendbuf, sendcounts, sdispls, sendtypes, recvbuf,
                             recvcounts, rdispls, recvtypes, comm, request, &c);
  return finish("MPI_Ialltoallw_c", c, s);
}
