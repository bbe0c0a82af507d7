// The settings registry. Each module declares the WEFT_* variables it reads as `Setting`
// objects at namespace scope, next to the code that reads them:
//
//   const config::Setting kEagerLimit{"WEFT_EAGER_LIMIT", config::Type::bytes, "16384",
//                                     "Largest message (bytes) sent eagerly; ..."};
//
// A Setting registers itself when the program starts, so `weftrun --info` (weft-info,
// which links the whole library) lists every one, and a name declared twice stops the
// program at start-up. Reading a Setting reads the environment: callers read once, when
// they set up, and keep the value, so no hot path touches the environment.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace weft::config {

// How a value is read. `bytes` is an integer that may end in K, M or G (KiB, MiB, GiB).
enum class Type { integer, bytes, boolean, string };

class Setting {
 public:
  // `name` is WEFT_*, `default_value` the text used when the environment has none ("" when
  // unset means "automatic"), `description` one sentence. All three must outlive the
  // program (string literals).
  Setting(const char* name, Type type, const char* default_value, const char* description);
  Setting(const Setting&) = delete;
  Setting& operator=(const Setting&) = delete;

  const char* name() const { return name_; }
  Type type() const { return type_; }
  const char* default_value() const { return default_value_; }
  const char* description() const { return description_; }

  // The environment's value, or the default when the variable is unset.
  std::string text() const;
  // text() as a number (integer, bytes); "" reads as 0. A value that is not a number is
  // reported on stderr and the default is used.
  int64_t integer() const;
  // text() as a flag: "", 0, false, no, off are false; anything else is true.
  bool boolean() const;

 private:
  const char* name_;
  Type type_;
  const char* default_value_;
  const char* description_;
};

// Every Setting linked into the program, by name.
std::vector<const Setting*> settings();

// Parses an integer, or a byte count with an optional K/M/G suffix when `bytes`; false
// when `text` is not one. Exposed for unit tests.
bool parse_integer(const std::string& text, bool bytes, int64_t* out);

}  // namespace weft::config
