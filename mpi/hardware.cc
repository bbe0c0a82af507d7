#include "mpi/hardware.h"

#include <sched.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace weft {

namespace {

// -1 when the file is missing or holds no number.
int read_number(const std::string& path) {
  std::ifstream file(path);
  int value = -1;
  if (!(file >> value)) return -1;
  return value;
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

// The NUMA node of a CPU: the node directory that lists it (nodeN/cpuM).
int numa_node_of(int cpu) {
  std::error_code ignored;
  for (int node = 0;; ++node) {
    const std::string directory = "/sys/devices/system/node/node" + std::to_string(node);
    if (!std::filesystem::exists(directory, ignored)) return -1;
    if (std::filesystem::exists(directory + "/cpu" + std::to_string(cpu), ignored)) return node;
  }
}

// The resource of `level` that a CPU belongs to, unique on this host; -1 when unknown.
int resource_of(HardwareLevel level, int cpu) {
  const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
  switch (level) {
    case HardwareLevel::kMachine:
      return 0;
    case HardwareLevel::kPackage:
      return read_number(topology + "physical_package_id");
    case HardwareLevel::kNumaNode:
      return numa_node_of(cpu);
    case HardwareLevel::kCore: {
      int package = read_number(topology + "physical_package_id");
      int core = read_number(topology + "core_id");
      if (package < 0 || core < 0) return -1;
      return package * 65536 + core;
    }
    case HardwareLevel::kPu:
      return cpu;
  }
  return -1;
}

}  // namespace

const char* hardware_level_name(HardwareLevel level) {
  switch (level) {
    case HardwareLevel::kMachine:
      return "mpi_shared_memory";
    case HardwareLevel::kPackage:
      return "package";
    case HardwareLevel::kNumaNode:
      return "numanode";
    case HardwareLevel::kCore:
      return "core";
    case HardwareLevel::kPu:
      return "pu";
  }
  return "";
}

bool parse_hardware_level(const std::string& name, HardwareLevel* level) {
  if (name == "mpi_shared_memory" || name == "machine") {
    *level = HardwareLevel::kMachine;
  } else if (name == "package" || name == "socket") {
    *level = HardwareLevel::kPackage;
  } else if (name == "numanode") {
    *level = HardwareLevel::kNumaNode;
  } else if (name == "core") {
    *level = HardwareLevel::kCore;
  } else if (name == "pu" || name == "hwthread") {
    *level = HardwareLevel::kPu;
  } else {
    return false;
  }
  return true;
}

int bound_resource(HardwareLevel level) {
  if (level == HardwareLevel::kMachine) return 0;
  std::set<int> seen;
  for (int cpu : allowed_cpus()) {
    int id = resource_of(level, cpu);
    if (id < 0) return -1;
    seen.insert(id);
  }
  return seen.size() == 1 ? *seen.begin() : -1;
}

std::vector<int> resource_counts() {
  std::vector<int> counts;
  const std::vector<int> cpus = allowed_cpus();
  for (int l = 0; l < kHardwareLevels; ++l) {
    std::set<int> seen;
    bool known = true;
    for (int cpu : cpus) {
      int id = resource_of(static_cast<HardwareLevel>(l), cpu);
      if (id < 0) {
        known = false;
        break;
      }
      seen.insert(id);
    }
    counts.push_back(known ? static_cast<int>(seen.size()) : 0);
  }
  return counts;
}

}  // namespace weft
