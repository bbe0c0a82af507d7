#include "api/api.h"

#include <cstdio>
#include <string>

#include "mpi/comm.h"
#include "mpi/errhandler.h"
#include "mpi/state.h"

namespace weft::api {

namespace {
// The detail of the most recent error on this thread, for MPI_Error_string.
thread_local int t_last_class = MPI_SUCCESS;
thread_local std::string t_last_message;
}  // namespace

const std::string* last_error_detail(int error_class) {
  return error_class == t_last_class && !t_last_message.empty() ? &t_last_message : nullptr;
}

Status check_initialized(const char* call) {
  if (is_running()) [[likely]]
    return Status();
  switch (phase()) {
    case Phase::kRunning:
      return Status();
    case Phase::kNotStarted:
      return error(MPI_ERR_OTHER, "%s: called before MPI_Init (and with no session live)", call);
    case Phase::kFinalized:
      return error(MPI_ERR_OTHER, "%s: called after MPI_Finalize (and with no session live)",
                   call);
  }
  return Status();
}

Status enter_comm(const char* call, MPI_Comm comm, Comm** c) {
  WEFT_TRY(check_initialized(call));
  return check_comm(call, comm, c);
}

Status null_argument(const char* call, const char* name) {
  return error(MPI_ERR_ARG, "%s: argument %s is NULL", call, name);
}

namespace {
void remember(const Status& status) {
  t_last_class = status.error_class();
  t_last_message = status.message();
}

// MPI_ERRORS_ARE_FATAL and MPI_ERRORS_ABORT: the message, then the end of the job.
[[noreturn]] void end_with(const Status& status) {
  const int code = status.error_class();
  std::string message = "weft: rank " + std::to_string(self_process()) + ": " +
                        status.message() + " [" + error_class_text(code) + "]";
  if (!is_running()) {
    std::fprintf(stderr, "%s\n", message.c_str());
    std::fflush(stderr);
    std::_Exit(code == 0 ? 1 : code);
  }
  abort_job(code, message);
}
}  // namespace

int finish_error(const char* call, Comm* comm, const Status& status) {
  const int code = status.error_class();
  remember(status);

  if (comm == nullptr && phase() == Phase::kRunning) {
    Comm* self = comm_self();
    comm = (self != nullptr && self->errhandler() != errors_are_fatal()) ? self : comm_world();
  }
  Errhandler* handler = comm != nullptr ? comm->errhandler() : errors_are_fatal();
  switch (handler->action()) {
    case Errhandler::Action::kReturn:
      return code;
    case Errhandler::Action::kUser: {
      MPI_Comm handle = comm->handle();
      int code_arg = code;
      handler->function()(&handle, &code_arg, call);
      return code;
    }
    case Errhandler::Action::kFatal:
    case Errhandler::Action::kAbort:
      end_with(status);
  }
  return code;
}

int finish_registration(const char* call, const Status& status) {
  if (status.ok()) return MPI_SUCCESS;
  if (phase() != Phase::kRunning) {
    remember(status);
    return status.error_class();
  }
  return finish_error(call, nullptr, status);
}

int finish_session_error(const char* call, Errhandler* handler, MPI_Session session,
                         const Status& status) {
  const int code = status.error_class();
  remember(status);
  if (handler == nullptr) handler = errors_are_fatal();
  switch (handler->action()) {
    case Errhandler::Action::kReturn:
      return code;
    case Errhandler::Action::kUser: {
      int code_arg = code;
      handler->session_function()(&session, &code_arg, call);
      return code;
    }
    case Errhandler::Action::kFatal:
    case Errhandler::Action::kAbort:
      end_with(status);
  }
  return code;
}

}  // namespace weft::api
