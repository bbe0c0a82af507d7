#include "mpi/memory.h"

#include <cerrno>
#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_set>

#include "mpi.h"
#include "mpi/info.h"

namespace weft {

namespace {
std::mutex g_mutex;
std::unordered_set<void*> g_blocks;
}  // namespace

size_t parse_alignment(const char* text) {
  if (text == nullptr || *text < '0' || *text > '9') return 0;
  char* end = nullptr;
  errno = 0;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || value == 0 || (value & (value - 1)) != 0) return 0;
  // Anything beyond a huge page is no longer an alignment a heap can honour cheaply.
  if (value > (1ull << 30)) return 0;
  return static_cast<size_t>(value);
}

Status alloc_mem(const char* call, size_t size, const Info* hints, void** out) {
  size_t alignment = kDefaultAlignment;
  std::string asked;
  if (hints != nullptr && hints->get("mpi_minimum_memory_alignment", asked)) {
    size_t wanted = parse_alignment(asked.c_str());
    if (wanted > alignment) alignment = wanted;
  }
  void* block = nullptr;
  if (posix_memalign(&block, alignment, size == 0 ? 1 : size) != 0) {
    return error(MPI_ERR_NO_MEM, "%s: cannot allocate %zu bytes aligned to %zu", call, size,
                 alignment);
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  g_blocks.insert(block);
  *out = block;
  return Status();
}

Status free_mem(const char* call, void* base) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_blocks.erase(base) == 0) {
      return error(MPI_ERR_BASE,
                   "%s: argument base=%p was not returned by MPI_Alloc_mem (or is already freed)",
                   call, base);
    }
  }
  std::free(base);
  return Status();
}

}  // namespace weft
