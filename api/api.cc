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
  switch (phase()) {
    case Phase::kRunning:
      return Status();
    case Phase::kNotStarted:
      return error(MPI_ERR_OTHER, "%s: called before MPI_Init", call);
    case Phase::kFinalized:
      return error(MPI_ERR_OTHER, "%s: called after MPI_Finalize", call);
  }
  return Status();
}

int finish_error(const char* call, Comm* comm, const Status& status) {
  const int code = status.error_class();
  t_last_class = code;
  t_last_message = status.message();

  if (comm == nullptr) {
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
    case Errhandler::Action::kAbort: {
      std::string message = "weft: rank " + std::to_string(self_process()) + ": " +
                            status.message() + " [" + error_class_text(code) + "]";
      if (phase() == Phase::kNotStarted || phase() == Phase::kFinalized) {
        std::fprintf(stderr, "%s\n", message.c_str());
        std::fflush(stderr);
        std::_Exit(code == 0 ? 1 : code);
      }
      abort_job(code, message);
    }
  }
  return code;
}

}  // namespace weft::api
