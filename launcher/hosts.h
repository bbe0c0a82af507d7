// Host lists (-H h1,h2:4), hostfiles ("host [slots=N]" per line) and the question "is
// this host name this machine?". weftrun starts ranks on this host only for now; the
// slots given still set MPI_UNIVERSE_SIZE. Parsing is pure; only local_host_names()
// asks the system.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weft::launcher {

struct Host {
  std::string name;
  int slots = 1;
  bool slots_given = false;
};

struct HostParseResult {
  bool ok = false;
  std::vector<Host> hosts;
  std::string error;
};

// "h1,h2:4" — a comma-separated list; ":N" gives a host N slots.
[[nodiscard]] HostParseResult parse_host_list(std::string_view list);

// One host per line: "host", "host slots=N" or "host:N"; '#' starts a comment.
// `source` names the file in error messages.
[[nodiscard]] HostParseResult parse_hostfile(std::string_view text, std::string_view source);

// Names that mean this machine: localhost, 127.0.0.1, ::1, the host name and its first
// label (the short name).
[[nodiscard]] std::vector<std::string> local_host_names();

// The host name printed in messages.
[[nodiscard]] std::string this_host_name();

[[nodiscard]] bool is_local_host(std::string_view name,
                                 const std::vector<std::string>& local_names);

// MPI_UNIVERSE_SIZE from what the user gave: --usize wins; else the slots of the hostfile;
// else the slots of -H lists when at least one host there names its slots; else none.
[[nodiscard]] std::optional<int> universe_size(std::optional<int> usize,
                                               const std::vector<Host>& hostfile_hosts,
                                               bool hostfile_given,
                                               const std::vector<Host>& list_hosts);

}  // namespace weft::launcher
