// The selection rules as data. A tuning file (JSON; docs/tuning.md has the schema) lists, per
// collective, rules in order; the first rule whose conditions hold and whose algorithm can
// run the call wins. The built-in file, coll/tuning/default.json, is embedded into
// the library at build time (coll/tuning/embed.py); WEFT_TUNING_FILE names a file
// whose collectives replace the built-in rules of the same collectives, read once, at the
// first collective selection. A file that cannot be used is an error of every collective
// call (naming the file, the line and column, and the problem), never ignored.
//
// Files are read once into compact arrays: per collective a vector of fixed-size rules
// holding the algorithm's index, so selection (on every collective call) compares only
// integers.
#pragma once

#include <array>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "coll/select.h"

namespace weft::coll {

// A condition on a yes/no feature of the call.
enum class Need : uint8_t { kAny, kYes, kNo };

// One rule: the algorithm at index `algorithm` of collective_info(c).algorithms, when every
// condition holds (sizes inclusive, bytes in [min_bytes, below_bytes)).
struct Rule {
  size_t min_bytes = 0;
  size_t below_bytes = SIZE_MAX;
  int min_size = 1;
  int max_size = INT_MAX;
  uint8_t algorithm = 0;
  Need power_of_two = Need::kAny;
  Need commutative = Need::kAny;
  Need enough_elements = Need::kAny;  // count >= the largest power of two <= size
};

struct Tuning {
  std::array<std::vector<Rule>, kCollectiveCount> rules;
  // Per collective, where its rules came from: "" for the built-in file, else the file.
  std::array<std::string, kCollectiveCount> source;
  // Why WEFT_TUNING_FILE (or, were it broken, the built-in file) could not be used; ""
  // when nothing went wrong. Selection fails every call while this is set.
  std::string error;
};

// Whether `rule`'s conditions hold for a call. `power_of_two` and `enough` are the call's
// (computed once per call, not per rule).
inline bool rule_matches(const Rule& rule, const Features& f, bool power_of_two, bool enough) {
  auto holds = [](Need need, bool value) { return need == Need::kAny || (need == Need::kYes) == value; };
  return f.size >= rule.min_size && f.size <= rule.max_size && f.bytes >= rule.min_bytes &&
         f.bytes < rule.below_bytes && holds(rule.power_of_two, power_of_two) &&
         holds(rule.commutative, f.commutative) && holds(rule.enough_elements, enough);
}

// The text of coll/tuning/default.json, embedded at build time.
std::string_view default_tuning_text();

// Reads tuning-file `text` into `tuning`: every collective the file lists gets the file's
// rules instead of those it had, with `source` recorded as their origin. `source` also
// names the text in messages. On failure returns false, leaves `tuning` unchanged and sets
// `*error` to "<source>: line L, column C: <what is wrong>".
bool read_tuning(std::string_view text, const std::string& source, Tuning* tuning,
                 std::string* error);

// Reads the file at `path` as read_tuning does (`source` names it in messages).
bool read_tuning_file(const std::string& path, const std::string& source, Tuning* tuning,
                      std::string* error);

// The rules in force: the built-in file, then WEFT_TUNING_FILE when set. Loaded once, at
// the first call; thread-safe.
const Tuning& tuning();

// A rule's conditions as text ("p <= 4, bytes < 4 KiB"; "" when it has none).
std::string rule_text(const Rule& rule);

}  // namespace weft::coll
