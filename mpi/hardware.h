// What this process knows of the hardware it runs on: the CPUs it may run on (its affinity
// mask) and, from Linux's /sys topology, which core, package and NUMA node each CPU belongs
// to. Feeds MPI_Get_hw_resource_info and the hardware splits of MPI_Comm_split_type.
#pragma once

#include <string>
#include <vector>

namespace weft {

// The resource levels weft can tell apart, coarsest first. Names follow the standard's
// "mpi_shared_memory" and hwloc's type names, which MPI_COMM_TYPE_HW_GUIDED programs pass
// in "mpi_hw_resource_type" ("machine" and "mpi_shared_memory" are the host; "socket" is
// "package"; "hwthread" is "pu").
enum class HardwareLevel { kMachine, kPackage, kNumaNode, kCore, kPu };
inline constexpr int kHardwareLevels = 5;

const char* hardware_level_name(HardwareLevel level);
// False for a name weft does not know (caches, devices, garbage).
bool parse_hardware_level(const std::string& name, HardwareLevel* level);

// The index of the one resource of `level` that holds every CPU this process may run on,
// or -1 when its CPUs span several (the process is not bound at that level) or the level is
// unknown on this system. The machine is always 0.
int bound_resource(HardwareLevel level);

// How many resources of each level the process's CPUs touch (0 where unknown), in level
// order.
std::vector<int> resource_counts();

}  // namespace weft
