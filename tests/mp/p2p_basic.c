/*
 * Blocking point-to-point in every send mode: Send, Ssend, Rsend, Bsend, Sendrecv and
 * Sendrecv_replace, around a ring, over sizes from empty to above 1 MiB and over several
 * predefined datatypes. Each rank sends data that encodes its own rank, and receivers post
 * buffers larger than the message so writes past the message's end are caught.
 */
#include "mp_check.h"

enum { kGuardElements = 5 };
static const unsigned char kSentinel = 0xA5;

typedef struct {
  MPI_Datatype type;
  const char *name;
  size_t extent;
} TypeCase;

static TypeCase type_cases[4];

static void init_type_cases(void) {
  type_cases[0] = (TypeCase){MPI_INT, "MPI_INT", sizeof(int)};
  type_cases[1] = (TypeCase){MPI_DOUBLE, "MPI_DOUBLE", sizeof(double)};
  type_cases[2] = (TypeCase){MPI_CHAR, "MPI_CHAR", sizeof(char)};
  type_cases[3] = (TypeCase){MPI_BYTE, "MPI_BYTE", 1};
}

static const int message_sizes[] = {0, 1, 7, 1000, 65536, 1048576 + 3};
enum { kSizeCount = sizeof message_sizes / sizeof message_sizes[0] };

static void fill(const TypeCase *tc, void *buffer, int count, int rank, int salt) {
  for (int i = 0; i < count; ++i) {
    if (tc->type == MPI_INT) {
      ((int *)buffer)[i] = mp_pattern_int(rank, i, salt);
    } else if (tc->type == MPI_DOUBLE) {
      ((double *)buffer)[i] = mp_pattern_double(rank, i, salt);
    } else if (tc->type == MPI_CHAR) {
      ((char *)buffer)[i] = (char)(mp_pattern_byte(rank, i, salt) & 0x7f);
    } else {
      ((unsigned char *)buffer)[i] = mp_pattern_byte(rank, i, salt);
    }
  }
}

/* Checks `count` elements from `rank` and that the guard past them is untouched. */
static void verify(const TypeCase *tc, const void *buffer, int count, int rank, int salt,
                   const char *what) {
  for (int i = 0; i < count; ++i) {
    if (tc->type == MPI_INT) {
      CHECK_INT(((const int *)buffer)[i], mp_pattern_int(rank, i, salt),
                "%s: %s[%d] of %d from rank %d", what, tc->name, i, count, rank);
    } else if (tc->type == MPI_DOUBLE) {
      CHECK_DOUBLE(((const double *)buffer)[i], mp_pattern_double(rank, i, salt),
                   "%s: %s[%d] of %d from rank %d", what, tc->name, i, count, rank);
    } else if (tc->type == MPI_CHAR) {
      CHECK_INT(((const char *)buffer)[i], (char)(mp_pattern_byte(rank, i, salt) & 0x7f),
                "%s: %s[%d] of %d from rank %d", what, tc->name, i, count, rank);
    } else {
      CHECK_INT(((const unsigned char *)buffer)[i], mp_pattern_byte(rank, i, salt),
                "%s: %s[%d] of %d from rank %d", what, tc->name, i, count, rank);
    }
  }
  const unsigned char *guard = (const unsigned char *)buffer + (size_t)count * tc->extent;
  for (size_t i = 0; i < kGuardElements * tc->extent; ++i) {
    CHECK_INT(guard[i], kSentinel, "%s: %s byte %zu past the end of a %d-element message",
              what, tc->name, i, count);
  }
}

static void *alloc_receive(const TypeCase *tc, int count) {
  size_t bytes = ((size_t)count + kGuardElements) * tc->extent;
  void *buffer = mp_malloc(bytes);
  memset(buffer, kSentinel, bytes);
  return buffer;
}

typedef enum { kModeStandard, kModeSynchronous } SendMode;

/* Passes a message around the ring: rank 0 sends first, every other rank receives from
 * its left then sends its own data right, so the blocking calls cannot deadlock. */
static void token_ring(const TypeCase *tc, int count, int tag, SendMode mode, int rank,
                       int size) {
  const char *what = mode == kModeStandard ? "Send ring" : "Ssend ring";
  int salt = tag;
  void *send = mp_malloc((size_t)count * tc->extent);
  void *receive = alloc_receive(tc, count);
  fill(tc, send, count, rank, salt);
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  MPI_Status status;

  if (size == 1) {
    /* A blocking send to oneself may wait for the receive, so post the send first. */
    MPI_Request request;
    if (mode == kModeStandard) {
      CHECK_MPI(MPI_Isend(send, count, tc->type, 0, tag, MPI_COMM_WORLD, &request));
    } else {
      CHECK_MPI(MPI_Issend(send, count, tc->type, 0, tag, MPI_COMM_WORLD, &request));
    }
    CHECK_MPI(MPI_Recv(receive, count + kGuardElements, tc->type, 0, tag, MPI_COMM_WORLD,
                       &status));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  } else if (rank == 0) {
    if (mode == kModeStandard) {
      CHECK_MPI(MPI_Send(send, count, tc->type, right, tag, MPI_COMM_WORLD));
    } else {
      CHECK_MPI(MPI_Ssend(send, count, tc->type, right, tag, MPI_COMM_WORLD));
    }
    CHECK_MPI(MPI_Recv(receive, count + kGuardElements, tc->type, left, tag, MPI_COMM_WORLD,
                       &status));
  } else {
    CHECK_MPI(MPI_Recv(receive, count + kGuardElements, tc->type, left, tag, MPI_COMM_WORLD,
                       &status));
    if (mode == kModeStandard) {
      CHECK_MPI(MPI_Send(send, count, tc->type, right, tag, MPI_COMM_WORLD));
    } else {
      CHECK_MPI(MPI_Ssend(send, count, tc->type, right, tag, MPI_COMM_WORLD));
    }
  }
  CHECK_STATUS(status, left, tag, tc->type, count, "%s %s count %d", what, tc->name, count);
  verify(tc, receive, count, left, salt, what);
  free(send);
  free(receive);
}

/* Ready mode needs the receive posted first. The receiver posts its Irecv and then tells
 * the sender with a zero-byte message; the sender waits for that before MPI_Rsend. */
static void ready_ring(int count, int tag, int rank, int size) {
  const TypeCase *tc = &type_cases[0];
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  void *send = mp_malloc((size_t)count * tc->extent);
  void *receive = alloc_receive(tc, count);
  fill(tc, send, count, rank, tag);

  MPI_Request receive_request;
  MPI_Request ready_request;
  CHECK_MPI(MPI_Irecv(receive, count + kGuardElements, tc->type, left, tag, MPI_COMM_WORLD,
                      &receive_request));
  CHECK_MPI(MPI_Isend(NULL, 0, MPI_BYTE, left, tag + 1, MPI_COMM_WORLD, &ready_request));

  MPI_Status status;
  CHECK_MPI(MPI_Recv(NULL, 0, MPI_BYTE, right, tag + 1, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, right, tag + 1, MPI_BYTE, 0, "Rsend readiness message");
  CHECK_MPI(MPI_Rsend(send, count, tc->type, right, tag, MPI_COMM_WORLD));

  CHECK_MPI(MPI_Wait(&receive_request, &status));
  CHECK_MPI(MPI_Wait(&ready_request, MPI_STATUS_IGNORE));
  CHECK_STATUS(status, left, tag, tc->type, count, "Rsend ring count %d", count);
  verify(tc, receive, count, left, tag, "Rsend ring");
  free(send);
  free(receive);
}

/* Buffered mode: several messages of different types in flight from one attached
 * buffer sized by MPI_Pack_size plus MPI_BSEND_OVERHEAD per message. */
static void buffered_ring(int round, int rank, int size) {
  const int counts[3] = {10, 1000, 100000};
  const TypeCase *cases[3] = {&type_cases[0], &type_cases[1], &type_cases[3]};
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  int tag_base = 300 + round * 10;

  int total = 0;
  for (int m = 0; m < 3; ++m) {
    int packed = 0;
    CHECK_MPI(MPI_Pack_size(counts[m], cases[m]->type, MPI_COMM_WORLD, &packed));
    CHECK(packed >= counts[m] * (int)cases[m]->extent, "MPI_Pack_size %d for %d %s", packed,
          counts[m], cases[m]->name);
    total += packed + MPI_BSEND_OVERHEAD;
  }
  char *attached = mp_malloc((size_t)total);
  CHECK_MPI(MPI_Buffer_attach(attached, total));

  void *send[3];
  for (int m = 0; m < 3; ++m) {
    send[m] = mp_malloc((size_t)counts[m] * cases[m]->extent);
    fill(cases[m], send[m], counts[m], rank, tag_base + m);
    CHECK_MPI(MPI_Bsend(send[m], counts[m], cases[m]->type, right, tag_base + m,
                        MPI_COMM_WORLD));
    /* A buffered send has copied the data once it returns. */
    memset(send[m], 0, (size_t)counts[m] * cases[m]->extent);
  }
  /* Receive in reverse order so that the later messages must sit buffered meanwhile. */
  for (int m = 2; m >= 0; --m) {
    void *receive = alloc_receive(cases[m], counts[m]);
    MPI_Status status;
    CHECK_MPI(MPI_Recv(receive, counts[m] + kGuardElements, cases[m]->type, left,
                       tag_base + m, MPI_COMM_WORLD, &status));
    CHECK_STATUS(status, left, tag_base + m, cases[m]->type, counts[m], "Bsend message %d", m);
    verify(cases[m], receive, counts[m], left, tag_base + m, "Bsend ring");
    free(receive);
  }

  void *detached = NULL;
  int detached_size = -1;
  CHECK_MPI(MPI_Buffer_detach(&detached, &detached_size));
  CHECK(detached == (void *)attached, "MPI_Buffer_detach returned a different address");
  CHECK_INT(detached_size, total, "MPI_Buffer_detach size");
  for (int m = 0; m < 3; ++m) {
    free(send[m]);
  }
  free(attached);
}

/* Each rank sends a count that depends on its rank, so Get_count proves which message
 * arrived; the receive buffer is sized for the largest. */
static void sendrecv_ring(const TypeCase *tc, int base_count, int tag, int rank, int size) {
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  int send_count = base_count + rank;
  int max_count = base_count + size;
  void *send = mp_malloc((size_t)send_count * tc->extent);
  void *receive = alloc_receive(tc, max_count);
  fill(tc, send, send_count, rank, tag);
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(send, send_count, tc->type, right, tag, receive,
                         max_count + kGuardElements, tc->type, left, tag,
                         MPI_COMM_WORLD, &status));
  int left_count = base_count + left;
  CHECK_STATUS(status, left, tag, tc->type, left_count, "Sendrecv %s base %d", tc->name,
               base_count);
  /* Guard starts after the received elements; the rest of the buffer is also untouched. */
  for (size_t i = (size_t)left_count * tc->extent;
       i < ((size_t)max_count + kGuardElements) * tc->extent; ++i) {
    CHECK_INT(((unsigned char *)receive)[i], kSentinel, "Sendrecv %s wrote past byte %zu",
              tc->name, (size_t)left_count * tc->extent);
  }
  verify(tc, receive, left_count, left, tag, "Sendrecv ring");
  free(send);
  free(receive);
}

/* A buffer travels the whole ring with Sendrecv_replace; after k steps it holds the data
 * of the rank k places to the left. */
static void replace_ring(int count, int tag, int rank, int size) {
  const TypeCase *tc = &type_cases[0];
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  int *buffer = mp_malloc(((size_t)count + kGuardElements) * sizeof(int));
  memset(buffer, kSentinel, ((size_t)count + kGuardElements) * sizeof(int));
  fill(tc, buffer, count, rank, tag);
  for (int step = 1; step <= size; ++step) {
    MPI_Status status;
    CHECK_MPI(MPI_Sendrecv_replace(buffer, count, MPI_INT, right, tag + step, left, tag + step,
                                   MPI_COMM_WORLD, &status));
    CHECK_STATUS(status, left, tag + step, MPI_INT, count, "Sendrecv_replace step %d", step);
    int origin = (rank - step % size + size) % size;
    verify(tc, buffer, count, origin, tag, "Sendrecv_replace ring");
  }
  free(buffer);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  init_type_cases();

  for (int t = 0; t < 4; ++t) {
    for (int s = 0; s < kSizeCount; ++s) {
      token_ring(&type_cases[t], message_sizes[s], 100 + t * 10 + s, kModeStandard, rank, size);
    }
  }
  for (int s = 0; s < kSizeCount; ++s) {
    token_ring(&type_cases[0], message_sizes[s], 150 + s, kModeSynchronous, rank, size);
  }
  for (int s = 0; s < kSizeCount; ++s) {
    ready_ring(message_sizes[s], 200 + 2 * s, rank, size);
  }
  buffered_ring(0, rank, size);
  buffered_ring(1, rank, size);
  for (int t = 0; t < 4; ++t) {
    sendrecv_ring(&type_cases[t], 0, 400 + t * 3, rank, size);
    sendrecv_ring(&type_cases[t], 1000, 401 + t * 3, rank, size);
    sendrecv_ring(&type_cases[t], 100000, 402 + t * 3, rank, size);
  }
  replace_ring(5, 500, rank, size);
  replace_ring(70000, 600, rank, size);

  mp_report_ok("p2p_basic");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
