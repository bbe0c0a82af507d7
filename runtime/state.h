// Process-wide state of the library: initialization phase, this process's identity in the
// job, the thread level, and the lock that serializes the engine under
// MPI_THREAD_MULTIPLE.
#pragma once

#include <mutex>
#include <string>

#include "base/error.h"

namespace weft {

enum class Phase { kNotStarted, kRunning, kFinalized };

Phase phase();
bool is_running();  // MPI_Init done, MPI_Finalize not yet

// This process's index in the job (its rank in MPI_COMM_WORLD) and the job's size.
int self_process();
int world_size();

// The host name this process groups shared-memory peers by (WEFT_HOSTNAME overrides).
const std::string& host_name();

int thread_level();         // the level MPI_Init_thread provided
bool is_main_thread();      // the thread that called MPI_Init / MPI_Init_thread

// Serializes the engine (matching, progress, transports). Entry points take it through
// EngineGuard (never nested: core functions assume it is held); a waiting thread drops it
// while it sleeps. User callbacks (error handlers, user ops) never run under it.
// The lock is only taken under MPI_THREAD_MULTIPLE: at the lower levels one thread at a
// time calls MPI (the program orders the calls), so the hot path skips two atomic
// operations per call.
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

// Ends the whole job: tells the launcher (PMI abort) and exits with `code`.
[[noreturn]] void abort_job(int code, const std::string& message);

}  // namespace weft

namespace weft {

class PmiClient;

// MPI_Init_thread / MPI_Finalize. `call` names the entry point for messages.
Status initialize(const char* call, int required, int* provided);
Status finalize();
PmiClient& pmi();
int appnum();
int universe_size();  // -1 when the user gave none

}  // namespace weft
