// Shared helpers of the C entry points. Each entry point is defined as PMPI_<name>; the
// link makes MPI_<name> an alias of it (the MPI profiling interface), from the list that
// api/gen_bindings.py writes out of api/mpi.api:
//
//   extern "C" int PMPI_Send(...) {
//     weft::Status status = ...validate, convert handles, call the core...;
//     return weft::api::finish("MPI_Send", comm, status);
//   }
//
// Entry points only validate arguments, convert handles and call the core; all behaviour
// lives in the layers below (mpi/, coll/, p2p/).
#pragma once

#include "base/error.h"
#include "mpi.h"
#include "p2p/lock.h"
#include "p2p/request.h"

namespace weft {
class Comm;
class Errhandler;
class Session;
}

namespace weft::api {

// Fails unless MPI is usable: the world model runs (MPI_Init done, MPI_Finalize not yet)
// or a session is live.
Status check_initialized(const char* call);

// check_initialized, then the communicator handle (MPI_ERR_COMM); the object in *c.
Status enter_comm(const char* call, MPI_Comm comm, Comm** c);

// MPI_ERR_ARG: "<call>: argument <name> is NULL".
Status null_argument(const char* call, const char* name);

// Turns `status` into the call's return code. On failure it runs the error handler of
// `comm` (nullptr: the handler for errors not tied to a communicator — MPI_COMM_SELF's when
// the program changed it, else MPI_COMM_WORLD's; MPI_ERRORS_ARE_FATAL outside the world
// model). MPI_ERRORS_ARE_FATAL and
// MPI_ERRORS_ABORT print the message and end the job; MPI_ERRORS_RETURN returns the code.
int finish_error(const char* call, Comm* comm, const Status& status);
inline int finish(const char* call, Comm* comm, const Status& status) {
  return status.ok() ? MPI_SUCCESS : finish_error(call, comm, status);
}

// For the Fortran ABI registration calls (MPI_Abi_*_fortran_*), which a Fortran layer makes
// before MPI_Init: outside the world model a failure is returned (its detail kept for
// MPI_Error_string) instead of going to the initial handler, MPI_ERRORS_ARE_FATAL, because
// the standard has the caller recover from a refused registration by asking what is in
// force; while the world model runs it goes to the usual handler, like finish(call, nullptr).
int finish_registration(const char* call, const Status& status);

// The same for a call on a session: a failure runs `handler` (the session's, or the one
// MPI_Session_init was given) with the session's handle (MPI_SESSION_NULL when the session
// is not made yet).
int finish_session_error(const char* call, Errhandler* handler, MPI_Session session,
                         const Status& status);
inline int finish_session(const char* call, Errhandler* handler, MPI_Session session,
                          const Status& status) {
  return status.ok() ? MPI_SUCCESS : finish_session_error(call, handler, session, status);
}

// Runs `start` (a call into coll/ taking the request slot: nullptr for the blocking form)
// under the engine lock and hands the new request of a nonblocking form to the user.
template <typename Start>
Status run_collective(MPI_Request* request, Start start) {
  Request* made = nullptr;
  EngineGuard guard;
  WEFT_TRY(start(request != nullptr ? &made : nullptr));
  if (request != nullptr && made != nullptr) *request = made->handle();
  return Status();
}

}  // namespace weft::api
