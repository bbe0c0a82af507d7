#include "mpi/comm.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <vector>

#include "base/mpit.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/handle_int.h"
#include "mpi/state.h"

namespace weft {

namespace {

// MPI_T: what each communicator carried, and the creation of communicators.
mpit::ObjectCounter g_collective_operations{
    "comm_collective_operations", mpit::Category::communicators,
    "Collective operations this process started on the communicator (bound to it): every "
    "blocking or nonblocking collective call, a persistent collective once at its init, and "
    "the collectives that constructors such as MPI_Comm_split run on their parent.",
    MPI_T_BIND_MPI_COMM, [](const void* object) {
      return static_cast<const Comm*>(static_cast<const Object*>(object))
          ->collective_operations();
    }};

struct CommCreatedEvent {
  uint32_t context;  // the new communicator's point-to-point context id
  int32_t size;      // its (local) group's size
  int32_t rank;      // this process's rank in it
  int32_t inter;     // 1 for an intercommunicator
};
mpit::EventType g_comm_created{
    "comm_created", mpit::Category::communicators,
    "A communicator was created in this process (MPI_COMM_WORLD and MPI_COMM_SELF at start-up, "
    "then every constructor's result). Elements: context id (MPI_UNSIGNED), group size "
    "(MPI_INT), this process's rank (MPI_INT), 1 for an intercommunicator (MPI_INT).",
    {{MPI_UNSIGNED, offsetof(CommCreatedEvent, context), sizeof(uint32_t)},
     {MPI_INT, offsetof(CommCreatedEvent, size), sizeof(int32_t)},
     {MPI_INT, offsetof(CommCreatedEvent, rank), sizeof(int32_t)},
     {MPI_INT, offsetof(CommCreatedEvent, inter), sizeof(int32_t)}}};

// Every live communicator, for comm_queries (a failure asks which include a process).
std::mutex g_registry_mutex;
std::set<Comm*>& registry() {
  static auto* comms = new std::set<Comm*>();
  return *comms;
}

bool group_has(const Group* group, int process) {
  const std::vector<int>& processes = group->processes();
  return std::find(processes.begin(), processes.end(), process) != processes.end();
}
}  // namespace

p2p::Engine::CommQueries comm_queries() {
  p2p::Engine::CommQueries queries;
  queries.peer_process = [](const Object* comm, int rank) {
    const Comm* c = static_cast<const Comm*>(comm);
    return rank >= 0 && rank < c->peer_size() ? c->peer_process(rank) : -1;
  };
  queries.has_peer = [](const Object* comm, int process) {
    const Comm* c = static_cast<const Comm*>(comm);
    const int* peers = c->peer_processes();
    return std::find(peers, peers + c->peer_size(), process) != peers + c->peer_size();
  };
  queries.coll_contexts_with = [](int process, std::vector<uint32_t>* out) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    for (Comm* comm : registry()) {
      const bool remote = comm->is_inter() && group_has(comm->remote_group(), process);
      if (!remote && !group_has(comm->group(), process)) continue;
      out->push_back(comm->coll_context());
      if (comm->is_inter()) out->push_back(comm->local_context() + 1);
    }
  };
  return queries;
}

void forget_unreferenced(const std::vector<int>& processes) {
  for (int process : processes) {
    bool referenced = false;
    {
      std::lock_guard<std::mutex> lock(g_registry_mutex);
      for (Comm* comm : registry()) {
        referenced = group_has(comm->group(), process) ||
                     (comm->is_inter() && group_has(comm->remote_group(), process));
        if (referenced) break;
      }
    }
    if (!referenced) p2p::engine().disconnected(process);
  }
}

uint64_t Comm::collective_operations() const {
  // Written by coll/operation.cc under the engine lock with relaxed atomic stores.
  return std::atomic_ref<uint32_t>(const_cast<uint32_t&>(sequence_))
      .load(std::memory_order_relaxed);
}

Comm::Comm(Group* group, uint32_t context, std::string name)
    : Comm(group, nullptr, context, std::move(name)) {}

Comm::Comm(Group* group, Group* remote, uint32_t context, std::string name)
    : Object(kKind),
      group_(group),
      remote_group_(remote),
      context_(context),
      name_(std::move(name)) {
  group_->retain();
  if (remote_group_ != nullptr) remote_group_->retain();
  rank_ = group_->my_rank();
  size_ = group_->size();
  const Group* peers = remote_group_ != nullptr ? remote_group_ : group_;
  peer_processes_ = peers->processes().data();
  peer_size_ = peers->size();
  set_errhandler(errors_are_fatal());
  if (g_comm_created.active()) [[unlikely]] {
    const CommCreatedEvent data{context_, size_, rank_, remote_group_ != nullptr ? 1 : 0};
    g_comm_created.raise(&data, sizeof data);
  }
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    registry().insert(this);
  }
}

Comm::~Comm() {
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    registry().erase(this);
  }
  if (session_ != nullptr) session_->release();
  group_->release();
  if (remote_group_ != nullptr) remote_group_->release();
  if (errhandler_ != nullptr) errhandler_->release();
}

int Comm::process(int rank) const { return group_->process(rank); }

void Comm::set_session(Object* session) {
  if (session != nullptr) session->retain();
  if (session_ != nullptr) session_->release();
  session_ = session;
}

void Comm::set_errhandler(Errhandler* handler) {
  handler->retain();
  if (errhandler_ != nullptr) errhandler_->release();
  errhandler_ = handler;
}

coll::CommView Comm::coll_view() {
  if (remote_group_ == nullptr) {
    return coll::CommView{this, group_->processes().data(), rank_, size_, coll_context(), &sequence_};
  }
  // The local group talks on the local intracommunicator's collective context, the groups
  // to each other on the intercommunicator's.
  coll::CommView view{this, group_->processes().data(), rank_, size_, local_context() + 1,
                      &sequence_};
  view.remote = coll::RemoteView{peer_processes_, peer_size_, coll_context()};
  return view;
}

coll::Team Comm::coll_team() const {
  const uint32_t context = remote_group_ == nullptr ? coll_context() : local_context() + 1;
  return coll::Team{group_->processes().data(), rank_, size_, context, 0};
}

MPI_Comm Comm::handle() {
  if (predefined_handle_ != MPI_COMM_NULL) return predefined_handle_;
  return to_handle<MPI_Comm>(this);
}

// ---- predefined communicators ----------------------------------------------------------

namespace {
Comm* g_world = nullptr;
Comm* g_self = nullptr;

std::mutex g_context_mutex;
ContextMask g_context_mask = [] {
  ContextMask mask;
  for (auto& word : mask.words) word = ~0u;
  // pairs 0 (world), 1 (self), 2 (MPI_Comm_create_from_group), 3 (dynamic handshakes)
  mask.words[0] &= ~0xfu;
  return mask;
}();
}  // namespace

void create_predefined_comms() {
  std::vector<int> all(static_cast<size_t>(world_size()));
  std::iota(all.begin(), all.end(), 0);
  auto* world_group = new Group(std::move(all));
  g_world = new Comm(world_group, 0, "MPI_COMM_WORLD");
  world_group->release();
  g_world->set_predefined_handle(MPI_COMM_WORLD);

  auto* self_group = new Group(std::vector<int>{self_process()});
  g_self = new Comm(self_group, 2, "MPI_COMM_SELF");
  self_group->release();
  g_self->set_predefined_handle(MPI_COMM_SELF);
}

void destroy_predefined_comms() {
  // MPI_Finalize has deleted the attributes of both while MPI was still usable; whatever
  // its callbacks set since goes without callbacks.
  if (g_world != nullptr) drop_attributes(g_world->attributes());
  if (g_self != nullptr) drop_attributes(g_self->attributes());
  if (g_world != nullptr) g_world->release();
  if (g_self != nullptr) g_self->release();
  g_world = nullptr;
  g_self = nullptr;
}

Comm* comm_world() { return g_world; }
Comm* comm_self() { return g_self; }

Comm* comm_from_handle(MPI_Comm handle) {
  // The objects live as long as the communication layer; the handles name them only while
  // the world model runs (a session-only program has no MPI_COMM_WORLD).
  if (handle == MPI_COMM_WORLD) return phase() == Phase::kRunning ? g_world : nullptr;
  if (handle == MPI_COMM_SELF) return phase() == Phase::kRunning ? g_self : nullptr;
  return dynamic_object<Comm>(handle);
}

Status check_comm(const char* call, MPI_Comm handle, Comm** out) {
  if (handle == MPI_COMM_NULL) {
    return error(MPI_ERR_COMM, "%s: argument comm is MPI_COMM_NULL", call);
  }
  Comm* comm = comm_from_handle(handle);
  if (comm == nullptr) {
    if (handle == MPI_COMM_WORLD || handle == MPI_COMM_SELF) {
      return error(MPI_ERR_COMM,
                   "%s: argument comm is %s, which exists only from MPI_Init to MPI_Finalize "
                   "(MPI is %s)",
                   call, handle == MPI_COMM_WORLD ? "MPI_COMM_WORLD" : "MPI_COMM_SELF",
                   phase() == Phase::kFinalized ? "finalized; only sessions remain"
                                                : "not initialized; only sessions are live");
    }
    return error(MPI_ERR_COMM, "%s: argument comm=%p is not a valid communicator", call,
                 static_cast<void*>(handle));
  }
  *out = comm;
  return Status();
}

// ---- context ids ------------------------------------------------------------------------

ContextMask local_context_mask() {
  std::lock_guard<std::mutex> lock(g_context_mutex);
  return g_context_mask;
}

bool lowest_context(const ContextMask& agreed, uint32_t* context) {
  for (int w = 0; w < kContextMaskWords; ++w) {
    if (agreed.words[w] != 0) {
      *context = static_cast<uint32_t>((w * 32 + __builtin_ctz(agreed.words[w])) * 2);
      return true;
    }
  }
  return false;
}

bool take_context(uint32_t context) {
  std::lock_guard<std::mutex> lock(g_context_mutex);
  const uint32_t pair = context / 2;
  uint32_t& word = g_context_mask.words[pair / 32];
  const uint32_t bit = 1u << (pair % 32);
  if ((word & bit) == 0) return false;
  word &= ~bit;
  return true;
}

void release_context(uint32_t context) {
  // A communicator made later with this context starts with no failed member.
  p2p::engine().forget_contexts({context + 1, (context | Comm::kLocalContextBit) + 1});
  std::lock_guard<std::mutex> lock(g_context_mutex);
  uint32_t pair = context / 2;
  if (pair < kFirstFreeContextPair) return;
  g_context_mask.words[pair / 32] |= 1u << (pair % 32);
}

// ---- attribute keys ------------------------------------------------------------------------

namespace {
struct KeyvalEntry {
  Keyval keyval;
  bool freed = false;  // by the program: no call may name it any more
  int uses = 0;        // attribute values (on communicators or in flight) under this key
};
std::mutex g_keyval_mutex;
std::map<int, KeyvalEntry> g_keyvals;
// User keys start above every predefined attribute key of the standard ABI (MPI_TAG_UB ..
// MPI_UNIVERSE_SIZE are 501..507, the window keys 601..605) and never take the value of
// MPI_KEYVAL_INVALID (0).
int g_next_keyval = 0x1000;

// The callbacks of a key that may already be freed (for values that still use it).
bool keyval_for_value(int id, Keyval& out) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  auto it = g_keyvals.find(id);
  if (it == g_keyvals.end()) return false;
  out = it->second.keyval;
  return true;
}

void use_keyval(int id) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  auto it = g_keyvals.find(id);
  if (it != g_keyvals.end()) ++it->second.uses;
}

void unuse_keyval(int id) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  auto it = g_keyvals.find(id);
  if (it == g_keyvals.end()) return;
  if (--it->second.uses == 0 && it->second.freed) g_keyvals.erase(it);
}

AttributeList::iterator find_attribute(Comm* comm, int keyval) {
  auto& list = comm->attributes();
  return std::find_if(list.begin(), list.end(),
                      [keyval](const auto& entry) { return entry.first == keyval; });
}

Status run_delete(const char* call, Comm* comm, int keyval, const Keyval& known, void* value) {
  if (known.del == MPI_COMM_NULL_DELETE_FN) return Status();
  int rc = known.del(comm->handle(), keyval, value, known.extra_state);
  if (rc != MPI_SUCCESS) {
    return error(rc, "%s: the delete callback of attribute key %d returned %d", call, keyval, rc);
  }
  return Status();
}

Status unknown_keyval(const char* call, int keyval) {
  if (keyval == MPI_KEYVAL_INVALID) {
    return error(MPI_ERR_KEYVAL, "%s: argument keyval is MPI_KEYVAL_INVALID", call);
  }
  return error(MPI_ERR_KEYVAL, "%s: argument keyval=%d is not a communicator attribute key", call,
               keyval);
}
}  // namespace

int create_keyval(const Keyval& keyval) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  int id = g_next_keyval++;
  g_keyvals[id] = KeyvalEntry{keyval, false, 0};
  return id;
}

bool find_keyval(int id, Keyval& out) { return keyval_for_value(id, out); }

bool free_keyval(int id) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  auto it = g_keyvals.find(id);
  if (it == g_keyvals.end()) return false;
  // Freeing a key again while attributes still hold it changes nothing (MPICH's test suite
  // frees one key from a delete callback and again afterwards).
  it->second.freed = true;
  if (it->second.uses == 0) g_keyvals.erase(it);
  return true;
}

Status set_attribute(const char* call, Comm* comm, int keyval, void* value) {
  Keyval known;
  if (!find_keyval(keyval, known)) return unknown_keyval(call, keyval);
  auto it = find_attribute(comm, keyval);
  if (it != comm->attributes().end()) {
    WEFT_TRY(run_delete(call, comm, keyval, known, it->second));
    // A new value takes the old one's place in the set order (as MPICH does); the callback
    // may have changed the list, so look again.
    it = find_attribute(comm, keyval);
    if (it != comm->attributes().end()) {
      it->second = value;
      return Status();
    }
  }
  use_keyval(keyval);
  comm->attributes().emplace_back(keyval, value);
  return Status();
}

Status delete_attribute(const char* call, Comm* comm, int keyval) {
  Keyval known;
  if (!find_keyval(keyval, known)) return unknown_keyval(call, keyval);
  auto it = find_attribute(comm, keyval);
  if (it == comm->attributes().end()) {
    return error(MPI_ERR_KEYVAL, "%s: the communicator has no attribute for key %d", call, keyval);
  }
  WEFT_TRY(run_delete(call, comm, keyval, known, it->second));
  it = find_attribute(comm, keyval);
  if (it != comm->attributes().end()) {
    comm->attributes().erase(it);
    unuse_keyval(keyval);
  }
  return Status();
}

Status get_attribute(const char* call, Comm* comm, int keyval, void** value, bool* found) {
  Keyval known;
  if (!find_keyval(keyval, known)) return unknown_keyval(call, keyval);
  auto it = find_attribute(comm, keyval);
  *found = it != comm->attributes().end();
  if (*found) *value = it->second;
  return Status();
}

Status copy_attributes(const char* call, Comm* from, AttributeList* out) {
  // A copy callback may set or delete attributes of `from`: work on a snapshot.
  AttributeList snapshot = from->attributes();
  for (auto& [id, value] : snapshot) {
    Keyval keyval;
    if (!keyval_for_value(id, keyval)) continue;
    if (keyval.copy == MPI_COMM_NULL_COPY_FN) continue;
    void* copied = value;
    int flag = 1;
    if (keyval.copy != MPI_COMM_DUP_FN) {
      copied = nullptr;
      flag = 0;
      int rc = keyval.copy(from->handle(), id, keyval.extra_state, value, &copied, &flag);
      if (rc != MPI_SUCCESS) {
        drop_attributes(*out);
        out->clear();
        return error(rc, "%s: the copy callback of attribute key %d returned %d", call, id, rc);
      }
    }
    if (flag) {
      use_keyval(id);
      out->emplace_back(id, copied);
    }
  }
  return Status();
}

void adopt_attributes(Comm* to, AttributeList list) {
  for (auto& entry : list) to->attributes().push_back(entry);
}

Status copy_attributes(Comm* from, Comm* to) {
  AttributeList list;
  WEFT_TRY(copy_attributes("MPI_Comm_dup", from, &list));
  adopt_attributes(to, std::move(list));
  return Status();
}

void drop_attributes(const AttributeList& list) {
  for (auto& entry : list) unuse_keyval(entry.first);
}

Status delete_attributes(const char* call, Comm* comm) {
  auto& list = comm->attributes();
  while (!list.empty()) {
    auto [id, value] = list.back();
    Keyval keyval;
    if (keyval_for_value(id, keyval)) {
      WEFT_TRY(run_delete(call, comm, id, keyval, value));
    }
    auto it = find_attribute(comm, id);
    if (it != list.end()) {
      list.erase(it);
      unuse_keyval(id);
    }
  }
  return Status();
}

// ---- integer handles ----------------------------------------------------------------------

int comm_to_int(MPI_Comm handle) { return handle_to_int(handle); }

MPI_Comm comm_from_int(int value) {
  return static_cast<MPI_Comm>(handle_from_int(value, MPI_COMM_NULL));
}

}  // namespace weft
