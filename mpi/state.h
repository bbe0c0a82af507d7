// Process-wide state of the library: the world model's phase, the communication layer and
// its users, this process's identity in the job and the thread level. The lock that
// serializes the engine is p2p/lock.h (included here for the entry points, which take it
// through EngineGuard).
//
// The communication layer (the launcher connection, the engine and its transports, the
// process's world and self communicators) has users: the world model (MPI_Init to
// MPI_Finalize) and every live session (MPI_Session_init to MPI_Session_finalize). The
// first user starts it, in any order; when the last one leaves, the layer completes its
// outgoing traffic and stays up, idle, so that a later MPI_Session_init (allowed even after
// MPI_Finalize, and any number of times) finds it ready. It ends at process exit: every
// process of the job meets in a launcher barrier, closes its transports and tells the
// launcher it finalized, once no user is left (a process that exits while a user still
// holds it never tells, and the launcher reports it as ending without MPI_Finalize).
#pragma once

#include <string>

#include "base/error.h"
#include "p2p/lock.h"

namespace weft {

// The world model's phase: what MPI_Initialized and MPI_Finalized report.
enum class Phase { kNotStarted, kRunning, kFinalized };

Phase phase();
// MPI is usable: the world model runs or a session is live (a user holds the
// communication layer).
bool is_running();

// This process's index in the job (its rank in MPI_COMM_WORLD) and the job's size.
int self_process();
int world_size();

// The host name this process groups shared-memory peers by (WEFT_HOSTNAME overrides).
const std::string& host_name();

int thread_level();         // the level MPI_Init_thread provided (the world model's)
bool is_main_thread();      // the thread that called MPI_Init / MPI_Init_thread

// Ends the whole job: tells the launcher (PMI abort) and exits with `code`.
[[noreturn]] void abort_job(int code, const std::string& message);

}  // namespace weft

namespace weft {

class PmiClient;

// MPI_Init_thread / MPI_Finalize. `call` names the entry point for messages.
Status initialize(const char* call, int required, int* provided);
Status finalize();

// A user of the communication layer arrives (starting the layer if it is the first ever)
// or leaves (the last one completes the process's outgoing traffic). `thread_level` is the
// level the user was given: MPI_THREAD_MULTIPLE turns the engine lock on for good.
Status acquire_runtime(const char* call, int thread_level);
void release_runtime();
PmiClient& pmi();
int appnum();
int universe_size();  // -1 when the user gave none

}  // namespace weft
