/*
 * Large messages: everything above the eager limit goes through the rendezvous protocol,
 * and on shared memory from WEFT_SHM_SHARED_COPY bytes up through the shared copy (the
 * receiver reads chunks while the sender writes chunks). Each rank exchanges messages of
 * odd and even sizes with its ring neighbours, in every order the protocol can meet them:
 * receive posted first, message arrived first (unexpected RTS), many in flight at once,
 * synchronous sends, a receive into a larger buffer, and a truncated receive (which must
 * write nothing past its buffer and leave the next message intact). Every byte is
 * compared with the pattern the sender wrote.
 */
#include "mp_check.h"

enum { kGuard = 256, kWindow = 6 };
static const unsigned char kSentinel = 0xA5;

static const int kSizes[] = {20000, 262144, 300007, 1048576, 1048576 + 13, 3 * 1048576 + 7};
enum { kSizeCount = sizeof kSizes / sizeof kSizes[0] };

static void fill(unsigned char *data, long bytes, int rank, int salt) {
  for (long i = 0; i < bytes; ++i) data[i] = mp_pattern_byte(rank, i, salt);
}

static void expect(const unsigned char *data, long bytes, int rank, int salt, const char *what,
                   int size) {
  for (long i = 0; i < bytes; ++i) {
    if (data[i] != mp_pattern_byte(rank, i, salt)) {
      CHECK(0, "%s, %d-byte message from rank %d: byte %ld is %d, expected %d", what, size,
            rank, i, data[i], mp_pattern_byte(rank, i, salt));
    }
  }
}

static void expect_guard(const unsigned char *data, const char *what, int size) {
  for (int i = 0; i < kGuard; ++i) {
    CHECK(data[i] == kSentinel, "%s, %d-byte message: guard byte %d was overwritten", what,
          size, i);
  }
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  const int rank = mp_world_rank();
  const int size = mp_world_size();
  const int right = (rank + 1) % size;
  const int left = (rank + size - 1) % size;
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

  for (int k = 0; k < kSizeCount; ++k) {
    const int bytes = kSizes[k];
    unsigned char *send = mp_malloc((size_t)bytes);
    unsigned char *receive = mp_malloc((size_t)bytes + kGuard);
    MPI_Status status;
    int count = 0;

    /* Receive posted first, then the send (Irecv, barrier, Send). */
    fill(send, bytes, rank, 1);
    memset(receive, kSentinel, (size_t)bytes + kGuard);
    MPI_Request request;
    CHECK_MPI(MPI_Irecv(receive, bytes, MPI_BYTE, left, 1, MPI_COMM_WORLD, &request));
    mp_p2p_barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_Send(send, bytes, MPI_BYTE, right, 1, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Wait(&request, &status));
    CHECK_STATUS(status, left, 1, MPI_BYTE, bytes, "posted first");
    expect(receive, bytes, left, 1, "posted first", bytes);
    expect_guard(receive + bytes, "posted first", bytes);

    /* Message first: the RTS waits in the unexpected queue. */
    fill(send, bytes, rank, 2);
    memset(receive, kSentinel, (size_t)bytes + kGuard);
    CHECK_MPI(MPI_Isend(send, bytes, MPI_BYTE, right, 2, MPI_COMM_WORLD, &request));
    mp_p2p_barrier(MPI_COMM_WORLD);
    CHECK_MPI(MPI_Recv(receive, bytes, MPI_BYTE, left, 2, MPI_COMM_WORLD, &status));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    CHECK_STATUS(status, left, 2, MPI_BYTE, bytes, "unexpected first");
    expect(receive, bytes, left, 2, "unexpected first", bytes);

    /* Synchronous send into a larger buffer. */
    fill(send, bytes, rank, 3);
    memset(receive, kSentinel, (size_t)bytes + kGuard);
    CHECK_MPI(MPI_Irecv(receive, bytes + kGuard, MPI_BYTE, left, 3, MPI_COMM_WORLD, &request));
    CHECK_MPI(MPI_Ssend(send, bytes, MPI_BYTE, right, 3, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Wait(&request, &status));
    CHECK_STATUS(status, left, 3, MPI_BYTE, bytes, "ssend into a larger buffer");
    expect(receive, bytes, left, 3, "ssend into a larger buffer", bytes);
    expect_guard(receive + bytes, "ssend into a larger buffer", bytes);

    /* Truncated: the receive holds `bytes - 1000` bytes; the next message is intact. */
    const int short_capacity = bytes - 1000;
    fill(send, bytes, rank, 4);
    memset(receive, kSentinel, (size_t)bytes + kGuard);
    CHECK_MPI(MPI_Isend(send, bytes, MPI_BYTE, right, 4, MPI_COMM_WORLD, &request));
    int rc = MPI_Recv(receive, short_capacity, MPI_BYTE, left, 4, MPI_COMM_WORLD, &status);
    CHECK_ERROR_CLASS(rc, MPI_ERR_TRUNCATE, "truncated %d-byte message", bytes);
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    expect(receive, short_capacity, left, 4, "truncated", bytes);
    for (int i = short_capacity; i < bytes + kGuard; ++i) {
      CHECK(receive[i] == kSentinel, "truncated %d-byte message: byte %d past the buffer written",
            bytes, i);
    }
    fill(send, bytes, rank, 5);
    CHECK_MPI(MPI_Sendrecv(send, bytes, MPI_BYTE, right, 4, receive, bytes, MPI_BYTE, left, 4,
                           MPI_COMM_WORLD, &status));
    MPI_Get_count(&status, MPI_BYTE, &count);
    CHECK_INT(count, bytes, "message after a truncated one");
    expect(receive, bytes, left, 5, "message after a truncated one", bytes);

    free(receive);
    free(send);
  }

  /* A window of large messages in flight both ways, each with its own buffers. */
  const int bytes = 1048576 + 13;
  unsigned char *sends[kWindow], *receives[kWindow];
  MPI_Request requests[2 * kWindow];
  for (int w = 0; w < kWindow; ++w) {
    sends[w] = mp_malloc((size_t)bytes);
    receives[w] = mp_malloc((size_t)bytes);
    fill(sends[w], bytes, rank, 10 + w);
  }
  for (int w = 0; w < kWindow; ++w) {
    CHECK_MPI(MPI_Isend(sends[w], bytes, MPI_BYTE, right, 20 + w, MPI_COMM_WORLD, &requests[w]));
  }
  for (int w = kWindow - 1; w >= 0; --w) {  /* posted in reverse: matching goes by tag */
    CHECK_MPI(MPI_Irecv(receives[w], bytes, MPI_BYTE, left, 20 + w, MPI_COMM_WORLD,
                        &requests[kWindow + w]));
  }
  CHECK_MPI(MPI_Waitall(2 * kWindow, requests, MPI_STATUSES_IGNORE));
  for (int w = 0; w < kWindow; ++w) {
    expect(receives[w], bytes, left, 10 + w, "window", bytes);
    free(sends[w]);
    free(receives[w]);
  }

  mp_p2p_barrier(MPI_COMM_WORLD);
  mp_report_ok("p2p_large");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
