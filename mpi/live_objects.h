// The addresses of the live objects of one kind. A handle is an object's address, and an
// address that names no live object (an output a failed call never wrote, a freed handle,
// garbage) cannot be read safely: reading its magic number can fault. Kinds whose handles
// are resolved off the hot path (groups, info objects, error handlers) register their
// objects here, so such a handle is reported as invalid instead of read. Communicators,
// datatypes and requests are resolved on every message and keep the magic-number check
// alone (base/object.h).
#pragma once

#include <mutex>
#include <unordered_set>

namespace weft {

class LiveObjects {
 public:
  void add(const void* object) {
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.insert(object);
  }
  void remove(const void* object) {
    std::lock_guard<std::mutex> lock(mutex_);
    objects_.erase(object);
  }
  bool contains(const void* object) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return objects_.count(object) != 0;
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_set<const void*> objects_;
};

}  // namespace weft
