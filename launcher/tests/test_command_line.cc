// weftrun's command line, host lists and hostfiles, and the environment helpers of
// process start — the parts of the launcher that need no processes.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "launcher/command_line.h"
#include "launcher/hosts.h"
#include "launcher/job_plan.h"
#include "launcher/placement.h"
#include "launcher/process_start.h"

using namespace weft::launcher;

namespace {

CommandLineResult parse(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
  return parse_command_line(args, [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

}  // namespace

TEST_CASE("a single program with -n and its arguments", "[command_line]") {
  auto r = parse({"-n", "4", "./app", "-n", "7", "--tag-output"});
  REQUIRE(r.ok);
  REQUIRE(r.options.segments.size() == 1);
  CHECK(r.options.segments[0].count == 4);
  // Everything after the program belongs to it, options included.
  CHECK(r.options.segments[0].argv == std::vector<std::string>{"./app", "-n", "7", "--tag-output"});
  CHECK_FALSE(r.options.tag_output);
}

TEST_CASE("-np, --n=, and the default of one process", "[command_line]") {
  CHECK(parse({"-np", "3", "a"}).options.segments[0].count == 3);
  CHECK(parse({"--np=5", "a"}).options.segments[0].count == 5);
  CHECK(parse({"a"}).options.segments[0].count == 1);
}

TEST_CASE("MPMD segments, with first-segment defaults for -x and --wdir", "[command_line]") {
  auto r = parse({"-x", "A=1", "--wdir", "/tmp", "-n", "2", "./a", "x", ":", "-n", "3", "-x", "B=2",
                  "./b", ":", "--wdir", "/var", "./c"});
  REQUIRE(r.ok);
  const auto& s = r.options.segments;
  REQUIRE(s.size() == 3);
  CHECK(s[0].count == 2);
  CHECK(s[0].argv == std::vector<std::string>{"./a", "x"});
  CHECK(s[1].count == 3);
  CHECK(s[1].argv == std::vector<std::string>{"./b"});
  CHECK(s[1].wdir == "/tmp");
  CHECK(s[1].env == std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "2"}});
  CHECK(s[2].count == 1);
  CHECK(s[2].wdir == "/var");
  CHECK(s[2].env == std::vector<std::pair<std::string, std::string>>{{"A", "1"}});
}

TEST_CASE("-x VAR takes the value from weftrun's environment", "[command_line]") {
  auto r = parse({"-x", "HOME", "-x", "MISSING", "a"}, {{"HOME", "/root"}});
  REQUIRE(r.ok);
  CHECK(r.options.segments[0].env ==
        std::vector<std::pair<std::string, std::string>>{{"HOME", "/root"}});
  REQUIRE(r.warnings.size() == 1);
  CHECK(r.warnings[0].find("MISSING") != std::string::npos);
  CHECK_FALSE(parse({"-x", "1BAD=x", "a"}).ok);
  CHECK(parse({"-x", "EMPTY=", "a"}).options.segments[0].env[0].second.empty());
}

TEST_CASE("job-wide options", "[command_line]") {
  auto r = parse({"--tag-output", "-H", "localhost:2", "--host=vm", "--hostfile", "hf", "--usize",
                  "9", "--timeout", "30", "a"});
  REQUIRE(r.ok);
  CHECK(r.options.tag_output);
  CHECK(r.options.host_lists == std::vector<std::string>{"localhost:2", "vm"});
  CHECK(r.options.hostfile == "hf");
  CHECK(r.options.universe_size == 9);
  CHECK(r.options.timeout_seconds == 30);
}

TEST_CASE("--bind-to takes none, hwthread, core, socket; the default is automatic",
          "[command_line]") {
  CHECK(parse({"a"}).options.bind_to == BindLevel::automatic);
  CHECK(parse({"--bind-to", "core", "a"}).options.bind_to == BindLevel::core);
  CHECK(parse({"-bind-to", "none", "a"}).options.bind_to == BindLevel::none);
  CHECK(parse({"--bind-to=core", "a"}).options.bind_to == BindLevel::core);
  CHECK(parse({"--bind-to", "socket", "a"}).options.bind_to == BindLevel::socket);
  CHECK(parse({"--bind-to", "package", "a"}).options.bind_to == BindLevel::socket);
  CHECK(parse({"--bind-to", "hwthread", "a"}).options.bind_to == BindLevel::hwthread);
  CHECK(parse({"--bind-to", "core:overload-allowed", "a"}).options.bind_to == BindLevel::core);
  CHECK(parse({"--bind-to", "CORE:if-supported,overload-allowed", "a"}).ok);
  auto bad = parse({"--bind-to", "board", "a"});
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("'board'") != std::string::npos);
  auto bad_qualifier = parse({"--bind-to", "core:tight", "a"});
  CHECK_FALSE(bad_qualifier.ok);
  CHECK(bad_qualifier.error.find("'tight'") != std::string::npos);
}

TEST_CASE("--map-by takes the common units, :PE=n and ppr:N:unit", "[command_line]") {
  CHECK(parse({"a"}).options.map_by == MapPolicy{});
  CHECK(parse({"--map-by", "slot", "a"}).options.map_by == MapPolicy{MapUnit::slot, 0, 1});
  CHECK(parse({"--map-by", "node", "a"}).options.map_by == MapPolicy{MapUnit::node, 0, 1});
  CHECK(parse({"--map-by", "core", "a"}).options.map_by == MapPolicy{MapUnit::core, 0, 1});
  CHECK(parse({"-map-by", "socket", "a"}).options.map_by == MapPolicy{MapUnit::socket, 0, 1});
  CHECK(parse({"--map-by=hwthread", "a"}).options.map_by == MapPolicy{MapUnit::hwthread, 0, 1});
  CHECK(parse({"--map-by", "slot:PE=4", "a"}).options.map_by == MapPolicy{MapUnit::slot, 0, 4});
  CHECK(parse({"--map-by", "socket:pe=2,span", "a"}).options.map_by ==
        MapPolicy{MapUnit::socket, 0, 2});
  CHECK(parse({"--map-by", "node:OVERSUBSCRIBE", "a"}).ok);
  CHECK(parse({"--map-by", "ppr:2:socket", "a"}).options.map_by == MapPolicy{MapUnit::socket, 2, 1});
  CHECK(parse({"--map-by", "ppr:8:node:PE=2", "a"}).options.map_by == MapPolicy{MapUnit::node, 8, 2});
  auto expect_error = [](std::string value, const std::string& fragment) {
    auto r = parse({"--map-by", value, "a"});
    CHECK_FALSE(r.ok);
    CHECK(r.error.find(fragment) != std::string::npos);
  };
  expect_error("board", "'board'");
  expect_error("core:PE=0", "PE=0");
  expect_error("core:PE=x", "PE=x");
  expect_error("core:tight", "'tight'");
  expect_error("ppr:0:socket", "ppr:N:UNIT");
  expect_error("ppr:2", "ppr:N:UNIT");
  expect_error("ppr:2:board", "ppr:N:UNIT");
}

TEST_CASE("--gpus lists devices; --gpus-per-rank sets the block size", "[command_line]") {
  using Strings = std::vector<std::string>;
  auto r = parse({"--gpus", "0,1,2,3", "-n", "4", "a"});
  REQUIRE(r.ok);
  CHECK(r.options.gpus == Strings{"0", "1", "2", "3"});
  CHECK(r.options.gpus_per_rank == 1);
  CHECK(parse({"--gpus=4-7,1", "a"}).options.gpus == Strings{"4", "5", "6", "7", "1"});
  CHECK(parse({"--gpus", "GPU-8f6c,MIG-1a2b", "a"}).options.gpus == Strings{"GPU-8f6c", "MIG-1a2b"});
  auto blocks = parse({"--gpus", "0-7", "--gpus-per-rank", "2", "a"});
  CHECK(blocks.options.gpus_per_rank == 2);
  // Neither given: CUDA_VISIBLE_DEVICES is not touched.
  auto plain = parse({"a"}, {{"CUDA_VISIBLE_DEVICES", "3"}});
  CHECK(plain.options.gpus.empty());
  CHECK(plain.options.gpus_per_rank == 0);
  // --gpus-per-rank alone divides the caller's CUDA_VISIBLE_DEVICES.
  auto divided = parse({"--gpus-per-rank", "2", "a"}, {{"CUDA_VISIBLE_DEVICES", "4,5,6,7"}});
  REQUIRE(divided.ok);
  CHECK(divided.options.gpus == Strings{"4", "5", "6", "7"});
  CHECK(divided.options.gpus_per_rank == 2);
  auto expect_error = [](std::vector<std::string> args, const std::string& fragment,
                         std::map<std::string, std::string> env = {}) {
    auto result = parse(std::move(args), std::move(env));
    CHECK_FALSE(result.ok);
    CHECK(result.error.find(fragment) != std::string::npos);
  };
  expect_error({"--gpus", "", "a"}, "empty");
  expect_error({"--gpus", "0,,1", "a"}, "''");
  expect_error({"--gpus", "0,x", "a"}, "'x'");
  expect_error({"--gpus", "-1", "a"}, "'-1'");
  expect_error({"--gpus", "1.5", "a"}, "'1.5'");
  expect_error({"--gpus", "3-1", "a"}, "backwards");
  expect_error({"--gpus", "0,1,0", "a"}, "GPU 0 is listed twice");
  expect_error({"--gpus", "0-2,2", "a"}, "GPU 2 is listed twice");
  expect_error({"--gpus", "GPU-", "a"}, "names no device");
  expect_error({"--gpus"}, "needs a value");
  expect_error({"--gpus-per-rank", "0", "--gpus", "0", "a"}, "not a positive number");
  expect_error({"--gpus-per-rank", "2", "a"}, "CUDA_VISIBLE_DEVICES");
  expect_error({"--gpus-per-rank", "1", "a"}, "CUDA_VISIBLE_DEVICES (divided", {{"CUDA_VISIBLE_DEVICES", "a,b"}});
}

TEST_CASE("mpirun flags of serving scripts are accepted", "[command_line]") {
  auto r = parse({"--allow-run-as-root", "--oversubscribe", "-x", "A=1", "--bind-to", "none",
                  "--map-by", "slot", "--report-bindings", "-np", "4", "a"});
  REQUIRE(r.ok);
  CHECK(r.options.allow_run_as_root);
  CHECK(r.options.oversubscribe);
  CHECK(r.options.report_bindings);
  CHECK(r.options.segments[0].count == 4);
  CHECK(parse({"-allow-run-as-root", "-oversubscribe", "a"}).ok);
  CHECK_FALSE(parse({"--oversubscribe=yes", "a"}).ok);
  auto mca = parse({"--mca", "btl", "^openib", "-n", "2", "a"});
  REQUIRE(mca.ok);
  REQUIRE(mca.warnings.size() == 1);
  CHECK(mca.warnings[0].find("btl") != std::string::npos);
  CHECK(mca.options.segments[0].count == 2);
  CHECK_FALSE(parse({"--mca", "btl"}).ok);
}

TEST_CASE("--timeout wins over MPIEXEC_TIMEOUT, which is used otherwise", "[command_line]") {
  CHECK(parse({"--timeout", "5", "a"}, {{"MPIEXEC_TIMEOUT", "60"}}).options.timeout_seconds == 5);
  CHECK(parse({"a"}, {{"MPIEXEC_TIMEOUT", "60"}}).options.timeout_seconds == 60);
  CHECK_FALSE(parse({"a"}).options.timeout_seconds.has_value());
  CHECK_FALSE(parse({"a"}, {{"MPIEXEC_TIMEOUT", "soon"}}).ok);
  // A valid flag makes a broken MPIEXEC_TIMEOUT irrelevant.
  CHECK(parse({"--timeout", "5", "a"}, {{"MPIEXEC_TIMEOUT", "soon"}}).ok);
}

TEST_CASE("--help, --version and --info need no program", "[command_line]") {
  CHECK(parse({"--help"}).options.action == Action::help);
  CHECK(parse({"-h"}).options.action == Action::help);
  CHECK(parse({"--version"}).options.action == Action::version);
  CHECK(parse({"--info"}).options.action == Action::info);
  CHECK(parse({"--info"}).ok);
}

TEST_CASE("command-line mistakes are refused with a reason", "[command_line]") {
  auto expect_error = [](std::vector<std::string> args, const std::string& fragment) {
    auto r = parse(std::move(args));
    CHECK_FALSE(r.ok);
    CHECK(r.error.find(fragment) != std::string::npos);
  };
  expect_error({}, "no program");
  expect_error({"-n", "2"}, "no program");
  expect_error({"-n"}, "needs a value");
  expect_error({"-n", "0", "a"}, "not a positive number");
  expect_error({"-n", "two", "a"}, "not a positive number");
  expect_error({"-n", "2", "-n", "3", "a"}, "twice");
  expect_error({"a", ":"}, "after ':'");
  expect_error({"a", ":", ":", "b"}, "after ':'");
  expect_error({"--frobnicate", "a"}, "unknown option '--frobnicate'");
  expect_error({"--timeout", "-1", "a"}, "whole number of seconds");
  expect_error({"--usize", "0", "a"}, "not a positive number");
  expect_error({"--tag-output=yes", "a"}, "takes no value");
}

TEST_CASE("host lists", "[hosts]") {
  auto r = parse_host_list("localhost,vm:4, 127.0.0.1:2");
  REQUIRE(r.ok);
  REQUIRE(r.hosts.size() == 3);
  CHECK(r.hosts[0].name == "localhost");
  CHECK_FALSE(r.hosts[0].slots_given);
  CHECK(r.hosts[0].slots == 1);
  CHECK(r.hosts[1].name == "vm");
  CHECK(r.hosts[1].slots == 4);
  CHECK(r.hosts[2].name == "127.0.0.1");
  CHECK(r.hosts[2].slots == 2);
  CHECK(parse_host_list("::1").hosts[0].name == "::1");
  CHECK_FALSE(parse_host_list("a,,b").ok);
  CHECK_FALSE(parse_host_list("a:0").ok);
  CHECK_FALSE(parse_host_list("a:x").ok);
  CHECK_FALSE(parse_host_list(":3").ok);
}

TEST_CASE("hostfiles", "[hosts]") {
  auto r =
      parse_hostfile("# cluster\nlocalhost slots=4\n\n  vm   # same machine\n127.0.0.1:2\n", "hf");
  REQUIRE(r.ok);
  REQUIRE(r.hosts.size() == 3);
  CHECK(r.hosts[0].slots == 4);
  CHECK(r.hosts[1].name == "vm");
  CHECK(r.hosts[1].slots == 1);
  CHECK(r.hosts[2].slots == 2);
  auto bad = parse_hostfile("localhost\nvm cores=3\n", "hf");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error.find("hf:2") != std::string::npos);
  CHECK_FALSE(parse_hostfile("a slots=0\n", "hf").ok);
  CHECK_FALSE(parse_hostfile("# nothing\n", "hf").ok);
}

TEST_CASE("which host names mean this machine", "[hosts]") {
  std::vector<std::string> names = {"localhost", "127.0.0.1", "::1", "node7.example.org", "node7"};
  CHECK(is_local_host("localhost", names));
  CHECK(is_local_host("LOCALHOST", names));
  CHECK(is_local_host("node7", names));
  CHECK(is_local_host("Node7.example.org", names));
  CHECK_FALSE(is_local_host("node8", names));
  auto real = local_host_names();
  CHECK(is_local_host(this_host_name(), real));
  CHECK(is_local_host("127.0.0.1", real));
}

TEST_CASE("MPI_UNIVERSE_SIZE comes only from what the user gave", "[hosts]") {
  std::vector<Host> none;
  std::vector<Host> plain = {{"a", 1, false}, {"b", 1, false}};
  std::vector<Host> slotted = {{"a", 4, true}, {"b", 1, false}};
  CHECK_FALSE(universe_size(std::nullopt, none, false, none).has_value());
  CHECK_FALSE(universe_size(std::nullopt, none, false, plain).has_value());
  CHECK(universe_size(std::nullopt, none, false, slotted) == 5);
  CHECK(universe_size(std::nullopt, plain, true, slotted) == 2);  // a hostfile wins over -H
  CHECK(universe_size(12, plain, true, slotted) == 12);           // --usize wins over both
}

TEST_CASE("merge_environment replaces, appends and removes", "[process_start]") {
  std::vector<std::string> base = {"PATH=/bin", "A=1", "WEFT_UNIVERSE_SIZE=3", "B=x=y"};
  auto merged =
      merge_environment(base, {{"A", "2"}, {"C", "3"}, {"A", "4"}}, {"WEFT_UNIVERSE_SIZE"});
  CHECK(merged == std::vector<std::string>{"PATH=/bin", "A=4", "B=x=y", "C=3"});
}

TEST_CASE("resolve_program searches PATH and resolves relative paths", "[process_start]") {
  std::string error;
  auto sh = resolve_program("sh", "", "/nonexistent::/bin:/usr/bin", error);
  REQUIRE(sh.has_value());
  CHECK(sh->front() == '/');
  CHECK_FALSE(resolve_program("no-such-program-here", "", "/bin:/usr/bin", error).has_value());
  CHECK(error.find("not found in PATH") != std::string::npos);
  CHECK(resolve_program("/bin/sh", "", "", error) == std::optional<std::string>("/bin/sh"));
  CHECK(resolve_program("./sh", "/bin", "", error) == std::optional<std::string>("/bin/sh"));
  char plain_file[] = "/tmp/weft_test_resolve_XXXXXX";
  int fd = mkstemp(plain_file);  // mode 0600: not executable
  REQUIRE(fd >= 0);
  close(fd);
  CHECK_FALSE(resolve_program(plain_file, "", "", error).has_value());
  CHECK(error.find("not an executable file") != std::string::npos);
  unlink(plain_file);
  CHECK_FALSE(resolve_program("/bin", "", "", error).has_value());  // a directory
}
