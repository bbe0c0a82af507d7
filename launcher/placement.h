// Where each rank runs on its host and what it is told about it: its local rank and the
// local size, the CPUs it is bound to (--bind-to, --map-by), the GPUs it sees
// (--gpus, --gpus-per-rank: CUDA_VISIBLE_DEVICES), and the variables that serving stacks
// read before MPI_Init to learn rank and size (PMI_RANK/PMI_SIZE as Hydra sets them,
// OMPI_COMM_WORLD_* as Open MPI sets them). Pure: the CPU topology is passed in, and only
// read_cpu_topology() asks the system.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace weft::launcher {

// What a rank is bound to. `automatic`: a core per rank when the ranks fit the cores, a
// hardware thread per rank when they fit the hardware threads, else no binding.
enum class BindLevel { automatic, none, hwthread, core, socket };

// How ranks are laid over the resources of a host, as `--map-by` gives it.
enum class MapUnit { slot, node, hwthread, core, socket };
struct MapPolicy {
  MapUnit unit = MapUnit::slot;
  int per_resource = 0;  // ppr:N:unit places N consecutive ranks on each unit; 0: not ppr
  int pe = 1;            // :PE=n: each rank gets n cores (hardware threads with hwthread binding)
  bool operator==(const MapPolicy&) const = default;
};

// "none", "core", "socket" (or "package"), "hwthread", optionally with qualifiers after ':'
// (overload-allowed, if-supported, ordered: accepted; weft wraps around when ranks outnumber
// the CPUs). nullopt with `error` set for anything else.
[[nodiscard]] std::optional<BindLevel> parse_bind_to(const std::string& text, std::string& error);
[[nodiscard]] const char* bind_level_name(BindLevel level);

// "slot", "node", "core", "socket" (or "package"), "hwthread", each optionally followed by
// ":PE=n" and the accepted no-op modifiers span, oversubscribe, nooversubscribe; or
// "ppr:N:unit[:PE=n]". nullopt with `error` set for anything else.
[[nodiscard]] std::optional<MapPolicy> parse_map_by(const std::string& text, std::string& error);

// A GPU list as CUDA_VISIBLE_DEVICES takes it: comma-separated device numbers, ranges
// "a-b", or device UUIDs ("GPU-...", "MIG-..."). Refused: an empty list or entry, anything
// else that is not a number, a reversed range, a device listed twice. `source` names the
// list in messages ("--gpus").
[[nodiscard]] std::optional<std::vector<std::string>> parse_gpu_list(const std::string& text,
                                                                     const std::string& source,
                                                                     std::string& error);

// One CPU weftrun may use: its number, its core and its package (socket).
struct Cpu {
  int id = 0;
  int core = 0;
  int package = 0;
};

// The CPUs of weftrun's affinity mask, with core and package from sysfs (a CPU without
// topology information counts as its own core on package 0).
[[nodiscard]] std::vector<Cpu> read_cpu_topology();

// The CPUs each of `local_size` ranks on one host is bound to, indexed by local rank (an
// empty set: not bound). Ranks wrap around when they outnumber the units. nullopt with
// `error` set when the request cannot be met (PE=n without core or hwthread binding, or
// more PEs per rank than the host offers).
[[nodiscard]] std::optional<std::vector<std::vector<int>>> bind_ranks(BindLevel level,
                                                                      const MapPolicy& map,
                                                                      const std::vector<Cpu>& cpus,
                                                                      int local_size,
                                                                      std::string& error);

// Per rank, its index among the ranks on the same host and how many ranks that host has,
// from the host of every rank (in rank order).
struct LocalPlacement {
  int local_rank = 0;
  int local_size = 0;
};
[[nodiscard]] std::vector<LocalPlacement> local_placements(const std::vector<std::string>& hosts);

// CUDA_VISIBLE_DEVICES per local rank: local rank l gets the block of `per_rank` devices
// starting at gpus[l * per_rank]. nullopt with `error` set when the list is too short.
[[nodiscard]] std::optional<std::vector<std::string>> assign_gpus(
    const std::vector<std::string>& gpus, int per_rank, int local_size, std::string& error);

// The variables that tell a rank where it stands before MPI_Init (see docs/launcher.md):
// WEFT_LOCAL_RANK/SIZE, OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK/LOCAL_SIZE/NODE_RANK,
// MPI_LOCALRANKID/MPI_LOCALNRANKS, and CUDA_VISIBLE_DEVICES when `gpus` is set.
// (PMI_RANK/PMI_SIZE come with the PMI variables.)
[[nodiscard]] std::vector<std::pair<std::string, std::string>> placement_environment(
    int rank, int size, const LocalPlacement& local, const std::optional<std::string>& gpus);

// "0-3,6" for {0,1,2,3,6}.
[[nodiscard]] std::string cpu_list_text(const std::vector<int>& cpus);

}  // namespace weft::launcher
