// Process groups (MPI-4.0 chapter 7.3): an ordered set of processes, each named by its
// world rank. Groups are immutable once built, so they are shared between communicators
// and threads without locking; the set algebra below builds new groups and never edits
// one in place.
//
// The set algebra is kept free of MPI state (no MPI_Init needed) so the unit tests can
// check it exhaustively against a serial reference. Every function validates its
// arguments, names the MPI call in its messages, and writes its result only on success.
#pragma once

#include <span>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "mpi.h"

namespace weft {

class Group : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kGroup;

  // processes[i] is the world rank of group rank i; the entries must be distinct.
  explicit Group(std::vector<int> processes);
  ~Group() override;

  int size() const { return static_cast<int>(processes_.size()); }
  // World rank of a group rank; `rank` must be in [0, size()).
  int process(int rank) const { return processes_[rank]; }
  // Group rank of a world rank, MPI_UNDEFINED when the process is not a member.
  int rank_of_process(int process) const;
  // This process's rank in the group, MPI_UNDEFINED when it is not a member.
  int my_rank() const;
  const std::vector<int>& processes() const { return processes_; }

  // MPI_GROUP_EMPTY for the predefined empty group, else the object's address.
  MPI_Group handle();

  // The session the group derives from (MPI_Group_from_session_pset, and the groups made
  // from such a group), nullptr in the world model; retained. Set once, right after the
  // group is made and before anyone else sees it.
  Object* session() const { return session_; }
  void set_session(Object* session);

 private:
  std::vector<int> processes_;
  Object* session_ = nullptr;
  // (world rank, group rank) sorted by world rank: membership and rank lookups in
  // O(log n) without a table as large as the largest world rank.
  std::vector<std::pair<int, int>> index_;
};

// MPI_GROUP_EMPTY resolves to the predefined empty group; MPI_GROUP_NULL, other predefined
// values and handles of other kinds give nullptr.
Group* group_from_handle(MPI_Group handle);

// The predefined empty group (MPI_GROUP_EMPTY). Never deleted; release() on it is harmless.
Group* empty_group();

// A group holding `processes` (one reference owned by the caller), or the predefined
// empty group when `processes` is empty: the standard hands out MPI_GROUP_EMPTY for
// every empty result.
Group* make_group(std::vector<int> processes);

// One (first, last, stride) triplet of MPI_Group_range_incl / MPI_Group_range_excl.
struct RankRange {
  int first;
  int last;
  int stride;
};

// The set algebra of MPI_Group_incl, _excl, _range_incl, _range_excl, _union,
// _intersection and _difference. On success *result holds a new reference (or the
// empty group); on failure *result is untouched and the Status names the call, the
// argument and the value:
//   duplicate or out-of-range ranks           -> MPI_ERR_RANK
//   more ranks than the group has, zero stride,
//   a range whose stride points away from its last rank -> MPI_ERR_ARG
Status group_incl(const Group& group, std::span<const int> ranks, Group** result);
Status group_excl(const Group& group, std::span<const int> ranks, Group** result);
Status group_range_incl(const Group& group, std::span<const RankRange> ranges, Group** result);
Status group_range_excl(const Group& group, std::span<const RankRange> ranges, Group** result);
// All of group1, then the members of group2 missing from group1, in group2's order.
Status group_union(const Group& group1, const Group& group2, Group** result);
// Members of group1 that are in group2, in group1's order.
Status group_intersection(const Group& group1, const Group& group2, Group** result);
// Members of group1 that are not in group2, in group1's order.
Status group_difference(const Group& group1, const Group& group2, Group** result);

// The ranks in group2 of the processes with ranks `ranks1` in group1: MPI_PROC_NULL stays
// MPI_PROC_NULL, a process absent from group2 gives MPI_UNDEFINED. `ranks2` must have
// ranks1.size() entries; it may alias ranks1. A rank of group1 that is out of range or
// another negative value is MPI_ERR_RANK.
Status group_translate_ranks(const Group& group1, std::span<const int> ranks1, const Group& group2,
                             std::span<int> ranks2);

// MPI_IDENT (same members, same order), MPI_SIMILAR (same members, another order) or
// MPI_UNEQUAL. Comparing two valid groups cannot fail.
int group_compare(const Group& group1, const Group& group2);

}  // namespace weft
