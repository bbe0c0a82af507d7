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
#include "mpi/comm_create.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/state.h"
#include "p2p/engine.h"

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

// The leaders swap `values` (which need only be right at the local leader) and each
// broadcasts what it received in its group: every member returns the other group's values.
Status exchange(const Sides& sides, const std::vector<int>& values, std::vector<int>* theirs) {
  uint64_t length = 0;
  if (sides.local.rank == sides.local_leader) {
    const uint64_t my_length = values.size();
    WEFT_TRY(coll::sendrecv(sides.link, sides.remote_leader, &my_length, sizeof my_length,
                            sides.remote_leader, &length, sizeof length));
    theirs->resize(length);
    WEFT_TRY(coll::sendrecv(sides.link, sides.remote_leader, values.data(),
                            values.size() * sizeof(int), sides.remote_leader, theirs->data(),
                            theirs->size() * sizeof(int)));
  }
  WEFT_TRY(coll::bcast_bytes(sides.local, sides.local_leader, &length, sizeof length));
  theirs->resize(length);
  return coll::bcast_bytes(sides.local, sides.local_leader, theirs->data(),
                           theirs->size() * sizeof(int));
}

// A context id free on every member of both groups, reserved here: the agreement with its
// confirming round (mpi/comm_create.h), on the same sides and tags as the exchange.
Status agree(const char* call, const Sides& sides, uint32_t& context) {
  return agree_inter_context(call, sides.local, sides.local_leader, sides.link,
                             sides.remote_leader, context);
}

// An existing intercommunicator's sides: its local group on the local context, the leaders
// (rank 0 of each group) on its collective context; tag 0, as for other constructions.
Sides sides_of(const Comm* inter) {
  return Sides{inter->coll_team(), 0,
               coll::Team{inter->peer_processes(), inter->rank(), inter->peer_size(),
                          inter->coll_context(), 0},
               0};
}

// `status`, giving `context` back first when it is an error (the agreement is done: every
// member of both groups reaches the same checks, so none is left waiting).
Status or_release(uint32_t context, Status status) {
  if (!status.ok()) release_context(context);
  return status;
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
  std::vector<int> remote;
  WEFT_TRY(exchange(sides, local->group()->processes(), &remote));
  uint32_t context = 0;
  WEFT_TRY(agree(call, sides, context));
  WEFT_TRY(or_release(context, check_disjoint(call, *local->group(), remote)));
  *out = make_inter(local->group()->processes(), std::move(remote), context,
                    local->errhandler());
  (*out)->set_session(local->session());
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
  std::vector<int> theirs;
  WEFT_TRY(exchange(sides, local->processes(), &theirs));
  uint32_t context = 0;
  WEFT_TRY(agree(call, sides, context));
  if (theirs != remote->processes()) {
    release_context(context);
    return error(MPI_ERR_GROUP,
                 "%s: the remote group's leader describes its group differently from argument "
                 "remote_group here (%zu processes there, %d here; are both groups the same "
                 "on both sides, in the same order?)",
                 call, theirs.size(), remote->size());
  }
  *out = make_inter(local->processes(), remote->processes(), context, errhandler);
  (*out)->set_session(local->session());
  return Status();
}

Status intercomm_merge(const char* call, Comm* inter, bool high, Comm** out) {
  const Sides sides = sides_of(inter);
  // The group's order comes from its leader's flag, so a member that passed another value
  // cannot leave the two groups disagreeing about the order.
  int leader_high = high ? 1 : 0;
  WEFT_TRY(coll::bcast_bytes(sides.local, 0, &leader_high, sizeof leader_high));
  std::vector<int> theirs;
  WEFT_TRY(exchange(sides, {leader_high}, &theirs));
  uint32_t context = 0;
  WEFT_TRY(agree(call, sides, context));
  if (theirs.size() != 1) {
    release_context(context);
    return error(MPI_ERR_INTERN, "%s: the remote leader sent %zu values for its flag", call,
                 theirs.size());
  }
  const bool remote_high = theirs[0] != 0;
  // A tie goes to the group whose leader has the lower world rank; leaders of different
  // jobs (spawned, connected) compare their uids, which both sides know alike.
  const int local_leader = inter->group()->process(0);
  const int remote_leader = inter->remote_group()->process(0);
  const bool same_job = local_leader < world_size() && remote_leader < world_size();
  const bool lower = same_job ? local_leader < remote_leader
                              : p2p::engine().uid(local_leader) < p2p::engine().uid(remote_leader);
  const bool local_first = leader_high != remote_high ? !leader_high : lower;
  const std::vector<int>& first =
      local_first ? inter->group()->processes() : inter->remote_group()->processes();
  const std::vector<int>& second =
      local_first ? inter->remote_group()->processes() : inter->group()->processes();
  std::vector<int> processes(first);
  processes.insert(processes.end(), second.begin(), second.end());
  auto* group = new Group(std::move(processes));
  *out = new Comm(group, context, "");
  group->release();
  (*out)->set_errhandler(inter->errhandler());
  (*out)->set_session(inter->session());
  return Status();
}

Status intercomm_dup(const char* call, Comm* inter, Comm** out) {
  uint32_t context = 0;
  WEFT_TRY(agree(call, sides_of(inter), context));
  *out = make_inter(inter->group()->processes(), inter->remote_group()->processes(), context,
                    inter->errhandler());
  (*out)->set_session(inter->session());
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
  std::vector<int> theirs;
  WEFT_TRY(exchange(sides, local, &theirs));
  // One id serves every new intercommunicator: they have no process in common.
  uint32_t context = 0;
  WEFT_TRY(agree(call, sides, context));
  if (theirs.size() != static_cast<size_t>(2 * inter->peer_size())) {
    release_context(context);
    return error(MPI_ERR_INTERN, "%s: the remote group sent %zu colors and keys for %d processes",
                 call, theirs.size() / 2, inter->peer_size());
  }
  std::vector<int> remote;
  if (color != MPI_UNDEFINED) remote = members_of(theirs, *inter->remote_group(), color);
  if (remote.empty()) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  *out = make_inter(members_of(local, *inter->group(), color), std::move(remote), context,
                    inter->errhandler());
  (*out)->set_session(inter->session());
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
  const Sides sides = sides_of(inter);
  std::vector<int> theirs;
  WEFT_TRY(exchange(sides, group->processes(), &theirs));
  uint32_t context = 0;
  WEFT_TRY(agree(call, sides, context));
  for (int process : theirs) {
    if (inter->remote_group()->rank_of_process(process) == MPI_UNDEFINED) {
      release_context(context);
      return error(MPI_ERR_GROUP,
                   "%s: the remote group chose world process %d, which is not in its group", call,
                   process);
    }
  }
  if (group->my_rank() == MPI_UNDEFINED || theirs.empty()) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  *out = make_inter(group->processes(), std::move(theirs), context, inter->errhandler());
  (*out)->set_session(inter->session());
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
