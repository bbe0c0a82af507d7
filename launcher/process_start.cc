#include "launcher/process_start.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <string_view>

namespace weft::launcher {

namespace {

// What the child reports through the error pipe before it gives up.
enum class ChildStage : int { setup = 1, chdir = 2, exec = 3 };
struct ChildFailure {
  ChildStage stage;
  int error_number;
};

// Async-signal-safe from here to execve: no allocation, no locks.
[[noreturn]] void child_fail(int report_fd, ChildStage stage) {
  ChildFailure failure{stage, errno};
  ssize_t ignored = write(report_fd, &failure, sizeof failure);
  (void)ignored;
  _exit(127);
}

void close_from(int first) {
  if (close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  long max = sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > 1 << 20) max = 1 << 20;
  for (int fd = first; fd < max; ++fd) close(fd);
}

[[noreturn]] void run_child(const ChildSetup& setup, pid_t parent, char* const* argv,
                            char* const* envp, int report_fd) {
  constexpr int kReportTarget = kChildPmiFd + 1;
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report_fd, ChildStage::setup);
  // weftrun may have died between fork and prctl; then nobody would kill us.
  if (getppid() != parent) _exit(127);

  for (int sig : kSignalsResetInChild) signal(sig, SIG_DFL);
  sigset_t empty;
  sigemptyset(&empty);
  sigprocmask(SIG_SETMASK, &empty, nullptr);

  // Move every source fd above the targets 0..4 first, so no dup2 below can overwrite
  // a source that is still needed.
  int sources[] = {setup.stdin_fd, setup.stdout_fd, setup.stderr_fd, setup.pmi_fd, report_fd};
  for (int& fd : sources) {
    fd = fcntl(fd, F_DUPFD_CLOEXEC, kReportTarget + 1);
    if (fd < 0) child_fail(report_fd, ChildStage::setup);
  }
  report_fd = sources[4];
  for (int target = 0; target <= kChildPmiFd; ++target) {
    if (dup2(sources[target], target) < 0) child_fail(report_fd, ChildStage::setup);
  }
  if (dup3(report_fd, kReportTarget, O_CLOEXEC) < 0) child_fail(report_fd, ChildStage::setup);
  report_fd = kReportTarget;
  close_from(kReportTarget + 1);

  if (setup.open_files_limit) setrlimit(RLIMIT_NOFILE, &*setup.open_files_limit);
  if (!setup.cpus.empty()) {
    // Best effort: a CPU set that changed since weftrun looked leaves the rank unpinned.
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    for (int cpu : setup.cpus) {
      if (cpu >= 0 && cpu < CPU_SETSIZE) CPU_SET(cpu, &cpus);
    }
    (void)sched_setaffinity(0, sizeof cpus, &cpus);
  }
  if (!setup.wdir.empty() && chdir(setup.wdir.c_str()) != 0) {
    child_fail(report_fd, ChildStage::chdir);
  }
  execve(setup.program.c_str(), argv, envp);
  child_fail(report_fd, ChildStage::exec);
}

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

bool is_executable_file(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && access(path.c_str(), X_OK) == 0;
}

std::string current_directory() {
  std::vector<char> buffer(PATH_MAX);
  if (getcwd(buffer.data(), buffer.size()) == nullptr) return ".";
  return buffer.data();
}

std::string join_path(const std::string& directory, const std::string& name) {
  if (directory.empty()) return name;
  // Appended piece by piece: g++ 12 warns (-Wrestrict, a false positive) on a + "/" + b.
  std::string path;
  path.reserve(directory.size() + 1 + name.size());
  path.append(directory);
  if (path.back() != '/') path.push_back('/');
  std::string_view rest = name;
  while (rest.substr(0, 2) == "./") rest.remove_prefix(2);
  path.append(rest);
  return path;
}

}  // namespace

StartResult start_process(const ChildSetup& setup) {
  StartResult result;
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) {
    result.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return result;
  }
  std::vector<char*> argv = pointers(setup.argv);
  std::vector<char*> envp = pointers(setup.environment);

  // Block signals across fork: a signal delivered to the child before it resets its
  // handlers would otherwise run weftrun's handler inside the child.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &previous);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(report[0]);
    run_child(setup, parent, argv.data(), envp.data(), report[1]);
  }
  int fork_error = errno;
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    result.error = std::string("fork failed: ") + std::strerror(fork_error);
    return result;
  }
  result.pid = pid;
  // Also set the group from this side, so it exists before any killpg below.
  setpgid(pid, pid);

  ChildFailure failure{};
  ssize_t got;
  do {
    got = read(report[0], &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  close(report[0]);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    const char* reason = std::strerror(failure.error_number);
    switch (failure.stage) {
      case ChildStage::chdir:
        result.error = "cannot change to directory '" + setup.wdir + "': " + reason;
        break;
      case ChildStage::exec:
        result.error = "cannot execute '" + setup.program + "': " + reason;
        break;
      default:
        result.error = std::string("cannot set up the process: ") + reason;
        break;
    }
    // The child has already called _exit; the caller's SIGCHLD handling reaps it.
    result.pid = pid;
    return result;
  }
  result.started = true;
  result.pid = pid;
  return result;
}

std::optional<std::string> resolve_program(const std::string& name, const std::string& wdir,
                                           const std::string& path_variable, std::string& error) {
  std::string base = current_directory();
  if (!wdir.empty()) base = wdir[0] == '/' ? wdir : join_path(base, wdir);

  if (name.find('/') != std::string::npos) {
    std::string path = name[0] == '/' ? name : join_path(base, name);
    if (is_executable_file(path)) return path;
    // Not under --wdir: a path relative to where weftrun was started is the other
    // reading people expect.
    if (name[0] != '/' && !wdir.empty()) {
      std::string from_here = join_path(current_directory(), name);
      if (is_executable_file(from_here)) return from_here;
    }
    struct stat info {};
    if (stat(path.c_str(), &info) != 0) {
      error = "program '" + name + "' not found (looked for " + path + ")";
    } else {
      error = "program '" + name + "' is not an executable file";
    }
    return std::nullopt;
  }
  std::size_t start = 0;
  while (start <= path_variable.size()) {
    std::size_t colon = path_variable.find(':', start);
    if (colon == std::string::npos) colon = path_variable.size();
    std::string_view entry = std::string_view(path_variable).substr(start, colon - start);
    start = colon + 1;
    // An empty PATH entry means the current directory; relative entries are relative to it.
    std::string directory = entry.empty()     ? base
                            : entry[0] == '/' ? std::string(entry)
                                              : join_path(base, std::string(entry));
    std::string candidate = join_path(directory, name);
    if (is_executable_file(candidate)) return candidate;
  }
  error = "program '" + name + "' not found in PATH";
  return std::nullopt;
}

std::vector<std::string> merge_environment(
    const std::vector<std::string>& base,
    const std::vector<std::pair<std::string, std::string>>& overrides,
    const std::vector<std::string>& removals) {
  auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> out;
  out.reserve(base.size() + overrides.size());
  for (const auto& entry : base) {
    std::string name = name_of(entry);
    bool removed = false;
    for (const auto& r : removals) removed = removed || r == name;
    if (!removed) out.push_back(entry);
  }
  for (const auto& [name, value] : overrides) {
    std::string entry = name + "=" + value;
    bool replaced = false;
    for (auto& existing : out) {
      if (name_of(existing) == name) {
        existing = entry;
        replaced = true;
      }
    }
    if (!replaced) out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace weft::launcher
