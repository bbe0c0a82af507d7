/*
 * Message ordering and matching: the non-overtaking rule for messages from one sender on
 * one tag (mixing sizes on both sides of the eager/rendezvous boundary), wildcard receives
 * (MPI_ANY_SOURCE, MPI_ANY_TAG) with every status field checked, receives that select
 * tags out of send order, and posted receives matched in the order they were posted.
 */
#include "mp_check.h"

/* Sizes in bytes; 70000, 65537 and 200000 are above 64 KiB so eager and rendezvous
 * protocols interleave in one stream. */
static const int stream_sizes[] = {1, 70000, 0, 8, 200000, 100, 65537, 3};
enum { kStreamSizeCount = sizeof stream_sizes / sizeof stream_sizes[0] };
enum { kStreamLength = 24, kMaxStreamBytes = 200000 };

static int stream_size(int sequence) { return stream_sizes[sequence % kStreamSizeCount]; }

static void fill_bytes(unsigned char *buffer, int bytes, int rank, int salt) {
  for (int i = 0; i < bytes; ++i) {
    buffer[i] = mp_pattern_byte(rank, i, salt);
  }
}

static void check_bytes(const unsigned char *buffer, int bytes, int rank, int salt,
                        const char *what, int sequence) {
  for (int i = 0; i < bytes; ++i) {
    CHECK_INT(buffer[i], mp_pattern_byte(rank, i, salt),
              "%s: message %d byte %d of %d from rank %d", what, sequence, i, bytes, rank);
  }
}

/* Isends the whole stream to the right; returns the requests for the caller to wait on. */
static void send_stream(unsigned char **buffers, MPI_Request *requests, int tag, int rank,
                        int size) {
  for (int i = 0; i < kStreamLength; ++i) {
    buffers[i] = mp_malloc((size_t)stream_size(i));
    fill_bytes(buffers[i], stream_size(i), rank, tag * 100 + i);
    CHECK_MPI(MPI_Isend(buffers[i], stream_size(i), MPI_BYTE, mp_right(rank, size), tag,
                        MPI_COMM_WORLD, &requests[i]));
  }
}

static void free_stream(unsigned char **buffers, MPI_Request *requests) {
  CHECK_MPI(MPI_Waitall(kStreamLength, requests, MPI_STATUSES_IGNORE));
  for (int i = 0; i < kStreamLength; ++i) {
    free(buffers[i]);
  }
}

/* Blocking receives, one at a time, into a buffer large enough for any message. */
static void stream_blocking(int rank, int size) {
  const int tag = 7;
  unsigned char *send_buffers[kStreamLength];
  MPI_Request send_requests[kStreamLength];
  send_stream(send_buffers, send_requests, tag, rank, size);

  int left = mp_left(rank, size);
  unsigned char *receive = mp_malloc(kMaxStreamBytes);
  for (int i = 0; i < kStreamLength; ++i) {
    MPI_Status status;
    CHECK_MPI(MPI_Recv(receive, kMaxStreamBytes, MPI_BYTE, left, tag, MPI_COMM_WORLD, &status));
    CHECK_STATUS(status, left, tag, MPI_BYTE, stream_size(i), "blocking stream message %d", i);
    check_bytes(receive, stream_size(i), left, tag * 100 + i, "blocking stream", i);
  }
  free(receive);
  free_stream(send_buffers, send_requests);
}

/* All receives posted before waiting: they must be matched in posting order. */
static void stream_preposted(int rank, int size) {
  const int tag = 8;
  int left = mp_left(rank, size);
  unsigned char *receive[kStreamLength];
  MPI_Request receive_requests[kStreamLength];
  for (int i = 0; i < kStreamLength; ++i) {
    receive[i] = mp_malloc(kMaxStreamBytes);
    CHECK_MPI(MPI_Irecv(receive[i], kMaxStreamBytes, MPI_BYTE, left, tag, MPI_COMM_WORLD,
                        &receive_requests[i]));
  }
  unsigned char *send_buffers[kStreamLength];
  MPI_Request send_requests[kStreamLength];
  send_stream(send_buffers, send_requests, tag, rank, size);

  MPI_Status statuses[kStreamLength];
  CHECK_MPI(MPI_Waitall(kStreamLength, receive_requests, statuses));
  for (int i = 0; i < kStreamLength; ++i) {
    CHECK_STATUS(statuses[i], left, tag, MPI_BYTE, stream_size(i), "preposted message %d", i);
    check_bytes(receive[i], stream_size(i), left, tag * 100 + i, "preposted stream", i);
    free(receive[i]);
  }
  free_stream(send_buffers, send_requests);
}

/* Every rank (rank 0 included, to itself) sends several messages with varied tags and
 * sizes to rank 0, which receives them all with MPI_ANY_SOURCE and MPI_ANY_TAG. Each
 * message starts with (sender, sequence, tag); the rest is a pattern. */
enum { kFanInPerRank = 6, kFanInHeader = 3, kFanInReleaseTag = 99 };

static int fan_in_tag(int rank, int k) { return 10 + (rank * 7 + k * 3) % 5; }
static int fan_in_bytes(int rank, int k) {
  return k % 3 == 1 ? 70000 + 4 * rank : (int)sizeof(int) * (kFanInHeader + rank + k);
}
enum { kFanInMaxBytes = 70000 + 4 * 64 };

static void fan_in_any_source(int rank, int size) {
  MPI_Request requests[kFanInPerRank];
  int *send[kFanInPerRank];
  for (int k = 0; k < kFanInPerRank; ++k) {
    int bytes = fan_in_bytes(rank, k);
    int ints = bytes / (int)sizeof(int);
    send[k] = mp_malloc((size_t)bytes);
    send[k][0] = rank;
    send[k][1] = k;
    send[k][2] = fan_in_tag(rank, k);
    for (int i = kFanInHeader; i < ints; ++i) {
      send[k][i] = mp_pattern_int(rank, i, k);
    }
    CHECK_MPI(MPI_Isend(send[k], bytes, MPI_BYTE, 0, fan_in_tag(rank, k), MPI_COMM_WORLD,
                        &requests[k]));
  }

  if (rank == 0) {
    int *next = mp_malloc(sizeof(int) * (size_t)size);
    memset(next, 0, sizeof(int) * (size_t)size);
    int *receive = mp_malloc(kFanInMaxBytes);
    for (int m = 0; m < size * kFanInPerRank; ++m) {
      MPI_Status status;
      CHECK_MPI(MPI_Recv(receive, kFanInMaxBytes, MPI_BYTE, MPI_ANY_SOURCE, MPI_ANY_TAG,
                         MPI_COMM_WORLD, &status));
      int source = status.MPI_SOURCE;
      CHECK(source >= 0 && source < size, "ANY_SOURCE status source %d", source);
      int k = next[source]++;
      CHECK(k < kFanInPerRank, "too many messages from rank %d", source);
      /* Non-overtaking per sender: the k-th message matched from a rank is its k-th send. */
      CHECK_STATUS(status, source, fan_in_tag(source, k), MPI_BYTE, fan_in_bytes(source, k),
                   "wildcard receive %d, message %d from rank %d", m, k, source);
      CHECK_INT(receive[0], source, "sender field of message %d from rank %d", k, source);
      CHECK_INT(receive[1], k, "sequence field of a message from rank %d", source);
      CHECK_INT(receive[2], status.MPI_TAG, "tag field of message %d from rank %d", k, source);
      for (int i = kFanInHeader; i < fan_in_bytes(source, k) / (int)sizeof(int); ++i) {
        CHECK_INT(receive[i], mp_pattern_int(source, i, k), "fan-in message %d from rank %d",
                  k, source);
      }
    }
    for (int r = 0; r < size; ++r) {
      CHECK_INT(next[r], kFanInPerRank, "messages received from rank %d", r);
    }
    free(next);
    free(receive);
    /* Rank 0's wildcard receives would match anything sent to it, so the others wait to be
     * released before they send anything else. */
    for (int r = 1; r < size; ++r) {
      CHECK_MPI(MPI_Send(NULL, 0, MPI_BYTE, r, kFanInReleaseTag, MPI_COMM_WORLD));
    }
  } else {
    CHECK_MPI(MPI_Recv(NULL, 0, MPI_BYTE, 0, kFanInReleaseTag, MPI_COMM_WORLD,
                       MPI_STATUS_IGNORE));
  }
  CHECK_MPI(MPI_Waitall(kFanInPerRank, requests, MPI_STATUSES_IGNORE));
  for (int k = 0; k < kFanInPerRank; ++k) {
    free(send[k]);
  }
}

/* MPI_ANY_TAG from one source returns that source's messages in send order. */
static void any_tag_in_send_order(int rank, int size) {
  static const int tags[5] = {43, 40, 44, 41, 42};
  int left = mp_left(rank, size);
  int payload[5];
  MPI_Request requests[5];
  for (int i = 0; i < 5; ++i) {
    payload[i] = mp_pattern_int(rank, i, tags[i]);
    CHECK_MPI(MPI_Isend(&payload[i], 1, MPI_INT, mp_right(rank, size), tags[i], MPI_COMM_WORLD,
                        &requests[i]));
  }
  for (int i = 0; i < 5; ++i) {
    int value = -1;
    MPI_Status status;
    CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD, &status));
    CHECK_STATUS(status, left, tags[i], MPI_INT, 1, "ANY_TAG receive %d", i);
    CHECK_INT(value, mp_pattern_int(left, i, tags[i]), "ANY_TAG receive %d payload", i);
  }
  CHECK_MPI(MPI_Waitall(5, requests, MPI_STATUSES_IGNORE));
}

/* Sends tag 1 (A), tag 2 (B), tag 1 (C); receives tag 2 first, then tag 1 twice. */
static void tags_out_of_order(int bytes, int rank, int size) {
  const int tags[3] = {1, 2, 1};
  int left = mp_left(rank, size);
  unsigned char *send[3];
  MPI_Request requests[3];
  for (int i = 0; i < 3; ++i) {
    send[i] = mp_malloc((size_t)bytes + (size_t)i);
    fill_bytes(send[i], bytes + i, rank, 50 + i);
    CHECK_MPI(MPI_Isend(send[i], bytes + i, MPI_BYTE, mp_right(rank, size), tags[i],
                        MPI_COMM_WORLD, &requests[i]));
  }
  static const int receive_order[3] = {1, 0, 2};
  unsigned char *receive = mp_malloc((size_t)bytes + 3);
  for (int j = 0; j < 3; ++j) {
    int i = receive_order[j];
    MPI_Status status;
    /* The tag-2 receive uses MPI_ANY_SOURCE so source wildcards are exercised too. */
    int source = tags[i] == 2 ? MPI_ANY_SOURCE : left;
    CHECK_MPI(MPI_Recv(receive, bytes + 3, MPI_BYTE, source, tags[i], MPI_COMM_WORLD, &status));
    if (source == MPI_ANY_SOURCE && size > 1) {
      /* Only the left neighbour sends tag 2 to this rank. */
      CHECK_INT(status.MPI_SOURCE, left, "tag-2 wildcard receive");
    }
    CHECK_STATUS(status, left, tags[i], MPI_BYTE, bytes + i,
                 "out-of-order tag receive %d (%d bytes)", j, bytes);
    check_bytes(receive, bytes + i, left, 50 + i, "out-of-order tags", i);
  }
  CHECK_MPI(MPI_Waitall(3, requests, MPI_STATUSES_IGNORE));
  for (int i = 0; i < 3; ++i) {
    free(send[i]);
  }
  free(receive);
}

/* An MPI_ANY_SOURCE receive posted before a specific-source one for the same tag takes the
 * first message: posted receives are matched in posting order, wildcards included. */
static void wildcard_posted_first(int rank, int size) {
  const int tag = 60;
  int left = mp_left(rank, size);
  int first = -1;
  int second = -1;
  MPI_Request receives[2];
  CHECK_MPI(MPI_Irecv(&first, 1, MPI_INT, MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &receives[0]));
  CHECK_MPI(MPI_Irecv(&second, 1, MPI_INT, left, tag, MPI_COMM_WORLD, &receives[1]));
  int payload[2] = {mp_pattern_int(rank, 0, tag), mp_pattern_int(rank, 1, tag)};
  MPI_Request sends[2];
  for (int i = 0; i < 2; ++i) {
    CHECK_MPI(MPI_Isend(&payload[i], 1, MPI_INT, mp_right(rank, size), tag, MPI_COMM_WORLD,
                        &sends[i]));
  }
  MPI_Status statuses[2];
  CHECK_MPI(MPI_Waitall(2, receives, statuses));
  CHECK_STATUS(statuses[0], left, tag, MPI_INT, 1, "wildcard receive posted first");
  CHECK_STATUS(statuses[1], left, tag, MPI_INT, 1, "specific receive posted second");
  CHECK_INT(first, mp_pattern_int(left, 0, tag), "first message goes to the first receive");
  CHECK_INT(second, mp_pattern_int(left, 1, tag), "second message goes to the second receive");
  CHECK_MPI(MPI_Waitall(2, sends, MPI_STATUSES_IGNORE));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));

  stream_blocking(rank, size);
  stream_preposted(rank, size);
  fan_in_any_source(rank, size);
  any_tag_in_send_order(rank, size);
  tags_out_of_order(16, rank, size);
  tags_out_of_order(100000, rank, size);
  wildcard_posted_first(rank, size);

  mp_report_ok("p2p_order");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
