#include "launcher/placement.h"

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <tuple>

namespace weft::launcher {

namespace {

std::optional<long> parse_number(const std::string& text, long min, long max) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return std::nullopt;
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::optional<MapUnit> map_unit_named(const std::string& name) {
  if (name == "slot") return MapUnit::slot;
  if (name == "node") return MapUnit::node;
  if (name == "hwthread") return MapUnit::hwthread;
  if (name == "core") return MapUnit::core;
  if (name == "socket" || name == "package") return MapUnit::socket;
  return std::nullopt;
}

// The modifiers after the unit of --map-by: PE=n sets `pe`; span, oversubscribe and
// nooversubscribe change nothing on one host (weft never refuses oversubscription).
bool parse_map_modifiers(const std::vector<std::string>& words, std::size_t first,
                         const std::string& text, MapPolicy& map, std::string& error) {
  for (std::size_t i = first; i < words.size(); ++i) {
    for (const std::string& modifier : split(words[i], ',')) {
      std::string key = lower(modifier.substr(0, modifier.find('=')));
      if (key == "pe" && modifier.find('=') != std::string::npos) {
        auto pe = parse_number(modifier.substr(modifier.find('=') + 1), 1, 4096);
        if (!pe) {
          error = "--map-by " + text + ": '" + modifier + "' needs a positive number of PEs";
          return false;
        }
        map.pe = static_cast<int>(*pe);
      } else if (key == "span" || key == "oversubscribe" || key == "nooversubscribe") {
        // Accepted: see above.
      } else {
        error = "--map-by " + text + ": unknown modifier '" + modifier +
                "' (known: PE=n, span, oversubscribe, nooversubscribe)";
        return false;
      }
    }
  }
  return true;
}

// Groups of CPU ids that share `key`, in topology order (package, core, CPU number).
template <typename Key>
std::vector<std::vector<int>> group_cpus(std::vector<Cpu> cpus, Key key) {
  std::sort(cpus.begin(), cpus.end(), [](const Cpu& a, const Cpu& b) {
    return std::tie(a.package, a.core, a.id) < std::tie(b.package, b.core, b.id);
  });
  std::vector<std::vector<int>> groups;
  std::map<decltype(key(cpus.front())), std::size_t> index;
  for (const Cpu& cpu : cpus) {
    auto [it, added] = index.emplace(key(cpu), groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(cpu.id);
  }
  return groups;
}

bool contains_all(const std::vector<int>& outer, const std::vector<int>& inner) {
  return std::all_of(inner.begin(), inner.end(), [&](int cpu) {
    return std::find(outer.begin(), outer.end(), cpu) != outer.end();
  });
}

bool overlaps(const std::vector<int>& a, const std::vector<int>& b) {
  return std::any_of(b.begin(), b.end(),
                     [&](int cpu) { return std::find(a.begin(), a.end(), cpu) != a.end(); });
}

std::optional<int> read_int_file(const std::string& path) {
  std::ifstream file(path);
  long value = 0;
  if (!(file >> value) || value < INT_MIN || value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

}  // namespace

std::optional<BindLevel> parse_bind_to(const std::string& text, std::string& error) {
  std::vector<std::string> words = split(text, ':');
  std::string level = lower(words[0]);
  std::optional<BindLevel> result;
  if (level == "none") result = BindLevel::none;
  if (level == "hwthread") result = BindLevel::hwthread;
  if (level == "core") result = BindLevel::core;
  if (level == "socket" || level == "package") result = BindLevel::socket;
  if (!result) {
    error =
        "the binding '" + text + "' given to --bind-to is not one of none, hwthread, core, socket";
    return std::nullopt;
  }
  for (std::size_t i = 1; i < words.size(); ++i) {
    for (const std::string& qualifier : split(words[i], ',')) {
      std::string name = lower(qualifier);
      if (name != "overload-allowed" && name != "if-supported" && name != "ordered") {
        error = "--bind-to " + text + ": unknown qualifier '" + qualifier +
                "' (known: overload-allowed, if-supported, ordered)";
        return std::nullopt;
      }
    }
  }
  return result;
}

const char* bind_level_name(BindLevel level) {
  switch (level) {
    case BindLevel::none:
      return "none";
    case BindLevel::hwthread:
      return "hwthread";
    case BindLevel::core:
      return "core";
    case BindLevel::socket:
      return "socket";
    case BindLevel::automatic:
      break;
  }
  return "";
}

std::optional<MapPolicy> parse_map_by(const std::string& text, std::string& error) {
  std::vector<std::string> words = split(text, ':');
  MapPolicy map;
  std::size_t modifiers_from = 1;
  if (lower(words[0]) == "ppr") {
    std::optional<long> count =
        words.size() >= 3 ? parse_number(words[1], 1, INT_MAX) : std::nullopt;
    std::optional<MapUnit> unit =
        words.size() >= 3 ? map_unit_named(lower(words[2])) : std::nullopt;
    if (!count || !unit || *unit == MapUnit::slot) {
      error = "--map-by " + text +
              ": the form is ppr:N:UNIT, N a positive number and UNIT one of node, socket, core, "
              "hwthread";
      return std::nullopt;
    }
    map.per_resource = static_cast<int>(*count);
    map.unit = *unit;
    modifiers_from = 3;
  } else {
    std::optional<MapUnit> unit = map_unit_named(lower(words[0]));
    if (!unit) {
      error = "the mapping '" + text +
              "' given to --map-by is not one of slot, node, core, socket, hwthread, ppr:N:UNIT";
      return std::nullopt;
    }
    map.unit = *unit;
  }
  if (!parse_map_modifiers(words, modifiers_from, text, map, error)) return std::nullopt;
  return map;
}

std::optional<std::vector<std::string>> parse_gpu_list(const std::string& text,
                                                       const std::string& source,
                                                       std::string& error) {
  if (text.empty()) {
    error = source + ": the GPU list is empty";
    return std::nullopt;
  }
  std::vector<std::string> gpus;
  for (const std::string& entry : split(text, ',')) {
    if (entry.rfind("GPU-", 0) == 0 || entry.rfind("MIG-", 0) == 0) {
      if (entry.size() == 4) {
        error = source + " " + text + ": '" + entry + "' names no device";
        return std::nullopt;
      }
      gpus.push_back(entry);
      continue;
    }
    std::size_t dash = entry.find('-');
    std::optional<long> first = parse_number(entry.substr(0, dash), 0, INT_MAX);
    std::optional<long> last =
        dash == std::string::npos ? first : parse_number(entry.substr(dash + 1), 0, INT_MAX);
    if (!first || !last) {
      error = source + " " + text + ": '" + entry +
              "' is not a GPU number, a range a-b or a GPU-/MIG- UUID";
      return std::nullopt;
    }
    if (*last < *first) {
      error = source + " " + text + ": the range '" + entry + "' runs backwards";
      return std::nullopt;
    }
    if (*last - *first >= 65536) {
      error = source + " " + text + ": the range '" + entry + "' is too long";
      return std::nullopt;
    }
    for (long gpu = *first; gpu <= *last; ++gpu) gpus.push_back(std::to_string(gpu));
  }
  std::set<std::string> seen;
  for (const std::string& gpu : gpus) {
    if (!seen.insert(gpu).second) {
      error = source + " " + text + ": GPU " + gpu + " is listed twice";
      return std::nullopt;
    }
  }
  return gpus;
}

std::vector<Cpu> read_cpu_topology() {
  std::vector<Cpu> cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return cpus;
  for (int id = 0; id < CPU_SETSIZE; ++id) {
    if (!CPU_ISSET(id, &allowed)) continue;
    const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(id) + "/topology/";
    Cpu cpu;
    cpu.id = id;
    cpu.core = read_int_file(topology + "core_id").value_or(id);
    cpu.package = read_int_file(topology + "physical_package_id").value_or(0);
    // Some virtual machines report -1 for an unknown package.
    if (cpu.package < 0) cpu.package = 0;
    cpus.push_back(cpu);
  }
  return cpus;
}

std::optional<std::vector<std::vector<int>>> bind_ranks(BindLevel level, const MapPolicy& map,
                                                        const std::vector<Cpu>& cpus,
                                                        int local_size, std::string& error) {
  std::vector<std::vector<int>> bound(static_cast<std::size_t>(std::max(local_size, 0)));
  if (cpus.empty() || local_size <= 0) return bound;
  using Groups = std::vector<std::vector<int>>;
  const Groups threads = group_cpus(cpus, [](const Cpu& c) { return c.id; });
  const Groups cores = group_cpus(cpus, [](const Cpu& c) { return std::pair(c.package, c.core); });
  const Groups sockets = group_cpus(cpus, [](const Cpu& c) { return c.package; });
  const long needed = static_cast<long>(local_size) * map.pe;

  if (level == BindLevel::automatic) {
    // Pinned ranks never queue behind each other on one CPU; but when they outnumber the
    // CPUs, a pinned rank that spins would block the one that shares its CPU.
    if (map.pe > 1 || needed <= static_cast<long>(cores.size())) {
      level = BindLevel::core;
    } else if (needed <= static_cast<long>(threads.size())) {
      level = BindLevel::hwthread;
    } else {
      return bound;
    }
  }
  if (map.pe > 1) {
    if (level != BindLevel::core && level != BindLevel::hwthread) {
      error = "--map-by ...:PE=" + std::to_string(map.pe) +
              " binds each rank to several cores or hardware threads; it needs --bind-to core or "
              "hwthread, not " +
              bind_level_name(level);
      return std::nullopt;
    }
    const Groups& pes = level == BindLevel::core ? cores : threads;
    if (static_cast<std::size_t>(map.pe) > pes.size()) {
      error = "--map-by ...:PE=" + std::to_string(map.pe) + " asks for " + std::to_string(map.pe) +
              (level == BindLevel::core ? " cores" : " hardware threads") +
              " per rank, but weftrun may use only " + std::to_string(pes.size());
      return std::nullopt;
    }
  }
  if (level == BindLevel::none) return bound;

  // The units a rank is bound to (a PE is one of them), and the resources ranks are
  // mapped over: a rank first gets a resource, then units inside it.
  const Groups& units = level == BindLevel::hwthread ? threads
                        : level == BindLevel::core   ? cores
                                                     : sockets;
  Groups whole_host = {{}};
  for (const Cpu& cpu : cpus) whole_host[0].push_back(cpu.id);
  const Groups& resources = map.unit == MapUnit::socket     ? sockets
                            : map.unit == MapUnit::core     ? cores
                            : map.unit == MapUnit::hwthread ? threads
                                                            : whole_host;
  const long count = static_cast<long>(resources.size());
  for (int local = 0; local < local_size; ++local) {
    long resource = 0;
    long index = local;  // the how-manyth rank inside its resource
    if (map.per_resource > 0) {
      // ppr:N:unit: N consecutive ranks per resource; wrap around after the last one.
      const long n = map.per_resource;
      resource = (local / n) % count;
      index = local % n + n * (local / (n * count));
    } else if (map.unit != MapUnit::slot && map.unit != MapUnit::node) {
      resource = local % count;  // round robin over the resources
      index = local / count;
    }
    const std::vector<int>& cpus_of_resource = resources[static_cast<std::size_t>(resource)];
    // The units inside the resource; when the unit is larger than the resource (socket
    // binding, core mapping), the unit that holds it.
    Groups candidates;
    for (const auto& unit : units) {
      if (contains_all(cpus_of_resource, unit)) candidates.push_back(unit);
    }
    if (candidates.empty()) {
      for (const auto& unit : units) {
        if (overlaps(cpus_of_resource, unit)) candidates.push_back(unit);
      }
    }
    std::vector<int>& mine = bound[static_cast<std::size_t>(local)];
    const long size = static_cast<long>(candidates.size());
    for (long pe = 0; pe < map.pe; ++pe) {
      const auto& unit = candidates[static_cast<std::size_t>((index * map.pe + pe) % size)];
      mine.insert(mine.end(), unit.begin(), unit.end());
    }
    std::sort(mine.begin(), mine.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
  }
  return bound;
}

std::vector<LocalPlacement> local_placements(const std::vector<std::string>& hosts) {
  std::map<std::string, int> count;
  for (const std::string& host : hosts) ++count[host];
  std::map<std::string, int> next;
  std::vector<LocalPlacement> placements;
  placements.reserve(hosts.size());
  for (const std::string& host : hosts) {
    placements.push_back({next[host]++, count[host]});
  }
  return placements;
}

std::optional<std::vector<std::string>> assign_gpus(const std::vector<std::string>& gpus,
                                                    int per_rank, int local_size,
                                                    std::string& error) {
  const long needed = static_cast<long>(per_rank) * local_size;
  if (per_rank < 1 || needed > static_cast<long>(gpus.size())) {
    error = std::to_string(local_size) + (local_size == 1 ? " rank" : " ranks") +
            " on one host with " + std::to_string(per_rank) + " GPU" + (per_rank == 1 ? "" : "s") +
            " each need " + std::to_string(needed) + " GPUs, but the GPU list has " +
            std::to_string(gpus.size());
    return std::nullopt;
  }
  std::vector<std::string> visible;
  for (int local = 0; local < local_size; ++local) {
    std::string text;
    for (int i = 0; i < per_rank; ++i) {
      if (i > 0) text += ',';
      text += gpus[static_cast<std::size_t>(local) * static_cast<std::size_t>(per_rank) +
                   static_cast<std::size_t>(i)];
    }
    visible.push_back(std::move(text));
  }
  return visible;
}

std::vector<std::pair<std::string, std::string>> placement_environment(
    int rank, int size, const LocalPlacement& local, const std::optional<std::string>& gpus) {
  const std::string rank_text = std::to_string(rank);
  const std::string size_text = std::to_string(size);
  const std::string local_rank = std::to_string(local.local_rank);
  const std::string local_size = std::to_string(local.local_size);
  std::vector<std::pair<std::string, std::string>> env = {
      {"WEFT_LOCAL_RANK", local_rank},
      {"WEFT_LOCAL_SIZE", local_size},
      // As Open MPI's launcher sets them (its node rank is the local rank within one job).
      {"OMPI_COMM_WORLD_RANK", rank_text},
      {"OMPI_COMM_WORLD_SIZE", size_text},
      {"OMPI_COMM_WORLD_LOCAL_RANK", local_rank},
      {"OMPI_COMM_WORLD_LOCAL_SIZE", local_size},
      {"OMPI_COMM_WORLD_NODE_RANK", local_rank},
      // As MPICH's Hydra sets them.
      {"MPI_LOCALRANKID", local_rank},
      {"MPI_LOCALNRANKS", local_size},
  };
  if (gpus) env.emplace_back("CUDA_VISIBLE_DEVICES", *gpus);
  return env;
}

std::string cpu_list_text(const std::vector<int>& cpus) {
  std::string text;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!text.empty()) text += ',';
    text += std::to_string(cpus[i]);
    if (j > i) text += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return text;
}

}  // namespace weft::launcher
