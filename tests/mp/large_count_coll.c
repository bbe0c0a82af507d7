/*
 * The large-count collectives with more than INT_MAX elements in one call, at 2 ranks:
 * MPI_Bcast_c of just over 2^31 MPI_BYTEs from each rank in turn, and an in-place
 * MPI_Allreduce_c (MPI_BXOR over as many MPI_UNSIGNED_CHARs) whose result is the bytewise
 * XOR of the ranks' data. Every element is checked against values computed here, so a
 * lost, repeated or misplaced fragment is caught. Each rank holds one 2 GiB buffer (plus
 * what the reduction stages).
 */
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "mp_check.h"

/* Just over 2^31 bytes (whole words), and not a multiple of any chunk, segment or fragment
 * size. */
#define LARGE_BYTES (((size_t)1 << 31) + 4108)
static const size_t kBytes = LARGE_BYTES;
static const size_t kWords = LARGE_BYTES / 4;

/* Large buffers on transparent huge pages where the system offers them: first-touch faults
 * of 2 GiB of 4 KiB pages cost seconds on virtual machines. */
static uint32_t *big_alloc(size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(memory != MAP_FAILED, "mmap of %zu bytes failed", bytes);
  (void)madvise(memory, bytes, MADV_HUGEPAGE);
  return (uint32_t *)memory;
#else
  return (uint32_t *)mp_malloc(bytes);
#endif
}

static void big_free(void *memory, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  munmap(memory, bytes);
#else
  (void)bytes;
  free(memory);
#endif
}

static uint32_t value(int salt, size_t index) {
  return (uint32_t)(index * 2654435761u) ^ (uint32_t)(salt * 40503 + 17);
}

static void fill(uint32_t *data, int salt) {
  for (size_t i = 0; i < kWords; i++) data[i] = value(salt, i);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  const int rank = mp_world_rank();
  const int size = mp_world_size();
  if (mp_skip_unless_ranks(2, "large_count_coll")) {
    MPI_Finalize();
    return 0;
  }
  const MPI_Count count = (MPI_Count)kBytes;
  CHECK(count > INT32_MAX, "the count exceeds what an int holds");
  uint32_t *data = big_alloc(kBytes);

  /* From every rank in turn: the others start from zeros. */
  for (int root = 0; root < size; root++) {
    if (rank == root) {
      fill(data, root + 1);
    } else {
      memset(data, 0, kBytes);
    }
    CHECK_MPI(MPI_Bcast_c(data, count, MPI_BYTE, root, MPI_COMM_WORLD));
    for (size_t i = 0; i < kWords; i++) {
      if (data[i] != value(root + 1, i)) {
        CHECK(0, "MPI_Bcast_c of %lld bytes from root %d: word %zu is %u, expected %u",
              (long long)count, root, i, data[i], value(root + 1, i));
      }
    }
  }

  /* In place: every byte becomes the XOR of that byte over the ranks. */
  fill(data, 100 + rank);
  CHECK_MPI(MPI_Allreduce_c(MPI_IN_PLACE, data, count, MPI_UNSIGNED_CHAR, MPI_BXOR,
                            MPI_COMM_WORLD));
  for (size_t i = 0; i < kWords; i++) {
    uint32_t expected = 0;
    for (int r = 0; r < size; r++) expected ^= value(100 + r, i);
    if (data[i] != expected) {
      CHECK(0, "MPI_Allreduce_c of %lld bytes: word %zu is %u, expected %u", (long long)count, i,
            data[i], expected);
    }
  }

  big_free(data, kBytes);
  mp_report_ok("large_count_coll");
  MPI_Finalize();
  return 0;
}
