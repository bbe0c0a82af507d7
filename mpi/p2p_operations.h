// Point-to-point operations on communicators, between the C entry points and the engine:
// argument validation (with the standard's error classes and messages naming the call,
// argument and value), request set-up, MPI_PROC_NULL, buffered sends, completion.
#pragma once

#include "base/error.h"
#include "mpi.h"
#include "p2p/request.h"

namespace weft {
class Comm;
class Datatype;
}

namespace weft::p2p {

inline constexpr int kTagUpperBound = 0x7fffffff;

enum class Direction { kSend, kReceive };

// Validates the (buf, count, datatype, peer, tag, comm) arguments of a send or receive.
// Counts are MPI_Count so the int calls and their large-count `_c` twins share it.
Status validate(const char* call, Direction direction, const void* buffer, MPI_Count count,
                MPI_Datatype datatype, int peer, int tag, MPI_Comm comm, Comm** comm_out,
                Datatype** datatype_out);

// A new (inactive) request for the operation; the caller owns one reference.
Request* make_request(RequestKind kind, Comm* comm, Datatype* datatype, const void* buffer,
                      MPI_Count count, int peer, int tag, SendMode mode);

// Starts the operation of a fresh or persistent request (engine lock held).
Status start(const char* call, Request* request);

// Blocks until the request completes (engine lock held); fills `status` and returns the
// operation's error (e.g. MPI_ERR_TRUNCATE with a message naming `call`).
Status wait(const char* call, Request* request, MPI_Status* status);

}  // namespace weft::p2p
