#include "coll/operation.h"

#include <atomic>

#include "base/mpit.h"
#include "base/object.h"
#include "base/status_util.h"
#include "mpi.h"
#include "p2p/engine.h"
#include "p2p/request.h"

namespace weft::coll {

namespace {
// Tags on the collective context: 0 is used by communicator construction and
// (1 << 30) | user tag by MPI_Comm_create_group; collective calls take bit 29 plus their
// sequence number.
constexpr uint32_t kOperationTagBit = 1u << 29;
constexpr uint32_t kSequenceMask = kOperationTagBit - 1;
}  // namespace

Operation::~Operation() {
  // Destroy the coroutine (and the buffers in its frame) before anything it refers to.
  task_ = Task();
  for (Object* object : kept_) object->release();
}

char* Operation::buffer(size_t bytes) {
  buffers_.emplace_back(new char[bytes == 0 ? 1 : bytes]);
  return buffers_.back().get();
}

size_t* Operation::array(size_t entries) {
  arrays_.emplace_back(new size_t[entries == 0 ? 1 : entries]);
  return arrays_.back().get();
}

void Operation::keep(Object* object) {
  object->retain();
  kept_.push_back(object);
}

void Operation::start(Algorithm algorithm, const Args& args) {
  if (algorithm == nullptr) return;
  task_ = algorithm(context_, args);
  task_.start();
}

void Operation::start(Task task) {
  task_ = std::move(task);
  task_.start();
}

bool Operation::advance() {
  if (finished_) return true;
  if (task_.valid()) {
    while (!task_.done()) {
      if (!context_.ready()) return false;
      context_.take_waiting().resume();
    }
    // Algorithms await every transfer they post; this only guards against one that did not.
    if (!context_.quiet()) return false;
    result_ = task_.take_result();
    if (result_.ok()) result_ = context_.error();
    task_ = Task();
  }
  if (result_.ok()) {
    for (auto& step : end_steps_) step();
  }
  end_steps_.clear();
  finished_ = true;
  return true;
}

int next_operation_tag(const CommView& comm) {
  // A persistent collective's rounds all use the number its request took at init.
  uint32_t number = 0;
  if (comm.persistent != nullptr) {
    number = comm.persistent->sequence;
  } else {
    // MPI_T reads the count from any thread (mpi/comm.cc); only this thread, holding the
    // engine lock, writes it.
    std::atomic_ref<uint32_t> sequence(*comm.sequence);
    number = sequence.load(std::memory_order_relaxed);
    sequence.store(number + 1, std::memory_order_relaxed);
  }
  return static_cast<int>(kOperationTagBit | (number & kSequenceMask));
}

OperationHandle::OperationHandle(const char* call, const Team& team, const Team& remote,
                                 bool shared) {
  if (shared) {
    shared_ = std::make_shared<Operation>(call, team, remote);
    operation_ = shared_.get();
  } else {
    operation_ = &local_.emplace(call, team, remote);
  }
}

OperationHandle make_operation(const char* call, const CommView& comm, Request** request) {
  const int tag = next_operation_tag(comm);
  const Team team{comm.processes, comm.rank, comm.size, comm.context, tag};
  const Team remote = comm.is_inter() ? Team{comm.remote.processes, comm.rank, comm.remote.size,
                                             comm.remote.context, tag}
                                      : Team{};
  return OperationHandle(call, team, remote, request != nullptr);
}

Status launch(OperationHandle& operation, const CommView& comm, Algorithm algorithm,
              const Args& args, Request** request) {
  operation->start(algorithm, args);
  if (request == nullptr) return run_blocking(*operation);
  *request = start_nonblocking(operation.share(), comm);
  return Status();
}

namespace {
// Time blocking collectives spend from their start to their completion (MPI_T timer).
mpit::Counter g_wait_time{
    "coll_wait_time", mpit::Category::coll,
    "Seconds this process spent inside blocking collective calls, from the start of the "
    "algorithm to its completion (waiting for peers included).",
    true};
}  // namespace

Status run_blocking(Operation& operation) {
  // The clock is read only while a tool has the timer started (two reads cost 5-10% of a
  // short allreduce here).
  if (!g_wait_time.watched()) [[likely]] {
    p2p::engine().wait_until([&operation] { return operation.advance(); });
    return operation.result();
  }
  const int64_t start = mpit::now_ns();
  p2p::engine().wait_until([&operation] { return operation.advance(); });
  g_wait_time.add(static_cast<uint64_t>(mpit::now_ns() - start));
  return operation.result();
}

Request* start_nonblocking(std::shared_ptr<Operation> operation, const CommView& comm) {
  auto* request = new Request(RequestKind::kGeneric);
  request->bind(comm.owner, nullptr);
  status_set_empty(&request->status);
  request->progress = [operation = std::move(operation), request]() mutable {
    if (!operation->advance()) return false;
    const Status& result = operation->result();
    request->error = result.error_class();
    request->status.MPI_ERROR = result.error_class();
    // Free the staging memory now rather than when the user frees the request.
    operation.reset();
    return true;
  };
  p2p::engine().add_generic(request);
  return request;
}

}  // namespace weft::coll
