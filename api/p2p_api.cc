// Point-to-point entry points: validate, convert handles, call the p2p engine (p2p/, mpi/p2p_operations.h).
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "api/api.h"
#include "base/status_util.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/p2p_operations.h"
#include "mpi/session.h"
#include "mpi/state.h"
#include "p2p/bsend.h"
#include "p2p/engine.h"

using weft::Comm;
using weft::Datatype;
using weft::EngineGuard;
using weft::Request;
using weft::RequestKind;
using weft::SendMode;
using weft::Status;
using weft::api::finish;
namespace p2p = weft::p2p;


namespace {

// A matched message taken off the queue by MPI_Mprobe / MPI_Improbe.
class Message : public weft::Object {
 public:
  static constexpr weft::ObjectKind kKind = weft::ObjectKind::kMessage;
  Message(Comm* comm, std::unique_ptr<p2p::Unexpected> message)
      : Object(kKind), comm_(comm), message_(std::move(message)) {
    comm_->retain();
  }
  ~Message() override { comm_->release(); }
  Comm* comm() const { return comm_; }
  std::unique_ptr<p2p::Unexpected> take() { return std::move(message_); }

 private:
  Comm* comm_;
  std::unique_ptr<p2p::Unexpected> message_;
};

// The common case of a blocking call, checked without building a Status: a running
// library, a valid communicator, a predefined datatype, a real peer rank and tag. When it
// says no, validate() runs and words the error (or accepts MPI_PROC_NULL, derived types…).
// `Count` is int for the standard calls and MPI_Count for their `_c` twins: one body, and
// the int instantiation compiles to what a plain int function would.
template <typename Count>
bool quick_valid(p2p::Direction direction, const void* buf, Count count, MPI_Datatype datatype,
                 int peer, int tag, MPI_Comm comm, Comm** c, Datatype** type) {
  if (count < 0 || !weft::is_running()) return false;
  Comm* communicator = weft::comm_from_handle(comm);
  if (communicator == nullptr) return false;
  const Datatype* predefined = weft::predefined_datatype(datatype);
  if (predefined == nullptr || !predefined->committed() ||
      (buf == nullptr && count > 0 && predefined->size() > 0)) {
    return false;  // an unsupported Fortran type is never committed: validate says why
  }
  const bool receive = direction == p2p::Direction::kReceive;
  if (!((peer >= 0 && peer < communicator->peer_size()) || (receive && peer == MPI_ANY_SOURCE))) return false;
  if (!((tag >= 0 && tag <= p2p::kTagUpperBound) || (receive && tag == MPI_ANY_TAG))) return false;
  *c = communicator;
  *type = const_cast<Datatype*>(predefined);
  return true;
}

template <typename Count>
Status blocking_send(const char* call, const void* buf, Count count, MPI_Datatype datatype,
                     int dest, int tag, MPI_Comm comm, SendMode mode, Comm** c) {
  Datatype* type = nullptr;
  if (!quick_valid(p2p::Direction::kSend, buf, count, datatype, dest, tag, comm, c, &type)) {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(p2p::validate(call, p2p::Direction::kSend, buf, count, datatype, dest, tag, comm, c, &type));
  }
  if (dest == MPI_PROC_NULL) return Status();
  if (mode == SendMode::kBuffered) {
    // The data is copied now; the transfer finishes in the background.
    Request* request = p2p::make_request(RequestKind::kSend, *c, type, buf, count, dest, tag, mode);
    EngineGuard guard;
    Status status = p2p::start(call, request);
    if (!status.ok() || request->is_complete()) {
      request->release();
    } else {
      request->user_freed = true;
    }
    return status;
  }
  if (mode != SendMode::kSync && type->is_contiguous()) {
    // Eager fast path: no request; the transport copies the data before returning.
    const size_t bytes = static_cast<size_t>(count) * type->size();
    p2p::Engine& engine = p2p::engine();
    if (bytes <= engine.eager_limit()) {
      Comm* target = *c;
      EngineGuard guard;
      return engine.send_eager(target->peer_process(dest), target->rank(), tag, target->context(),
                               static_cast<const char*>(buf) + type->true_lb(), bytes);
    }
  }
  Request request(RequestKind::kSend);
  request.bind_borrowed(*c, type);
  request.buffer = const_cast<void*>(buf);
  request.count = static_cast<size_t>(count);
  request.peer = dest;
  request.tag = tag;
  request.context = (*c)->context();
  request.self_rank = (*c)->rank();
  request.mode = mode;
  EngineGuard guard;
  WEFT_TRY(p2p::start(call, &request));
  return p2p::wait(call, &request, MPI_STATUS_IGNORE);
}

template <typename Count>
Status blocking_recv(const char* call, void* buf, Count count, MPI_Datatype datatype, int source,
                     int tag, MPI_Comm comm, MPI_Status* status, Comm** c) {
  Datatype* type = nullptr;
  if (!quick_valid(p2p::Direction::kReceive, buf, count, datatype, source, tag, comm, c, &type)) {
    WEFT_TRY(weft::api::check_initialized(call));
    WEFT_TRY(p2p::validate(call, p2p::Direction::kReceive, buf, count, datatype, source, tag, comm, c, &type));
  }
  Request request(RequestKind::kRecv);
  request.bind_borrowed(*c, type);
  request.buffer = buf;
  request.count = static_cast<size_t>(count);
  request.peer = source;
  request.tag = tag;
  request.context = (*c)->context();
  request.self_rank = (*c)->rank();
  EngineGuard guard;
  WEFT_TRY(p2p::start(call, &request));
  return p2p::wait(call, &request, status);
}

template <typename Count>
Status nonblocking(const char* call, RequestKind kind, const void* buf, Count count,
                   MPI_Datatype datatype, int peer, int tag, MPI_Comm comm, SendMode mode,
                   MPI_Request* out, bool persistent, Comm** c) {
  Datatype* type = nullptr;
  auto direction = kind == RequestKind::kSend ? p2p::Direction::kSend : p2p::Direction::kReceive;
  if (out == nullptr || !quick_valid(direction, buf, count, datatype, peer, tag, comm, c, &type)) {
    WEFT_TRY(weft::api::check_initialized(call));
    if (out == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
    WEFT_TRY(p2p::validate(call, direction, buf, count, datatype, peer, tag, comm, c, &type));
  }
  Request* request = p2p::make_request(kind, *c, type, buf, count, peer, tag, mode);
  request->persistent = persistent;
  if (!persistent) {
    EngineGuard guard;
    Status status = p2p::start(call, request);
    if (!status.ok()) {
      request->release();
      return status;
    }
  }
  *out = request->handle();
  return Status();
}

}  // namespace

extern "C" int PMPI_Send(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                         MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Send", buf, count, datatype, dest, tag, comm, SendMode::kStandard, &c);
  return finish("MPI_Send", c, s);
}

extern "C" int PMPI_Send_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                        int tag, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Send_c", buf, count, datatype, dest, tag, comm, SendMode::kStandard,
                           &c);
  return finish("MPI_Send_c", c, s);
}

extern "C" int PMPI_Ssend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                          MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Ssend", buf, count, datatype, dest, tag, comm, SendMode::kSync, &c);
  return finish("MPI_Ssend", c, s);
}

extern "C" int PMPI_Ssend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                         int tag, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Ssend_c", buf, count, datatype, dest, tag, comm, SendMode::kSync,
                           &c);
  return finish("MPI_Ssend_c", c, s);
}

extern "C" int PMPI_Rsend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                          MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Rsend", buf, count, datatype, dest, tag, comm, SendMode::kReady, &c);
  return finish("MPI_Rsend", c, s);
}

extern "C" int PMPI_Rsend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                         int tag, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Rsend_c", buf, count, datatype, dest, tag, comm, SendMode::kReady,
                           &c);
  return finish("MPI_Rsend_c", c, s);
}

extern "C" int PMPI_Bsend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                          MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Bsend", buf, count, datatype, dest, tag, comm, SendMode::kBuffered, &c);
  return finish("MPI_Bsend", c, s);
}

extern "C" int PMPI_Bsend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                         int tag, MPI_Comm comm) {
  Comm* c = nullptr;
  Status s = blocking_send("MPI_Bsend_c", buf, count, datatype, dest, tag, comm, SendMode::kBuffered,
                           &c);
  return finish("MPI_Bsend_c", c, s);
}

namespace {

// MPI_Buffer_attach and MPI_Comm_attach_buffer.
Status attach_buffer(const char* call, weft::BsendOwner owner, void* buffer, MPI_Count size) {
  if (size < 0 && buffer != MPI_BUFFER_AUTOMATIC) {
    return weft::error(MPI_ERR_ARG, "%s: argument size=%lld is negative", call,
                       static_cast<long long>(size));
  }
  EngineGuard guard;
  return weft::bsend_attach(call, owner, buffer, static_cast<size_t>(size < 0 ? 0 : size));
}

// MPI_Buffer_detach and MPI_Comm_detach_buffer (`Count` int) and their `_c` twins
// (MPI_Count). `buffer_addr` is really a void**. An int size that cannot hold the buffer's
// size is MPI_ERR_VALUE_TOO_LARGE, and the buffer then stays attached (MPI-4.1 §2.5.8: an
// output count that does not fit its int argument).
template <typename Count>
Status detach_buffer(const char* call, weft::BsendOwner owner, void* buffer_addr, Count* size) {
  if (buffer_addr == nullptr || size == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                       buffer_addr == nullptr ? "buffer_addr" : "size");
  }
  void* buffer = nullptr;
  size_t bytes = 0;
  {
    EngineGuard guard;
    if constexpr (sizeof(Count) < sizeof(MPI_Count)) {
      size_t attached = 0;
      if (weft::bsend_attached_bytes(owner, &attached) &&
          attached > static_cast<size_t>(std::numeric_limits<Count>::max())) {
        return weft::error(MPI_ERR_VALUE_TOO_LARGE,
                           "%s: the attached buffer holds %zu bytes, more than argument size "
                           "(an int) can hold; use the _c form",
                           call, attached);
      }
    }
    WEFT_TRY(weft::bsend_detach(call, owner, &buffer, &bytes));
  }
  std::memcpy(buffer_addr, &buffer, sizeof buffer);
  *size = static_cast<Count>(bytes);
  return Status();
}

Status iflush_buffer(const char* call, weft::BsendOwner owner, MPI_Request* request) {
  if (request == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(weft::bsend_iflush(call, owner, &made));
  *request = made->handle();
  return Status();
}

}  // namespace

extern "C" int PMPI_Buffer_attach(void* buffer, int size) {
  const char* call = "MPI_Buffer_attach";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = attach_buffer(call, weft::BsendOwner::process(), buffer, size);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Buffer_detach(void* buffer_addr, int* size) {
  const char* call = "MPI_Buffer_detach";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = detach_buffer(call, weft::BsendOwner::process(), buffer_addr, size);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Buffer_attach_c(void* buffer, MPI_Count size) {
  const char* call = "MPI_Buffer_attach_c";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = attach_buffer(call, weft::BsendOwner::process(), buffer, size);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Buffer_detach_c(void* buffer_addr, MPI_Count* size) {
  const char* call = "MPI_Buffer_detach_c";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = detach_buffer(call, weft::BsendOwner::process(), buffer_addr, size);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Buffer_flush(void) {
  const char* call = "MPI_Buffer_flush";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) {
    EngineGuard guard;
    s = weft::bsend_flush(call, weft::BsendOwner::process());
  }
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Buffer_iflush(MPI_Request* request) {
  const char* call = "MPI_Buffer_iflush";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = iflush_buffer(call, weft::BsendOwner::process(), request);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Comm_attach_buffer(MPI_Comm comm, void* buffer, int size) {
  const char* call = "MPI_Comm_attach_buffer";
  Comm* c = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) s = attach_buffer(call, weft::BsendOwner::communicator(c), buffer, size);
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_detach_buffer(MPI_Comm comm, void* buffer_addr, int* size) {
  const char* call = "MPI_Comm_detach_buffer";
  Comm* c = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) s = detach_buffer(call, weft::BsendOwner::communicator(c), buffer_addr, size);
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_attach_buffer_c(MPI_Comm comm, void* buffer, MPI_Count size) {
  const char* call = "MPI_Comm_attach_buffer_c";
  Comm* c = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) s = attach_buffer(call, weft::BsendOwner::communicator(c), buffer, size);
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_detach_buffer_c(MPI_Comm comm, void* buffer_addr, MPI_Count* size) {
  const char* call = "MPI_Comm_detach_buffer_c";
  Comm* c = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) s = detach_buffer(call, weft::BsendOwner::communicator(c), buffer_addr, size);
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_flush_buffer(MPI_Comm comm) {
  const char* call = "MPI_Comm_flush_buffer";
  Comm* c = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) {
    EngineGuard guard;
    s = weft::bsend_flush(call, weft::BsendOwner::communicator(c));
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_iflush_buffer(MPI_Comm comm, MPI_Request* request) {
  const char* call = "MPI_Comm_iflush_buffer";
  Comm* c = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm, &c);
  if (s.ok()) s = iflush_buffer(call, weft::BsendOwner::communicator(c), request);
  return finish(call, c, s);
}

// ---- a session's buffer (MPI-4.1 section 3.6.1): used by the buffered sends on
// communicators derived from the session that have no buffer of their own. Errors go to
// the session's handler.

namespace {
template <class Body>
int on_session_buffer(const char* call, MPI_Session session, Body body) {
  weft::Session* s = nullptr;
  Status status = weft::check_session(call, session, &s);
  if (!status.ok()) return finish(call, nullptr, status);
  return weft::api::finish_session(call, s->errhandler(), session,
                                   body(weft::BsendOwner::session(s)));
}
}  // namespace

extern "C" int PMPI_Session_attach_buffer(MPI_Session session, void* buffer, int size) {
  const char* call = "MPI_Session_attach_buffer";
  return on_session_buffer(call, session, [&](weft::BsendOwner owner) {
    return attach_buffer(call, owner, buffer, size);
  });
}

extern "C" int PMPI_Session_attach_buffer_c(MPI_Session session, void* buffer, MPI_Count size) {
  const char* call = "MPI_Session_attach_buffer_c";
  return on_session_buffer(call, session, [&](weft::BsendOwner owner) {
    return attach_buffer(call, owner, buffer, size);
  });
}

extern "C" int PMPI_Session_detach_buffer(MPI_Session session, void* buffer_addr, int* size) {
  const char* call = "MPI_Session_detach_buffer";
  return on_session_buffer(call, session, [&](weft::BsendOwner owner) {
    return detach_buffer(call, owner, buffer_addr, size);
  });
}

extern "C" int PMPI_Session_detach_buffer_c(MPI_Session session, void* buffer_addr,
                                            MPI_Count* size) {
  const char* call = "MPI_Session_detach_buffer_c";
  return on_session_buffer(call, session, [&](weft::BsendOwner owner) {
    return detach_buffer(call, owner, buffer_addr, size);
  });
}

extern "C" int PMPI_Session_flush_buffer(MPI_Session session) {
  const char* call = "MPI_Session_flush_buffer";
  return on_session_buffer(call, session, [&](weft::BsendOwner owner) {
    EngineGuard guard;
    return weft::bsend_flush(call, owner);
  });
}

extern "C" int PMPI_Session_iflush_buffer(MPI_Session session, MPI_Request* request) {
  const char* call = "MPI_Session_iflush_buffer";
  return on_session_buffer(call, session, [&](weft::BsendOwner owner) {
    return iflush_buffer(call, owner, request);
  });
}

extern "C" int PMPI_Recv(void* buf, int count, MPI_Datatype datatype, int source, int tag,
                         MPI_Comm comm, MPI_Status* status) {
  Comm* c = nullptr;
  Status s = blocking_recv("MPI_Recv", buf, count, datatype, source, tag, comm, status, &c);
  return finish("MPI_Recv", c, s);
}

extern "C" int PMPI_Recv_c(void* buf, MPI_Count count, MPI_Datatype datatype, int source, int tag,
                           MPI_Comm comm, MPI_Status* status) {
  Comm* c = nullptr;
  Status s = blocking_recv("MPI_Recv_c", buf, count, datatype, source, tag, comm, status, &c);
  return finish("MPI_Recv_c", c, s);
}

extern "C" int PMPI_Isend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                          MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Isend", RequestKind::kSend, buf, count, datatype, dest, tag, comm,
                         SendMode::kStandard, request, false, &c);
  return finish("MPI_Isend", c, s);
}

extern "C" int PMPI_Isend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                            int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Isend_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kStandard, request, false, &c);
  return finish("MPI_Isend_c", c, s);
}

extern "C" int PMPI_Issend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                           MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Issend", RequestKind::kSend, buf, count, datatype, dest, tag, comm,
                         SendMode::kSync, request, false, &c);
  return finish("MPI_Issend", c, s);
}

extern "C" int PMPI_Issend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                             int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Issend_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kSync, request, false, &c);
  return finish("MPI_Issend_c", c, s);
}

extern "C" int PMPI_Irsend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                           MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Irsend", RequestKind::kSend, buf, count, datatype, dest, tag, comm,
                         SendMode::kReady, request, false, &c);
  return finish("MPI_Irsend", c, s);
}

extern "C" int PMPI_Irsend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                             int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Irsend_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kReady, request, false, &c);
  return finish("MPI_Irsend_c", c, s);
}

extern "C" int PMPI_Ibsend(const void* buf, int count, MPI_Datatype datatype, int dest, int tag,
                           MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Ibsend", RequestKind::kSend, buf, count, datatype, dest, tag, comm,
                         SendMode::kBuffered, request, false, &c);
  return finish("MPI_Ibsend", c, s);
}

extern "C" int PMPI_Ibsend_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                             int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Ibsend_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kBuffered, request, false, &c);
  return finish("MPI_Ibsend_c", c, s);
}

extern "C" int PMPI_Irecv(void* buf, int count, MPI_Datatype datatype, int source, int tag,
                          MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Irecv", RequestKind::kRecv, buf, count, datatype, source, tag, comm,
                         SendMode::kStandard, request, false, &c);
  return finish("MPI_Irecv", c, s);
}

extern "C" int PMPI_Irecv_c(void* buf, MPI_Count count, MPI_Datatype datatype, int source,
                            int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Irecv_c", RequestKind::kRecv, buf, count, datatype, source, tag,
                         comm, SendMode::kStandard, request, false, &c);
  return finish("MPI_Irecv_c", c, s);
}

extern "C" int PMPI_Send_init(const void* buf, int count, MPI_Datatype datatype, int dest,
                              int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Send_init", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kStandard, request, true, &c);
  return finish("MPI_Send_init", c, s);
}

extern "C" int PMPI_Send_init_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                                int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Send_init_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kStandard, request, true, &c);
  return finish("MPI_Send_init_c", c, s);
}

extern "C" int PMPI_Ssend_init(const void* buf, int count, MPI_Datatype datatype, int dest,
                               int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Ssend_init", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kSync, request, true, &c);
  return finish("MPI_Ssend_init", c, s);
}

extern "C" int PMPI_Ssend_init_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                                 int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Ssend_init_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kSync, request, true, &c);
  return finish("MPI_Ssend_init_c", c, s);
}

extern "C" int PMPI_Rsend_init(const void* buf, int count, MPI_Datatype datatype, int dest,
                               int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Rsend_init", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kReady, request, true, &c);
  return finish("MPI_Rsend_init", c, s);
}

extern "C" int PMPI_Rsend_init_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                                 int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Rsend_init_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kReady, request, true, &c);
  return finish("MPI_Rsend_init_c", c, s);
}

extern "C" int PMPI_Bsend_init(const void* buf, int count, MPI_Datatype datatype, int dest,
                               int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Bsend_init", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kBuffered, request, true, &c);
  return finish("MPI_Bsend_init", c, s);
}

extern "C" int PMPI_Bsend_init_c(const void* buf, MPI_Count count, MPI_Datatype datatype, int dest,
                                 int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Bsend_init_c", RequestKind::kSend, buf, count, datatype, dest, tag,
                         comm, SendMode::kBuffered, request, true, &c);
  return finish("MPI_Bsend_init_c", c, s);
}

extern "C" int PMPI_Recv_init(void* buf, int count, MPI_Datatype datatype, int source, int tag,
                              MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Recv_init", RequestKind::kRecv, buf, count, datatype, source, tag,
                         comm, SendMode::kStandard, request, true, &c);
  return finish("MPI_Recv_init", c, s);
}

extern "C" int PMPI_Recv_init_c(void* buf, MPI_Count count, MPI_Datatype datatype, int source,
                                int tag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Status s = nonblocking("MPI_Recv_init_c", RequestKind::kRecv, buf, count, datatype, source, tag,
                         comm, SendMode::kStandard, request, true, &c);
  return finish("MPI_Recv_init_c", c, s);
}

namespace {

// MPI_Sendrecv and MPI_Sendrecv_c.
int sendrecv(const char* call, const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
             int dest, int sendtag, void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
             int source, int recvtag, MPI_Comm comm, MPI_Status* status) {
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  Comm* c = nullptr;
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  Status s = p2p::validate(call, p2p::Direction::kSend, sendbuf, sendcount, sendtype, dest,
                           sendtag, comm, &c, &stype);
  if (s.ok()) {
    s = p2p::validate(call, p2p::Direction::kReceive, recvbuf, recvcount, recvtype, source,
                      recvtag, comm, &c, &rtype);
  }
  if (!s.ok()) return finish(call, c, s);
  Request* receive = p2p::make_request(RequestKind::kRecv, c, rtype, recvbuf, recvcount, source,
                                       recvtag, SendMode::kStandard);
  Request* send = p2p::make_request(RequestKind::kSend, c, stype, sendbuf, sendcount, dest,
                                    sendtag, SendMode::kStandard);
  {
    EngineGuard guard;
    s = p2p::start(call, receive);
    if (s.ok()) {
      Status sent = p2p::start(call, send);
      if (sent.ok()) {
        sent = p2p::wait(call, send, MPI_STATUS_IGNORE);
      } else {
        // The receive stays posted; complete it before reporting.
        weft::p2p::engine().cancel_receive(receive);
      }
      s = p2p::wait(call, receive, status);
      if (!sent.ok()) s = sent;
    }
  }
  receive->release();
  send->release();
  return finish(call, c, s);
}

// MPI_Sendrecv_replace and MPI_Sendrecv_replace_c.
int sendrecv_replace(const char* call, void* buf, MPI_Count count, MPI_Datatype datatype,
                     int dest, int sendtag, int source, int recvtag, MPI_Comm comm,
                     MPI_Status* status) {
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  Comm* c = nullptr;
  Datatype* type = nullptr;
  Status s = p2p::validate(call, p2p::Direction::kSend, buf, count, datatype, dest, sendtag, comm,
                           &c, &type);
  if (s.ok()) {
    s = p2p::validate(call, p2p::Direction::kReceive, buf, count, datatype, source, recvtag, comm,
                      &c, &type);
  }
  if (!s.ok()) return finish(call, c, s);
  // Send from a packed copy so the receive can land in the same buffer.
  const size_t bytes = static_cast<size_t>(count) * type->size();
  std::vector<char> copy(bytes);
  if (bytes > 0) type->pack(buf, static_cast<size_t>(count), 0, copy.data(), bytes);
  Datatype* byte_type = weft::datatype_from_handle(MPI_BYTE);
  Request* receive = p2p::make_request(RequestKind::kRecv, c, type, buf, count, source, recvtag,
                                       SendMode::kStandard);
  Request* send = p2p::make_request(RequestKind::kSend, c, byte_type, copy.data(),
                                    static_cast<MPI_Count>(bytes), dest, sendtag,
                                    SendMode::kStandard);
  {
    EngineGuard guard;
    s = p2p::start(call, receive);
    if (s.ok()) {
      Status sent = p2p::start(call, send);
      if (sent.ok()) sent = p2p::wait(call, send, MPI_STATUS_IGNORE);
      else weft::p2p::engine().cancel_receive(receive);
      s = p2p::wait(call, receive, status);
      if (!sent.ok()) s = sent;
    }
  }
  receive->release();
  send->release();
  return finish(call, c, s);
}

// MPI_Isendrecv(_replace): a receive and a send started together, under one kGeneric
// request that completes when both have (and drops them then). `staging` holds the packed
// copy that MPI_Isendrecv_replace sends from, freed at completion.
Status start_sendrecv(const char* call, Comm* c, Request* receive, Request* send,
                      std::shared_ptr<std::vector<char>> staging, MPI_Request* out) {
  EngineGuard guard;
  Status s = p2p::start(call, receive);
  if (s.ok()) {
    s = p2p::start(call, send);
    if (!s.ok()) weft::p2p::engine().cancel_receive(receive);
  }
  if (!s.ok()) {
    if (receive->active && !receive->is_complete()) {
      receive->user_freed = true;
    } else {
      receive->release();
    }
    send->release();
    return s;
  }
  auto* request = new Request(RequestKind::kGeneric);
  request->bind(c, nullptr);
  weft::status_set_empty(&request->status);
  request->progress = [request, receive, send, staging = std::move(staging)]() mutable {
    if (!receive->is_complete() || !send->is_complete()) return false;
    // The receive's status and, for the error message, what it received.
    request->status = receive->status;
    request->error = receive->error != MPI_SUCCESS ? receive->error : send->error;
    request->peer = receive->error != MPI_SUCCESS ? receive->peer : send->peer;
    request->message_bytes = receive->message_bytes;
    request->capacity_bytes = receive->capacity_bytes;
    request->count = receive->count;
    receive->release();
    send->release();
    staging.reset();
    return true;
  };
  weft::p2p::engine().add_generic(request);
  *out = request->handle();
  return Status();
}

// MPI_Isendrecv and MPI_Isendrecv_c.
int isendrecv(const char* call, const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
              int dest, int sendtag, void* recvbuf, MPI_Count recvcount, MPI_Datatype recvtype,
              int source, int recvtag, MPI_Comm comm, MPI_Request* request) {
  Comm* c = nullptr;
  Datatype* stype = nullptr;
  Datatype* rtype = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) {
    s = p2p::validate(call, p2p::Direction::kSend, sendbuf, sendcount, sendtype, dest, sendtag,
                      comm, &c, &stype);
  }
  if (s.ok()) {
    s = p2p::validate(call, p2p::Direction::kReceive, recvbuf, recvcount, recvtype, source,
                      recvtag, comm, &c, &rtype);
  }
  if (s.ok() && request == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
  if (s.ok()) {
    Request* receive = p2p::make_request(RequestKind::kRecv, c, rtype, recvbuf, recvcount, source,
                                         recvtag, SendMode::kStandard);
    Request* send = p2p::make_request(RequestKind::kSend, c, stype, sendbuf, sendcount, dest,
                                      sendtag, SendMode::kStandard);
    s = start_sendrecv(call, c, receive, send, nullptr, request);
  }
  return finish(call, c, s);
}

// MPI_Isendrecv_replace and MPI_Isendrecv_replace_c.
int isendrecv_replace(const char* call, void* buf, MPI_Count count, MPI_Datatype datatype,
                      int dest, int sendtag, int source, int recvtag, MPI_Comm comm,
                      MPI_Request* request) {
  Comm* c = nullptr;
  Datatype* type = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) {
    s = p2p::validate(call, p2p::Direction::kSend, buf, count, datatype, dest, sendtag, comm, &c,
                      &type);
  }
  if (s.ok()) {
    s = p2p::validate(call, p2p::Direction::kReceive, buf, count, datatype, source, recvtag, comm,
                      &c, &type);
  }
  if (s.ok() && request == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
  if (s.ok()) {
    // The message leaves from a packed copy, so the receive can land in the same buffer.
    const size_t bytes = static_cast<size_t>(count) * type->size();
    auto staging = std::make_shared<std::vector<char>>(bytes);
    if (bytes > 0) type->pack(buf, static_cast<size_t>(count), 0, staging->data(), bytes);
    Datatype* byte_type = weft::datatype_from_handle(MPI_BYTE);
    Request* receive = p2p::make_request(RequestKind::kRecv, c, type, buf, count, source, recvtag,
                                         SendMode::kStandard);
    Request* send = p2p::make_request(RequestKind::kSend, c, byte_type, staging->data(),
                                      static_cast<MPI_Count>(bytes), dest, sendtag,
                                      SendMode::kStandard);
    s = start_sendrecv(call, c, receive, send, std::move(staging), request);
  }
  return finish(call, c, s);
}

}  // namespace

extern "C" int PMPI_Sendrecv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, int dest,
                             int sendtag, void* recvbuf, int recvcount, MPI_Datatype recvtype,
                             int source, int recvtag, MPI_Comm comm, MPI_Status* status) {
  return sendrecv("MPI_Sendrecv", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                  recvcount, recvtype, source, recvtag, comm, status);
}

extern "C" int PMPI_Sendrecv_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                               int dest, int sendtag, void* recvbuf, MPI_Count recvcount,
                               MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm,
                               MPI_Status* status) {
  return sendrecv("MPI_Sendrecv_c", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                  recvcount, recvtype, source, recvtag, comm, status);
}

extern "C" int PMPI_Sendrecv_replace(void* buf, int count, MPI_Datatype datatype, int dest,
                                     int sendtag, int source, int recvtag, MPI_Comm comm,
                                     MPI_Status* status) {
  return sendrecv_replace("MPI_Sendrecv_replace", buf, count, datatype, dest, sendtag, source,
                          recvtag, comm, status);
}

extern "C" int PMPI_Sendrecv_replace_c(void* buf, MPI_Count count, MPI_Datatype datatype,
                                       int dest, int sendtag, int source, int recvtag,
                                       MPI_Comm comm, MPI_Status* status) {
  return sendrecv_replace("MPI_Sendrecv_replace_c", buf, count, datatype, dest, sendtag, source,
                          recvtag, comm, status);
}

extern "C" int PMPI_Isendrecv(const void* sendbuf, int sendcount, MPI_Datatype sendtype, int dest,
                              int sendtag, void* recvbuf, int recvcount, MPI_Datatype recvtype,
                              int source, int recvtag, MPI_Comm comm, MPI_Request* request) {
  return isendrecv("MPI_Isendrecv", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                   recvcount, recvtype, source, recvtag, comm, request);
}

extern "C" int PMPI_Isendrecv_c(const void* sendbuf, MPI_Count sendcount, MPI_Datatype sendtype,
                                int dest, int sendtag, void* recvbuf, MPI_Count recvcount,
                                MPI_Datatype recvtype, int source, int recvtag, MPI_Comm comm,
                                MPI_Request* request) {
  return isendrecv("MPI_Isendrecv_c", sendbuf, sendcount, sendtype, dest, sendtag, recvbuf,
                   recvcount, recvtype, source, recvtag, comm, request);
}

extern "C" int PMPI_Isendrecv_replace(void* buf, int count, MPI_Datatype datatype, int dest,
                                      int sendtag, int source, int recvtag, MPI_Comm comm,
                                      MPI_Request* request) {
  return isendrecv_replace("MPI_Isendrecv_replace", buf, count, datatype, dest, sendtag, source,
                           recvtag, comm, request);
}

extern "C" int PMPI_Isendrecv_replace_c(void* buf, MPI_Count count, MPI_Datatype datatype,
                                        int dest, int sendtag, int source, int recvtag,
                                        MPI_Comm comm, MPI_Request* request) {
  return isendrecv_replace("MPI_Isendrecv_replace_c", buf, count, datatype, dest, sendtag,
                           source, recvtag, comm, request);
}

namespace {

Status probe_arguments(const char* call, int source, int tag, MPI_Comm comm, Comm** c) {
  WEFT_TRY(weft::api::check_initialized(call));
  WEFT_TRY(weft::check_comm(call, comm, c));
  if (!((source >= 0 && source < (*c)->peer_size()) || source == MPI_PROC_NULL ||
        source == MPI_ANY_SOURCE)) {
    return weft::error(MPI_ERR_RANK, "%s: argument source=%d is not a rank of %scommunicator %s (size %d)",
                       call, source, (*c)->is_inter() ? "the remote group of inter" : "",
                       (*c)->name().c_str(), (*c)->peer_size());
  }
  if (!((tag >= 0 && tag <= p2p::kTagUpperBound) || tag == MPI_ANY_TAG)) {
    return weft::error(MPI_ERR_TAG, "%s: argument tag=%d is invalid", call, tag);
  }
  return Status();
}

// Probes return one status, so they leave its MPI_ERROR field as it was (MPI-4.1, 3.2.5).
void proc_null_status(MPI_Status* status) {
  if (status == MPI_STATUS_IGNORE) return;
  const int error_field = status->MPI_ERROR;
  weft::status_set_empty(status);
  status->MPI_SOURCE = MPI_PROC_NULL;
  status->MPI_ERROR = error_field;
}

void probe_status(MPI_Status* status, const MPI_Status& found) {
  if (status == MPI_STATUS_IGNORE) return;
  const int error_field = status->MPI_ERROR;
  *status = found;
  status->MPI_ERROR = error_field;
}

}  // namespace

extern "C" int PMPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status* status) {
  const char* call = "MPI_Probe";
  Comm* c = nullptr;
  Status s = probe_arguments(call, source, tag, comm, &c);
  if (!s.ok()) return finish(call, c, s);
  if (source == MPI_PROC_NULL) {
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  MPI_Status found;
  int failed = -1;
  {
    EngineGuard guard;
    auto& engine = weft::p2p::engine();
    // A probe whose source failed (or, for MPI_ANY_SOURCE, a peer that failed) and found
    // nothing would wait forever.
    engine.wait_until([&] {
      return engine.probe(source, tag, c->context(), &found, nullptr) ||
             (failed = engine.failed_source(c, source)) >= 0;
    });
    if (failed >= 0) s = engine.failure(call, failed);
  }
  if (!s.ok()) return finish(call, c, s);
  probe_status(status, found);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Iprobe(int source, int tag, MPI_Comm comm, int* flag, MPI_Status* status) {
  const char* call = "MPI_Iprobe";
  Comm* c = nullptr;
  Status s = probe_arguments(call, source, tag, comm, &c);
  if (s.ok() && flag == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument flag is NULL", call);
  if (!s.ok()) return finish(call, c, s);
  if (source == MPI_PROC_NULL) {
    *flag = 1;
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  MPI_Status found;
  bool hit = false;
  {
    EngineGuard guard;
    auto& engine = weft::p2p::engine();
    hit = engine.probe(source, tag, c->context(), &found, nullptr);
    if (!hit) {
      engine.progress();
      hit = engine.probe(source, tag, c->context(), &found, nullptr);
    }
    const int failed = hit ? -1 : engine.failed_source(c, source);
    if (failed >= 0) s = engine.failure(call, failed);
  }
  if (!s.ok()) {
    *flag = 0;
    return finish(call, c, s);
  }
  *flag = hit;
  if (hit) probe_status(status, found);
  return MPI_SUCCESS;
}

namespace {

int matched_probe(const char* call, int source, int tag, MPI_Comm comm, int* flag,
                  MPI_Message* message, MPI_Status* status, bool blocking) {
  Comm* c = nullptr;
  Status s = probe_arguments(call, source, tag, comm, &c);
  if (s.ok() && message == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument message is NULL", call);
  if (s.ok() && !blocking && flag == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument flag is NULL", call);
  if (!s.ok()) return finish(call, c, s);
  if (source == MPI_PROC_NULL) {
    if (flag != nullptr) *flag = 1;
    *message = MPI_MESSAGE_NO_PROC;
    proc_null_status(status);
    return MPI_SUCCESS;
  }
  MPI_Status found;
  std::unique_ptr<p2p::Unexpected> taken;
  {
    EngineGuard guard;
    auto& engine = weft::p2p::engine();
    int failed = -1;
    if (blocking) {
      engine.wait_until([&] {
        return engine.probe(source, tag, c->context(), &found, &taken) ||
               (failed = engine.failed_source(c, source)) >= 0;
      });
    } else if (!engine.probe(source, tag, c->context(), &found, &taken)) {
      engine.progress();
      engine.probe(source, tag, c->context(), &found, &taken);
    }
    if (taken == nullptr) failed = engine.failed_source(c, source);
    if (failed >= 0) s = engine.failure(call, failed);
  }
  if (!s.ok()) {
    if (flag != nullptr) *flag = 0;
    return finish(call, c, s);
  }
  if (flag != nullptr) *flag = taken != nullptr;
  if (taken == nullptr) return MPI_SUCCESS;
  EngineGuard guard;
  auto* object = new Message(c, std::move(taken));
  *message = weft::to_handle<MPI_Message>(object);
  probe_status(status, found);
  return MPI_SUCCESS;
}

Status matched_receive(const char* call, void* buf, MPI_Count count, MPI_Datatype datatype,
                       MPI_Message* message, Request** out, Comm** c) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (message == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument message is NULL", call);
  if (count < 0) {
    return weft::error(MPI_ERR_COUNT, "%s: argument count=%lld is negative", call,
                       static_cast<long long>(count));
  }
  Datatype* type = nullptr;
  WEFT_TRY(weft::check_datatype(call, "datatype", datatype, &type));
  if (*message == MPI_MESSAGE_NO_PROC) {
    Request* request = new Request(RequestKind::kRecv);
    request->peer = MPI_PROC_NULL;
    WEFT_TRY(p2p::start(call, request));
    *message = MPI_MESSAGE_NULL;
    *out = request;
    return Status();
  }
  auto* object = weft::dynamic_object<Message>(*message);
  if (object == nullptr) {
    return weft::error(MPI_ERR_REQUEST, "%s: argument message=%p is not a matched message", call,
                       static_cast<void*>(*message));
  }
  *c = object->comm();
  Request* request = p2p::make_request(RequestKind::kRecv, *c, type, buf, count,
                                       MPI_ANY_SOURCE, MPI_ANY_TAG, SendMode::kStandard);
  {
    EngineGuard guard;
    Status s = weft::p2p::engine().receive_taken(request, object->take());
    if (!s.ok()) {
      request->release();
      return s;
    }
  }
  object->release();
  *message = MPI_MESSAGE_NULL;
  *out = request;
  return Status();
}

}  // namespace

extern "C" int PMPI_Mprobe(int source, int tag, MPI_Comm comm, MPI_Message* message,
                           MPI_Status* status) {
  return matched_probe("MPI_Mprobe", source, tag, comm, nullptr, message, status, true);
}

extern "C" int PMPI_Improbe(int source, int tag, MPI_Comm comm, int* flag, MPI_Message* message,
                            MPI_Status* status) {
  return matched_probe("MPI_Improbe", source, tag, comm, flag, message, status, false);
}

namespace {

// MPI_Mrecv and MPI_Mrecv_c.
int mrecv(const char* call, void* buf, MPI_Count count, MPI_Datatype datatype,
          MPI_Message* message, MPI_Status* status) {
  Comm* c = nullptr;
  Request* request = nullptr;
  Status s = matched_receive(call, buf, count, datatype, message, &request, &c);
  if (s.ok()) {
    EngineGuard guard;
    s = p2p::wait(call, request, status);
  }
  if (request != nullptr) request->release();
  return finish(call, c, s);
}

// MPI_Imrecv and MPI_Imrecv_c.
int imrecv(const char* call, void* buf, MPI_Count count, MPI_Datatype datatype,
           MPI_Message* message, MPI_Request* request) {
  Comm* c = nullptr;
  Request* r = nullptr;
  Status s = request == nullptr ? weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call)
                                : matched_receive(call, buf, count, datatype, message, &r, &c);
  if (s.ok()) *request = r->handle();
  return finish(call, c, s);
}

}  // namespace

extern "C" int PMPI_Mrecv(void* buf, int count, MPI_Datatype datatype, MPI_Message* message,
                          MPI_Status* status) {
  return mrecv("MPI_Mrecv", buf, count, datatype, message, status);
}

extern "C" int PMPI_Mrecv_c(void* buf, MPI_Count count, MPI_Datatype datatype,
                            MPI_Message* message, MPI_Status* status) {
  return mrecv("MPI_Mrecv_c", buf, count, datatype, message, status);
}

extern "C" int PMPI_Imrecv(void* buf, int count, MPI_Datatype datatype, MPI_Message* message,
                           MPI_Request* request) {
  return imrecv("MPI_Imrecv", buf, count, datatype, message, request);
}

extern "C" int PMPI_Imrecv_c(void* buf, MPI_Count count, MPI_Datatype datatype,
                             MPI_Message* message, MPI_Request* request) {
  return imrecv("MPI_Imrecv_c", buf, count, datatype, message, request);
}
