// The narrow internal point-to-point layer that collective algorithms use. A Team is a
// set of processes (ranks -> world processes), this process's rank in it, and a private
// context and tag, so collective traffic never matches user receives. All functions
// expect the engine lock to be held and move raw bytes; datatype handling happens around
// them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/error.h"

namespace weft {
class Object;
class Request;
}  // namespace weft

namespace weft::coll {

struct Team {
  const int* processes;  // processes[rank]: the world process of each member
  int rank;
  int size;
  uint32_t context;
  int tag;
};

// The other group of an intercommunicator, as the collectives see it.
struct RemoteView {
  const int* processes = nullptr;  // processes[rank]: the world process of each remote rank
  int size = 0;
  uint32_t context = 0;            // the collective context between the two groups
};

struct AlgorithmInfo;

// What a persistent collective request keeps from one round to the next: the collective
// sequence number it took at init (the tag of every round, api/coll_rounds.h) and the
// algorithm its first round chose, which later rounds reuse without selecting again.
struct PersistentState {
  uint32_t sequence = 0;
  const AlgorithmInfo* algorithm = nullptr;
};

// What the collectives see of a communicator: its members and its private collective
// context, never the communicator itself (mpi/ builds one per call: Comm::coll_view()).
// An intercommunicator's view is its local group (processes, rank, size) on the context of
// its private local intracommunicator, plus `remote`; an intracommunicator has no remote.
struct CommView {
  Object* owner;         // the communicator: kept alive by nonblocking collectives, named by
                         // their requests
  const int* processes;  // processes[rank]: the world process of each member
  int rank;
  int size;
  uint32_t context;      // the collective context
  uint32_t* sequence;    // counts the communicator's collective calls (every member alike)
  RemoteView remote = {};

  bool is_inter() const { return remote.processes != nullptr; }
  PersistentState* persistent = nullptr;  // set for a round of a persistent collective
};

Status send(const Team& team, int dest, const void* buffer, size_t bytes);
Status recv(const Team& team, int source, void* buffer, size_t bytes);
// Sends and receives at once (no deadlock when both sides call it).
Status sendrecv(const Team& team, int dest, const void* send_buffer, size_t send_bytes,
                int source, void* recv_buffer, size_t recv_bytes);

// Nonblocking forms; the returned request is owned by the caller (release()).
Request* isend(const Team& team, int dest, const void* buffer, size_t bytes, Status& status);
Request* irecv(const Team& team, int source, void* buffer, size_t bytes, Status& status);
// As isend and irecv, with the request built in `storage` (sizeof(Request) bytes, aligned
// for it) instead of on the heap: the caller ends it with ~Request(), never release().
Request* isend_in(void* storage, const Team& team, int dest, const void* buffer, size_t bytes,
                  Status& status);
Request* irecv_in(void* storage, const Team& team, int source, void* buffer, size_t bytes,
                  Status& status);
Status wait_and_release(Request* request);

// Small helpers used to build communicators.
Status allgather_bytes(const Team& team, const void* mine, size_t bytes, void* all);
Status allreduce_band(const Team& team, uint32_t* words, int count);
// `bytes` at `buffer` from `root` to every member (binomial tree).
Status bcast_bytes(const Team& team, int root, void* buffer, size_t bytes);

}  // namespace weft::coll
