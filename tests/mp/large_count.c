/*
 * Messages of more than 2^31 bytes in one call: a point-to-point message (one element of a
 * contiguous type, and an int count of a basic type), nonblocking and blocking, and a
 * broadcast and a reduction whose int count covers more than 2^31 bytes. The counts the
 * int interfaces cannot hold come back as MPI_UNDEFINED, the _x forms give them exactly.
 * The large-count _c calls move more than INT_MAX elements of MPI_BYTE and MPI_CHAR in one
 * call (MPI_Send_c/MPI_Recv_c, MPI_Isend_c/MPI_Irecv_c), and MPI_Get_count_c and
 * MPI_Get_elements_c give those counts exactly.
 *
 * Every rank's data is a function of (rank, index), checked in full (a sum over the whole
 * message and every 4099th element), so a lost or misplaced fragment is caught.
 */
#include <limits.h>
#include <stdint.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "mp_check.h"

/* Just over 2^31 bytes, and not a multiple of any chunk or fragment size. */
enum { kInts = (1 << 29) + 1027 };
static const size_t kBytes = (size_t)kInts * sizeof(int);

/* Large buffers on transparent huge pages where the system offers them: first-touch faults
 * of 2 GiB of 4 KiB pages cost seconds on virtual machines. */
static void *big_alloc(size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(memory != MAP_FAILED, "mmap of %zu bytes failed", bytes);
  (void)madvise(memory, bytes, MADV_HUGEPAGE);
  return memory;
#else
  return mp_malloc(bytes);
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

static int value(int rank, size_t index) { return (int)((index * 2654435761u) ^ (unsigned)(rank * 977)); }

static void fill(int *data, int rank) {
  for (size_t i = 0; i < (size_t)kInts; i++) data[i] = value(rank, i);
}

static void check_all(const int *data, int rank, const char *what) {
  for (size_t i = 0; i < (size_t)kInts; i++) {
    if (data[i] != value(rank, i)) {
      CHECK_INT(data[i], value(rank, i), "%s: element %zu of %d", what, i, kInts);
    }
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = mp_world_rank();
  int size = mp_world_size();
  if (mp_skip_unless_ranks(2, "large_count")) {
    MPI_Finalize();
    return 0;
  }

  int *data = big_alloc(kBytes);

  /* One element of a type of kBytes bytes: two halves of kBytes / 2 MPI_BYTEs, so it holds
   * more basic elements than an int counts. */
  MPI_Datatype half, big;
  CHECK_MPI(MPI_Type_contiguous((int)(kBytes / 2), MPI_BYTE, &half));
  CHECK_MPI(MPI_Type_contiguous(2, half, &big));
  CHECK_MPI(MPI_Type_commit(&big));
  CHECK_MPI(MPI_Type_free(&half));
  int type_size = 0;
  CHECK_MPI(MPI_Type_size(big, &type_size));
  CHECK_INT(type_size, MPI_UNDEFINED, "MPI_Type_size of a %zu-byte type", kBytes);
  MPI_Count type_size_x = 0;
  CHECK_MPI(MPI_Type_size_x(big, &type_size_x));
  CHECK(type_size_x == (MPI_Count)kBytes, "MPI_Type_size_x: %lld, expected %zu",
        (long long)type_size_x, kBytes);
  int pack_size = 0;
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_ERROR_CLASS(MPI_Pack_size(1, big, MPI_COMM_WORLD, &pack_size), MPI_ERR_VALUE_TOO_LARGE,
                    "MPI_Pack_size of %zu bytes", kBytes);

  /* Rank 0 -> rank size-1, blocking, derived type. */
  const int last = size - 1;
  if (rank == 0) {
    fill(data, 0);
    CHECK_MPI(MPI_Send(data, 1, big, last, 7, MPI_COMM_WORLD));
  } else if (rank == last) {
    memset(data, 0, kBytes);
    MPI_Status status;
    CHECK_MPI(MPI_Recv(data, 1, big, 0, 7, MPI_COMM_WORLD, &status));
    check_all(data, 0, "MPI_Recv of one large element");
    int count = 0;
    CHECK_MPI(MPI_Get_count(&status, big, &count));
    CHECK_INT(count, 1, "MPI_Get_count in the large type");
    int elements = 0;
    CHECK_MPI(MPI_Get_elements(&status, big, &elements));
    CHECK_INT(elements, MPI_UNDEFINED, "MPI_Get_elements of %zu bytes", kBytes);
    MPI_Count elements_x = 0;
    CHECK_MPI(MPI_Get_elements_x(&status, big, &elements_x));
    CHECK(elements_x == (MPI_Count)kBytes, "MPI_Get_elements_x: %lld, expected %zu",
          (long long)elements_x, kBytes);
  }

  /* rank size-1 -> rank 0, nonblocking, int count of MPI_INT. */
  if (rank == last) {
    fill(data, last);
    MPI_Request request;
    CHECK_MPI(MPI_Isend(data, kInts, MPI_INT, 0, 8, MPI_COMM_WORLD, &request));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  } else if (rank == 0) {
    memset(data, 0, kBytes);
    MPI_Request request;
    MPI_Status status;
    CHECK_MPI(MPI_Irecv(data, kInts, MPI_INT, last, 8, MPI_COMM_WORLD, &request));
    CHECK_MPI(MPI_Wait(&request, &status));
    check_all(data, last, "MPI_Irecv of a large int count");
    int count = 0;
    CHECK_MPI(MPI_Get_count(&status, MPI_INT, &count));
    CHECK_INT(count, kInts, "MPI_Get_count in ints");
  }

  /* The _c calls: rank 0 -> last, blocking, kBytes (> INT_MAX) elements of MPI_BYTE. */
  const MPI_Count byte_count = (MPI_Count)kBytes;
  if (rank == 0) {
    fill(data, 5);
    CHECK_MPI(MPI_Send_c(data, byte_count, MPI_BYTE, last, 9, MPI_COMM_WORLD));
  } else if (rank == last) {
    memset(data, 0, kBytes);
    MPI_Status status;
    CHECK_MPI(MPI_Recv_c(data, byte_count, MPI_BYTE, 0, 9, MPI_COMM_WORLD, &status));
    check_all(data, 5, "MPI_Recv_c of more than INT_MAX bytes");
    MPI_Count count_c = 0, elements_c = 0;
    CHECK_MPI(MPI_Get_count_c(&status, MPI_BYTE, &count_c));
    CHECK(count_c == byte_count, "MPI_Get_count_c: %lld, expected %lld", (long long)count_c,
          (long long)byte_count);
    CHECK_MPI(MPI_Get_elements_c(&status, MPI_BYTE, &elements_c));
    CHECK(elements_c == byte_count, "MPI_Get_elements_c: %lld, expected %lld",
          (long long)elements_c, (long long)byte_count);
    int count = 0;
    CHECK_MPI(MPI_Get_count(&status, MPI_BYTE, &count));
    CHECK_INT(count, MPI_UNDEFINED, "MPI_Get_count of %zu bytes", kBytes);
    /* In ints the same message is exactly kInts, which an int holds. */
    CHECK_MPI(MPI_Get_count_c(&status, MPI_INT, &count_c));
    CHECK(count_c == kInts, "MPI_Get_count_c in ints: %lld", (long long)count_c);
  }

  /* last -> rank 0, nonblocking, kBytes elements of MPI_CHAR. */
  if (rank == last) {
    fill(data, 6);
    MPI_Request request;
    CHECK_MPI(MPI_Isend_c(data, byte_count, MPI_CHAR, 0, 10, MPI_COMM_WORLD, &request));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  } else if (rank == 0) {
    memset(data, 0, kBytes);
    MPI_Request request;
    MPI_Status status;
    CHECK_MPI(MPI_Irecv_c(data, byte_count, MPI_CHAR, last, 10, MPI_COMM_WORLD, &request));
    CHECK_MPI(MPI_Wait(&request, &status));
    check_all(data, 6, "MPI_Irecv_c of more than INT_MAX chars");
    MPI_Count count_c = 0, elements_c = 0;
    CHECK_MPI(MPI_Get_count_c(&status, MPI_CHAR, &count_c));
    CHECK(count_c == byte_count, "MPI_Get_count_c (MPI_CHAR): %lld, expected %lld",
          (long long)count_c, (long long)byte_count);
    CHECK_MPI(MPI_Get_elements_c(&status, MPI_CHAR, &elements_c));
    CHECK(elements_c == byte_count, "MPI_Get_elements_c (MPI_CHAR): %lld, expected %lld",
          (long long)elements_c, (long long)byte_count);
    int elements = 0;
    CHECK_MPI(MPI_Get_elements(&status, MPI_CHAR, &elements));
    CHECK_INT(elements, MPI_UNDEFINED, "MPI_Get_elements of %zu chars", kBytes);
  }

  /* Broadcast from the last rank. */
  if (rank == last) {
    fill(data, 3);
  } else {
    memset(data, 0, kBytes);
  }
  CHECK_MPI(MPI_Bcast(data, kInts, MPI_INT, last, MPI_COMM_WORLD));
  check_all(data, 3, "MPI_Bcast of a large int count");

  /* Sum to rank 0: element i of rank r is (i % 1000) + r, so the sum is known exactly. */
  for (size_t i = 0; i < (size_t)kInts; i++) data[i] = (int)(i % 1000) + rank;
  int *sum = rank == 0 ? big_alloc(kBytes) : NULL;
  CHECK_MPI(MPI_Reduce(data, sum, kInts, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD));
  if (rank == 0) {
    const int rank_sum = size * (size - 1) / 2;
    for (size_t i = 0; i < (size_t)kInts; i++) {
      const int expected = (int)(i % 1000) * size + rank_sum;
      if (sum[i] != expected) CHECK_INT(sum[i], expected, "MPI_Reduce element %zu", i);
    }
    big_free(sum, kBytes);
  }

  CHECK_MPI(MPI_Type_free(&big));
  big_free(data, kBytes);
  mp_report_ok("large_count");
  MPI_Finalize();
  return 0;
}
