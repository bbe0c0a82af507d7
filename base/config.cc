#include "base/config.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace weft::config {

namespace {

// Filled while the program starts (namespace-scope Settings of every object file); a
// function-local static, so it exists before the first Setting registers, whatever order
// the object files initialise in.
std::vector<const Setting*>& registry() {
  static std::vector<const Setting*> all;
  return all;
}

// What run-time writes and modules added to Settings, kept beside them (Settings are
// const objects at namespace scope). Rarely touched: at start-up, by MPI_T writes and by
// text(), which callers read once at set-up.
struct Extra {
  bool written = false;
  std::string text;
  std::vector<std::string> choices;
  void (*listener)(const Setting&) = nullptr;
};
std::mutex& extra_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<const Setting*, Extra>& extras() {
  static std::map<const Setting*, Extra> all;
  return all;
}

}  // namespace

Setting::Setting(const char* name, Type type, const char* default_value, const char* description,
                 Write write)
    : name_(name),
      type_(type),
      default_value_(default_value),
      description_(description),
      write_(write) {
  for (const Setting* other : registry()) {
    if (std::strcmp(other->name_, name_) == 0) {
      std::fprintf(stderr, "weft: internal error: setting %s is declared twice\n", name_);
      std::abort();
    }
  }
  registry().push_back(this);
}

void Setting::set_choices(std::vector<std::string> choices) const {
  std::lock_guard<std::mutex> lock(extra_mutex());
  extras()[this].choices = std::move(choices);
}

std::vector<std::string> Setting::choices() const {
  std::lock_guard<std::mutex> lock(extra_mutex());
  auto it = extras().find(this);
  return it != extras().end() ? it->second.choices : std::vector<std::string>();
}

void Setting::write(const std::string& text) const {
  void (*listener)(const Setting&) = nullptr;
  {
    std::lock_guard<std::mutex> lock(extra_mutex());
    Extra& extra = extras()[this];
    extra.written = true;
    extra.text = text;
    listener = extra.listener;
  }
  // Outside the mutex: the listener reads the new value through text().
  if (listener != nullptr) listener(*this);
}

void Setting::on_write(void (*listener)(const Setting&)) const {
  std::lock_guard<std::mutex> lock(extra_mutex());
  extras()[this].listener = listener;
}

std::string Setting::text() const {
  {
    std::lock_guard<std::mutex> lock(extra_mutex());
    auto it = extras().find(this);
    if (it != extras().end() && it->second.written) return it->second.text;
  }
  const char* value = std::getenv(name_);
  return value != nullptr ? std::string(value) : std::string(default_value_);
}

bool parse_integer(const std::string& text, bool bytes, int64_t* out) {
  if (text.empty()) {
    *out = 0;
    return true;
  }
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 0);
  if (end == text.c_str() || errno == ERANGE) return false;
  if (bytes && *end != '\0' && end[1] == '\0') {
    int shift = 0;
    switch (*end) {
      case 'k': case 'K': shift = 10; break;
      case 'm': case 'M': shift = 20; break;
      case 'g': case 'G': shift = 30; break;
      default: return false;
    }
    if (value > (INT64_MAX >> shift) || value < (INT64_MIN >> shift)) return false;
    value *= (1LL << shift);
    ++end;
  }
  if (*end != '\0') return false;
  *out = value;
  return true;
}

int64_t Setting::integer() const {
  const bool bytes = type_ == Type::bytes;
  int64_t value = 0;
  const std::string given = text();
  if (parse_integer(given, bytes, &value)) return value;
  std::fprintf(stderr, "weft: %s=%s is not %s; using the default %s\n", name_, given.c_str(),
               bytes ? "a size in bytes" : "an integer",
               *default_value_ ? default_value_ : "(automatic)");
  return parse_integer(default_value_, bytes, &value) ? value : 0;
}

bool Setting::boolean() const {
  const std::string value = text();
  return !(value.empty() || value == "0" || value == "false" || value == "no" || value == "off");
}

std::vector<const Setting*> settings() {
  std::vector<const Setting*> all = registry();
  std::sort(all.begin(), all.end(), [](const Setting* a, const Setting* b) {
    return std::strcmp(a->name(), b->name()) < 0;
  });
  return all;
}

}  // namespace weft::config
