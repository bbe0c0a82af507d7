// Process-wide state of the library: initialization phase, this process's identity in the
// job and the thread level. The lock that serializes the engine is p2p/lock.h (included
// here for the entry points, which take it through EngineGuard).
#pragma once

#include <string>

#include "base/error.h"
#include "p2p/lock.h"

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
