#include <cstddef>
#include <mutex>
#include <new>

#include "coll/task.h"
#include "mpi.h"
#include "p2p/engine.h"
#include "p2p/request.h"

namespace weft::coll {

namespace {
// Zero-byte transfers still need an address.
char g_empty[1];
}  // namespace

Context::~Context() {
  // The driver lets a context die only once quiet(): whatever is left here is complete.
  for (size_t i = 0; i < transfers_.size(); ++i) {
    if (transfers_[i] != nullptr) end(transfers_[i]);
  }
}

void Context::end(Request* request) {
  const auto* at = reinterpret_cast<const unsigned char*>(request);
  if (at >= &request_storage_[0][0] && at < &request_storage_[0][0] + sizeof request_storage_) {
    request->~Request();
  } else {
    request->release();
  }
}

Context::Ticket Context::send(int peer, const void* data, size_t bytes) {
  return start_send(team_, peer, data, bytes);
}

Context::Ticket Context::recv(int peer, void* data, size_t bytes) {
  return start_recv(team_, peer, data, bytes);
}

Context::Ticket Context::send_remote(int peer, const void* data, size_t bytes) {
  return start_send(remote_, peer, data, bytes);
}

Context::Ticket Context::recv_remote(int peer, void* data, size_t bytes) {
  return start_recv(remote_, peer, data, bytes);
}

bool Context::abandoned(const Team& team) {
  if (!p2p::failure_seen()) [[likely]] return false;
  // A member of the communicator failed: every other member's transfers on its collective
  // contexts fail too (p2p/engine.h), so this one starts none, rather than letting a
  // member it would release finish as if nothing had happened.
  if (error_.ok() || error_.error_class() != MPI_ERR_PROC_ABORTED) {
    p2p::Engine& engine = p2p::engine();
    const int failed = engine.any_failed() ? engine.broken_by(team.context) : -1;
    if (failed < 0) return false;
    note(engine.failure(call_, failed));
  }
  transfers_.push_back(nullptr);
  return true;
}

Context::Ticket Context::start_send(const Team& team, int peer, const void* data, size_t bytes) {
  if (abandoned(team)) return transfers_.size() - 1;
  Status started;
  if (bytes == 0) data = g_empty;
  void* slot = inline_slot(transfers_.size());
  Request* request = slot != nullptr ? coll::isend_in(slot, team, peer, data, bytes, started)
                                     : coll::isend(team, peer, data, bytes, started);
  return post(request, started);
}

Context::Ticket Context::start_recv(const Team& team, int peer, void* data, size_t bytes) {
  if (abandoned(team)) return transfers_.size() - 1;
  Status started;
  if (bytes == 0) data = g_empty;
  void* slot = inline_slot(transfers_.size());
  Request* request = slot != nullptr ? coll::irecv_in(slot, team, peer, data, bytes, started)
                                     : coll::irecv(team, peer, data, bytes, started);
  return post(request, started);
}

Context::Ticket Context::post(Request* request, const Status& started) {
  if (!started.ok()) {
    // Never started: nothing will complete it.
    note(started);
    end(request);
    request = nullptr;
  }
  transfers_.push_back(request);
  return transfers_.size() - 1;
}

bool Context::all_complete() {
  while (checked_ < transfers_.size()) {
    const Request* request = transfers_[checked_];
    if (request != nullptr && !request->is_complete()) return false;
    ++checked_;
  }
  return true;
}

bool Context::is_complete(Ticket ticket) const {
  const Request* request = transfers_[ticket];
  return request == nullptr || request->is_complete();
}

bool Context::ready() {
  if (!waiting_) return false;
  return waiting_for_ == kAll ? all_complete() : is_complete(waiting_for_);
}

void Context::note(Status status) {
  if (error_.ok() && !status.ok()) error_ = std::move(status);
}

Status Context::outcome(const Request& request) const {
  if (request.error == MPI_SUCCESS) {
    if (request.kind != RequestKind::kRecv || request.message_bytes == request.count) {
      return Status();
    }
  } else if (request.error == MPI_ERR_PROC_ABORTED &&
             p2p::engine().failure_text(request.peer_process) != nullptr) {
    return p2p::engine().failure(call_, request.peer_process);
  } else if (request.error != MPI_ERR_TRUNCATE) {
    return weft::error(request.error, "%s: the transfer with rank %d failed (peer process gone?)",
                 call_, request.peer);
  }
  return weft::error(MPI_ERR_TRUNCATE,
               "%s: rank %d sent %zu bytes where rank %d expected %zu (do the counts and "
               "datatypes match on every process?)",
               call_, request.peer, request.message_bytes, team_.rank, request.count);
}

void Context::collect(Ticket ticket) {
  Request* request = transfers_[ticket];
  if (request == nullptr) return;
  note(outcome(*request));
  end(request);
  transfers_[ticket] = nullptr;
}

void Context::collect_all() {
  for (size_t i = 0; i < transfers_.size(); ++i) {
    Request* request = transfers_[i];
    if (request == nullptr) continue;
    note(outcome(*request));
    end(request);
  }
  transfers_.clear();
  checked_ = 0;
}

namespace {
// Frames are kept per thread in size classes of kFrameGrain bytes, a few per class: a
// thread runs few collectives at once, and a frame freed by another thread (a nonblocking
// operation completed elsewhere) simply joins that thread's cache.
constexpr size_t kFrameGrain = 128;
constexpr size_t kFrameClasses = 16;  // frames up to 2 KiB are cached
constexpr int kFramesKept = 4;

struct FreeFrame {
  FreeFrame* next;
};

struct FrameCache {
  FreeFrame* lists[kFrameClasses] = {};
  int counts[kFrameClasses] = {};
  bool open = true;  // false once the thread's cache is gone (frames freed at exit)
  ~FrameCache() {
    open = false;
    for (FreeFrame*& list : lists) {
      while (list != nullptr) {
        FreeFrame* frame = list;
        list = frame->next;
        ::operator delete(frame);
      }
    }
  }
};

thread_local FrameCache t_frames;

size_t frame_class(size_t bytes) { return (bytes + kFrameGrain - 1) / kFrameGrain - 1; }
}  // namespace

void* frame_take(size_t bytes) {
  const size_t index = frame_class(bytes);
  FrameCache& cache = t_frames;
  if (index >= kFrameClasses || !cache.open) return ::operator new(bytes);
  if (FreeFrame* frame = cache.lists[index]) {
    cache.lists[index] = frame->next;
    --cache.counts[index];
    return frame;
  }
  return ::operator new((index + 1) * kFrameGrain);
}

void frame_return(void* frame, size_t bytes) {
  const size_t index = frame_class(bytes);
  FrameCache& cache = t_frames;
  if (index >= kFrameClasses || !cache.open || cache.counts[index] >= kFramesKept) {
    ::operator delete(frame);
    return;
  }
  auto* free_frame = static_cast<FreeFrame*>(frame);
  free_frame->next = cache.lists[index];
  cache.lists[index] = free_frame;
  ++cache.counts[index];
}

namespace {
std::mutex g_scratch_mutex;
// Free buffers, at most kScratchKept; when full, the smallest makes way. A fixed array
// rather than a map: taking and returning a buffer allocate nothing, which matters to
// short collectives that take scratch on every call.
struct FreeBuffer {
  char* data = nullptr;
  size_t capacity = 0;
};
constexpr size_t kScratchKept = 8;
FreeBuffer g_scratch_pool[kScratchKept];

// Where scratch memory starts: half a page past a page boundary. Single-copy transfers are
// copied by the kernel (rep movsb), which on AMD Zen runs about five times slower when the
// destination lies 1 to 32 bytes past the source modulo 4096 (measured here: a 512 KiB
// process_vm_readv takes 60 us, or 300 us at a distance of 16). User buffers start at or
// just after a page boundary (posix_memalign: 0, glibc's mmap'd malloc chunks: 16, 64-byte
// aligned allocators: 0 mod 64), so scratch half a page away from them stays out of that
// window in both directions. (A plain new char[] started 16 bytes into a page: every
// transfer between it and a page-aligned buffer took the slow path.) Algorithms that know
// which buffer a peer sends from place their scratch exactly (scratch_like, reduction.h).
constexpr size_t kPage = 4096;
constexpr size_t kScratchOffset = kPage / 2;

char* allocate(size_t bytes) {
  void* block = ::operator new[](bytes + kScratchOffset, std::align_val_t{kPage});
  return static_cast<char*>(block) + kScratchOffset;
}

void release(char* data) {
  ::operator delete[](data - kScratchOffset, std::align_val_t{kPage});
}
}  // namespace

char* scratch_take(size_t bytes, size_t* capacity) {
  {
    std::lock_guard<std::mutex> lock(g_scratch_mutex);
    FreeBuffer* best = nullptr;  // the smallest that fits
    for (FreeBuffer& entry : g_scratch_pool) {
      if (entry.data == nullptr || entry.capacity < bytes) continue;
      if (best == nullptr || entry.capacity < best->capacity) best = &entry;
    }
    if (best != nullptr) {
      *capacity = best->capacity;
      char* data = best->data;
      *best = FreeBuffer();
      return data;
    }
  }
  *capacity = bytes;
  return allocate(bytes);
}

void scratch_return(char* data, size_t capacity) {
  char* dropped = data;
  {
    std::lock_guard<std::mutex> lock(g_scratch_mutex);
    FreeBuffer* slot = nullptr;  // an empty entry, else the smallest
    for (FreeBuffer& entry : g_scratch_pool) {
      if (entry.data == nullptr) {
        slot = &entry;
        break;
      }
      if (slot == nullptr || entry.capacity < slot->capacity) slot = &entry;
    }
    if (slot->data == nullptr || slot->capacity < capacity) {
      dropped = slot->data;
      *slot = FreeBuffer{data, capacity};
    }
  }
  if (dropped != nullptr) release(dropped);
}

}  // namespace weft::coll
