// Sessions (MPI-4.1 section 11.3): MPI_Session_init and _finalize, the process-set queries,
// MPI_Session_get_info and MPI_Group_from_session_pset. The session error handler calls are
// in error_api.cc, the session buffer calls beside the other buffers in p2p_api.cc.
//
// An error in a call on a live session goes to the session's error handler (MPI_Session_init's
// to the handler it is given); a session argument that names no live session has no handler
// of its own, so that error takes the path of errors tied to no object.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "api/api.h"
#include "mpi.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/info.h"
#include "mpi/session.h"

using weft::Session;
using weft::Status;
using weft::api::finish;
using weft::api::finish_session;

namespace {

// A pset name argument: non-NULL and shorter than MPI_MAX_PSET_NAME_LEN.
Status check_pset_name(const char* call, const char* name) {
  if (name == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument pset_name is NULL", call);
  if (strnlen(name, MPI_MAX_PSET_NAME_LEN) >= MPI_MAX_PSET_NAME_LEN) {
    return weft::error(MPI_ERR_ARG,
                       "%s: argument pset_name is longer than MPI_MAX_PSET_NAME_LEN - 1 = %d "
                       "characters",
                       call, MPI_MAX_PSET_NAME_LEN - 1);
  }
  return Status();
}

Status not_null(const char* call, const char* argument, const void* pointer) {
  if (pointer == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, argument);
  return Status();
}

// Runs `body` on the live session `session`: an invalid handle is an error tied to no
// object, every other failure goes to the session's handler.
template <class Body>
int on_session(const char* call, MPI_Session session, Body body) {
  Session* s = nullptr;
  if (Status status = weft::check_session(call, session, &s); !status.ok()) {
    return finish(call, nullptr, status);
  }
  return finish_session(call, s->errhandler(), session, body(s));
}

}  // namespace

extern "C" int PMPI_Session_init(MPI_Info info, MPI_Errhandler errhandler, MPI_Session* session) {
  const char* call = "MPI_Session_init";
  weft::Errhandler* handler = weft::errhandler_from_handle(errhandler);
  if (handler == nullptr || !handler->fits(weft::Errhandler::Family::kSession)) {
    // No handler to report to: the error takes the default path.
    return finish(call, nullptr,
                  weft::error(MPI_ERR_ERRHANDLER,
                              "%s: argument errhandler=%p is not %s", call,
                              static_cast<void*>(errhandler),
                              handler == nullptr
                                  ? "a valid error handler"
                                  : "a predefined handler or one from "
                                    "MPI_Session_create_errhandler"));
  }
  weft::Info* hints = nullptr;
  Status s = weft::resolve_hints(call, info, &hints);
  if (s.ok()) s = not_null(call, "session", session);
  Session* made = nullptr;
  if (s.ok()) s = weft::session_init(call, hints, handler, &made);
  if (!s.ok()) return finish_session(call, handler, MPI_SESSION_NULL, s);
  *session = made->handle();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Session_finalize(MPI_Session* session) {
  const char* call = "MPI_Session_finalize";
  if (session == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument session is NULL", call));
  }
  Session* s = nullptr;
  if (Status status = weft::check_session(call, *session, &s); !status.ok()) {
    return finish(call, nullptr, status);
  }
  // The handler outlives the session for the report of a failure in the finalization.
  weft::Errhandler* handler = s->errhandler();
  handler->retain();
  const MPI_Session handle = *session;
  Status status = weft::session_finalize(call, s);
  *session = MPI_SESSION_NULL;
  int rc = finish_session(call, handler, handle, status);
  handler->release();
  return rc;
}

extern "C" int PMPI_Session_get_num_psets(MPI_Session session, MPI_Info info, int* npset_names) {
  const char* call = "MPI_Session_get_num_psets";
  return on_session(call, session, [&](Session*) {
    weft::Info* hints = nullptr;
    WEFT_TRY(weft::resolve_hints(call, info, &hints));
    WEFT_TRY(not_null(call, "npset_names", npset_names));
    *npset_names = weft::pset_count();
    return Status();
  });
}

// pset_len in: the capacity of pset_name (0: only ask the length); out: the length the
// name needs with its terminating NUL. A shorter buffer gets the name truncated, terminated.
extern "C" int PMPI_Session_get_nth_pset(MPI_Session session, MPI_Info info, int n,
                                         int* pset_len, char* pset_name) {
  const char* call = "MPI_Session_get_nth_pset";
  return on_session(call, session, [&](Session*) {
    weft::Info* hints = nullptr;
    WEFT_TRY(weft::resolve_hints(call, info, &hints));
    if (n < 0 || n >= weft::pset_count()) {
      return weft::error(MPI_ERR_ARG,
                         "%s: argument n=%d is not the index of a process set (the session has "
                         "%d, indices 0..%d)",
                         call, n, weft::pset_count(), weft::pset_count() - 1);
    }
    WEFT_TRY(not_null(call, "pset_len", pset_len));
    if (*pset_len < 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument *pset_len=%d is negative", call, *pset_len);
    }
    const char* name = weft::pset_name(n);
    const int needed = static_cast<int>(std::strlen(name)) + 1;
    if (*pset_len > 0) {
      WEFT_TRY(not_null(call, "pset_name", pset_name));
      const int copied = std::min(*pset_len - 1, needed - 1);
      std::memcpy(pset_name, name, static_cast<size_t>(copied));
      pset_name[copied] = '\0';
    }
    *pset_len = needed;
    return Status();
  });
}

extern "C" int PMPI_Session_get_pset_info(MPI_Session session, const char* pset_name,
                                          MPI_Info* info) {
  const char* call = "MPI_Session_get_pset_info";
  return on_session(call, session, [&](Session*) {
    WEFT_TRY(check_pset_name(call, pset_name));
    WEFT_TRY(not_null(call, "info", info));
    std::vector<int> processes;
    WEFT_TRY(weft::pset_processes(call, pset_name, &processes));
    auto* made = new weft::Info();
    made->set("mpi_size", std::to_string(processes.size()));
    *info = made->handle();
    return Status();
  });
}

extern "C" int PMPI_Session_get_info(MPI_Session session, MPI_Info* info_used) {
  const char* call = "MPI_Session_get_info";
  return on_session(call, session, [&](Session* s) {
    WEFT_TRY(not_null(call, "info_used", info_used));
    *info_used = weft::session_info(*s)->handle();
    return Status();
  });
}

extern "C" int PMPI_Group_from_session_pset(MPI_Session session, const char* pset_name,
                                            MPI_Group* newgroup) {
  const char* call = "MPI_Group_from_session_pset";
  return on_session(call, session, [&](Session* s) {
    WEFT_TRY(check_pset_name(call, pset_name));
    WEFT_TRY(not_null(call, "newgroup", newgroup));
    std::vector<int> processes;
    WEFT_TRY(weft::pset_processes(call, pset_name, &processes));
    weft::Group* group = weft::make_group(std::move(processes));
    group->set_session(s);
    *newgroup = group->handle();
    return Status();
  });
}
