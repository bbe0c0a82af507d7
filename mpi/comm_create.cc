#include "mpi/comm_create.h"

#include <algorithm>
#include <tuple>
#include <vector>

#include "coll/team.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/group.h"
#include "p2p/engine.h"

namespace weft {

namespace {

Status agree_context(const char* call, const coll::Team& team, uint32_t& context) {
  ContextMask mask = local_context_mask();
  WEFT_TRY(coll::allreduce_band(team, mask.words, kContextMaskWords));
  return reserve_context(mask, call, context);
}

Comm* make_comm(Comm* parent, std::vector<int> processes, uint32_t context) {
  auto* group = new Group(std::move(processes));
  auto* comm = new Comm(group, context, "");
  group->release();
  comm->set_errhandler(parent->errhandler());
  return comm;
}

// Members of `color`, ordered by (key, parent rank), from every rank's (color, key).
Status split_by(const char* call, Comm* parent, int color, int key, Comm** out) {
  coll::Team team = parent->coll_team();
  int mine[2] = {color, key};
  std::vector<int> all(static_cast<size_t>(2 * parent->size()));
  WEFT_TRY(coll::allgather_bytes(team, mine, sizeof mine, all.data()));
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, team, context));
  if (color == MPI_UNDEFINED) {
    release_context(context);
    *out = nullptr;
    return Status();
  }
  std::vector<std::tuple<int, int>> members;  // (key, parent rank)
  for (int r = 0; r < parent->size(); ++r) {
    if (all[static_cast<size_t>(2 * r)] == color) members.emplace_back(all[static_cast<size_t>(2 * r + 1)], r);
  }
  std::stable_sort(members.begin(), members.end());
  std::vector<int> processes;
  processes.reserve(members.size());
  for (auto& [k, r] : members) processes.push_back(parent->process(r));
  *out = make_comm(parent, std::move(processes), context);
  return Status();
}

}  // namespace

Status comm_dup(const char* call, Comm* parent, Comm** out) {
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, parent->coll_team(), context));
  *out = make_comm(parent, parent->group()->processes(), context);
  return Status();
}

Status comm_split(const char* call, Comm* parent, int color, int key, Comm** out) {
  return split_by(call, parent, color, key, out);
}

Status comm_split_shared(const char* call, Comm* parent, int key, Comm** out) {
  // The color of a host: the lowest parent rank that lives on it.
  int color = parent->rank();
  for (int r = 0; r < parent->size(); ++r) {
    if (p2p::engine().local_peer(parent->process(r))) {
      color = r;
      break;
    }
  }
  return split_by(call, parent, color, key, out);
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
  coll::Team team{group->processes().data(), group->my_rank(), group->size(),
                  parent->coll_context(),
                  static_cast<int>((1u << 30) | static_cast<unsigned>(tag & 0x3fffffff))};
  uint32_t context = 0;
  WEFT_TRY(agree_context(call, team, context));
  *out = make_comm(parent, group->processes(), context);
  return Status();
}

}  // namespace weft
