/*
 * Truncation: a receive buffer smaller than the message. With MPI_ERRORS_RETURN the
 * receive returns an error of class MPI_ERR_TRUNCATE (MPI_ERR_IN_STATUS with the class in
 * status.MPI_ERROR from the multiple-completion calls), writes nothing past its buffer, the
 * sender's send still succeeds, and the next message on the same source and tag arrives
 * intact, so nothing of the truncated message is left behind. Small and large messages,
 * received by MPI_Recv, MPI_Wait, MPI_Waitall, MPI_Sendrecv and MPI_Mrecv.
 */
#include "mp_check.h"

static const unsigned char kSentinel = 0x5A;
enum { kGuardBytes = 64 };

typedef enum {
  kByRecv,
  kByWait,
  kByWaitall,
  kBySendrecv,
  kByMrecv,
  kMethodCount
} ReceiveMethod;

static const char *method_names[kMethodCount] = {"MPI_Recv", "MPI_Wait", "MPI_Waitall",
                                                 "MPI_Sendrecv", "MPI_Mrecv"};

static unsigned char *make_bytes(int bytes, int rank, int salt) {
  unsigned char *data = mp_malloc((size_t)bytes);
  for (int i = 0; i < bytes; ++i) {
    data[i] = mp_pattern_byte(rank, i, salt);
  }
  return data;
}

/* Receives into a buffer of `capacity` bytes with the given method and returns the error
 * code the receive reported. */
static int receive_with(ReceiveMethod method, unsigned char *buffer, int capacity, int left,
                        int tag) {
  MPI_Status status;
  switch (method) {
    case kByRecv:
      return MPI_Recv(buffer, capacity, MPI_BYTE, left, tag, MPI_COMM_WORLD, &status);
    case kByWait: {
      MPI_Request request;
      CHECK_MPI(MPI_Irecv(buffer, capacity, MPI_BYTE, left, tag, MPI_COMM_WORLD, &request));
      int rc = MPI_Wait(&request, &status);
      CHECK(request == MPI_REQUEST_NULL, "MPI_Wait frees a request that failed");
      return rc;
    }
    case kByWaitall: {
      /* Next to the truncated receive, a zero-byte exchange with oneself that succeeds. */
      MPI_Request requests[3];
      CHECK_MPI(MPI_Irecv(NULL, 0, MPI_BYTE, 0, tag, MPI_COMM_SELF, &requests[0]));
      CHECK_MPI(MPI_Irecv(buffer, capacity, MPI_BYTE, left, tag, MPI_COMM_WORLD, &requests[1]));
      CHECK_MPI(MPI_Isend(NULL, 0, MPI_BYTE, 0, tag, MPI_COMM_SELF, &requests[2]));
      MPI_Status statuses[3];
      int rc = MPI_Waitall(3, requests, statuses);
      CHECK_ERROR_CLASS(rc, MPI_ERR_IN_STATUS, "MPI_Waitall with one truncated receive");
      CHECK(requests[1] == MPI_REQUEST_NULL, "MPI_Waitall left the failed request set");
      /* The others either completed (MPI_SUCCESS) or, as the standard allows, are reported
       * MPI_ERR_PENDING and are still active. */
      for (int i = 0; i < 3; i += 2) {
        if (statuses[i].MPI_ERROR == MPI_ERR_PENDING) {
          CHECK(requests[i] != MPI_REQUEST_NULL, "request %d reported pending but freed", i);
          CHECK_MPI(MPI_Wait(&requests[i], MPI_STATUS_IGNORE));
        } else {
          CHECK_INT(statuses[i].MPI_ERROR, MPI_SUCCESS, "MPI_ERROR of good request %d", i);
          CHECK(requests[i] == MPI_REQUEST_NULL, "MPI_Waitall left request %d set", i);
        }
      }
      return statuses[1].MPI_ERROR;
    }
    case kBySendrecv:
      /* The send half goes nowhere, so only the receive can fail. */
      return MPI_Sendrecv(NULL, 0, MPI_BYTE, MPI_PROC_NULL, tag, buffer, capacity, MPI_BYTE,
                          left, tag, MPI_COMM_WORLD, &status);
    case kByMrecv: {
      MPI_Message message;
      MPI_Status probe_status;
      CHECK_MPI(MPI_Mprobe(left, tag, MPI_COMM_WORLD, &message, &probe_status));
      /* The handle's value after a failed MPI_Mrecv is not specified (MPICH leaves it
       * unchanged); the message is consumed either way, which the follow-up shows. */
      return MPI_Mrecv(buffer, capacity, MPI_BYTE, &message, &status);
    }
    default:
      break;
  }
  mp_fail(__FILE__, __LINE__, "bad method", "%d", (int)method);
  return MPI_SUCCESS;
}

/* Sends `bytes` to the right and receives the left's message into `capacity` bytes; then
 * a follow-up message of `follow_bytes` on the same tag must arrive whole. */
static void truncate_case(ReceiveMethod method, int bytes, int capacity, int follow_bytes,
                          int tag, int rank, int size) {
  int left = mp_left(rank, size);
  int right = mp_right(rank, size);
  const char *name = method_names[method];

  unsigned char *send = make_bytes(bytes, rank, tag);
  unsigned char *follow = make_bytes(follow_bytes, rank, tag + 1);
  MPI_Request sends[2];
  CHECK_MPI(MPI_Isend(send, bytes, MPI_BYTE, right, tag, MPI_COMM_WORLD, &sends[0]));
  CHECK_MPI(MPI_Isend(follow, follow_bytes, MPI_BYTE, right, tag, MPI_COMM_WORLD, &sends[1]));

  unsigned char *buffer = mp_malloc((size_t)capacity + kGuardBytes);
  memset(buffer, kSentinel, (size_t)capacity + kGuardBytes);
  int rc = receive_with(method, buffer, capacity, left, tag);
  CHECK_ERROR_CLASS(rc, MPI_ERR_TRUNCATE, "%s of %d bytes into %d", name, bytes, capacity);
  for (int i = 0; i < kGuardBytes; ++i) {
    CHECK_INT(buffer[capacity + i], kSentinel, "%s of %d bytes into %d wrote past the buffer",
              name, bytes, capacity);
  }
  free(buffer);

  unsigned char *received = mp_malloc((size_t)follow_bytes + kGuardBytes);
  MPI_Status status;
  CHECK_MPI(MPI_Recv(received, follow_bytes + kGuardBytes, MPI_BYTE, left, tag, MPI_COMM_WORLD,
                     &status));
  CHECK_STATUS(status, left, tag, MPI_BYTE, follow_bytes, "message after a truncated %s", name);
  for (int i = 0; i < follow_bytes; ++i) {
    CHECK_INT(received[i], mp_pattern_byte(left, i, tag + 1),
              "byte %d of the message after a truncated %s", i, name);
  }
  free(received);

  /* Truncation is the receiver's error: the sends complete normally. */
  MPI_Status send_statuses[2];
  int send_rc = MPI_Waitall(2, sends, send_statuses);
  CHECK_MPI(send_rc);
  free(send);
  free(follow);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));

  int tag = 100;
  for (int method = 0; method < kMethodCount; ++method) {
    /* Small into smaller; large (rendezvous-sized) into half; large into tiny; small
     * followed by large; and a zero-capacity receive of a one-byte message. */
    truncate_case((ReceiveMethod)method, 40, 20, 40, tag, rank, size);
    truncate_case((ReceiveMethod)method, 200000, 100000, 300, tag + 2, rank, size);
    truncate_case((ReceiveMethod)method, 150000, 12, 150000, tag + 4, rank, size);
    truncate_case((ReceiveMethod)method, 9, 8, 70000, tag + 6, rank, size);
    truncate_case((ReceiveMethod)method, 1, 0, 1, tag + 8, rank, size);
    tag += 10;
  }

  mp_report_ok("p2p_truncate");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
