// Unit tests of the tuning-file loader (coll/tuning.h): the built-in file loads and
// ends every collective with a rule that always applies; a file replaces the rules of the
// collectives it lists and only those; every mistake is refused with the file, the line and
// column, and what is wrong, leaving the rules as they were.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "coll/select.h"
#include "coll/tuning.h"

namespace coll = weft::coll;
using coll::Collective;
using coll::Need;
using coll::Rule;
using coll::Tuning;

namespace {

Tuning built_in() {
  Tuning tuning;
  std::string error;
  REQUIRE(coll::read_tuning(coll::default_tuning_text(), "", &tuning, &error));
  CHECK(error.empty());
  return tuning;
}

const std::vector<Rule>& rules_of(const Tuning& tuning, Collective collective) {
  return tuning.rules[static_cast<size_t>(collective)];
}

const char* algorithm_of(Collective collective, const Rule& rule) {
  return coll::collective_info(collective).algorithms[rule.algorithm].name;
}

// The error for `text`, which must be refused without touching the rules.
std::string refused(const std::string& text) {
  Tuning tuning = built_in();
  const std::vector<Rule> before = rules_of(tuning, Collective::kAllreduce);
  std::string error;
  INFO(text);
  REQUIRE_FALSE(coll::read_tuning(text, "mine.json", &tuning, &error));
  CHECK(rules_of(tuning, Collective::kAllreduce).size() == before.size());
  CHECK(tuning.source[static_cast<size_t>(Collective::kAllreduce)].empty());
  CHECK(error.rfind("mine.json: ", 0) == 0);
  return error;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string with_allreduce(const std::string& rules) {
  return "{\"version\": 1, \"collectives\": {\"allreduce\": [" + rules + "]}}";
}

}  // namespace

TEST_CASE("tuning: the built-in file covers every collective", "[tuning]") {
  const Tuning tuning = built_in();
  for (int c = 0; c < coll::kCollectiveCount; ++c) {
    const auto collective = static_cast<Collective>(c);
    const std::vector<Rule>& rules = rules_of(tuning, collective);
    INFO(coll::collective_info(collective).name);
    REQUIRE_FALSE(rules.empty());
    CHECK(tuning.source[static_cast<size_t>(c)].empty());
    // The last rule always applies, and its algorithm runs wherever the rules before it
    // let calls through (checked by the selection tests in test_coll_ranks.cc).
    CHECK(coll::rule_text(rules.back()).empty());
  }
  const std::vector<Rule>& allreduce = rules_of(tuning, Collective::kAllreduce);
  REQUIRE(allreduce.size() == 8);
  CHECK(std::string(algorithm_of(Collective::kAllreduce, allreduce[4])) == "ring");
  CHECK(allreduce[4].min_size == 3);
  CHECK(allreduce[4].max_size == 4);
  CHECK(allreduce[4].min_bytes == 256 * 1024);
  CHECK(allreduce[4].below_bytes == SIZE_MAX);
  CHECK(coll::rule_text(allreduce[3]) == "p <= 4, bytes < 4 KiB");
  CHECK(coll::rule_text(allreduce[6]) == "p >= 3, bytes >= 4 MiB, p not a power of two");
  CHECK(coll::rule_text(allreduce[2]) == "count < pof2(p)");
}

TEST_CASE("tuning: a file replaces the rules of the collectives it lists", "[tuning]") {
  Tuning tuning = built_in();
  const size_t bcast_rules = rules_of(tuning, Collective::kBcast).size();
  std::string error;
  const std::string text = R"({
    "version": 1,
    "comment": "test",
    "collectives": {
      "allreduce": [
        {"algorithm": "ring", "min_ranks": 2, "max_ranks": 6, "min_bytes": 16, "below_bytes": 1024,
         "power_of_two": false, "commutative": true, "enough_elements": true, "comment": "why"},
        {"algorithm": "recursive_doubling"}
      ],
      "reduce_scatter_block": [{"algorithm": "pairwise", "min_ranks": 3, "max_ranks": 3}]
    }
  })";
  REQUIRE(coll::read_tuning(text, "mine.json", &tuning, &error));
  const std::vector<Rule>& allreduce = rules_of(tuning, Collective::kAllreduce);
  REQUIRE(allreduce.size() == 2);
  const Rule& rule = allreduce[0];
  CHECK(std::string(algorithm_of(Collective::kAllreduce, rule)) == "ring");
  CHECK(rule.min_size == 2);
  CHECK(rule.max_size == 6);
  CHECK(rule.min_bytes == 16);
  CHECK(rule.below_bytes == 1024);
  CHECK(rule.power_of_two == Need::kNo);
  CHECK(rule.commutative == Need::kYes);
  CHECK(rule.enough_elements == Need::kYes);
  CHECK(coll::rule_text(allreduce[1]).empty());
  CHECK(tuning.source[static_cast<size_t>(Collective::kAllreduce)] == "mine.json");
  CHECK(tuning.source[static_cast<size_t>(Collective::kReduceScatterBlock)] == "mine.json");
  REQUIRE(rules_of(tuning, Collective::kReduceScatterBlock).size() == 1);
  CHECK(coll::rule_text(rules_of(tuning, Collective::kReduceScatterBlock)[0]) == "p = 3");
  // Untouched collectives keep the built-in rules.
  CHECK(rules_of(tuning, Collective::kBcast).size() == bcast_rules);
  CHECK(tuning.source[static_cast<size_t>(Collective::kBcast)].empty());
  CHECK(tuning.source[static_cast<size_t>(Collective::kReduceScatter)].empty());
}

TEST_CASE("tuning: rule conditions", "[tuning]") {
  Rule rule;
  rule.min_size = 3;
  rule.max_size = 4;
  rule.min_bytes = 1024;
  rule.below_bytes = 4096;
  coll::Features f;
  f.size = 3;
  f.bytes = 1024;
  CHECK(coll::rule_matches(rule, f, false, true));
  f.bytes = 4095;
  CHECK(coll::rule_matches(rule, f, false, true));
  f.bytes = 4096;  // below_bytes is exclusive
  CHECK_FALSE(coll::rule_matches(rule, f, false, true));
  f.bytes = 1023;
  CHECK_FALSE(coll::rule_matches(rule, f, false, true));
  f.bytes = 2048;
  f.size = 4;  // max_ranks is inclusive
  CHECK(coll::rule_matches(rule, f, true, true));
  f.size = 5;
  CHECK_FALSE(coll::rule_matches(rule, f, false, true));
  f.size = 4;
  rule.power_of_two = Need::kNo;
  CHECK_FALSE(coll::rule_matches(rule, f, true, true));
  rule.power_of_two = Need::kAny;
  rule.commutative = Need::kNo;
  f.commutative = true;
  CHECK_FALSE(coll::rule_matches(rule, f, true, true));
  f.commutative = false;
  CHECK(coll::rule_matches(rule, f, true, true));
  rule.enough_elements = Need::kYes;
  CHECK_FALSE(coll::rule_matches(rule, f, true, false));
}

TEST_CASE("tuning: mistakes are refused with the file, the place and the problem", "[tuning]") {
  CHECK(contains(refused("{\"version\": 1, \"collectives\": {\"allreduce\": [}}"),
                 "mine.json: line 1, column 46: unexpected '}', expected a value"));
  CHECK(contains(refused("[]"), "line 1, column 1: the document must be an object, not an array"));
  CHECK(contains(refused("{\"collectives\": {}}"), "has no \"version\""));
  CHECK(contains(refused("{\"version\": 2, \"collectives\": {}}"),
                 "line 1, column 13: \"version\" 2 is not one this library reads"));
  CHECK(contains(refused("{\"version\": 1}"), "has no \"collectives\""));
  CHECK(contains(refused("{\"version\": 1, \"collectives\": {}, \"rules\": 3}"),
                 "unknown key \"rules\" at the top level"));
  CHECK(contains(refused("{\"version\": 1, \"collectives\": {\"allreduse\": [{\"algorithm\": \"ring\"}]}}"),
                 "line 1, column 32: \"allreduse\" is not a collective (known: barrier, bcast,"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"rign\"}")),
                 "line 1, column 60: allreduce rule 1: \"rign\" names no allreduce algorithm "
                 "(known: recursive_doubling, rabenseifner, ring)"));
  // An algorithm of another collective is no algorithm of this one.
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"pairwise\"}")), "names no allreduce algorithm"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\"}, {\"max_bytes\": 10, \"algorithm\": \"ring\"}")),
                 "allreduce rule 2: unknown key \"max_bytes\" (known: algorithm, min_ranks"));
  CHECK(contains(refused(with_allreduce("{\"min_ranks\": 2}")), "allreduce rule 1 has no \"algorithm\""));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": 3}")),
                 "allreduce rule 1: \"algorithm\" must be a string, not a number"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"min_ranks\": 0}")),
                 "\"min_ranks\" must be a whole number from 1 to 2147483647, not 0"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"min_bytes\": -1}")),
                 "\"min_bytes\" must be a whole number from 0 to"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"below_bytes\": 1.5}")),
                 "\"below_bytes\" must be a whole number"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"below_bytes\": \"4K\"}")),
                 "\"below_bytes\" must be a number, not a string"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"commutative\": 1}")),
                 "\"commutative\" must be true or false, not a number"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"min_ranks\": 5, \"max_ranks\": 4}")),
                 "\"max_ranks\" 4 is below \"min_ranks\" 5, so the rule never applies"));
  CHECK(contains(refused(with_allreduce("{\"algorithm\": \"ring\", \"min_bytes\": 64, \"below_bytes\": 64}")),
                 "\"min_bytes\" 64 is not below \"below_bytes\" 64"));
  CHECK(contains(refused(with_allreduce("")), "the rules of allreduce are an empty list"));
  CHECK(contains(refused("{\"version\": 1, \"collectives\": {\"bcast\": {\"algorithm\": \"linear\"}}}"),
                 "the rules of bcast must be an array, not an object"));
  CHECK(contains(refused(with_allreduce("\"ring\"")), "allreduce rule 1 must be an object, not a string"));
  // The place is that of the offending value, on its own line.
  CHECK(contains(refused("{\n \"version\": 1,\n \"collectives\": {\n  \"allreduce\": [\n   {\"algorithm\": \"x\"}\n  ]\n }\n}"),
                 "mine.json: line 5, column 18: allreduce rule 1: \"x\" names no allreduce algorithm"));
}

TEST_CASE("tuning: files are read from disk", "[tuning]") {
  char path[] = "/tmp/weft-tuning-test-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const std::string text = with_allreduce("{\"algorithm\": \"ring\"}");
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  Tuning tuning = built_in();
  std::string error;
  CHECK(coll::read_tuning_file(path, path, &tuning, &error));
  CHECK(rules_of(tuning, Collective::kAllreduce).size() == 1);
  std::remove(path);

  CHECK_FALSE(coll::read_tuning_file(path, "WEFT_TUNING_FILE=gone.json", &tuning, &error));
  CHECK(error == "WEFT_TUNING_FILE=gone.json: cannot be opened: No such file or directory");
  CHECK_FALSE(coll::read_tuning_file("/tmp", "/tmp", &tuning, &error));
  CHECK(contains(error, "/tmp: cannot be read: Is a directory"));
}
