// Datatype attributes: the key registry and the callbacks around each attribute value.
#include "datatype/type_attributes.h"

#include <cinttypes>
#include <map>
#include <mutex>
#include <vector>

namespace weft {

namespace {

struct Entry {
  TypeKeyval keyval;
  bool freed = false;  // MPI_Type_free_keyval was called
  int attached = 0;    // attributes that use the key
};

// Guards the registry and every type's attribute map. Never held while a callback runs.
std::mutex g_mutex;
std::map<int, Entry> g_keys;
// Datatype keys start far above the communicator keys of mpi/comm.cc (0x1000 on) and the
// predefined attribute keys, so a key of another kind is never taken for one of these.
int g_next_key = 0x200000;

// The live key `keyval`, or nullptr (g_mutex held).
Entry* find_live(int keyval) {
  auto it = g_keys.find(keyval);
  if (it == g_keys.end() || it->second.freed) return nullptr;
  return &it->second;
}

Status bad_key(const char* call, int keyval) {
  if (keyval == MPI_KEYVAL_INVALID) {
    return error(MPI_ERR_KEYVAL, "%s: argument type_keyval is MPI_KEYVAL_INVALID", call);
  }
  return error(MPI_ERR_KEYVAL, "%s: argument type_keyval=%d is not a datatype attribute key", call,
               keyval);
}

// One attribute fewer uses the key; a freed key goes with its last attribute (g_mutex held).
void detach(int keyval) {
  auto it = g_keys.find(keyval);
  if (it == g_keys.end()) return;
  if (--it->second.attached == 0 && it->second.freed) g_keys.erase(it);
}

Status run_delete(const char* call, const TypeKeyval& keyval, Datatype& type, int key,
                  void* value) {
  if (keyval.del == MPI_TYPE_NULL_DELETE_FN) return Status::success();
  const int rc = keyval.del(type.handle(), key, value, keyval.extra_state);
  if (rc != MPI_SUCCESS) {
    return error(rc, "%s: the delete callback of datatype attribute key %d returned %d", call, key,
                 rc);
  }
  return Status::success();
}

}  // namespace

int type_keyval_create(const TypeKeyval& keyval) {
  std::lock_guard<std::mutex> lock(g_mutex);
  const int id = g_next_key++;
  g_keys[id].keyval = keyval;
  return id;
}

Status type_keyval_free(const char* call, int* keyval) {
  std::lock_guard<std::mutex> lock(g_mutex);
  // Freeing a key again while attributes still hold it changes nothing, as for communicator
  // keys (mpi/comm.cc): a delete callback may free the key it runs for, and the program again.
  auto it = g_keys.find(*keyval);
  if (it == g_keys.end()) return bad_key(call, *keyval);
  Entry* entry = &it->second;
  entry->freed = true;
  if (entry->attached == 0) g_keys.erase(it);
  *keyval = MPI_KEYVAL_INVALID;
  return Status::success();
}

Status type_attr_set(const char* call, Datatype& type, int keyval, void* value) {
  std::unique_lock<std::mutex> lock(g_mutex);
  Entry* entry = find_live(keyval);
  if (entry == nullptr) return bad_key(call, keyval);
  auto it = type.attributes().find(keyval);
  if (it != type.attributes().end()) {
    const TypeKeyval callbacks = entry->keyval;
    void* old = it->second;
    lock.unlock();
    WEFT_TRY(run_delete(call, callbacks, type, keyval, old));
    lock.lock();
    // The callback may itself have changed the attribute; the new value wins either way.
    auto again = type.attributes().find(keyval);
    if (again != type.attributes().end()) {
      again->second = value;
      return Status::success();
    }
  }
  type.attributes()[keyval] = value;
  ++g_keys[keyval].attached;
  return Status::success();
}

Status type_attr_get(const char* call, Datatype& type, int keyval, void** value, bool* found) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (find_live(keyval) == nullptr) return bad_key(call, keyval);
  auto it = type.attributes().find(keyval);
  *found = it != type.attributes().end();
  if (*found) *value = it->second;
  return Status::success();
}

Status type_attr_delete(const char* call, Datatype& type, int keyval) {
  std::unique_lock<std::mutex> lock(g_mutex);
  Entry* entry = find_live(keyval);
  if (entry == nullptr) return bad_key(call, keyval);
  auto it = type.attributes().find(keyval);
  if (it == type.attributes().end()) return Status::success();
  const TypeKeyval callbacks = entry->keyval;
  void* value = it->second;
  lock.unlock();
  WEFT_TRY(run_delete(call, callbacks, type, keyval, value));
  lock.lock();
  if (type.attributes().erase(keyval) == 1) detach(keyval);
  return Status::success();
}

Status type_attrs_copy(const char* call, Datatype& from, Datatype& to) {
  struct Item {
    int key;
    void* value;
    TypeKeyval keyval;
  };
  std::vector<Item> items;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    for (const auto& [key, value] : from.attributes()) {
      auto it = g_keys.find(key);
      if (it != g_keys.end()) items.push_back({key, value, it->second.keyval});
    }
  }
  for (const Item& item : items) {
    void* copied = item.value;
    int keep = 0;
    if (item.keyval.copy == MPI_TYPE_NULL_COPY_FN) continue;
    if (item.keyval.copy == MPI_TYPE_DUP_FN) {
      keep = 1;
    } else {
      const int rc = item.keyval.copy(from.handle(), item.key, item.keyval.extra_state, item.value,
                                      &copied, &keep);
      if (rc != MPI_SUCCESS) {
        return error(rc, "%s: the copy callback of datatype attribute key %d returned %d", call,
                     item.key, rc);
      }
    }
    if (keep) {
      std::lock_guard<std::mutex> lock(g_mutex);
      to.attributes()[item.key] = copied;
      ++g_keys[item.key].attached;
    }
  }
  return Status::success();
}

Status type_attrs_delete_all(const char* call, Datatype& type) {
  for (;;) {
    std::unique_lock<std::mutex> lock(g_mutex);
    if (type.attributes().empty()) return Status::success();
    const auto [key, value] = *type.attributes().begin();
    auto it = g_keys.find(key);
    const TypeKeyval callbacks = it != g_keys.end() ? it->second.keyval : TypeKeyval{};
    lock.unlock();
    WEFT_TRY(run_delete(call, callbacks, type, key, value));
    lock.lock();
    if (type.attributes().erase(key) == 1) detach(key);
  }
}

}  // namespace weft
