// Collective algorithms are C++20 coroutines. An algorithm posts sends and receives on its
// Context and `co_await`s their completion; between awaits it runs its local steps (copies,
// reductions). The same coroutine serves both forms of a collective:
//   blocking      the caller resumes it from engine().wait_until() until it finishes;
//   nonblocking   a kGeneric request's progress function resumes it from engine progress.
// Either way the coroutine only runs when what it awaits has completed, never blocks, and
// never calls wait or progress itself (it runs inside them).
//
//   Task bcast_binomial(Context& c, Args a) {
//     if (parent >= 0) {
//       c.recv(parent, a.recv, a.bytes);
//       co_await c.all();
//     }
//     ...
//     co_return Status();
//   }
//
// Tasks nest: `co_await other_algorithm(c, args)` runs a whole algorithm as one step of
// another (reduce_scatter as reduce + scatterv, for instance) with symmetric transfer, so
// the driver always resumes the innermost suspended coroutine.
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <utility>
#include <vector>

#include "base/error.h"
#include "coll/team.h"
#include "p2p/request.h"

namespace weft::coll {

// Propagates a failed Status out of a coroutine (the co_return form of WEFT_TRY).
#define WEFT_CO_TRY(expr)                                        \
  do {                                                           \
    ::weft::Status weft_co_status_ = (expr);                     \
    if (!weft_co_status_.ok()) co_return weft_co_status_;        \
  } while (0)

// Coroutine frame memory (coll/context.cc).
void* frame_take(size_t bytes);
void frame_return(void* frame, size_t bytes);

class [[nodiscard]] Task {
 public:
  struct promise_type;
  using Handle = std::coroutine_handle<promise_type>;

  struct promise_type {
    Status result;
    std::coroutine_handle<> continuation;  // the awaiting parent; none for the top task

    // Frames come from a small per-thread cache (coll/context.cc): every collective
    // call creates one, and malloc plus free of it was a visible part of a short call.
    static void* operator new(size_t bytes) { return frame_take(bytes); }
    static void operator delete(void* frame, size_t bytes) { frame_return(frame, bytes); }

    Task get_return_object() { return Task(Handle::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(Handle done) noexcept {
        std::coroutine_handle<> parent = done.promise().continuation;
        return parent ? parent : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_value(Status status) { result = std::move(status); }
    void unhandled_exception() { std::terminate(); }
  };

  Task() = default;
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  // Awaiting a task runs it as a child and yields its Status.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> parent) noexcept {
    handle_.promise().continuation = parent;
    return handle_;
  }
  Status await_resume() { return std::move(handle_.promise().result); }

  // For the driver of a top-level task.
  bool valid() const { return static_cast<bool>(handle_); }
  void start() { handle_.resume(); }
  bool done() const { return handle_.done(); }
  Status take_result() { return std::move(handle_.promise().result); }

 private:
  explicit Task(Handle handle) : handle_(handle) {}
  Handle handle_;
};

// Transfers by ticket: the first kInline in place, any more on the heap. Most algorithm
// steps have a few transfers in flight, and a vector's first growth steps cost an
// allocation each on every collective call.
class TransferList {
 public:
  size_t size() const { return size_; }
  Request*& operator[](size_t index) {
    return index < kInline ? inline_[index] : more_[index - kInline];
  }
  Request* operator[](size_t index) const {
    return index < kInline ? inline_[index] : more_[index - kInline];
  }
  void push_back(Request* request) {
    if (size_ < kInline) {
      inline_[size_] = request;
    } else {
      more_.push_back(request);
    }
    ++size_;
  }
  void clear() {
    size_ = 0;
    more_.clear();
  }

 private:
  static constexpr size_t kInline = 8;
  Request* inline_[kInline];
  std::vector<Request*> more_;
  size_t size_ = 0;
};

// The transfers of one collective operation and the awaiters over them. Transfers start
// when posted; `co_await all()` resumes when every transfer posted so far has completed,
// `co_await done(ticket)` when one has. Failures are kept for error(): the first failed
// transfer, or a message whose size differs from the posted one (counts or datatypes that
// do not match between processes).
class Context {
 public:
  using Ticket = size_t;

  // `remote`: on an intercommunicator, the other group (ranks of the remote group, this
  // process's local rank as the source, the intercommunicator's collective context);
  // team.processes == nullptr otherwise.
  Context(const char* call, const Team& team, const Team& remote = Team{})
      : call_(call), team_(team), remote_(remote) {}
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const char* call() const { return call_; }
  const Team& team() const { return team_; }
  int rank() const { return team_.rank; }
  int size() const { return team_.size; }

  Ticket send(int peer, const void* data, size_t bytes);
  Ticket recv(int peer, void* data, size_t bytes);
  // Intercommunicators: transfers with rank `peer` of the remote group. They share the
  // tickets and awaiters of the local ones, so one step may mix both.
  Ticket send_remote(int peer, const void* data, size_t bytes);
  Ticket recv_remote(int peer, void* data, size_t bytes);
  int remote_size() const { return remote_.size; }

  struct AllAwaiter {
    Context* context;
    bool await_ready() { return context->all_complete(); }
    void await_suspend(std::coroutine_handle<> waiting) { context->suspend(waiting, kAll); }
    void await_resume() { context->collect_all(); }
  };
  struct OneAwaiter {
    Context* context;
    Ticket ticket;
    bool await_ready() { return context->is_complete(ticket); }
    void await_suspend(std::coroutine_handle<> waiting) { context->suspend(waiting, ticket); }
    void await_resume() { context->collect(ticket); }
  };
  AllAwaiter all() { return AllAwaiter{this}; }
  OneAwaiter done(Ticket ticket) { return OneAwaiter{this, ticket}; }

  // The first failure seen so far (success when none).
  const Status& error() const { return error_; }

  // Driver side: whether the suspended coroutine may resume, and which one it is.
  bool ready();
  std::coroutine_handle<> take_waiting() { return std::exchange(waiting_, {}); }
  // Whether every posted transfer has completed (true after a finished algorithm).
  bool quiet() { return all_complete(); }

 private:
  static constexpr Ticket kAll = static_cast<Ticket>(-1);
  static constexpr size_t kInlineRequests = 4;

  Ticket start_send(const Team& team, int peer, const void* data, size_t bytes);
  Ticket start_recv(const Team& team, int peer, void* data, size_t bytes);
  Ticket post(Request* request, const Status& started);
  // After a failed member: records an empty transfer and says so (no transfer starts).
  bool abandoned(const Team& team);
  void suspend(std::coroutine_handle<> waiting, Ticket ticket) {
    waiting_ = waiting;
    waiting_for_ = ticket;
  }
  bool all_complete();
  bool is_complete(Ticket ticket) const;
  // The first transfers' requests live in the context (a heap allocation and free per
  // transfer was a visible part of a short collective); later ones on the heap.
  void* inline_slot(Ticket ticket) {
    return ticket < kInlineRequests ? static_cast<void*>(request_storage_[ticket]) : nullptr;
  }
  void end(Request* request);
  void collect_all();
  void collect(Ticket ticket);
  void note(Status status);
  Status outcome(const Request& request) const;

  const char* call_;
  Team team_;
  Team remote_;
  // Storage for the requests of tickets [0, kInlineRequests): a slot is reused only after
  // collect_all(), which ends every request and starts the tickets from 0 again.
  alignas(Request) unsigned char request_storage_[kInlineRequests][sizeof(Request)];
  TransferList transfers_;           // by ticket; nullptr once collected
  size_t checked_ = 0;               // transfers_[0, checked_) are complete or collected
  Status error_;                     // first failure
  std::coroutine_handle<> waiting_;
  Ticket waiting_for_ = kAll;
};

// The pool behind Scratch (coll/context.cc): take a buffer of at least `bytes`
// (its real capacity in *capacity), return it when done.
char* scratch_take(size_t bytes, size_t* capacity);
void scratch_return(char* data, size_t capacity);

// Uninitialized scratch memory (no zero fill: buffers are always written before read).
// Buffers come from a small process-wide pool and go back to it: a fresh allocation of a
// large buffer per call costs page faults and kernel zeroing on every collective (it made
// a 1 MiB reduce several times slower), while reused pages stay mapped and warm.
class Scratch {
 public:
  // Requests this small are served from the object itself: short collectives then touch
  // neither the pool nor its lock.
  static constexpr size_t kInline = 128;

  Scratch() = default;
  explicit Scratch(size_t bytes) { resize(bytes); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { give_back(); }
  void resize(size_t bytes) {
    if (data_ != nullptr && bytes <= capacity_) return;
    give_back();
    if (bytes <= kInline) {
      data_ = inline_;
      capacity_ = kInline;
      return;
    }
    data_ = scratch_take(bytes, &capacity_);
  }
  char* data() { return data_; }

 private:
  void give_back() {
    if (data_ != nullptr && data_ != inline_) scratch_return(data_, capacity_);
    data_ = nullptr;
    capacity_ = 0;
  }
  char* data_ = nullptr;
  size_t capacity_ = 0;
  alignas(64) char inline_[kInline];
};

}  // namespace weft::coll
