// Every WEFT_* environment variable is declared once, here and in config.cc, with its
// default and one sentence. Code reads variables only through these helpers, so
// `weftrun --info` can list all of them and none hides in the code.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::config {

struct Variable {
  const char* name;           // e.g. "WEFT_TRANSPORT"
  const char* default_value;  // as text; "" when unset means "automatic"
  const char* description;    // one sentence
};

// All declared variables, in the order `weftrun --info` prints them.
const std::vector<Variable>& variables();

// Reads a declared variable (aborts the process with a message if `name` was never
// declared: a programming error). Returns the default when the environment has none.
std::string get_string(std::string_view name);
int64_t get_int(std::string_view name);
bool get_bool(std::string_view name);


}  // namespace weft::config
