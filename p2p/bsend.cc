#include "p2p/bsend.h"

#include <map>
#include <memory>
#include <vector>

#include "base/status_util.h"
#include "mpi.h"
#include "p2p/engine.h"
#include "p2p/request.h"

namespace weft {

struct BsendPool {
  void* address = nullptr;  // as attached (MPI_BUFFER_AUTOMATIC included)
  size_t size = 0;          // bytes the user gave; no limit when automatic
  bool automatic = false;
  size_t used = 0;
  // Buffered sends still holding space, by the flush generation they were reserved in:
  // MPI_*_iflush_buffer waits only for the generations before its own.
  uint64_t generation = 0;
  std::map<uint64_t, size_t> outstanding;

  bool drained_up_to(uint64_t last) const {
    return outstanding.empty() || outstanding.begin()->first > last;
  }
};

namespace {

// Guarded by the engine lock.
std::shared_ptr<BsendPool> g_process;
struct Attached {
  Object* comm;
  std::shared_ptr<BsendPool> pool;
};
// Few of each: a linear search is the fastest lookup.
std::vector<Attached> g_communicators;
std::vector<Attached> g_sessions;

std::vector<Attached>& owners_of(BsendOwner::Kind kind) {
  return kind == BsendOwner::Kind::kSession ? g_sessions : g_communicators;
}

std::shared_ptr<BsendPool>* slot_of(BsendOwner owner) {
  if (owner.kind == BsendOwner::Kind::kProcess) return &g_process;
  for (Attached& attached : owners_of(owner.kind)) {
    if (attached.comm == owner.object) return &attached.pool;
  }
  return nullptr;
}

const char* owner_text(BsendOwner owner) {
  switch (owner.kind) {
    case BsendOwner::Kind::kProcess:
      return "the process";
    case BsendOwner::Kind::kCommunicator:
      return "the communicator";
    case BsendOwner::Kind::kSession:
      return "the session";
  }
  return "the process";
}

void forget(BsendOwner owner) {
  if (owner.kind == BsendOwner::Kind::kProcess) {
    g_process.reset();
    return;
  }
  std::vector<Attached>& owners = owners_of(owner.kind);
  for (size_t i = 0; i < owners.size(); ++i) {
    if (owners[i].comm == owner.object) {
      owners[i].comm->release();
      owners.erase(owners.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
}

BsendPool* find_pool(const std::vector<Attached>& owners, const Object* object) {
  for (const Attached& attached : owners) {
    if (attached.comm == object) return attached.pool.get();
  }
  return nullptr;
}

// The buffer a buffered send on `comm` uses: the communicator's, else its session's, else
// the process's; nullptr when none is attached.
BsendPool* pool_for(const Object* comm, const Object* session) {
  if (BsendPool* pool = find_pool(g_communicators, comm)) return pool;
  if (session != nullptr) {
    if (BsendPool* pool = find_pool(g_sessions, session)) return pool;
  }
  return g_process.get();
}

}  // namespace

Status bsend_attach(const char* call, BsendOwner owner, void* buffer, size_t size) {
  if (buffer == nullptr) return error(MPI_ERR_BUFFER, "%s: argument buffer is NULL", call);
  std::shared_ptr<BsendPool>* slot = slot_of(owner);
  if (slot != nullptr && *slot != nullptr) {
    if ((*slot)->automatic) {
      return error(MPI_ERR_BUFFER, "%s: %s already has a buffer attached (MPI_BUFFER_AUTOMATIC)",
                   call, owner_text(owner));
    }
    return error(MPI_ERR_BUFFER, "%s: %s already has a buffer of %zu bytes attached", call,
                 owner_text(owner), (*slot)->size);
  }
  auto pool = std::make_shared<BsendPool>();
  pool->address = buffer;
  pool->automatic = buffer == MPI_BUFFER_AUTOMATIC;
  pool->size = pool->automatic ? 0 : size;
  if (owner.kind == BsendOwner::Kind::kProcess) {
    g_process = std::move(pool);
  } else {
    owner.object->retain();
    owners_of(owner.kind).push_back(Attached{owner.object, std::move(pool)});
  }
  return Status();
}

Status bsend_detach(const char* call, BsendOwner owner, void** buffer, size_t* size) {
  std::shared_ptr<BsendPool>* slot = slot_of(owner);
  if (slot == nullptr || *slot == nullptr) {
    return error(MPI_ERR_BUFFER, "%s: %s has no buffer attached", call, owner_text(owner));
  }
  std::shared_ptr<BsendPool> pool = *slot;
  p2p::engine().wait_until([&pool] { return pool->used == 0; });
  *buffer = pool->address;
  *size = pool->size;
  // Another thread may have detached it meanwhile; forget only the one found.
  if (std::shared_ptr<BsendPool>* now = slot_of(owner); now != nullptr && *now == pool) {
    forget(owner);
  }
  return Status();
}

bool bsend_attached_bytes(BsendOwner owner, size_t* size) {
  std::shared_ptr<BsendPool>* slot = slot_of(owner);
  if (slot == nullptr || *slot == nullptr) return false;
  *size = (*slot)->size;
  return true;
}

Status bsend_flush(const char* call, BsendOwner owner) {
  std::shared_ptr<BsendPool>* slot = slot_of(owner);
  if (slot == nullptr || *slot == nullptr) {
    return error(MPI_ERR_BUFFER, "%s: %s has no buffer attached", call, owner_text(owner));
  }
  std::shared_ptr<BsendPool> pool = *slot;
  const uint64_t last = pool->generation++;
  p2p::engine().wait_until([&pool, last] { return pool->drained_up_to(last); });
  return Status();
}

Status bsend_iflush(const char* call, BsendOwner owner, Request** out) {
  std::shared_ptr<BsendPool>* slot = slot_of(owner);
  if (slot == nullptr || *slot == nullptr) {
    return error(MPI_ERR_BUFFER, "%s: %s has no buffer attached", call, owner_text(owner));
  }
  std::shared_ptr<BsendPool> pool = *slot;
  const uint64_t last = pool->generation++;
  auto* request = new Request(RequestKind::kGeneric);
  status_set_empty(&request->status);
  request->progress = [pool = std::move(pool), last] { return pool->drained_up_to(last); };
  p2p::engine().add_generic(request);
  *out = request;
  return Status();
}

Status bsend_reserve(const char* call, Object* comm, Object* session, size_t bytes,
                     Request* request) {
  BsendPool* pool = pool_for(comm, session);
  const size_t need = bytes + MPI_BSEND_OVERHEAD;
  if (pool == nullptr) {
    return error(MPI_ERR_BUFFER,
                 "%s: no buffer is attached (MPI_Buffer_attach, MPI_Comm_attach_buffer or "
                 "MPI_Session_attach_buffer) for a buffered send of %zu bytes", call, bytes);
  }
  if (!pool->automatic && (pool->used > pool->size || need > pool->size - pool->used)) {
    return error(MPI_ERR_BUFFER,
                 "%s: the attached buffer of %zu bytes has %zu bytes free; this message needs %zu "
                 "(%zu + MPI_BSEND_OVERHEAD)", call, pool->size, pool->size - pool->used, need,
                 bytes);
  }
  pool->used += need;
  ++pool->outstanding[pool->generation];
  request->buffered_bytes = need;
  request->buffered_pool = pool;
  request->buffered_generation = pool->generation;
  return Status();
}

void bsend_release(Request* request) {
  BsendPool* pool = request->buffered_pool;
  if (pool == nullptr) return;
  pool->used -= request->buffered_bytes;
  auto entry = pool->outstanding.find(request->buffered_generation);
  if (entry != pool->outstanding.end() && --entry->second == 0) pool->outstanding.erase(entry);
  request->buffered_bytes = 0;
  request->buffered_pool = nullptr;
}

}  // namespace weft
