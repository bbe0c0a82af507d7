// From a parsed command line to the list of ranks to start: hosts checked, universe
// size decided, working directories checked, programs found. Everything a user can get
// wrong is caught here, before any process starts.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "launcher/command_line.h"

namespace weft::launcher {

struct RankPlan {
  int rank = 0;
  int appnum = 0;                                            // index of its segment
  std::string program;                                       // absolute path to execute
  std::vector<std::string> argv;                             // as the user wrote it
  std::vector<std::pair<std::string, std::string>> exports;  // -x of its segment
  std::string wdir;
};

struct JobPlan {
  std::vector<RankPlan> ranks;
  std::optional<int> universe_size;
  std::optional<long> timeout_seconds;  // nullopt or 0: none
  bool tag_output = false;
  std::string bind_to;  // "core", "none" or "" (automatic); see Options
  std::string host_name;  // this host, for messages
};

struct PlanResult {
  bool ok = false;
  JobPlan plan;
  std::string error;
};

// `path_variable` is weftrun's PATH, used to find programs given without a '/'.
[[nodiscard]] PlanResult make_plan(const Options& options, const std::string& path_variable);

}  // namespace weft::launcher
