#include "mpi/group.h"

#include <algorithm>
#include <cassert>
#include <cstdint>

#include "mpi/live_objects.h"
#include "mpi/state.h"

namespace weft {

namespace {

// `index` is sorted by world rank.
[[maybe_unused]] bool has_repeated_process(const std::vector<std::pair<int, int>>& index) {
  return std::adjacent_find(index.begin(), index.end(), [](const auto& a, const auto& b) {
           return a.first == b.first;
         }) != index.end();
}

// Never destroyed: groups may outlive static destruction (the predefined ones).
LiveObjects& live_groups() {
  static auto* live = new LiveObjects();
  return *live;
}

}  // namespace

Group::~Group() {
  live_groups().remove(static_cast<Object*>(this));
  if (session_ != nullptr) session_->release();
}

void Group::set_session(Object* session) {
  // The shared empty group belongs to no session.
  if (this == empty_group() || session == session_) return;
  if (session != nullptr) session->retain();
  if (session_ != nullptr) session_->release();
  session_ = session;
}

Group::Group(std::vector<int> processes) : Object(kKind), processes_(std::move(processes)) {
  live_groups().add(static_cast<Object*>(this));
  index_.reserve(processes_.size());
  for (int rank = 0; rank < size(); ++rank) index_.emplace_back(processes_[rank], rank);
  std::sort(index_.begin(), index_.end());
  // A repeated process would give it two ranks; every caller builds groups from distinct
  // processes.
  assert(!has_repeated_process(index_));
}

int Group::rank_of_process(int process) const {
  auto it = std::lower_bound(index_.begin(), index_.end(), std::pair<int, int>(process, 0),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
  if (it == index_.end() || it->first != process) return MPI_UNDEFINED;
  return it->second;
}

int Group::my_rank() const { return rank_of_process(self_process()); }

Group* empty_group() {
  static Group* group = [] {
    auto* empty = new Group(std::vector<int>{});
    empty->make_permanent();
    return empty;
  }();
  return group;
}

MPI_Group Group::handle() {
  if (this == empty_group()) return MPI_GROUP_EMPTY;
  return to_handle<MPI_Group>(this);
}

Group* group_from_handle(MPI_Group handle) {
  if (handle == MPI_GROUP_EMPTY) return empty_group();
  if (!live_groups().contains(handle)) return nullptr;
  return dynamic_object<Group>(handle);
}

Group* make_group(std::vector<int> processes) {
  if (processes.empty()) return empty_group();
  return new Group(std::move(processes));
}

namespace {

// Checks that `ranks` lists distinct ranks of `group`. On success `listed_at[r]` is the
// index in `ranks` where rank r appears, or -1.
Status check_rank_list(const char* call, const Group& group, std::span<const int> ranks,
                       std::vector<int>* listed_at) {
  const int size = group.size();
  // More ranks than members forces a repeat; saying so is clearer than naming the repeat.
  if (ranks.size() > static_cast<size_t>(size)) {
    return error(MPI_ERR_ARG, "%s: argument n=%zu is larger than the size of the group (%d)", call,
                 ranks.size(), size);
  }
  std::vector<int> seen(size, -1);
  for (size_t i = 0; i < ranks.size(); ++i) {
    const int rank = ranks[i];
    if (rank < 0 || rank >= size) {
      return error(MPI_ERR_RANK, "%s: argument ranks[%zu]=%d is not a rank of a %d-process group",
                   call, i, rank, size);
    }
    if (seen[rank] >= 0) {
      return error(MPI_ERR_RANK, "%s: argument ranks[%zu]=%d repeats ranks[%d]", call, i, rank,
                   seen[rank]);
    }
    seen[rank] = static_cast<int>(i);
  }
  *listed_at = std::move(seen);
  return Status::success();
}

// Expands (first, last, stride) triplets into the ranks they name, in order. A triplet
// names first, first + stride, ..., first + floor((last - first) / stride) * stride. The
// standard requires every computed rank to be a valid, distinct rank of the group; `last`
// itself need not be one ((0, 10, 4) in a 9-process group names 0, 4, 8). A zero stride
// never ends, and a stride pointing away from `last` names nothing the formula can
// express, so both are MPI_ERR_ARG rather than a silent empty range.
Status expand_ranges(const char* call, int size, std::span<const RankRange> ranges,
                     std::vector<int>* ranks) {
  std::vector<int> produced_by(size, -1);  // which triplet named each rank
  std::vector<int> expanded;
  for (size_t i = 0; i < ranges.size(); ++i) {
    const RankRange& range = ranges[i];
    if (range.stride == 0) {
      return error(MPI_ERR_ARG, "%s: argument ranges[%zu]=(%d, %d, %d) has stride 0", call, i,
                   range.first, range.last, range.stride);
    }
    if (range.first < 0 || range.first >= size) {
      return error(MPI_ERR_RANK,
                   "%s: argument ranges[%zu]=(%d, %d, %d) starts at %d, which is not a rank of a "
                   "%d-process group",
                   call, i, range.first, range.last, range.stride, range.first, size);
    }
    // 64-bit: last - first overflows int for first > 0 and last near INT_MIN.
    const int64_t distance = int64_t{range.last} - range.first;
    if ((distance > 0 && range.stride < 0) || (distance < 0 && range.stride > 0)) {
      return error(MPI_ERR_ARG,
                   "%s: argument ranges[%zu]=(%d, %d, %d) has a stride that moves away from its "
                   "last rank",
                   call, i, range.first, range.last, range.stride);
    }
    // Same signs, so truncating division is the floor of the formula.
    const int64_t steps = distance / range.stride;
    const int64_t final_rank = range.first + steps * range.stride;
    if (final_rank < 0 || final_rank >= size) {
      return error(MPI_ERR_RANK,
                   "%s: argument ranges[%zu]=(%d, %d, %d) reaches %lld, which is not a rank of a "
                   "%d-process group",
                   call, i, range.first, range.last, range.stride,
                   static_cast<long long>(final_rank), size);
    }
    // first and the final rank are in range and the sequence is monotone, so every rank
    // in between is too, and steps < size.
    for (int64_t step = 0; step <= steps; ++step) {
      const int rank = static_cast<int>(range.first + step * range.stride);
      if (produced_by[rank] >= 0) {
        return error(MPI_ERR_RANK,
                     "%s: argument ranges[%zu]=(%d, %d, %d) names rank %d, already named by "
                     "ranges[%d]",
                     call, i, range.first, range.last, range.stride, rank, produced_by[rank]);
      }
      produced_by[rank] = static_cast<int>(i);
      expanded.push_back(rank);
    }
  }
  *ranks = std::move(expanded);
  return Status::success();
}

// The members of `group` whose ranks are not flagged in `listed` (in group order).
std::vector<int> members_not_listed(const Group& group, const std::vector<int>& listed) {
  std::vector<int> processes;
  processes.reserve(group.size());
  for (int rank = 0; rank < group.size(); ++rank) {
    if (listed[rank] < 0) processes.push_back(group.process(rank));
  }
  return processes;
}

}  // namespace

Status group_incl(const Group& group, std::span<const int> ranks, Group** result) {
  std::vector<int> listed_at;
  WEFT_TRY(check_rank_list("MPI_Group_incl", group, ranks, &listed_at));
  std::vector<int> processes;
  processes.reserve(ranks.size());
  for (int rank : ranks) processes.push_back(group.process(rank));
  *result = make_group(std::move(processes));
  return Status::success();
}

Status group_excl(const Group& group, std::span<const int> ranks, Group** result) {
  std::vector<int> listed_at;
  WEFT_TRY(check_rank_list("MPI_Group_excl", group, ranks, &listed_at));
  *result = make_group(members_not_listed(group, listed_at));
  return Status::success();
}

Status group_range_incl(const Group& group, std::span<const RankRange> ranges, Group** result) {
  std::vector<int> ranks;
  WEFT_TRY(expand_ranges("MPI_Group_range_incl", group.size(), ranges, &ranks));
  std::vector<int> processes;
  processes.reserve(ranks.size());
  for (int rank : ranks) processes.push_back(group.process(rank));
  *result = make_group(std::move(processes));
  return Status::success();
}

Status group_range_excl(const Group& group, std::span<const RankRange> ranges, Group** result) {
  std::vector<int> ranks;
  WEFT_TRY(expand_ranges("MPI_Group_range_excl", group.size(), ranges, &ranks));
  std::vector<int> listed(group.size(), -1);
  for (int rank : ranks) listed[rank] = 1;
  *result = make_group(members_not_listed(group, listed));
  return Status::success();
}

Status group_union(const Group& group1, const Group& group2, Group** result) {
  std::vector<int> processes = group1.processes();
  for (int process : group2.processes()) {
    if (group1.rank_of_process(process) == MPI_UNDEFINED) processes.push_back(process);
  }
  *result = make_group(std::move(processes));
  return Status::success();
}

Status group_intersection(const Group& group1, const Group& group2, Group** result) {
  std::vector<int> processes;
  for (int process : group1.processes()) {
    if (group2.rank_of_process(process) != MPI_UNDEFINED) processes.push_back(process);
  }
  *result = make_group(std::move(processes));
  return Status::success();
}

Status group_difference(const Group& group1, const Group& group2, Group** result) {
  std::vector<int> processes;
  for (int process : group1.processes()) {
    if (group2.rank_of_process(process) == MPI_UNDEFINED) processes.push_back(process);
  }
  *result = make_group(std::move(processes));
  return Status::success();
}

Status group_translate_ranks(const Group& group1, std::span<const int> ranks1, const Group& group2,
                             std::span<int> ranks2) {
  if (ranks2.size() != ranks1.size()) {
    return error(MPI_ERR_ARG,
                 "MPI_Group_translate_ranks: argument ranks2 has %zu entries, ranks1 has %zu",
                 ranks2.size(), ranks1.size());
  }
  // Computed aside first: the output is written only on success, and may alias the input.
  std::vector<int> translated(ranks1.size());
  for (size_t i = 0; i < ranks1.size(); ++i) {
    const int rank = ranks1[i];
    if (rank == MPI_PROC_NULL) {
      translated[i] = MPI_PROC_NULL;
      continue;
    }
    if (rank < 0 || rank >= group1.size()) {
      return error(MPI_ERR_RANK,
                   "MPI_Group_translate_ranks: argument ranks1[%zu]=%d is not a rank of group1 "
                   "(%d processes) nor MPI_PROC_NULL",
                   i, rank, group1.size());
    }
    translated[i] = group2.rank_of_process(group1.process(rank));
  }
  std::copy(translated.begin(), translated.end(), ranks2.begin());
  return Status::success();
}

int group_compare(const Group& group1, const Group& group2) {
  if (group1.size() != group2.size()) return MPI_UNEQUAL;
  if (group1.processes() == group2.processes()) return MPI_IDENT;
  // Members are distinct and the sizes match, so containment one way is set equality.
  for (int process : group1.processes()) {
    if (group2.rank_of_process(process) == MPI_UNDEFINED) return MPI_UNEQUAL;
  }
  return MPI_SIMILAR;
}

}  // namespace weft
