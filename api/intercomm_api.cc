// Intercommunicator entry points: MPI_Intercomm_create, _create_from_groups and _merge,
// MPI_Comm_remote_size and _remote_group, and the communicator calls that comm_api.cc
// hands over when their communicator is an intercommunicator (dup, split, create,
// compare; split_type and create_group, which are not defined on one). The work is in
// mpi/intercomm.h.
#include <cstdint>

#include "api/api.h"
#include "api/api_checks.h"
#include "api/intercomm.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/info.h"
#include "mpi/intercomm.h"
#include "mpi/p2p_operations.h"
#include "mpi/state.h"

using weft::Comm;
using weft::EngineGuard;
using weft::Group;
using weft::Status;
using weft::api::finish;
namespace validate = weft::api::validate;

namespace {

// `c` must be an intercommunicator (`want_inter`) or an intracommunicator.
Status check_kind(const char* call, const char* argument, const Comm* c, bool want_inter) {
  if (c->is_inter() == want_inter) return Status();
  return weft::error(MPI_ERR_COMM, "%s: argument %s is an %s; this call needs an %s", call,
                     argument, want_inter ? "intracommunicator" : "intercommunicator",
                     want_inter ? "intercommunicator" : "intracommunicator");
}

// The communicator behind `handle`, checked like every communicator argument, and of the
// kind the call needs.
Status resolve(const char* call, const char* argument, MPI_Comm handle, bool want_inter,
               Comm** out) {
  WEFT_TRY(weft::api::check_initialized(call));
  WEFT_TRY(weft::check_comm(call, handle, out));
  return check_kind(call, argument, *out, want_inter);
}

Status resolve_group(const char* call, const char* argument, MPI_Group handle, Group** out) {
  *out = weft::group_from_handle(handle);
  if (*out != nullptr) return Status();
  if (handle == MPI_GROUP_NULL) {
    return weft::error(MPI_ERR_GROUP, "%s: argument %s is MPI_GROUP_NULL", call, argument);
  }
  return weft::error(MPI_ERR_GROUP, "%s: argument %s=%p is not a valid group", call, argument,
                     static_cast<void*>(handle));
}

Status check_rank(const char* call, const char* argument, int rank, int size, const char* of) {
  if (rank >= 0 && rank < size) return Status();
  return weft::error(MPI_ERR_RANK, "%s: argument %s=%d is not a rank of %s (size %d)", call,
                     argument, rank, of, size);
}

int publish(const char* call, Comm* raised_on, Status s, Comm* created, MPI_Comm* newcomm) {
  if (s.ok()) *newcomm = created != nullptr ? created->handle() : MPI_COMM_NULL;
  return finish(call, raised_on, s);
}

}  // namespace

// ---- construction ----------------------------------------------------------------------

extern "C" int PMPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                                     int remote_leader, int tag, MPI_Comm* newintercomm) {
  const char* call = "MPI_Intercomm_create";
  Comm* local = nullptr;
  Comm* peer = nullptr;
  Comm* created = nullptr;
  Status s = resolve(call, "local_comm", local_comm, false, &local);
  if (s.ok() && newintercomm == nullptr) s = weft::api::null_argument(call, "newintercomm");
  if (s.ok()) s = check_rank(call, "local_leader", local_leader, local->size(), "local_comm");
  if (s.ok() && (tag < 0 || tag > weft::p2p::kTagUpperBound)) {
    s = weft::error(MPI_ERR_TAG, "%s: argument tag=%d is invalid (valid: 0..%d)", call, tag,
                    weft::p2p::kTagUpperBound);
  }
  // peer_comm and remote_leader are significant at the local leader only.
  if (s.ok() && local->rank() == local_leader) {
    s = weft::check_comm(call, peer_comm, &peer);
    if (s.ok()) {
      s = check_rank(call, "remote_leader", remote_leader, peer->peer_size(),
                     peer->is_inter() ? "the remote group of peer_comm" : "peer_comm");
    }
    if (s.ok() && !peer->is_inter() &&
        peer->process(remote_leader) == local->process(local_leader)) {
      s = weft::error(MPI_ERR_RANK,
                      "%s: argument remote_leader=%d is the local leader itself (the two groups "
                      "must be disjoint)",
                      call, remote_leader);
    }
  }
  if (s.ok()) {
    EngineGuard guard;
    s = weft::intercomm_create(call, local, local_leader, peer, remote_leader, tag, &created);
  }
  return publish(call, local, s, created, newintercomm);
}

extern "C" int PMPI_Intercomm_create_from_groups(MPI_Group local_group, int local_leader,
                                                 MPI_Group remote_group, int remote_leader,
                                                 const char* stringtag, MPI_Info info,
                                                 MPI_Errhandler errhandler,
                                                 MPI_Comm* newintercomm) {
  const char* call = "MPI_Intercomm_create_from_groups";
  Group* local = nullptr;
  Group* remote = nullptr;
  weft::Errhandler* handler = nullptr;
  Comm* created = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = resolve_group(call, "local_group", local_group, &local);
  if (s.ok()) s = resolve_group(call, "remote_group", remote_group, &remote);
  if (s.ok() && local->my_rank() == MPI_UNDEFINED) {
    s = weft::error(MPI_ERR_GROUP, "%s: the calling process is not in argument local_group",
                    call);
  }
  if (s.ok()) s = check_rank(call, "local_leader", local_leader, local->size(), "local_group");
  if (s.ok()) s = check_rank(call, "remote_leader", remote_leader, remote->size(), "remote_group");
  if (s.ok()) {
    for (int process : remote->processes()) {
      if (local->rank_of_process(process) != MPI_UNDEFINED) {
        s = weft::error(MPI_ERR_GROUP,
                        "%s: world process %d is in both local_group and remote_group (they "
                        "must be disjoint)",
                        call, process);
        break;
      }
    }
  }
  if (s.ok() && stringtag == nullptr) s = weft::api::null_argument(call, "stringtag");
  if (s.ok() && info != MPI_INFO_NULL && weft::info_from_handle(info) == nullptr) {
    s = weft::error(MPI_ERR_INFO, "%s: argument info=%p is not a valid info object", call,
                    static_cast<void*>(info));
  }
  if (s.ok()) {
    handler = weft::errhandler_from_handle(errhandler);
    if (handler == nullptr) {
      s = weft::error(MPI_ERR_ERRHANDLER, "%s: argument errhandler=%p is not a valid error handler",
                      call, static_cast<void*>(errhandler));
    }
  }
  if (s.ok() && newintercomm == nullptr) s = weft::api::null_argument(call, "newintercomm");
  if (s.ok()) {
    EngineGuard guard;
    s = weft::intercomm_create_from_groups(call, local, local_leader, remote, remote_leader,
                                           stringtag, handler, &created);
  }
  return publish(call, nullptr, s, created, newintercomm);
}

extern "C" int PMPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm* newintracomm) {
  const char* call = "MPI_Intercomm_merge";
  Comm* inter = nullptr;
  Comm* created = nullptr;
  Status s = resolve(call, "intercomm", intercomm, true, &inter);
  if (s.ok() && newintracomm == nullptr) s = weft::api::null_argument(call, "newintracomm");
  if (s.ok()) {
    EngineGuard guard;
    s = weft::intercomm_merge(call, inter, high != 0, &created);
  }
  return publish(call, inter, s, created, newintracomm);
}

// ---- queries ---------------------------------------------------------------------------

extern "C" int PMPI_Comm_remote_size(MPI_Comm comm, int* size) {
  const char* call = "MPI_Comm_remote_size";
  validate::Comm_remote_sizeObjects o;
  Status s = validate::Comm_remote_size(comm, size, &o);
  if (s.ok()) s = check_kind(call, "comm", o.comm, true);
  if (s.ok()) *size = o.comm->peer_size();
  return finish(call, o.comm, s);
}

extern "C" int PMPI_Comm_remote_group(MPI_Comm comm, MPI_Group* group) {
  const char* call = "MPI_Comm_remote_group";
  validate::Comm_remote_groupObjects o;
  Status s = validate::Comm_remote_group(comm, group, &o);
  if (s.ok()) s = check_kind(call, "comm", o.comm, true);
  if (s.ok()) {
    o.comm->remote_group()->retain();
    *group = o.comm->remote_group()->handle();
  }
  return finish(call, o.comm, s);
}

// ---- the communicator calls comm_api.cc hands over ----------------------------------------

namespace weft::api::inter {

bool is_inter(MPI_Comm comm) {
  if (!weft::is_running()) return false;
  const Comm* c = weft::comm_from_handle(comm);
  return c != nullptr && c->is_inter();
}

int comm_dup(MPI_Comm comm, MPI_Comm* newcomm) {
  const char* call = "MPI_Comm_dup";
  Comm* c = nullptr;
  Comm* created = nullptr;
  Status s = resolve(call, "comm", comm, true, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok()) {
    EngineGuard guard;
    s = weft::intercomm_dup(call, c, &created);
  }
  if (s.ok()) s = weft::copy_attributes(c, created);
  return publish(call, c, s, created, newcomm);
}

int comm_split(MPI_Comm comm, int color, int key, MPI_Comm* newcomm) {
  const char* call = "MPI_Comm_split";
  Comm* c = nullptr;
  Comm* created = nullptr;
  Status s = resolve(call, "comm", comm, true, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok() && color < 0 && color != MPI_UNDEFINED) {
    s = weft::error(MPI_ERR_ARG, "%s: argument color=%d is negative (and not MPI_UNDEFINED)",
                    call, color);
  }
  if (s.ok()) {
    EngineGuard guard;
    s = weft::intercomm_split(call, c, color, key, &created);
  }
  return publish(call, c, s, created, newcomm);
}

int comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm* newcomm) {
  const char* call = "MPI_Comm_create";
  Comm* c = nullptr;
  Group* g = nullptr;
  Comm* created = nullptr;
  Status s = resolve(call, "comm", comm, true, &c);
  if (s.ok() && newcomm == nullptr) s = weft::api::null_argument(call, "newcomm");
  if (s.ok()) s = resolve_group(call, "group", group, &g);
  if (s.ok()) {
    EngineGuard guard;
    s = weft::intercomm_create_part(call, c, g, &created);
  }
  return publish(call, c, s, created, newcomm);
}

int comm_compare(MPI_Comm comm1, MPI_Comm comm2, int* result) {
  const char* call = "MPI_Comm_compare";
  Comm* a = nullptr;
  Comm* b = nullptr;
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::check_comm(call, comm1, &a);
  if (s.ok()) s = weft::check_comm(call, comm2, &b);
  if (s.ok() && result == nullptr) s = weft::api::null_argument(call, "result");
  if (s.ok()) *result = weft::intercomm_compare(*a, *b);
  return finish(call, a, s);
}

int intracomm_only(const char* call, MPI_Comm comm) {
  Comm* c = weft::comm_from_handle(comm);
  return finish(call, c,
                weft::error(MPI_ERR_COMM,
                            "%s: argument comm is an intercommunicator; this call is defined "
                            "on intracommunicators only",
                            call));
}

}  // namespace weft::api::inter
