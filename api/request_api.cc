// Completion of requests: Wait/Test families, Request_get_status(_all/_any/_some), Start,
// Cancel, Request_free; generalized requests (MPI_Grequest_start/complete); the status
// accessors (MPI_Status_get/set_source/tag/error, MPI_Status_set_elements_x).
//
// Statuses: a call that returns one status never writes its MPI_ERROR field; the calls that
// return an array of statuses write the field of every status only when they return
// MPI_ERR_IN_STATUS (MPI-4.1, 3.2.5). Persistent requests stay allocated: completing one
// makes it inactive, and an inactive one (like MPI_REQUEST_NULL) completes at once with an
// empty status.
//
// Generalized requests run user callbacks (query_fn when the request completes in a
// Wait/Test or is looked at by Request_get_status, free_fn when it is freed, cancel_fn in
// MPI_Cancel). Callbacks never run under the engine lock: the completion functions note
// them while holding it and run them after.
#include <vector>

#include "api/api.h"
#include "api/api_checks.h"
#include "base/status_util.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/p2p_operations.h"
#include "mpi/state.h"
#include "p2p/engine.h"
#include "p2p/partitioned.h"

using weft::EngineGuard;
using weft::Request;
using weft::Status;
using weft::api::finish;
namespace p2p = weft::p2p;
namespace validate = weft::api::validate;

namespace {

// A request that the user's own code completes (MPI_Grequest_start).
class GeneralizedRequest : public Request {
 public:
  GeneralizedRequest(MPI_Grequest_query_function* query, MPI_Grequest_free_function* free,
                     MPI_Grequest_cancel_function* cancel, void* extra_state)
      : Request(weft::RequestKind::kGeneric),
        query_fn(query),
        free_fn(free),
        cancel_fn(cancel),
        extra_state(extra_state) {}

  MPI_Grequest_query_function* const query_fn;
  MPI_Grequest_free_function* const free_fn;
  MPI_Grequest_cancel_function* const cancel_fn;
  void* const extra_state;
  bool completed = false;      // MPI_Grequest_complete was called
  bool freed_by_user = false;  // MPI_Request_free came before MPI_Grequest_complete
};

// Only a kGeneric request can be one: sends and receives skip the cast (the completion
// calls ask this of every request, on the message-rate path).
GeneralizedRequest* as_generalized(Request* r) {
  return r->kind == weft::RequestKind::kGeneric ? dynamic_cast<GeneralizedRequest*>(r) : nullptr;
}

// The error class of a code a user callback returned (MPI_ERR_OTHER when it is no code).
int callback_class(int code) {
  int error_class = MPI_ERR_OTHER;
  if (!weft::error_code_class(code, &error_class)) error_class = MPI_ERR_OTHER;
  return error_class;
}

// The user's status, its MPI_ERROR field left as it was.
void deliver_status(const Request* r, MPI_Status* status) { p2p::copy_status(r, status); }

void empty_status(MPI_Status* status) {
  if (status == MPI_STATUS_IGNORE) return;
  const int error = status->MPI_ERROR;
  weft::status_set_empty(status);
  status->MPI_ERROR = error;
}

MPI_Status* status_at(MPI_Status* statuses, int i) {
  return statuses == MPI_STATUSES_IGNORE ? MPI_STATUS_IGNORE : &statuses[i];
}

// Callbacks of generalized requests, noted under the engine lock, run after it.
struct Callback {
  GeneralizedRequest* request;
  MPI_Status* status;  // where query_fn writes (MPI_STATUS_IGNORE: a scratch status)
  bool free;           // then free_fn, and the request is released
  int index;           // the request's position in the caller's array
};
using Callbacks = std::vector<Callback>;

// Runs the noted callbacks; `codes[index]` (when given) receives each one's error code.
// Returns the first failure.
Status run_callbacks(const char* call, const Callbacks& callbacks, std::vector<int>* codes) {
  Status first;
  for (const Callback& c : callbacks) {
    MPI_Status scratch;
    MPI_Status* status = c.status == MPI_STATUS_IGNORE ? &scratch : c.status;
    const int error_field = status->MPI_ERROR;
    weft::status_set_empty(status);
    int rc = c.request->query_fn(c.request->extra_state, status);
    status->MPI_ERROR = error_field;
    if (c.free) {
      const int freed = c.request->free_fn(c.request->extra_state);
      if (rc == MPI_SUCCESS) rc = freed;
      EngineGuard guard;
      c.request->release();
    }
    if (rc != MPI_SUCCESS) {
      if (codes != nullptr) (*codes)[static_cast<size_t>(c.index)] = rc;
      if (first.ok()) {
        first = weft::error(callback_class(rc),
                            "%s: a callback of generalized request %d returned error code %d",
                            call, c.index, rc);
      }
    }
  }
  return first;
}

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

Status lookup_all(const char* call, int count, const MPI_Request* handles,
                  std::vector<Request*>& out) {
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

// Whether the request takes part in a completion call: not MPI_REQUEST_NULL, not an
// inactive persistent request.
bool is_pending(const Request* r) {
  if (r == nullptr) return false;
  if (r->persistent) return r->active || r->is_complete();
  return true;
}

// A partitioned request started and not complete: freeing or cancelling it is erroneous
// (MPI-4.1 section 4.2.1), so both calls refuse (engine lock held).
bool active_partitioned(Request* r) {
  return r->kind == weft::RequestKind::kGeneric && r->active && !r->is_complete() &&
         p2p::as_partitioned(r) != nullptr;
}

Status freeing_active_partitioned(const char* call) {
  return weft::error(MPI_ERR_REQUEST,
                     "%s: argument request is an active partitioned request; complete it with "
                     "a Wait or Test first",
                     call);
}

// Finishes a completed request: status out, free (non-persistent) or deactivate. A
// generalized request's callbacks are noted in `later` (its outcome is theirs).
Status retire(const char* call, Request* r, MPI_Request* handle, MPI_Status* status,
              Callbacks& later, int index) {
  if (GeneralizedRequest* g = as_generalized(r)) {
    later.push_back(Callback{g, status, true, index});
    *handle = MPI_REQUEST_NULL;
    return Status();
  }
  deliver_status(r, status);
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

// Writes the MPI_ERROR field of every status, for a call that returns MPI_ERR_IN_STATUS.
int in_status(const char* call, const std::vector<int>& codes, MPI_Status* statuses,
              const std::vector<int>& positions) {
  if (statuses != MPI_STATUSES_IGNORE) {
    for (size_t k = 0; k < positions.size(); ++k) {
      statuses[k].MPI_ERROR = codes[static_cast<size_t>(positions[k])];
    }
  }
  return finish(call, nullptr,
                weft::error(MPI_ERR_IN_STATUS,
                            "%s: at least one request failed; see the MPI_ERROR field of each "
                            "status", call));
}

std::vector<int> identity(int count) {
  std::vector<int> positions(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) positions[static_cast<size_t>(i)] = i;
  return positions;
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
  Callbacks later;
  {
    EngineGuard guard;
    p2p::engine().wait_until([r] { return r->is_complete(); });
    s = retire(call, r, request, status, later, 0);
  }
  if (!later.empty()) s = run_callbacks(call, later, nullptr);
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
  Callbacks later;
  {
    EngineGuard guard;
    if (!r->is_complete()) p2p::engine().progress();
    *flag = r->is_complete();
    if (*flag) s = retire(call, r, request, status, later, 0);
  }
  if (!later.empty()) s = run_callbacks(call, later, nullptr);
  return finish(call, s.ok() ? nullptr : comm, s);
}

namespace {

// MPI_Waitall (wait) and MPI_Testall.
int all(const char* call, int count, MPI_Request requests[], bool wait, int* flag,
        MPI_Status statuses[]) {
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (!wait && flag == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument flag is NULL", call));
  }
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, count, requests, rs); !s.ok()) return finish(call, nullptr, s);
  std::vector<int> codes(static_cast<size_t>(count), MPI_SUCCESS);
  bool failed = false;
  bool done = false;
  Callbacks later;
  {
    EngineGuard guard;
    auto all_done = [&] {
      for (Request* r : rs) {
        if (is_pending(r) && !r->is_complete()) return false;
      }
      return true;
    };
    if (wait) {
      p2p::engine().wait_until(all_done);
    } else if (!all_done()) {
      p2p::engine().progress();
    }
    done = all_done();
    if (done) {
      for (int i = 0; i < count; ++i) {
        Request* r = rs[static_cast<size_t>(i)];
        MPI_Status* st = status_at(statuses, i);
        if (!is_pending(r)) {
          empty_status(st);
          continue;
        }
        Status s = retire(call, r, &requests[i], st, later, i);
        if (!s.ok()) {
          failed = true;
          codes[static_cast<size_t>(i)] = s.error_class();
        }
      }
    }
  }
  if (flag != nullptr) *flag = done;
  if (!later.empty() && !run_callbacks(call, later, &codes).ok()) failed = true;
  if (failed) return in_status(call, codes, statuses, identity(count));
  return MPI_SUCCESS;
}

// MPI_Waitany, MPI_Testany (some = false) and MPI_Waitsome, MPI_Testsome.
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
  std::vector<int> codes(static_cast<size_t>(count), MPI_SUCCESS);
  std::vector<int> positions;
  bool failed = false;
  Status first_error;
  Callbacks later;
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
    const bool any_ready = ready();
    if (flag != nullptr) *flag = any_ready;
    if (!any_ready) {
      *index_or_outcount = some ? 0 : MPI_UNDEFINED;
      return MPI_SUCCESS;
    }
    int done = 0;
    for (int i = 0; i < count; ++i) {
      Request* r = rs[static_cast<size_t>(i)];
      if (!is_pending(r) || !r->is_complete()) continue;
      if (some) {
        MPI_Status* st = status_at(statuses, done);
        indices[done++] = i;
        positions.push_back(i);
        Status s = retire(call, r, &requests[i], st, later, i);
        if (!s.ok()) {
          failed = true;
          codes[static_cast<size_t>(i)] = s.error_class();
        }
      } else {
        *index_or_outcount = i;
        first_error = retire(call, r, &requests[i], statuses, later, i);
        break;
      }
    }
    if (some) *index_or_outcount = done;
  }
  if (!later.empty()) {
    Status s = run_callbacks(call, later, &codes);
    if (!s.ok()) {
      failed = some;
      if (!some) first_error = s;
    }
  }
  if (failed) return in_status(call, codes, statuses, positions);
  return finish(call, nullptr, first_error);
}

}  // namespace

extern "C" int PMPI_Waitall(int count, MPI_Request requests[], MPI_Status statuses[]) {
  return all("MPI_Waitall", count, requests, true, nullptr, statuses);
}

extern "C" int PMPI_Testall(int count, MPI_Request requests[], int* flag, MPI_Status statuses[]) {
  return all("MPI_Testall", count, requests, false, flag, statuses);
}

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
  Callbacks later;
  {
    EngineGuard guard;
    if (active_partitioned(r)) {
      return finish(call, static_cast<weft::Comm*>(r->comm), freeing_active_partitioned(call));
    }
    GeneralizedRequest* g = as_generalized(r);
    if (g != nullptr && !g->completed) {
      // free_fn runs in MPI_Grequest_complete, which then releases the request.
      g->freed_by_user = true;
    } else if (g != nullptr) {
      later.push_back(Callback{g, MPI_STATUS_IGNORE, true, 0});
    } else if (r->active && !r->is_complete()) {
      // An operation still in flight finishes in the background; the engine drops the last
      // reference when it completes.
      r->user_freed = true;
    } else {
      r->release();
    }
  }
  *request = MPI_REQUEST_NULL;
  Status s;
  for (const Callback& c : later) {
    // Freed after completion without a Wait/Test: only free_fn runs.
    const int rc = c.request->free_fn(c.request->extra_state);
    {
      EngineGuard guard;
      if (c.request->is_complete()) {
        c.request->release();
      } else {
        c.request->user_freed = true;  // the engine drops it at its next progress
      }
    }
    if (rc != MPI_SUCCESS) {
      s = weft::error(callback_class(rc), "%s: free_fn returned error code %d", call, rc);
    }
  }
  return finish(call, nullptr, s);
}

namespace {

// Whether a pending request has completed, progressing once if not (engine lock held).
bool poll_complete(Request* r) {
  if (!r->is_complete()) p2p::engine().progress();
  return r->is_complete();
}

// The status of a completed request without freeing or deactivating it; a generalized
// request's query_fn is noted in `later`.
void peek_status(Request* r, MPI_Status* status, Callbacks& later, int index) {
  if (GeneralizedRequest* g = as_generalized(r)) {
    later.push_back(Callback{g, status, false, index});
  } else {
    deliver_status(r, status);
  }
}

}  // namespace

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
  Callbacks later;
  {
    EngineGuard guard;
    *flag = poll_complete(r);
    if (*flag) peek_status(r, status, later, 0);
  }
  return finish(call, nullptr, run_callbacks(call, later, nullptr));
}

extern "C" int PMPI_Request_get_status_all(int count, const MPI_Request array_of_requests[],
                                           int* flag, MPI_Status array_of_statuses[]) {
  const char* call = "MPI_Request_get_status_all";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (flag == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument flag is NULL", call));
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, count, array_of_requests, rs); !s.ok()) return finish(call, nullptr, s);
  std::vector<int> codes(static_cast<size_t>(count), MPI_SUCCESS);
  bool failed = false;
  Callbacks later;
  {
    EngineGuard guard;
    bool done = true;
    for (Request* r : rs) done = done && (!is_pending(r) || poll_complete(r));
    *flag = done;
    if (done) {
      for (int i = 0; i < count; ++i) {
        Request* r = rs[static_cast<size_t>(i)];
        MPI_Status* st = status_at(array_of_statuses, i);
        if (!is_pending(r)) {
          empty_status(st);
          continue;
        }
        peek_status(r, st, later, i);
        if (r->error != MPI_SUCCESS && as_generalized(r) == nullptr) {
          failed = true;
          codes[static_cast<size_t>(i)] = r->error;
        }
      }
    }
  }
  if (!later.empty() && !run_callbacks(call, later, &codes).ok()) failed = true;
  if (failed) return in_status(call, codes, array_of_statuses, identity(count));
  return MPI_SUCCESS;
}

extern "C" int PMPI_Request_get_status_any(int count, const MPI_Request array_of_requests[],
                                           int* indx, int* flag, MPI_Status* status) {
  const char* call = "MPI_Request_get_status_any";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (indx == nullptr || flag == nullptr) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                                             indx == nullptr ? "indx" : "flag"));
  }
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, count, array_of_requests, rs); !s.ok()) return finish(call, nullptr, s);
  Callbacks later;
  Status s;
  {
    EngineGuard guard;
    bool any_pending = false;
    *flag = 0;
    *indx = MPI_UNDEFINED;
    for (int i = 0; i < count && !*flag; ++i) {
      Request* r = rs[static_cast<size_t>(i)];
      if (!is_pending(r)) continue;
      any_pending = true;
      if (poll_complete(r)) {
        *flag = 1;
        *indx = i;
        peek_status(r, status, later, i);
        if (as_generalized(r) == nullptr) s = p2p::outcome(call, r);
      }
    }
    if (!any_pending) {
      *flag = 1;
      empty_status(status);
    }
  }
  if (!later.empty()) s = run_callbacks(call, later, nullptr);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Request_get_status_some(int incount, const MPI_Request array_of_requests[],
                                            int* outcount, int array_of_indices[],
                                            MPI_Status array_of_statuses[]) {
  const char* call = "MPI_Request_get_status_some";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (outcount == nullptr || (array_of_indices == nullptr && incount > 0)) {
    return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                                             outcount == nullptr ? "outcount" : "array_of_indices"));
  }
  std::vector<Request*> rs;
  if (auto s = lookup_all(call, incount, array_of_requests, rs); !s.ok()) return finish(call, nullptr, s);
  std::vector<int> codes(static_cast<size_t>(incount), MPI_SUCCESS);
  std::vector<int> positions;
  bool failed = false;
  Callbacks later;
  {
    EngineGuard guard;
    bool any_pending = false;
    int done = 0;
    for (int i = 0; i < incount; ++i) {
      Request* r = rs[static_cast<size_t>(i)];
      if (!is_pending(r)) continue;
      any_pending = true;
      if (!poll_complete(r)) continue;
      array_of_indices[done] = i;
      positions.push_back(i);
      peek_status(r, status_at(array_of_statuses, done), later, i);
      ++done;
      if (r->error != MPI_SUCCESS && as_generalized(r) == nullptr) {
        failed = true;
        codes[static_cast<size_t>(i)] = r->error;
      }
    }
    *outcount = any_pending ? done : MPI_UNDEFINED;
  }
  if (!later.empty() && !run_callbacks(call, later, &codes).ok()) failed = true;
  if (failed) return in_status(call, codes, array_of_statuses, positions);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Cancel(MPI_Request* request) {
  const char* call = "MPI_Cancel";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  if (request == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call));
  Request* r = nullptr;
  if (auto s = lookup(call, *request, &r); !s.ok()) return finish(call, nullptr, s);
  if (r == nullptr) return finish(call, nullptr, weft::error(MPI_ERR_REQUEST, "%s: argument request is MPI_REQUEST_NULL", call));
  if (GeneralizedRequest* g = as_generalized(r)) {
    bool completed = false;
    {
      EngineGuard guard;
      completed = g->completed;
    }
    const int rc = g->cancel_fn(g->extra_state, completed ? 1 : 0);
    if (rc == MPI_SUCCESS) return MPI_SUCCESS;
    return finish(call, nullptr, weft::error(callback_class(rc),
                                             "%s: cancel_fn returned error code %d", call, rc));
  }
  EngineGuard guard;
  if (active_partitioned(r)) {
    return finish(call, static_cast<weft::Comm*>(r->comm), freeing_active_partitioned(call));
  }
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
  if (r->active || r->is_complete()) {
    return finish(
        call, static_cast<weft::Comm*>(r->comm),
        weft::error(MPI_ERR_REQUEST, "%s: the persistent request is already active", call));
  }
  Status s;
  {
    EngineGuard guard;
    s = r->start_round ? r->start_round(*r) : p2p::start(call, r);
    // A start that failed leaves the request inactive: a later MPI_Wait returns at once.
    if (s.ok()) r->active = true;
  }
  return finish(call, s.ok() ? nullptr : static_cast<weft::Comm*>(r->comm), s);
}

extern "C" int PMPI_Startall(int count, MPI_Request requests[]) {
  if (count < 0) {
    return finish("MPI_Startall", nullptr, weft::error(MPI_ERR_COUNT, "MPI_Startall: argument count=%d is negative", count));
  }
  if (count > 0 && requests == nullptr) {
    return finish("MPI_Startall", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Startall: argument array_of_requests is NULL"));
  }
  for (int i = 0; i < count; ++i) {
    int rc = PMPI_Start(&requests[i]);
    if (rc != MPI_SUCCESS) return rc;
  }
  return MPI_SUCCESS;
}

// ---- generalized requests ------------------------------------------------------------------

extern "C" int PMPI_Grequest_start(MPI_Grequest_query_function* query_fn,
                                   MPI_Grequest_free_function* free_fn,
                                   MPI_Grequest_cancel_function* cancel_fn, void* extra_state,
                                   MPI_Request* request) {
  const char* call = "MPI_Grequest_start";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && (query_fn == nullptr || free_fn == nullptr || cancel_fn == nullptr)) {
    s = weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                    query_fn == nullptr ? "query_fn" : free_fn == nullptr ? "free_fn" : "cancel_fn");
  }
  if (s.ok() && request == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument request is NULL", call);
  if (!s.ok()) return finish(call, nullptr, s);
  auto* g = new GeneralizedRequest(query_fn, free_fn, cancel_fn, extra_state);
  weft::status_set_empty(&g->status);
  // The engine completes it at its next progress after MPI_Grequest_complete.
  g->progress = [g] { return g->completed; };
  {
    EngineGuard guard;
    p2p::engine().add_generic(g);
  }
  *request = g->handle();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Grequest_complete(MPI_Request request) {
  const char* call = "MPI_Grequest_complete";
  if (auto s = weft::api::check_initialized(call); !s.ok()) return finish(call, nullptr, s);
  Request* r = nullptr;
  if (auto s = lookup(call, request, &r); !s.ok()) return finish(call, nullptr, s);
  GeneralizedRequest* g = r == nullptr ? nullptr : as_generalized(r);
  if (g == nullptr) {
    return finish(call, nullptr,
                  weft::error(MPI_ERR_REQUEST, "%s: argument request=%p is not a generalized request",
                              call, static_cast<void*>(request)));
  }
  bool freed = false;
  {
    EngineGuard guard;
    if (g->completed) {
      return finish(call, nullptr, weft::error(MPI_ERR_REQUEST,
                                               "%s: the generalized request is already complete",
                                               call));
    }
    g->completed = true;
    freed = g->freed_by_user;
    p2p::engine().progress();
  }
  if (!freed) return MPI_SUCCESS;
  // MPI_Request_free came first: free_fn runs now, and the request goes once complete.
  const int rc = g->free_fn(g->extra_state);
  {
    EngineGuard guard;
    if (g->is_complete()) {
      g->release();
    } else {
      g->user_freed = true;
    }
  }
  if (rc == MPI_SUCCESS) return MPI_SUCCESS;
  return finish(call, nullptr, weft::error(callback_class(rc),
                                           "%s: free_fn returned error code %d", call, rc));
}

// ---- status accessors ------------------------------------------------------------------

extern "C" int PMPI_Status_get_source(const MPI_Status* status, int* source) {
  validate::Status_get_sourceObjects o;
  Status s = validate::Status_get_source(status, source, &o);
  if (s.ok()) *source = status->MPI_SOURCE;
  return finish("MPI_Status_get_source", nullptr, s);
}

extern "C" int PMPI_Status_get_tag(const MPI_Status* status, int* tag) {
  validate::Status_get_tagObjects o;
  Status s = validate::Status_get_tag(status, tag, &o);
  if (s.ok()) *tag = status->MPI_TAG;
  return finish("MPI_Status_get_tag", nullptr, s);
}

extern "C" int PMPI_Status_get_error(const MPI_Status* status, int* error) {
  validate::Status_get_errorObjects o;
  Status s = validate::Status_get_error(status, error, &o);
  if (s.ok()) *error = status->MPI_ERROR;
  return finish("MPI_Status_get_error", nullptr, s);
}

extern "C" int PMPI_Status_set_source(MPI_Status* status, int source) {
  validate::Status_set_sourceObjects o;
  Status s = validate::Status_set_source(status, source, &o);
  if (s.ok()) status->MPI_SOURCE = source;
  return finish("MPI_Status_set_source", nullptr, s);
}

extern "C" int PMPI_Status_set_tag(MPI_Status* status, int tag) {
  validate::Status_set_tagObjects o;
  Status s = validate::Status_set_tag(status, tag, &o);
  if (s.ok()) status->MPI_TAG = tag;
  return finish("MPI_Status_set_tag", nullptr, s);
}

extern "C" int PMPI_Status_set_error(MPI_Status* status, int error) {
  const char* call = "MPI_Status_set_error";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && status == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument status is NULL", call);
  if (s.ok()) status->MPI_ERROR = error;
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Status_set_elements_x(MPI_Status* status, MPI_Datatype datatype,
                                          MPI_Count count) {
  const char* call = "MPI_Status_set_elements_x";
  validate::Status_set_elements_xObjects o;
  Status s = validate::Status_set_elements_x(status, datatype, count, &o);
  if (s.ok()) {
    const int64_t bytes = o.datatype->bytes_of_basic_elements(count);
    if (bytes < 0) {
      s = weft::error(MPI_ERR_ARG,
                      "%s: argument count=%lld cannot be represented: the datatype holds no "
                      "basic elements",
                      call, static_cast<long long>(count));
    } else {
      weft::status_set_bytes(status, bytes);
    }
  }
  return finish(call, nullptr, s);
}
