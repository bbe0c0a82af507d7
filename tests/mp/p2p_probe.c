/*
 * Probing: MPI_Probe/MPI_Iprobe followed by a receive of a size learned from the status;
 * matched probes (MPI_Mprobe/MPI_Mrecv, MPI_Improbe/MPI_Imrecv) that take the message out
 * of matching; and MPI_PROC_NULL, which every operation treats as an immediately completed
 * empty exchange.
 */
#include "mp_check.h"

enum { kNeverSentTag = 777 };

/* Length in ints of the message a rank sends, distinct per rank and per round; some are
 * above 64 KiB to cover large-message protocols. */
static int probe_length(int rank, int round) {
  return round % 2 == 0 ? 1000 + 37 * rank + round : 20000 + 13 * rank + round;
}

static int *make_message(int rank, int round, int salt) {
  int length = probe_length(rank, round);
  int *data = mp_malloc(sizeof(int) * (size_t)length);
  for (int i = 0; i < length; ++i) {
    data[i] = mp_pattern_int(rank, i, salt + round);
  }
  return data;
}

static void check_message(const int *data, int source, int round, int salt, const char *what) {
  for (int i = 0; i < probe_length(source, round); ++i) {
    CHECK_INT(data[i], mp_pattern_int(source, i, salt + round), "%s round %d element %d", what,
              round, i);
  }
}

/* Waits for a message with MPI_Iprobe; a bounded wait, so a lost message fails. */
static void iprobe_until_found(int source, int tag, MPI_Comm comm, MPI_Status *status) {
  double deadline = MPI_Wtime() + 30.0;
  int flag = 0;
  while (!flag) {
    CHECK_MPI(MPI_Iprobe(source, tag, comm, &flag, status));
    CHECK(flag || MPI_Wtime() < deadline, "MPI_Iprobe(source %d, tag %d) found nothing in 30 s",
          source, tag);
  }
}

/* Probe, then allocate exactly the probed size and receive. Round 0 uses MPI_Probe with a
 * specific source, round 1 MPI_Probe with wildcards, round 2 MPI_Iprobe, round 3 probes
 * twice to show that probing does not consume the message. */
static void probe_then_receive(int rank, int size) {
  const int tag = 20;
  const int salt = 1;
  int left = mp_left(rank, size);
  for (int round = 0; round < 4; ++round) {
    int *send = make_message(rank, round, salt);
    MPI_Request request;
    CHECK_MPI(MPI_Isend(send, probe_length(rank, round), MPI_INT, mp_right(rank, size),
                        tag + round, MPI_COMM_WORLD, &request));
    MPI_Status status;
    if (round == 0) {
      CHECK_MPI(MPI_Probe(left, tag + round, MPI_COMM_WORLD, &status));
    } else if (round == 1) {
      /* Only the left neighbour sends to this rank in this phase. */
      CHECK_MPI(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &status));
    } else if (round == 2) {
      iprobe_until_found(left, tag + round, MPI_COMM_WORLD, &status);
    } else {
      MPI_Status first;
      CHECK_MPI(MPI_Probe(left, MPI_ANY_TAG, MPI_COMM_WORLD, &first));
      CHECK_MPI(MPI_Probe(MPI_ANY_SOURCE, tag + round, MPI_COMM_WORLD, &status));
      CHECK_STATUS(first, left, tag + round, MPI_INT, probe_length(left, round),
                   "first of two probes");
    }
    CHECK_STATUS(status, left, tag + round, MPI_INT, probe_length(left, round),
                 "probe round %d", round);
    int count = -1;
    CHECK_MPI(MPI_Get_count(&status, MPI_INT, &count));
    int *receive = mp_malloc(sizeof(int) * (size_t)count);
    MPI_Status receive_status;
    CHECK_MPI(MPI_Recv(receive, count, MPI_INT, status.MPI_SOURCE, status.MPI_TAG,
                       MPI_COMM_WORLD, &receive_status));
    CHECK_STATUS(receive_status, left, tag + round, MPI_INT, count, "receive after probe");
    check_message(receive, left, round, salt, "probe then receive");
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    free(receive);
    free(send);
  }

  /* Nobody sends this tag: MPI_Iprobe must say so. */
  int flag = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, kNeverSentTag, MPI_COMM_WORLD, &flag, &status));
  CHECK_INT(flag, 0, "MPI_Iprobe for a tag nobody sends");
}

/* Two messages on one (source, tag). After MPI_Mprobe takes the first out of matching, a
 * plain receive gets the second; MPI_Mrecv then delivers the first. */
static void matched_probe(int rank, int size) {
  const int tag = 30;
  const int salt = 2;
  int left = mp_left(rank, size);
  int *send[2];
  MPI_Request requests[2];
  for (int round = 0; round < 2; ++round) {
    send[round] = make_message(rank, round, salt);
    CHECK_MPI(MPI_Isend(send[round], probe_length(rank, round), MPI_INT, mp_right(rank, size),
                        tag, MPI_COMM_WORLD, &requests[round]));
  }

  MPI_Message message = MPI_MESSAGE_NULL;
  MPI_Status status;
  CHECK_MPI(MPI_Mprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &message, &status));
  CHECK(message != MPI_MESSAGE_NULL && message != MPI_MESSAGE_NO_PROC,
        "MPI_Mprobe returned no message handle");
  CHECK_STATUS(status, left, tag, MPI_INT, probe_length(left, 0), "MPI_Mprobe");

  /* The probed message is no longer visible to probes or receives. */
  MPI_Status second_status;
  CHECK_MPI(MPI_Probe(left, tag, MPI_COMM_WORLD, &second_status));
  CHECK_STATUS(second_status, left, tag, MPI_INT, probe_length(left, 1),
               "MPI_Probe after MPI_Mprobe must see the second message");
  int *second = mp_malloc(sizeof(int) * (size_t)probe_length(left, 1));
  CHECK_MPI(MPI_Recv(second, probe_length(left, 1), MPI_INT, left, tag, MPI_COMM_WORLD,
                     &second_status));
  CHECK_STATUS(second_status, left, tag, MPI_INT, probe_length(left, 1),
               "receive after MPI_Mprobe");
  check_message(second, left, 1, salt, "receive after MPI_Mprobe");

  int count = -1;
  CHECK_MPI(MPI_Get_count(&status, MPI_INT, &count));
  int *first = mp_malloc(sizeof(int) * (size_t)count);
  MPI_Status first_status;
  CHECK_MPI(MPI_Mrecv(first, count, MPI_INT, &message, &first_status));
  CHECK(message == MPI_MESSAGE_NULL, "MPI_Mrecv must set the handle to MPI_MESSAGE_NULL");
  CHECK_STATUS(first_status, left, tag, MPI_INT, probe_length(left, 0), "MPI_Mrecv");
  check_message(first, left, 0, salt, "MPI_Mrecv");

  CHECK_MPI(MPI_Waitall(2, requests, MPI_STATUSES_IGNORE));
  free(first);
  free(second);
  free(send[0]);
  free(send[1]);
}

/* MPI_Improbe polled until it finds the message, then MPI_Imrecv and a wait. */
static void matched_iprobe(int rank, int size) {
  const int tag = 31;
  const int salt = 3;
  int left = mp_left(rank, size);
  for (int round = 0; round < 2; ++round) {
    int *send = make_message(rank, round, salt);
    MPI_Request send_request;
    CHECK_MPI(MPI_Isend(send, probe_length(rank, round), MPI_INT, mp_right(rank, size), tag,
                        MPI_COMM_WORLD, &send_request));

    MPI_Message message = MPI_MESSAGE_NULL;
    MPI_Status status;
    int flag = 0;
    double deadline = MPI_Wtime() + 30.0;
    while (!flag) {
      CHECK_MPI(MPI_Improbe(left, tag, MPI_COMM_WORLD, &flag, &message, &status));
      CHECK(flag || MPI_Wtime() < deadline, "MPI_Improbe found nothing in 30 s");
    }
    CHECK_STATUS(status, left, tag, MPI_INT, probe_length(left, round), "MPI_Improbe");

    int count = -1;
    CHECK_MPI(MPI_Get_count(&status, MPI_INT, &count));
    int *receive = mp_malloc(sizeof(int) * (size_t)count);
    MPI_Request receive_request;
    CHECK_MPI(MPI_Imrecv(receive, count, MPI_INT, &message, &receive_request));
    CHECK(message == MPI_MESSAGE_NULL, "MPI_Imrecv must set the handle to MPI_MESSAGE_NULL");
    MPI_Status receive_status;
    CHECK_MPI(MPI_Wait(&receive_request, &receive_status));
    CHECK_STATUS(receive_status, left, tag, MPI_INT, count, "MPI_Imrecv");
    check_message(receive, left, round, salt, "MPI_Imrecv");
    CHECK_MPI(MPI_Wait(&send_request, MPI_STATUS_IGNORE));
    free(receive);
    free(send);
  }

  /* No message: flag false and the handle left alone or null. */
  int flag = -1;
  MPI_Message message = MPI_MESSAGE_NULL;
  MPI_Status status;
  CHECK_MPI(MPI_Improbe(MPI_ANY_SOURCE, kNeverSentTag, MPI_COMM_WORLD, &flag, &message, &status));
  CHECK_INT(flag, 0, "MPI_Improbe for a tag nobody sends");
}

static void check_proc_null_status(const MPI_Status *status, const char *what) {
  CHECK_INT(status->MPI_SOURCE, MPI_PROC_NULL, "%s: status source", what);
  CHECK_INT(status->MPI_TAG, MPI_ANY_TAG, "%s: status tag", what);
  int count = -1;
  CHECK_MPI(MPI_Get_count(status, MPI_INT, &count));
  CHECK_INT(count, 0, "%s: status count", what);
}

/* MPICH 4.0 leaves source and tag at 0 when a nonblocking receive from MPI_PROC_NULL
 * completes (the blocking forms are right); the standard asks for MPI_PROC_NULL and
 * MPI_ANY_TAG in every case, and so does this test everywhere but on MPICH. */
static void check_proc_null_status_nonblocking(const MPI_Status *status, const char *what) {
  if (!MP_MPICH_DEVIATION) {
    check_proc_null_status(status, what);
    return;
  }
  int count = -1;
  CHECK_MPI(MPI_Get_count(status, MPI_INT, &count));
  CHECK_INT(count, 0, "%s: status count", what);
}

static void proc_null(void) {
  int data[4] = {11, 22, 33, 44};
  int untouched[4] = {11, 22, 33, 44};
  MPI_Status status;

  CHECK_MPI(MPI_Send(data, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD));
  CHECK_MPI(MPI_Ssend(data, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD));
  CHECK_MPI(MPI_Rsend(data, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD));

  CHECK_MPI(MPI_Recv(data, 4, MPI_INT, MPI_PROC_NULL, 1, MPI_COMM_WORLD, &status));
  check_proc_null_status(&status, "MPI_Recv from MPI_PROC_NULL");
  CHECK(memcmp(data, untouched, sizeof data) == 0, "MPI_Recv from MPI_PROC_NULL wrote data");

  MPI_Request requests[2];
  CHECK_MPI(MPI_Isend(data, 4, MPI_INT, MPI_PROC_NULL, 2, MPI_COMM_WORLD, &requests[0]));
  CHECK_MPI(MPI_Irecv(data, 4, MPI_INT, MPI_PROC_NULL, 2, MPI_COMM_WORLD, &requests[1]));
  int flag = 0;
  MPI_Status statuses[2];
  /* Both are complete from the start, so a single test finds them done. */
  CHECK_MPI(MPI_Testall(2, requests, &flag, statuses));
  CHECK_INT(flag, 1, "MPI_Testall on MPI_PROC_NULL operations");
  check_proc_null_status_nonblocking(&statuses[1], "MPI_Irecv from MPI_PROC_NULL");

  CHECK_MPI(MPI_Sendrecv(data, 4, MPI_INT, MPI_PROC_NULL, 3, data, 4, MPI_INT, MPI_PROC_NULL, 3,
                         MPI_COMM_WORLD, &status));
  check_proc_null_status(&status, "MPI_Sendrecv with MPI_PROC_NULL");

  CHECK_MPI(MPI_Probe(MPI_PROC_NULL, 4, MPI_COMM_WORLD, &status));
  check_proc_null_status(&status, "MPI_Probe of MPI_PROC_NULL");
  flag = 0;
  CHECK_MPI(MPI_Iprobe(MPI_PROC_NULL, 4, MPI_COMM_WORLD, &flag, &status));
  CHECK_INT(flag, 1, "MPI_Iprobe of MPI_PROC_NULL");
  check_proc_null_status(&status, "MPI_Iprobe of MPI_PROC_NULL");

  MPI_Message message = MPI_MESSAGE_NULL;
  CHECK_MPI(MPI_Mprobe(MPI_PROC_NULL, 5, MPI_COMM_WORLD, &message, &status));
  CHECK(message == MPI_MESSAGE_NO_PROC, "MPI_Mprobe of MPI_PROC_NULL gives MPI_MESSAGE_NO_PROC");
  check_proc_null_status(&status, "MPI_Mprobe of MPI_PROC_NULL");
  CHECK_MPI(MPI_Mrecv(data, 4, MPI_INT, &message, &status));
  CHECK(message == MPI_MESSAGE_NULL, "MPI_Mrecv of MPI_MESSAGE_NO_PROC sets MPI_MESSAGE_NULL");
  check_proc_null_status(&status, "MPI_Mrecv of MPI_MESSAGE_NO_PROC");

  message = MPI_MESSAGE_NULL;
  flag = 0;
  CHECK_MPI(MPI_Improbe(MPI_PROC_NULL, 6, MPI_COMM_WORLD, &flag, &message, &status));
  CHECK_INT(flag, 1, "MPI_Improbe of MPI_PROC_NULL");
  CHECK(message == MPI_MESSAGE_NO_PROC, "MPI_Improbe of MPI_PROC_NULL");
  MPI_Request request;
  CHECK_MPI(MPI_Imrecv(data, 4, MPI_INT, &message, &request));
  CHECK_MPI(MPI_Wait(&request, &status));
  check_proc_null_status_nonblocking(&status, "MPI_Imrecv of MPI_MESSAGE_NO_PROC");
  CHECK(memcmp(data, untouched, sizeof data) == 0, "a receive from MPI_PROC_NULL wrote data");
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));

  probe_then_receive(rank, size);
  matched_probe(rank, size);
  matched_iprobe(rank, size);
  proc_null();

  mp_report_ok("p2p_probe");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
