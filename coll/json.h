// A small, strict JSON reader (RFC 8259) for the tuning file (coll/tuning.h): objects,
// arrays, strings, numbers, true, false and null, each value with the line and column where
// it starts, so a loader can say where a file is wrong. Strict means: no comments, no
// trailing commas, no duplicate keys in an object, no leading zeros or bare '.5', no
// control characters or malformed UTF-8 in strings, nothing after the top-level value.
// Nesting is limited (kMaxDepth) so hostile input cannot exhaust the stack.
//
// Parsing happens once, when a file is loaded; nothing here is on a hot path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weft::coll {

struct JsonPlace {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in bytes
};

struct JsonMember;

struct JsonValue {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  JsonPlace place;
  bool boolean = false;
  double number = 0;
  // A string's value (UTF-8, escapes resolved), or a number's literal as written.
  std::string text;
  std::vector<JsonValue> items;     // array elements
  std::vector<JsonMember> members;  // object members, in file order

  // The member called `key`, or nullptr.
  const JsonValue* find(std::string_view key) const;
  // A number written as a non-negative integer (digits only) that fits 64 bits.
  bool as_unsigned(uint64_t* out) const;
};

struct JsonMember {
  std::string key;
  JsonPlace place;  // of the key
  JsonValue value;
};

inline constexpr int kJsonMaxDepth = 64;

// Parses `text` as one JSON value. On failure returns false and sets `*error` to
// "line L, column C: <problem>".
bool parse_json(std::string_view text, JsonValue* out, std::string* error);

// "object", "array", "string", "number", "true or false", "null": for messages.
const char* json_kind_name(JsonValue::Kind kind);

}  // namespace weft::coll
