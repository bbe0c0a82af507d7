#include "launcher/command_line.h"

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace weft::launcher {

namespace {

std::optional<long> parse_whole_number(const std::string& text, long min, long max) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return std::nullopt;
  return value;
}

bool valid_variable_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// Splits "--name=value" into its two parts; options without '=' keep an empty value.
struct OptionWord {
  std::string name;
  std::optional<std::string> inline_value;
};

OptionWord split_option(const std::string& word) {
  if (word.rfind("--", 0) == 0) {
    std::size_t equals = word.find('=');
    if (equals != std::string::npos) return {word.substr(0, equals), word.substr(equals + 1)};
  }
  return {word, std::nullopt};
}

class Parser {
 public:
  Parser(const std::vector<std::string>& args, const EnvironmentLookup& environment)
      : args_(args), environment_(environment) {}

  CommandLineResult run() {
    result_.options.segments.emplace_back();
    bool count_given = false;
    while (position_ < args_.size()) {
      const std::string& word = args_[position_];
      if (word == ":") {
        if (!finish_segment()) return result_;
        count_given = false;
        ++position_;
        continue;
      }
      if (word.size() > 1 && word[0] == '-') {
        if (!handle_option(count_given)) return result_;
        if (result_.options.action != Action::run) break;
        continue;
      }
      // The program: it and every following word up to ':' form its argv.
      Segment& segment = result_.options.segments.back();
      if (!segment.argv.empty()) {
        return fail("unexpected word '" + word + "'");
      }
      while (position_ < args_.size() && args_[position_] != ":") {
        segment.argv.push_back(args_[position_++]);
      }
    }
    if (result_.options.action == Action::run) {
      if (!finish_segment()) return result_;
      if (!resolve_timeout()) return result_;
      if (!resolve_gpus()) return result_;
    }
    result_.ok = true;
    return result_;
  }

 private:
  CommandLineResult& fail(std::string message) {
    result_.ok = false;
    result_.error = std::move(message);
    return result_;
  }

  // Returns the option's value: the part after '=' or the next word.
  std::optional<std::string> take_value(const OptionWord& option) {
    ++position_;
    if (option.inline_value) return option.inline_value;
    if (position_ >= args_.size()) {
      fail("option " + option.name + " needs a value");
      return std::nullopt;
    }
    return args_[position_++];
  }

  bool handle_option(bool& count_given) {
    OptionWord option = split_option(args_[position_]);
    const std::string& name = option.name;
    Options& options = result_.options;
    Segment& segment = options.segments.back();

    if (name == "-h" || name == "--help" || name == "-help") {
      options.action = Action::help;
      ++position_;
      return true;
    }
    if (name == "--version" || name == "-version" || name == "-V") {
      options.action = Action::version;
      ++position_;
      return true;
    }
    if (name == "--info" || name == "-info") {
      options.action = Action::info;
      ++position_;
      return true;
    }
    if (name == "--tag-output" || name == "-tag-output") {
      if (option.inline_value) {
        fail("option " + name + " takes no value");
        return false;
      }
      options.tag_output = true;
      ++position_;
      return true;
    }
    if (name == "-n" || name == "-np" || name == "--n" || name == "--np") {
      auto value = take_value(option);
      if (!value) return false;
      auto count = parse_whole_number(*value, 1, INT_MAX);
      if (!count) {
        fail("the process count '" + *value + "' given to " + name + " is not a positive number");
        return false;
      }
      if (count_given) {
        fail("the process count is given twice for one program (use ':' between programs)");
        return false;
      }
      segment.count = static_cast<int>(*count);
      count_given = true;
      return true;
    }
    if (name == "-H" || name == "--host" || name == "-host" || name == "-hosts" ||
        name == "--hosts") {
      auto value = take_value(option);
      if (!value) return false;
      options.host_lists.push_back(*value);
      return true;
    }
    if (name == "--hostfile" || name == "-hostfile" || name == "-f" || name == "--machinefile" ||
        name == "-machinefile") {
      auto value = take_value(option);
      if (!value) return false;
      if (!options.hostfile.empty() && options.hostfile != *value) {
        fail("only one hostfile may be given ('" + options.hostfile + "' and '" + *value + "')");
        return false;
      }
      options.hostfile = *value;
      return true;
    }
    if (name == "--usize" || name == "-usize") {
      auto value = take_value(option);
      if (!value) return false;
      auto size = parse_whole_number(*value, 1, INT_MAX);
      if (!size) {
        fail("the universe size '" + *value + "' given to " + name + " is not a positive number");
        return false;
      }
      options.universe_size = static_cast<int>(*size);
      return true;
    }
    if (name == "--bind-to" || name == "-bind-to") {
      auto value = take_value(option);
      if (!value) return false;
      std::string error;
      auto level = parse_bind_to(*value, error);
      if (!level) {
        fail(error);
        return false;
      }
      options.bind_to = *level;
      return true;
    }
    if (name == "--map-by" || name == "-map-by") {
      auto value = take_value(option);
      if (!value) return false;
      std::string error;
      auto map = parse_map_by(*value, error);
      if (!map) {
        fail(error);
        return false;
      }
      options.map_by = *map;
      return true;
    }
    if (name == "--gpus" || name == "-gpus") {
      auto value = take_value(option);
      if (!value) return false;
      std::string error;
      auto gpus = parse_gpu_list(*value, "--gpus", error);
      if (!gpus) {
        fail(error);
        return false;
      }
      options.gpus = std::move(*gpus);
      return true;
    }
    if (name == "--gpus-per-rank" || name == "-gpus-per-rank") {
      auto value = take_value(option);
      if (!value) return false;
      auto count = parse_whole_number(*value, 1, 65536);
      if (!count) {
        fail("the GPU count '" + *value + "' given to " + name + " is not a positive number");
        return false;
      }
      options.gpus_per_rank = static_cast<int>(*count);
      return true;
    }
    if (name == "--allow-run-as-root" || name == "-allow-run-as-root" || name == "--oversubscribe" ||
        name == "-oversubscribe" || name == "--report-bindings" || name == "-report-bindings") {
      if (option.inline_value) {
        fail("option " + name + " takes no value");
        return false;
      }
      if (name.find("root") != std::string::npos) options.allow_run_as_root = true;
      if (name.find("oversubscribe") != std::string::npos) options.oversubscribe = true;
      if (name.find("report") != std::string::npos) options.report_bindings = true;
      ++position_;
      return true;
    }
    if (name == "--mca" || name == "-mca" || name == "--gmca" || name == "-gmca") {
      // Open MPI's component parameters mean nothing to weft; scripts pass them anyway.
      if (option.inline_value || position_ + 2 >= args_.size()) {
        fail("option " + name + " needs a name and a value");
        return false;
      }
      result_.warnings.push_back(name + " " + args_[position_ + 1] + " " + args_[position_ + 2] +
                                 ": Open MPI parameters have no effect on weft; ignored");
      position_ += 3;
      return true;
    }
    if (name == "--timeout" || name == "-timeout") {
      auto value = take_value(option);
      if (!value) return false;
      auto seconds = parse_seconds(*value);
      if (!seconds) {
        fail("the timeout '" + *value + "' given to " + name + " is not a whole number of seconds");
        return false;
      }
      options.timeout_seconds = *seconds;
      return true;
    }
    if (name == "--wdir" || name == "-wdir") {
      auto value = take_value(option);
      if (!value) return false;
      if (value->empty()) {
        fail("option " + name + " needs a directory");
        return false;
      }
      segment.wdir = *value;
      return true;
    }
    if (name == "-x" || name == "--x") {
      auto value = take_value(option);
      if (!value) return false;
      return add_export(*value);
    }
    fail("unknown option '" + args_[position_] + "' (see weftrun --help)");
    return false;
  }

  bool add_export(const std::string& value) {
    Segment& segment = result_.options.segments.back();
    std::size_t equals = value.find('=');
    std::string name = value.substr(0, equals);
    if (!valid_variable_name(name)) {
      fail("-x " + value + ": '" + name + "' is not a valid environment variable name");
      return false;
    }
    if (equals != std::string::npos) {
      segment.env.emplace_back(name, value.substr(equals + 1));
      return true;
    }
    auto current = environment_(name);
    if (!current) {
      result_.warnings.push_back("-x " + name + ": " + name +
                                 " is not set in weftrun's environment; nothing to export");
      return true;
    }
    segment.env.emplace_back(name, *current);
    return true;
  }

  bool finish_segment() {
    auto& segments = result_.options.segments;
    if (segments.back().argv.empty()) {
      fail(segments.size() == 1
               ? "no program given (see weftrun --help)"
               : "no program given after ':' (segment " + std::to_string(segments.size()) + ")");
      return false;
    }
    // Per-segment options of the first segment are the defaults of later ones.
    Segment next;
    next.env = segments.front().env;
    next.wdir = segments.front().wdir;
    segments.push_back(std::move(next));
    return true;
  }

  bool resolve_timeout() {
    // finish_segment always opens a next segment; the last one is empty.
    result_.options.segments.pop_back();
    if (result_.options.timeout_seconds) return true;
    auto text = environment_("MPIEXEC_TIMEOUT");
    if (!text || text->empty()) return true;
    auto seconds = parse_seconds(*text);
    if (!seconds) {
      fail("MPIEXEC_TIMEOUT='" + *text + "' is not a whole number of seconds");
      return false;
    }
    result_.options.timeout_seconds = *seconds;
    return true;
  }

  // --gpus-per-rank without --gpus divides the caller's CUDA_VISIBLE_DEVICES; --gpus alone
  // gives each rank one GPU.
  bool resolve_gpus() {
    Options& options = result_.options;
    if (options.gpus.empty() && options.gpus_per_rank > 0) {
      auto visible = environment_("CUDA_VISIBLE_DEVICES");
      if (!visible) {
        fail("--gpus-per-rank needs the GPUs to divide: give --gpus LIST or set CUDA_VISIBLE_DEVICES");
        return false;
      }
      std::string error;
      auto gpus = parse_gpu_list(*visible, "CUDA_VISIBLE_DEVICES (divided by --gpus-per-rank)", error);
      if (!gpus) {
        fail(error);
        return false;
      }
      options.gpus = std::move(*gpus);
    }
    if (!options.gpus.empty() && options.gpus_per_rank == 0) options.gpus_per_rank = 1;
    return true;
  }

  const std::vector<std::string>& args_;
  const EnvironmentLookup& environment_;
  std::size_t position_ = 0;
  CommandLineResult result_;
};

}  // namespace

std::optional<long> parse_seconds(const std::string& text) {
  return parse_whole_number(text, 0, 100L * 365 * 24 * 3600);
}

CommandLineResult parse_command_line(const std::vector<std::string>& args,
                                     const EnvironmentLookup& environment) {
  return Parser(args, environment).run();
}

std::string usage_text() {
  return R"(Usage: weftrun [options] [-n N] program [args...] [: [-n N] program [args...]]...

Starts N copies of a program as one MPI job (MPI_COMM_WORLD). Separate programs with
':' to start an MPMD job; ranks are numbered consecutively and each program gets its
own MPI_APPNUM (0, 1, ...).

Per program (those given for the first program are also defaults for later ones):
  -n, -np N            number of ranks running this program (default 1)
  -x VAR               export VAR with its value in weftrun's environment
  -x VAR=VALUE         set VAR=VALUE for the ranks (the whole environment of
                       weftrun reaches every rank anyway; -x adds or overrides)
  --wdir DIR           working directory of the ranks (default: weftrun's)

For the whole job:
  -H, --host LIST      hosts, as h1,h2:SLOTS (only this host for now)
  --hostfile FILE      lines "host [slots=N]" (only this host for now)
  --usize N            MPI_UNIVERSE_SIZE; otherwise the sum of the slots given
                       with --hostfile or -H host:SLOTS, else not set
  --tag-output         prefix every output line with "[rank] "
  --bind-to LEVEL      bind each rank to a hwthread, core or socket, or none
                       (qualifiers :overload-allowed,if-supported are accepted);
                       default: a core per rank when the ranks fit the cores,
                       else a hardware thread when they fit those, else none.
                       Ranks wrap around when they outnumber the units
  --map-by UNIT        slot, node, core, socket, hwthread: the order in which
                       ranks take the units (socket: round robin over sockets);
                       :PE=n binds each rank to n cores; ppr:N:UNIT puts N
                       consecutive ranks on each UNIT; :span, :oversubscribe
                       and :nooversubscribe are accepted and change nothing
  --report-bindings    print each rank's CPUs (and GPUs) on stderr at start
  --gpus LIST          hand out GPUs as CUDA_VISIBLE_DEVICES: LIST is numbers,
                       ranges a-b or GPU-/MIG- UUIDs, e.g. 0,1,2,3 or 4-7; the
                       rank with local rank l gets the l-th block of
                       --gpus-per-rank entries (one by default). Without
                       --gpus the caller's CUDA_VISIBLE_DEVICES is left alone
  --gpus-per-rank N    GPUs per rank; without --gpus, the caller's
                       CUDA_VISIBLE_DEVICES is divided into blocks of N
  --allow-run-as-root, --oversubscribe
                       accepted for mpirun scripts; no effect (weft refuses
                       neither root nor more ranks than CPUs)
  --mca NAME VALUE     accepted for mpirun scripts; ignored with a warning
  --timeout SECONDS    end the job after SECONDS (also MPIEXEC_TIMEOUT; the
                       option wins); weftrun then exits with status 124
  --info               print version, transports and WEFT_* variables
  --version            print the version
  -h, --help           print this text

Every rank gets PMI_RANK, PMI_SIZE, OMPI_COMM_WORLD_RANK, _SIZE, _LOCAL_RANK,
_LOCAL_SIZE, _NODE_RANK, MPI_LOCALRANKID, MPI_LOCALNRANKS, WEFT_LOCAL_RANK and
WEFT_LOCAL_SIZE (see docs/launcher.md), so it knows its place before MPI_Init.

Exit status: 0 when every rank exits 0; otherwise the status of the first rank that
failed (128+S for a rank killed by signal S), the MPI_Abort error code, 124 on timeout,
128+S when weftrun itself is stopped by signal S, 2 for a command-line error.
)";
}

}  // namespace weft::launcher
