#include "launcher/job_plan.h"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <map>
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
  plan.bind_to = bind_level_name(options.bind_to);
  plan.report_bindings = options.report_bindings;
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
      // Every rank runs on this host for now.
      rank_plan.host = plan.host_name;
      plan.ranks.push_back(std::move(rank_plan));
    }
  }
  if (!place_ranks(options, read_cpu_topology(), plan, result.error)) return result;
  result.ok = true;
  return result;
}

bool place_ranks(const Options& options, const std::vector<Cpu>& cpus, JobPlan& plan,
                 std::string& error) {
  std::vector<std::string> hosts;
  for (const RankPlan& rank : plan.ranks) hosts.push_back(rank.host);
  std::vector<LocalPlacement> local = local_placements(hosts);
  // Ranks of one host, in rank order: the index is the local rank.
  std::map<std::string, std::vector<RankPlan*>> by_host;
  for (std::size_t i = 0; i < plan.ranks.size(); ++i) {
    plan.ranks[i].local = local[i];
    by_host[plan.ranks[i].host].push_back(&plan.ranks[i]);
  }
  for (auto& [host, ranks] : by_host) {
    const int local_size = static_cast<int>(ranks.size());
    // Only this host's topology is known; every rank runs here for now.
    auto bound = bind_ranks(options.bind_to, options.map_by, cpus, local_size, error);
    if (!bound) return false;
    std::optional<std::vector<std::string>> visible;
    if (!options.gpus.empty()) {
      visible = assign_gpus(options.gpus, options.gpus_per_rank, local_size, error);
      if (!visible) {
        error = "--gpus: " + error;
        return false;
      }
    }
    for (int l = 0; l < local_size; ++l) {
      RankPlan& rank = *ranks[static_cast<std::size_t>(l)];
      rank.cpus = (*bound)[static_cast<std::size_t>(l)];
      if (visible) rank.gpus = (*visible)[static_cast<std::size_t>(l)];
    }
  }
  return true;
}

std::vector<std::string> binding_report(const JobPlan& plan) {
  std::vector<std::string> lines;
  for (const RankPlan& rank : plan.ranks) {
    std::string line = "rank " + std::to_string(rank.rank) + " (host " + rank.host + ", local rank " +
                       std::to_string(rank.local.local_rank) + " of " +
                       std::to_string(rank.local.local_size) + "): ";
    line += rank.cpus.empty() ? "not bound" : "CPUs " + cpu_list_text(rank.cpus);
    if (rank.gpus) line += ", CUDA_VISIBLE_DEVICES=" + *rank.gpus;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace weft::launcher
