#include <map>
#include <mutex>
#include "collectives/task.h"
#include "mpi.h"
#include "runtime/p2p/engine.h"
#include "runtime/request.h"

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
  Status started;
  if (bytes == 0) data = g_empty;
  void* slot = inline_slot(transfers_.size());
  Request* request = slot != nullptr ? coll::isend_in(slot, team_, peer, data, bytes, started)
                                     : coll::isend(team_, peer, data, bytes, started);
  return post(request, started);
}

Context::Ticket Context::recv(int peer, void* data, size_t bytes) {
  Status started;
  if (bytes == 0) data = g_empty;
  void* slot = inline_slot(transfers_.size());
  Request* request = slot != nullptr ? coll::irecv_in(slot, team_, peer, data, bytes, started)
                                     : coll::irecv(team_, peer, data, bytes, started);
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
// Free buffers by capacity; at most kScratchKept are kept, the largest win.
std::multimap<size_t, char*> g_scratch_pool;
constexpr size_t kScratchKept = 8;
}  // namespace

char* scratch_take(size_t bytes, size_t* capacity) {
  {
    std::lock_guard<std::mutex> lock(g_scratch_mutex);
    auto it = g_scratch_pool.lower_bound(bytes);
    if (it != g_scratch_pool.end()) {
      *capacity = it->first;
      char* data = it->second;
      g_scratch_pool.erase(it);
      return data;
    }
  }
  *capacity = bytes;
  return new char[bytes];
}

void scratch_return(char* data, size_t capacity) {
  std::lock_guard<std::mutex> lock(g_scratch_mutex);
  g_scratch_pool.emplace(capacity, data);
  if (g_scratch_pool.size() > kScratchKept) {
    auto smallest = g_scratch_pool.begin();
    delete[] smallest->second;
    g_scratch_pool.erase(smallest);
  }
}

}  // namespace weft::coll
