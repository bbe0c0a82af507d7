#include "mpi/comm_create.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <memory>
#include <new>
#include <string>
#include <tuple>
#include <vector>

#include "coll/operation.h"
#include "coll/team.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/hardware.h"
#include "p2p/engine.h"
#include "p2p/request.h"

namespace weft {

namespace {

// The context agreement, one coroutine for the blocking constructors and MPI_Comm_idup, on
// intracommunicators and intercommunicators alike.
//
// Round 1: the members AND their masks of free context ids (a dissemination allreduce:
// AND is idempotent, so the wrapped distances of a size that is not a power of two need no
// special case) and each takes the lowest id free everywhere. Round 2 confirms it: another
// agreement on this process (a pending MPI_Comm_idup progressed meanwhile, another thread's
// constructor) may have reserved that id between this process's snapshot and its choice, so
// every member says whether the id was still free locally, and unless all say yes, those
// that got it give it back and the agreement starts over with fresh masks. Both rounds and
// any retry reuse the operation's one tag: each pair of members exchanges its messages in
// the same order every time, so matching stays in step.
//
// Between the two groups of an intercommunicator (`inter`), each AND of a round has two
// more steps: the local leader swaps its group's result with the other group's leader over
// the link (Context::send_remote / recv_remote) and ANDs it in, then the group ANDs again,
// the leader contributing the combined words and the others their group's result, which
// holds every bit of the combined one: so every member of both groups ends with the same
// words, and both groups take, confirm or retry the same id together.
//
// Cost per round: ceil(log2 p) α + ceil(log2 p) β·256 bytes (round 2: 4 bytes); between two
// groups, twice that within each group plus α + β·256 bytes between the leaders.
struct Agreement {
  uint32_t mine[kContextMaskWords];
  uint32_t incoming[kContextMaskWords];
  uint32_t context = 0;
  // The members, as ranks of the team (nullptr: every rank of the team, in order), and this
  // process's index among them. Agreements among a subset (MPI_Comm_create_group,
  // MPI_Comm_create_from_group) run on a team over the whole parent, so a message carries
  // the sender's rank in the parent: ranks within the subset would mean different
  // processes in two calls over different subsets with the same tag, and a fast member of
  // the second call could match a slow member's receive of the first.
  const int* members = nullptr;
  int member_count = 0;
  int my_index = 0;
  // Between two groups: the local leader's index among the members and the other group's
  // leader as a rank of the operation's remote team (the link).
  bool inter = false;
  int leader = 0;
  int remote_leader = 0;

  int member(int index) const { return members == nullptr ? index : members[index]; }
};

coll::Task and_all(coll::Context& c, const Agreement& agreement, uint32_t* words,
                   uint32_t* incoming, int count) {
  const int p = agreement.member_count;
  const int r = agreement.my_index;
  const size_t bytes = static_cast<size_t>(count) * sizeof(uint32_t);
  for (int distance = 1; distance < p; distance *= 2) {
    c.recv(agreement.member((r - distance + p) % p), incoming, bytes);
    c.send(agreement.member((r + distance) % p), words, bytes);
    co_await c.all();
    for (int i = 0; i < count; ++i) words[i] &= incoming[i];
  }
  co_return c.error();
}

// `words` ANDed over every member (of both groups, between two groups).
coll::Task and_everywhere(coll::Context& c, const Agreement& agreement, uint32_t* words,
                          uint32_t* incoming, int count) {
  WEFT_CO_TRY(co_await and_all(c, agreement, words, incoming, count));
  if (!agreement.inter) co_return Status();
  if (agreement.my_index == agreement.leader) {
    const size_t bytes = static_cast<size_t>(count) * sizeof(uint32_t);
    c.recv_remote(agreement.remote_leader, incoming, bytes);
    c.send_remote(agreement.remote_leader, words, bytes);
    co_await c.all();
    WEFT_CO_TRY(c.error());
    for (int i = 0; i < count; ++i) words[i] &= incoming[i];
  }
  co_return co_await and_all(c, agreement, words, incoming, count);
}

coll::Task agree_context_task(coll::Context& c, coll::Args a) {
  auto* agreement = reinterpret_cast<Agreement*>(a.recv);
  for (;;) {
    ContextMask mask = local_context_mask();
    std::copy(std::begin(mask.words), std::end(mask.words), agreement->mine);
    WEFT_CO_TRY(co_await and_everywhere(c, *agreement, agreement->mine, agreement->incoming,
                                        kContextMaskWords));
    ContextMask agreed;
    std::copy(std::begin(agreement->mine), std::end(agreement->mine), agreed.words);
    uint32_t candidate = 0;
    if (!lowest_context(agreed, &candidate)) {
      co_return error(MPI_ERR_INTERN,
                      "%s: no communicator context id is free on every member (at most %d "
                      "communicators may exist at once); free unused communicators",
                      c.call(), kContextMaskWords * 32);
    }
    const bool got = take_context(candidate);
    agreement->mine[0] = got ? 1u : 0u;
    WEFT_CO_TRY(
        co_await and_everywhere(c, *agreement, agreement->mine, agreement->incoming, 1));
    if (agreement->mine[0] == 1u) {
      agreement->context = candidate;
      co_return Status();
    }
    if (got) release_context(candidate);
  }
}

// An operation that agrees on a context id among `team` (or among the team ranks listed in
// `members`, where this process is members[my_index]); the id lands in *result when it
// completes without error.
std::shared_ptr<coll::Operation> start_agreement(const char* call, const coll::Team& team,
                                                 uint32_t** result,
                                                 const std::vector<int>* members = nullptr) {
  auto operation = std::make_shared<coll::Operation>(call, team);
  auto* agreement = new (operation->buffer(sizeof(Agreement))) Agreement();
  agreement->member_count = team.size;
  agreement->my_index = team.rank;
  if (members != nullptr) {
    auto* copy = reinterpret_cast<int*>(operation->buffer(members->size() * sizeof(int)));
    std::copy(members->begin(), members->end(), copy);
    agreement->members = copy;
    agreement->member_count = static_cast<int>(members->size());
    agreement->my_index = static_cast<int>(
        std::find(members->begin(), members->end(), team.rank) - members->begin());
  }
  coll::Args args;
  args.recv = reinterpret_cast<char*>(agreement);
  operation->start(agree_context_task, args);
  *result = &agreement->context;
  return operation;
}

// An operation that agrees on a context id between two groups: `local` is this process's
// group (this process at local.rank, its leader at `local_leader`), `link` reaches the
// other group's leader as its rank `remote_leader` (significant at the local leader only).
std::shared_ptr<coll::Operation> start_inter_agreement(const char* call, const coll::Team& local,
                                                       int local_leader, const coll::Team& link,
                                                       int remote_leader, uint32_t** result) {
  auto operation = std::make_shared<coll::Operation>(call, local, link);
  auto* agreement = new (operation->buffer(sizeof(Agreement))) Agreement();
  agreement->member_count = local.size;
  agreement->my_index = local.rank;
  agreement->inter = true;
  agreement->leader = local_leader;
  agreement->remote_leader = remote_leader;
  coll::Args args;
  args.recv = reinterpret_cast<char*>(agreement);
  operation->start(agree_context_task, args);
  *result = &agreement->context;
  return operation;
}

Status agree_context(const char* call, const coll::Team& team, uint32_t& context,
                     const std::vector<int>* members = nullptr) {
  uint32_t* result = nullptr;
  auto operation = start_agreement(call, team, &result, members);
  WEFT_TRY(coll::run_blocking(*operation));
  context = *result;
  return Status();
}

Comm* make_comm(Comm* parent, std::vector<int> processes, uint32_t context) {
  auto* group = new Group(std::move(processes));
  auto* comm = new Comm(group, context, "");
  group->release();
  comm->set_errhandler(parent->errhandler());
  comm->set_session(parent->session());
  return comm;
}

// A color made of several numbers (hardware splits: level, host, resource).
using Color = std::array<int, 3>;

// Members of `color`, ordered by (key, parent rank), from every rank's (member, color, key);
// a non-member gets nullptr.
Status split_by_color(const char* call, Comm* parent, bool member, const Color& color, int key,
                      Comm** out) {
  coll::Team team = parent->coll_team();
  constexpr size_t kFields = 5;
  int mine[kFields] = {member ? 1 : 0, color[0], color[1], color[2], key};
  std::vector<int> all(kFields * static_cast<size_t>(parent->size()));
  WEFT_TRY(coll::allgather_bytes(team, mine, sizeof mine, all.data()));
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, team, context));
  if (!member) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  std::vector<std::tuple<int, int>> members;  // (key, parent rank)
  for (int r = 0; r < parent->size(); ++r) {
    const int* theirs = &all[kFields * static_cast<size_t>(r)];
    if (theirs[0] == 1 && theirs[1] == color[0] && theirs[2] == color[1] && theirs[3] == color[2]) {
      members.emplace_back(theirs[4], r);
    }
  }
  std::stable_sort(members.begin(), members.end());
  std::vector<int> processes;
  processes.reserve(members.size());
  for (auto& [k, r] : members) processes.push_back(parent->process(r));
  *out = make_comm(parent, std::move(processes), context);
  return Status();
}

Status split_by(const char* call, Comm* parent, int color, int key, Comm** out) {
  return split_by_color(call, parent, color != MPI_UNDEFINED, Color{color, 0, 0}, key, out);
}

// The color of this process's host: the lowest parent rank that lives on it.
int host_color(Comm* parent) {
  for (int r = 0; r < parent->size(); ++r) {
    if (p2p::engine().local_peer(parent->process(r))) return r;
  }
  return parent->rank();
}

}  // namespace

Status comm_dup(const char* call, Comm* parent, Comm** out) {
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, parent->coll_team(), context));
  *out = make_comm(parent, parent->group()->processes(), context);
  (*out)->set_assertions(parent->assertions());
  (*out)->set_topology(parent->shared_topology());
  return Status();
}

Status comm_split(const char* call, Comm* parent, int color, int key, Comm** out) {
  return split_by(call, parent, color, key, out);
}

Status comm_split_shared(const char* call, Comm* parent, int key, Comm** out) {
  return split_by(call, parent, host_color(parent), key, out);
}

Status comm_split_hardware(const char* call, Comm* parent, const std::string* resource_type,
                           int key, Comm** out, std::string* chosen) {
  const int host = host_color(parent);
  if (resource_type != nullptr) {
    HardwareLevel level = HardwareLevel::kMachine;
    int id = -1;
    if (parse_hardware_level(*resource_type, &level)) id = bound_resource(level);
    const bool member = id >= 0;
    const Color color{static_cast<int>(level), host, id};
    WEFT_TRY(split_by_color(call, parent, member, color, key, out));
    if (*out != nullptr) *chosen = hardware_level_name(level);
    return Status();
  }
  // Unguided: the coarsest level at which every member is bound to one resource and every
  // resulting subset is smaller than the parent. All members see the same table, so they
  // choose alike.
  constexpr size_t kFields = 1 + kHardwareLevels;
  int mine[kFields];
  mine[0] = host;
  for (int l = 0; l < kHardwareLevels; ++l) {
    mine[1 + l] = bound_resource(static_cast<HardwareLevel>(l));
  }
  const auto p = static_cast<size_t>(parent->size());
  std::vector<int> all(kFields * p);
  {
    coll::Team team = parent->coll_team();
    WEFT_TRY(coll::allgather_bytes(team, mine, sizeof mine, all.data()));
  }
  int chosen_level = -1;
  for (int l = 0; l < kHardwareLevels && chosen_level < 0; ++l) {
    bool usable = true;
    for (size_t r = 0; r < p && usable; ++r) {
      const int* theirs = &all[kFields * r];
      if (theirs[1 + l] < 0) {
        usable = false;
        break;
      }
      size_t sharing = 0;
      for (size_t q = 0; q < p; ++q) {
        const int* others = &all[kFields * q];
        if (others[0] == theirs[0] && others[1 + l] == theirs[1 + l]) ++sharing;
      }
      usable = sharing < p;
    }
    if (usable) chosen_level = l;
  }
  const bool member = chosen_level >= 0;
  const int id = member ? mine[1 + chosen_level] : 0;
  WEFT_TRY(split_by_color(call, parent, member, Color{chosen_level, host, id}, key, out));
  if (*out != nullptr) *chosen = hardware_level_name(static_cast<HardwareLevel>(chosen_level));
  return Status();
}

Status comm_create(const char* call, Comm* parent, Group* group, Comm** out) {
  for (int process : group->processes()) {
    if (parent->group()->rank_of_process(process) == MPI_UNDEFINED) {
      return error(MPI_ERR_GROUP, "%s: argument group holds process %d, which is not in the communicator", call, process);
    }
  }
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, parent->coll_team(), context));
  if (group->my_rank() == MPI_UNDEFINED) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  *out = make_comm(parent, group->processes(), context);
  return Status();
}

Status comm_create_group(const char* call, Comm* parent, Group* group, int tag, Comm** out) {
  if (group->my_rank() == MPI_UNDEFINED) {
    return error(MPI_ERR_GROUP, "%s: the calling process is not in argument group", call);
  }
  for (int process : group->processes()) {
    if (parent->group()->rank_of_process(process) == MPI_UNDEFINED) {
      return error(MPI_ERR_GROUP, "%s: argument group holds process %d, which is not in the communicator", call, process);
    }
  }
  // Only the group's members take part; the user's tag keeps concurrent calls apart.
  std::vector<int> members;
  members.reserve(group->processes().size());
  for (int process : group->processes()) {
    members.push_back(parent->group()->rank_of_process(process));
  }
  coll::Team team = parent->coll_team();
  team.tag = static_cast<int>((1u << 30) | static_cast<unsigned>(tag & 0x3fffffff));
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, team, context, &members));
  *out = make_comm(parent, group->processes(), context);
  return Status();
}

namespace {
// Attribute values produced for an MPI_Comm_idup that has not completed: dropped (their
// keys' use counts given back) unless the new communicator adopts them.
struct PendingAttributes {
  AttributeList list;
  ~PendingAttributes() { drop_attributes(list); }
};

// The tag of an MPI_Comm_create_from_group agreement: its string tag hashed (FNV-1a) into
// the tag space that MPI_Comm_create_group also uses, on the context reserved for these
// agreements.
int stringtag_tag(const std::string& stringtag) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : stringtag) {
    hash ^= c;
    hash *= 16777619u;
  }
  return static_cast<int>((1u << 30) | (hash & 0x3fffffffu));
}
}  // namespace

Status comm_idup(const char* call, Comm* parent, uint32_t assertions, AttributeList attributes,
                 MPI_Comm* newcomm, Request** request) {
  auto pending = std::make_shared<PendingAttributes>();
  pending->list = std::move(attributes);
  // The tag is taken now, in call order like every collective on the parent, so the
  // agreement never matches the messages of collectives started after it.
  coll::CommView view = parent->coll_view();
  coll::Team team{view.processes, view.rank, view.size, view.context,
                  coll::next_operation_tag(view)};
  uint32_t* result = nullptr;
  auto operation = start_agreement(call, team, &result);
  *newcomm = MPI_COMM_NULL;
  operation->at_end([parent, result, newcomm, assertions, pending] {
    Comm* comm = make_comm(parent, parent->group()->processes(), *result);
    comm->set_assertions(assertions);
    comm->set_topology(parent->shared_topology());
    adopt_attributes(comm, std::move(pending->list));
    pending->list.clear();
    *newcomm = comm->handle();
  });
  *request = coll::start_nonblocking(std::move(operation), view);
  return Status();
}

Status agree_inter_context(const char* call, const coll::Team& local, int local_leader,
                           const coll::Team& link, int remote_leader, uint32_t& context) {
  uint32_t* result = nullptr;
  auto operation = start_inter_agreement(call, local, local_leader, link, remote_leader, &result);
  WEFT_TRY(coll::run_blocking(*operation));
  context = *result;
  return Status();
}

Status intercomm_idup(const char* call, Comm* parent, uint32_t assertions,
                      AttributeList attributes, MPI_Comm* newcomm, Request** request) {
  auto pending = std::make_shared<PendingAttributes>();
  pending->list = std::move(attributes);
  // As comm_idup: the tag is the parent's next collective sequence number, taken by both
  // groups in call order; the groups talk inside on the local context, the leaders (rank 0
  // of each group) on the intercommunicator's collective context.
  coll::CommView view = parent->coll_view();
  const int tag = coll::next_operation_tag(view);
  const coll::Team local{view.processes, view.rank, view.size, view.context, tag};
  const coll::Team link{view.remote.processes, view.rank, view.remote.size, view.remote.context,
                        tag};
  uint32_t* result = nullptr;
  auto operation = start_inter_agreement(call, local, 0, link, 0, &result);
  *newcomm = MPI_COMM_NULL;
  operation->at_end([parent, result, newcomm, assertions, pending] {
    auto* local_group = new Group(parent->group()->processes());
    auto* remote_group = new Group(parent->remote_group()->processes());
    auto* comm = new Comm(local_group, remote_group, *result, "");
    local_group->release();
    remote_group->release();
    comm->set_errhandler(parent->errhandler());
    comm->set_session(parent->session());
    comm->set_assertions(assertions);
    adopt_attributes(comm, std::move(pending->list));
    pending->list.clear();
    *newcomm = comm->handle();
  });
  *request = coll::start_nonblocking(std::move(operation), view);
  return Status();
}

Status comm_create_from_group(const char* call, Group* group, const std::string& stringtag,
                              Errhandler* errhandler, Comm** out) {
  if (group->my_rank() == MPI_UNDEFINED) {
    return error(MPI_ERR_GROUP, "%s: the calling process is not in argument group", call);
  }
  // A team over the job's processes (a group's processes are world ranks; the process's
  // world communicator exists whenever MPI is usable, in the world model or a session) on
  // the context reserved for these agreements; the members are the group's processes.
  Comm* world = comm_world();
  coll::Team team{world->group()->processes().data(), world->rank(), world->size(),
                  kCreateFromGroupContext + 1, stringtag_tag(stringtag)};
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, team, context, &group->processes()));
  auto* comm = new Comm(group, context, "");
  comm->set_errhandler(errhandler);
  comm->set_session(group->session());
  *out = comm;
  return Status();
}

}  // namespace weft
