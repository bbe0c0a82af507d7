#include "base/mpit.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>

namespace weft::mpit {

namespace {

// The registry is filled while the program starts (namespace-scope objects of every object
// file) and read by MPI_T calls; function-local statics exist before the first object
// registers, whatever order the object files initialise in.
std::vector<PvarInfo>& pvar_list() {
  static std::vector<PvarInfo> all;
  return all;
}
std::vector<EventInfo>& event_list() {
  static std::vector<EventInfo> all;
  return all;
}
std::vector<std::unique_ptr<Enum>>& enum_list() {
  static std::vector<std::unique_ptr<Enum>> all;
  return all;
}

constexpr CategoryInfo kCategories[kCategoryCount] = {
    {"weft", "Everything weft measures and lets tools control; the other categories are in it."},
    {"transport",
     "Transports (self, shared memory, TCP): their sizes and copy paths, and the traffic each "
     "carried."},
    {"p2p",
     "The point-to-point engine: protocols (eager limit), progress, matching queues."},
    {"coll", "Collectives: algorithm choice per collective, tuning, time spent in them."},
    {"launcher", "Start-up and the launcher connection (PMI): job key, host name."},
    {"communicators", "Communicators: what each one carried, and their creation."},
    {"general", "Settings that belong to no single layer (logging)."},
};

PvarInfo base_info(const char* name, Category category, const char* description, int var_class,
                   MPI_Datatype type) {
  PvarInfo info;
  info.name = name;
  info.description = description;
  info.category = category;
  info.var_class = var_class;
  info.type = type;
  info.enumtype = nullptr;
  info.bind = MPI_T_BIND_NO_OBJECT;
  info.readonly = false;
  info.continuous = false;
  return info;
}

}  // namespace

std::mutex& mutex() {
  static std::mutex lock;
  return lock;
}

Category category_of(const config::Setting& setting) {
  const std::string name = setting.name();
  auto starts = [&name](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  if (starts("WEFT_SHM_") || starts("WEFT_TCP_") || name == "WEFT_TRANSPORT") {
    return Category::transport;
  }
  if (name == "WEFT_EAGER_LIMIT" || name == "WEFT_SPIN_US") return Category::p2p;
  if (starts("WEFT_COLL_") || starts("WEFT_TUNING_") ||
      (name.size() > 10 && name.compare(name.size() - 10, 10, "_ALGORITHM") == 0)) {
    return Category::coll;
  }
  if (starts("WEFT_PMI_") || name == "WEFT_HOSTNAME" || name == "WEFT_WEFTRUN") {
    return Category::launcher;
  }
  return Category::general;
}

const CategoryInfo& category_info(Category category) {
  return kCategories[static_cast<int>(category)];
}

int category_update_number() { return 0; }

const Enum* make_enum(std::string name, std::vector<std::pair<int, std::string>> items) {
  auto made = std::make_unique<Enum>();
  made->name = std::move(name);
  made->items = std::move(items);
  const Enum* out = made.get();
  std::lock_guard<std::mutex> lock(mutex());
  enum_list().push_back(std::move(made));
  return out;
}

bool is_enum(const void* handle) {
  std::lock_guard<std::mutex> lock(mutex());
  for (const auto& e : enum_list()) {
    if (e.get() == handle) return true;
  }
  return false;
}

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const std::vector<PvarInfo>& pvars() { return pvar_list(); }
const std::vector<EventInfo>& events() { return event_list(); }

// ---- variables register themselves -----------------------------------------------------
Counter::Counter(const char* name, Category category, const char* description, bool timer) {
  PvarInfo info = base_info(name, category, description,
                            timer ? MPI_T_PVAR_CLASS_TIMER : MPI_T_PVAR_CLASS_COUNTER,
                            timer ? MPI_DOUBLE : MPI_UNSIGNED_LONG_LONG);
  info.counter = this;
  info.timer = timer;
  pvar_list().push_back(std::move(info));
}

Traffic::Traffic(const char* messages_name, const char* messages_description,
                 const char* bytes_name, const char* bytes_description)
    : messages(messages_name, Category::transport, messages_description),
      bytes(bytes_name, Category::transport, bytes_description) {}

Level::Level(const char* name, const char* watermark_name, Category category,
             const char* description, const char* watermark_description) {
  PvarInfo level = base_info(name, category, description, MPI_T_PVAR_CLASS_LEVEL,
                             MPI_UNSIGNED_LONG_LONG);
  level.level = this;
  level.readonly = true;
  level.continuous = true;
  pvar_list().push_back(std::move(level));
  PvarInfo mark = base_info(watermark_name, category, watermark_description,
                            MPI_T_PVAR_CLASS_HIGHWATERMARK, MPI_UNSIGNED_LONG_LONG);
  mark.level = this;
  mark.watermark = true;
  pvar_list().push_back(std::move(mark));
}

int Level::take_slot() {
  uint64_t used = watched_.load(std::memory_order_relaxed);
  for (int slot = 0; slot < kSlots; ++slot) {
    if ((used & (uint64_t{1} << slot)) != 0) continue;
    marks_[slot].store(value(), std::memory_order_relaxed);
    watched_.fetch_or(uint64_t{1} << slot, std::memory_order_relaxed);
    return slot;
  }
  return -1;
}

void Level::release_slot(int slot) {
  watched_.fetch_and(~(uint64_t{1} << slot), std::memory_order_relaxed);
}

void Level::raise_marks(uint64_t now) {
  uint64_t used = watched_.load(std::memory_order_relaxed);
  while (used != 0) {
    const int slot = __builtin_ctzll(used);
    used &= used - 1;
    std::atomic<uint64_t>& mark = marks_[slot];
    uint64_t seen = mark.load(std::memory_order_relaxed);
    // A reset from an MPI_T call may race with this update: keep the larger.
    while (seen < now && !mark.compare_exchange_weak(seen, now, std::memory_order_relaxed)) {
    }
  }
}

State::State(const char* name, Category category, const char* description,
             std::string enum_name, std::vector<std::string> items) {
  std::vector<std::pair<int, std::string>> values;
  for (size_t i = 0; i < items.size(); ++i) values.emplace_back(static_cast<int>(i), items[i]);
  PvarInfo info = base_info(name, category, description, MPI_T_PVAR_CLASS_STATE, MPI_INT);
  info.state = this;
  info.readonly = true;
  info.continuous = true;
  // Not through make_enum: the registry's mutex may not exist yet in a defined state for
  // every static initialisation order, but the list does.
  auto made = std::make_unique<Enum>();
  made->name = std::move(enum_name);
  made->items = std::move(values);
  info.enumtype = made.get();
  enum_list().push_back(std::move(made));
  pvar_list().push_back(std::move(info));
}

ObjectCounter::ObjectCounter(const char* name, Category category, const char* description,
                             int bind, uint64_t (*read)(const void* object)) {
  PvarInfo info = base_info(name, category, description, MPI_T_PVAR_CLASS_COUNTER,
                            MPI_UNSIGNED_LONG_LONG);
  info.bind = bind;
  info.read_object = read;
  pvar_list().push_back(std::move(info));
}

EventType::EventType(const char* name, Category category, const char* description,
                     std::vector<Element> elements) {
  index_ = static_cast<int>(event_list().size());
  event_list().push_back(EventInfo{name, description, category, std::move(elements), this});
}

// ---- sessions and handles ---------------------------------------------------------------
struct PvarHandle {
  Session* session;
  int index;
  Object* object;
  bool started = false;
  uint64_t accumulated = 0;  // counters, timers: the value up to the last stop
  uint64_t base = 0;         // the source's value at the last start or reset
  int slot = -1;             // watermarks: the slot while started
  uint64_t mark = 0;         // watermarks: the value kept at stop
};

struct Session {
  std::vector<PvarHandle*> handles;
};

namespace {

std::set<Session*>& session_set() {
  static std::set<Session*> all;
  return all;
}

uint64_t source_value(const PvarInfo& info, const PvarHandle& handle) {
  if (info.counter != nullptr) return info.counter->value();
  if (info.read_object != nullptr) return info.read_object(handle.object);
  if (info.level != nullptr) return info.level->value();
  if (info.state != nullptr) return static_cast<uint64_t>(info.state->value());
  return 0;
}

// Counters and timers count while started, from zero at allocation.
bool accumulates(const PvarInfo& info) {
  return info.var_class == MPI_T_PVAR_CLASS_COUNTER || info.var_class == MPI_T_PVAR_CLASS_TIMER;
}

void do_start(const PvarInfo& info, PvarHandle* h) {
  if (h->started) return;
  if (info.watermark) {
    h->slot = info.level->take_slot();
    if (h->slot < 0) return;  // checked by the callers before
    // Starting resumes from the value kept at stop.
    auto& mark = info.level->mark(h->slot);
    if (h->mark > mark.load(std::memory_order_relaxed)) mark.store(h->mark);
  } else if (accumulates(info)) {
    if (info.timer) info.counter->watch(1);
    h->base = source_value(info, *h);
  }
  h->started = true;
}

void do_stop(const PvarInfo& info, PvarHandle* h) {
  if (!h->started) return;
  if (info.watermark) {
    h->mark = info.level->mark(h->slot).load(std::memory_order_relaxed);
    info.level->release_slot(h->slot);
    h->slot = -1;
  } else if (accumulates(info)) {
    h->accumulated += source_value(info, *h) - h->base;
    if (info.timer) info.counter->watch(-1);
  }
  h->started = false;
}

uint64_t current(const PvarInfo& info, const PvarHandle& h) {
  if (info.watermark) {
    return h.started ? info.level->mark(h.slot).load(std::memory_order_relaxed) : h.mark;
  }
  if (accumulates(info)) {
    return h.started ? h.accumulated + (source_value(info, h) - h.base) : h.accumulated;
  }
  return source_value(info, h);
}

void do_reset(const PvarInfo& info, PvarHandle* h) {
  if (info.watermark) {
    // The starting value of a high-water mark is the level now.
    const uint64_t level = info.level->value();
    if (h->started) {
      info.level->mark(h->slot).store(level, std::memory_order_relaxed);
    } else {
      h->mark = level;
    }
  } else if (accumulates(info)) {
    h->accumulated = 0;
    h->base = source_value(info, *h);
  }
}

void store_value(const PvarInfo& info, uint64_t value, void* buffer) {
  if (info.type == MPI_DOUBLE) {
    const double seconds = static_cast<double>(value) * 1e-9;
    std::memcpy(buffer, &seconds, sizeof seconds);
  } else if (info.type == MPI_INT) {
    const int v = static_cast<int>(value);
    std::memcpy(buffer, &v, sizeof v);
  } else {
    const unsigned long long v = value;
    std::memcpy(buffer, &v, sizeof v);
  }
}

bool in_session(Session* session, MPI_T_pvar_handle handle) {
  auto* h = reinterpret_cast<PvarHandle*>(handle);
  return std::find(session->handles.begin(), session->handles.end(), h) !=
         session->handles.end();
}

void free_handle_locked(PvarHandle* h) {
  do_stop(pvar_list()[static_cast<size_t>(h->index)], h);
  if (h->object != nullptr) h->object->release();
  delete h;
}

}  // namespace

bool is_session(const void* session) {
  std::lock_guard<std::mutex> lock(mutex());
  return session_set().count(static_cast<Session*>(const_cast<void*>(session))) != 0;
}

int session_create(Session** out) {
  std::lock_guard<std::mutex> lock(mutex());
  auto* session = new Session();
  session_set().insert(session);
  *out = session;
  return MPI_SUCCESS;
}

int session_free(Session* session) {
  std::lock_guard<std::mutex> lock(mutex());
  if (session_set().erase(session) == 0) return MPI_T_ERR_INVALID_SESSION;
  for (PvarHandle* h : session->handles) free_handle_locked(h);
  delete session;
  return MPI_SUCCESS;
}

int handle_alloc(Session* session, int index, Object* object, PvarHandle** out) {
  std::lock_guard<std::mutex> lock(mutex());
  if (session_set().count(session) == 0) return MPI_T_ERR_INVALID_SESSION;
  if (index < 0 || static_cast<size_t>(index) >= pvar_list().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  const PvarInfo& info = pvar_list()[static_cast<size_t>(index)];
  auto* h = new PvarHandle{session, index, object};
  if (info.watermark) h->mark = info.level->value();
  if (info.continuous) {
    do_start(info, h);
    if (info.watermark && h->slot < 0) {
      delete h;
      return MPI_T_ERR_OUT_OF_HANDLES;
    }
  }
  if (object != nullptr) object->retain();
  session->handles.push_back(h);
  *out = h;
  return MPI_SUCCESS;
}

int handle_free(Session* session, PvarHandle* handle) {
  std::lock_guard<std::mutex> lock(mutex());
  if (session_set().count(session) == 0) return MPI_T_ERR_INVALID_SESSION;
  auto it = std::find(session->handles.begin(), session->handles.end(), handle);
  if (it == session->handles.end()) return MPI_T_ERR_INVALID_HANDLE;
  session->handles.erase(it);
  free_handle_locked(handle);
  return MPI_SUCCESS;
}

namespace {

// The checks every handle operation shares; MPI_T_PVAR_ALL_HANDLES passes when `all_ok`.
int check_handle(Session* session, MPI_T_pvar_handle handle, bool all_ok) {
  if (session_set().count(session) == 0) return MPI_T_ERR_INVALID_SESSION;
  if (handle == MPI_T_PVAR_ALL_HANDLES) return all_ok ? MPI_SUCCESS : MPI_T_ERR_INVALID_HANDLE;
  // A handle of another session is not a handle of this one.
  if (handle == MPI_T_PVAR_HANDLE_NULL || !in_session(session, handle)) {
    return MPI_T_ERR_INVALID_HANDLE;
  }
  return MPI_SUCCESS;
}

const PvarInfo& info_of(const PvarHandle* h) { return pvar_list()[static_cast<size_t>(h->index)]; }

}  // namespace

int pvar_start(Session* session, MPI_T_pvar_handle handle) {
  std::lock_guard<std::mutex> lock(mutex());
  if (int err = check_handle(session, handle, true); err != MPI_SUCCESS) return err;
  if (handle == MPI_T_PVAR_ALL_HANDLES) {
    int result = MPI_SUCCESS;
    for (PvarHandle* h : session->handles) {
      const PvarInfo& info = info_of(h);
      if (info.continuous || h->started) continue;
      do_start(info, h);
      if (!h->started) result = MPI_T_ERR_PVAR_NO_STARTSTOP;
    }
    return result;
  }
  auto* h = reinterpret_cast<PvarHandle*>(handle);
  const PvarInfo& info = info_of(h);
  if (info.continuous) return MPI_T_ERR_PVAR_NO_STARTSTOP;
  do_start(info, h);
  return h->started ? MPI_SUCCESS : MPI_T_ERR_OUT_OF_HANDLES;
}

int pvar_stop(Session* session, MPI_T_pvar_handle handle) {
  std::lock_guard<std::mutex> lock(mutex());
  if (int err = check_handle(session, handle, true); err != MPI_SUCCESS) return err;
  if (handle == MPI_T_PVAR_ALL_HANDLES) {
    for (PvarHandle* h : session->handles) {
      const PvarInfo& info = info_of(h);
      if (!info.continuous) do_stop(info, h);
    }
    return MPI_SUCCESS;
  }
  auto* h = reinterpret_cast<PvarHandle*>(handle);
  const PvarInfo& info = info_of(h);
  if (info.continuous) return MPI_T_ERR_PVAR_NO_STARTSTOP;
  do_stop(info, h);
  return MPI_SUCCESS;
}

int pvar_read(Session* session, MPI_T_pvar_handle handle, void* buffer, bool reset) {
  std::lock_guard<std::mutex> lock(mutex());
  if (int err = check_handle(session, handle, false); err != MPI_SUCCESS) return err;
  auto* h = reinterpret_cast<PvarHandle*>(handle);
  const PvarInfo& info = info_of(h);
  if (reset && info.readonly) return MPI_T_ERR_PVAR_NO_WRITE;
  if (!reset) {
    store_value(info, current(info, *h), buffer);
    return MPI_SUCCESS;
  }
  // Read and reset from one load of the source, so no update falls between them.
  if (accumulates(info)) {
    const uint64_t now = source_value(info, *h);
    const uint64_t value = h->started ? h->accumulated + (now - h->base) : h->accumulated;
    h->accumulated = 0;
    h->base = now;
    store_value(info, value, buffer);
  } else if (info.watermark && h->started) {
    const uint64_t value =
        info.level->mark(h->slot).exchange(info.level->value(), std::memory_order_relaxed);
    store_value(info, value, buffer);
  } else {
    store_value(info, current(info, *h), buffer);
    do_reset(info, h);
  }
  return MPI_SUCCESS;
}

int pvar_write(Session* session, MPI_T_pvar_handle handle, const void* buffer) {
  std::lock_guard<std::mutex> lock(mutex());
  if (int err = check_handle(session, handle, false); err != MPI_SUCCESS) return err;
  auto* h = reinterpret_cast<PvarHandle*>(handle);
  const PvarInfo& info = info_of(h);
  if (info.readonly) return MPI_T_ERR_PVAR_NO_WRITE;
  uint64_t value = 0;
  if (info.type == MPI_DOUBLE) {
    double seconds = 0;
    std::memcpy(&seconds, buffer, sizeof seconds);
    if (!(seconds >= 0)) return MPI_T_ERR_INVALID;
    value = static_cast<uint64_t>(seconds * 1e9);
  } else {
    unsigned long long v = 0;
    std::memcpy(&v, buffer, sizeof v);
    value = v;
  }
  if (info.watermark) {
    if (h->started) {
      info.level->mark(h->slot).store(value, std::memory_order_relaxed);
    } else {
      h->mark = value;
    }
  } else {
    h->accumulated = value;
    h->base = source_value(info, *h);
  }
  return MPI_SUCCESS;
}

int pvar_reset(Session* session, MPI_T_pvar_handle handle) {
  std::lock_guard<std::mutex> lock(mutex());
  if (int err = check_handle(session, handle, true); err != MPI_SUCCESS) return err;
  if (handle == MPI_T_PVAR_ALL_HANDLES) {
    for (PvarHandle* h : session->handles) {
      const PvarInfo& info = info_of(h);
      if (!info.readonly) do_reset(info, h);
    }
    return MPI_SUCCESS;
  }
  auto* h = reinterpret_cast<PvarHandle*>(handle);
  const PvarInfo& info = info_of(h);
  if (info.readonly) return MPI_T_ERR_PVAR_NO_WRITE;
  do_reset(info, h);
  return MPI_SUCCESS;
}

// ---- events -----------------------------------------------------------------------------
namespace {

// The four safety levels in order; a callback registered for level i may run in every
// context that requires at most that level.
constexpr MPI_T_cb_safety kSafety[4] = {MPI_T_CB_REQUIRE_NONE, MPI_T_CB_REQUIRE_MPI_RESTRICTED,
                                        MPI_T_CB_REQUIRE_THREAD_SAFE,
                                        MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE};
int safety_slot(MPI_T_cb_safety safety) {
  for (int i = 0; i < 4; ++i) {
    if (kSafety[i] == safety) return i;
  }
  return -1;
}

}  // namespace

struct Registration {
  EventInfo* event;
  MPI_T_event_cb_function* callbacks[4] = {};
  void* user_data[4] = {};
  MPI_T_event_dropped_cb_function* dropped = nullptr;
  MPI_Count dropped_count = 0;
  int in_flight = 0;  // deliveries running now
  bool freed = false;
  MPI_T_event_free_cb_function* free_callback = nullptr;
  void* free_user_data = nullptr;
};

struct Instance {
  const EventInfo* event;
  int64_t timestamp;
  const char* data;
  size_t bytes;
};

namespace {

std::set<Registration*>& registration_set() {
  static std::set<Registration*> all;
  return all;
}
std::set<Instance*>& instance_set() {
  static std::set<Instance*> all;
  return all;
}

// Called with the mutex held once a registration is freed and no delivery runs: returns
// what the caller must call outside the mutex.
struct FreeCall {
  MPI_T_event_free_cb_function* callback = nullptr;
  Registration* registration = nullptr;
  void* user_data = nullptr;
};
FreeCall retire(Registration* r) {
  FreeCall call{r->free_callback, r, r->free_user_data};
  r->event->type->registrations_.fetch_sub(1, std::memory_order_relaxed);
  registration_set().erase(r);
  return call;
}
void finish_free(const FreeCall& call) {
  if (call.callback != nullptr) {
    call.callback(reinterpret_cast<MPI_T_event_registration>(call.registration),
                  MPI_T_CB_REQUIRE_MPI_RESTRICTED, call.user_data);
  }
  delete call.registration;
}

}  // namespace

void EventType::raise(const void* data, size_t bytes) {
  // Events rise inside MPI calls with the engine lock held: callbacks may call MPI_T but
  // nothing else of MPI, so the context guarantees MPI_T_CB_REQUIRE_MPI_RESTRICTED.
  constexpr int kContext = 1;
  Instance instance{&event_list()[static_cast<size_t>(index_)], now_ns(),
                    static_cast<const char*>(data), bytes};
  std::vector<Registration*> targets;
  {
    std::lock_guard<std::mutex> lock(mutex());
    for (Registration* r : registration_set()) {
      if (r->event->type != this || r->freed) continue;
      ++r->in_flight;
      targets.push_back(r);
    }
    instance_set().insert(&instance);
  }
  for (Registration* r : targets) {
    int slot = kContext;
    while (slot < 4 && r->callbacks[slot] == nullptr) ++slot;
    auto handle = reinterpret_cast<MPI_T_event_registration>(r);
    if (slot < 4) {
      r->callbacks[slot](reinterpret_cast<MPI_T_event_instance>(&instance), handle,
                         kSafety[kContext], r->user_data[slot]);
      continue;
    }
    // Only a callback that needs more than this context guarantees: the event is dropped
    // for this registration, and its dropped handler learns it.
    MPI_T_event_dropped_cb_function* dropped = nullptr;
    MPI_Count count = 0;
    void* user_data = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex());
      ++r->dropped_count;
      if (r->dropped != nullptr) {
        dropped = r->dropped;
        count = r->dropped_count;
        r->dropped_count = 0;
        user_data = r->user_data[0];
      }
    }
    if (dropped != nullptr) dropped(count, handle, 0, kSafety[kContext], user_data);
  }
  std::vector<FreeCall> frees;
  {
    std::lock_guard<std::mutex> lock(mutex());
    instance_set().erase(&instance);
    for (Registration* r : targets) {
      if (--r->in_flight == 0 && r->freed) frees.push_back(retire(r));
    }
  }
  for (const FreeCall& call : frees) finish_free(call);
}

bool is_registration(const void* registration) {
  std::lock_guard<std::mutex> lock(mutex());
  auto* r = static_cast<Registration*>(const_cast<void*>(registration));
  return registration_set().count(r) != 0 && !r->freed;
}

int registration_alloc(int event_index, Registration** out) {
  std::lock_guard<std::mutex> lock(mutex());
  if (event_index < 0 || static_cast<size_t>(event_index) >= event_list().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  auto* r = new Registration();
  r->event = &event_list()[static_cast<size_t>(event_index)];
  registration_set().insert(r);
  r->event->type->registrations_.fetch_add(1, std::memory_order_relaxed);
  *out = r;
  return MPI_SUCCESS;
}

int register_callback(Registration* r, MPI_T_cb_safety safety, void* user_data,
                      MPI_T_event_cb_function* callback) {
  std::lock_guard<std::mutex> lock(mutex());
  if (registration_set().count(r) == 0 || r->freed) return MPI_T_ERR_INVALID_HANDLE;
  const int slot = safety_slot(safety);
  if (slot < 0) return MPI_T_ERR_INVALID;
  r->callbacks[slot] = callback;
  r->user_data[slot] = user_data;
  return MPI_SUCCESS;
}

int set_dropped_handler(Registration* r, MPI_T_event_dropped_cb_function* handler) {
  std::lock_guard<std::mutex> lock(mutex());
  if (registration_set().count(r) == 0 || r->freed) return MPI_T_ERR_INVALID_HANDLE;
  r->dropped = handler;
  return MPI_SUCCESS;
}

int registration_free(Registration* r, void* user_data,
                      MPI_T_event_free_cb_function* free_callback) {
  FreeCall call;
  {
    std::lock_guard<std::mutex> lock(mutex());
    if (registration_set().count(r) == 0 || r->freed) return MPI_T_ERR_INVALID_HANDLE;
    r->freed = true;
    r->free_callback = free_callback;
    r->free_user_data = user_data;
    // A delivery still running calls the free callback when it ends.
    if (r->in_flight > 0) return MPI_SUCCESS;
    call = retire(r);
  }
  finish_free(call);
  return MPI_SUCCESS;
}

bool is_instance(const void* instance) {
  std::lock_guard<std::mutex> lock(mutex());
  return instance_set().count(static_cast<Instance*>(const_cast<void*>(instance))) != 0;
}

int instance_read(Instance* instance, int element, void* buffer) {
  std::lock_guard<std::mutex> lock(mutex());
  if (instance_set().count(instance) == 0) return MPI_T_ERR_INVALID_HANDLE;
  const auto& elements = instance->event->elements;
  if (element < 0 || static_cast<size_t>(element) >= elements.size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  const Element& e = elements[static_cast<size_t>(element)];
  std::memcpy(buffer, instance->data + e.displacement, e.size);
  return MPI_SUCCESS;
}

int instance_copy(Instance* instance, void* buffer) {
  std::lock_guard<std::mutex> lock(mutex());
  if (instance_set().count(instance) == 0) return MPI_T_ERR_INVALID_HANDLE;
  std::memcpy(buffer, instance->data, instance->bytes);
  return MPI_SUCCESS;
}

int instance_timestamp(Instance* instance, MPI_Count* out) {
  std::lock_guard<std::mutex> lock(mutex());
  if (instance_set().count(instance) == 0) return MPI_T_ERR_INVALID_HANDLE;
  *out = instance->timestamp;
  return MPI_SUCCESS;
}

int instance_source(Instance* instance, int* out) {
  std::lock_guard<std::mutex> lock(mutex());
  if (instance_set().count(instance) == 0) return MPI_T_ERR_INVALID_HANDLE;
  *out = 0;
  return MPI_SUCCESS;
}

void free_all() {
  std::vector<FreeCall> frees;
  {
    std::lock_guard<std::mutex> lock(mutex());
    for (Session* session : session_set()) {
      for (PvarHandle* h : session->handles) free_handle_locked(h);
      delete session;
    }
    session_set().clear();
    std::vector<Registration*> all(registration_set().begin(), registration_set().end());
    for (Registration* r : all) {
      if (r->in_flight > 0) {
        r->freed = true;  // the delivery running now retires it
        continue;
      }
      r->free_callback = nullptr;
      frees.push_back(retire(r));
    }
  }
  for (const FreeCall& call : frees) finish_free(call);
}

}  // namespace weft::mpit
