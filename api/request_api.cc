// Completion of requests: Wait/Test families, Start, Cancel, Request_free.
#include <vector>

#include "api/api.h"
#include "base/status_util.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/p2p_operations.h"
#include "mpi/state.h"
#include "p2p/engine.h"

using weft::EngineGuard;
using weft::Request;
using weft::Status;
using weft::api::finish;
namespace p2p = weft::p2p;


namespace {

// Resolves a request handle; `*out` is nullptr for MPI_REQUEST_NULL.
Status lookup(const char* call, MPI_Request handle, Request** out) {
  if (handle == MPI_REQUEST_NULL) {
    *out = nullptr;
    return Status();
  }
  *out = weft::request_from_handle(handle);
  if (*out == nullptr) {
    return weft::error(MPI_ERR_REQUEST, "%s: argument request=%p is not a valid request", call,
                       static_cast<void*>(handle));
  }
  return Status();
}

Status lookup_all(const char* call, int count, const MPI_Request* handles, std::vector<Request*>& out) {
  if (count < 0) return weft::error(MPI_ERR_COUNT, "%s: argument count=%d is negative", call, count);
  if (count > 0 && handles == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument array_of_requests is NULL", call);
  }
  out.resize(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    Status s = lookup(call, handles[i], &out[static_cast<size_t>(i)]);
    if (!s.ok()) {
      return weft::error(MPI_ERR_REQUEST, "%s: array_of_requests[%d]=%p is not a valid request",
                         call, i, static_cast<void*>(handles[i]));
    }
  }
  return Status();
}


bool is_pending(const Request* r) {
  if (r == nullptr) return false;
  if (r->persistent) return r->active || r->is_complete();
  return true;
}

// Finishes a completed request: status out, free (non-persistent) or deactivate.
Status retire(const char* call, Request* r, MPI_Request* handle, MPI_Status* status) {
  p2p::copy_status(r, status);
  Status outcome = p2p::outcome(call, r);
  if (r->persistent) {
    r->active = false;
    r->complete.store(false, std::memory_order_relaxed);
  } else {
    r->release();
    *handle = MPI_REQUEST_NULL;
  }
  return outcome;
}

void empty_status(MPI_Status* status) {
  if (status != MPI_STATUS_IGNORE) weft::status_set_empty(status);
}

}  // namespace

extern "C" int PMPI_Wait(MPI_Request* request, MPI_Status* status) {
  const char* call = "MPI_Wait";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (request == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call));
  Request* r = nullptr;
  if (auto s = lookup(call, *request, &r); !s.ok()) return finish(call, nullptr, s);
  if (!is_pending(r)) {
    empty_status(status);
    return MPI_SUCCESS;
  }
  weft::Comm* comm = static_cast<weft::Comm*>(r->comm);
  Status s;
  {
    EngineGuard guard;
    p2p::engine().wait_until([r] { return r->is_complete(); });
    s = retire(call, r, request, status);
  }
  return finish(call, s.ok() ? nullptr : comm, s);
}

extern "C" int PMPI_Test(MPI_Request* request, int* flag, MPI_Status* status) {
  const char* call = "MPI_Test";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (request == nullptr || flag == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                                             request == nullptr ? "request" : "flag"));
  }
  Request* r = nullptr;
  if (auto s = lookup(call, *request, &r); !s.ok()) return finish(call, nullptr, s);
  if (!is_pending(r)) {
    *flag = 1;
    empty_status(status);
    return MPI_SUCCESS;
  }
  weft::Comm* comm = static_cast<weft::Comm*>(r->comm);
  Status s;
  {
    EngineGuard guard;
    if (!r->is_complete()) p2p::engine().progress();
    *flag = r->is_complete();
    if (*flag) s = retire(call, r, request, status);
  }
  return finish(call, s.ok() ? nullptr : comm, s);
}

extern "C" int PMPI_Waitall(int count, MPI_Request requests[], MPI_Status statuses[]) {
  const char* call = "MPI_Waitall";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, count, requests, rs); !s.ok()) return finish(call, nullptr, s);
  bool failed = false;
  {
    EngineGuard guard;
    p2p::engine().wait_until([&] {
      for (Request* r : rs) {
        if (is_pending(r) && !r->is_complete()) return false;
      }
      return true;
    });
    for (int i = 0; i < count; ++i) {
      Request* r = rs[static_cast<size_t>(i)];
      MPI_Status* st = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[i];
      if (!is_pending(r)) {
        empty_status(st);
        continue;
      }
      Status s = retire(call, r, &requests[i], st);
      if (!s.ok()) failed = true;
    }
  }
  if (failed) {
    return finish(call, nullptr, weft::error(MPI_ERR_IN_STATUS, "%s: at least one request failed; "
                                                                "see the MPI_ERROR field of each status", call));
  }
  return MPI_SUCCESS;
}

extern "C" int PMPI_Testall(int count, MPI_Request requests[], int* flag, MPI_Status statuses[]) {
  const char* call = "MPI_Testall";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (flag == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument flag is NULL", call));
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, count, requests, rs); !s.ok()) return finish(call, nullptr, s);
  bool failed = false;
  {
    EngineGuard guard;
    auto all_done = [&] {
      for (Request* r : rs) {
        if (is_pending(r) && !r->is_complete()) return false;
      }
      return true;
    };
    if (!all_done()) p2p::engine().progress();
    *flag = all_done();
    if (*flag) {
      for (int i = 0; i < count; ++i) {
        Request* r = rs[static_cast<size_t>(i)];
        MPI_Status* st = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[i];
        if (!is_pending(r)) {
          empty_status(st);
          continue;
        }
        if (!retire(call, r, &requests[i], st).ok()) failed = true;
      }
    }
  }
  if (failed) {
    return finish(call, nullptr, weft::error(MPI_ERR_IN_STATUS, "%s: at least one request failed", call));
  }
  return MPI_SUCCESS;
}

namespace {

int any_or_some(const char* call, int count, MPI_Request requests[], bool wait, bool some,
                int* index_or_outcount, int* indices, int* flag, MPI_Status* statuses) {
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (index_or_outcount == nullptr || (some && indices == nullptr && count > 0) ||
      (!wait && !some && flag == nullptr)) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: an output argument is NULL", call));
  }
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, count, requests, rs); !s.ok()) return finish(call, nullptr, s);
  bool any_pending = false;
  for (Request* r : rs) any_pending = any_pending || is_pending(r);
  if (!any_pending) {
    *index_or_outcount = MPI_UNDEFINED;
    if (flag != nullptr) *flag = 1;
    if (!some) empty_status(statuses);
    return MPI_SUCCESS;
  }
  bool failed = false;
  Status first_error;
  {
    EngineGuard guard;
    auto ready = [&] {
      for (Request* r : rs) {
        if (is_pending(r) && r->is_complete()) return true;
      }
      return false;
    };
    if (wait) {
      p2p::engine().wait_until(ready);
    } else if (!ready()) {
      p2p::engine().progress();
    }
    if (flag != nullptr) *flag = ready();
    if (!ready()) {
      if (some) *index_or_outcount = 0;
      else *index_or_outcount = MPI_UNDEFINED;
      return MPI_SUCCESS;
    }
    int done = 0;
    for (int i = 0; i < count; ++i) {
      Request* r = rs[static_cast<size_t>(i)];
      if (!is_pending(r) || !r->is_complete()) continue;
      if (some) {
        MPI_Status* st = statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[done];
        indices[done++] = i;
        Status s = retire(call, r, &requests[i], st);
        if (!s.ok()) failed = true;
      } else {
        *index_or_outcount = i;
        first_error = retire(call, r, &requests[i], statuses);
        break;
      }
    }
    if (some) *index_or_outcount = done;
  }
  if (failed) {
    return finish(call, nullptr, weft::error(MPI_ERR_IN_STATUS, "%s: at least one request failed", call));
  }
  return finish(call, nullptr, first_error);
}

}  // namespace

extern "C" int PMPI_Waitany(int count, MPI_Request requests[], int* index, MPI_Status* status) {
  return any_or_some("MPI_Waitany", count, requests, true, false, index, nullptr, nullptr, status);
}

extern "C" int PMPI_Testany(int count, MPI_Request requests[], int* index, int* flag, MPI_Status* status) {
  return any_or_some("MPI_Testany", count, requests, false, false, index, nullptr, flag, status);
}

extern "C" int PMPI_Waitsome(int incount, MPI_Request requests[], int* outcount, int indices[],
                             MPI_Status statuses[]) {
  return any_or_some("MPI_Waitsome", incount, requests, true, true, outcount, indices, nullptr, statuses);
}

extern "C" int PMPI_Testsome(int incount, MPI_Request requests[], int* outcount, int indices[],
                             MPI_Status statuses[]) {
  return any_or_some("MPI_Testsome", incount, requests, false, true, outcount, indices, nullptr, statuses);
}

extern "C" int PMPI_Request_free(MPI_Request* request) {
  const char* call = "MPI_Request_free";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (request == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call));
  Request* r = nullptr;
  if (auto s = lookup(call, *request, &r); !s.ok()) return finish(call, nullptr, s);
  if (r == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_REQUEST, "%s: argument request is MPI_REQUEST_NULL", call));
  }
  {
    EngineGuard guard;
    // An operation still in flight finishes in the background; the engine drops the last
    // reference when it completes.
    if (r->active && !r->is_complete()) {
      r->user_freed = true;
    } else {
      r->release();
    }
  }
  *request = MPI_REQUEST_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Request_get_status(MPI_Request request, int* flag, MPI_Status* status) {
  const char* call = "MPI_Request_get_status";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (flag == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument flag is NULL", call));
  Request* r = nullptr;
  if (auto s = lookup(call, request, &r); !s.ok()) return finish(call, nullptr, s);
  if (!is_pending(r)) {
    *flag = 1;
    empty_status(status);
    return MPI_SUCCESS;
  }
  EngineGuard guard;
  if (!r->is_complete()) p2p::engine().progress();
  *flag = r->is_complete();
  if (*flag) p2p::copy_status(r, status);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Cancel(MPI_Request* request) {
  const char* call = "MPI_Cancel";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (request == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call));
  Request* r = nullptr;
  if (auto s = lookup(call, *request, &r); !s.ok()) return finish(call, nullptr, s);
  if (r == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_REQUEST, "%s: argument request is MPI_REQUEST_NULL", call));
  EngineGuard guard;
  // Receives not yet matched are cancelled; sends are left to complete normally (MPI-4
  // deprecates cancelling sends), which the standard permits.
  if (r->kind == weft::RequestKind::kRecv && r->active && !r->is_complete()) {
    p2p::engine().cancel_receive(r);
  }
  return MPI_SUCCESS;
}

extern "C" int PMPI_Start(MPI_Request* request) {
  const char* call = "MPI_Start";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (request == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call));
  Request* r = nullptr;
  if (auto s = lookup(call, *request, &r); !s.ok()) return finish(call, nullptr, s);
  if (r == nullptr || !r->persistent) {
    return finish(call, nullptr, weft::error(MPI_ERR_REQUEST, "%s: argument request is not a persistent request", call));
  }
  if (r->active) {
    return finish(
        call, static_cast<weft::Comm*>(r->comm),
        weft::error(MPI_ERR_REQUEST, "%s: the persistent request is already active", call));
  }
  EngineGuard guard;
  Status s = p2p::start(call, r);
  r->active = true;
  return finish(call, s.ok() ? nullptr : static_cast<weft::Comm*>(r->comm), s);
}

extern "C" int PMPI_Startall(int count, MPI_Request requests[]) {
  if (count < 0) {
    return finish("MPI_Startall", nullptr, weft::error(MPI_ERR_COUNT, "MPI_Startall: argument count=%d is negative", count));
  }
  for (int i = 0; i < count; ++i) {
    int rc = PMPI_Start(&requests[i]);
    if (rc != MPI_SUCCESS) return rc;
  }
  return MPI_SUCCESS;
}
