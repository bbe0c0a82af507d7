// Handles and small objects: integer handles (predefined ABI values, stable small integers
// for created objects, null handles of every kind), the live-object registry that keeps a
// never-written handle from being read, communicator hints, the alignment hint of
// MPI_Alloc_mem, hardware level names, and the rules for removing added error classes,
// codes and strings.
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "mpi.h"
#include "mpi/comm_info.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/handle_int.h"
#include "mpi/hardware.h"
#include "mpi/info.h"
#include "mpi/memory.h"

namespace {

int as_int(const void* handle) { return weft::handle_to_int(handle); }

}  // namespace

TEST_CASE("predefined handles convert to their ABI values and back") {
  CHECK(as_int(MPI_COMM_WORLD) == 257);
  CHECK(as_int(MPI_COMM_NULL) == 256);
  CHECK(as_int(MPI_INT) == static_cast<int>(reinterpret_cast<uintptr_t>(MPI_INT)));
  CHECK(weft::handle_from_int(257, MPI_COMM_NULL) == static_cast<void*>(MPI_COMM_WORLD));
  // The null handles of kinds weft has no objects of yet.
  CHECK(weft::handle_from_int(as_int(MPI_WIN_NULL), MPI_WIN_NULL) ==
        static_cast<void*>(MPI_WIN_NULL));
  CHECK(weft::handle_from_int(as_int(MPI_FILE_NULL), MPI_FILE_NULL) ==
        static_cast<void*>(MPI_FILE_NULL));
  CHECK(weft::handle_from_int(as_int(MPI_SESSION_NULL), MPI_SESSION_NULL) ==
        static_cast<void*>(MPI_SESSION_NULL));
}

TEST_CASE("created objects get stable integers above the predefined range") {
  std::vector<int> storage(4);
  const int first = as_int(&storage[0]);
  const int second = as_int(&storage[1]);
  CHECK(first >= static_cast<int>(weft::kFirstDynamicHandle));
  CHECK(second >= static_cast<int>(weft::kFirstDynamicHandle));
  CHECK(first != second);
  CHECK(as_int(&storage[0]) == first);
  CHECK(weft::handle_from_int(first, nullptr) == static_cast<void*>(&storage[0]));
  CHECK(weft::handle_from_int(second, nullptr) == static_cast<void*>(&storage[1]));
  // An integer no conversion produced gives the null handle asked for.
  CHECK(weft::handle_from_int(-5, MPI_GROUP_NULL) == static_cast<void*>(MPI_GROUP_NULL));
  CHECK(weft::handle_from_int(1 << 30, MPI_GROUP_NULL) == static_cast<void*>(MPI_GROUP_NULL));
}

TEST_CASE("handles that name no live group, info or error handler are refused unread") {
  // Addresses that are not objects at all: reading through them could fault.
  auto* garbage = reinterpret_cast<MPI_Group>(uintptr_t{0x300000000});
  CHECK(weft::group_from_handle(garbage) == nullptr);
  CHECK(weft::info_from_handle(reinterpret_cast<MPI_Info>(uintptr_t{0x300000000})) == nullptr);
  CHECK(weft::errhandler_from_handle(reinterpret_cast<MPI_Errhandler>(uintptr_t{0x300000000})) ==
        nullptr);

  auto* group = new weft::Group(std::vector<int>{0, 1});
  MPI_Group handle = group->handle();
  CHECK(weft::group_from_handle(handle) == group);
  group->release();
  CHECK(weft::group_from_handle(handle) == nullptr);
  CHECK(weft::group_from_handle(MPI_GROUP_EMPTY) == weft::empty_group());

  auto* info = new weft::Info();
  MPI_Info info_handle = info->handle();
  CHECK(weft::info_from_handle(info_handle) == info);
  info->release();
  CHECK(weft::info_from_handle(info_handle) == nullptr);
  CHECK(weft::info_from_handle(MPI_INFO_ENV) == weft::env_info());
}

TEST_CASE("communicator hints: the five assertions, true and false only") {
  auto* hints = new weft::Info();
  hints->set("mpi_assert_no_any_tag", "true");
  hints->set("mpi_assert_exact_length", "yes");  // not a boolean: ignored
  hints->set("mpi_assert_allow_overtaking", "false");
  hints->set("unknown", "true");
  uint32_t assertions = weft::apply_assertion_hints(1u << 3, hints);
  CHECK(assertions == 1u);
  CHECK(weft::apply_assertion_hints(assertions, nullptr) == assertions);
  hints->release();

  weft::Info* used = weft::assertion_hints(1u | (1u << 4));
  REQUIRE(used->size() == 5);
  std::string value;
  REQUIRE(used->get("mpi_assert_no_any_tag", value));
  CHECK(value == "true");
  REQUIRE(used->get("mpi_assert_no_any_source", value));
  CHECK(value == "false");
  REQUIRE(used->get("mpi_assert_strict_persistent_collective_ordering", value));
  CHECK(value == "true");
  used->release();
}

TEST_CASE("MPI_Alloc_mem: the alignment hint and the blocks it knows") {
  CHECK(weft::parse_alignment("4096") == 4096);
  CHECK(weft::parse_alignment("1") == 1);
  CHECK(weft::parse_alignment("3000") == 0);
  CHECK(weft::parse_alignment("0") == 0);
  CHECK(weft::parse_alignment("-64") == 0);
  CHECK(weft::parse_alignment("64 bytes") == 0);
  CHECK(weft::parse_alignment("") == 0);

  auto* hints = new weft::Info();
  hints->set("mpi_minimum_memory_alignment", "8192");
  void* block = nullptr;
  REQUIRE(weft::alloc_mem("test", 100, hints, &block).ok());
  CHECK(reinterpret_cast<uintptr_t>(block) % 8192 == 0);
  void* plain = nullptr;
  REQUIRE(weft::alloc_mem("test", 0, nullptr, &plain).ok());
  CHECK(reinterpret_cast<uintptr_t>(plain) % weft::kDefaultAlignment == 0);
  CHECK(weft::free_mem("test", block).ok());
  CHECK(weft::free_mem("test", block).error_class() == MPI_ERR_BASE);
  int local = 0;
  CHECK(weft::free_mem("test", &local).error_class() == MPI_ERR_BASE);
  CHECK(weft::free_mem("test", plain).ok());
  hints->release();
}

TEST_CASE("hardware level names") {
  weft::HardwareLevel level;
  REQUIRE(weft::parse_hardware_level("machine", &level));
  CHECK(level == weft::HardwareLevel::kMachine);
  REQUIRE(weft::parse_hardware_level("mpi_shared_memory", &level));
  CHECK(level == weft::HardwareLevel::kMachine);
  REQUIRE(weft::parse_hardware_level("socket", &level));
  CHECK(level == weft::HardwareLevel::kPackage);
  REQUIRE(weft::parse_hardware_level("hwthread", &level));
  CHECK(level == weft::HardwareLevel::kPu);
  CHECK_FALSE(weft::parse_hardware_level("l3cache", &level));
  CHECK_FALSE(weft::parse_hardware_level("", &level));
  CHECK(weft::bound_resource(weft::HardwareLevel::kMachine) == 0);
  std::vector<int> counts = weft::resource_counts();
  REQUIRE(counts.size() == static_cast<size_t>(weft::kHardwareLevels));
  CHECK(counts[0] == 1);
}

TEST_CASE("removing added error classes, codes and strings, in order") {
  const int error_class = weft::add_error_class();
  int code = 0;
  REQUIRE(weft::add_error_code(error_class, &code));
  REQUIRE(weft::set_error_string(code, "a code"));

  CHECK(weft::remove_error_class(error_class) != nullptr);  // a code is left
  CHECK(weft::remove_error_code(code) != nullptr);          // its string is left
  CHECK(weft::remove_error_code(error_class) != nullptr);   // a class, not a code
  CHECK(weft::remove_error_class(MPI_ERR_RANK) != nullptr);
  CHECK(weft::remove_error_string(MPI_ERR_RANK) != nullptr);
  CHECK(weft::remove_error_string(error_class) != nullptr);  // no string was added

  CHECK(weft::remove_error_string(code) == nullptr);
  CHECK(weft::remove_error_code(code) == nullptr);
  int found = -1;
  CHECK_FALSE(weft::error_code_class(code, &found));
  CHECK(weft::remove_error_class(error_class) == nullptr);
  CHECK_FALSE(weft::error_code_class(error_class, &found));
  CHECK(weft::add_error_class() > code);  // values are not handed out again
}
