// Algorithm: linear alltoallw: every rank posts one receive from and one send to every
// rank at once, each with that peer's own count, displacement (in bytes) and datatype.
//
// Restrictions: none. Datatypes may differ per peer, so the engine moves each block with
// its own datatype (packing and unpacking as needed) instead of staging bytes through a
// schedule; this is why alltoallw is not a Task like the other algorithms.
//
// Steps: 1. with MPI_IN_PLACE, pack each receive block into a private copy first, which is
// then sent as bytes; 2. post p receives on the collective context under the call's tag;
// 3. post p sends; 4. complete when all 2p requests have (blocking: wait; nonblocking: a
// generic request polls them).
//
// Cost: p α + (sum of block sizes) β per rank; the engine's eager and rendezvous protocols
// apply per block.
//
// On an intercommunicator the peers are the remote group's q processes, on the
// intercommunicator's collective context (MPI_IN_PLACE is not allowed there).
#include <memory>
#include <vector>

#include "base/status_util.h"
#include "coll/alltoallw.h"
#include "coll/operation.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "p2p/engine.h"
#include "p2p/request.h"

namespace weft::coll {

namespace {

struct Exchange {
  std::vector<Request*> requests;
  std::vector<char> in_place_copy;
  ~Exchange() {
    for (Request* r : requests) r->release();
  }
  bool done() const {
    for (const Request* r : requests) {
      if (!r->is_complete()) return false;
    }
    return true;
  }
  Status outcome(const char* call) const {
    for (const Request* r : requests) {
      if (r->error != MPI_SUCCESS) return p2p::outcome(call, r);
    }
    return Status();
  }
};

Request* describe(const CommView& comm, RequestKind kind, Datatype* type, const void* buffer,
                  size_t count, int peer, int tag) {
  auto* request = new Request(kind);
  request->bind(comm.owner, type);
  request->buffer = const_cast<void*>(buffer);
  request->count = count;
  request->peer = peer;
  request->tag = tag;
  request->context = comm.is_inter() ? comm.remote.context : comm.context;
  request->self_rank = comm.rank;
  request->peer_process = comm.is_inter() ? comm.remote.processes[peer] : comm.processes[peer];
  return request;
}

}  // namespace

Status alltoallw(const char* call, const AlltoallwArgs& a, const CommView& comm,
                 MPI_Request* request_out) {
  const int p = comm.is_inter() ? comm.remote.size : comm.size;
  auto exchange = std::make_shared<Exchange>();
  const char* send_base = static_cast<const char*>(a.sendbuf);
  Datatype* byte_type = datatype_from_handle(MPI_BYTE);
  std::vector<size_t> copy_offsets;
  if (a.in_place) {
    size_t total = 0;
    for (int i = 0; i < p; ++i) {
      copy_offsets.push_back(total);
      total += static_cast<size_t>(a.recvcounts[i]) * a.recvtypes[i]->size();
    }
    exchange->in_place_copy.resize(total);
    for (int i = 0; i < p; ++i) {
      size_t bytes = static_cast<size_t>(a.recvcounts[i]) * a.recvtypes[i]->size();
      if (bytes > 0) {
        a.recvtypes[i]->pack(static_cast<char*>(a.recvbuf) + a.rdispls[i],
                             static_cast<size_t>(a.recvcounts[i]), 0,
                             exchange->in_place_copy.data() + copy_offsets[static_cast<size_t>(i)], bytes);
      }
    }
  }
  const int tag = next_operation_tag(comm);
  auto& engine = p2p::engine();
  for (int i = 0; i < p; ++i) {
    Request* r = describe(comm, RequestKind::kRecv, a.recvtypes[i],
                          static_cast<char*>(a.recvbuf) + a.rdispls[i],
                          static_cast<size_t>(a.recvcounts[i]), i, tag);
    exchange->requests.push_back(r);
    WEFT_TRY(engine.start_receive(r));
  }
  for (int i = 0; i < p; ++i) {
    Request* r;
    if (a.in_place) {
      size_t bytes = static_cast<size_t>(a.recvcounts[i]) * a.recvtypes[i]->size();
      r = describe(comm, RequestKind::kSend, byte_type,
                   exchange->in_place_copy.data() + copy_offsets[static_cast<size_t>(i)],
                   bytes, i, tag);
    } else {
      r = describe(comm, RequestKind::kSend, a.sendtypes[i], send_base + a.sdispls[i],
                   static_cast<size_t>(a.sendcounts[i]), i, tag);
    }
    exchange->requests.push_back(r);
    WEFT_TRY(engine.start_send(r));
  }
  if (request_out == nullptr) {
    engine.wait_until([&exchange] { return exchange->done(); });
    return exchange->outcome(call);
  }
  auto* request = new Request(RequestKind::kGeneric);
  request->bind(comm.owner, nullptr);
  status_set_empty(&request->status);
  request->progress = [exchange, request, call]() mutable {
    if (!exchange->done()) return false;
    Status result = exchange->outcome(call);
    request->error = result.error_class();
    request->status.MPI_ERROR = result.error_class();
    exchange.reset();
    return true;
  };
  engine.add_generic(request);
  *request_out = request->handle();
  return Status();
}

}  // namespace weft::coll
