#include "mpi/intercomm.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>
#include <vector>

#include "coll/team.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/state.h"

namespace weft {

namespace {

// Who takes part in an exchange between the two groups: the local group (where masks are
// ANDed and the leader's answer is broadcast) and the link its leader uses to reach the
// other group's leader.
struct Sides {
  coll::Team local;
  int local_leader;
  coll::Team link;    // significant at the local leader only
  int remote_leader;  // the remote leader's rank in `link`
};

// What the other group answered: the context ids free on all its members, and the values
// its leader sent.
struct Answer {
  ContextMask agreed;  // free on every member of both groups
  std::vector<int> values;
};

// The local group ANDs its masks of free context ids; the leaders swap (mask, values) —
// `values` need only be right at the local leader — and each broadcasts what it received
// in its group. Every member returns the other group's values and the mask of ids free on
// both groups.
Status exchange(const Sides& sides, const std::vector<int>& values, Answer* answer) {
  ContextMask mask = local_context_mask();
  WEFT_TRY(coll::allreduce_band(sides.local, mask.words, kContextMaskWords));

  std::vector<uint32_t> theirs;
  uint64_t length = 0;
  if (sides.local.rank == sides.local_leader) {
    std::vector<uint32_t> mine(mask.words, mask.words + kContextMaskWords);
    for (int value : values) mine.push_back(static_cast<uint32_t>(value));
    const uint64_t my_length = mine.size();
    WEFT_TRY(coll::sendrecv(sides.link, sides.remote_leader, &my_length, sizeof my_length,
                            sides.remote_leader, &length, sizeof length));
    theirs.resize(length);
    WEFT_TRY(coll::sendrecv(sides.link, sides.remote_leader, mine.data(),
                            mine.size() * sizeof(uint32_t), sides.remote_leader, theirs.data(),
                            theirs.size() * sizeof(uint32_t)));
  }
  WEFT_TRY(coll::bcast_bytes(sides.local, sides.local_leader, &length, sizeof length));
  theirs.resize(length);
  WEFT_TRY(coll::bcast_bytes(sides.local, sides.local_leader, theirs.data(),
                             theirs.size() * sizeof(uint32_t)));
  if (length < kContextMaskWords) {
    return error(MPI_ERR_INTERN, "intercommunicator: the remote leader sent %llu words",
                 static_cast<unsigned long long>(length));
  }
  for (int w = 0; w < kContextMaskWords; ++w) answer->agreed.words[w] = mask.words[w] & theirs[w];
  answer->values.assign(theirs.begin() + kContextMaskWords, theirs.end());
  return Status();
}

// An existing intercommunicator's sides: its local group on the local context, the leaders
// (rank 0 of each group) on its collective context; tag 0, as for other constructions.
Sides sides_of(const Comm* inter) {
  return Sides{inter->coll_team(), 0,
               coll::Team{inter->peer_processes(), inter->rank(), inter->peer_size(),
                          inter->coll_context(), 0},
               0};
}

Comm* make_inter(std::vector<int> local, std::vector<int> remote, uint32_t context,
                 Errhandler* errhandler) {
  auto* local_group = new Group(std::move(local));
  auto* remote_group = new Group(std::move(remote));
  auto* comm = new Comm(local_group, remote_group, context, "");
  local_group->release();
  remote_group->release();
  comm->set_errhandler(errhandler);
  return comm;
}

Status check_disjoint(const char* call, const Group& local, const std::vector<int>& remote) {
  for (int process : remote) {
    if (local.rank_of_process(process) != MPI_UNDEFINED) {
      return error(MPI_ERR_COMM,
                   "%s: world process %d is in both the local and the remote group (the "
                   "groups of an intercommunicator must be disjoint)",
                   call, process);
    }
  }
  return Status();
}

// A 28-bit hash of a string tag (FNV-1a), for the tags of MPI_Intercomm_create_from_groups.
uint32_t string_tag_hash(const char* text) {
  uint32_t hash = 2166136261u;
  for (const char* c = text; *c != '\0'; ++c) {
    hash ^= static_cast<unsigned char>(*c);
    hash *= 16777619u;
  }
  return hash & 0x0fffffffu;
}

// Tags on MPI_COMM_WORLD's collective context for MPI_Intercomm_create_from_groups: one for
// the traffic inside each group, one for the leaders' link (the link's ranks are world
// ranks, the group's are group ranks: the same tag for both could mix them up). Apart from
// operation tags (bit 29 alone) and construction (0); MPI_Comm_create_group's
// (1 << 30) | tag meets them only for user tags of 2^29 and above.
constexpr uint32_t kFromGroupsGroupTag = 0x70000000u;
constexpr uint32_t kFromGroupsLinkTag = 0x60000000u;

}  // namespace

Status intercomm_create(const char* call, Comm* local, int local_leader, Comm* peer,
                        int remote_leader, int tag, Comm** out) {
  Sides sides{local->coll_team(), local_leader, coll::Team{}, remote_leader};
  if (local->rank() == local_leader) {
    sides.link = coll::Team{peer->peer_processes(), peer->rank(), peer->peer_size(),
                            peer->context(), tag};
  }
  Answer answer;
  WEFT_TRY(exchange(sides, local->group()->processes(), &answer));
  WEFT_TRY(check_disjoint(call, *local->group(), answer.values));
  uint32_t context = 0;
  WEFT_TRY(reserve_context(answer.agreed, call, context));
  *out = make_inter(local->group()->processes(), std::move(answer.values), context,
                    local->errhandler());
  return Status();
}

Status intercomm_create_from_groups(const char* call, Group* local, int local_leader,
                                    Group* remote, int remote_leader, const char* stringtag,
                                    Errhandler* errhandler, Comm** out) {
  const uint32_t hash = string_tag_hash(stringtag);
  Comm* world = comm_world();
  Sides sides{coll::Team{local->processes().data(), local->my_rank(), local->size(),
                         world->coll_context(), static_cast<int>(kFromGroupsGroupTag | hash)},
              local_leader,
              coll::Team{world->group()->processes().data(), world->rank(), world->size(),
                         world->coll_context(), static_cast<int>(kFromGroupsLinkTag | hash)},
              remote->process(remote_leader)};
  Answer answer;
  WEFT_TRY(exchange(sides, local->processes(), &answer));
  if (answer.values != remote->processes()) {
    return error(MPI_ERR_GROUP,
                 "%s: the remote group's leader describes its group differently from argument "
                 "remote_group here (%zu processes there, %d here; are both groups the same "
                 "on both sides, in the same order?)",
                 call, answer.values.size(), remote->size());
  }
  uint32_t context = 0;
  WEFT_TRY(reserve_context(answer.agreed, call, context));
  *out = make_inter(local->processes(), remote->processes(), context, errhandler);
  return Status();
}

Status intercomm_merge(const char* call, Comm* inter, bool high, Comm** out) {
  const Sides sides = sides_of(inter);
  // The group's order comes from its leader's flag, so a member that passed another value
  // cannot leave the two groups disagreeing about the order.
  int leader_high = high ? 1 : 0;
  WEFT_TRY(coll::bcast_bytes(sides.local, 0, &leader_high, sizeof leader_high));
  Answer answer;
  WEFT_TRY(exchange(sides, {leader_high}, &answer));
  const bool remote_high = answer.values.at(0) != 0;
  const bool local_first = leader_high != remote_high
                               ? !leader_high
                               : inter->group()->process(0) < inter->remote_group()->process(0);
  const std::vector<int>& first =
      local_first ? inter->group()->processes() : inter->remote_group()->processes();
  const std::vector<int>& second =
      local_first ? inter->remote_group()->processes() : inter->group()->processes();
  std::vector<int> processes(first);
  processes.insert(processes.end(), second.begin(), second.end());
  uint32_t context = 0;
  WEFT_TRY(reserve_context(answer.agreed, call, context));
  auto* group = new Group(std::move(processes));
  *out = new Comm(group, context, "");
  group->release();
  (*out)->set_errhandler(inter->errhandler());
  return Status();
}

Status intercomm_dup(const char* call, Comm* inter, Comm** out) {
  Answer answer;
  WEFT_TRY(exchange(sides_of(inter), {}, &answer));
  uint32_t context = 0;
  WEFT_TRY(reserve_context(answer.agreed, call, context));
  *out = make_inter(inter->group()->processes(), inter->remote_group()->processes(), context,
                    inter->errhandler());
  return Status();
}

namespace {

// The processes of the members of `color`, ordered by (key, rank), from the (color, key)
// pairs of a group's ranks.
std::vector<int> members_of(const std::vector<int>& colors_and_keys, const Group& group,
                            int color) {
  std::vector<std::tuple<int, int>> members;  // (key, rank)
  for (int r = 0; r < group.size(); ++r) {
    if (colors_and_keys[static_cast<size_t>(2 * r)] == color) {
      members.emplace_back(colors_and_keys[static_cast<size_t>(2 * r + 1)], r);
    }
  }
  std::stable_sort(members.begin(), members.end());
  std::vector<int> processes;
  processes.reserve(members.size());
  for (auto& [key, rank] : members) processes.push_back(group.process(rank));
  return processes;
}

}  // namespace

Status intercomm_split(const char* call, Comm* inter, int color, int key, Comm** out) {
  const Sides sides = sides_of(inter);
  const int mine[2] = {color, key};
  std::vector<int> local(static_cast<size_t>(2 * inter->size()));
  WEFT_TRY(coll::allgather_bytes(sides.local, mine, sizeof mine, local.data()));
  Answer answer;
  WEFT_TRY(exchange(sides, local, &answer));
  if (answer.values.size() != static_cast<size_t>(2 * inter->peer_size())) {
    return error(MPI_ERR_INTERN, "%s: the remote group sent %zu colors and keys for %d processes",
                 call, answer.values.size() / 2, inter->peer_size());
  }
  // One id serves every new intercommunicator: they have no process in common.
  uint32_t context = 0;
  WEFT_TRY(reserve_context(answer.agreed, call, context));
  std::vector<int> remote;
  if (color != MPI_UNDEFINED) remote = members_of(answer.values, *inter->remote_group(), color);
  if (remote.empty()) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  *out = make_inter(members_of(local, *inter->group(), color), std::move(remote), context,
                    inter->errhandler());
  return Status();
}

Status intercomm_create_part(const char* call, Comm* inter, Group* group, Comm** out) {
  for (int process : group->processes()) {
    if (inter->group()->rank_of_process(process) == MPI_UNDEFINED) {
      return error(MPI_ERR_GROUP,
                   "%s: argument group holds world process %d, which is not in the local group "
                   "of the intercommunicator",
                   call, process);
    }
  }
  Answer answer;
  WEFT_TRY(exchange(sides_of(inter), group->processes(), &answer));
  for (int process : answer.values) {
    if (inter->remote_group()->rank_of_process(process) == MPI_UNDEFINED) {
      return error(MPI_ERR_GROUP,
                   "%s: the remote group chose world process %d, which is not in its group", call,
                   process);
    }
  }
  uint32_t context = 0;
  WEFT_TRY(reserve_context(answer.agreed, call, context));
  if (group->my_rank() == MPI_UNDEFINED || answer.values.empty()) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  *out = make_inter(group->processes(), std::move(answer.values), context, inter->errhandler());
  return Status();
}

int intercomm_compare(const Comm& a, const Comm& b) {
  if (&a == &b) return MPI_IDENT;
  if (!a.is_inter() || !b.is_inter()) return MPI_UNEQUAL;
  const int local = group_compare(*a.group(), *b.group());
  const int remote = group_compare(*a.remote_group(), *b.remote_group());
  if (local == MPI_IDENT && remote == MPI_IDENT) return MPI_CONGRUENT;
  if (local != MPI_UNEQUAL && remote != MPI_UNEQUAL) return MPI_SIMILAR;
  return MPI_UNEQUAL;
}

}  // namespace weft
