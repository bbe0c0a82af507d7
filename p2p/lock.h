// The lock that serializes the engine (matching, progress, transports) under
// MPI_THREAD_MULTIPLE. Entry points take it through EngineGuard (never nested: core
// functions assume it is held); a waiting thread drops it while it sleeps. User callbacks
// (error handlers, user ops) never run under it.
// The lock is only taken under MPI_THREAD_MULTIPLE: at the lower levels one thread at a
// time calls MPI (the program orders the calls), so the hot path skips two atomic
// operations per call.
#pragma once

#include <mutex>

namespace weft {

std::mutex& engine_lock();
namespace state_internal {
extern bool g_engine_locking;  // set once by MPI_Init_thread, before any concurrency
}
inline bool engine_locking() { return state_internal::g_engine_locking; }

class EngineGuard {
 public:
  EngineGuard() : locked_(engine_locking()) {
    if (locked_) engine_lock().lock();
  }
  ~EngineGuard() {
    if (locked_) engine_lock().unlock();
  }
  EngineGuard(const EngineGuard&) = delete;
  EngineGuard& operator=(const EngineGuard&) = delete;

 private:
  bool locked_;
};

}  // namespace weft
