// Dynamic processes (MPI-4.1 chapter 11): MPI_Comm_spawn and _spawn_multiple, the parent
// intercommunicator of a spawned process (MPI_Comm_get_parent), MPI_Comm_disconnect.
//
// How a spawn runs (docs/spawn.md has the user's view):
//  1. every member of the parent communicator makes itself reachable by late peers (a
//     singleton first starts a launcher behind the scenes: PmiClient::ensure_server), and
//     the members' names (job key/value space, rank) are gathered at the root;
//  2. the root sends the launcher a PMI-1 spawn; the parents' names, the root's rank and
//     a handshake tag travel to the children as preput values. The launcher answers once
//     every child has published its addresses and connected to its siblings (the second
//     PMI barrier of MPI_Init), or with per-process failures when a child cannot start or dies first;
//  3. the root broadcasts the answer; every parent reads the children's cards and adds
//     them to its process table (p2p/engine.h: add_processes), while each child, in
//     MPI_Init, does the same for the parents;
//  4. both groups agree on a context id with the intercommunicator agreement of
//     mpi/comm_create.h, the two leaders talking on a context reserved for these
//     handshakes (kDynamicContext), and build the intercommunicator.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace weft {

class Comm;
class Info;

// One command of MPI_Comm_spawn(_multiple) as the root received it.
struct SpawnSpec {
  std::string command;
  std::vector<std::string> argv;
  int maxprocs = 0;
  Info* info = nullptr;  // may be nullptr (MPI_INFO_NULL)
};

// Collective over the intracommunicator `comm`; `specs`, `root_check` (the root's verdict on
// its own arguments) and `errcodes` are significant at `root` only (errcodes gets one code
// per process asked for, in command order). On failure every member returns the error
// (MPI_ERR_SPAWN with the launcher's reason when starting failed).
Status comm_spawn(const char* call, Comm* comm, int root, const std::vector<SpawnSpec>& specs,
                  const Status& root_check, Comm** intercomm, std::vector<int>* errcodes);

// MPI_Init of a spawned process: connects to the parents and builds the parent
// intercommunicator. A no-op in a process that was not spawned.
Status connect_parent();
// The parent intercommunicator (nullptr when there is none, or it was freed or
// disconnected).
Comm* parent_comm();
// MPI_Comm_free / MPI_Comm_disconnect of `comm`: forgets it when it is the parent.
void forget_parent(Comm* comm);
// Drops the parent reference (MPI_Finalize).
void release_parent();

// MPI_Comm_disconnect: waits until every pending communication on `comm` is done on both
// sides (a barrier over the communicator), then the caller frees it.
Status comm_disconnect(const char* call, Comm* comm);

// Ports and names, between any processes of this host (docs/spawn.md). A port name is
// "weft-port#<launcher address>#<token>"; the launcher that opened it keeps the messages
// left for it (launcher/pmi_server.h). MPI_Comm_connect's root comes to that launcher as a
// guest, leaves its card, a handshake tag and a fresh meeting key at the port and waits for
// the acceptor's card at "<port>!<tag>"; the roots connect, swap their groups' cards and
// broadcast them, then both groups connect with the meeting key and agree on a context id
// as a spawn's do (step 4 above). Names go through the host's name service
// (launcher/name_service.h).
Status open_port(const char* call, std::string* name);
Status close_port(const char* call, const std::string& name);
// `port` and `timeout_seconds` (-1: wait as long as it takes; else MPI_ERR_PORT when the
// other side has not come by then) are significant at `root` only; `root_check` is the
// root's verdict on its arguments.
Status comm_accept(const char* call, const std::string& port, Comm* comm, int root,
                   const Status& root_check, int timeout_seconds, Comm** out);
Status comm_connect(const char* call, const std::string& port, Comm* comm, int root,
                    const Status& root_check, int timeout_seconds, Comm** out);
Status publish_name(const char* call, const std::string& service, const std::string& port);
Status lookup_name(const char* call, const std::string& service, std::string* port);
Status unpublish_name(const char* call, const std::string& service);
// MPI_Comm_join: both ends swap their cards and halves of a meeting key over the socket
// `fd`, then connect.
Status comm_join(const char* call, int fd, Comm** out);

}  // namespace weft
