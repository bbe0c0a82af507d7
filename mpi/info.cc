#include "mpi/info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "mpi/live_objects.h"

namespace weft {

namespace {
LiveObjects& live_infos() {
  static auto* live = new LiveObjects();
  return *live;
}
}  // namespace

Info::Info() : Object(kKind) { live_infos().add(static_cast<Object*>(this)); }
Info::~Info() { live_infos().remove(static_cast<Object*>(this)); }

std::vector<std::pair<std::string, std::string>>::const_iterator Info::find(
    const std::string& key) const {
  // Info objects hold a handful of hints; a linear scan beats a map here and keeps the
  // insertion order for free.
  return std::find_if(entries_.begin(), entries_.end(),
                      [&](const auto& entry) { return entry.first == key; });
}

void Info::set(const std::string& key, const std::string& value) {
  auto it = find(key);
  if (it != entries_.end()) {
    entries_[it - entries_.begin()].second = value;
  } else {
    entries_.emplace_back(key, value);
  }
}

bool Info::get(const std::string& key, std::string& value) const {
  auto it = find(key);
  if (it == entries_.end()) return false;
  value = it->second;
  return true;
}

bool Info::erase(const std::string& key) {
  auto it = find(key);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

Info* Info::clone() const {
  auto* copy = new Info();
  copy->entries_ = entries_;
  return copy;
}

MPI_Info Info::handle() {
  if (is_predefined()) return MPI_INFO_ENV;
  return to_handle<MPI_Info>(this);
}

bool Info::is_predefined() const { return this == env_info(); }

namespace {

std::string clip_value(std::string value) {
  if (value.size() > MPI_MAX_INFO_VAL - 1) value.resize(MPI_MAX_INFO_VAL - 1);
  return value;
}

// The program's arguments as the kernel recorded them: NUL-separated, argv[0] first.
std::vector<std::string> command_line() {
  std::ifstream file("/proc/self/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::vector<std::string> arguments;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\0', start);
    if (end == std::string::npos) end = text.size();
    arguments.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return arguments;
}

Info* build_env_info() {
  Info* info = make_env_info({});
  info->make_permanent();
  return info;
}

}  // namespace

Info* make_env_info(const std::vector<std::string>& given) {
  auto* info = new Info();
  std::vector<std::string> arguments = given.empty() ? command_line() : given;
  if (!arguments.empty()) {
    info->set("command", clip_value(arguments[0]));
    if (arguments.size() > 1) {
      std::string joined;
      for (size_t i = 1; i < arguments.size(); ++i) {
        if (i > 1) joined += ' ';
        joined += arguments[i];
      }
      info->set("argv", clip_value(std::move(joined)));
    }
  }
  const char* size = std::getenv("PMI_SIZE");
  info->set("maxprocs", size != nullptr && *size != '\0' ? clip_value(size) : "1");
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof host - 1) == 0) info->set("host", clip_value(host));
  utsname system{};
  if (uname(&system) == 0) info->set("arch", clip_value(system.machine));
  std::vector<char> directory(PATH_MAX + 1);
  if (getcwd(directory.data(), directory.size()) != nullptr) {
    info->set("wdir", clip_value(directory.data()));
  }
  return info;
}

Status resolve_hints(const char* call, MPI_Info handle, Info** out) {
  *out = nullptr;
  if (handle == MPI_INFO_NULL) return Status();
  Info* info = info_from_handle(handle);
  if (info == nullptr) {
    return error(MPI_ERR_INFO, "%s: argument info=%p is not a valid info handle", call,
                 static_cast<void*>(handle));
  }
  *out = info;
  return Status();
}

Info* env_info() {
  static Info* info = build_env_info();
  return info;
}

Info* info_from_handle(MPI_Info handle) {
  if (handle == MPI_INFO_ENV) return env_info();
  if (!live_infos().contains(handle)) return nullptr;
  return dynamic_object<Info>(handle);
}

namespace {

// The first characters of a string too long to print whole.
std::string preview(const char* text, size_t length) {
  constexpr size_t kShown = 40;
  if (length <= kShown) return std::string(text, length);
  return std::string(text, kShown) + "...";
}

}  // namespace

Status read_info_key(const char* call, const char* key, std::string* out) {
  if (key == nullptr) return error(MPI_ERR_INFO_KEY, "%s: argument key is NULL", call);
  const size_t length = strnlen(key, MPI_MAX_INFO_KEY);
  if (length == 0) return error(MPI_ERR_INFO_KEY, "%s: argument key is the empty string", call);
  if (length >= MPI_MAX_INFO_KEY) {
    return error(MPI_ERR_INFO_KEY,
                 "%s: argument key=\"%s\" is longer than MPI_MAX_INFO_KEY - 1 = %d characters",
                 call, preview(key, length).c_str(), MPI_MAX_INFO_KEY - 1);
  }
  out->assign(key, length);
  return Status::success();
}

Status read_info_value(const char* call, const char* value, std::string* out) {
  if (value == nullptr) return error(MPI_ERR_INFO_VALUE, "%s: argument value is NULL", call);
  const size_t length = strnlen(value, MPI_MAX_INFO_VAL);
  if (length >= MPI_MAX_INFO_VAL) {
    return error(MPI_ERR_INFO_VALUE,
                 "%s: argument value=\"%s\" is longer than MPI_MAX_INFO_VAL - 1 = %d characters",
                 call, preview(value, length).c_str(), MPI_MAX_INFO_VAL - 1);
  }
  out->assign(value, length);
  return Status::success();
}

void copy_truncated(std::string_view text, char* buffer, size_t capacity) {
  if (capacity == 0) return;
  const size_t copied = std::min(text.size(), capacity - 1);
  std::memcpy(buffer, text.data(), copied);
  buffer[copied] = '\0';
}

}  // namespace weft
