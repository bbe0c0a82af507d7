// The MPI tool information interface (MPI_T): the 51 entry points over base/mpit.h (pvars,
// sessions, events, categories) and base/config.h (every WEFT_* Setting is a control
// variable). docs/tools-interface.md lists the variables, categories and events.
//
// MPI_T has rules of its own, which these entry points follow rather than api.h's:
// - every call works before MPI_Init and after MPI_Finalize, between MPI_T_init_thread and
//   the matching MPI_T_finalize (reference counted); outside, MPI_T_ERR_NOT_INITIALIZED;
// - errors are returned as MPI_T error classes and never reach an error handler;
// - strings follow the MPI_T convention (put_string below);
// - every call may come from any thread: the registry's mutex (base/mpit.h) orders them.
#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/mpit.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/info.h"
#include "p2p/lock.h"

namespace weft::api {
namespace {

using mpit::Category;

// ---- initialization ------------------------------------------------------------------
int g_users = 0;  // MPI_T_init_thread calls not yet finalized; under mpit::mutex()
// Held through MPI_T_init_thread and MPI_T_finalize: the last finalize frees everything
// (outside mpit::mutex()), and a concurrent first init must not lose its new objects to it.
std::mutex g_init_mutex;

bool initialized() {
  std::lock_guard<std::mutex> lock(mpit::mutex());
  return g_users > 0;
}

// The MPI_T string convention: with `length` NULL nothing is returned; with `buffer` NULL
// or *length 0 only the length (with the terminating null) is; otherwise at most
// *length - 1 characters and a null, and *length is the full length plus one.
void put_string(const std::string& text, char* buffer, int* length) {
  if (length == nullptr) return;
  const int full = static_cast<int>(text.size()) + 1;
  if (buffer != nullptr && *length > 0) {
    const size_t n = std::min(text.size(), static_cast<size_t>(*length - 1));
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
  }
  *length = full;
}

// ---- control variables: every Setting ------------------------------------------------
// In the order of config::settings() (by name), fixed once the program has started.
const std::vector<const config::Setting*>& cvars() {
  static const std::vector<const config::Setting*> all = config::settings();
  return all;
}

// The string a cvar handle holds at most (with its null): paths fit.
constexpr int kStringCount = 4096;

// The enumeration of a Setting that names one of several choices: 0 "auto" (the selection
// table decides), then the choices from 1.
const mpit::Enum* cvar_enum(const config::Setting& setting) {
  static std::map<const config::Setting*, const mpit::Enum*> made;
  static std::mutex made_mutex;
  std::lock_guard<std::mutex> lock(made_mutex);
  auto it = made.find(&setting);
  if (it != made.end()) return it->second;
  const std::vector<std::string> choices = setting.choices();
  if (choices.empty()) return made[&setting] = nullptr;
  std::vector<std::pair<int, std::string>> items{{0, "auto"}};
  for (size_t i = 0; i < choices.size(); ++i) {
    items.emplace_back(static_cast<int>(i + 1), choices[i]);
  }
  return made[&setting] = mpit::make_enum(setting.name(), std::move(items));
}

MPI_Datatype cvar_type(const config::Setting& setting) {
  if (!setting.choices().empty()) return MPI_INT;
  switch (setting.type()) {
    case config::Type::integer:
    case config::Type::boolean:
      return MPI_INT;
    case config::Type::bytes:
      return MPI_UNSIGNED_LONG_LONG;
    case config::Type::string:
      break;
  }
  return MPI_CHAR;
}

int cvar_scope(const config::Setting& setting) {
  switch (setting.write_mode()) {
    case config::Write::never:
      return MPI_T_SCOPE_CONSTANT;
    case config::Write::any_time_local:
      return MPI_T_SCOPE_LOCAL;
    case config::Write::any_time_all_equal:
      return MPI_T_SCOPE_ALL_EQ;
  }
  return MPI_T_SCOPE_CONSTANT;
}

std::string cvar_description(const config::Setting& setting) {
  std::string text = setting.description();
  text += " (environment variable; default: ";
  text += *setting.default_value() ? setting.default_value() : "automatic";
  text += setting.write_mode() == config::Write::never ? "; fixed for the run)"
                                                       : "; writable at run time)";
  return text;
}

// The cvar's value as an int: an enumerated Setting gives the index of its choice (0 when
// unset; a number written out of range reads back as written), others their number.
int cvar_int(const config::Setting& setting) {
  const std::string text = setting.text();
  const std::vector<std::string> choices = setting.choices();
  if (!choices.empty()) {
    if (text.size() > 1 && text[0] == '#') return std::atoi(text.c_str() + 1);
    for (size_t i = 0; i < choices.size(); ++i) {
      if (choices[i] == text) return static_cast<int>(i + 1);
    }
    return 0;  // unset, or a name the environment gave that names no choice: the table
  }
  int64_t value = 0;
  if (config::parse_integer(text, false, &value)) {
    return static_cast<int>(std::clamp<int64_t>(value, INT_MIN, INT_MAX));
  }
  if (setting.type() == config::Type::boolean) return setting.boolean() ? 1 : 0;
  return static_cast<int>(std::clamp<int64_t>(setting.integer(), INT_MIN, INT_MAX));
}

// What a write of the int `value` makes the Setting's text.
std::string cvar_int_text(const config::Setting& setting, int value) {
  const std::vector<std::string> choices = setting.choices();
  if (!choices.empty()) {
    if (value == 0) return "";
    if (value > 0 && static_cast<size_t>(value) <= choices.size()) {
      return choices[static_cast<size_t>(value - 1)];
    }
    // Not a choice: selection treats it as an unknown name (the table decides, with a
    // warning, or the call fails under WEFT_COLL_STRICT), as it does the environment's.
    return "#" + std::to_string(value);
  }
  return std::to_string(value);
}

struct CvarHandle {
  const config::Setting* setting;
  MPI_Datatype type;
};
std::set<CvarHandle*> g_cvar_handles;  // under mpit::mutex()

int find_cvar_handle(MPI_T_cvar_handle handle, CvarHandle** out) {
  std::lock_guard<std::mutex> lock(mpit::mutex());
  auto* h = reinterpret_cast<CvarHandle*>(handle);
  if (g_cvar_handles.count(h) == 0) return MPI_T_ERR_INVALID_HANDLE;
  *out = h;
  return MPI_SUCCESS;
}

// ---- categories ------------------------------------------------------------------------
struct CategoryMembers {
  std::vector<int> cvars, pvars, events, categories;
};
const std::vector<CategoryMembers>& category_members() {
  static const std::vector<CategoryMembers> all = [] {
    std::vector<CategoryMembers> out(mpit::kCategoryCount);
    for (size_t i = 0; i < cvars().size(); ++i) {
      out[static_cast<size_t>(mpit::category_of(*cvars()[i]))].cvars.push_back(static_cast<int>(i));
    }
    for (size_t i = 0; i < mpit::pvars().size(); ++i) {
      out[static_cast<size_t>(mpit::pvars()[i].category)].pvars.push_back(static_cast<int>(i));
    }
    for (size_t i = 0; i < mpit::events().size(); ++i) {
      out[static_cast<size_t>(mpit::events()[i].category)].events.push_back(static_cast<int>(i));
    }
    for (int c = 1; c < mpit::kCategoryCount; ++c) out[0].categories.push_back(c);
    return out;
  }();
  return all;
}

int category_lists(int cat_index, int len, int indices[],
                   std::vector<int> CategoryMembers::*list) {
  if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;
  if (cat_index < 0 || cat_index >= mpit::kCategoryCount) return MPI_T_ERR_INVALID_INDEX;
  if (len < 0 || (len > 0 && indices == nullptr)) return MPI_T_ERR_INVALID;
  const std::vector<int>& members = category_members()[static_cast<size_t>(cat_index)].*list;
  for (size_t i = 0; i < members.size() && static_cast<int>(i) < len; ++i) indices[i] = members[i];
  return MPI_SUCCESS;
}

// A new, empty info object (MPI_T keeps no hints: none changes what it does).
int new_info(MPI_Info* out) {
  if (out == nullptr) return MPI_SUCCESS;
  *out = (new Info())->handle();
  return MPI_SUCCESS;
}

bool is_thread_level(int level) {
  return level == MPI_THREAD_SINGLE || level == MPI_THREAD_FUNNELED ||
         level == MPI_THREAD_SERIALIZED || level == MPI_THREAD_MULTIPLE;
}

bool is_safety(MPI_T_cb_safety safety) {
  return safety == MPI_T_CB_REQUIRE_NONE || safety == MPI_T_CB_REQUIRE_MPI_RESTRICTED ||
         safety == MPI_T_CB_REQUIRE_THREAD_SAFE || safety == MPI_T_CB_REQUIRE_ASYNC_SIGNAL_SAFE;
}

// The event source: the steady clock, in nanoseconds.
constexpr const char* kSourceName = "weft_steady_clock";
constexpr const char* kSourceDescription =
    "The process's monotonic clock (std::chrono::steady_clock) in nanoseconds; every weft "
    "event is stamped with it, in the order the events happened.";

mpit::Registration* as_registration(MPI_T_event_registration r) {
  return reinterpret_cast<mpit::Registration*>(r);
}
mpit::Instance* as_instance(MPI_T_event_instance i) {
  return reinterpret_cast<mpit::Instance*>(i);
}
mpit::Session* as_session(MPI_T_pvar_session s) { return reinterpret_cast<mpit::Session*>(s); }

}  // namespace
}  // namespace weft::api

using weft::api::initialized;
using weft::api::put_string;
namespace mpit = weft::mpit;
namespace api = weft::api;

#define WEFT_T_ENTER()                                     \
  do {                                                     \
    if (!initialized()) return MPI_T_ERR_NOT_INITIALIZED;  \
  } while (0)

// ---- initialization ------------------------------------------------------------------
extern "C" int PMPI_T_init_thread(int required, int* provided) {
  if (!api::is_thread_level(required) || provided == nullptr) return MPI_T_ERR_INVALID;
  std::lock_guard<std::mutex> init(api::g_init_mutex);
  {
    std::lock_guard<std::mutex> lock(mpit::mutex());
    ++api::g_users;
  }
  // Fix the variable lists now (start-up has registered everything by the time main runs).
  (void)api::cvars();
  (void)api::category_members();
  // The registry's mutex serializes every MPI_T call: all levels are provided.
  *provided = required;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_finalize() {
  std::lock_guard<std::mutex> init(api::g_init_mutex);
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mpit::mutex());
    if (api::g_users == 0) return MPI_T_ERR_NOT_INITIALIZED;
    last = --api::g_users == 0;
    if (last) {
      for (api::CvarHandle* h : api::g_cvar_handles) delete h;
      api::g_cvar_handles.clear();
    }
  }
  if (last) mpit::free_all();
  return MPI_SUCCESS;
}

// ---- control variables ---------------------------------------------------------------
extern "C" int PMPI_T_cvar_get_num(int* num_cvar) {
  WEFT_T_ENTER();
  if (num_cvar == nullptr) return MPI_T_ERR_INVALID;
  *num_cvar = static_cast<int>(api::cvars().size());
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_cvar_get_info(int cvar_index, char* name, int* name_len, int* verbosity,
                                    MPI_Datatype* datatype, MPI_T_enum* enumtype, char* desc,
                                    int* desc_len, int* bind, int* scope) {
  WEFT_T_ENTER();
  if (cvar_index < 0 || static_cast<size_t>(cvar_index) >= api::cvars().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  const weft::config::Setting& s = *api::cvars()[static_cast<size_t>(cvar_index)];
  put_string(s.name(), name, name_len);
  if (verbosity != nullptr) {
    *verbosity = s.write_mode() == weft::config::Write::never ? MPI_T_VERBOSITY_USER_DETAIL
                                                              : MPI_T_VERBOSITY_TUNER_BASIC;
  }
  if (datatype != nullptr) *datatype = api::cvar_type(s);
  if (enumtype != nullptr) {
    const mpit::Enum* e = api::cvar_enum(s);
    *enumtype = e != nullptr ? reinterpret_cast<MPI_T_enum>(const_cast<mpit::Enum*>(e))
                             : MPI_T_ENUM_NULL;
  }
  put_string(api::cvar_description(s), desc, desc_len);
  if (bind != nullptr) *bind = MPI_T_BIND_NO_OBJECT;
  if (scope != nullptr) *scope = api::cvar_scope(s);
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_cvar_get_index(const char* name, int* cvar_index) {
  WEFT_T_ENTER();
  if (name == nullptr || cvar_index == nullptr) return MPI_T_ERR_INVALID;
  for (size_t i = 0; i < api::cvars().size(); ++i) {
    if (std::strcmp(api::cvars()[i]->name(), name) == 0) {
      *cvar_index = static_cast<int>(i);
      return MPI_SUCCESS;
    }
  }
  return MPI_T_ERR_INVALID_NAME;
}

extern "C" int PMPI_T_cvar_handle_alloc(int cvar_index, void* obj_handle,
                                        MPI_T_cvar_handle* handle, int* count) {
  (void)obj_handle;  // every weft cvar is bound to no object: ignored, as the standard says
  WEFT_T_ENTER();
  if (cvar_index < 0 || static_cast<size_t>(cvar_index) >= api::cvars().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  if (handle == nullptr || count == nullptr) return MPI_T_ERR_INVALID;
  const weft::config::Setting& s = *api::cvars()[static_cast<size_t>(cvar_index)];
  auto* h = new api::CvarHandle{&s, api::cvar_type(s)};
  {
    std::lock_guard<std::mutex> lock(mpit::mutex());
    api::g_cvar_handles.insert(h);
  }
  *handle = reinterpret_cast<MPI_T_cvar_handle>(h);
  *count = h->type == MPI_CHAR ? api::kStringCount : 1;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_cvar_handle_free(MPI_T_cvar_handle* handle) {
  WEFT_T_ENTER();
  if (handle == nullptr) return MPI_T_ERR_INVALID;
  std::lock_guard<std::mutex> lock(mpit::mutex());
  auto* h = reinterpret_cast<api::CvarHandle*>(*handle);
  if (api::g_cvar_handles.erase(h) == 0) return MPI_T_ERR_INVALID_HANDLE;
  delete h;
  *handle = MPI_T_CVAR_HANDLE_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_cvar_read(MPI_T_cvar_handle handle, void* buf) {
  WEFT_T_ENTER();
  api::CvarHandle* h = nullptr;
  if (int err = api::find_cvar_handle(handle, &h); err != MPI_SUCCESS) return err;
  if (buf == nullptr) return MPI_T_ERR_INVALID;
  const weft::config::Setting& s = *h->setting;
  if (h->type == MPI_CHAR) {
    const std::string text = s.text();
    const size_t n = std::min(text.size(), static_cast<size_t>(api::kStringCount - 1));
    std::memcpy(buf, text.data(), n);
    static_cast<char*>(buf)[n] = '\0';
  } else if (h->type == MPI_UNSIGNED_LONG_LONG) {
    const unsigned long long value = static_cast<unsigned long long>(s.integer());
    std::memcpy(buf, &value, sizeof value);
  } else {
    const int value = api::cvar_int(s);
    std::memcpy(buf, &value, sizeof value);
  }
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_cvar_write(MPI_T_cvar_handle handle, const void* buf) {
  WEFT_T_ENTER();
  api::CvarHandle* h = nullptr;
  if (int err = api::find_cvar_handle(handle, &h); err != MPI_SUCCESS) return err;
  if (buf == nullptr) return MPI_T_ERR_INVALID;
  const weft::config::Setting& s = *h->setting;
  if (s.write_mode() == weft::config::Write::never) return MPI_T_ERR_CVAR_SET_NEVER;
  std::string text;
  if (h->type == MPI_CHAR) {
    const char* chars = static_cast<const char*>(buf);
    text.assign(chars, strnlen(chars, api::kStringCount - 1));
  } else if (h->type == MPI_UNSIGNED_LONG_LONG) {
    unsigned long long value = 0;
    std::memcpy(&value, buf, sizeof value);
    if (value > static_cast<unsigned long long>(INT64_MAX)) return MPI_T_ERR_INVALID;
    text = std::to_string(value);
  } else {
    int value = 0;
    std::memcpy(&value, buf, sizeof value);
    text = api::cvar_int_text(s, value);
  }
  // The module applies the value where the engine lock guards it.
  weft::EngineGuard guard;
  s.write(text);
  return MPI_SUCCESS;
}

// ---- enumerations --------------------------------------------------------------------
extern "C" int PMPI_T_enum_get_info(MPI_T_enum enumtype, int* num, char* name, int* name_len) {
  WEFT_T_ENTER();
  if (!mpit::is_enum(enumtype)) return MPI_T_ERR_INVALID_HANDLE;
  const auto* e = reinterpret_cast<const mpit::Enum*>(enumtype);
  if (num != nullptr) *num = static_cast<int>(e->items.size());
  put_string(e->name, name, name_len);
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_enum_get_item(MPI_T_enum enumtype, int indx, int* value, char* name,
                                    int* name_len) {
  WEFT_T_ENTER();
  if (!mpit::is_enum(enumtype)) return MPI_T_ERR_INVALID_HANDLE;
  const auto* e = reinterpret_cast<const mpit::Enum*>(enumtype);
  if (indx < 0 || static_cast<size_t>(indx) >= e->items.size()) return MPI_T_ERR_INVALID_ITEM;
  if (value == nullptr) return MPI_T_ERR_INVALID;
  const auto& item = e->items[static_cast<size_t>(indx)];
  *value = item.first;
  put_string(item.second, name, name_len);
  return MPI_SUCCESS;
}

// ---- performance variables -----------------------------------------------------------
extern "C" int PMPI_T_pvar_get_num(int* num_pvar) {
  WEFT_T_ENTER();
  if (num_pvar == nullptr) return MPI_T_ERR_INVALID;
  *num_pvar = static_cast<int>(mpit::pvars().size());
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_pvar_get_info(int pvar_index, char* name, int* name_len, int* verbosity,
                                    int* var_class, MPI_Datatype* datatype,
                                    MPI_T_enum* enumtype, char* desc, int* desc_len, int* bind,
                                    int* readonly, int* continuous, int* atomic) {
  WEFT_T_ENTER();
  if (pvar_index < 0 || static_cast<size_t>(pvar_index) >= mpit::pvars().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  const mpit::PvarInfo& p = mpit::pvars()[static_cast<size_t>(pvar_index)];
  put_string(p.name, name, name_len);
  if (verbosity != nullptr) *verbosity = MPI_T_VERBOSITY_USER_BASIC;
  if (var_class != nullptr) *var_class = p.var_class;
  if (datatype != nullptr) *datatype = p.type;
  if (enumtype != nullptr) {
    *enumtype = p.enumtype != nullptr
                    ? reinterpret_cast<MPI_T_enum>(const_cast<mpit::Enum*>(p.enumtype))
                    : MPI_T_ENUM_NULL;
  }
  put_string(p.description, desc, desc_len);
  if (bind != nullptr) *bind = p.bind;
  if (readonly != nullptr) *readonly = p.readonly ? 1 : 0;
  if (continuous != nullptr) *continuous = p.continuous ? 1 : 0;
  // Read-and-reset takes one load of the source: atomic.
  if (atomic != nullptr) *atomic = 1;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_pvar_get_index(const char* name, int var_class, int* pvar_index) {
  WEFT_T_ENTER();
  if (name == nullptr || pvar_index == nullptr) return MPI_T_ERR_INVALID;
  for (size_t i = 0; i < mpit::pvars().size(); ++i) {
    const mpit::PvarInfo& p = mpit::pvars()[i];
    if (p.var_class == var_class && p.name == name) {
      *pvar_index = static_cast<int>(i);
      return MPI_SUCCESS;
    }
  }
  return MPI_T_ERR_INVALID_NAME;
}

extern "C" int PMPI_T_pvar_session_create(MPI_T_pvar_session* session) {
  WEFT_T_ENTER();
  if (session == nullptr) return MPI_T_ERR_INVALID;
  mpit::Session* made = nullptr;
  mpit::session_create(&made);
  *session = reinterpret_cast<MPI_T_pvar_session>(made);
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_pvar_session_free(MPI_T_pvar_session* session) {
  WEFT_T_ENTER();
  if (session == nullptr) return MPI_T_ERR_INVALID;
  if (int err = mpit::session_free(api::as_session(*session)); err != MPI_SUCCESS) return err;
  *session = MPI_T_PVAR_SESSION_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_pvar_handle_alloc(MPI_T_pvar_session session, int pvar_index,
                                        void* obj_handle, MPI_T_pvar_handle* handle,
                                        int* count) {
  WEFT_T_ENTER();
  if (!mpit::is_session(session)) return MPI_T_ERR_INVALID_SESSION;
  if (pvar_index < 0 || static_cast<size_t>(pvar_index) >= mpit::pvars().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  if (handle == nullptr || count == nullptr) return MPI_T_ERR_INVALID;
  const mpit::PvarInfo& p = mpit::pvars()[static_cast<size_t>(pvar_index)];
  weft::Object* object = nullptr;
  if (p.bind == MPI_T_BIND_MPI_COMM) {
    // obj_handle points at the communicator's handle, which must name a live one.
    if (obj_handle == nullptr) return MPI_T_ERR_INVALID_HANDLE;
    weft::EngineGuard guard;
    weft::Comm* comm = weft::comm_from_handle(*static_cast<MPI_Comm*>(obj_handle));
    if (comm == nullptr) return MPI_T_ERR_INVALID_HANDLE;
    object = comm;
    object->retain();  // until the handle holds its own reference
  }
  mpit::PvarHandle* made = nullptr;
  const int err = mpit::handle_alloc(api::as_session(session), pvar_index, object, &made);
  if (object != nullptr) object->release();
  if (err != MPI_SUCCESS) return err;
  *handle = reinterpret_cast<MPI_T_pvar_handle>(made);
  *count = 1;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_pvar_handle_free(MPI_T_pvar_session session, MPI_T_pvar_handle* handle) {
  WEFT_T_ENTER();
  if (handle == nullptr) return MPI_T_ERR_INVALID;
  if (*handle == MPI_T_PVAR_ALL_HANDLES) return MPI_T_ERR_INVALID_HANDLE;
  if (int err = mpit::handle_free(api::as_session(session),
                                  reinterpret_cast<mpit::PvarHandle*>(*handle));
      err != MPI_SUCCESS) {
    return err;
  }
  *handle = MPI_T_PVAR_HANDLE_NULL;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_pvar_start(MPI_T_pvar_session session, MPI_T_pvar_handle handle) {
  WEFT_T_ENTER();
  return mpit::pvar_start(api::as_session(session), handle);
}

extern "C" int PMPI_T_pvar_stop(MPI_T_pvar_session session, MPI_T_pvar_handle handle) {
  WEFT_T_ENTER();
  return mpit::pvar_stop(api::as_session(session), handle);
}

extern "C" int PMPI_T_pvar_read(MPI_T_pvar_session session, MPI_T_pvar_handle handle,
                                void* buf) {
  WEFT_T_ENTER();
  if (buf == nullptr) return MPI_T_ERR_INVALID;
  return mpit::pvar_read(api::as_session(session), handle, buf, false);
}

extern "C" int PMPI_T_pvar_readreset(MPI_T_pvar_session session, MPI_T_pvar_handle handle,
                                     void* buf) {
  WEFT_T_ENTER();
  if (buf == nullptr) return MPI_T_ERR_INVALID;
  return mpit::pvar_read(api::as_session(session), handle, buf, true);
}

extern "C" int PMPI_T_pvar_write(MPI_T_pvar_session session, MPI_T_pvar_handle handle,
                                 const void* buf) {
  WEFT_T_ENTER();
  if (buf == nullptr) return MPI_T_ERR_INVALID;
  return mpit::pvar_write(api::as_session(session), handle, buf);
}

extern "C" int PMPI_T_pvar_reset(MPI_T_pvar_session session, MPI_T_pvar_handle handle) {
  WEFT_T_ENTER();
  return mpit::pvar_reset(api::as_session(session), handle);
}

// ---- categories ----------------------------------------------------------------------
extern "C" int PMPI_T_category_get_num(int* num_cat) {
  WEFT_T_ENTER();
  if (num_cat == nullptr) return MPI_T_ERR_INVALID;
  *num_cat = mpit::kCategoryCount;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_category_get_info(int cat_index, char* name, int* name_len, char* desc,
                                        int* desc_len, int* num_cvars, int* num_pvars,
                                        int* num_categories) {
  WEFT_T_ENTER();
  if (cat_index < 0 || cat_index >= mpit::kCategoryCount) return MPI_T_ERR_INVALID_INDEX;
  const mpit::CategoryInfo& info = mpit::category_info(static_cast<mpit::Category>(cat_index));
  const api::CategoryMembers& m = api::category_members()[static_cast<size_t>(cat_index)];
  put_string(info.name, name, name_len);
  put_string(info.description, desc, desc_len);
  if (num_cvars != nullptr) *num_cvars = static_cast<int>(m.cvars.size());
  if (num_pvars != nullptr) *num_pvars = static_cast<int>(m.pvars.size());
  if (num_categories != nullptr) *num_categories = static_cast<int>(m.categories.size());
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_category_get_index(const char* name, int* cat_index) {
  WEFT_T_ENTER();
  if (name == nullptr || cat_index == nullptr) return MPI_T_ERR_INVALID;
  for (int c = 0; c < mpit::kCategoryCount; ++c) {
    if (std::strcmp(mpit::category_info(static_cast<mpit::Category>(c)).name, name) == 0) {
      *cat_index = c;
      return MPI_SUCCESS;
    }
  }
  return MPI_T_ERR_INVALID_NAME;
}

extern "C" int PMPI_T_category_get_cvars(int cat_index, int len, int indices[]) {
  return api::category_lists(cat_index, len, indices, &api::CategoryMembers::cvars);
}

extern "C" int PMPI_T_category_get_pvars(int cat_index, int len, int indices[]) {
  return api::category_lists(cat_index, len, indices, &api::CategoryMembers::pvars);
}

extern "C" int PMPI_T_category_get_events(int cat_index, int len, int indices[]) {
  return api::category_lists(cat_index, len, indices, &api::CategoryMembers::events);
}

extern "C" int PMPI_T_category_get_categories(int cat_index, int len, int indices[]) {
  return api::category_lists(cat_index, len, indices, &api::CategoryMembers::categories);
}

extern "C" int PMPI_T_category_get_num_events(int cat_index, int* num_events) {
  WEFT_T_ENTER();
  if (cat_index < 0 || cat_index >= mpit::kCategoryCount) return MPI_T_ERR_INVALID_INDEX;
  if (num_events == nullptr) return MPI_T_ERR_INVALID;
  *num_events =
      static_cast<int>(api::category_members()[static_cast<size_t>(cat_index)].events.size());
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_category_changed(int* update_number) {
  WEFT_T_ENTER();
  if (update_number == nullptr) return MPI_T_ERR_INVALID;
  // Every variable, event and category exists from start-up on: the number never moves.
  *update_number = mpit::category_update_number();
  return MPI_SUCCESS;
}

// ---- event sources -------------------------------------------------------------------
extern "C" int PMPI_T_source_get_num(int* num_sources) {
  WEFT_T_ENTER();
  if (num_sources == nullptr) return MPI_T_ERR_INVALID;
  *num_sources = 1;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_source_get_info(int source_index, char* name, int* name_len, char* desc,
                                      int* desc_len, MPI_T_source_order* ordering,
                                      MPI_Count* ticks_per_second, MPI_Count* max_ticks,
                                      MPI_Info* info) {
  WEFT_T_ENTER();
  if (source_index != 0) return MPI_T_ERR_INVALID_INDEX;
  put_string(api::kSourceName, name, name_len);
  put_string(api::kSourceDescription, desc, desc_len);
  if (ordering != nullptr) *ordering = MPI_T_SOURCE_ORDERED;
  if (ticks_per_second != nullptr) *ticks_per_second = 1000000000;
  if (max_ticks != nullptr) *max_ticks = INT64_MAX;
  return api::new_info(info);
}

extern "C" int PMPI_T_source_get_timestamp(int source_index, MPI_Count* timestamp) {
  WEFT_T_ENTER();
  if (source_index != 0) return MPI_T_ERR_INVALID_INDEX;
  if (timestamp == nullptr) return MPI_T_ERR_INVALID;
  *timestamp = mpit::now_ns();
  return MPI_SUCCESS;
}

// ---- events --------------------------------------------------------------------------
extern "C" int PMPI_T_event_get_num(int* num_events) {
  WEFT_T_ENTER();
  if (num_events == nullptr) return MPI_T_ERR_INVALID;
  *num_events = static_cast<int>(mpit::events().size());
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_event_get_info(int event_index, char* name, int* name_len, int* verbosity,
                                     MPI_Datatype array_of_datatypes[],
                                     MPI_Aint array_of_displacements[], int* num_elements,
                                     MPI_T_enum* enumtype, MPI_Info* info, char* desc,
                                     int* desc_len, int* bind) {
  WEFT_T_ENTER();
  if (event_index < 0 || static_cast<size_t>(event_index) >= mpit::events().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  const mpit::EventInfo& e = mpit::events()[static_cast<size_t>(event_index)];
  put_string(e.name, name, name_len);
  if (verbosity != nullptr) *verbosity = MPI_T_VERBOSITY_USER_DETAIL;
  // num_elements: in, the length of the arrays; out, the number of elements.
  if (num_elements != nullptr) {
    const size_t room = *num_elements > 0 ? static_cast<size_t>(*num_elements) : 0;
    for (size_t i = 0; i < e.elements.size() && i < room; ++i) {
      if (array_of_datatypes != nullptr) array_of_datatypes[i] = e.elements[i].type;
      if (array_of_displacements != nullptr) {
        array_of_displacements[i] = static_cast<MPI_Aint>(e.elements[i].displacement);
      }
    }
    *num_elements = static_cast<int>(e.elements.size());
  }
  if (enumtype != nullptr) *enumtype = MPI_T_ENUM_NULL;
  put_string(e.description, desc, desc_len);
  if (bind != nullptr) *bind = MPI_T_BIND_NO_OBJECT;
  return api::new_info(info);
}

extern "C" int PMPI_T_event_get_index(const char* name, int* event_index) {
  WEFT_T_ENTER();
  if (name == nullptr || event_index == nullptr) return MPI_T_ERR_INVALID;
  for (size_t i = 0; i < mpit::events().size(); ++i) {
    if (mpit::events()[i].name == name) {
      *event_index = static_cast<int>(i);
      return MPI_SUCCESS;
    }
  }
  return MPI_T_ERR_INVALID_NAME;
}

extern "C" int PMPI_T_event_handle_alloc(int event_index, void* obj_handle, MPI_Info info,
                                         MPI_T_event_registration* event_registration) {
  (void)obj_handle;  // weft's events are bound to no object
  (void)info;        // no hints change what a registration does
  WEFT_T_ENTER();
  if (event_index < 0 || static_cast<size_t>(event_index) >= mpit::events().size()) {
    return MPI_T_ERR_INVALID_INDEX;
  }
  if (event_registration == nullptr) return MPI_T_ERR_INVALID;
  mpit::Registration* made = nullptr;
  if (int err = mpit::registration_alloc(event_index, &made); err != MPI_SUCCESS) return err;
  *event_registration = reinterpret_cast<MPI_T_event_registration>(made);
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_event_handle_set_info(MPI_T_event_registration event_registration,
                                            MPI_Info info) {
  (void)info;
  WEFT_T_ENTER();
  if (!mpit::is_registration(event_registration)) return MPI_T_ERR_INVALID_HANDLE;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_event_handle_get_info(MPI_T_event_registration event_registration,
                                            MPI_Info* info_used) {
  WEFT_T_ENTER();
  if (!mpit::is_registration(event_registration)) return MPI_T_ERR_INVALID_HANDLE;
  if (info_used == nullptr) return MPI_T_ERR_INVALID;
  return api::new_info(info_used);
}

extern "C" int PMPI_T_event_register_callback(MPI_T_event_registration event_registration,
                                              MPI_T_cb_safety cb_safety, MPI_Info info,
                                              void* user_data,
                                              MPI_T_event_cb_function event_cb_function) {
  (void)info;
  WEFT_T_ENTER();
  if (!api::is_safety(cb_safety)) return MPI_T_ERR_INVALID;
  return mpit::register_callback(api::as_registration(event_registration), cb_safety, user_data,
                                 event_cb_function);
}

extern "C" int PMPI_T_event_callback_set_info(MPI_T_event_registration event_registration,
                                              MPI_T_cb_safety cb_safety, MPI_Info info) {
  (void)info;
  WEFT_T_ENTER();
  if (!mpit::is_registration(event_registration)) return MPI_T_ERR_INVALID_HANDLE;
  if (!api::is_safety(cb_safety)) return MPI_T_ERR_INVALID;
  return MPI_SUCCESS;
}

extern "C" int PMPI_T_event_callback_get_info(MPI_T_event_registration event_registration,
                                              MPI_T_cb_safety cb_safety, MPI_Info* info_used) {
  WEFT_T_ENTER();
  if (!mpit::is_registration(event_registration)) return MPI_T_ERR_INVALID_HANDLE;
  if (!api::is_safety(cb_safety) || info_used == nullptr) return MPI_T_ERR_INVALID;
  return api::new_info(info_used);
}

extern "C" int PMPI_T_event_set_dropped_handler(MPI_T_event_registration event_registration,
                                                MPI_T_event_dropped_cb_function dropped_cb_function) {
  WEFT_T_ENTER();
  return mpit::set_dropped_handler(api::as_registration(event_registration),
                                   dropped_cb_function);
}

extern "C" int PMPI_T_event_handle_free(MPI_T_event_registration event_registration,
                                        void* user_data,
                                        MPI_T_event_free_cb_function free_cb_function) {
  WEFT_T_ENTER();
  return mpit::registration_free(api::as_registration(event_registration), user_data,
                                 free_cb_function);
}

extern "C" int PMPI_T_event_read(MPI_T_event_instance event_instance, int element_index,
                                 void* buffer) {
  WEFT_T_ENTER();
  if (buffer == nullptr) return MPI_T_ERR_INVALID;
  return mpit::instance_read(api::as_instance(event_instance), element_index, buffer);
}

extern "C" int PMPI_T_event_copy(MPI_T_event_instance event_instance, void* buffer) {
  WEFT_T_ENTER();
  if (buffer == nullptr) return MPI_T_ERR_INVALID;
  return mpit::instance_copy(api::as_instance(event_instance), buffer);
}

extern "C" int PMPI_T_event_get_timestamp(MPI_T_event_instance event_instance,
                                          MPI_Count* event_timestamp) {
  WEFT_T_ENTER();
  if (event_timestamp == nullptr) return MPI_T_ERR_INVALID;
  return mpit::instance_timestamp(api::as_instance(event_instance), event_timestamp);
}

extern "C" int PMPI_T_event_get_source(MPI_T_event_instance event_instance, int* source_index) {
  WEFT_T_ENTER();
  if (source_index == nullptr) return MPI_T_ERR_INVALID;
  return mpit::instance_source(api::as_instance(event_instance), source_index);
}
