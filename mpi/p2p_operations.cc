#include "mpi/p2p_operations.h"

#include "base/status_util.h"
#include "datatype/datatype.h"
#include "mpi/comm.h"
#include "p2p/bsend.h"
#include "p2p/engine.h"

namespace weft::p2p {

Status validate(const char* call, Direction direction, const void* buffer, MPI_Count count,
                MPI_Datatype datatype, int peer, int tag, MPI_Comm comm, Comm** comm_out,
                Datatype** datatype_out) {
  WEFT_TRY(check_comm(call, comm, comm_out));
  Comm* c = *comm_out;
  if (count < 0) {
    return error(MPI_ERR_COUNT, "%s: argument count=%lld is negative", call,
                 static_cast<long long>(count));
  }
  if (datatype == MPI_DATATYPE_NULL && count == 0) {
    // An empty message carries no data, so its type is not significant: programs that only
    // synchronise pass MPI_DATATYPE_NULL (MPICH accepts it too). It travels as MPI_BYTE.
    *datatype_out = datatype_from_handle(MPI_BYTE);
  } else {
    WEFT_TRY(check_datatype(call, "datatype", datatype, datatype_out));
  }
  // MPI_BOTTOM (NULL) is a valid buffer with derived types holding absolute addresses.
  if (buffer == nullptr && count > 0 && (*datatype_out)->is_predefined() &&
      (*datatype_out)->size() > 0) {
    return error(MPI_ERR_BUFFER, "%s: argument buf is NULL with count=%lld", call,
                 static_cast<long long>(count));
  }
  const char* peer_name = direction == Direction::kSend ? "dest" : "source";
  // On an intercommunicator the peer is a rank of the remote group.
  const bool peer_ok = (peer >= 0 && peer < c->peer_size()) || peer == MPI_PROC_NULL ||
                       (direction == Direction::kReceive && peer == MPI_ANY_SOURCE);
  if (!peer_ok) {
    return error(MPI_ERR_RANK, "%s: argument %s=%d is not a rank of %scommunicator %s (size %d)",
                 call, peer_name, peer, c->is_inter() ? "the remote group of inter" : "",
                 c->name().c_str(), c->peer_size());
  }
  const bool tag_ok = (tag >= 0 && tag <= kTagUpperBound) ||
                      (direction == Direction::kReceive && tag == MPI_ANY_TAG);
  if (!tag_ok) {
    return error(MPI_ERR_TAG, "%s: argument tag=%d is invalid (valid: 0..%d%s)", call, tag,
                 kTagUpperBound, direction == Direction::kReceive ? " or MPI_ANY_TAG" : "");
  }
  return Status();
}

Request* make_request(RequestKind kind, Comm* comm, Datatype* datatype, const void* buffer,
                      MPI_Count count, int peer, int tag, SendMode mode) {
  auto* request = new Request(kind);
  request->bind(comm, datatype);
  request->buffer = const_cast<void*>(buffer);
  request->count = static_cast<size_t>(count);
  request->peer = peer;
  request->tag = tag;
  request->context = comm->context();
  request->self_rank = comm->rank();
  request->mode = mode;
  return request;
}

Status start(const char* call, Request* request) {
  request->cancelled = false;
  if (request->peer == MPI_PROC_NULL) {
    // Completes at once with the standard's empty status for MPI_PROC_NULL.
    request->active = true;
    status_set_empty(&request->status);
    request->status.MPI_SOURCE = MPI_PROC_NULL;
    request->error = MPI_SUCCESS;
    request->active = false;
    request->complete.store(true, std::memory_order_release);
    return Status();
  }
  if (request->kind == RequestKind::kSend) {
    request->peer_process = static_cast<Comm*>(request->comm)->peer_process(request->peer);
    if (request->mode == SendMode::kBuffered) {
      bsend_release(request);
      WEFT_TRY(bsend_reserve(call, request->comm, static_cast<Comm*>(request->comm)->session(),
                             request->count * request->datatype->size(), request));
    }
    return engine().start_send(request);
  }
  return engine().start_receive(request);
}

Status wait(const char* call, Request* request, MPI_Status* status) {
  engine().wait_until([request] { return request->is_complete(); });
  copy_status(request, status);
  return outcome(call, request);
}

}  // namespace weft::p2p
