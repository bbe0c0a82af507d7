// The PMI-1 wire format (base/pmi_wire.h): weftrun's PMI server and the library's PMI
// client build and parse every line with it.
#include <catch2/catch.hpp>

#include "base/pmi_wire.h"

using namespace weft::pmi_wire;

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

// What the library's PMI client (pmi/pmi_client.cc) sends and reads, through the same
// functions; the replies are in the forms weftrun and MPICH's Hydra write.
TEST_CASE("format_line builds every request the PMI client sends", "[pmi_wire][pmi_client]") {
  CHECK(format_line("init", {{"pmi_version", "1"}, {"pmi_subversion", "1"}, {"key", "00ff"}}) ==
        "cmd=init pmi_version=1 pmi_subversion=1 key=00ff\n");
  CHECK(format_line("get_my_kvsname", {}) == "cmd=get_my_kvsname\n");
  CHECK(format_line("get_appnum", {}) == "cmd=get_appnum\n");
  CHECK(format_line("get_universe_size", {}) == "cmd=get_universe_size\n");
  CHECK(format_line("put", {{"kvsname", "kvs_1"}, {"key", "tcp-addr-3"}, {"value", "1.2.3.4:5"}}) ==
        "cmd=put kvsname=kvs_1 key=tcp-addr-3 value=1.2.3.4:5\n");
  CHECK(format_line("get", {{"kvsname", "kvs_1"}, {"key", "shm-0"}}) ==
        "cmd=get kvsname=kvs_1 key=shm-0\n");
  CHECK(format_line("barrier_in", {}) == "cmd=barrier_in\n");
  CHECK(format_line("finalize", {}) == "cmd=finalize\n");
}

TEST_CASE("an abort request keeps its message whole", "[pmi_wire][pmi_client]") {
  std::string line = format_line("abort", {{"exitcode", "3"}, {"msg", "MPI_Recv: bad\nrank = 9"}});
  CHECK(line == "cmd=abort exitcode=3 msg=MPI_Recv: bad rank = 9\n");
  ParseResult r = parse_line(line);
  REQUIRE(r.ok);
  CHECK(r.message.get("exitcode") == "3");
  CHECK(r.message.get("msg") == "MPI_Recv: bad rank = 9");
}

TEST_CASE("parse_line reads every reply the PMI client expects", "[pmi_wire][pmi_client]") {
  struct Reply {
    const char* line;
    const char* command;
    const char* field;
    const char* value;
  };
  const Reply replies[] = {
      {"cmd=response_to_init pmi_version=1 pmi_subversion=1 rc=0\n", "response_to_init", "rc", "0"},
      {"cmd=response_to_init rc=-1 msg=wrong_key\n", "response_to_init", "rc", "-1"},
      {"cmd=my_kvsname kvsname=kvs_4242_0\n", "my_kvsname", "kvsname", "kvs_4242_0"},
      {"cmd=appnum appnum=1\n", "appnum", "appnum", "1"},
      {"cmd=universe_size size=-1 rc=0\n", "universe_size", "size", "-1"},
      {"cmd=universe_size size=8\n", "universe_size", "size", "8"},
      {"cmd=put_result rc=0 msg=success\n", "put_result", "rc", "0"},
      {"cmd=get_result rc=0 msg=success value=10.0.0.1:4000\n", "get_result", "value",
       "10.0.0.1:4000"},
      {"cmd=get_result rc=-1 msg=key_not_found value=\n", "get_result", "rc", "-1"},
      {"cmd=barrier_out\n", "barrier_out", nullptr, nullptr},
      {"cmd=finalize_ack\n", "finalize_ack", nullptr, nullptr},
  };
  for (const Reply& reply : replies) {
    INFO(reply.line);
    ParseResult r = parse_line(reply.line);
    REQUIRE(r.ok);
    CHECK(r.message.command == reply.command);
    if (reply.field != nullptr) CHECK(r.message.get(reply.field) == reply.value);
  }
}

TEST_CASE("a reply without its command is an error, not an empty reply", "[pmi_wire][pmi_client]") {
  ParseResult r = parse_line("rc=0 value=x\n");
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
}

TEST_CASE("a spawn result's message runs to the end of the line", "[pmi_wire]") {
  ParseResult r = parse_line("cmd=spawn_result rc=-1 size=0 errcodes=1,1 msg=program 'x' not found\n");
  REQUIRE(r.ok);
  CHECK(r.message.get("errcodes") == "1,1");
  CHECK(r.message.get("msg") == "program 'x' not found");
}

TEST_CASE("a failure notice's message runs to the end of the line", "[pmi_wire]") {
  const std::string line = format_line(
      "process_failed", {{"kvsname", "weft_kvs_12_3"}, {"rank", "1"},
                         {"msg", "rank 1 of spawned job 3 (pid 77) was killed by signal 9"}});
  ParseResult r = parse_line(line);
  REQUIRE(r.ok);
  CHECK(r.message.command == "process_failed");
  CHECK(r.message.get("kvsname") == "weft_kvs_12_3");
  CHECK(r.message.get("rank") == "1");
  CHECK(r.message.get("msg") == "rank 1 of spawned job 3 (pid 77) was killed by signal 9");
}
