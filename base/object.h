// Handles and object lifetime.
//
// An MPI handle (MPI_Comm, MPI_Datatype, ...) is either a predefined value from the
// standard ABI (a small integer below kFirstDynamicHandle, e.g. MPI_COMM_WORLD = 0x101) or
// the address of a heap object created by weft. Every weft object starts with a magic
// number per kind, so a stale or foreign pointer is reported as an invalid handle instead
// of being dereferenced blindly. Objects are reference counted: MPI allows freeing a
// communicator or datatype while operations on it are still pending.
#pragma once

#include <atomic>
#include <cstdint>

namespace weft {

inline constexpr uintptr_t kFirstDynamicHandle = 0x1000;

inline bool is_predefined_handle(const void* handle) {
  return reinterpret_cast<uintptr_t>(handle) < kFirstDynamicHandle;
}

enum class ObjectKind : uint32_t {
  kComm = 0x77660001,
  kGroup = 0x77660002,
  kDatatype = 0x77660003,
  kRequest = 0x77660004,
  kInfo = 0x77660005,
  kErrhandler = 0x77660006,
  kOp = 0x77660007,
  kMessage = 0x77660008,
  kSession = 0x77660009,
  kDead = 0xdeadbeef,
};

class Object {
 public:
  explicit Object(ObjectKind kind) : kind_(kind) {}
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  ObjectKind kind() const { return kind_; }

  void retain() { refs_.fetch_add(1, std::memory_order_relaxed); }
  // Drops one reference and deletes the object when it was the last one.
  void release() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      kind_ = ObjectKind::kDead;
      delete this;
    }
  }
  // Predefined objects live in static storage and are never deleted.
  void make_permanent() { refs_.store(1 << 30, std::memory_order_relaxed); }

 protected:
  virtual ~Object() = default;

 private:
  ObjectKind kind_;
  std::atomic<int> refs_{1};
};

// Returns the object behind a dynamic handle if it is alive and of kind T, else nullptr.
// Predefined handles are resolved by each kind's own lookup function.
template <class T>
T* dynamic_object(const void* handle) {
  if (handle == nullptr || is_predefined_handle(handle)) return nullptr;
  auto* object = static_cast<Object*>(const_cast<void*>(handle));
  // Reading the kind of a freed pointer is undefined behaviour; weft only promises to catch
  // wrong-kind handles and predefined values. Freed handles are set to the *_NULL value by
  // the free calls, which is what ordinary programs pass back.
  if (object->kind() != T::kKind) return nullptr;
  return static_cast<T*>(object);
}

template <class Handle, class T>
Handle to_handle(T* object) {
  return reinterpret_cast<Handle>(static_cast<Object*>(object));
}

}  // namespace weft
