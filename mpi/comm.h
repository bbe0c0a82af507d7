// Communicators: a group, this process's rank in it, and two private context ids — one
// for point-to-point traffic and one for collectives, so collective messages never match
// user receives. An intercommunicator (mpi/intercomm.h) also has a remote group: its
// point-to-point ranks and collective roots name processes of that group.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "coll/team.h"
#include "mpi.h"
#include "p2p/engine.h"

namespace weft {

class Group;
class Errhandler;
struct Topology;

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

  // The standard's assertion hints in force (mpi/comm_info.h: one bit per key).
  uint32_t assertions() const { return assertions_; }
  void set_assertions(uint32_t assertions) { assertions_ = assertions; }

  Errhandler* errhandler() const { return errhandler_; }
  void set_errhandler(Errhandler* handler);  // retains the new one, releases the old

  // The session (mpi/session.h) the communicator derives from, nullptr in the world model:
  // its buffered sends fall back to the session's buffer. Retained.
  Object* session() const { return session_; }
  void set_session(Object* session);

  // Attributes in the order they were set (MPI_Finalize deletes MPI_COMM_SELF's in reverse
  // order); mpi/comm.cc's attribute functions keep it.
  std::vector<std::pair<int, void*>>& attributes() { return attributes_; }

  // The virtual topology (mpi/topology.h), nullptr when none; duplicates share it.
  const Topology* topology() const { return topology_.get(); }
  const std::shared_ptr<const Topology>& shared_topology() const { return topology_; }
  void set_topology(std::shared_ptr<const Topology> topology) { topology_ = std::move(topology); }

  MPI_Comm handle();
  void set_predefined_handle(MPI_Comm handle) { predefined_handle_ = handle; }

  // A sequence number per call for collective operations that need a fresh tag on the
  // communicator's collective context (coll/operation.cc).
  uint32_t next_sequence() { return sequence_++; }
  // Collective operations this process started on the communicator (its sequence), for
  // MPI_T; any thread may ask.
  uint64_t collective_operations() const;

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
  Object* session_ = nullptr;
  uint32_t assertions_ = 0;
  std::vector<std::pair<int, void*>> attributes_;
  MPI_Comm predefined_handle_ = MPI_COMM_NULL;
  uint32_t sequence_ = 0;
  std::shared_ptr<const Topology> topology_;
};

// World and self exist while the communication layer does (mpi/state.h): the process's
// team for agreements without a parent (MPI_Comm_create_from_group); their handles name
// them only from MPI_Init to MPI_Finalize.
void create_predefined_comms();
void destroy_predefined_comms();
Comm* comm_world();
Comm* comm_self();

// What the engine asks of communicators when a process fails (p2p/engine.h): every live
// communicator is registered while it exists, off the hot path (construction and
// destruction only).
p2p::Engine::CommQueries comm_queries();
// After MPI_Comm_disconnect: tells the engine about each of `processes` (met later) that no
// live communicator includes any more (engine lock held).
void forget_unreferenced(const std::vector<int>& processes);

// nullptr for MPI_COMM_NULL, invalid handles, and world/self outside Init..Finalize.
Comm* comm_from_handle(MPI_Comm handle);
Status check_comm(const char* call, MPI_Comm handle, Comm** out);

// Context ids: a process-wide bitmap of free ids; a new communicator's id is the lowest id
// free on every member, found with a bitwise-AND allreduce over the parent (or over the
// new group's members for MPI_Comm_create_group and MPI_Comm_create_from_group, over both
// groups for an intercommunicator) and confirmed by a second round (mpi/comm_create.cc).
// Context 0/1 is MPI_COMM_WORLD's, 2/3 MPI_COMM_SELF's; 4/5 carries the agreements of
// MPI_Comm_create_from_group, which have no parent communicator; 6/7 the handshakes between
// the leaders of two groups that meet (spawn, connect/accept: mpi/spawn.h).
inline constexpr int kContextMaskWords = 64;  // 64 * 32 = 2048 context pairs
inline constexpr uint32_t kFirstFreeContextPair = 4;
inline constexpr uint32_t kCreateFromGroupContext = 4;
inline constexpr uint32_t kDynamicContext = 6;
struct ContextMask {
  uint32_t words[kContextMaskWords];
};
ContextMask local_context_mask();
// The lowest id free in `agreed` (false: none).
bool lowest_context(const ContextMask& agreed, uint32_t* context);
// Reserves `context` if it is still free here (false: taken meanwhile).
bool take_context(uint32_t context);
void release_context(uint32_t context);

// Attribute keys (MPI_Comm_create_keyval, MPI_Keyval_create). A key the program frees
// lives on while attributes use it (MPI-4.1 section 7.7.2: the actual free happens once no
// attribute refers to it): their callbacks still run, and a copy of the key value still
// names it.
struct Keyval {
  MPI_Comm_copy_attr_function* copy;
  MPI_Comm_delete_attr_function* del;
  void* extra_state;
};
int create_keyval(const Keyval& keyval);
// False for an unknown key (or one freed with no attribute left).
bool find_keyval(int id, Keyval& out);
bool free_keyval(int id);

// Attribute values (`call` names the entry point in messages). Setting a present key runs
// the delete callback of the old value first; deleting runs it for the value. A callback
// that fails makes the call fail with its code and leaves the attribute in place.
// Callbacks run without the engine lock.
Status set_attribute(const char* call, Comm* comm, int keyval, void* value);
Status delete_attribute(const char* call, Comm* comm, int keyval);
// *found is false when the communicator has no value for the (valid, user) key.
Status get_attribute(const char* call, Comm* comm, int keyval, void** value, bool* found);
// The attributes a duplicate of `from` gets (MPI_Comm_dup, MPI_Comm_idup), produced by the
// copy callbacks now; adopt_attributes hands them to the new communicator.
using AttributeList = std::vector<std::pair<int, void*>>;
Status copy_attributes(const char* call, Comm* from, AttributeList* out);
void adopt_attributes(Comm* to, AttributeList list);
// Both steps at once for a duplicate made by a blocking call (messages name MPI_Comm_dup).
Status copy_attributes(Comm* from, Comm* to);
// Frees a list that no communicator adopted (a failed MPI_Comm_idup): no callbacks run.
void drop_attributes(const AttributeList& list);
// Deletes every attribute, the last set first (MPI_Comm_free, MPI_Finalize on
// MPI_COMM_SELF).
Status delete_attributes(const char* call, Comm* comm);

// The integer form of a handle (MPI_Comm_toint / MPI_Comm_fromint).
int comm_to_int(MPI_Comm handle);
MPI_Comm comm_from_int(int value);

}  // namespace weft
