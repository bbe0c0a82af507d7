// One collective call in flight: its Context (transfers on the communicator's collective
// context, under a tag of its own), its algorithm's coroutine, and everything the call must
// keep alive until it completes: staging buffers, per-rank arrays, the datatypes and op it
// uses, and the steps that run once the algorithm has finished (unpacking staged results
// into the user's non-contiguous buffers).
//
// Blocking calls run an Operation with run_blocking(); nonblocking ones hand it to a
// kGeneric request (start_nonblocking), whose progress function advances it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "coll/algorithms.h"
#include "coll/reduction.h"
#include "coll/task.h"

namespace weft {
class Comm;
class Object;
class Request;
}  // namespace weft

namespace weft::coll {

class Operation {
 public:
  Operation(const char* call, const Team& team, const Team& remote = Team{})
      : context_(call, team, remote) {}
  ~Operation();
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

  const char* call() const { return context_.call(); }
  Context& context() { return context_; }
  int rank() const { return context_.rank(); }
  int size() const { return context_.size(); }

  // Memory owned by the operation, stable until it ends. buffer(0) is a valid address.
  char* buffer(size_t bytes);
  size_t* array(size_t entries);
  // Keeps a datatype or op alive until the operation ends.
  void keep(Object* object);
  // Runs after the algorithm has finished without error, in the order added.
  void at_end(std::function<void()> step) { end_steps_.push_back(std::move(step)); }
  Reduction& reduction() { return reduction_; }

  // Starts `algorithm` (nullptr: nothing to exchange, the operation is complete at once).
  void start(Algorithm algorithm, const Args& args);
  // Starts a task made on context() by a caller whose steps need more than Args (the
  // neighbourhood exchange of coll/neighbor.cc).
  void start(Task task);
  // Resumes the algorithm as far as completed transfers allow; true once it has finished.
  // Engine lock held.
  bool advance();
  Status result() const { return result_; }

 private:
  Context context_;
  Task task_;
  bool finished_ = false;
  Status result_;
  Reduction reduction_;
  std::vector<std::unique_ptr<char[]>> buffers_;
  std::vector<std::unique_ptr<size_t[]>> arrays_;
  std::vector<Object*> kept_;
  std::vector<std::function<void()>> end_steps_;
};

// The operation of one collective call. A blocking call keeps it in place (on its stack:
// no allocation, no reference counting on the latency-critical path of short collectives);
// a nonblocking one holds it shared, for the request that will own it.
class OperationHandle {
 public:
  OperationHandle(const char* call, const Team& team, const Team& remote, bool shared);
  OperationHandle(const OperationHandle&) = delete;
  OperationHandle& operator=(const OperationHandle&) = delete;

  Operation& operator*() const { return *operation_; }
  Operation* operator->() const { return operation_; }
  // The shared operation, for start_nonblocking (a handle made with shared = true only).
  std::shared_ptr<Operation> share() { return std::move(shared_); }

 private:
  std::optional<Operation> local_;
  std::shared_ptr<Operation> shared_;
  Operation* operation_;
};

// The operation of one collective call on `comm`, in place when `request` is nullptr (a
// blocking call), else shared. Every call takes the communicator's next sequence number as
// its tag, so operations in flight together (nonblocking ones, or one per thread on
// different communicators) never match each other's messages. All ranks start collectives
// on a communicator in the same order, so they agree on the tag.
OperationHandle make_operation(const char* call, const CommView& comm, Request** request);

// Starts `algorithm` (nullptr: nothing to exchange) on the operation, then runs it to
// completion when `request` is nullptr, else makes *request, a kGeneric request that
// completes with it.
Status launch(OperationHandle& operation, const CommView& comm, Algorithm algorithm,
              const Args& args, Request** request);


// The collective-context tag of the communicator's next collective call (every member
// takes one per call, in call order, so the tags agree); for a round of a persistent
// collective, the tag its request took at init.
int next_operation_tag(const CommView& comm);

// Runs a started operation to completion (engine lock held) and returns its result.
Status run_blocking(Operation& operation);

// A kGeneric request (one reference: the user's handle) that completes with the operation.
Request* start_nonblocking(std::shared_ptr<Operation> operation, const CommView& comm);

}  // namespace weft::coll
