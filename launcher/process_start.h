// Starting one rank: fork, set the child up, exec. The parent learns synchronously
// whether the exec succeeded (through a close-on-exec pipe), so a missing program or
// directory is reported by name instead of as a mysterious exit status 127.
//
// In the child, in this order: its own process group (so the job can be killed as
// groups, children of ranks included); PR_SET_PDEATHSIG=SIGKILL (ranks die with weftrun,
// even under kill -9); default signal dispositions and an empty signal mask; stdin,
// stdout, stderr and the PMI socket placed at fds 0, 1, 2 and 3, every other fd closed;
// the original open-file limit restored; chdir; execve.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::launcher {

// The fd number at which every rank finds its PMI socket (PMI_FD).
inline constexpr int kChildPmiFd = 3;

struct ChildSetup {
  std::string program;                   // path to execute (absolute)
  std::vector<std::string> argv;         // argv[0] as the user wrote it
  std::vector<std::string> environment;  // complete, "NAME=value"
  std::string wdir;                      // empty: stay in weftrun's directory
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int pmi_fd = -1;
  std::optional<rlimit> open_files_limit;  // restored in the child when set
  std::vector<int> cpus;                   // bind the child to these CPUs when not empty
};

struct StartResult {
  bool started = false;
  pid_t pid = -1;     // the child; also set when it failed before exec (it still needs reaping)
  std::string error;  // why the rank could not start, when !started
};

[[nodiscard]] StartResult start_process(const ChildSetup& setup);

// Finds the program the way the rank will see it: a name without '/' is searched in
// `path_variable`; a relative path is taken relative to `wdir` (as the rank, which starts
// there, would read it), and failing that relative to weftrun's own directory.
// Returns an absolute path, or nullopt with `error` set.
[[nodiscard]] std::optional<std::string> resolve_program(const std::string& name,
                                                         const std::string& wdir,
                                                         const std::string& path_variable,
                                                         std::string& error);

// `base` ("NAME=value" entries) with `overrides` applied in order: an existing NAME is
// replaced in place, a new one appended. `removals` are dropped.
[[nodiscard]] std::vector<std::string> merge_environment(
    const std::vector<std::string>& base,
    const std::vector<std::pair<std::string, std::string>>& overrides,
    const std::vector<std::string>& removals);

// The signals weftrun handles or ignores; the child puts them back to their defaults.
inline constexpr std::array<int, 5> kSignalsResetInChild = {SIGINT, SIGTERM, SIGHUP, SIGCHLD,
                                                            SIGPIPE};

}  // namespace weft::launcher
