#include "launcher/job_control.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "launcher/process_start.h"

extern char** environ;

namespace weft::launcher {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Grace between SIGTERM and SIGKILL, and again between SIGKILL and giving up on a
// process that does not go away (stuck in the kernel).
constexpr auto kKillGrace = 1s;
// How long output pipes may stay open after every rank exited (a rank's child can hold
// them); whatever arrived by then is written.
constexpr auto kDrainLimit = 2s;
// A rank that dies right after sending a request (MPI_Abort sends abort, then exits) may
// be reaped before that request is read. Its exit is judged once its PMI connection has
// reached end of file, or after this long when a child of the rank still holds the socket.
constexpr auto kSettleLimit = 250ms;

std::string signal_text(int sig) {
  const char* name = strsignal(sig);
  return "signal " + std::to_string(sig) + " (" + (name != nullptr ? name : "unknown") + ")";
}

std::vector<std::string> current_environment() {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
    out.emplace_back(*entry);
  return out;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

std::string make_job_key() {
  unsigned char bytes[16];
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  std::size_t got = 0;
  while (fd >= 0 && got < sizeof bytes) {
    ssize_t n = read(fd, bytes + got, sizeof bytes - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  if (fd >= 0) close(fd);
  if (got != sizeof bytes) throw std::runtime_error("cannot read /dev/urandom for the job key");
  static const char kHex[] = "0123456789abcdef";
  std::string key;
  for (unsigned char b : bytes) {
    key += kHex[b >> 4];
    key += kHex[b & 15];
  }
  return key;
}

// Key/value space names also name the universe's processes in every other one (uids are
// hashed from them, p2p/engine.h), so they must not repeat between universes, even when a
// pid comes back: the pid and 48 random bits.
namespace {
std::string universe_name() {
  static const std::string name =
      "weft_kvs_" + std::to_string(getpid()) + "_" + make_job_key().substr(0, 12);
  return name;
}
}  // namespace

JobControl::JobControl(JobPlan plan, std::optional<rlimit> original_open_files)
    : plan_(std::move(plan)),
      original_open_files_(original_open_files),
      stop_signals_(io_, SIGINT, SIGTERM, SIGHUP),
      child_signal_(io_, SIGCHLD),
      timeout_timer_(io_),
      kill_timer_(io_),
      drain_timer_(io_) {
  ranks_.resize(plan_.ranks.size());
}

JobControl::~JobControl() = default;

int JobControl::run_server(int fd) {
  // The key was made by the process that started us and handed over in WEFT_PMI_KEY.
  const char* key = std::getenv("WEFT_PMI_KEY");
  key_ = key != nullptr ? key : "";
  PmiJobInfo info;
  info.size = 1;
  info.appnums = {0};
  info.universe_size = plan_.universe_size;
  info.key = key_;
  info.kvs_name = universe_name();
  pmi_ = std::make_unique<PmiServer>(io_, std::move(info), *this);
  start_common();
  ranks_.assign(1, RankState{});
  RankState& singleton = ranks_.front();
  singleton.pid = getppid();
  singleton.started = true;
  singleton.running = true;
  singleton.adopted = true;
  pmi_->attach_rank(0, fd);
  io_.run();
  return decided_status_.value_or(first_nonzero_exit_.value_or(0));
}

void JobControl::start_common() {
  try {
    pmi_port_ = pmi_->listen_loopback();
  } catch (const boost::system::system_error& error) {
    print_message(std::string("warning: cannot open the loopback PMI port (") + error.what() +
                  "); PMI_PORT is not set");
  }
  output_ = std::make_unique<OutputForwarder>(io_, plan_.tag_output, [this] {
    if (draining_) finish();
  });
  wait_for_children();
  wait_for_signals();
}

int JobControl::run() {
  key_ = make_job_key();
  PmiJobInfo info;
  info.size = static_cast<int>(plan_.ranks.size());
  for (const RankPlan& rank : plan_.ranks) info.appnums.push_back(rank.appnum);
  info.universe_size = plan_.universe_size;
  info.key = key_;
  info.kvs_name = universe_name();
  pmi_ = std::make_unique<PmiServer>(io_, std::move(info), *this);
  start_common();
  for (const RankPlan& rank : plan_.ranks) ranks_[static_cast<std::size_t>(rank.rank)].rank = rank.rank;

  if (start_ranks() && plan_.timeout_seconds.value_or(0) > 0) {
    timeout_timer_.expires_after(std::chrono::seconds(*plan_.timeout_seconds));
    timeout_timer_.async_wait([this](const boost::system::error_code& error) {
      if (error) return;
      fail("job timed out after " + std::to_string(*plan_.timeout_seconds) + " seconds",
           kExitTimeout);
    });
  }
  io_.run();
  return decided_status_.value_or(first_nonzero_exit_.value_or(0));
}

std::vector<std::pair<std::string, std::string>> JobControl::rank_environment(
    const RankPlan& rank) const {
  // -x first, so weftrun's own variables win over a user's -x PMI_RANK=...
  std::vector<std::pair<std::string, std::string>> env = rank.exports;
  const std::string size = std::to_string(plan_.ranks.size());
  env.emplace_back("PMI_FD", std::to_string(kChildPmiFd));
  env.emplace_back("PMI_RANK", std::to_string(rank.rank));
  env.emplace_back("PMI_SIZE", size);
  env.emplace_back("PMI_APPNUM", std::to_string(rank.appnum));
  if (!pmi_port_.empty()) env.emplace_back("PMI_PORT", pmi_port_);
  env.emplace_back("WEFT_PMI_KEY", key_);
  // Local rank and size, their Open MPI and Hydra names, CUDA_VISIBLE_DEVICES (placement.h).
  for (auto& variable : placement_environment(rank.rank, static_cast<int>(plan_.ranks.size()),
                                              rank.local, rank.gpus)) {
    env.push_back(std::move(variable));
  }
  if (plan_.universe_size)
    env.emplace_back("WEFT_UNIVERSE_SIZE", std::to_string(*plan_.universe_size));
  return env;
}

bool JobControl::start_ranks() {
  const std::vector<std::string> base_environment = current_environment();
  std::vector<std::string> removals;
  if (!plan_.universe_size) removals.emplace_back("WEFT_UNIVERSE_SIZE");
  if (pmi_port_.empty()) removals.emplace_back("PMI_PORT");

  int stdin_source = -1;
  StdinMode stdin_mode = choose_stdin_mode(stdin_source);
  int dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);

  bool ok = true;
  for (const RankPlan& rank : plan_.ranks) {
    int pmi_pair[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    int in_pipe[2] = {-1, -1};
    bool forward_stdin = rank.rank == 0 && stdin_mode == StdinMode::forward;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pmi_pair) != 0 ||
        pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 ||
        (forward_stdin && pipe2(in_pipe, O_CLOEXEC) != 0)) {
      std::string reason = std::strerror(errno);
      for (int* fds : {pmi_pair, out_pipe, err_pipe, in_pipe}) {
        close_fd(fds[0]);
        close_fd(fds[1]);
      }
      fail("cannot create the pipes of rank " + std::to_string(rank.rank) + ": " + reason +
               "; ending the job",
           kExitCannotStart);
      ok = false;
      break;
    }

    ChildSetup setup;
    setup.cpus = rank.cpus;  // chosen by the plan (placement.h)
    setup.program = rank.program;
    setup.argv = rank.argv;
    setup.environment = merge_environment(base_environment, rank_environment(rank), removals);
    setup.wdir = rank.wdir;
    setup.stdin_fd = dev_null;
    if (rank.rank == 0 && stdin_mode == StdinMode::inherit) setup.stdin_fd = STDIN_FILENO;
    if (forward_stdin) setup.stdin_fd = in_pipe[0];
    setup.stdout_fd = out_pipe[1];
    setup.stderr_fd = err_pipe[1];
    setup.pmi_fd = pmi_pair[1];
    setup.open_files_limit = original_open_files_;

    StartResult started = start_process(setup);
    close_fd(pmi_pair[1]);
    close_fd(out_pipe[1]);
    close_fd(err_pipe[1]);
    close_fd(in_pipe[0]);
    if (!started.started) {
      for (int* fd : {&pmi_pair[0], &out_pipe[0], &err_pipe[0], &in_pipe[1]}) close_fd(*fd);
      fail("cannot start rank " + std::to_string(rank.rank) + ": " + started.error +
               "; ending the job",
           kExitCannotStart);
      ok = false;
      break;
    }
    RankState& state = ranks_[static_cast<std::size_t>(rank.rank)];
    state.pid = started.pid;
    state.started = true;
    state.running = true;
    rank_of_pid_[started.pid] = rank.rank;
    pmi_->attach_rank(rank.rank, pmi_pair[0]);
    output_->add(rank.rank, out_pipe[0], STDOUT_FILENO);
    output_->add(rank.rank, err_pipe[0], STDERR_FILENO);
    if (forward_stdin) {
      stdin_ = std::make_unique<StdinForwarder>(io_, stdin_source, in_pipe[1]);
      stdin_source = -1;
      stdin_->start();
    }
  }
  close_fd(stdin_source);
  close_fd(dev_null);
  return ok;
}

void JobControl::wait_for_children() {
  child_signal_.async_wait([this](const boost::system::error_code& error, int) {
    if (error) return;
    reap_children();
    wait_for_children();
  });
}

void JobControl::wait_for_signals() {
  stop_signals_.async_wait([this](const boost::system::error_code& error, int sig) {
    if (error) return;
    if (!ending_) {
      print_message("caught " + signal_text(sig) + "; ending the job");
      decided_status_ = kExitSignalBase + sig;
      begin_ending();
    } else {
      signal_all(SIGKILL);  // a second Ctrl-C does not wait for the grace period
    }
    wait_for_signals();
  });
}

void JobControl::reap_children() {
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) return;
    auto it = rank_of_pid_.find(pid);
    if (it != rank_of_pid_.end()) on_rank_exit(it->second, status);
  }
}

std::string JobControl::describe_rank(int rank) const {
  const RankState& state = ranks_[static_cast<std::size_t>(rank)];
  std::string name = "rank " + std::to_string(state.rank);
  if (state.job > 0) name += " of spawned job " + std::to_string(state.job);
  return name + " (pid " + std::to_string(state.pid) + ") on host " + plan_.host_name;
}

void JobControl::on_rank_exit(int rank, int wait_status) {
  RankState& state = ranks_[static_cast<std::size_t>(rank)];
  state.exited = true;
  state.wait_status = wait_status;
  if (state.job > 0 && !ending_ && pmi_->spawn_pending(state.job)) {
    // A child that dies before its spawn completed fails the spawn, not the universe.
    std::string how = WIFSIGNALED(wait_status)
                          ? "was killed by " + signal_text(WTERMSIG(wait_status))
                          : "exited with status " + std::to_string(WEXITSTATUS(wait_status));
    fail_spawn(state.job, describe_rank(rank) + " " + how + " before MPI_Init completed");
  }
  if (rank == 0 && stdin_) stdin_->stop();
  if (!state.ended_because.empty() && !ending_) {
    pmi_->notify_failure(rank, describe_rank(rank) + " was ended with its job because " +
                                   state.ended_because);
  }
  if (!ending_ && pmi_->rank_connected(rank)) {
    auto timer = std::make_shared<asio::steady_timer>(io_, kSettleLimit);
    timer->async_wait([this, rank](const boost::system::error_code& error) {
      if (!error) settle(rank);
    });
    settle_timers_[rank] = std::move(timer);
    return;
  }
  settle(rank);
}

void JobControl::on_pmi_closed(int rank) {
  RankState& state = ranks_[static_cast<std::size_t>(rank)];
  if (state.adopted && state.running) {
    // Server mode: the process that started us closed its connection (it exited, or
    // finalized). Without MPI_Finalize it failed, and its children go with it.
    state.exited = true;
    state.wait_status = state.finalized ? 0 : (1 << 8);
  }
  if (state.exited && state.running) settle(rank);
}

void JobControl::fail_spawn(int job, const std::string& message) {
  std::vector<int> failed;
  for (RankState& state : ranks_) {
    if (state.job != job) continue;
    failed.push_back(1);
    state.exempt = true;
    if (state.started && !state.exited) killpg(state.pid, SIGKILL);
  }
  pmi_->fail_spawn(job, failed, message);
}

SpawnStart JobControl::on_pmi_spawn(int requester, const SpawnRequest& request) {
  SpawnStart result;
  if (ending_) {
    result.message = "the job is ending";
    return result;
  }
  const char* path_env = std::getenv("PATH");
  const std::string path_variable = path_env != nullptr ? path_env : "/usr/local/bin:/usr/bin:/bin";
  // Plan every child first: a program that cannot be found fails the spawn before any
  // process starts.
  struct Child {
    std::string program;
    std::vector<std::string> argv;
    std::string wdir;
    std::vector<std::pair<std::string, std::string>> env;
    bool bind = false;
    int appnum = 0;
  };
  std::vector<Child> children;
  std::string problem;
  for (std::size_t a = 0; a < request.apps.size(); ++a) {
    const SpawnApp& app = request.apps[a];
    Child child;
    child.appnum = static_cast<int>(a);
    std::string search = path_variable;
    for (const auto& [key, value] : app.info) {
      if (key == "wdir") {
        child.wdir = value;
      } else if (key == "path") {
        search = value + ":" + search;
      } else if (key == "env") {
        const auto equals = value.find('=');
        if (equals != std::string::npos && equals > 0) {
          child.env.emplace_back(value.substr(0, equals), value.substr(equals + 1));
        }
      } else if (key == "bind_to") {
        child.bind = value == "core";
      }
    }
    std::string why;
    std::optional<std::string> program = resolve_program(app.execname, child.wdir, search, why);
    if (!program && problem.empty()) problem = "command " + std::to_string(a) + ": " + why;
    child.program = program.value_or("");
    child.argv.push_back(app.execname);
    child.argv.insert(child.argv.end(), app.argv.begin(), app.argv.end());
    for (int n = 0; n < app.nprocs; ++n) {
      children.push_back(child);
      if (!program) result.failed.push_back(1);
      else result.failed.push_back(0);
    }
  }
  if (!problem.empty()) {
    for (int& code : result.failed) code = 1;
    result.message = problem;
    return result;
  }

  PmiJobInfo info;
  info.size = static_cast<int>(children.size());
  for (const Child& child : children) info.appnums.push_back(child.appnum);
  info.universe_size = plan_.universe_size;
  if (!info.universe_size) {
    // Without --usize, a spawned job's MPI_UNIVERSE_SIZE is this host's cores or, when
    // there are more, every live process of the universe with the new ones: the universe as
    // it stands once they run. It informs and never caps; told a universe no larger than
    // its own world, a job would conclude that nothing can be spawned (MPICH's test
    // library does), although more processes than cores are always allowed.
    int live = static_cast<int>(children.size());
    for (const RankState& state : ranks_) live += state.running ? 1 : 0;
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    info.universe_size = std::max(live, static_cast<int>(cores > 0 ? cores : 1));
  }
  info.key = key_;
  info.kvs_name = universe_name() + "_" + std::to_string(++spawned_jobs_);
  const int job = pmi_->add_job(std::move(info));
  job_parent_.resize(static_cast<std::size_t>(job) + 1, -1);
  job_parent_[static_cast<std::size_t>(job)] = pmi_->job_of(requester);
  for (const auto& [key, value] : request.preput) pmi_->preput(job, key, value);
  const int first = pmi_->first_process(job);
  ranks_.resize(static_cast<std::size_t>(first) + children.size());

  std::vector<int> cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
    }
  }
  const std::vector<std::string> base_environment = current_environment();
  std::vector<std::string> removals = {"WEFT_UNIVERSE_SIZE"};
  if (pmi_port_.empty()) removals.emplace_back("PMI_PORT");
  int dev_null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const std::string size = std::to_string(children.size());
  for (std::size_t c = 0; c < children.size(); ++c) {
    const Child& child = children[c];
    const int process = first + static_cast<int>(c);
    RankState& state = ranks_[static_cast<std::size_t>(process)];
    state.job = job;
    state.rank = static_cast<int>(c);
    int pmi_pair[2] = {-1, -1};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pmi_pair) != 0 ||
        pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
      for (int* fds : {pmi_pair, out_pipe, err_pipe}) {
        close_fd(fds[0]);
        close_fd(fds[1]);
      }
      result.message = std::string("cannot create the pipes of a child: ") + std::strerror(errno);
      result.failed[c] = 1;
      break;
    }
    // The caller's environment reaches the children as it reaches ranks; the info key env
    // adds to it and weftrun's own variables win.
    std::vector<std::pair<std::string, std::string>> env = child.env;
    env.emplace_back("PMI_FD", std::to_string(kChildPmiFd));
    env.emplace_back("PMI_RANK", std::to_string(c));
    env.emplace_back("PMI_SIZE", size);
    env.emplace_back("PMI_APPNUM", std::to_string(child.appnum));
    env.emplace_back("PMI_SPAWNED", "1");
    if (!pmi_port_.empty()) env.emplace_back("PMI_PORT", pmi_port_);
    env.emplace_back("WEFT_PMI_KEY", key_);
    // Local rank and size and their Open MPI and Hydra names, as ranks get them (all the
    // children of a spawn run on this host); CUDA_VISIBLE_DEVICES comes from the parent's
    // environment or the info key env.
    for (auto& variable : placement_environment(
             static_cast<int>(c), static_cast<int>(children.size()),
             LocalPlacement{static_cast<int>(c), static_cast<int>(children.size())},
             std::nullopt)) {
      env.push_back(std::move(variable));
    }
    if (plan_.universe_size) env.emplace_back("WEFT_UNIVERSE_SIZE", std::to_string(*plan_.universe_size));
    ChildSetup setup;
    if (child.bind && !cpus.empty()) setup.cpus = {cpus[c % cpus.size()]};
    setup.program = child.program;
    setup.argv = child.argv;
    setup.environment = merge_environment(base_environment, env, removals);
    setup.wdir = child.wdir;
    setup.stdin_fd = dev_null;
    setup.stdout_fd = out_pipe[1];
    setup.stderr_fd = err_pipe[1];
    setup.pmi_fd = pmi_pair[1];
    setup.open_files_limit = original_open_files_;
    StartResult started = start_process(setup);
    close_fd(pmi_pair[1]);
    close_fd(out_pipe[1]);
    close_fd(err_pipe[1]);
    if (started.pid > 0) rank_of_pid_[started.pid] = process;
    if (!started.started) {
      for (int* fd : {&pmi_pair[0], &out_pipe[0], &err_pipe[0]}) close_fd(*fd);
      state.pid = started.pid;
      state.started = started.pid > 0;
      state.running = started.pid > 0;
      result.failed[c] = 1;
      result.message = "cannot start child " + std::to_string(c) + ": " + started.error;
      break;
    }
    state.pid = started.pid;
    state.started = true;
    state.running = true;
    pmi_->attach_rank(process, pmi_pair[0]);
    output_->add(process, out_pipe[0], STDOUT_FILENO);
    output_->add(process, err_pipe[0], STDERR_FILENO);
  }
  close_fd(dev_null);
  if (!result.message.empty()) {
    // Nothing of a failed spawn stays behind: the children already running go.
    for (int& code : result.failed) code = 1;
    for (std::size_t c = 0; c < children.size(); ++c) {
      RankState& state = ranks_[static_cast<std::size_t>(first) + c];
      state.exempt = true;
      if (state.started && !state.exited) killpg(state.pid, SIGKILL);
    }
    return result;
  }
  result.started = true;
  result.job = job;
  return result;
}

void JobControl::settle(int rank) {
  RankState& state = ranks_[static_cast<std::size_t>(rank)];
  if (!state.running) return;
  state.running = false;
  if (auto it = settle_timers_.find(rank); it != settle_timers_.end()) {
    it->second->cancel();
    settle_timers_.erase(it);
  }
  if (!ending_) judge_exit(rank);
  maybe_finish();
}

void JobControl::judge_exit(int rank) {
  const RankState& state = ranks_[static_cast<std::size_t>(rank)];
  if (state.exempt) return;
  const int wait_status = state.wait_status;
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    fail_rank(rank, describe_rank(rank) + " was killed by " + signal_text(sig),
              kExitSignalBase + sig);
    return;
  }
  if (!WIFEXITED(wait_status)) return;
  int code = WEXITSTATUS(wait_status);
  if (state.finalized) {
    if (code != 0 && !first_nonzero_exit_) {
      first_nonzero_exit_ = code;
      print_message(describe_rank(rank) + " exited with status " + std::to_string(code) +
                    " after MPI_Finalize");
    }
  } else if (state.pmi_initialized) {
    fail_rank(rank,
              describe_rank(rank) + " exited with status " + std::to_string(code) +
                  " without calling MPI_Finalize",
              code != 0 ? code : 1);
  } else if (code != 0) {
    fail_rank(rank, describe_rank(rank) + " exited with status " + std::to_string(code), code);
  } else {
    exited_without_pmi_.push_back(rank);
    if (any_pmi_initialized_) {
      fail(describe_rank(rank) +
               " exited with status 0 without calling MPI_Init while other ranks use MPI; ending "
               "the job",
           1);
    }
  }
}

void JobControl::fail_rank(int rank, const std::string& what, int exit_status) {
  if (ranks_[static_cast<std::size_t>(rank)].job == 0) {
    fail(what + "; ending the job", exit_status);
    return;
  }
  end_spawned_job(rank, what);
}

void JobControl::end_spawned_job(int rank, const std::string& what) {
  const int job = ranks_[static_cast<std::size_t>(rank)].job;
  // The job and every job spawned from it, directly or not (a job's number is larger than
  // its parent's, so one pass in order finds them all).
  std::vector<bool> doomed(job_parent_.size(), false);
  doomed[static_cast<std::size_t>(job)] = true;
  bool descendants = false;
  for (std::size_t j = static_cast<std::size_t>(job) + 1; j < job_parent_.size(); ++j) {
    const int parent = job_parent_[j];
    if (parent >= 0 && doomed[static_cast<std::size_t>(parent)]) {
      doomed[j] = true;
      descendants = true;
    }
  }
  print_message(what + "; ending spawned job " + std::to_string(job) +
                (descendants ? " and the jobs spawned from it" : "") +
                ", and reporting the failure to the processes connected to it");
  pmi_->notify_failure(rank, what);
  std::vector<int> ended;
  for (std::size_t q = 0; q < ranks_.size(); ++q) {
    RankState& state = ranks_[q];
    if (!doomed[static_cast<std::size_t>(state.job)] || static_cast<int>(q) == rank) continue;
    if (pmi_->spawn_pending(state.job)) {
      pmi_->fail_spawn(state.job, std::vector<int>(1, 1), "its parent job ended");
    }
    if (state.exempt || !state.running) continue;
    state.exempt = true;  // ended by this failure: its exit decides nothing more
    if (state.exited) {
      // Dead already (its exit not yet judged): the other jobs learn it now.
      pmi_->notify_failure(static_cast<int>(q), describe_rank(static_cast<int>(q)) +
                                                    " ended as well (" + what + ")");
      continue;
    }
    killpg(state.pid, SIGTERM);
    ended.push_back(static_cast<int>(q));
    state.ended_because = what;
  }
  if (ended.empty()) return;
  auto timer = std::make_shared<asio::steady_timer>(io_, kKillGrace);
  timer->async_wait([this, ended, timer](const boost::system::error_code& error) {
    if (error) return;
    for (int q : ended) {
      const RankState& state = ranks_[static_cast<std::size_t>(q)];
      if (state.started && !state.exited) killpg(state.pid, SIGKILL);
    }
  });
}

void JobControl::fail(const std::string& message, int exit_status) {
  if (ending_) return;
  print_message(message);
  decided_status_ = exit_status;
  begin_ending();
}

void JobControl::begin_ending() {
  ending_ = true;
  timeout_timer_.cancel();
  if (stdin_) stdin_->stop();
  signal_all(SIGTERM);
  kill_timer_.expires_after(kKillGrace);
  kill_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    signal_all(SIGKILL);
    kill_timer_.expires_after(kKillGrace);
    kill_timer_.async_wait([this](const boost::system::error_code& second_error) {
      if (second_error) return;
      print_message("warning: some ranks did not exit after SIGKILL; leaving them");
      finish();
    });
  });
  maybe_finish();
}

void JobControl::signal_all(int sig) {
  // Whole process groups: a rank's own children go too. A group whose rank was already
  // reaped may still hold such children; killpg on an empty group fails harmlessly.
  for (const RankState& state : ranks_) {
    if (!state.started) continue;
    if (!state.adopted) {
      killpg(state.pid, sig);
    } else if (state.running) {
      // Server mode: the process that started us goes down with the job it is part of (a
      // child died), as a rank of a failed job would, rather than wait on the dead child;
      // once it has closed its connection it lives on independently.
      kill(state.pid, sig);
    }
  }
}

void JobControl::maybe_finish() {
  if (finished_) return;
  for (const RankState& state : ranks_) {
    if (state.running) return;
  }
  if (draining_) return;
  draining_ = true;
  if (output_->open_count() == 0) {
    finish();
    return;
  }
  drain_timer_.expires_after(kDrainLimit);
  drain_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) finish();
  });
}

void JobControl::finish() {
  if (finished_) return;
  finished_ = true;
  // Children that ranks left behind in their groups do not outlive a failed job.
  if (ending_) signal_all(SIGKILL);
  output_->close_all();
  if (stdin_) stdin_->stop();
  pmi_->shutdown();
  timeout_timer_.cancel();
  kill_timer_.cancel();
  drain_timer_.cancel();
  for (auto& [rank, timer] : settle_timers_) timer->cancel();
  boost::system::error_code ignored;
  stop_signals_.cancel(ignored);
  child_signal_.cancel(ignored);
  io_.stop();
}

void JobControl::on_pmi_init(int rank) {
  ranks_[static_cast<std::size_t>(rank)].pmi_initialized = true;
  any_pmi_initialized_ = true;
  if (!ending_ && !exited_without_pmi_.empty()) {
    int gone = exited_without_pmi_.front();
    fail(describe_rank(gone) +
             " exited with status 0 without calling MPI_Init while other ranks use MPI; ending the "
             "job",
         1);
  }
}

void JobControl::on_pmi_finalize(int rank) {
  ranks_[static_cast<std::size_t>(rank)].finalized = true;
}

void JobControl::on_pmi_abort(int rank, int exit_code, const std::string& message) {
  const RankState& state = ranks_[static_cast<std::size_t>(rank)];
  std::string text = "rank " + std::to_string(state.rank) +
                     (state.job > 0 ? " of spawned job " + std::to_string(state.job) : "") +
                     " called MPI_Abort with error code " + std::to_string(exit_code);
  if (!message.empty()) text += " (message: " + message + ")";
  // An exit status has 8 bits; the code is passed on modulo 256, as exit() would.
  fail(text + "; ending the job", exit_code & 0xff);
}

}  // namespace weft::launcher
