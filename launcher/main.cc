// weftrun: starts an MPI job on this host and serves it PMI-1.
// See docs/launcher.md for the user's view and README.md in this folder for the parts.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "launcher/command_line.h"
#include "launcher/job_control.h"
#include "launcher/job_plan.h"
#include "launcher/launcher_settings.h"
#include "launcher/stdio_forward.h"
#include "weft_config.h"

namespace {

constexpr int kExitUsage = 2;
// Parent-side fds per rank (PMI socket, stdout and stderr pipes) plus headroom.
constexpr long kFdsPerRank = 3;
constexpr long kFdHeadroom = 64;

std::optional<std::string> lookup_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

// Ranks must find their stdio at 0, 1, 2; if weftrun was started with one closed, the
// first pipe would take its number and be handed out twice.
void ensure_standard_fds_open() {
  for (int fd = 0; fd < 3; ++fd) {
    if (fcntl(fd, F_GETFD) == -1) {
      int opened = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (opened != fd && opened >= 0) close(opened);
    }
  }
}

// Raises the soft open-file limit to the hard one (weftrun holds three fds per rank);
// returns the original limit, which the ranks get back.
std::optional<rlimit> raise_open_file_limit(long needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  rlimit original = limit;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return std::nullopt;
  }
  if (limit.rlim_cur != RLIM_INFINITY && static_cast<long>(limit.rlim_cur) < needed) {
    weft::launcher::print_message("warning: the open-file limit (" +
                                  std::to_string(limit.rlim_cur) +
                                  ") is too small for this many ranks; starting may fail");
  }
  return original;
}

// `--info` describes the library (transports, algorithms, variables), but weftrun links no
// library code, so a broken library cannot break the launcher: weft-info, installed beside
// weftrun, prints it, with the launcher's own variables that weftrun passes it.
int run_weft_info() {
  std::string self(4096, '\0');
  ssize_t length = readlink("/proc/self/exe", self.data(), self.size() - 1);
  std::string helper = "weft-info";
  if (length > 0) {
    self.resize(static_cast<size_t>(length));
    helper = self.substr(0, self.rfind('/') + 1) + helper;
  }
  std::cout.flush();
  std::vector<std::string> arguments = weft::launcher::weft_info_arguments();
  std::vector<char*> argv = {helper.data()};
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  execv(helper.c_str(), argv.data());
  weft::launcher::print_message("cannot run " + helper + ": " + std::strerror(errno));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace weft::launcher;
  ensure_standard_fds_open();
  // A rank that closes its stdin, or a reader of our output that goes away, must show up
  // as EPIPE, not kill weftrun.
  signal(SIGPIPE, SIG_IGN);

  std::vector<std::string> args(argv + 1, argv + argc);
  // Server mode, started by the library of a process that runs without a launcher and
  // spawns (pmi/pmi_client.cc): `--singleton-server FD`. Not for users, so not in --help.
  if (args.size() == 2 && args[0] == "--singleton-server") {
    JobPlan plan;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    plan.host_name = host;
    std::optional<rlimit> original_limit = raise_open_file_limit(kFdHeadroom);
    try {
      JobControl job(std::move(plan), original_limit);
      return job.run_server(std::atoi(args[1].c_str()));
    } catch (const std::exception& error) {
      print_message(std::string("internal error: ") + error.what());
      return 1;
    }
  }
  CommandLineResult parsed = parse_command_line(args, lookup_environment);
  for (const auto& warning : parsed.warnings) print_message("warning: " + warning);
  if (!parsed.ok) {
    print_message(parsed.error);
    return kExitUsage;
  }
  switch (parsed.options.action) {
    case Action::help:
      std::cout << usage_text();
      return 0;
    case Action::version:
      std::cout << "weftrun (weft) " << WEFT_VERSION << "\n";
      return 0;
    case Action::info:
      return run_weft_info();
    case Action::run:
      break;
  }

  const char* path = std::getenv("PATH");
  PlanResult planned =
      make_plan(parsed.options, path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  if (!planned.ok) {
    print_message(planned.error);
    return kExitUsage;
  }
  if (planned.plan.report_bindings) {
    for (const std::string& line : binding_report(planned.plan)) print_message(line);
  }
  long needed = static_cast<long>(planned.plan.ranks.size()) * kFdsPerRank + kFdHeadroom;
  std::optional<rlimit> original_limit = raise_open_file_limit(needed);
  try {
    JobControl job(std::move(planned.plan), original_limit);
    return job.run();
  } catch (const std::exception& error) {
    print_message(std::string("internal error: ") + error.what());
    return 1;
  }
}
