// Runs one job to its end and decides weftrun's exit status. Everything happens on one
// Boost.Asio io_context: PMI connections, output pipes, stdin, SIGCHLD/SIGINT/SIGTERM/
// SIGHUP (asio::signal_set) and the timers.
//
// How a job ends:
//  - normally, when every rank has exited and its output pipes have closed; the status
//    is the first nonzero exit status of a rank (after MPI_Finalize), else 0;
//  - early, at the first failure: a rank killed by a signal (status 128+S), a rank that
//    exits before MPI_Finalize although it used PMI (its status, or 1 for 0), a rank that
//    exits nonzero, MPI_Abort (its error code), --timeout (124), a signal to weftrun
//    (128+S), a rank that cannot start (127). One line on stderr names the cause; every
//    rank's process group gets SIGTERM, then SIGKILL one second later.
// Spawned jobs (MPI_Comm_spawn): a rank's spawn request starts a new job whose processes
// follow the same rules and keep weftrun alive until they end; a child that dies or cannot
// start before its spawn completes fails only that spawn (the requester gets the error
// and the other children of the spawn are killed), not the whole universe. A process of a
// spawned job that fails after its spawn completed ends its own job and the jobs spawned
// from it (as a failed rank ends a job), and every process of the other jobs is told
// (PmiServer::notify_failure), so its parents see the failure on their intercommunicator
// and go on; such a failure does not decide weftrun's exit status. A failure in the job
// weftrun started (or the singleton's, in server mode) still ends everything.
//
// Server mode (run_server): weftrun started by a process that runs without a launcher
// (a singleton that calls MPI_Comm_spawn) adopts it as rank 0 of a job of one, through the
// socket it inherited, and serves its spawns; it ends once that process has closed its
// connection and every child has ended (children die with it if it ends without
// MPI_Finalize).
//
// A program that never speaks PMI (e.g. `weftrun -n 2 hostname`) may exit 0 without
// MPI_Finalize, unless another rank of the job uses PMI: then the job could never pass a
// barrier, so that is a failure too.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "launcher/job_plan.h"
#include "launcher/pmi_server.h"
#include "launcher/stdio_forward.h"

namespace weft::launcher {

// Exit statuses weftrun itself chooses.
inline constexpr int kExitTimeout = 124;
inline constexpr int kExitCannotStart = 127;
inline constexpr int kExitSignalBase = 128;

class JobControl final : public PmiEvents {
 public:
  JobControl(JobPlan plan, std::optional<rlimit> original_open_files);
  ~JobControl();
  JobControl(const JobControl&) = delete;
  JobControl& operator=(const JobControl&) = delete;

  // Starts the ranks, serves them until the job ends, returns weftrun's exit status.
  int run();
  // Server mode: serves the process connected at `fd` (see above).
  int run_server(int fd);

 private:
  struct RankState {
    pid_t pid = -1;
    bool started = false;
    bool running = false;  // started and its exit not yet settled
    bool exited = false;   // reaped; wait_status is valid
    int wait_status = 0;
    bool pmi_initialized = false;
    bool finalized = false;
    int job = 0;             // 0: the job weftrun started; more: spawned jobs
    int rank = 0;            // rank within its job
    bool exempt = false;     // killed because its spawn failed: its exit decides nothing
    bool adopted = false;    // server mode's singleton: not our child
    // Ended with its spawned job after another process of it failed: its exit is reported
    // to the other jobs as this (once it is gone, so no transport lets go of it early).
    std::string ended_because;
  };

  bool start_ranks();
  std::vector<std::pair<std::string, std::string>> rank_environment(const RankPlan& rank) const;
  void wait_for_children();
  void wait_for_signals();
  void reap_children();
  void on_rank_exit(int rank, int wait_status);
  void settle(int rank);
  void judge_exit(int rank);
  void fail(const std::string& message, int exit_status);
  // A failure of `rank` (`what` says how): ends the universe when the rank belongs to the
  // first job, else only its spawned job and those spawned from it (see above).
  void fail_rank(int rank, const std::string& what, int exit_status);
  void end_spawned_job(int rank, const std::string& what);
  void begin_ending();
  void signal_all(int sig);
  void maybe_finish();
  void finish();
  std::string describe_rank(int rank) const;

  SpawnStart on_pmi_spawn(int rank, const SpawnRequest& request) override;
  void fail_spawn(int job, const std::string& message);
  void start_common();
  void on_pmi_init(int rank) override;
  void on_pmi_finalize(int rank) override;
  void on_pmi_abort(int rank, int exit_code, const std::string& message) override;
  void on_pmi_closed(int rank) override;

  JobPlan plan_;
  std::optional<rlimit> original_open_files_;
  std::string key_;
  std::string pmi_port_;
  boost::asio::io_context io_;
  boost::asio::signal_set stop_signals_;
  boost::asio::signal_set child_signal_;
  boost::asio::steady_timer timeout_timer_;
  boost::asio::steady_timer kill_timer_;
  boost::asio::steady_timer drain_timer_;
  std::unique_ptr<PmiServer> pmi_;
  std::unique_ptr<OutputForwarder> output_;
  std::unique_ptr<StdinForwarder> stdin_;
  std::vector<RankState> ranks_;
  std::map<pid_t, int> rank_of_pid_;
  std::map<int, std::shared_ptr<boost::asio::steady_timer>> settle_timers_;
  std::vector<int> exited_without_pmi_;  // ranks that exited 0 never having used PMI
  bool any_pmi_initialized_ = false;
  int spawned_jobs_ = 0;
  std::vector<int> job_parent_ = {-1};  // per job: the job whose rank spawned it
  bool ending_ = false;
  bool draining_ = false;
  bool finished_ = false;
  std::optional<int> decided_status_;      // set by the failure that ended the job
  std::optional<int> first_nonzero_exit_;  // a rank's status after MPI_Finalize
};

// 32 hex characters from /dev/urandom.
[[nodiscard]] std::string make_job_key();

}  // namespace weft::launcher
