// Algorithm: linear neighbourhood exchange.
//
// Steps: every receive from an in-neighbour, then every send to an out-neighbour, posted
// at once, in the order listed; blocks of non-contiguous datatypes go through staging
// buffers (packed before, unpacked once everything has arrived).
//
// Cost: max(indegree, outdegree) α + Σ block sizes β, all transfers in flight together.
#include "coll/neighbor.h"

#include <utility>

#include "coll/operation.h"
#include "coll/staging.h"
#include "datatype/datatype.h"
#include "mpi.h"

namespace weft::coll {

namespace {

struct Transfer {
  int peer;
  char* at;  // packed bytes (sends read them)
  size_t bytes;
};

// The plan lives in the coroutine's frame, as long as the task.
Task exchange(Context& c, std::vector<Transfer> receives, std::vector<Transfer> sends) {
  for (const Transfer& t : receives) c.recv(t.peer, t.at, t.bytes);
  for (const Transfer& t : sends) c.send(t.peer, t.at, t.bytes);
  co_await c.all();
  co_return Status();
}

}  // namespace

Status neighbor_exchange(const char* call, const CommView& comm,
                         const std::vector<NeighborBlock>& sends,
                         const std::vector<NeighborBlock>& receives, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  std::vector<Transfer> to_receive;
  std::vector<Transfer> to_send;
  to_receive.reserve(receives.size());
  to_send.reserve(sends.size());
  for (const NeighborBlock& b : receives) {
    if (b.peer == MPI_PROC_NULL) continue;
    to_receive.push_back(Transfer{b.peer, stage(op, b.at, b.count, b.type, false, true),
                                  b.count * b.type->size()});
  }
  for (const NeighborBlock& b : sends) {
    if (b.peer == MPI_PROC_NULL) continue;
    to_send.push_back(Transfer{b.peer, stage(op, b.at, b.count, b.type, true, false),
                               b.count * b.type->size()});
  }
  op.start(exchange(op.context(), std::move(to_receive), std::move(to_send)));
  if (request == nullptr) return run_blocking(op);
  *request = start_nonblocking(operation.share(), comm);
  return Status();
}

}  // namespace weft::coll
