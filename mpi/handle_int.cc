#include "mpi/handle_int.h"

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/object.h"

namespace weft {

namespace {
std::mutex g_mutex;
// Integer kFirstDynamicHandle + i names g_handles[i]. Entries are never removed: a freed
// object's address that comes back for a new object keeps its integer, so the table grows
// with the number of distinct addresses ever converted, not with the number of calls.
std::vector<const void*> g_handles;
std::unordered_map<const void*, int> g_integers;
}  // namespace

int handle_to_int(const void* handle) {
  if (is_predefined_handle(handle)) return static_cast<int>(reinterpret_cast<uintptr_t>(handle));
  std::lock_guard<std::mutex> lock(g_mutex);
  auto [it, added] = g_integers.try_emplace(handle, 0);
  if (added) {
    it->second = static_cast<int>(kFirstDynamicHandle + g_handles.size());
    g_handles.push_back(handle);
  }
  return it->second;
}

void* handle_from_int(int value, const void* null_handle) {
  if (value >= 0 && static_cast<uintptr_t>(value) < kFirstDynamicHandle) {
    return reinterpret_cast<void*>(static_cast<uintptr_t>(value));
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  const int64_t index = static_cast<int64_t>(value) - static_cast<int64_t>(kFirstDynamicHandle);
  if (index < 0 || index >= static_cast<int64_t>(g_handles.size())) {
    return const_cast<void*>(null_handle);
  }
  return const_cast<void*>(g_handles[static_cast<size_t>(index)]);
}

}  // namespace weft
