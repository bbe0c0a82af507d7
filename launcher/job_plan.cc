#include "launcher/job_plan.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

#include "launcher/hosts.h"
#include "launcher/process_start.h"

namespace weft::launcher {

namespace {

bool check_hosts(const std::vector<Host>& hosts, const std::vector<std::string>& local_names,
                 std::string& error) {
  for (const Host& host : hosts) {
    if (!is_local_host(host.name, local_names)) {
      error = "host '" + host.name + "' is not this host; remote hosts are not supported yet";
      return false;
    }
  }
  return true;
}

}  // namespace

PlanResult make_plan(const Options& options, const std::string& path_variable) {
  PlanResult result;
  JobPlan& plan = result.plan;
  plan.tag_output = options.tag_output;
  plan.bind_to = options.bind_to;
  plan.timeout_seconds = options.timeout_seconds;
  plan.host_name = this_host_name();
  const std::vector<std::string> local_names = local_host_names();

  std::vector<Host> list_hosts;
  for (const std::string& list : options.host_lists) {
    HostParseResult parsed = parse_host_list(list);
    if (!parsed.ok) {
      result.error = parsed.error;
      return result;
    }
    list_hosts.insert(list_hosts.end(), parsed.hosts.begin(), parsed.hosts.end());
  }
  std::vector<Host> file_hosts;
  if (!options.hostfile.empty()) {
    std::ifstream file(options.hostfile);
    if (!file) {
      result.error = "cannot read hostfile '" + options.hostfile + "': " + std::strerror(errno);
      return result;
    }
    std::stringstream text;
    text << file.rdbuf();
    HostParseResult parsed = parse_hostfile(text.str(), options.hostfile);
    if (!parsed.ok) {
      result.error = parsed.error;
      return result;
    }
    file_hosts = std::move(parsed.hosts);
  }
  if (!check_hosts(list_hosts, local_names, result.error) ||
      !check_hosts(file_hosts, local_names, result.error)) {
    return result;
  }
  plan.universe_size =
      universe_size(options.universe_size, file_hosts, !options.hostfile.empty(), list_hosts);

  long total = 0;
  for (const Segment& segment : options.segments) total += segment.count;
  if (total > INT_MAX / 2) {
    result.error = "too many processes (" + std::to_string(total) + ")";
    return result;
  }

  int rank = 0;
  for (std::size_t appnum = 0; appnum < options.segments.size(); ++appnum) {
    const Segment& segment = options.segments[appnum];
    if (!segment.wdir.empty()) {
      struct stat info {};
      if (stat(segment.wdir.c_str(), &info) != 0) {
        result.error = "working directory '" + segment.wdir + "': " + std::strerror(errno);
        return result;
      }
      if (!S_ISDIR(info.st_mode)) {
        result.error = "working directory '" + segment.wdir + "' is not a directory";
        return result;
      }
    }
    std::string error;
    auto program = resolve_program(segment.argv[0], segment.wdir, path_variable, error);
    if (!program) {
      result.error = error;
      return result;
    }
    for (int i = 0; i < segment.count; ++i) {
      RankPlan rank_plan;
      rank_plan.rank = rank++;
      rank_plan.appnum = static_cast<int>(appnum);
      rank_plan.program = *program;
      rank_plan.argv = segment.argv;
      rank_plan.exports = segment.env;
      rank_plan.wdir = segment.wdir;
      plan.ranks.push_back(std::move(rank_plan));
    }
  }
  result.ok = true;
  return result;
}

}  // namespace weft::launcher
