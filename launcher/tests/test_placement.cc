// Placement of ranks on a host: local ranks, GPU blocks, CPU binding over made-up
// topologies, the variables ranks get, and the plan step that ties them together.
#include <catch2/catch.hpp>

#include "launcher/job_plan.h"
#include "launcher/placement.h"

using namespace weft::launcher;

namespace {

using Sets = std::vector<std::vector<int>>;

// Two packages of two cores of two hardware threads, numbered as Linux usually numbers
// them: the first thread of every core first (0-3), then their siblings (4-7).
std::vector<Cpu> two_sockets() {
  std::vector<Cpu> cpus;
  for (int thread = 0; thread < 2; ++thread) {
    for (int package = 0; package < 2; ++package) {
      for (int core = 0; core < 2; ++core)
        cpus.push_back({thread * 4 + package * 2 + core, core, package});
    }
  }
  return cpus;
}

Sets bind(BindLevel level, MapPolicy map, int ranks, const std::vector<Cpu>& cpus = two_sockets()) {
  std::string error;
  auto bound = bind_ranks(level, map, cpus, ranks, error);
  INFO(error);
  REQUIRE(bound.has_value());
  return *bound;
}

std::string bind_error(BindLevel level, MapPolicy map, int ranks) {
  std::string error;
  CHECK_FALSE(bind_ranks(level, map, two_sockets(), ranks, error).has_value());
  return error;
}

}  // namespace

TEST_CASE("local rank and size count the ranks of each host", "[placement]") {
  auto local = local_placements({"a", "b", "a", "a", "b"});
  REQUIRE(local.size() == 5);
  std::vector<std::pair<int, int>> got;
  for (const auto& p : local) got.emplace_back(p.local_rank, p.local_size);
  CHECK(got == std::vector<std::pair<int, int>>{{0, 3}, {0, 2}, {1, 3}, {2, 3}, {1, 2}});
  auto one_host = local_placements({"h", "h", "h"});
  CHECK(one_host[2].local_rank == 2);
  CHECK(one_host[2].local_size == 3);
}

TEST_CASE("GPUs are handed out in blocks by local rank", "[placement]") {
  using Strings = std::vector<std::string>;
  std::string error;
  CHECK(assign_gpus({"0", "1", "2", "3"}, 1, 4, error) == Strings{"0", "1", "2", "3"});
  CHECK(assign_gpus({"4", "5", "6", "7"}, 1, 2, error) == Strings{"4", "5"});
  CHECK(assign_gpus({"0", "1", "2", "3", "4", "5", "6", "7"}, 2, 4, error) ==
        Strings{"0,1", "2,3", "4,5", "6,7"});
  CHECK(assign_gpus({"GPU-a", "GPU-b", "GPU-c"}, 3, 1, error) == Strings{"GPU-a,GPU-b,GPU-c"});
  CHECK_FALSE(assign_gpus({"0", "1", "2", "3"}, 1, 5, error).has_value());
  CHECK(error == "5 ranks on one host with 1 GPU each need 5 GPUs, but the GPU list has 4");
  CHECK_FALSE(assign_gpus({"0", "1", "2"}, 2, 2, error).has_value());
  CHECK(error.find("need 4 GPUs") != std::string::npos);
}

TEST_CASE("the variables that give rank and size before MPI_Init", "[placement]") {
  using Env = std::vector<std::pair<std::string, std::string>>;
  Env expected = {{"WEFT_LOCAL_RANK", "1"},
                  {"WEFT_LOCAL_SIZE", "2"},
                  {"OMPI_COMM_WORLD_RANK", "3"},
                  {"OMPI_COMM_WORLD_SIZE", "4"},
                  {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                  {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"},
                  {"OMPI_COMM_WORLD_NODE_RANK", "1"},
                  {"MPI_LOCALRANKID", "1"},
                  {"MPI_LOCALNRANKS", "2"}};
  CHECK(placement_environment(3, 4, {1, 2}, std::nullopt) == expected);
  expected.emplace_back("CUDA_VISIBLE_DEVICES", "6,7");
  CHECK(placement_environment(3, 4, {1, 2}, "6,7") == expected);
}

TEST_CASE("automatic binding: cores, then hardware threads, then none", "[placement]") {
  CHECK(bind(BindLevel::automatic, {}, 4) == Sets{{0, 4}, {1, 5}, {2, 6}, {3, 7}});
  CHECK(bind(BindLevel::automatic, {}, 2) == Sets{{0, 4}, {1, 5}});
  CHECK(bind(BindLevel::automatic, {}, 8) == Sets{{0}, {4}, {1}, {5}, {2}, {6}, {3}, {7}});
  CHECK(bind(BindLevel::automatic, {}, 9) == Sets(9));
  // Without hardware threads (this machine's case) a core is a CPU.
  std::vector<Cpu> flat = {{0, 0, 0}, {1, 1, 0}};
  CHECK(bind(BindLevel::automatic, {}, 2, flat) == Sets{{0}, {1}});
  CHECK(bind(BindLevel::automatic, {}, 3, flat) == Sets(3));
  CHECK(bind(BindLevel::automatic, {}, 3, {}) == Sets(3));
}

TEST_CASE("explicit binding wraps around when ranks outnumber the units", "[placement]") {
  CHECK(bind(BindLevel::none, {}, 2) == Sets(2));
  CHECK(bind(BindLevel::core, {}, 5) == Sets{{0, 4}, {1, 5}, {2, 6}, {3, 7}, {0, 4}});
  CHECK(bind(BindLevel::hwthread, {}, 9)[8] == std::vector<int>{0});
  CHECK(bind(BindLevel::socket, {}, 3) == Sets{{0, 1, 4, 5}, {2, 3, 6, 7}, {0, 1, 4, 5}});
}

TEST_CASE("--map-by orders ranks over sockets, cores, PEs and ppr", "[placement]") {
  // Round robin over the sockets, a core each.
  CHECK(bind(BindLevel::core, {MapUnit::socket, 0, 1}, 4) == Sets{{0, 4}, {2, 6}, {1, 5}, {3, 7}});
  CHECK(bind(BindLevel::automatic, {MapUnit::socket, 0, 1}, 2) == Sets{{0, 4}, {2, 6}});
  // Mapped by core, bound to the socket that holds the core.
  CHECK(bind(BindLevel::socket, {MapUnit::core, 0, 1}, 3) ==
        Sets{{0, 1, 4, 5}, {0, 1, 4, 5}, {2, 3, 6, 7}});
  // slot and node fill in order; core and hwthread mapping with the same binding agree.
  CHECK(bind(BindLevel::core, {MapUnit::node, 0, 1}, 4) == bind(BindLevel::core, {}, 4));
  CHECK(bind(BindLevel::core, {MapUnit::core, 0, 1}, 4) == bind(BindLevel::core, {}, 4));
  CHECK(bind(BindLevel::hwthread, {MapUnit::hwthread, 0, 1}, 8) ==
        bind(BindLevel::hwthread, {}, 8));
  // PE=2: two cores per rank; automatic binding becomes core binding.
  CHECK(bind(BindLevel::core, {MapUnit::slot, 0, 2}, 2) == Sets{{0, 1, 4, 5}, {2, 3, 6, 7}});
  CHECK(bind(BindLevel::automatic, {MapUnit::slot, 0, 2}, 2) == Sets{{0, 1, 4, 5}, {2, 3, 6, 7}});
  CHECK(bind(BindLevel::hwthread, {MapUnit::slot, 0, 2}, 2) == Sets{{0, 4}, {1, 5}});
  CHECK(bind(BindLevel::core, {MapUnit::socket, 0, 2}, 2) == Sets{{0, 1, 4, 5}, {2, 3, 6, 7}});
  // ppr:N:unit: N consecutive ranks on each unit, then around again.
  CHECK(bind(BindLevel::core, {MapUnit::socket, 1, 1}, 3) == Sets{{0, 4}, {2, 6}, {1, 5}});
  CHECK(bind(BindLevel::core, {MapUnit::socket, 2, 1}, 4) == Sets{{0, 4}, {1, 5}, {2, 6}, {3, 7}});
  CHECK(bind(BindLevel::hwthread, {MapUnit::core, 2, 1}, 4) == Sets{{0}, {4}, {1}, {5}});
  CHECK(bind(BindLevel::core, {MapUnit::node, 3, 1}, 3) == Sets{{0, 4}, {1, 5}, {2, 6}});
}

TEST_CASE("PE=n requests that cannot be met are refused", "[placement]") {
  CHECK(bind_error(BindLevel::none, {MapUnit::slot, 0, 2}, 2).find("--bind-to core or hwthread") !=
        std::string::npos);
  CHECK(bind_error(BindLevel::socket, {MapUnit::slot, 0, 2}, 2).find("not socket") !=
        std::string::npos);
  CHECK(bind_error(BindLevel::core, {MapUnit::slot, 0, 5}, 1) ==
        "--map-by ...:PE=5 asks for 5 cores per rank, but weftrun may use only 4");
  CHECK(bind(BindLevel::hwthread, {MapUnit::slot, 0, 5}, 1) == Sets{{0, 1, 2, 4, 5}});
}

TEST_CASE("cpu lists print as ranges", "[placement]") {
  CHECK(cpu_list_text({}).empty());
  CHECK(cpu_list_text({3}) == "3");
  CHECK(cpu_list_text({0, 1, 2, 3, 6, 8, 9}) == "0-3,6,8-9");
}

TEST_CASE("the plan places ranks per host and checks the GPU list", "[placement]") {
  auto plan_of = [](const std::vector<std::string>& hosts) {
    JobPlan plan;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
      RankPlan rank;
      rank.rank = static_cast<int>(i);
      rank.host = hosts[i];
      plan.ranks.push_back(rank);
    }
    return plan;
  };
  Options options;
  options.gpus = {"0", "1", "2", "3"};
  options.gpus_per_rank = 1;
  options.bind_to = BindLevel::core;
  std::string error;
  JobPlan plan = plan_of({"h", "h", "h", "h"});
  REQUIRE(place_ranks(options, two_sockets(), plan, error));
  for (int r = 0; r < 4; ++r) {
    const RankPlan& rank = plan.ranks[static_cast<std::size_t>(r)];
    CHECK(rank.local.local_rank == r);
    CHECK(rank.local.local_size == 4);
    CHECK(rank.gpus == std::to_string(r));
  }
  CHECK(plan.ranks[1].cpus == std::vector<int>{1, 5});
  CHECK(binding_report(plan)[1] ==
        "rank 1 (host h, local rank 1 of 4): CPUs 1,5, CUDA_VISIBLE_DEVICES=1");

  // Two hosts: local ranks, and so GPU numbers, start again on each.
  JobPlan split = plan_of({"a", "b", "a", "b"});
  REQUIRE(place_ranks(options, two_sockets(), split, error));
  CHECK(split.ranks[2].local.local_rank == 1);
  CHECK(split.ranks[2].local.local_size == 2);
  CHECK(split.ranks[2].gpus == "1");
  CHECK(split.ranks[3].gpus == "1");
  CHECK(split.ranks[1].gpus == "0");

  JobPlan too_many = plan_of({"h", "h", "h", "h", "h"});
  CHECK_FALSE(place_ranks(options, two_sockets(), too_many, error));
  CHECK(error == "--gpus: 5 ranks on one host with 1 GPU each need 5 GPUs, but the GPU list has 4");

  // Without --gpus nobody's CUDA_VISIBLE_DEVICES is set; without binding no CPUs.
  Options plain;
  plain.bind_to = BindLevel::none;
  JobPlan untouched = plan_of({"h", "h"});
  REQUIRE(place_ranks(plain, two_sockets(), untouched, error));
  CHECK_FALSE(untouched.ranks[0].gpus.has_value());
  CHECK(untouched.ranks[0].cpus.empty());
  CHECK(binding_report(untouched)[0] == "rank 0 (host h, local rank 0 of 2): not bound");
}
