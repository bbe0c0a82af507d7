#include "mpi/comm_info.h"

#include <string>

#include "mpi/info.h"

namespace weft {

namespace {
constexpr const char* kAssertionKeys[] = {
    "mpi_assert_no_any_tag",
    "mpi_assert_no_any_source",
    "mpi_assert_exact_length",
    "mpi_assert_allow_overtaking",
    "mpi_assert_strict_persistent_collective_ordering",
};
}  // namespace

uint32_t apply_assertion_hints(uint32_t current, const Info* hints) {
  if (hints == nullptr) return current;
  uint32_t bit = 1;
  for (const char* key : kAssertionKeys) {
    std::string value;
    if (hints->get(key, value)) {
      if (value == "true") current |= bit;
      if (value == "false") current &= ~bit;
    }
    bit <<= 1;
  }
  return current;
}

Info* assertion_hints(uint32_t assertions) {
  auto* info = new Info();
  uint32_t bit = 1;
  for (const char* key : kAssertionKeys) {
    info->set(key, (assertions & bit) != 0 ? "true" : "false");
    bit <<= 1;
  }
  return info;
}

}  // namespace weft
