// Error classes, strings and error handlers.
#include <cstring>
#include <string>

#include "api/api.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/errhandler.h"
#include "mpi/session.h"
#include "mpi/state.h"

namespace weft::api {
const std::string* last_error_detail(int error_class);
}

using weft::Status;
using weft::api::finish;



namespace {
bool valid_code(int code) {
  int error_class = 0;
  return weft::error_code_class(code, &error_class);
}
}  // namespace

extern "C" int PMPI_Error_string(int errorcode, char* string, int* resultlen) {
  if (string == nullptr || resultlen == nullptr) {
    return finish("MPI_Error_string", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Error_string: argument %s is NULL",
                              string == nullptr ? "string" : "resultlen"));
  }
  if (!valid_code(errorcode)) {
    return finish("MPI_Error_string", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Error_string: argument errorcode=%d is not an error code",
                              errorcode));
  }
  std::string text = weft::error_class_text(errorcode);
  if (const std::string* added = weft::added_error_string(errorcode)) text = *added;
  if (const std::string* detail = weft::api::last_error_detail(errorcode)) {
    text += " (" + *detail + ")";
  }
  size_t n = std::min(text.size(), static_cast<size_t>(MPI_MAX_ERROR_STRING - 1));
  std::memcpy(string, text.data(), n);
  string[n] = '\0';
  *resultlen = static_cast<int>(n);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Error_class(int errorcode, int* errorclass) {
  if (errorclass == nullptr) {
    return finish("MPI_Error_class", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Error_class: argument errorclass is NULL"));
  }
  if (!valid_code(errorcode)) {
    return finish("MPI_Error_class", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Error_class: argument errorcode=%d is not an error code",
                              errorcode));
  }
  // weft's own error codes are the error classes themselves; added codes map to theirs.
  weft::error_code_class(errorcode, errorclass);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler) {
  const char* call = "MPI_Comm_set_errhandler";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  weft::Comm* c = nullptr;
  if (auto s = weft::check_comm(call, comm, &c); !s.ok()) return finish(call, nullptr, s);
  weft::Errhandler* handler = weft::errhandler_from_handle(errhandler);
  if (handler == nullptr) {
    return finish(call, c,
                  weft::error(MPI_ERR_ARG, "%s: argument errhandler=%p is not a valid error handler",
                              call, static_cast<void*>(errhandler)));
  }
  if (!handler->fits(weft::Errhandler::Family::kComm)) {
    return finish(call, c,
                  weft::error(MPI_ERR_ARG,
                              "%s: argument errhandler=%p was made by "
                              "MPI_Session_create_errhandler, not for communicators",
                              call, static_cast<void*>(errhandler)));
  }
  c->set_errhandler(handler);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler* errhandler) {
  const char* call = "MPI_Comm_get_errhandler";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  weft::Comm* c = nullptr;
  if (auto s = weft::check_comm(call, comm, &c); !s.ok()) return finish(call, nullptr, s);
  if (errhandler == nullptr) {
    return finish(call, c, weft::error(MPI_ERR_ARG, "%s: argument errhandler is NULL", call));
  }
  // The caller receives a new reference, released by MPI_Errhandler_free.
  c->errhandler()->retain();
  *errhandler = c->errhandler()->handle();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function* function,
                                           MPI_Errhandler* errhandler) {
  const char* call = "MPI_Comm_create_errhandler";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (function == nullptr || errhandler == nullptr) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                              function == nullptr ? "comm_errhandler_fn" : "errhandler"));
  }
  auto* handler = new weft::Errhandler(weft::Errhandler::Action::kUser, function);
  *errhandler = handler->handle();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_call_errhandler(MPI_Comm comm, int errorcode) {
  const char* call = "MPI_Comm_call_errhandler";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  weft::Comm* c = nullptr;
  if (auto s = weft::check_comm(call, comm, &c); !s.ok()) return finish(call, nullptr, s);
  weft::Errhandler* handler = c->errhandler();
  if (handler->action() == weft::Errhandler::Action::kUser) {
    MPI_Comm handle = comm;
    int code = errorcode;
    handler->function()(&handle, &code);
    return MPI_SUCCESS;
  }
  // Predefined handlers: report the error code through the normal path.
  int error_class = valid_code(errorcode) ? errorcode : MPI_ERR_UNKNOWN;
  int rc = finish(call, c, weft::error(error_class, "%s: error code %d raised by the program",
                                       call, errorcode));
  (void)rc;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Errhandler_free(MPI_Errhandler* errhandler) {
  const char* call = "MPI_Errhandler_free";
  if (errhandler == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument errhandler is NULL", call));
  }
  weft::Errhandler* handler = weft::errhandler_from_handle(*errhandler);
  if (handler == nullptr) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ARG, "%s: argument errhandler=%p is not a valid error handler",
                              call, static_cast<void*>(*errhandler)));
  }
  handler->release();
  *errhandler = MPI_ERRHANDLER_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Add_error_class(int* errorclass) {
  const char* call = "MPI_Add_error_class";
  if (errorclass == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument errorclass is NULL", call));
  }
  *errorclass = weft::add_error_class();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Add_error_code(int errorclass, int* errorcode) {
  const char* call = "MPI_Add_error_code";
  if (errorcode == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument errorcode is NULL", call));
  }
  if (!weft::add_error_code(errorclass, errorcode)) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ARG, "%s: argument errorclass=%d is not an error class", call,
                              errorclass));
  }
  return MPI_SUCCESS;
}

extern "C" int PMPI_Add_error_string(int errorcode, const char* string) {
  const char* call = "MPI_Add_error_string";
  if (string == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument string is NULL", call));
  }
  if (std::strlen(string) >= MPI_MAX_ERROR_STRING) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ARG, "%s: argument string is longer than MPI_MAX_ERROR_STRING-1", call));
  }
  if (!weft::set_error_string(errorcode, string)) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ARG, "%s: argument errorcode=%d is not a code added by the program",
                              call, errorcode));
  }
  return MPI_SUCCESS;
}

namespace {
// The MPI-4.1 removal calls: `remove` answers nullptr or why the value cannot go.
int removal(const char* call, const char* argument, int value, const char* (*remove)(int)) {
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  const char* refusal = remove(value);
  if (refusal == nullptr) return MPI_SUCCESS;
  return finish(call, nullptr,
                weft::error(MPI_ERR_ARG, "%s: argument %s=%d %s", call, argument, value, refusal));
}
}  // namespace

extern "C" int PMPI_Remove_error_class(int errorclass) {
  return removal("MPI_Remove_error_class", "errorclass", errorclass, weft::remove_error_class);
}

extern "C" int PMPI_Remove_error_code(int errorcode) {
  return removal("MPI_Remove_error_code", "errorcode", errorcode, weft::remove_error_code);
}

extern "C" int PMPI_Remove_error_string(int errorcode) {
  return removal("MPI_Remove_error_string", "errorcode", errorcode, weft::remove_error_string);
}

// ---- session error handlers (MPI-4.1 section 9.3.4) ----------------------------------------

// Legal before any MPI_Session_init: a library makes the handler it passes to it.
extern "C" int PMPI_Session_create_errhandler(MPI_Session_errhandler_function* function,
                                              MPI_Errhandler* errhandler) {
  const char* call = "MPI_Session_create_errhandler";
  if (function == nullptr || errhandler == nullptr) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                              function == nullptr ? "session_errhandler_fn" : "errhandler"));
  }
  auto* handler = new weft::Errhandler(function);
  *errhandler = handler->handle();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Session_set_errhandler(MPI_Session session, MPI_Errhandler errhandler) {
  const char* call = "MPI_Session_set_errhandler";
  weft::Session* sess = nullptr;
  if (auto s = weft::check_session(call, session, &sess); !s.ok()) return finish(call, nullptr, s);
  weft::Errhandler* handler = weft::errhandler_from_handle(errhandler);
  Status s;
  if (handler == nullptr) {
    s = weft::error(MPI_ERR_ARG, "%s: argument errhandler=%p is not a valid error handler", call,
                    static_cast<void*>(errhandler));
  } else if (!handler->fits(weft::Errhandler::Family::kSession)) {
    s = weft::error(MPI_ERR_ARG,
                    "%s: argument errhandler=%p was made by MPI_Comm_create_errhandler, not for "
                    "sessions",
                    call, static_cast<void*>(errhandler));
  }
  if (!s.ok()) return weft::api::finish_session(call, sess->errhandler(), session, s);
  sess->set_errhandler(handler);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Session_get_errhandler(MPI_Session session, MPI_Errhandler* errhandler) {
  const char* call = "MPI_Session_get_errhandler";
  weft::Session* sess = nullptr;
  if (auto s = weft::check_session(call, session, &sess); !s.ok()) return finish(call, nullptr, s);
  if (errhandler == nullptr) {
    return weft::api::finish_session(
        call, sess->errhandler(), session,
        weft::error(MPI_ERR_ARG, "%s: argument errhandler is NULL", call));
  }
  // The caller receives a new reference, released by MPI_Errhandler_free.
  sess->errhandler()->retain();
  *errhandler = sess->errhandler()->handle();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Session_call_errhandler(MPI_Session session, int errorcode) {
  const char* call = "MPI_Session_call_errhandler";
  weft::Session* sess = nullptr;
  if (auto s = weft::check_session(call, session, &sess); !s.ok()) return finish(call, nullptr, s);
  weft::Errhandler* handler = sess->errhandler();
  if (handler->action() == weft::Errhandler::Action::kUser) {
    MPI_Session handle = session;
    int code = errorcode;
    handler->session_function()(&handle, &code);
    return MPI_SUCCESS;
  }
  // Predefined handlers: report the error code through the normal path.
  int error_class = valid_code(errorcode) ? errorcode : MPI_ERR_UNKNOWN;
  int rc = weft::api::finish_session(
      call, handler, session,
      weft::error(error_class, "%s: error code %d raised by the program", call, errorcode));
  (void)rc;
  return MPI_SUCCESS;
}
