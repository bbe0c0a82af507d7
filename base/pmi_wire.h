// The PMI-1 wire format, as pure functions: one line of `key=value` fields in, a parsed
// message out; a command name and fields in, one reply line out. No I/O here, so every
// corner of the format is covered by unit tests (tests/unit/test_pmi_wire.cc).
//
// Format: fields separated by one or more spaces or tabs, the line ends with '\n' (a
// '\r' before it is tolerated). A field is `key=value`; the value may be empty and may
// itself contain '=' (only the first '=' splits). Every request names its command in
// `cmd=` (or `mcmd=`, the multi-line form PMI-1 uses for spawn).
//
// One exception to "values have no spaces": in `cmd=abort`, `cmd=spawn_result` and
// `cmd=process_failed` the field `msg=` must come last and runs to the end of the line, so
// it can carry a human-readable message.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weft::pmi_wire {

// Limits the server announces in `cmd=maxes` and enforces on put/get.
inline constexpr std::size_t kKvsNameMax = 256;
inline constexpr std::size_t kKeyMax = 256;
inline constexpr std::size_t kValueMax = 1024;
// Longest request line accepted; longer lines are a protocol error. Leaves room for an
// abort message well beyond the value limit.
inline constexpr std::size_t kLineMax = 16384;

struct Message {
  std::string command;                        // value of cmd= (or mcmd=)
  bool multi_line = false;                    // true when the line used mcmd=
  std::map<std::string, std::string> fields;  // every field except cmd/mcmd

  // The value of `key`, or `fallback` when the field is absent.
  [[nodiscard]] std::string get(const std::string& key, std::string fallback = {}) const;
  [[nodiscard]] bool has(const std::string& key) const { return fields.count(key) != 0; }
};

struct ParseResult {
  bool ok = false;
  Message message;
  std::string error;  // what is wrong with the line, when !ok
};

// Parses one line (with or without its trailing newline).
[[nodiscard]] ParseResult parse_line(std::string_view line);

using Fields = std::vector<std::pair<std::string_view, std::string>>;

// Formats `cmd=<command> k1=v1 k2=v2 ...\n` in the order given. Newlines inside values
// would split the reply, so they are replaced by spaces.
[[nodiscard]] std::string format_line(std::string_view command, const Fields& fields);

// Compares two keys in time that depends only on their lengths, so a client cannot
// learn the job key byte by byte from response times.
[[nodiscard]] bool keys_equal(std::string_view expected, std::string_view offered);

}  // namespace weft::pmi_wire
