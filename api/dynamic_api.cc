// Dynamic processes: MPI_Comm_spawn, MPI_Comm_spawn_multiple, MPI_Comm_get_parent,
// MPI_Comm_disconnect. Arguments significant only at the root are checked there and the
// verdict travels with the spawn's own collective (mpi/spawn.h), so a mistake at the root
// fails every member instead of leaving them waiting. The work is in mpi/spawn.cc.
#include <cstdlib>
#include <string>
#include <vector>

#include "api/api.h"
#include "api/kinds.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/group.h"
#include "p2p/lock.h"
#include "mpi/info.h"
#include "mpi/spawn.h"
#include "mpi/state.h"

using weft::Comm;
using weft::SpawnSpec;
using weft::Status;
using weft::api::finish;

namespace {

// The communicator the spawn runs over: valid, an intracommunicator, `root` in it.
Status check_parent_comm(const char* call, MPI_Comm handle, int root, MPI_Comm* intercomm,
                         Comm** out) {
  WEFT_TRY(weft::api::check_initialized(call));
  WEFT_TRY(weft::check_comm(call, handle, out));
  if ((*out)->is_inter()) {
    return weft::error(MPI_ERR_COMM, "%s: argument comm is an intercommunicator; spawning "
                       "needs an intracommunicator", call);
  }
  if (root < 0 || root >= (*out)->size()) {
    return weft::error(MPI_ERR_ROOT, "%s: argument root=%d is not a rank of comm (size %d)",
                       call, root, (*out)->size());
  }
  if (intercomm == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument intercomm is NULL", call);
  return Status();
}

// One command as the root passed it.
Status read_command(const char* call, int index, const char* command, char** argv, int maxprocs,
                    MPI_Info info, SpawnSpec* out) {
  if (command == nullptr || *command == '\0') {
    return weft::error(MPI_ERR_SPAWN, "%s: command %d is %s", call, index,
                       command == nullptr ? "NULL" : "empty");
  }
  if (maxprocs <= 0) {
    return weft::error(MPI_ERR_ARG, "%s: maxprocs of command %d is %d; it must be at least 1",
                       call, index, maxprocs);
  }
  WEFT_TRY(weft::api::kinds::info_or_null(call, "info", info));
  out->command = command;
  out->maxprocs = maxprocs;
  out->info = info == MPI_INFO_NULL ? nullptr : weft::info_from_handle(info);
  for (char** arg = argv; arg != MPI_ARGV_NULL && *arg != nullptr; ++arg) out->argv.emplace_back(*arg);
  return Status();
}

int run_spawn(const char* call, Comm* parent, int root, const std::vector<SpawnSpec>& specs,
              const Status& root_check, int total, MPI_Comm* intercomm, int* errcodes) {
  Comm* created = nullptr;
  std::vector<int> codes;
  Status s = weft::comm_spawn(call, parent, root, specs, root_check, &created, &codes);
  if (parent->rank() == root && errcodes != MPI_ERRCODES_IGNORE) {
    for (int i = 0; i < total; ++i) {
      errcodes[i] = static_cast<size_t>(i) < codes.size() ? codes[static_cast<size_t>(i)]
                                                          : MPI_ERR_SPAWN;
    }
  }
  *intercomm = s.ok() ? created->handle() : MPI_COMM_NULL;
  return finish(call, parent, s);
}

}  // namespace

extern "C" int PMPI_Comm_spawn(const char* command, char* argv[], int maxprocs, MPI_Info info,
                               int root, MPI_Comm comm, MPI_Comm* intercomm,
                               int array_of_errcodes[]) {
  const char* call = "MPI_Comm_spawn";
  Comm* parent = nullptr;
  Status s = check_parent_comm(call, comm, root, intercomm, &parent);
  if (!s.ok()) return finish(call, parent, s);
  std::vector<SpawnSpec> specs;
  Status root_check;
  int total = 0;
  if (parent->rank() == root) {
    SpawnSpec spec;
    root_check = read_command(call, 0, command, argv, maxprocs, info, &spec);
    specs.push_back(std::move(spec));
    total = maxprocs > 0 ? maxprocs : 0;
  }
  return run_spawn(call, parent, root, specs, root_check, total, intercomm, array_of_errcodes);
}

extern "C" int PMPI_Comm_spawn_multiple(int count, char* array_of_commands[],
                                        char** array_of_argv[], const int array_of_maxprocs[],
                                        const MPI_Info array_of_info[], int root, MPI_Comm comm,
                                        MPI_Comm* intercomm, int array_of_errcodes[]) {
  const char* call = "MPI_Comm_spawn_multiple";
  Comm* parent = nullptr;
  Status s = check_parent_comm(call, comm, root, intercomm, &parent);
  if (!s.ok()) return finish(call, parent, s);
  std::vector<SpawnSpec> specs;
  Status root_check;
  int total = 0;
  if (parent->rank() == root) {
    if (count <= 0) {
      root_check = weft::error(MPI_ERR_ARG, "%s: argument count=%d must be at least 1", call, count);
    } else if (array_of_commands == nullptr || array_of_maxprocs == nullptr) {
      root_check = weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call,
                               array_of_commands == nullptr ? "array_of_commands"
                                                            : "array_of_maxprocs");
    }
    for (int i = 0; root_check.ok() && i < count; ++i) {
      SpawnSpec spec;
      root_check = read_command(call, i, array_of_commands[i],
                                array_of_argv != MPI_ARGVS_NULL ? array_of_argv[i] : MPI_ARGV_NULL,
                                array_of_maxprocs[i],
                                array_of_info != nullptr ? array_of_info[i] : MPI_INFO_NULL, &spec);
      specs.push_back(std::move(spec));
      if (array_of_maxprocs[i] > 0) total += array_of_maxprocs[i];
    }
  }
  return run_spawn(call, parent, root, specs, root_check, total, intercomm, array_of_errcodes);
}

extern "C" int PMPI_Comm_get_parent(MPI_Comm* parent) {
  const char* call = "MPI_Comm_get_parent";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && parent == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument parent is NULL", call);
  if (!s.ok()) return finish(call, nullptr, s);
  Comm* found = weft::parent_comm();
  *parent = found != nullptr ? found->handle() : MPI_COMM_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Comm_disconnect(MPI_Comm* comm) {
  const char* call = "MPI_Comm_disconnect";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && comm == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument comm is NULL", call);
  if (!s.ok()) return finish(call, nullptr, s);
  Comm* c = nullptr;
  s = weft::check_comm(call, *comm, &c);
  if (!s.ok()) return finish(call, nullptr, s);
  if (*comm == MPI_COMM_WORLD || *comm == MPI_COMM_SELF) {
    return finish(call, c, weft::error(MPI_ERR_COMM, "%s: %s cannot be disconnected", call,
                                       c->name().c_str()));
  }
  s = weft::comm_disconnect(call, c);
  // A peer that failed has nothing left to wait for: the communicator is freed all the
  // same, and the failure reported through its error handler (MPI_ERRORS_RETURN: the
  // caller goes on, e.g. to spawn a replacement).
  const bool peer_failed = !s.ok() && s.error_class() == MPI_ERR_PROC_ABORTED;
  if (s.ok()) s = weft::delete_attributes(call, c);
  if (peer_failed) (void)weft::delete_attributes(call, c);
  if (!s.ok() && !peer_failed) return finish(call, c, s);
  // The processes it connected this one with: each that no communicator includes any more
  // is let go of once the communicator is gone (weft::forget_unreferenced).
  std::vector<int> met;
  for (const weft::Group* group : {c->group(), c->remote_group()}) {
    if (group == nullptr) continue;
    for (int process : group->processes()) {
      if (process >= weft::world_size()) met.push_back(process);
    }
  }
  c->retain();
  weft::release_context(c->context());
  if (c == weft::parent_comm()) {
    weft::forget_parent(c);
  } else {
    c->release();
  }
  *comm = MPI_COMM_NULL;
  const int code = s.ok() ? MPI_SUCCESS : finish(call, c, s);
  c->release();
  if (!met.empty()) {
    weft::EngineGuard guard;
    weft::forget_unreferenced(met);
  }
  return code;
}

// ---- ports and names ---------------------------------------------------------------------

namespace {

Status check_port_argument(const char* call, const char* port_name) {
  if (port_name == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument port_name is NULL", call);
  return Status();
}

// Accept and connect: the communicator, root and output checked everywhere, the port and
// info at the root (its verdict travels with the call's collective).
int meet(const char* call, const char* port_name, MPI_Info info, int root, MPI_Comm comm,
         MPI_Comm* newcomm, bool accepting) {
  Comm* local = nullptr;
  Status s = check_parent_comm(call, comm, root, newcomm, &local);
  if (!s.ok()) return finish(call, local, s);
  Status root_check;
  std::string port;
  int timeout_seconds = -1;
  if (local->rank() == root) {
    root_check = check_port_argument(call, port_name);
    if (root_check.ok()) root_check = weft::api::kinds::info_or_null(call, "info", info);
    if (root_check.ok()) port = port_name;
    std::string text;
    // Info key "timeout" (seconds, as MPICH takes it): how long to wait for the other side.
    if (root_check.ok() && info != MPI_INFO_NULL && weft::info_from_handle(info)->get("timeout", text)) {
      char* end = nullptr;
      const long value = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || value <= 0 || value > 1000000) {
        root_check = weft::error(MPI_ERR_INFO_VALUE, "%s: info key timeout=\"%s\" is not a "
                                 "positive number of seconds", call, text.c_str());
      } else {
        timeout_seconds = static_cast<int>(value);
      }
    }
  }
  Comm* created = nullptr;
  s = accepting ? weft::comm_accept(call, port, local, root, root_check, timeout_seconds, &created)
                : weft::comm_connect(call, port, local, root, root_check, timeout_seconds, &created);
  *newcomm = s.ok() ? created->handle() : MPI_COMM_NULL;
  return finish(call, local, s);
}

}  // namespace

extern "C" int PMPI_Open_port(MPI_Info info, char* port_name) {
  const char* call = "MPI_Open_port";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = weft::api::kinds::info_or_null(call, "info", info);
  if (s.ok()) s = check_port_argument(call, port_name);
  std::string name;
  if (s.ok()) s = weft::open_port(call, &name);
  if (s.ok()) weft::copy_truncated(name, port_name, MPI_MAX_PORT_NAME);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Close_port(const char* port_name) {
  const char* call = "MPI_Close_port";
  Status s = weft::api::check_initialized(call);
  if (s.ok()) s = check_port_argument(call, port_name);
  if (s.ok()) s = weft::close_port(call, port_name);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Comm_accept(const char* port_name, MPI_Info info, int root, MPI_Comm comm,
                                MPI_Comm* newcomm) {
  return meet("MPI_Comm_accept", port_name, info, root, comm, newcomm, true);
}

extern "C" int PMPI_Comm_connect(const char* port_name, MPI_Info info, int root, MPI_Comm comm,
                                 MPI_Comm* newcomm) {
  return meet("MPI_Comm_connect", port_name, info, root, comm, newcomm, false);
}

namespace {

Status check_service(const char* call, const char* service_name, MPI_Info info) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (service_name == nullptr || *service_name == '\0') {
    return weft::error(MPI_ERR_ARG, "%s: argument service_name is %s", call,
                       service_name == nullptr ? "NULL" : "empty");
  }
  return weft::api::kinds::info_or_null(call, "info", info);
}

}  // namespace

extern "C" int PMPI_Publish_name(const char* service_name, MPI_Info info, const char* port_name) {
  const char* call = "MPI_Publish_name";
  Status s = check_service(call, service_name, info);
  if (s.ok()) s = check_port_argument(call, port_name);
  if (s.ok()) s = weft::publish_name(call, service_name, port_name);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Lookup_name(const char* service_name, MPI_Info info, char* port_name) {
  const char* call = "MPI_Lookup_name";
  Status s = check_service(call, service_name, info);
  if (s.ok()) s = check_port_argument(call, port_name);
  std::string port;
  if (s.ok()) s = weft::lookup_name(call, service_name, &port);
  if (s.ok()) weft::copy_truncated(port, port_name, MPI_MAX_PORT_NAME);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Unpublish_name(const char* service_name, MPI_Info info,
                                   const char* port_name) {
  const char* call = "MPI_Unpublish_name";
  Status s = check_service(call, service_name, info);
  if (s.ok()) s = check_port_argument(call, port_name);
  if (s.ok()) s = weft::unpublish_name(call, service_name);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Comm_join(int fd, MPI_Comm* intercomm) {
  const char* call = "MPI_Comm_join";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && intercomm == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument intercomm is NULL", call);
  if (s.ok() && fd < 0) s = weft::error(MPI_ERR_ARG, "%s: argument fd=%d is not a descriptor", call, fd);
  Comm* created = nullptr;
  if (s.ok()) s = weft::comm_join(call, fd, &created);
  if (intercomm != nullptr) *intercomm = s.ok() ? created->handle() : MPI_COMM_NULL;
  return finish(call, nullptr, s);
}
