// Requests: one object per nonblocking operation (and per persistent request). The p2p
// engine fills and completes send/receive requests; collectives use kGeneric requests
// whose progress function advances a schedule.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "mpi.h"

namespace weft {

class Datatype;
struct BsendPool;

enum class RequestKind : uint8_t { kSend, kRecv, kGeneric };
enum class SendMode : uint8_t { kStandard, kSync, kReady, kBuffered };

class Request : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kRequest;

  explicit Request(RequestKind kind) : Object(kKind), kind(kind) {}
  ~Request() override;

  // Requests come and go at message rate: their memory is recycled per thread
  // (base/block_cache.h) rather than taken from malloc for each message. Subclasses of
  // another size use the heap. Placement new (requests built in a caller's storage)
  // stays available.
  static void* operator new(size_t bytes);
  static void operator delete(void* block, size_t bytes);
  static void* operator new(size_t, void* where) noexcept { return where; }
  static void operator delete(void*, void*) noexcept {}

  // Sets the operation's communicator and datatype (retained until the request dies).
  void bind(Object* comm, Datatype* datatype);
  // For a request that lives on the stack of a blocking call: the caller's references
  // keep both alive for the whole call, so no reference is taken (no atomics).
  void bind_borrowed(Object* new_comm, Datatype* new_datatype) {
    comm = new_comm;
    datatype = new_datatype;
    borrowed = true;
  }

  MPI_Request handle() { return to_handle<MPI_Request>(this); }
  bool is_complete() const { return complete.load(std::memory_order_acquire); }

  const RequestKind kind;
  std::atomic<bool> complete{false};
  MPI_Status status{};  // valid once complete

  // Lifecycle flags: persistent requests stay allocated between Start calls; a request the
  // user freed while active is released by the engine when it completes.
  bool persistent = false;
  bool active = false;
  bool user_freed = false;
  bool cancelled = false;
  bool borrowed = false;  // comm and datatype are not retained (bind_borrowed)

  // The operation, as the user described it.
  // The communicator (a weft::Comm; p2p sees it only as an object to keep alive, the
  // layers above cast it back).
  Object* comm = nullptr;
  Datatype* datatype = nullptr;
  void* buffer = nullptr;  // receive buffer, or the (const) send buffer
  size_t count = 0;
  int peer = 0;           // destination or source rank in comm (or MPI_ANY_SOURCE)
  int self_rank = 0;      // this process's rank in comm (the source field of sends)
  int tag = 0;
  uint32_t context = 0;   // comm->context() or comm->coll_context()
  SendMode mode = SendMode::kStandard;

  // Engine state.
  size_t message_bytes = 0;    // total packed bytes of the message
  size_t capacity_bytes = 0;   // receive: bytes the buffer can hold
  size_t bytes_done = 0;       // receive: stream bytes arrived; send: stream bytes pushed
  int peer_process = -1;       // world rank of the remote side (set by the caller for sends)
  size_t buffered_bytes = 0;   // space held in a buffered-send buffer (p2p/bsend.h)
  BsendPool* buffered_pool = nullptr;  // the buffer holding it, while it does
  uint64_t buffered_generation = 0;
  uint64_t remote_request = 0; // the other side's request id in a rendezvous
  std::vector<char> packed;    // packed copy of non-contiguous or buffered data
  const char* send_data = nullptr;  // contiguous bytes to send (user buffer or `packed`)
  int error = MPI_SUCCESS;
  // In the engine's list of transfers that wait for the peer (an ACK, CTS, FIN or DATA),
  // where a failure of the peer finds them.
  bool awaiting = false;

  // The engine's queue this request waits in (posted receives, streaming sends,
  // generic operations): see base/intrusive_list.h.
  Request* list_prev = nullptr;
  Request* list_next = nullptr;

  // kGeneric: advances the operation; returns true once it is complete.
  std::function<bool()> progress;
  // A persistent request whose operation is not one send or receive (a persistent
  // collective): MPI_Start runs this to start its next round (engine lock held).
  std::function<Status(Request&)> start_round;
};

Request* request_from_handle(MPI_Request handle);

}  // namespace weft

namespace weft::p2p {

// Reports the outcome of a completed request as a Status for `call`.
Status outcome(const char* call, const Request* request);

// Copies the request's status to the user (MPI_STATUS_IGNORE allowed), all but its
// MPI_ERROR field.
void copy_status(const Request* request, MPI_Status* status);

}  // namespace weft::p2p
