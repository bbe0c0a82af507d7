// Unit tests of the strict JSON reader behind tuning files (coll/json.h): what it
// accepts, the values and places it reports, and the documents it must refuse, each with
// the line and column of the mistake.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "coll/json.h"

using weft::coll::JsonValue;
using weft::coll::parse_json;

namespace {

JsonValue parsed(const std::string& text) {
  JsonValue value;
  std::string error;
  INFO(text);
  REQUIRE(parse_json(text, &value, &error));
  CHECK(error.empty());
  return value;
}

// The error for `text`, which must be refused.
std::string refused(const std::string& text) {
  JsonValue value;
  std::string error;
  INFO(text);
  REQUIRE_FALSE(parse_json(text, &value, &error));
  REQUIRE_FALSE(error.empty());
  return error;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("json: scalars", "[json]") {
  CHECK(parsed("null").kind == JsonValue::Kind::kNull);
  CHECK(parsed("true").boolean);
  CHECK_FALSE(parsed(" false ").boolean);
  CHECK(parsed("\"\"").text.empty());
  const JsonValue number = parsed("-12.5e1");
  CHECK(number.kind == JsonValue::Kind::kNumber);
  CHECK(number.number == -125.0);
  CHECK(number.text == "-12.5e1");
  CHECK(parsed("0").number == 0.0);
  CHECK(parsed("1E+2").number == 100.0);
  CHECK(parsed("2.5E-1").number == 0.25);
}

TEST_CASE("json: strings and escapes", "[json]") {
  CHECK(parsed(R"("a\"b\\c\/d\b\f\n\r\t")").text == "a\"b\\c/d\b\f\n\r\t");
  CHECK(parsed(R"("\u0041\u00e9\u20AC")").text == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(parsed(R"("\ud83d\ude00")").text == "\xF0\x9F\x98\x80");  // a surrogate pair
  CHECK(parsed("\"caf\xC3\xA9\"").text == "caf\xC3\xA9");            // UTF-8 as is
  CHECK(parsed("\xEF\xBB\xBF{}").kind == JsonValue::Kind::kObject);  // byte-order mark
}

TEST_CASE("json: objects and arrays keep order and places", "[json]") {
  const JsonValue root = parsed("{\n  \"b\": [1, 2, {\"c\": null}],\n  \"a\": true\n}");
  REQUIRE(root.kind == JsonValue::Kind::kObject);
  REQUIRE(root.members.size() == 2);
  CHECK(root.members[0].key == "b");
  CHECK(root.members[1].key == "a");
  CHECK(root.members[1].place.line == 3);
  CHECK(root.members[1].place.column == 3);
  const JsonValue* b = root.find("b");
  REQUIRE(b != nullptr);
  REQUIRE(b->items.size() == 3);
  CHECK(b->place.line == 2);
  CHECK(b->place.column == 8);
  CHECK(b->items[2].find("c") != nullptr);
  CHECK(b->items[2].find("d") == nullptr);
  CHECK(parsed("[]").items.empty());
  CHECK(parsed("{ }").members.empty());
}

TEST_CASE("json: whole numbers for sizes", "[json]") {
  uint64_t value = 0;
  CHECK(parsed("4194304").as_unsigned(&value));
  CHECK(value == 4194304);
  CHECK(parsed("18446744073709551615").as_unsigned(&value));
  CHECK(value == UINT64_MAX);
  CHECK_FALSE(parsed("18446744073709551616").as_unsigned(&value));  // too large
  CHECK_FALSE(parsed("-1").as_unsigned(&value));
  CHECK_FALSE(parsed("1.0").as_unsigned(&value));
  CHECK_FALSE(parsed("1e3").as_unsigned(&value));
  CHECK_FALSE(parsed("\"12\"").as_unsigned(&value));
}

TEST_CASE("json: malformed documents are refused with their place", "[json]") {
  CHECK(refused("") == "line 1, column 1: unexpected end of the document, expected a value");
  CHECK(contains(refused("[1, 2,]"), "line 1, column 7: a trailing comma"));
  CHECK(contains(refused("{\"a\": 1,\n}"), "line 2, column 1: a trailing comma"));
  CHECK(contains(refused("// note\n{}"), "comments are not JSON"));
  CHECK(contains(refused("{\"a\": 1, \"a\": 2}"), "line 1, column 10: duplicate key \"a\" (first at line 1, column 2)"));
  CHECK(contains(refused("01"), "leading zeros"));
  CHECK(contains(refused("+1"), "expected a value"));
  CHECK(contains(refused(".5"), "expected a value"));
  CHECK(contains(refused("1."), "must be followed by digits"));
  CHECK(contains(refused("1e"), "exponent"));
  CHECK(contains(refused("-"), "'-' must be followed by digits"));
  CHECK(contains(refused("1e999"), "out of range"));
  CHECK(contains(refused("tru"), "unknown word"));
  CHECK(contains(refused("yes"), "expected a value"));
  CHECK(contains(refused("{a: 1}"), "expected a key in double quotes"));
  CHECK(contains(refused("{\"a\" 1}"), "expected ':'"));
  CHECK(contains(refused("[1 2]"), "expected ',' or ']'"));
  CHECK(contains(refused("{\"a\": 1 \"b\": 2}"), "expected ',' or '}'"));
  CHECK(contains(refused("{} {}"), "line 1, column 4: unexpected '{' after the end of the document"));
  CHECK(contains(refused("\"abc"), "line 1, column 1: a string that never ends"));
  CHECK(contains(refused("\"a\nb\""), "a line break inside a string"));
  CHECK(contains(refused("\"a\tb\""), "a control character inside a string"));
  CHECK(contains(refused(R"("\x")"), "unknown escape"));
  CHECK(contains(refused(R"("\u12")"), "four hex digits"));
  CHECK(contains(refused(R"("\udc00")"), "lone low surrogate"));
  CHECK(contains(refused(R"("\ud800x")"), "without its low half"));
  CHECK(contains(refused("\"\xC3\""), "malformed UTF-8"));      // cut short
  CHECK(contains(refused("\"\xC0\xAF\""), "malformed UTF-8"));  // overlong
  CHECK(contains(refused("\"\xED\xA0\x80\""), "malformed UTF-8"));  // a surrogate
  CHECK(contains(refused("[1,\n  2,\n  x]"), "line 3, column 3:"));
}

TEST_CASE("json: nesting is limited", "[json]") {
  const int depth = weft::coll::kJsonMaxDepth;
  CHECK(parsed(std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'))
            .kind == JsonValue::Kind::kArray);
  const std::string deep(100000, '[');
  CHECK(contains(refused(deep), "nested deeper than"));
}
