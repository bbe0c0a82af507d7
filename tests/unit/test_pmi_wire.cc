// The PMI-1 wire format of weftrun's PMI server (base/pmi_wire.h).
#include <catch2/catch.hpp>

#include "base/pmi_wire.h"

using namespace weft::launcher::pmi;

TEST_CASE("parse_line reads the command and its fields", "[pmi_wire]") {
  ParseResult r = parse_line("cmd=init pmi_version=1 pmi_subversion=1 key=00ff\n");
  REQUIRE(r.ok);
  CHECK(r.message.command == "init");
  CHECK_FALSE(r.message.multi_line);
  CHECK(r.message.fields.size() == 3);
  CHECK(r.message.get("pmi_version") == "1");
  CHECK(r.message.get("pmi_subversion") == "1");
  CHECK(r.message.get("key") == "00ff");
  CHECK(r.message.get("absent", "fallback") == "fallback");
  CHECK_FALSE(r.message.has("absent"));
}

TEST_CASE("parse_line tolerates extra blanks and a carriage return", "[pmi_wire]") {
  ParseResult r = parse_line("  cmd=put   kvsname=k \t key=a  value=b  \r\n");
  REQUIRE(r.ok);
  CHECK(r.message.command == "put");
  CHECK(r.message.get("kvsname") == "k");
  CHECK(r.message.get("key") == "a");
  CHECK(r.message.get("value") == "b");
}

TEST_CASE("parse_line accepts a line without its newline and in any field order", "[pmi_wire]") {
  ParseResult r = parse_line("key=x cmd=get kvsname=k");
  REQUIRE(r.ok);
  CHECK(r.message.command == "get");
  CHECK(r.message.get("key") == "x");
}

TEST_CASE("values may be empty or contain '='", "[pmi_wire]") {
  ParseResult r = parse_line("cmd=put key=card value=YWJj== other=");
  REQUIRE(r.ok);
  CHECK(r.message.get("value") == "YWJj==");
  CHECK(r.message.has("other"));
  CHECK(r.message.get("other", "x").empty());
}

TEST_CASE("a value of the maximum length survives", "[pmi_wire]") {
  std::string value(kValueMax, 'v');
  ParseResult r = parse_line("cmd=put kvsname=k key=big value=" + value + "\n");
  REQUIRE(r.ok);
  CHECK(r.message.get("value") == value);
}

TEST_CASE("mcmd= marks a multi-line command", "[pmi_wire]") {
  ParseResult r = parse_line("mcmd=spawn\n");
  REQUIRE(r.ok);
  CHECK(r.message.command == "spawn");
  CHECK(r.message.multi_line);
}

TEST_CASE("an abort message runs to the end of the line", "[pmi_wire]") {
  ParseResult r = parse_line("cmd=abort exitcode=7 msg=MPI_Send(count=-1): invalid  count \n");
  REQUIRE(r.ok);
  CHECK(r.message.command == "abort");
  CHECK(r.message.get("exitcode") == "7");
  CHECK(r.message.get("msg") == "MPI_Send(count=-1): invalid  count");
}

TEST_CASE("msg is an ordinary field outside abort", "[pmi_wire]") {
  ParseResult r = parse_line("cmd=get_result rc=-1 msg=key_not_found value=");
  REQUIRE(r.ok);
  CHECK(r.message.get("msg") == "key_not_found");
  CHECK(r.message.has("value"));
}

TEST_CASE("parse_line rejects malformed lines", "[pmi_wire]") {
  CHECK_FALSE(parse_line("").ok);
  CHECK_FALSE(parse_line("   \n").ok);
  CHECK_FALSE(parse_line("key=x value=y\n").ok);        // no cmd
  CHECK_FALSE(parse_line("cmd=put junk\n").ok);         // field without '='
  CHECK_FALSE(parse_line("cmd=put =value\n").ok);       // empty key
  CHECK_FALSE(parse_line("cmd=put key=a key=b\n").ok);  // duplicate field
  CHECK_FALSE(parse_line("cmd=put cmd=get\n").ok);      // command twice
  CHECK_FALSE(parse_line("cmd= key=a\n").ok);           // empty command
  ParseResult r = parse_line("cmd=put junk");
  CHECK(r.error.find("junk") != std::string::npos);
}

TEST_CASE("format_line writes fields in order and ends with a newline", "[pmi_wire]") {
  CHECK(format_line(
            "maxes",
            {{"kvsname_max", "256"}, {"keylen_max", "256"}, {"vallen_max", "1024"}, {"rc", "0"}}) ==
        "cmd=maxes kvsname_max=256 keylen_max=256 vallen_max=1024 rc=0\n");
  CHECK(format_line("get_result", {{"rc", "-1"}, {"msg", "key_not_found"}, {"value", ""}}) ==
        "cmd=get_result rc=-1 msg=key_not_found value=\n");
  CHECK(format_line("barrier_out", {}) == "cmd=barrier_out\n");
}

TEST_CASE("format_line never lets a value split the reply", "[pmi_wire]") {
  CHECK(format_line("x", {{"value", "a\nb\r"}}) == "cmd=x value=a b \n");
}

TEST_CASE("format_line and parse_line round-trip", "[pmi_wire]") {
  std::string line = format_line("get_result", {{"rc", "0"}, {"value", "abc=def"}});
  ParseResult r = parse_line(line);
  REQUIRE(r.ok);
  CHECK(r.message.command == "get_result");
  CHECK(r.message.get("rc") == "0");
  CHECK(r.message.get("value") == "abc=def");
}

TEST_CASE("keys_equal compares whole keys", "[pmi_wire]") {
  CHECK(keys_equal("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(keys_equal("0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdee"));
  CHECK_FALSE(keys_equal("abc", "ab"));
  CHECK_FALSE(keys_equal("abc", ""));
  CHECK(keys_equal("", ""));
}
