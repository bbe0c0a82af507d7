#include "mpi/state.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/config.h"
#include "datatype/fortran_abi.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/spawn.h"
#include "p2p/engine.h"
#include "pmi/pmi_client.h"

namespace weft {

namespace {
std::atomic<Phase> g_phase{Phase::kNotStarted};
int g_thread_level = MPI_THREAD_SINGLE;
std::thread::id g_main_thread;
std::string g_host_name;
PmiClient* g_pmi = nullptr;

// The communication layer's users (the world model and the live sessions); started once.
std::mutex g_runtime_mutex;
std::atomic<int> g_users{0};
bool g_runtime_started = false;
pid_t g_runtime_pid = 0;
Status g_start_failure;  // why the layer could not start, once that happened
}  // namespace

Phase phase() { return g_phase.load(std::memory_order_acquire); }
bool is_running() { return g_users.load(std::memory_order_acquire) > 0; }

PmiClient& pmi() { return *g_pmi; }
int self_process() { return g_pmi != nullptr ? g_pmi->rank() : 0; }
int world_size() { return g_pmi != nullptr ? g_pmi->size() : 1; }
int appnum() { return g_pmi != nullptr ? g_pmi->appnum() : 0; }
int universe_size() { return g_pmi != nullptr ? g_pmi->universe_size() : -1; }

const config::Setting kHostName{
    "WEFT_HOSTNAME", config::Type::string, "",
    "Overrides the host name used to group ranks into shared-memory nodes (testing)."};

const std::string& host_name() {
  if (g_host_name.empty()) {
    std::string forced = kHostName.text();
    if (!forced.empty()) {
      g_host_name = forced;
    } else {
      char buffer[256] = {0};
      gethostname(buffer, sizeof buffer - 1);
      g_host_name = buffer;
    }
  }
  return g_host_name;
}

int thread_level() { return g_thread_level; }
bool is_main_thread() { return std::this_thread::get_id() == g_main_thread; }

void abort_job(int code, const std::string& message) {
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
  if (g_pmi != nullptr) g_pmi->abort(code, message);
  _exit(code);
}

namespace {

// At exit, once no user is left: every process meets in a launcher barrier before any
// closes its transports (a peer may still be reading what this one sent), then tells the
// launcher it finalized. A child forked by the program runs the exit handlers too; it
// touches nothing of its parent's.
void end_runtime_at_exit() {
  std::lock_guard<std::mutex> lock(g_runtime_mutex);
  if (!g_runtime_started || getpid() != g_runtime_pid) return;
  if (g_users.load() > 0) return;
  {
    EngineGuard guard;
    p2p::engine().drain();
  }
  Status status = g_pmi->barrier();
  {
    EngineGuard guard;
    p2p::engine().progress();
    p2p::engine().stop();
  }
  release_parent();
  destroy_predefined_comms();
  Status pmi_status = g_pmi->finalize();
  g_runtime_started = false;
  if (!status.ok() || !pmi_status.ok()) {
    std::fprintf(stderr, "weft: rank %d: at exit: %s\n", self_process(),
                 (!status.ok() ? status : pmi_status).message().c_str());
  }
}

Status start_runtime() {
  g_pmi = new PmiClient();
  Status status = g_pmi->init();
  if (!status.ok()) {
    delete g_pmi;
    g_pmi = nullptr;
    return status;
  }
  create_predefined_comms();
  {
    EngineGuard guard;
    status = p2p::engine().start(*g_pmi, host_name());
    p2p::engine().set_comm_queries(comm_queries());
  }
  if (!status.ok()) {
    // The launcher connection is spent and the job's start-up exchange half done: no later
    // call can start the layer again, so every later one gets this failure too.
    destroy_predefined_comms();
    g_start_failure = status;
    return status;
  }
  g_runtime_started = true;
  g_runtime_pid = getpid();
  // Registered after the engine exists, so it runs before anything built earlier goes.
  std::atexit(end_runtime_at_exit);
  // A spawned process meets its parents before its first MPI_Init or MPI_Session_init
  // returns (MPI_Comm_get_parent).
  return connect_parent();
}

}  // namespace

Status acquire_runtime(const char* call, int thread_level) {
  (void)call;
  std::lock_guard<std::mutex> lock(g_runtime_mutex);
  // Only ever raised, and only inside a call: a program at a lower level has no other
  // thread inside MPI now.
  if (thread_level == MPI_THREAD_MULTIPLE) state_internal::g_engine_locking = true;
  if (!g_start_failure.ok()) return g_start_failure;
  // From the first start on, communication may use the predefined Fortran types, which are
  // read without a lock: the Fortran ABI registration closes.
  fortran_abi::seal();
  if (!g_runtime_started) WEFT_TRY(start_runtime());
  g_users.fetch_add(1, std::memory_order_acq_rel);
  return Status();
}

void release_runtime() {
  std::lock_guard<std::mutex> lock(g_runtime_mutex);
  if (g_users.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // The last user: what this process sent leaves before its users are all gone (MPI_Finalize
  // and MPI_Session_finalize complete the process's part in communication).
  EngineGuard guard;
  p2p::engine().drain();
}

Status initialize(const char* call, int required, int* provided) {
  Phase expected = Phase::kNotStarted;
  if (!g_phase.compare_exchange_strong(expected, Phase::kRunning)) {
    g_phase.store(expected);
    return error(MPI_ERR_OTHER, "%s: MPI is already %s", call,
                 expected == Phase::kRunning ? "initialized" : "finalized (it cannot be restarted)");
  }
  g_main_thread = std::this_thread::get_id();
  // The engine is built for concurrent callers (one lock), so every level is honoured.
  if (required < MPI_THREAD_SINGLE) required = MPI_THREAD_SINGLE;
  g_thread_level = required > MPI_THREAD_MULTIPLE ? MPI_THREAD_MULTIPLE : required;
  if (provided != nullptr) *provided = g_thread_level;
  Status status = acquire_runtime(call, g_thread_level);
  if (!status.ok()) {
    g_phase.store(Phase::kNotStarted);
    return status;
  }
  return Status();
}

Status finalize() {
  if (phase() != Phase::kRunning) {
    return error(MPI_ERR_OTHER, "MPI_Finalize: MPI is %s", phase() == Phase::kFinalized
                                                             ? "already finalized"
                                                             : "not initialized");
  }
  // First the equivalent of freeing MPI_COMM_SELF: its delete callbacks run, the last set
  // first, before anything is torn down, so they may still call MPI (MPI_Finalized is still
  // false in them). MPI_COMM_WORLD's attributes follow while MPI is still whole.
  WEFT_TRY(delete_attributes("MPI_Finalize", comm_self()));
  WEFT_TRY(delete_attributes("MPI_Finalize", comm_world()));
  // From here MPI_COMM_WORLD and MPI_COMM_SELF name nothing; sessions go on.
  g_phase.store(Phase::kFinalized);
  release_runtime();
  return Status();
}

}  // namespace weft
