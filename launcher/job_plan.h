// From a parsed command line to the list of ranks to start: hosts checked, universe
// size decided, working directories checked, programs found. Everything a user can get
// wrong is caught here, before any process starts.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "launcher/command_line.h"
#include "launcher/placement.h"

namespace weft::launcher {

struct RankPlan {
  int rank = 0;
  int appnum = 0;                                            // index of its segment
  std::string program;                                       // absolute path to execute
  std::vector<std::string> argv;                             // as the user wrote it
  std::vector<std::pair<std::string, std::string>> exports;  // -x of its segment
  std::string wdir;
  // Placement (placement.h): the rank's host, its index and count there, the CPUs it is
  // bound to (empty: not bound) and its CUDA_VISIBLE_DEVICES (nullopt: left alone).
  std::string host;
  LocalPlacement local;
  std::vector<int> cpus;
  std::optional<std::string> gpus;
};

struct JobPlan {
  std::vector<RankPlan> ranks;
  std::optional<int> universe_size;
  std::optional<long> timeout_seconds;  // nullopt or 0: none
  bool tag_output = false;
  std::string bind_to;  // as asked: "none", "hwthread", "core", "socket" or "" (automatic)
  bool report_bindings = false;
  std::string host_name;  // this host, for messages
};

struct PlanResult {
  bool ok = false;
  JobPlan plan;
  std::string error;
};

// `path_variable` is weftrun's PATH, used to find programs given without a '/'.
[[nodiscard]] PlanResult make_plan(const Options& options, const std::string& path_variable);

// Fills in the placement of every rank of `plan` (hosts already set): local rank and size,
// CPUs from `cpus` (this host's topology) and GPUs. False with `error` set when the
// request cannot be met (too few GPUs, PE=n beyond the host). Pure; make_plan calls it.
[[nodiscard]] bool place_ranks(const Options& options, const std::vector<Cpu>& cpus, JobPlan& plan,
                               std::string& error);

// "weftrun: rank R (host H, local rank L of N): CPUs 0-1, CUDA_VISIBLE_DEVICES=2" lines of
// --report-bindings, without the "weftrun: " prefix.
[[nodiscard]] std::vector<std::string> binding_report(const JobPlan& plan);

}  // namespace weft::launcher
