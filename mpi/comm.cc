#include "mpi/comm.h"

#include <mutex>
#include <numeric>
#include <vector>

#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/state.h"

namespace weft {

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
}

Comm::~Comm() {
  group_->release();
  if (remote_group_ != nullptr) remote_group_->release();
  if (errhandler_ != nullptr) errhandler_->release();
}

int Comm::process(int rank) const { return group_->process(rank); }

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
  mask.words[0] &= ~0x3u;  // pairs 0 (world) and 1 (self)
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
  if (g_world != nullptr) (void)delete_attributes(g_world);
  if (g_self != nullptr) (void)delete_attributes(g_self);
  if (g_world != nullptr) g_world->release();
  if (g_self != nullptr) g_self->release();
  g_world = nullptr;
  g_self = nullptr;
}

Comm* comm_world() { return g_world; }
Comm* comm_self() { return g_self; }

Comm* comm_from_handle(MPI_Comm handle) {
  if (handle == MPI_COMM_WORLD) return g_world;
  if (handle == MPI_COMM_SELF) return g_self;
  return dynamic_object<Comm>(handle);
}

Status check_comm(const char* call, MPI_Comm handle, Comm** out) {
  if (handle == MPI_COMM_NULL) {
    return error(MPI_ERR_COMM, "%s: argument comm is MPI_COMM_NULL", call);
  }
  Comm* comm = comm_from_handle(handle);
  if (comm == nullptr) {
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

Status reserve_context(const ContextMask& agreed, const char* call, uint32_t& context) {
  std::lock_guard<std::mutex> lock(g_context_mutex);
  for (int w = 0; w < kContextMaskWords; ++w) {
    uint32_t free_bits = agreed.words[w] & g_context_mask.words[w];
    if (free_bits != 0) {
      int bit = __builtin_ctz(free_bits);
      g_context_mask.words[w] &= ~(1u << bit);
      context = static_cast<uint32_t>((w * 32 + bit) * 2);
      return Status();
    }
  }
  return error(MPI_ERR_INTERN,
               "%s: no free communicator context id left (at most %d communicators may exist "
               "at once); free unused communicators",
               call, kContextMaskWords * 32);
}

void release_context(uint32_t context) {
  std::lock_guard<std::mutex> lock(g_context_mutex);
  uint32_t pair = context / 2;
  if (pair < 2) return;
  g_context_mask.words[pair / 32] |= 1u << (pair % 32);
}

// ---- attribute keys ------------------------------------------------------------------------

namespace {
std::mutex g_keyval_mutex;
std::map<int, Keyval> g_keyvals;
// User keys start above every predefined attribute key of the standard ABI (MPI_TAG_UB ..
// MPI_UNIVERSE_SIZE are 501..507, the window keys 601..605) and never take the value of
// MPI_KEYVAL_INVALID (0).
int g_next_keyval = 0x1000;
}  // namespace

int create_keyval(const Keyval& keyval) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  int id = g_next_keyval++;
  g_keyvals[id] = keyval;
  return id;
}

bool find_keyval(int id, Keyval& out) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  auto it = g_keyvals.find(id);
  if (it == g_keyvals.end()) return false;
  out = it->second;
  return true;
}

bool free_keyval(int id) {
  std::lock_guard<std::mutex> lock(g_keyval_mutex);
  return g_keyvals.erase(id) == 1;
}

Status copy_attributes(Comm* from, Comm* to) {
  for (auto& [id, value] : from->attributes()) {
    Keyval keyval;
    if (!find_keyval(id, keyval)) continue;
    if (keyval.copy == MPI_COMM_NULL_COPY_FN) continue;
    if (keyval.copy == MPI_COMM_DUP_FN) {
      to->attributes()[id] = value;
      continue;
    }
    void* out = nullptr;
    int flag = 0;
    int rc = keyval.copy(from->handle(), id, keyval.extra_state, value, &out, &flag);
    if (rc != MPI_SUCCESS) {
      return error(rc, "MPI_Comm_dup: the copy callback of attribute key %d returned %d", id, rc);
    }
    if (flag) to->attributes()[id] = out;
  }
  return Status();
}

Status delete_attributes(Comm* comm) {
  auto attributes = comm->attributes();
  for (auto& [id, value] : attributes) {
    Keyval keyval;
    if (find_keyval(id, keyval) && keyval.del != MPI_COMM_NULL_DELETE_FN) {
      int rc = keyval.del(comm->handle(), id, value, keyval.extra_state);
      if (rc != MPI_SUCCESS) {
        return error(rc, "the delete callback of attribute key %d returned %d", id, rc);
      }
    }
    comm->attributes().erase(id);
  }
  return Status();
}

// ---- Fortran handles -----------------------------------------------------------------------

namespace {
std::mutex g_f2c_mutex;
std::vector<MPI_Comm> g_f2c_table = {MPI_COMM_NULL, MPI_COMM_WORLD, MPI_COMM_SELF};
}  // namespace

int comm_to_int(MPI_Comm handle) {
  std::lock_guard<std::mutex> lock(g_f2c_mutex);
  for (size_t i = 0; i < g_f2c_table.size(); ++i) {
    if (g_f2c_table[i] == handle) return static_cast<MPI_Fint>(i);
  }
  g_f2c_table.push_back(handle);
  return static_cast<MPI_Fint>(g_f2c_table.size() - 1);
}

MPI_Comm comm_from_int(int value) {
  std::lock_guard<std::mutex> lock(g_f2c_mutex);
  if (value < 0 || static_cast<size_t>(value) >= g_f2c_table.size()) return MPI_COMM_NULL;
  return g_f2c_table[static_cast<size_t>(value)];
}

}  // namespace weft
