#include "mpi/session.h"

#include <strings.h>

#include <cstdint>

#include "mpi/errhandler.h"
#include "mpi/info.h"
#include "mpi/live_objects.h"
#include "mpi/state.h"
#include "p2p/bsend.h"
#include "p2p/engine.h"

namespace weft {

namespace {

// Live sessions: a finalized session leaves the registry at once, so its handle is
// reported as invalid even while derived groups and communicators keep the object.
LiveObjects& live_sessions() {
  static auto* live = new LiveObjects();
  return *live;
}

constexpr const char* kThreadKey = "mpi_thread_support_level";
// The key some programs use for the same request; honoured and answered under its name.
constexpr const char* kThreadKeyAlias = "thread_level";

struct LevelName {
  int level;
  const char* name;
};
constexpr LevelName kLevels[] = {{MPI_THREAD_SINGLE, "MPI_THREAD_SINGLE"},
                                 {MPI_THREAD_FUNNELED, "MPI_THREAD_FUNNELED"},
                                 {MPI_THREAD_SERIALIZED, "MPI_THREAD_SERIALIZED"},
                                 {MPI_THREAD_MULTIPLE, "MPI_THREAD_MULTIPLE"}};

const char* level_name(int level) {
  for (const LevelName& entry : kLevels) {
    if (entry.level == level) return entry.name;
  }
  return "MPI_THREAD_MULTIPLE";
}

// The process sets every session knows, in MPI_Session_get_nth_pset's order.
constexpr const char* kPsets[] = {"mpi://WORLD", "mpi://SELF", "weft://host"};
constexpr int kPsetCount = static_cast<int>(sizeof kPsets / sizeof kPsets[0]);

}  // namespace

Session::Session(int thread_level, Errhandler* errhandler, std::string thread_key)
    : Object(kKind), thread_level_(thread_level), thread_key_(std::move(thread_key)) {
  set_errhandler(errhandler);
  live_sessions().add(static_cast<Object*>(this));
}

Session::~Session() {
  live_sessions().remove(static_cast<Object*>(this));
  if (errhandler_ != nullptr) errhandler_->release();
}

void Session::set_errhandler(Errhandler* handler) {
  handler->retain();
  if (errhandler_ != nullptr) errhandler_->release();
  errhandler_ = handler;
}

Session* session_from_handle(MPI_Session handle) {
  if (handle == MPI_SESSION_NULL || is_predefined_handle(handle)) return nullptr;
  if (!live_sessions().contains(handle)) return nullptr;
  return dynamic_object<Session>(handle);
}

Status check_session(const char* call, MPI_Session handle, Session** out) {
  if (handle == MPI_SESSION_NULL) {
    return error(MPI_ERR_SESSION, "%s: argument session is MPI_SESSION_NULL", call);
  }
  Session* session = session_from_handle(handle);
  if (session == nullptr) {
    return error(MPI_ERR_SESSION,
                 "%s: argument session=%p is not a live session (never made, or finalized)", call,
                 static_cast<void*>(handle));
  }
  *out = session;
  return Status();
}

Status session_init(const char* call, const Info* info, Errhandler* errhandler, Session** out) {
  // Sessions are meant for libraries that may run on any thread, so a session that asks for
  // nothing gets the highest level (the standard advises against MPI_THREAD_SINGLE).
  int level = MPI_THREAD_MULTIPLE;
  std::string key_used;
  if (info != nullptr) {
    for (const char* key : {kThreadKey, kThreadKeyAlias}) {
      std::string value;
      if (!info->get(key, value)) continue;
      bool known = false;
      for (const LevelName& entry : kLevels) {
        if (strcasecmp(value.c_str(), entry.name) == 0) {
          level = entry.level;
          known = true;
        }
      }
      if (!known) {
        return error(MPI_ERR_INFO_VALUE,
                     "%s: info key \"%s\" has the value \"%s\", which is not a thread level "
                     "(MPI_THREAD_SINGLE, MPI_THREAD_FUNNELED, MPI_THREAD_SERIALIZED or "
                     "MPI_THREAD_MULTIPLE)",
                     call, key, value.c_str());
      }
      key_used = key;
      break;
    }
  }
  WEFT_TRY(acquire_runtime(call, level));
  *out = new Session(level, errhandler, key_used);
  return Status();
}

Status session_finalize(const char* call, Session* session) {
  Status status;
  {
    EngineGuard guard;
    const BsendOwner owner = BsendOwner::session(session);
    size_t bytes = 0;
    if (bsend_attached_bytes(owner, &bytes)) {
      void* buffer = nullptr;
      status = bsend_detach(call, owner, &buffer, &bytes);
    }
  }
  // The handle ends now; the object lives on while derived objects refer to it.
  live_sessions().remove(static_cast<Object*>(session));
  session->release();
  release_runtime();
  return status;
}

Info* session_info(const Session& session) {
  auto* info = new Info();
  info->set(kThreadKey, level_name(session.thread_level()));
  if (!session.thread_key().empty() && session.thread_key() != kThreadKey) {
    info->set(session.thread_key(), level_name(session.thread_level()));
  }
  return info;
}

int pset_count() { return kPsetCount; }

const char* pset_name(int n) { return n >= 0 && n < kPsetCount ? kPsets[n] : nullptr; }

Status pset_processes(const char* call, const char* name, std::vector<int>* out) {
  out->clear();
  if (strcasecmp(name, "mpi://WORLD") == 0) {
    for (int p = 0; p < world_size(); ++p) out->push_back(p);
    return Status();
  }
  if (strcasecmp(name, "mpi://SELF") == 0) {
    out->push_back(self_process());
    return Status();
  }
  if (strcasecmp(name, "weft://host") == 0) {
    EngineGuard guard;
    for (int p = 0; p < world_size(); ++p) {
      if (p == self_process() || p2p::engine().local_peer(p)) out->push_back(p);
    }
    return Status();
  }
  return error(MPI_ERR_ARG,
               "%s: argument pset_name=\"%s\" names no process set of this session (it has "
               "mpi://WORLD, mpi://SELF and weft://host)",
               call, name);
}

}  // namespace weft
