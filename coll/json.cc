#include "coll/json.h"

#include <charconv>
#include <cstdio>
#include <utility>

namespace weft::coll {

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const JsonMember& member : members) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

bool JsonValue::as_unsigned(uint64_t* out) const {
  if (kind != Kind::kNumber || text.empty()) return false;
  uint64_t value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return false;  // a sign, fraction or exponent
    const uint64_t digit = static_cast<uint64_t>(ch - '0');
    if (value > (UINT64_MAX - digit) / 10) return false;
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

const char* json_kind_name(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
      return "true or false";
    case JsonValue::Kind::kNumber:
      return "number";
    case JsonValue::Kind::kString:
      return "string";
    case JsonValue::Kind::kArray:
      return "array";
    case JsonValue::Kind::kObject:
      return "object";
  }
  return "value";
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  bool parse(JsonValue* out, std::string* error) {
    // A UTF-8 byte-order mark is allowed before the value (RFC 8259 section 8.1).
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = line_start_ = 3;
    skip_space();
    if (!value(out, 0)) {
      *error = error_;
      return false;
    }
    skip_space();
    if (pos_ < text_.size()) {
      fail("unexpected '" + shown(text_[pos_]) + "' after the end of the document");
      *error = error_;
      return false;
    }
    return true;
  }

 private:
  JsonPlace here() const {
    return JsonPlace{line_, static_cast<int>(pos_ - line_start_) + 1};
  }

  // Records the first failure, at the current position.
  bool fail(const std::string& problem) { return fail_at(here(), problem); }
  bool fail_at(JsonPlace place, const std::string& problem) {
    if (error_.empty()) {
      error_ = "line " + std::to_string(place.line) + ", column " + std::to_string(place.column) +
               ": " + problem;
    }
    return false;
  }

  static std::string shown(char ch) {
    const unsigned char byte = static_cast<unsigned char>(ch);
    if (byte < 0x20 || byte >= 0x7f) {
      char text[8];
      std::snprintf(text, sizeof text, "\\x%02x", byte);
      return text;
    }
    return std::string(1, ch);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  void skip_space() {
    while (!at_end()) {
      const char ch = peek();
      if (ch == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (ch == ' ' || ch == '\t' || ch == '\r') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  bool value(JsonValue* out, int depth) {
    out->place = here();
    if (at_end()) return fail("unexpected end of the document, expected a value");
    switch (peek()) {
      case '{':
        return object(out, depth + 1);
      case '[':
        return array(out, depth + 1);
      case '"':
        out->kind = JsonValue::Kind::kString;
        return string(&out->text);
      case 't':
        out->kind = JsonValue::Kind::kBool;
        out->boolean = true;
        return word("true");
      case 'f':
        out->kind = JsonValue::Kind::kBool;
        out->boolean = false;
        return word("false");
      case 'n':
        out->kind = JsonValue::Kind::kNull;
        return word("null");
      default:
        if (peek() == '-' || (peek() >= '0' && peek() <= '9')) return number(out);
        if (peek() == '/') return fail("comments are not JSON");
        return fail("unexpected '" + shown(peek()) + "', expected a value");
    }
  }

  bool word(std::string_view expected) {
    if (text_.substr(pos_, expected.size()) != expected) {
      return fail("unknown word (JSON has true, false and null; strings need quotes)");
    }
    pos_ += expected.size();
    return true;
  }

  bool object(JsonValue* out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nested deeper than " + std::to_string(kJsonMaxDepth));
    out->kind = JsonValue::Kind::kObject;
    ++pos_;  // '{'
    skip_space();
    if (!at_end() && peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_space();
      if (at_end()) return fail("unexpected end of the document inside an object");
      if (peek() != '"') {
        return fail(peek() == '}' ? "a trailing comma before '}'"
                                  : "expected a key in double quotes, found '" + shown(peek()) + "'");
      }
      JsonMember member;
      member.place = here();
      if (!string(&member.key)) return false;
      for (const JsonMember& earlier : out->members) {
        if (earlier.key == member.key) {
          return fail_at(member.place, "duplicate key \"" + member.key + "\" (first at line " +
                                           std::to_string(earlier.place.line) + ", column " +
                                           std::to_string(earlier.place.column) + ")");
        }
      }
      skip_space();
      if (at_end() || peek() != ':') return fail("expected ':' after the key \"" + member.key + "\"");
      ++pos_;
      skip_space();
      if (!value(&member.value, depth)) return false;
      out->members.push_back(std::move(member));
      skip_space();
      if (at_end()) return fail("unexpected end of the document inside an object");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' in an object, found '" + shown(peek()) + "'");
    }
  }

  bool array(JsonValue* out, int depth) {
    if (depth > kJsonMaxDepth) return fail("nested deeper than " + std::to_string(kJsonMaxDepth));
    out->kind = JsonValue::Kind::kArray;
    ++pos_;  // '['
    skip_space();
    if (!at_end() && peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skip_space();
      if (!at_end() && peek() == ']') return fail("a trailing comma before ']'");
      JsonValue item;
      if (!value(&item, depth)) return false;
      out->items.push_back(std::move(item));
      skip_space();
      if (at_end()) return fail("unexpected end of the document inside an array");
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']' in an array, found '" + shown(peek()) + "'");
    }
  }

  bool number(JsonValue* out) {
    out->kind = JsonValue::Kind::kNumber;
    const size_t start = pos_;
    auto digits = [&] {
      const size_t first = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ > first;
    };
    if (peek() == '-') ++pos_;
    if (at_end() || peek() < '0' || peek() > '9') return fail("a '-' must be followed by digits");
    if (peek() == '0') {
      ++pos_;
      if (!at_end() && peek() >= '0' && peek() <= '9') return fail("numbers have no leading zeros");
    } else {
      digits();
    }
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (!digits()) return fail("a '.' in a number must be followed by digits");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (!digits()) return fail("an exponent must have digits");
    }
    out->text = std::string(text_.substr(start, pos_ - start));
    // from_chars ignores the locale, unlike strtod (a program may have set a decimal comma).
    const auto result = std::from_chars(out->text.data(), out->text.data() + out->text.size(),
                                        out->number);
    if (result.ec == std::errc::result_out_of_range) {
      pos_ = start;
      return fail("number " + out->text + " is out of range");
    }
    return true;
  }

  // Reads four hex digits of a \u escape.
  bool hex4(unsigned* out) {
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end()) return fail("unexpected end of the document in a \\u escape");
      const char ch = peek();
      unsigned digit = 0;
      if (ch >= '0' && ch <= '9') {
        digit = static_cast<unsigned>(ch - '0');
      } else if (ch >= 'a' && ch <= 'f') {
        digit = static_cast<unsigned>(ch - 'a' + 10);
      } else if (ch >= 'A' && ch <= 'F') {
        digit = static_cast<unsigned>(ch - 'A' + 10);
      } else {
        return fail("a \\u escape needs four hex digits");
      }
      value = value * 16 + digit;
      ++pos_;
    }
    *out = value;
    return true;
  }

  static void append_utf8(std::string* out, unsigned code) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  // Copies one UTF-8 encoded character (its lead byte at pos_) after checking it is well
  // formed: shortest form, no surrogates, at most U+10FFFF.
  bool utf8(std::string* out) {
    const unsigned char lead = static_cast<unsigned char>(peek());
    int length = 0;
    unsigned code = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
      code = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      code = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      code = lead & 0x07;
    } else {
      return fail("malformed UTF-8 in a string");
    }
    if (pos_ + static_cast<size_t>(length) > text_.size()) return fail("malformed UTF-8 in a string");
    for (int i = 1; i < length; ++i) {
      const unsigned char next = static_cast<unsigned char>(text_[pos_ + static_cast<size_t>(i)]);
      if ((next & 0xC0) != 0x80) return fail("malformed UTF-8 in a string");
      code = (code << 6) | (next & 0x3F);
    }
    const unsigned smallest = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return fail("malformed UTF-8 in a string");
    }
    out->append(text_.substr(pos_, static_cast<size_t>(length)));
    pos_ += static_cast<size_t>(length);
    return true;
  }

  bool string(std::string* out) {
    const JsonPlace start = here();
    ++pos_;  // opening quote
    out->clear();
    while (true) {
      if (at_end()) return fail_at(start, "a string that never ends");
      const char ch = peek();
      if (ch == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(ch) < 0x20) {
        return fail(ch == '\n' ? "a line break inside a string" : "a control character inside a string");
      }
      if (static_cast<unsigned char>(ch) >= 0x80) {
        if (!utf8(out)) return false;
        continue;
      }
      if (ch != '\\') {
        out->push_back(ch);
        ++pos_;
        continue;
      }
      ++pos_;
      if (at_end()) return fail_at(start, "a string that never ends");
      const char escape = peek();
      ++pos_;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out->push_back(escape);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          unsigned code = 0;
          if (!hex4(&code)) return false;
          if (code >= 0xDC00 && code <= 0xDFFF) return fail("a \\u escape of a lone low surrogate");
          if (code >= 0xD800 && code <= 0xDBFF) {
            unsigned low = 0;
            if (text_.substr(pos_, 2) != "\\u") return fail("a high surrogate without its low half");
            pos_ += 2;
            if (!hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail("a high surrogate without its low half");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, code);
          break;
        }
        default:
          --pos_;
          return fail("unknown escape '\\" + shown(escape) + "' in a string");
      }
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t line_start_ = 0;
  int line_ = 1;
  std::string error_;
};

}  // namespace

bool parse_json(std::string_view text, JsonValue* out, std::string* error) {
  *out = JsonValue();
  Parser parser(text);
  return parser.parse(out, error);
}

}  // namespace weft::coll
