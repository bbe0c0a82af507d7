#include "mpi/state.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "base/config.h"
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
}  // namespace

Phase phase() { return g_phase.load(std::memory_order_acquire); }
bool is_running() { return phase() == Phase::kRunning; }

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
  state_internal::g_engine_locking = g_thread_level == MPI_THREAD_MULTIPLE;

  g_pmi = new PmiClient();
  Status status = g_pmi->init();
  if (!status.ok()) {
    g_phase.store(Phase::kNotStarted);
    return status;
  }
  create_predefined_comms();
  {
    EngineGuard guard;
    status = p2p::engine().start(*g_pmi, host_name());
  }
  if (!status.ok()) return status;
  // A spawned process meets its parents before MPI_Init returns (MPI_Comm_get_parent).
  return connect_parent();
}

Status finalize() {
  if (!is_running()) {
    return error(MPI_ERR_OTHER, "MPI_Finalize: MPI is %s", phase() == Phase::kFinalized
                                                             ? "already finalized"
                                                             : "not initialized");
  }
  // First the equivalent of freeing MPI_COMM_SELF: its delete callbacks run, the last set
  // first, before anything is torn down, so they may still call MPI (MPI_Finalized is still
  // false in them). MPI_COMM_WORLD's attributes follow while MPI is still whole.
  WEFT_TRY(delete_attributes("MPI_Finalize", comm_self()));
  WEFT_TRY(delete_attributes("MPI_Finalize", comm_world()));
  // Every process must be done with its traffic before transports go away.
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
  g_phase.store(Phase::kFinalized);
  if (!status.ok()) return status;
  return pmi_status;
}

}  // namespace weft
