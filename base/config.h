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

// Whether MPI_T may change a Setting while the program runs, and how far a write must
// agree across processes (the MPI_T scope: one process alone, or every process alike).
enum class Write { never, any_time_local, any_time_all_equal };

class Setting {
 public:
  // `name` is WEFT_*, `default_value` the text used when the environment has none ("" when
  // unset means "automatic"), `description` one sentence. All three must outlive the
  // program (string literals).
  Setting(const char* name, Type type, const char* default_value, const char* description,
          Write write = Write::never);
  Setting(const Setting&) = delete;
  Setting& operator=(const Setting&) = delete;

  const char* name() const { return name_; }
  Type type() const { return type_; }
  const char* default_value() const { return default_value_; }
  const char* description() const { return description_; }
  Write write_mode() const { return write_; }

  // The names a string Setting accepts (a collective's algorithms), set once at start-up
  // by the module that knows them; MPI_T shows such a Setting as an enumeration. Empty for
  // free-form Settings.
  void set_choices(std::vector<std::string> choices) const;
  std::vector<std::string> choices() const;

  // Run-time writes (MPI_T_cvar_write): `text` replaces the environment's value and the
  // listener, if any, runs. Only for Settings declared writable.
  void write(const std::string& text) const;
  // The module's reaction to a write, installed once at start-up (nullptr: none).
  void on_write(void (*listener)(const Setting&)) const;

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
  Write write_;
};

// Every Setting linked into the program, by name.
std::vector<const Setting*> settings();

// Parses an integer, or a byte count with an optional K/M/G suffix when `bytes`; false
// when `text` is not one. Exposed for unit tests.
bool parse_integer(const std::string& text, bool bytes, int64_t* out);

}  // namespace weft::config
