// The settings registry (base/config.h): declaration, typed reads, the listing.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>

#include "base/config.h"

using namespace weft::config;

namespace {

const Setting kTestBytes{"WEFT_UNIT_TEST_BYTES", Type::bytes, "64K",
                         "A setting declared by the unit tests."};
const Setting kTestFlag{"WEFT_UNIT_TEST_FLAG", Type::boolean, "0",
                        "A flag declared by the unit tests."};

}  // namespace

TEST_CASE("parse_integer reads integers and byte sizes", "[settings]") {
  int64_t v = -1;
  CHECK(parse_integer("", false, &v));
  CHECK(v == 0);
  CHECK(parse_integer("42", false, &v));
  CHECK(v == 42);
  CHECK(parse_integer("-3", false, &v));
  CHECK(v == -3);
  CHECK(parse_integer("0x10", false, &v));
  CHECK(v == 16);
  CHECK_FALSE(parse_integer("16K", false, &v));  // suffixes only for sizes
  CHECK(parse_integer("16K", true, &v));
  CHECK(v == 16384);
  CHECK(parse_integer("2m", true, &v));
  CHECK(v == 2 * 1024 * 1024);
  CHECK(parse_integer("1G", true, &v));
  CHECK(v == int64_t{1} << 30);
  CHECK_FALSE(parse_integer("12KB", true, &v));
  CHECK_FALSE(parse_integer("abc", true, &v));
  CHECK_FALSE(parse_integer("99999999999999999999", false, &v));
  CHECK_FALSE(parse_integer("9223372036854775807G", true, &v));
}

TEST_CASE("a Setting reads the environment, else its default", "[settings]") {
  unsetenv("WEFT_UNIT_TEST_BYTES");
  CHECK(kTestBytes.text() == "64K");
  CHECK(kTestBytes.integer() == 65536);
  setenv("WEFT_UNIT_TEST_BYTES", "1M", 1);
  CHECK(kTestBytes.integer() == 1048576);
  setenv("WEFT_UNIT_TEST_BYTES", "lots", 1);
  CHECK(kTestBytes.integer() == 65536);  // not a size: the default, with a message
  unsetenv("WEFT_UNIT_TEST_BYTES");

  unsetenv("WEFT_UNIT_TEST_FLAG");
  CHECK_FALSE(kTestFlag.boolean());
  for (const char* yes : {"1", "yes", "on", "true"}) {
    setenv("WEFT_UNIT_TEST_FLAG", yes, 1);
    CHECK(kTestFlag.boolean());
  }
  for (const char* no : {"", "0", "no", "off", "false"}) {
    setenv("WEFT_UNIT_TEST_FLAG", no, 1);
    CHECK_FALSE(kTestFlag.boolean());
  }
  unsetenv("WEFT_UNIT_TEST_FLAG");
}

TEST_CASE("settings() lists every declared Setting once, by name", "[settings]") {
  const auto all = settings();
  int mine = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) CHECK(std::strcmp(all[i - 1]->name(), all[i]->name()) < 0);
    CHECK(std::strncmp(all[i]->name(), "WEFT_", 5) == 0);
    CHECK(std::strlen(all[i]->description()) > 0);
    if (all[i] == &kTestBytes || all[i] == &kTestFlag) ++mine;
  }
  CHECK(mine == 2);
}
