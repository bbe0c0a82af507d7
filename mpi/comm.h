// Communicators: a group, this process's rank in it, and two private context ids — one
// for point-to-point traffic and one for collectives, so collective messages never match
// user receives. An intercommunicator (mpi/intercomm.h) also has a remote group: its
// point-to-point ranks and collective roots name processes of that group.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/error.h"
#include "base/object.h"
#include "coll/team.h"
#include "mpi.h"

namespace weft {

class Group;
class Errhandler;

class Comm : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kComm;

  // Retains `group`. `context` must be even: context + 1 is the collective context.
  Comm(Group* group, uint32_t context, std::string name);
  // An intercommunicator: `group` is the local group (this process's), `remote` the other.
  Comm(Group* group, Group* remote, uint32_t context, std::string name);
  ~Comm() override;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int process(int rank) const;  // world rank of a communicator rank
  Group* group() const { return group_; }
  uint32_t context() const { return context_; }
  uint32_t coll_context() const { return context_ + 1; }

  // Intercommunicators: the remote group (nullptr on an intracommunicator). Ranks given to
  // point-to-point calls name processes of the peer group: the remote group of an
  // intercommunicator, the group itself otherwise.
  bool is_inter() const { return remote_group_ != nullptr; }
  Group* remote_group() const { return remote_group_; }
  int peer_size() const { return peer_size_; }
  int peer_process(int rank) const { return peer_processes_[rank]; }
  const int* peer_processes() const { return peer_processes_; }
  // The context pair of an intercommunicator's private local intracommunicator (its local
  // group alone), which the collectives use inside each group: derived from the context,
  // so it is as unique as the context and needs no agreement of its own.
  uint32_t local_context() const { return context_ | kLocalContextBit; }
  static constexpr uint32_t kLocalContextBit = 1u << 30;

  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  Errhandler* errhandler() const { return errhandler_; }
  void set_errhandler(Errhandler* handler);  // retains the new one, releases the old

  std::map<int, void*>& attributes() { return attributes_; }

  MPI_Comm handle();
  void set_predefined_handle(MPI_Comm handle) { predefined_handle_ = handle; }

  // A sequence number per call for collective operations that need a fresh tag on the
  // communicator's collective context (coll/operation.cc).
  uint32_t next_sequence() { return sequence_++; }

  // What the collectives see of this communicator (its members on the collective context;
  // an intercommunicator's local group on its local context, and its remote group).
  coll::CommView coll_view();
  // The collective team of this communicator (its collective context, tag 0), for the
  // blocking helpers that build communicators. On an intercommunicator: the local group on
  // the local intracommunicator's collective context.
  coll::Team coll_team() const;

 private:
  Group* group_;
  Group* remote_group_ = nullptr;
  int rank_;
  int size_;
  const int* peer_processes_;
  int peer_size_;
  uint32_t context_;
  std::string name_;
  Errhandler* errhandler_ = nullptr;
  std::map<int, void*> attributes_;
  MPI_Comm predefined_handle_ = MPI_COMM_NULL;
  uint32_t sequence_ = 0;
};

// World and self exist from MPI_Init to MPI_Finalize.
void create_predefined_comms();
void destroy_predefined_comms();
Comm* comm_world();
Comm* comm_self();

// nullptr for MPI_COMM_NULL, invalid handles, and world/self outside Init..Finalize.
Comm* comm_from_handle(MPI_Comm handle);
Status check_comm(const char* call, MPI_Comm handle, Comm** out);

// Context ids: a process-wide bitmap of free ids; a new communicator's id is the lowest id
// free on every member, found with a bitwise-AND allreduce over the parent (or over the
// new group's members for MPI_Comm_create_group).
inline constexpr int kContextMaskWords = 64;  // 64 * 32 = 2048 context pairs
struct ContextMask {
  uint32_t words[kContextMaskWords];
};
ContextMask local_context_mask();
// Reserves the lowest id free in `agreed` (all members must pass the same mask).
Status reserve_context(const ContextMask& agreed, const char* call, uint32_t& context);
void release_context(uint32_t context);

// Attribute keys (MPI_Comm_create_keyval).
struct Keyval {
  MPI_Comm_copy_attr_function* copy;
  MPI_Comm_delete_attr_function* del;
  void* extra_state;
};
int create_keyval(const Keyval& keyval);
bool find_keyval(int id, Keyval& out);
bool free_keyval(int id);
// Copies attributes to a duplicate (MPI_Comm_dup) and deletes them on free.
Status copy_attributes(Comm* from, Comm* to);
Status delete_attributes(Comm* comm);

// The integer form of a handle (MPI_Comm_toint / MPI_Comm_fromint).
int comm_to_int(MPI_Comm handle);
MPI_Comm comm_from_int(int value);

}  // namespace weft
