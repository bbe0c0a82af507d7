// Group set algebra against serial references written independently here: every ordered
// subset of small groups, every triplet of a small window, every pair of groups drawn from
// one universe of processes. No MPI_Init: the algebra needs no process state.
#include <algorithm>
#include <catch2/catch.hpp>
#include <climits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "mpi.h"
#include "mpi/group.h"
#include "mpi/state.h"

namespace {

using weft::Group;
using weft::RankRange;
using weft::Status;

struct Releaser {
  void operator()(Group* group) const { group->release(); }
};
using GroupRef = std::unique_ptr<Group, Releaser>;

GroupRef make(std::vector<int> processes) {
  return GroupRef(weft::make_group(std::move(processes)));
}

// World ranks that are neither 0..n-1 nor sorted, so a mix-up of group rank and world
// rank shows.
std::vector<int> scattered_processes(int n) {
  std::vector<int> processes;
  for (int i = 0; i < n; ++i) processes.push_back((i * 37 + 11) % 101 + 1000);
  std::reverse(processes.begin(), processes.end());
  return processes;
}

// Every ordered selection of distinct elements of {0..n-1}, the empty one included.
std::vector<std::vector<int>> ordered_subsets(int n) {
  std::vector<std::vector<int>> all;
  for (int mask = 0; mask < (1 << n); ++mask) {
    std::vector<int> chosen;
    for (int i = 0; i < n; ++i) {
      if (mask & (1 << i)) chosen.push_back(i);
    }
    do {
      all.push_back(chosen);
    } while (std::next_permutation(chosen.begin(), chosen.end()));
  }
  return all;
}

bool contains(const std::vector<int>& list, int value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// A sentinel that a failed call must leave in its output.
Group* const kUntouched = reinterpret_cast<Group*>(uintptr_t{0x5a5a5a50});

}  // namespace

TEST_CASE("group: construction and rank lookup", "[group]") {
  const std::vector<int> processes = scattered_processes(50);
  GroupRef group = make(processes);
  REQUIRE(group->size() == 50);
  REQUIRE(group->processes() == processes);
  for (int rank = 0; rank < 50; ++rank) {
    CHECK(group->process(rank) == processes[rank]);
    CHECK(group->rank_of_process(processes[rank]) == rank);
  }
  for (int process : {-5, 0, 999, 1101, 5000}) {
    if (!contains(processes, process)) CHECK(group->rank_of_process(process) == MPI_UNDEFINED);
  }
  CHECK(group->my_rank() == group->rank_of_process(weft::self_process()));
}

TEST_CASE("group: a large reversed group finds every member", "[group]") {
  std::vector<int> processes(10000);
  for (int i = 0; i < 10000; ++i) processes[i] = 2 * (9999 - i);
  GroupRef group = make(processes);
  for (int rank = 0; rank < 10000; ++rank) {
    REQUIRE(group->rank_of_process(2 * (9999 - rank)) == rank);
    REQUIRE(group->rank_of_process(2 * rank + 1) == MPI_UNDEFINED);
  }
}

TEST_CASE("group: handles", "[group]") {
  Group* empty = weft::empty_group();
  CHECK(empty->size() == 0);
  CHECK(empty->handle() == MPI_GROUP_EMPTY);
  CHECK(weft::group_from_handle(MPI_GROUP_EMPTY) == empty);
  CHECK(weft::group_from_handle(MPI_GROUP_NULL) == nullptr);
  CHECK(weft::group_from_handle(reinterpret_cast<MPI_Group>(uintptr_t{0x101})) == nullptr);
  CHECK(weft::make_group({}) == empty);

  GroupRef group = make({4, 2});
  MPI_Group handle = group->handle();
  CHECK(handle != MPI_GROUP_EMPTY);
  CHECK(handle != MPI_GROUP_NULL);
  CHECK(weft::group_from_handle(handle) == group.get());

  // An object of another kind is not taken for a group.
  struct NotAGroup : weft::Object {
    NotAGroup() : Object(weft::ObjectKind::kOp) {}
  };
  auto* other = new NotAGroup();
  CHECK(weft::group_from_handle(weft::to_handle<MPI_Group>(other)) == nullptr);
  other->release();
}

TEST_CASE("group: incl and excl of every ordered subset", "[group]") {
  for (int n = 0; n <= 5; ++n) {
    const std::vector<int> processes = scattered_processes(n);
    GroupRef group = make(processes);
    for (const std::vector<int>& ranks : ordered_subsets(n)) {
      Group* raw = kUntouched;
      REQUIRE(weft::group_incl(*group, ranks, &raw).ok());
      GroupRef included(raw);
      std::vector<int> expected_incl;
      for (int rank : ranks) expected_incl.push_back(processes[rank]);
      REQUIRE(included->processes() == expected_incl);
      if (ranks.empty()) REQUIRE(included->handle() == MPI_GROUP_EMPTY);

      raw = kUntouched;
      REQUIRE(weft::group_excl(*group, ranks, &raw).ok());
      GroupRef excluded(raw);
      std::vector<int> expected_excl;
      for (int rank = 0; rank < n; ++rank) {
        if (!contains(ranks, rank)) expected_excl.push_back(processes[rank]);
      }
      REQUIRE(excluded->processes() == expected_excl);
      if (expected_excl.empty()) REQUIRE(excluded->handle() == MPI_GROUP_EMPTY);
    }
  }
}

TEST_CASE("group: incl and excl reject bad rank lists", "[group]") {
  GroupRef group = make(scattered_processes(4));
  struct Case {
    std::vector<int> ranks;
    int error_class;
    const char* mentions;
  };
  const std::vector<Case> cases = {
      {{0, 4}, MPI_ERR_RANK, "ranks[1]=4"},
      {{-1}, MPI_ERR_RANK, "ranks[0]=-1"},
      {{MPI_PROC_NULL}, MPI_ERR_RANK, "ranks[0]=-3"},
      {{2, 1, 2}, MPI_ERR_RANK, "ranks[2]=2 repeats ranks[0]"},
      {{0, 1, 2, 3, 0}, MPI_ERR_ARG, "n=5"},
  };
  for (const Case& c : cases) {
    for (bool incl : {true, false}) {
      Group* raw = kUntouched;
      Status status =
          incl ? weft::group_incl(*group, c.ranks, &raw) : weft::group_excl(*group, c.ranks, &raw);
      CHECK(status.error_class() == c.error_class);
      CHECK(raw == kUntouched);
      const std::string call = incl ? "MPI_Group_incl" : "MPI_Group_excl";
      CHECK(status.message().find(call) != std::string::npos);
      CHECK(status.message().find(c.mentions) != std::string::npos);
    }
  }
}

namespace {

// The standard's reading of a triplet list, computed by stepping instead of by the floor
// formula the library uses. Returns the error class the list deserves and, when it is
// valid, the ranks it names.
int reference_ranges(int size, const std::vector<RankRange>& ranges, std::vector<int>* ranks) {
  ranks->clear();
  std::set<int> seen;
  for (const RankRange& range : ranges) {
    if (range.stride == 0) return MPI_ERR_ARG;
    if (range.first < 0 || range.first >= size) return MPI_ERR_RANK;
    if ((range.stride > 0 && range.first > range.last) ||
        (range.stride < 0 && range.first < range.last)) {
      return MPI_ERR_ARG;
    }
    for (long long rank = range.first; range.stride > 0 ? rank <= range.last : rank >= range.last;
         rank += range.stride) {
      if (rank < 0 || rank >= size) return MPI_ERR_RANK;
      if (!seen.insert(static_cast<int>(rank)).second) return MPI_ERR_RANK;
      ranks->push_back(static_cast<int>(rank));
    }
  }
  return MPI_SUCCESS;
}

void check_ranges(const Group& group, const std::vector<RankRange>& ranges) {
  std::vector<int> ranks;
  const int expected_class = reference_ranges(group.size(), ranges, &ranks);
  std::vector<int> expected_incl;
  for (int rank : ranks) expected_incl.push_back(group.process(rank));
  std::vector<int> expected_excl;
  for (int rank = 0; rank < group.size(); ++rank) {
    if (!contains(ranks, rank)) expected_excl.push_back(group.process(rank));
  }

  Group* raw = kUntouched;
  Status status = weft::group_range_incl(group, ranges, &raw);
  INFO("size " << group.size() << ", first triplet (" << ranges[0].first << ", " << ranges[0].last
               << ", " << ranges[0].stride << "), " << ranges.size()
               << " triplets: " << status.message());
  REQUIRE(status.error_class() == expected_class);
  if (status.ok()) {
    GroupRef included(raw);
    REQUIRE(included->processes() == expected_incl);
  } else {
    REQUIRE(raw == kUntouched);
    REQUIRE(status.message().find("MPI_Group_range_incl: argument ranges[") == 0);
  }

  raw = kUntouched;
  status = weft::group_range_excl(group, ranges, &raw);
  REQUIRE(status.error_class() == expected_class);
  if (status.ok()) {
    GroupRef excluded(raw);
    REQUIRE(excluded->processes() == expected_excl);
  } else {
    REQUIRE(raw == kUntouched);
  }
}

}  // namespace

TEST_CASE("group: every single triplet around small groups", "[group]") {
  for (int n = 0; n <= 6; ++n) {
    GroupRef group = make(scattered_processes(n));
    for (int first = -2; first <= n + 1; ++first) {
      for (int last = -3; last <= n + 2; ++last) {
        for (int stride = -4; stride <= 4; ++stride) {
          check_ranges(*group, {{first, last, stride}});
        }
      }
    }
  }
}

TEST_CASE("group: every pair of triplets in a 4-process group", "[group]") {
  GroupRef group = make(scattered_processes(4));
  std::vector<RankRange> triplets;
  for (int first = -1; first <= 4; ++first) {
    for (int last = -1; last <= 5; ++last) {
      for (int stride : {-3, -1, 0, 1, 2}) triplets.push_back({first, last, stride});
    }
  }
  for (const RankRange& a : triplets) {
    for (const RankRange& b : triplets) check_ranges(*group, {a, b});
  }
}

TEST_CASE("group: triplets at the limits of int", "[group]") {
  GroupRef group = make(scattered_processes(5));
  check_ranges(*group, {{1, INT_MIN, -1}});
  check_ranges(*group, {{4, INT_MAX, 1}});
  check_ranges(*group, {{0, INT_MAX, INT_MAX}});
  check_ranges(*group, {{4, INT_MIN, INT_MIN}});
  check_ranges(*group, {{3, 0, INT_MIN}});
  check_ranges(*group, {{0, 4, 4}, {2, 2, 7}, {3, 1, -2}});

  // No triplets: range_incl gives the empty group, range_excl a copy.
  Group* raw = kUntouched;
  REQUIRE(weft::group_range_incl(*group, {}, &raw).ok());
  CHECK(raw == weft::empty_group());
  REQUIRE(weft::group_range_excl(*group, {}, &raw).ok());
  GroupRef copy(raw);
  CHECK(copy->processes() == group->processes());
}

TEST_CASE("group: triplet errors name the triplet and the value", "[group]") {
  GroupRef group = make(scattered_processes(9));
  Group* raw = kUntouched;
  const std::vector<RankRange> zero_stride = {{0, 8, 2}, {1, 5, 0}};
  Status status = weft::group_range_incl(*group, zero_stride, &raw);
  CHECK(status.error_class() == MPI_ERR_ARG);
  CHECK(status.message().find("ranges[1]=(1, 5, 0)") != std::string::npos);

  // (0, 10, 4) names 0, 4, 8: the standard checks computed ranks, not `last`.
  const std::vector<RankRange> last_outside = {{0, 10, 4}};
  REQUIRE(weft::group_range_incl(*group, last_outside, &raw).ok());
  GroupRef picked(raw);
  CHECK(picked->processes() ==
        std::vector<int>{group->process(0), group->process(4), group->process(8)});

  const std::vector<RankRange> overlap = {{0, 8, 4}, {7, 3, -4}, {5, 8, 1}};
  raw = kUntouched;
  status = weft::group_range_excl(*group, overlap, &raw);
  CHECK(status.error_class() == MPI_ERR_RANK);
  CHECK(status.message().find("ranges[2]=(5, 8, 1) names rank 7, already named by ranges[1]") !=
        std::string::npos);
  CHECK(raw == kUntouched);
}

namespace {

// Groups over one universe of processes: every ordered subset of it.
std::vector<std::vector<int>> groups_over_universe() {
  const std::vector<int> universe = {42, 7, 1000, 3};
  std::vector<std::vector<int>> groups;
  for (const std::vector<int>& indices : ordered_subsets(static_cast<int>(universe.size()))) {
    std::vector<int> processes;
    for (int index : indices) processes.push_back(universe[index]);
    groups.push_back(processes);
  }
  return groups;
}

}  // namespace

TEST_CASE("group: union, intersection and difference of every pair", "[group]") {
  const std::vector<std::vector<int>> all = groups_over_universe();
  std::vector<GroupRef> groups;
  for (const std::vector<int>& processes : all) groups.push_back(make(processes));

  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < all.size(); ++j) {
      const std::vector<int>& a = all[i];
      const std::vector<int>& b = all[j];
      const std::set<int> in_a(a.begin(), a.end());
      const std::set<int> in_b(b.begin(), b.end());
      std::vector<int> expected_union = a;
      for (int process : b) {
        if (!in_a.count(process)) expected_union.push_back(process);
      }
      std::vector<int> expected_intersection;
      std::vector<int> expected_difference;
      for (int process : a) {
        (in_b.count(process) ? expected_intersection : expected_difference).push_back(process);
      }

      Group* raw = nullptr;
      REQUIRE(weft::group_union(*groups[i], *groups[j], &raw).ok());
      GroupRef united(raw);
      REQUIRE(united->processes() == expected_union);
      REQUIRE((united->handle() == MPI_GROUP_EMPTY) == expected_union.empty());

      REQUIRE(weft::group_intersection(*groups[i], *groups[j], &raw).ok());
      GroupRef common(raw);
      REQUIRE(common->processes() == expected_intersection);
      REQUIRE((common->handle() == MPI_GROUP_EMPTY) == expected_intersection.empty());

      REQUIRE(weft::group_difference(*groups[i], *groups[j], &raw).ok());
      GroupRef rest(raw);
      REQUIRE(rest->processes() == expected_difference);
      REQUIRE((rest->handle() == MPI_GROUP_EMPTY) == expected_difference.empty());
    }
  }
}

TEST_CASE("group: compare every pair", "[group]") {
  const std::vector<std::vector<int>> all = groups_over_universe();
  std::vector<GroupRef> groups;
  for (const std::vector<int>& processes : all) groups.push_back(make(processes));
  int seen[3] = {0, 0, 0};
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < all.size(); ++j) {
      int expected = MPI_UNEQUAL;
      if (all[i] == all[j]) {
        expected = MPI_IDENT;
      } else if (std::set<int>(all[i].begin(), all[i].end()) ==
                 std::set<int>(all[j].begin(), all[j].end())) {
        expected = MPI_SIMILAR;
      }
      REQUIRE(weft::group_compare(*groups[i], *groups[j]) == expected);
      ++seen[expected == MPI_IDENT ? 0 : expected == MPI_SIMILAR ? 1 : 2];
    }
  }
  // The universe exercises all three outcomes.
  CHECK(seen[0] > 0);
  CHECK(seen[1] > 0);
  CHECK(seen[2] > 0);
  CHECK(weft::group_compare(*weft::empty_group(), *weft::empty_group()) == MPI_IDENT);
}

TEST_CASE("group: translate_ranks over every pair", "[group]") {
  const std::vector<std::vector<int>> all = groups_over_universe();
  std::vector<GroupRef> groups;
  for (const std::vector<int>& processes : all) groups.push_back(make(processes));
  for (size_t i = 0; i < all.size(); ++i) {
    for (size_t j = 0; j < all.size(); ++j) {
      std::vector<int> ranks1;
      for (int rank = static_cast<int>(all[i].size()) - 1; rank >= 0; --rank) {
        ranks1.push_back(rank);
      }
      ranks1.push_back(MPI_PROC_NULL);
      std::vector<int> expected;
      for (int rank : ranks1) {
        if (rank == MPI_PROC_NULL) {
          expected.push_back(MPI_PROC_NULL);
          continue;
        }
        auto it = std::find(all[j].begin(), all[j].end(), all[i][rank]);
        expected.push_back(it == all[j].end() ? MPI_UNDEFINED
                                              : static_cast<int>(it - all[j].begin()));
      }
      std::vector<int> ranks2(ranks1.size(), -99);
      REQUIRE(weft::group_translate_ranks(*groups[i], ranks1, *groups[j], ranks2).ok());
      REQUIRE(ranks2 == expected);

      // In place, as some programs do.
      std::vector<int> in_place = ranks1;
      REQUIRE(weft::group_translate_ranks(*groups[i], in_place, *groups[j], in_place).ok());
      REQUIRE(in_place == expected);
    }
  }
}

TEST_CASE("group: translate_ranks rejects ranks outside group1", "[group]") {
  GroupRef group1 = make({5, 6, 7});
  GroupRef group2 = make({7, 5});
  for (int bad : {3, -1, -2, MPI_ROOT, MPI_UNDEFINED, INT_MAX}) {
    const std::vector<int> ranks1 = {0, bad};
    std::vector<int> ranks2 = {-99, -99};
    Status status = weft::group_translate_ranks(*group1, ranks1, *group2, ranks2);
    CHECK(status.error_class() == MPI_ERR_RANK);
    CHECK(status.message().find("MPI_Group_translate_ranks: argument ranks1[1]=" +
                                std::to_string(bad)) == 0);
    CHECK(ranks2 == std::vector<int>{-99, -99});
  }
  std::vector<int> none;
  CHECK(weft::group_translate_ranks(*group1, none, *group2, none).ok());
}
