#include "coll/team.h"

#include <cstring>
#include <new>
#include <vector>

#include "coll/rank_math.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "p2p/engine.h"
#include "p2p/request.h"

namespace weft::coll {

namespace {

Datatype* byte_type() {
  static Datatype* type = datatype_from_handle(MPI_BYTE);
  return type;
}

void describe(Request* request, const Team& team, int peer, const void* buffer, size_t bytes) {
  request->bind(nullptr, byte_type());
  request->buffer = const_cast<void*>(buffer);
  request->count = bytes;
  request->peer = peer;
  request->tag = team.tag;
  request->context = team.context;
  request->self_rank = team.rank;
  request->peer_process = team.processes[peer];
}

Status check(const Request& request) {
  if (request.error == MPI_SUCCESS) return Status();
  if (request.error == MPI_ERR_TRUNCATE) {
    return error(MPI_ERR_TRUNCATE,
                 "collective: rank %d sent %zu bytes where %zu were expected (are the counts "
                 "and datatypes the same on every process?)",
                 request.status.MPI_SOURCE, request.message_bytes, request.capacity_bytes);
  }
  if (request.error == MPI_ERR_PROC_ABORTED &&
      p2p::engine().failure_text(request.peer_process) != nullptr) {
    return p2p::engine().failure("collective", request.peer_process);
  }
  return error(request.error, "collective: communication with rank %d failed", request.peer);
}

}  // namespace

Status send(const Team& team, int dest, const void* buffer, size_t bytes) {
  Request request(RequestKind::kSend);
  describe(&request, team, dest, buffer, bytes);
  auto& engine = p2p::engine();
  WEFT_TRY(engine.start_send(&request));
  engine.wait_until([&] { return request.is_complete(); });
  return check(request);
}

Status recv(const Team& team, int source, void* buffer, size_t bytes) {
  Request request(RequestKind::kRecv);
  describe(&request, team, source, buffer, bytes);
  auto& engine = p2p::engine();
  WEFT_TRY(engine.start_receive(&request));
  engine.wait_until([&] { return request.is_complete(); });
  return check(request);
}

Status sendrecv(const Team& team, int dest, const void* send_buffer, size_t send_bytes,
                int source, void* recv_buffer, size_t recv_bytes) {
  Request receive(RequestKind::kRecv);
  describe(&receive, team, source, recv_buffer, recv_bytes);
  Request sending(RequestKind::kSend);
  describe(&sending, team, dest, send_buffer, send_bytes);
  auto& engine = p2p::engine();
  WEFT_TRY(engine.start_receive(&receive));
  Status sent = engine.start_send(&sending);
  if (!sent.ok()) {
    engine.cancel_receive(&receive);
    return sent;
  }
  engine.wait_until([&] { return receive.is_complete() && sending.is_complete(); });
  WEFT_TRY(check(sending));
  return check(receive);
}

Request* isend(const Team& team, int dest, const void* buffer, size_t bytes, Status& status) {
  auto* request = new Request(RequestKind::kSend);
  describe(request, team, dest, buffer, bytes);
  status = p2p::engine().start_send(request);
  return request;
}

Request* irecv(const Team& team, int source, void* buffer, size_t bytes, Status& status) {
  auto* request = new Request(RequestKind::kRecv);
  describe(request, team, source, buffer, bytes);
  status = p2p::engine().start_receive(request);
  return request;
}

Request* isend_in(void* storage, const Team& team, int dest, const void* buffer, size_t bytes,
                  Status& status) {
  auto* request = new (storage) Request(RequestKind::kSend);
  describe(request, team, dest, buffer, bytes);
  status = p2p::engine().start_send(request);
  return request;
}

Request* irecv_in(void* storage, const Team& team, int source, void* buffer, size_t bytes,
                  Status& status) {
  auto* request = new (storage) Request(RequestKind::kRecv);
  describe(request, team, source, buffer, bytes);
  status = p2p::engine().start_receive(request);
  return request;
}

Status wait_and_release(Request* request) {
  p2p::engine().wait_until([&] { return request->is_complete(); });
  Status status = check(*request);
  request->release();
  return status;
}

Status allgather_bytes(const Team& team, const void* mine, size_t bytes, void* all) {
  // Ring: p-1 steps, each forwarding the block received in the previous step.
  char* out = static_cast<char*>(all);
  std::memcpy(out + static_cast<size_t>(team.rank) * bytes, mine, bytes);
  const int right = (team.rank + 1) % team.size;
  const int left = (team.rank - 1 + team.size) % team.size;
  for (int step = 0; step < team.size - 1; ++step) {
    int send_block = (team.rank - step + team.size) % team.size;
    int recv_block = (team.rank - step - 1 + team.size) % team.size;
    WEFT_TRY(sendrecv(team, right, out + static_cast<size_t>(send_block) * bytes, bytes, left,
                      out + static_cast<size_t>(recv_block) * bytes, bytes));
  }
  return Status();
}

Status allreduce_band(const Team& team, uint32_t* words, int count) {
  const size_t bytes = static_cast<size_t>(count) * sizeof(uint32_t);
  std::vector<uint32_t> all(static_cast<size_t>(count) * static_cast<size_t>(team.size));
  WEFT_TRY(allgather_bytes(team, words, bytes, all.data()));
  for (int r = 0; r < team.size; ++r) {
    for (int i = 0; i < count; ++i) words[i] &= all[static_cast<size_t>(r * count + i)];
  }
  return Status();
}

Status bcast_bytes(const Team& team, int root, void* buffer, size_t bytes) {
  const int p = team.size;
  const int v = ranks::relative_rank(team.rank, root, p);
  if (v != 0) {
    WEFT_TRY(recv(team, ranks::absolute_rank(ranks::binomial_parent(v), root, p), buffer, bytes));
  }
  const std::vector<int> children = ranks::binomial_children(v, p);
  for (auto child = children.rbegin(); child != children.rend(); ++child) {
    WEFT_TRY(send(team, ranks::absolute_rank(*child, root, p), buffer, bytes));
  }
  return Status();
}

}  // namespace weft::coll
