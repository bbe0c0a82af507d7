/*
 * Nonblocking point-to-point and request handling: Isend/Irecv completed by every wait and
 * test variant, MPI_Request_get_status, MPI_Request_free on an active send, cancelling a
 * receive that can never match, persistent requests restarted over several iterations,
 * and MPI_Issend, which must not complete before its receive is posted.
 */
#include "mp_check.h"

enum { kNeverSentTag = 4321 };

/* Length in ints of the message from `source` to `dest`; pairs with (source + dest) % 3 == 0
 * send more than 64 KiB. */
static int pair_length(int source, int dest) {
  return (source + dest) % 3 == 0 ? 17000 + source * 8 + dest : 3 + source * 8 + dest;
}

static int *make_pair_message(int source, int dest, int salt) {
  int length = pair_length(source, dest);
  int *data = mp_malloc(sizeof(int) * (size_t)length);
  for (int i = 0; i < length; ++i) {
    data[i] = mp_pattern_int(source, i, salt + dest);
  }
  return data;
}

static void check_pair_message(const int *data, int source, int dest, int salt,
                               const char *what) {
  for (int i = 0; i < pair_length(source, dest); ++i) {
    CHECK_INT(data[i], mp_pattern_int(source, i, salt + dest), "%s: element %d from rank %d",
              what, i, source);
  }
}

/* The empty status of a completed null or inactive request. */
static void check_empty_status(const MPI_Status *status, const char *what) {
  CHECK_INT(status->MPI_SOURCE, MPI_ANY_SOURCE, "%s: empty status source", what);
  CHECK_INT(status->MPI_TAG, MPI_ANY_TAG, "%s: empty status tag", what);
  int count = -1;
  CHECK_MPI(MPI_Get_count(status, MPI_INT, &count));
  CHECK_INT(count, 0, "%s: empty status count", what);
}

/* One message between every ordered pair of ranks (self included). Receives occupy
 * requests[0..size), sends requests[size..2*size). */
typedef struct {
  int size;
  int rank;
  int tag;
  int **receive;
  int **send;
  MPI_Request *requests;
} AllPairs;

static void all_pairs_start(AllPairs *exchange, int rank, int size, int tag) {
  exchange->size = size;
  exchange->rank = rank;
  exchange->tag = tag;
  exchange->receive = mp_malloc(sizeof(int *) * (size_t)size);
  exchange->send = mp_malloc(sizeof(int *) * (size_t)size);
  exchange->requests = mp_malloc(sizeof(MPI_Request) * 2 * (size_t)size);
  for (int peer = 0; peer < size; ++peer) {
    exchange->receive[peer] = mp_malloc(sizeof(int) * (size_t)pair_length(peer, rank));
    CHECK_MPI(MPI_Irecv(exchange->receive[peer], pair_length(peer, rank), MPI_INT, peer, tag,
                        MPI_COMM_WORLD, &exchange->requests[peer]));
  }
  for (int peer = 0; peer < size; ++peer) {
    exchange->send[peer] = make_pair_message(rank, peer, tag);
    CHECK_MPI(MPI_Isend(exchange->send[peer], pair_length(rank, peer), MPI_INT, peer, tag,
                        MPI_COMM_WORLD, &exchange->requests[size + peer]));
  }
}

/* Checks a completed receive from `peer` given its status. */
static void all_pairs_check(const AllPairs *exchange, int peer, const MPI_Status *status,
                            const char *what) {
  CHECK_STATUS(*status, peer, exchange->tag, MPI_INT, pair_length(peer, exchange->rank),
               "%s: receive from rank %d", what, peer);
  check_pair_message(exchange->receive[peer], peer, exchange->rank, exchange->tag, what);
}

static void all_pairs_finish(AllPairs *exchange) {
  for (int i = 0; i < 2 * exchange->size; ++i) {
    CHECK(exchange->requests[i] == MPI_REQUEST_NULL, "request %d still active", i);
  }
  for (int peer = 0; peer < exchange->size; ++peer) {
    free(exchange->receive[peer]);
    free(exchange->send[peer]);
  }
  free(exchange->receive);
  free(exchange->send);
  free(exchange->requests);
}

static void with_waitall(int rank, int size) {
  AllPairs exchange;
  all_pairs_start(&exchange, rank, size, 10);
  MPI_Status *statuses = mp_malloc(sizeof(MPI_Status) * 2 * (size_t)size);
  CHECK_MPI(MPI_Waitall(2 * size, exchange.requests, statuses));
  for (int peer = 0; peer < size; ++peer) {
    all_pairs_check(&exchange, peer, &statuses[peer], "MPI_Waitall");
  }
  free(statuses);
  all_pairs_finish(&exchange);
}

static void with_waitany(int rank, int size) {
  AllPairs exchange;
  all_pairs_start(&exchange, rank, size, 11);
  char *done = mp_malloc(2 * (size_t)size);
  memset(done, 0, 2 * (size_t)size);
  for (int completed = 0; completed < 2 * size; ++completed) {
    int index = -1;
    MPI_Status status;
    CHECK_MPI(MPI_Waitany(2 * size, exchange.requests, &index, &status));
    CHECK(index >= 0 && index < 2 * size, "MPI_Waitany index %d", index);
    CHECK(!done[index], "MPI_Waitany returned index %d twice", index);
    CHECK(exchange.requests[index] == MPI_REQUEST_NULL, "MPI_Waitany left request %d set",
          index);
    done[index] = 1;
    if (index < size) {
      all_pairs_check(&exchange, index, &status, "MPI_Waitany");
    }
  }
  /* Nothing left active: MPI_UNDEFINED and an empty status. */
  int index = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Waitany(2 * size, exchange.requests, &index, &status));
  CHECK_INT(index, MPI_UNDEFINED, "MPI_Waitany with only null requests");
  check_empty_status(&status, "MPI_Waitany with only null requests");
  free(done);
  all_pairs_finish(&exchange);
}

static void with_waitsome(int rank, int size) {
  AllPairs exchange;
  all_pairs_start(&exchange, rank, size, 12);
  int *indices = mp_malloc(sizeof(int) * 2 * (size_t)size);
  MPI_Status *statuses = mp_malloc(sizeof(MPI_Status) * 2 * (size_t)size);
  char *done = mp_malloc(2 * (size_t)size);
  memset(done, 0, 2 * (size_t)size);
  int completed = 0;
  while (completed < 2 * size) {
    int outcount = -1;
    CHECK_MPI(MPI_Waitsome(2 * size, exchange.requests, &outcount, indices, statuses));
    CHECK(outcount >= 1 && outcount <= 2 * size - completed, "MPI_Waitsome outcount %d",
          outcount);
    for (int j = 0; j < outcount; ++j) {
      int index = indices[j];
      CHECK(index >= 0 && index < 2 * size && !done[index], "MPI_Waitsome index %d", index);
      done[index] = 1;
      if (index < size) {
        all_pairs_check(&exchange, index, &statuses[j], "MPI_Waitsome");
      }
    }
    completed += outcount;
  }
  int outcount = -1;
  CHECK_MPI(MPI_Waitsome(2 * size, exchange.requests, &outcount, indices, statuses));
  CHECK_INT(outcount, MPI_UNDEFINED, "MPI_Waitsome with only null requests");
  free(done);
  free(statuses);
  free(indices);
  all_pairs_finish(&exchange);
}

/* Fails instead of hanging when a test loop never completes. */
static void check_deadline(double deadline, const char *what) {
  CHECK(MPI_Wtime() < deadline, "%s did not complete within 30 s", what);
}

static void with_test_loops(int rank, int size) {
  /* MPI_Test, one request at a time in index order. */
  AllPairs exchange;
  all_pairs_start(&exchange, rank, size, 13);
  for (int i = 0; i < 2 * size; ++i) {
    double deadline = MPI_Wtime() + 30.0;
    int flag = 0;
    MPI_Status status;
    while (!flag) {
      CHECK_MPI(MPI_Test(&exchange.requests[i], &flag, &status));
      check_deadline(deadline, "MPI_Test loop");
    }
    CHECK(exchange.requests[i] == MPI_REQUEST_NULL, "MPI_Test left request %d set", i);
    if (i < size) {
      all_pairs_check(&exchange, i, &status, "MPI_Test");
    }
  }
  all_pairs_finish(&exchange);

  /* MPI_Testall: the statuses are only meaningful once the flag is set. */
  all_pairs_start(&exchange, rank, size, 14);
  MPI_Status *statuses = mp_malloc(sizeof(MPI_Status) * 2 * (size_t)size);
  double deadline = MPI_Wtime() + 30.0;
  int flag = 0;
  while (!flag) {
    CHECK_MPI(MPI_Testall(2 * size, exchange.requests, &flag, statuses));
    check_deadline(deadline, "MPI_Testall loop");
  }
  for (int peer = 0; peer < size; ++peer) {
    all_pairs_check(&exchange, peer, &statuses[peer], "MPI_Testall");
  }
  all_pairs_finish(&exchange);

  /* MPI_Testany until it reports nothing left (flag set, MPI_UNDEFINED). */
  all_pairs_start(&exchange, rank, size, 15);
  char *done = mp_malloc(2 * (size_t)size);
  memset(done, 0, 2 * (size_t)size);
  int completed = 0;
  deadline = MPI_Wtime() + 30.0;
  for (;;) {
    int index = -2;
    MPI_Status status;
    flag = 0;
    CHECK_MPI(MPI_Testany(2 * size, exchange.requests, &index, &flag, &status));
    if (flag && index == MPI_UNDEFINED) {
      break;
    }
    if (!flag) {
      CHECK_INT(index, MPI_UNDEFINED, "MPI_Testany index when nothing completed");
      check_deadline(deadline, "MPI_Testany loop");
      continue;
    }
    CHECK(index >= 0 && index < 2 * size && !done[index], "MPI_Testany index %d", index);
    done[index] = 1;
    ++completed;
    if (index < size) {
      all_pairs_check(&exchange, index, &status, "MPI_Testany");
    }
  }
  CHECK_INT(completed, 2 * size, "requests completed by MPI_Testany");
  all_pairs_finish(&exchange);

  /* MPI_Testsome, which may complete none in a call. */
  all_pairs_start(&exchange, rank, size, 16);
  memset(done, 0, 2 * (size_t)size);
  int *indices = mp_malloc(sizeof(int) * 2 * (size_t)size);
  completed = 0;
  deadline = MPI_Wtime() + 30.0;
  for (;;) {
    int outcount = -2;
    CHECK_MPI(MPI_Testsome(2 * size, exchange.requests, &outcount, indices, statuses));
    if (outcount == MPI_UNDEFINED) {
      break;
    }
    CHECK(outcount >= 0 && outcount <= 2 * size - completed, "MPI_Testsome outcount %d",
          outcount);
    for (int j = 0; j < outcount; ++j) {
      int index = indices[j];
      CHECK(index >= 0 && index < 2 * size && !done[index], "MPI_Testsome index %d", index);
      done[index] = 1;
      if (index < size) {
        all_pairs_check(&exchange, index, &statuses[j], "MPI_Testsome");
      }
    }
    completed += outcount;
    check_deadline(deadline, "MPI_Testsome loop");
  }
  CHECK_INT(completed, 2 * size, "requests completed by MPI_Testsome");
  all_pairs_finish(&exchange);
  free(indices);
  free(done);
  free(statuses);
}

/* MPI_Request_get_status reports completion without freeing the request. */
static void with_request_get_status(int rank, int size) {
  const int tag = 20;
  int left = mp_left(rank, size);
  int *send = make_pair_message(rank, mp_right(rank, size), tag);
  int *receive = mp_malloc(sizeof(int) * (size_t)pair_length(left, rank));
  MPI_Request requests[2];
  CHECK_MPI(MPI_Irecv(receive, pair_length(left, rank), MPI_INT, left, tag, MPI_COMM_WORLD,
                      &requests[0]));
  CHECK_MPI(MPI_Isend(send, pair_length(rank, mp_right(rank, size)), MPI_INT,
                      mp_right(rank, size), tag, MPI_COMM_WORLD, &requests[1]));
  double deadline = MPI_Wtime() + 30.0;
  int flag = 0;
  MPI_Status status;
  while (!flag) {
    CHECK_MPI(MPI_Request_get_status(requests[0], &flag, &status));
    check_deadline(deadline, "MPI_Request_get_status loop");
  }
  CHECK(requests[0] != MPI_REQUEST_NULL, "MPI_Request_get_status must not free the request");
  CHECK_STATUS(status, left, tag, MPI_INT, pair_length(left, rank), "MPI_Request_get_status");
  check_pair_message(receive, left, rank, tag, "MPI_Request_get_status");

  /* Asking again gives the same answer; the request is still there to complete. */
  flag = 0;
  CHECK_MPI(MPI_Request_get_status(requests[0], &flag, &status));
  CHECK_INT(flag, 1, "second MPI_Request_get_status");
  MPI_Status wait_status;
  CHECK_MPI(MPI_Wait(&requests[0], &wait_status));
  CHECK(requests[0] == MPI_REQUEST_NULL, "MPI_Wait frees the request");
  CHECK_STATUS(wait_status, left, tag, MPI_INT, pair_length(left, rank),
               "MPI_Wait after get_status");
  CHECK_MPI(MPI_Wait(&requests[1], MPI_STATUS_IGNORE));

  /* A null request is complete with an empty status. */
  flag = 0;
  CHECK_MPI(MPI_Request_get_status(MPI_REQUEST_NULL, &flag, &status));
  CHECK_INT(flag, 1, "MPI_Request_get_status of MPI_REQUEST_NULL");
  check_empty_status(&status, "MPI_Request_get_status of MPI_REQUEST_NULL");
  free(send);
  free(receive);
}

/* A send whose request is freed still delivers its data; the sender learns it is safe to
 * reuse the buffer only from the receiver's acknowledgement. */
static void with_request_free(int rank, int size) {
  const int tag = 21;
  const int ack_tag = 22;
  const int length = 50000;
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  int *send = mp_malloc(sizeof(int) * (size_t)length);
  for (int i = 0; i < length; ++i) {
    send[i] = mp_pattern_int(rank, i, tag);
  }
  MPI_Request request;
  CHECK_MPI(MPI_Isend(send, length, MPI_INT, right, tag, MPI_COMM_WORLD, &request));
  CHECK_MPI(MPI_Request_free(&request));
  CHECK(request == MPI_REQUEST_NULL, "MPI_Request_free sets the handle to MPI_REQUEST_NULL");

  int *receive = mp_malloc(sizeof(int) * (size_t)length);
  MPI_Status status;
  CHECK_MPI(MPI_Recv(receive, length, MPI_INT, left, tag, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, left, tag, MPI_INT, length, "receive of a freed send");
  for (int i = 0; i < length; ++i) {
    CHECK_INT(receive[i], mp_pattern_int(left, i, tag), "freed send element %d", i);
  }
  MPI_Request ack_request;
  CHECK_MPI(MPI_Isend(NULL, 0, MPI_BYTE, left, ack_tag, MPI_COMM_WORLD, &ack_request));
  CHECK_MPI(MPI_Recv(NULL, 0, MPI_BYTE, right, ack_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Wait(&ack_request, MPI_STATUS_IGNORE));
  free(send);
  free(receive);
}

static void with_cancelled_receive(void) {
  int value = 12345;
  MPI_Request request;
  CHECK_MPI(MPI_Irecv(&value, 1, MPI_INT, MPI_ANY_SOURCE, kNeverSentTag, MPI_COMM_WORLD,
                      &request));
  CHECK_MPI(MPI_Cancel(&request));
  MPI_Status status;
  CHECK_MPI(MPI_Wait(&request, &status));
  CHECK(request == MPI_REQUEST_NULL, "MPI_Wait frees a cancelled request");
  int cancelled = 0;
  CHECK_MPI(MPI_Test_cancelled(&status, &cancelled));
  CHECK_INT(cancelled, 1, "MPI_Test_cancelled of a receive that could not match");
  CHECK_INT(value, 12345, "a cancelled receive must not write its buffer");

  /* A completed receive is not reported as cancelled. */
  int sent = 99;
  MPI_Request send_request;
  CHECK_MPI(MPI_Isend(&sent, 1, MPI_INT, 0, 23, MPI_COMM_SELF, &send_request));
  CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, 0, 23, MPI_COMM_SELF, &status));
  CHECK_MPI(MPI_Wait(&send_request, MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Test_cancelled(&status, &cancelled));
  CHECK_INT(cancelled, 0, "MPI_Test_cancelled of a completed receive");
}

/* Persistent requests started several times with new data each time, alternating
 * MPI_Startall with one MPI_Start per request. */
static void with_persistent(int rank, int size) {
  const int tag = 24;
  const int iterations = 6;
  const int length = 9000;
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  int *send = mp_malloc(sizeof(int) * (size_t)length);
  int *receive = mp_malloc(sizeof(int) * (size_t)length);
  MPI_Request requests[2];
  CHECK_MPI(MPI_Recv_init(receive, length, MPI_INT, left, tag, MPI_COMM_WORLD, &requests[0]));
  CHECK_MPI(MPI_Send_init(send, length, MPI_INT, right, tag, MPI_COMM_WORLD, &requests[1]));

  /* An inactive persistent request completes at once with an empty status. */
  MPI_Status status;
  CHECK_MPI(MPI_Wait(&requests[0], &status));
  CHECK(requests[0] != MPI_REQUEST_NULL, "MPI_Wait must keep an inactive persistent request");
  check_empty_status(&status, "MPI_Wait on an inactive persistent request");

  for (int iteration = 0; iteration < iterations; ++iteration) {
    for (int i = 0; i < length; ++i) {
      send[i] = mp_pattern_int(rank, i, tag + iteration);
    }
    memset(receive, 0, sizeof(int) * (size_t)length);
    if (iteration % 2 == 0) {
      CHECK_MPI(MPI_Startall(2, requests));
    } else {
      CHECK_MPI(MPI_Start(&requests[0]));
      CHECK_MPI(MPI_Start(&requests[1]));
    }
    MPI_Status statuses[2];
    CHECK_MPI(MPI_Waitall(2, requests, statuses));
    CHECK(requests[0] != MPI_REQUEST_NULL && requests[1] != MPI_REQUEST_NULL,
          "persistent requests must survive completion (iteration %d)", iteration);
    CHECK_STATUS(statuses[0], left, tag, MPI_INT, length, "persistent iteration %d", iteration);
    for (int i = 0; i < length; ++i) {
      CHECK_INT(receive[i], mp_pattern_int(left, i, tag + iteration),
                "persistent iteration %d element %d", iteration, i);
    }
  }
  CHECK_MPI(MPI_Request_free(&requests[0]));
  CHECK_MPI(MPI_Request_free(&requests[1]));
  CHECK(requests[0] == MPI_REQUEST_NULL && requests[1] == MPI_REQUEST_NULL,
        "MPI_Request_free of persistent requests");
  free(send);
  free(receive);
}

/* Tests a synchronous send for a while; it must stay incomplete because its receive has
 * not been posted. The wait is short and bounded: it can only catch early completion. */
static void check_still_pending(MPI_Request *request, const char *what) {
  for (int i = 0; i < 50; ++i) {
    int flag = -1;
    CHECK_MPI(MPI_Test(request, &flag, MPI_STATUS_IGNORE));
    CHECK_INT(flag, 0, "%s completed before its receive was posted (test %d)", what, i);
    double until = MPI_Wtime() + 0.0005;
    while (MPI_Wtime() < until) {
    }
  }
}

static void with_issend(int rank, int size) {
  const int tag = 25;
  const int go_tag = 27;
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);

  /* To oneself: the receive comes only after the tests. */
  int value = mp_pattern_int(rank, 0, tag);
  MPI_Request request;
  CHECK_MPI(MPI_Issend(&value, 1, MPI_INT, rank, tag, MPI_COMM_WORLD, &request));
  check_still_pending(&request, "MPI_Issend to self");
  int received = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Recv(&received, 1, MPI_INT, rank, tag, MPI_COMM_WORLD, &status));
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  CHECK_INT(received, value, "MPI_Issend to self");

  /* To the right neighbour, which posts its receive only after this rank's go message. */
  int small = mp_pattern_int(rank, 1, tag);
  const int large_length = 30000;
  int *large = mp_malloc(sizeof(int) * (size_t)large_length);
  for (int i = 0; i < large_length; ++i) {
    large[i] = mp_pattern_int(rank, i, tag + 1);
  }
  MPI_Request sends[2];
  CHECK_MPI(MPI_Issend(&small, 1, MPI_INT, right, tag, MPI_COMM_WORLD, &sends[0]));
  CHECK_MPI(MPI_Issend(large, large_length, MPI_INT, right, tag + 1, MPI_COMM_WORLD, &sends[1]));
  check_still_pending(&sends[0], "small MPI_Issend to the right neighbour");
  check_still_pending(&sends[1], "large MPI_Issend to the right neighbour");
  MPI_Request go;
  CHECK_MPI(MPI_Isend(NULL, 0, MPI_BYTE, right, go_tag, MPI_COMM_WORLD, &go));
  CHECK_MPI(MPI_Recv(NULL, 0, MPI_BYTE, left, go_tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE));

  CHECK_MPI(MPI_Recv(&received, 1, MPI_INT, left, tag, MPI_COMM_WORLD, &status));
  CHECK_INT(received, mp_pattern_int(left, 1, tag), "small MPI_Issend from the left");
  int *large_received = mp_malloc(sizeof(int) * (size_t)large_length);
  CHECK_MPI(MPI_Recv(large_received, large_length, MPI_INT, left, tag + 1, MPI_COMM_WORLD,
                     &status));
  CHECK_STATUS(status, left, tag + 1, MPI_INT, large_length, "large MPI_Issend");
  for (int i = 0; i < large_length; ++i) {
    CHECK_INT(large_received[i], mp_pattern_int(left, i, tag + 1), "large MPI_Issend element %d",
              i);
  }
  CHECK_MPI(MPI_Waitall(2, sends, MPI_STATUSES_IGNORE));
  CHECK_MPI(MPI_Wait(&go, MPI_STATUS_IGNORE));
  free(large);
  free(large_received);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));

  with_waitall(rank, size);
  with_waitany(rank, size);
  with_waitsome(rank, size);
  with_test_loops(rank, size);
  with_request_get_status(rank, size);
  with_request_free(rank, size);
  with_cancelled_receive();
  with_persistent(rank, size);
  with_issend(rank, size);

  mp_report_ok("p2p_nonblocking");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
