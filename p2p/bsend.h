// The buffers of buffered-mode sends (MPI_Bsend, MPI_Ibsend, MPI_Bsend_init). weft keeps
// each message's copy in its request; a buffer only accounts for the space the standard
// says the message occupies, so a program that overruns its buffer gets MPI_ERR_BUFFER as
// the standard requires. A buffer is attached to the process (MPI_Buffer_attach), to one
// communicator (MPI_Comm_attach_buffer) or to a session (MPI_Session_attach_buffer); a send
// uses its communicator's buffer if it has one, else the buffer of the session the
// communicator derives from, else the process's (MPI-4.1 section 3.6).
// MPI_BUFFER_AUTOMATIC attaches a buffer without a size limit.
//
// Everything here runs under the engine lock.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "base/object.h"

namespace weft {

class Request;

// Who a buffer is attached to. `object` names the communicator or the session; it is
// nullptr for the process's buffer.
struct BsendOwner {
  enum class Kind : uint8_t { kProcess, kCommunicator, kSession };
  Kind kind = Kind::kProcess;
  Object* object = nullptr;

  static BsendOwner process() { return BsendOwner{}; }
  static BsendOwner communicator(Object* comm) { return BsendOwner{Kind::kCommunicator, comm}; }
  static BsendOwner session(Object* session) { return BsendOwner{Kind::kSession, session}; }
};

// Attaches `buffer` of `size` bytes (MPI_BUFFER_AUTOMATIC: no limit). A communicator or
// session owner object is retained while its buffer is attached.
Status bsend_attach(const char* call, BsendOwner owner, void* buffer, size_t size);
// Waits (progressing) until every buffered send that uses the buffer completed, then
// detaches it; MPI_BUFFER_AUTOMATIC comes back as the address of an automatic buffer.
Status bsend_detach(const char* call, BsendOwner owner, void** buffer, size_t* size);
// The size of the buffer attached to `owner`; false when none is. MPI_Buffer_detach checks
// it fits its int output before it detaches anything.
bool bsend_attached_bytes(BsendOwner owner, size_t* size);
// Waits until every buffered send that uses the owner's buffer completed (MPI_*_flush_buffer).
Status bsend_flush(const char* call, BsendOwner owner);
// The nonblocking form: a kGeneric request (one reference, the caller's) that completes
// once the messages in the buffer at the time of the call have all been sent.
Status bsend_iflush(const char* call, BsendOwner owner, Request** request);

// Reserves room in the buffer a buffered send on `comm` (deriving from `session`, nullptr
// in the world model) uses for `bytes` of data (plus MPI_BSEND_OVERHEAD) and records the
// reservation in `request`; bsend_release gives it back (the engine does when the send
// completes, the request when it dies).
Status bsend_reserve(const char* call, Object* comm, Object* session, size_t bytes,
                     Request* request);
void bsend_release(Request* request);

}  // namespace weft
