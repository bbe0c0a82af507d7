// Info objects: insertion order, overwrite in place, delete, dup; the MPI_INFO_ENV object
// checked against the system calls that describe this process; the C-string checks and
// truncation rules the entry points rely on.
#include <sys/utsname.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "mpi.h"
#include "mpi/info.h"

namespace {

using weft::Info;

struct Releaser {
  void operator()(Info* info) const { info->release(); }
};
using InfoRef = std::unique_ptr<Info, Releaser>;

std::vector<std::string> keys_of(const Info& info) {
  std::vector<std::string> keys;
  for (int n = 0; n < info.size(); ++n) keys.push_back(info.key_at(n));
  return keys;
}

std::string value_of(const Info& info, const std::string& key) {
  std::string value = "<absent>";
  info.get(key, value);
  return value;
}

}  // namespace

TEST_CASE("info: keys keep their first insertion order", "[info]") {
  InfoRef info(new Info());
  CHECK(info->size() == 0);
  info->set("wdir", "/tmp");
  info->set("host", "a");
  info->set("env", "X=1");
  CHECK(keys_of(*info) == std::vector<std::string>{"wdir", "host", "env"});

  // Overwriting keeps the key where it stands.
  info->set("host", "b");
  CHECK(keys_of(*info) == std::vector<std::string>{"wdir", "host", "env"});
  CHECK(value_of(*info, "host") == "b");

  // Keys are case sensitive.
  info->set("HOST", "c");
  CHECK(info->size() == 4);
  CHECK(value_of(*info, "host") == "b");
  CHECK(value_of(*info, "HOST") == "c");

  // Erasing closes the gap; setting it again appends.
  CHECK(info->erase("wdir"));
  CHECK_FALSE(info->erase("wdir"));
  CHECK(keys_of(*info) == std::vector<std::string>{"host", "env", "HOST"});
  info->set("wdir", "/home");
  CHECK(keys_of(*info) == std::vector<std::string>{"host", "env", "HOST", "wdir"});

  std::string untouched = "keep";
  CHECK_FALSE(info->get("missing", untouched));
  CHECK(untouched == "keep");

  // Empty values are values.
  info->set("empty", "");
  CHECK(value_of(*info, "empty").empty());
}

TEST_CASE("info: clone is a deep, ordered, independent copy", "[info]") {
  InfoRef info(new Info());
  for (int i = 0; i < 20; ++i) {
    std::string key = "k";  // appended, not "k" + std::string&& (GCC 12 -O3 -Wrestrict)
    key += std::to_string((i * 7) % 20);
    info->set(key, std::to_string(i));
  }
  InfoRef copy(info->clone());
  CHECK(keys_of(*copy) == keys_of(*info));
  for (int n = 0; n < info->size(); ++n) {
    CHECK(value_of(*copy, info->key_at(n)) == value_of(*info, info->key_at(n)));
  }
  const std::string k3 = value_of(*info, "k3");
  const std::string k0 = value_of(*info, "k0");
  copy->set("k3", "changed");
  copy->erase("k0");
  info->set("new", "1");
  CHECK(value_of(*info, "k3") == k3);
  CHECK(value_of(*info, "k0") == k0);
  CHECK(value_of(*copy, "new") == "<absent>");

  InfoRef empty_copy(InfoRef(new Info())->clone());
  CHECK(empty_copy->size() == 0);
}

TEST_CASE("info: handles", "[info]") {
  CHECK(weft::info_from_handle(MPI_INFO_NULL) == nullptr);
  CHECK(weft::info_from_handle(reinterpret_cast<MPI_Info>(uintptr_t{0x101})) == nullptr);
  Info* env = weft::info_from_handle(MPI_INFO_ENV);
  REQUIRE(env != nullptr);
  CHECK(env == weft::env_info());
  CHECK(env->is_predefined());
  CHECK(env->handle() == MPI_INFO_ENV);

  InfoRef info(new Info());
  CHECK_FALSE(info->is_predefined());
  MPI_Info handle = info->handle();
  CHECK(handle != MPI_INFO_ENV);
  CHECK(weft::info_from_handle(handle) == info.get());

  // A clone of MPI_INFO_ENV is an ordinary, editable object.
  InfoRef copy(env->clone());
  CHECK_FALSE(copy->is_predefined());
  CHECK(keys_of(*copy) == keys_of(*env));
}

TEST_CASE("info: MPI_INFO_ENV describes this process", "[info]") {
  const Info& env = *weft::env_info();
  // argv[0] as the C runtime saw it.
  CHECK(value_of(env, "command") == program_invocation_name);

  char directory[PATH_MAX];
  REQUIRE(getcwd(directory, sizeof directory) != nullptr);
  CHECK(value_of(env, "wdir") == directory);

  char host[256] = {};
  REQUIRE(gethostname(host, sizeof host - 1) == 0);
  CHECK(value_of(env, "host") == host);

  utsname system{};
  REQUIRE(uname(&system) == 0);
  CHECK(value_of(env, "arch") == system.machine);

  for (int n = 0; n < env.size(); ++n) {
    CHECK(env.key_at(n).size() < MPI_MAX_INFO_KEY);
    CHECK(value_of(env, env.key_at(n)).size() < MPI_MAX_INFO_VAL);
  }
}

TEST_CASE("info: key and value checks at the C boundary", "[info]") {
  std::string out = "unchanged";

  weft::Status status = weft::read_info_key("MPI_Info_set", nullptr, &out);
  CHECK(status.error_class() == MPI_ERR_INFO_KEY);
  CHECK(status.message() == "MPI_Info_set: argument key is NULL");
  CHECK(weft::read_info_key("MPI_Info_set", "", &out).error_class() == MPI_ERR_INFO_KEY);
  CHECK(out == "unchanged");

  const std::string longest_key(MPI_MAX_INFO_KEY - 1, 'k');
  REQUIRE(weft::read_info_key("MPI_Info_set", longest_key.c_str(), &out).ok());
  CHECK(out == longest_key);

  const std::string long_key(MPI_MAX_INFO_KEY, 'k');
  status = weft::read_info_key("MPI_Info_get", long_key.c_str(), &out);
  CHECK(status.error_class() == MPI_ERR_INFO_KEY);
  CHECK(status.message().find("MPI_Info_get: argument key=\"kkkk") == 0);
  CHECK(status.message().find("MPI_MAX_INFO_KEY") != std::string::npos);

  // An unterminated buffer is not read past the longest legal key (AddressSanitizer
  // would see the overrun: the vector holds exactly MPI_MAX_INFO_KEY bytes).
  std::vector<char> unterminated(MPI_MAX_INFO_KEY, 'x');
  CHECK(weft::read_info_key("MPI_Info_set", unterminated.data(), &out).error_class() ==
        MPI_ERR_INFO_KEY);

  status = weft::read_info_value("MPI_Info_set", nullptr, &out);
  CHECK(status.error_class() == MPI_ERR_INFO_VALUE);
  REQUIRE(weft::read_info_value("MPI_Info_set", "", &out).ok());
  CHECK(out.empty());
  const std::string longest_value(MPI_MAX_INFO_VAL - 1, 'v');
  REQUIRE(weft::read_info_value("MPI_Info_set", longest_value.c_str(), &out).ok());
  CHECK(out == longest_value);
  std::vector<char> long_value(MPI_MAX_INFO_VAL, 'v');
  status = weft::read_info_value("MPI_Info_set", long_value.data(), &out);
  CHECK(status.error_class() == MPI_ERR_INFO_VALUE);
  CHECK(status.message().find("MPI_MAX_INFO_VAL") != std::string::npos);
}

TEST_CASE("info: truncating copies", "[info]") {
  const std::string text = "bind_to=core";
  for (size_t capacity = 0; capacity <= text.size() + 3; ++capacity) {
    std::vector<char> buffer(capacity + 1, '#');  // one guard byte past the capacity
    weft::copy_truncated(text, buffer.data(), capacity);
    CHECK(buffer[capacity] == '#');
    if (capacity == 0) continue;
    const size_t kept = std::min(text.size(), capacity - 1);
    CHECK(std::string(buffer.data()) == text.substr(0, kept));
  }
}
