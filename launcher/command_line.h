// weftrun's command line, parsed into plain data with no side effects (the environment
// is read through a callback), so the parser is unit-testable.
//
//   weftrun [options] [-n N] program [args] [: [-n N] [-x ...] [--wdir D] program [args]]...
//
// Options are read up to the first word that is not an option: that word is the program
// and everything after it, up to a lone ':', is its argument list. `-n`, `-x` and `--wdir`
// belong to the segment they appear in; those of the first segment are also the defaults
// of later segments. Every other option applies to the whole job wherever it appears.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "launcher/placement.h"

namespace weft::launcher {

// One program of an MPMD job (`-n 2 ./a : -n 3 ./b` has two segments).
struct Segment {
  int count = 1;
  std::vector<std::string> argv;                         // argv[0] is the program
  std::vector<std::pair<std::string, std::string>> env;  // -x, in the order given
  std::string wdir;                                      // empty: weftrun's directory
};

enum class Action { run, help, version, info };

struct Options {
  Action action = Action::run;
  std::vector<Segment> segments;
  std::vector<std::string> host_lists;  // each -H/--host argument, unparsed
  std::string hostfile;                 // --hostfile path, empty when none
  std::optional<int> universe_size;     // --usize
  std::optional<long> timeout_seconds;  // --timeout, else MPIEXEC_TIMEOUT; 0 = none
  bool tag_output = false;
  // --bind-to and --map-by: which CPUs each rank may run on (see placement.h).
  BindLevel bind_to = BindLevel::automatic;
  MapPolicy map_by;
  // --gpus: the devices handed out as CUDA_VISIBLE_DEVICES, --gpus-per-rank of them to each
  // rank (0: not given, 1 when --gpus is). Neither given: CUDA_VISIBLE_DEVICES is left alone.
  std::vector<std::string> gpus;
  int gpus_per_rank = 0;
  // Accepted for scripts written for Open MPI's mpirun; weft neither refuses root nor
  // refuses more ranks than slots, so they change nothing.
  bool allow_run_as_root = false;
  bool oversubscribe = false;
  bool report_bindings = false;  // print each rank's CPUs and GPUs before starting
};

struct CommandLineResult {
  bool ok = false;
  Options options;
  std::vector<std::string> warnings;  // printed, the job still runs
  std::string error;                  // why the command line is refused, when !ok
};

using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;

// `args` excludes argv[0]. `environment` serves `-x VAR` and MPIEXEC_TIMEOUT.
[[nodiscard]] CommandLineResult parse_command_line(const std::vector<std::string>& args,
                                                   const EnvironmentLookup& environment);

// Parses a non-negative whole number of seconds ("30"); nullopt when it is not one.
[[nodiscard]] std::optional<long> parse_seconds(const std::string& text);

// The text of `weftrun --help`.
[[nodiscard]] std::string usage_text();

}  // namespace weft::launcher
