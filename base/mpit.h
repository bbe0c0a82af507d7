// The MPI tool information interface (MPI_T) underneath the entry points of
// api/tools_api.cc: categories, enumerations, performance variables (pvars) and their
// sessions and handles, event types with their registrations, and the counters that the
// layers above increment. Control variables (cvars) are the settings of base/config.h.
//
// Each module declares what it measures where it measures it, as objects at namespace scope
// (like Settings), so a pvar lives in the object file of the code that updates it:
//
//   mpit::Counter kRendezvousSends{"rendezvous_sends", mpit::Category::p2p, "..."};
//   ...
//   kRendezvousSends.add(1);  // one relaxed load and store: the writer holds the engine lock
//
// Costs on the paths that update them: a Counter is one relaxed load and one relaxed store
// (its writers are serialized by the engine lock, so no read-modify-write is needed); a
// Level adds one relaxed load of the watermark flag; an EventType costs one relaxed load
// while no tool has registered for it. Everything else (lookups, sessions, handles) runs
// only in MPI_T calls, under this module's own mutex, which is always taken: MPI_T may be
// called from any thread, before MPI_Init and after MPI_Finalize.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/object.h"
#include "mpi.h"

namespace weft::mpit {

// Categories, by layer; `weft` holds the others.
enum class Category : int { weft, transport, p2p, coll, launcher, communicators, general };
inline constexpr int kCategoryCount = 7;

// The category a Setting belongs to, from its name (WEFT_SHM_* is transport, ...).
Category category_of(const config::Setting& setting);

// An enumeration (MPI_T_enum): a name and (value, name) items.
struct Enum {
  std::string name;
  std::vector<std::pair<int, std::string>> items;
};

// ---- performance variables ---------------------------------------------------------------
class Pvar;

// A counter (class COUNTER, MPI_UNSIGNED_LONG_LONG) or a timer (class TIMER, MPI_DOUBLE
// seconds, kept in nanoseconds). add() expects its callers to be serialized (the engine
// lock, or one thread at a time); add_shared() may race.
class Counter {
 public:
  Counter(const char* name, Category category, const char* description, bool timer = false);
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;
  void add(uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void add_shared(uint64_t n) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }
  // Timers: whether a handle of this variable is started. A timer counts only while one
  // is (its handles count only while started anyway), so an unwatched timer costs its
  // owner one load instead of two clock reads.
  bool watched() const { return watchers_.load(std::memory_order_relaxed) != 0; }
  void watch(int delta) { watchers_.fetch_add(delta, std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
  std::atomic<int> watchers_{0};
};

// Messages and bytes a transport carried for the engine (`<transport>_messages_sent`,
// `<transport>_bytes_sent`).
struct Traffic {
  Traffic(const char* messages_name, const char* messages_description, const char* bytes_name,
          const char* bytes_description);
  Counter messages;
  Counter bytes;
  void sent(uint64_t n) {
    messages.add(1);
    bytes.add(n);
  }
};

// A resource's current use (class LEVEL, read-only, continuous) and its high-water mark
// (class HIGHWATERMARK: per handle, the largest level seen since the handle was started or
// reset). Changes are serialized by the caller (the engine lock).
class Level {
 public:
  Level(const char* name, const char* watermark_name, Category category,
        const char* description, const char* watermark_description);
  Level(const Level&) = delete;
  Level& operator=(const Level&) = delete;
  void increase() {
    const uint64_t now = value_.load(std::memory_order_relaxed) + 1;
    value_.store(now, std::memory_order_relaxed);
    if (watched_.load(std::memory_order_relaxed) != 0) [[unlikely]] raise_marks(now);
  }
  void decrease() {
    value_.store(value_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

  // Watermark slots for started handles (base/mpit.cc).
  static constexpr int kSlots = 64;
  int take_slot();  // -1 when all are taken
  void release_slot(int slot);
  std::atomic<uint64_t>& mark(int slot) { return marks_[slot]; }

 private:
  void raise_marks(uint64_t now);
  std::atomic<uint64_t> value_{0};
  std::atomic<uint64_t> watched_{0};  // bit per slot in use
  std::atomic<uint64_t> marks_[kSlots] = {};
};

// A discrete state (class STATE, MPI_INT with an enumeration), e.g. the algorithm the last
// call of a collective ran. `items` name the values 0, 1, ...
class State {
 public:
  State(const char* name, Category category, const char* description, std::string enum_name,
        std::vector<std::string> items);
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  void set(int value) { value_.store(value, std::memory_order_relaxed); }
  int value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> value_{0};
};

// A counter kept by an MPI object (a communicator), read through `read`; the entry points
// resolve the object handle and keep the object alive while a handle is bound to it.
struct ObjectCounter {
  ObjectCounter(const char* name, Category category, const char* description, int bind,
                uint64_t (*read)(const void* object));
};

// ---- events ---------------------------------------------------------------------------
// One element of an event's data: its type and where it sits in the data block.
struct Element {
  MPI_Datatype type;
  size_t displacement;
  size_t size;
};

class EventType {
 public:
  EventType(const char* name, Category category, const char* description,
            std::vector<Element> elements);
  EventType(const EventType&) = delete;
  EventType& operator=(const EventType&) = delete;
  // Whether any tool registered for this event; raise() only when it is.
  bool active() const { return registrations_.load(std::memory_order_relaxed) != 0; }
  // Delivers one instance carrying `data` (laid out as the elements say) to every
  // registration, in a context that allows MPI_T_CB_REQUIRE_MPI_RESTRICTED callbacks.
  void raise(const void* data, size_t bytes);

  std::atomic<int> registrations_{0};
  int index_ = -1;
};

// ---- the registry, for api/tools_api.cc ------------------------------------------------
// Everything below takes the module's mutex itself (mutex()); callers that walk the
// registry across calls hold it.
std::mutex& mutex();

struct PvarInfo {
  std::string name;
  std::string description;
  Category category;
  int var_class;        // MPI_T_PVAR_CLASS_*
  MPI_Datatype type;    // MPI_UNSIGNED_LONG_LONG, MPI_DOUBLE or MPI_INT
  const Enum* enumtype; // STATE only
  int bind;             // MPI_T_BIND_*
  bool readonly;
  bool continuous;
  // The value source (one of them).
  Counter* counter = nullptr;
  bool timer = false;
  Level* level = nullptr;
  bool watermark = false;
  State* state = nullptr;
  uint64_t (*read_object)(const void*) = nullptr;
};
const std::vector<PvarInfo>& pvars();  // stable once MPI_T is initialized (after start-up)

struct EventInfo {
  std::string name;
  std::string description;
  Category category;
  std::vector<Element> elements;
  EventType* type;
};
const std::vector<EventInfo>& events();

struct CategoryInfo {
  const char* name;
  const char* description;
};
const CategoryInfo& category_info(Category category);
// Bumped when the set of variables, categories or events changes (never after start-up).
int category_update_number();

// Enumerations made at run time (the cvars' choices) or by States; owned here for good.
const Enum* make_enum(std::string name, std::vector<std::pair<int, std::string>> items);
bool is_enum(const void* handle);

// Nanoseconds of the event source's clock (steady).
int64_t now_ns();

// ---- pvar sessions and handles ---------------------------------------------------------
// Errors are MPI_T error classes (MPI_SUCCESS when none). All take mutex() themselves.
struct Session;
struct PvarHandle;
int session_create(Session** out);
int session_free(Session* session);  // frees its handles
bool is_session(const void* session);
// `object` is the bound object (retained while the handle lives), nullptr when unbound.
int handle_alloc(Session* session, int index, Object* object, PvarHandle** out);
int handle_free(Session* session, PvarHandle* handle);
// `handle` may be MPI_T_PVAR_ALL_HANDLES where the standard allows it (start, stop, reset).
int pvar_start(Session* session, MPI_T_pvar_handle handle);
int pvar_stop(Session* session, MPI_T_pvar_handle handle);
int pvar_read(Session* session, MPI_T_pvar_handle handle, void* buffer, bool reset);
int pvar_write(Session* session, MPI_T_pvar_handle handle, const void* buffer);
int pvar_reset(Session* session, MPI_T_pvar_handle handle);

// ---- event registrations and instances --------------------------------------------------
struct Registration;
struct Instance;
int registration_alloc(int event_index, Registration** out);
bool is_registration(const void* registration);
// cb_safety is one of the four MPI_T_CB_REQUIRE_* values (checked by the caller).
int register_callback(Registration* registration, MPI_T_cb_safety safety, void* user_data,
                      MPI_T_event_cb_function* callback);
int set_dropped_handler(Registration* registration, MPI_T_event_dropped_cb_function* handler);
int registration_free(Registration* registration, void* user_data,
                      MPI_T_event_free_cb_function* free_callback);
bool is_instance(const void* instance);
int instance_read(Instance* instance, int element, void* buffer);
int instance_copy(Instance* instance, void* buffer);
int instance_timestamp(Instance* instance, MPI_Count* out);
int instance_source(Instance* instance, int* out);

// The last MPI_T_finalize: frees every session, handle and registration.
void free_all();

}  // namespace weft::mpit
