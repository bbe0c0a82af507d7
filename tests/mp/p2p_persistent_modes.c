/*
 * Persistent sends in every mode (MPI_Send_init, MPI_Bsend_init, MPI_Ssend_init,
 * MPI_Rsend_init) around a ring, matched by a persistent receive, over the whole matrix:
 *   start call       MPI_Start (each request) or MPI_Startall (both)
 *   completion       MPI_Wait, a MPI_Test loop, MPI_Waitall, MPI_Testall, MPI_Waitany,
 *                    MPI_Waitsome
 *   release          MPI_Request_free before or after MPI_Buffer_detach
 * with a small (eager) and a large (rendezvous) message, two rounds per request, the data
 * checked after every round. MPI_Buffer_detach must return once the buffered messages are
 * delivered, whether or not the completed persistent request has been freed yet.
 */
#include <mpi.h>

#include "mp_check.h"

enum { kModes = 4, kStarts = 2, kCompletions = 6, kRounds = 2, kSmall = 5, kLarge = 6000 };

static const char *const kModeNames[kModes] = {"Send_init", "Bsend_init", "Ssend_init",
                                               "Rsend_init"};
static const char *const kCompletionNames[kCompletions] = {"Wait",    "Test loop", "Waitall",
                                                           "Testall", "Waitany",   "Waitsome"};

static int make_send(int mode, const int *buf, int count, int dest, int tag, MPI_Request *r) {
  switch (mode) {
    case 0: return MPI_Send_init(buf, count, MPI_INT, dest, tag, MPI_COMM_WORLD, r);
    case 1: return MPI_Bsend_init(buf, count, MPI_INT, dest, tag, MPI_COMM_WORLD, r);
    case 2: return MPI_Ssend_init(buf, count, MPI_INT, dest, tag, MPI_COMM_WORLD, r);
    default: return MPI_Rsend_init(buf, count, MPI_INT, dest, tag, MPI_COMM_WORLD, r);
  }
}

/* Completes both requests (send at 0, receive at 1) with completion call `how`. */
static void complete(int how, MPI_Request requests[2], MPI_Status *recv_status,
                     const char *where) {
  MPI_Status statuses[2];
  int done[2] = {0, 0};
  switch (how) {
    case 0:
      CHECK_MPI(MPI_Wait(&requests[0], &statuses[0]));
      CHECK_MPI(MPI_Wait(&requests[1], &statuses[1]));
      break;
    case 1:
      for (int i = 0; i < 2; ++i) {
        int flag = 0;
        while (!flag) CHECK_MPI(MPI_Test(&requests[i], &flag, &statuses[i]));
      }
      break;
    case 2: CHECK_MPI(MPI_Waitall(2, requests, statuses)); break;
    case 3: {
      int flag = 0;
      while (!flag) CHECK_MPI(MPI_Testall(2, requests, &flag, statuses));
      break;
    }
    case 4:
      for (int k = 0; k < 2; ++k) {
        int index = -1;
        MPI_Status status;
        CHECK_MPI(MPI_Waitany(2, requests, &index, &status));
        CHECK(index == 0 || index == 1, "%s: Waitany index %d", where, index);
        CHECK(!done[index], "%s: Waitany returned request %d twice", where, index);
        done[index] = 1;
        statuses[index] = status;
      }
      break;
    default: {
      int left = 2;
      while (left > 0) {
        int outcount = -1;
        int indices[2];
        MPI_Status some[2];
        CHECK_MPI(MPI_Waitsome(2, requests, &outcount, indices, some));
        CHECK(outcount >= 1 && outcount <= left, "%s: Waitsome outcount %d", where, outcount);
        for (int i = 0; i < outcount; ++i) {
          CHECK(!done[indices[i]], "%s: Waitsome returned request %d twice", where, indices[i]);
          done[indices[i]] = 1;
          statuses[indices[i]] = some[i];
        }
        left -= outcount;
      }
      break;
    }
  }
  /* Persistent requests stay allocated and become inactive. */
  CHECK(requests[0] != MPI_REQUEST_NULL && requests[1] != MPI_REQUEST_NULL,
        "%s: a persistent request was set to MPI_REQUEST_NULL", where);
  *recv_status = statuses[1];
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int right = mp_right(rank, size);
  const int left = mp_left(rank, size);

  int *send = mp_malloc(sizeof(int) * kLarge);
  int *recv = mp_malloc(sizeof(int) * (kLarge + 1));
  const int attach_bytes = (int)(sizeof(int) * kLarge) + MPI_BSEND_OVERHEAD;
  char *attach = mp_malloc((size_t)attach_bytes);

  int combination = 0;
  for (int mode = 0; mode < kModes; ++mode) {
    for (int start = 0; start < kStarts; ++start) {
      for (int how = 0; how < kCompletions; ++how) {
        for (int free_first = 0; free_first < 2; ++free_first, ++combination) {
          const int count = combination % 2 == 0 ? kSmall : kLarge;
          const int tag = combination % 1000;
          char where[160];
          snprintf(where, sizeof where, "%s, %s, %s, free %s detach, count %d",
                   kModeNames[mode], start ? "Startall" : "Start", kCompletionNames[how],
                   free_first ? "before" : "after", count);

          CHECK_MPI(MPI_Buffer_attach(attach, attach_bytes));
          MPI_Request requests[2];
          CHECK_MPI(make_send(mode, send, count, right, tag, &requests[0]));
          CHECK_MPI(MPI_Recv_init(recv, kLarge + 1, MPI_INT, left, tag, MPI_COMM_WORLD,
                                  &requests[1]));
          for (int round = 0; round < kRounds; ++round) {
            const int salt = combination * kRounds + round;
            for (int i = 0; i < count; ++i) send[i] = mp_pattern_int(rank, i, salt);
            for (int i = 0; i <= count; ++i) recv[i] = -1;
            /* A ready send needs its receive posted first: start the receive, then let
             * every rank know before any send starts. */
            CHECK_MPI(MPI_Start(&requests[1]));
            mp_p2p_barrier(MPI_COMM_WORLD);
            if (start) {
              /* The receive is active: Startall takes only the send here, then both in the
               * second half of the matrix below. */
              CHECK_MPI(MPI_Startall(1, &requests[0]));
            } else {
              CHECK_MPI(MPI_Start(&requests[0]));
            }
            MPI_Status status;
            complete(how, requests, &status, where);
            CHECK_STATUS(status, left, tag, MPI_INT, count, "%s, round %d", where, round);
            for (int i = 0; i < count; ++i) {
              CHECK_INT(recv[i], mp_pattern_int(left, i, salt), "%s, round %d, element %d",
                        where, round, i);
            }
            CHECK_INT(recv[count], -1, "%s, round %d: written past the message", where, round);
            /* Everyone has its data before the next round reuses the send buffer. */
            mp_p2p_barrier(MPI_COMM_WORLD);
          }
          void *detached = NULL;
          int detached_size = -1;
          if (free_first) {
            CHECK_MPI(MPI_Request_free(&requests[0]));
            CHECK_MPI(MPI_Request_free(&requests[1]));
          }
          CHECK_MPI(MPI_Buffer_detach(&detached, &detached_size));
          CHECK(detached == attach, "%s: detach returned another buffer", where);
          CHECK_INT(detached_size, attach_bytes, "%s: detached size", where);
          if (!free_first) {
            CHECK_MPI(MPI_Request_free(&requests[0]));
            CHECK_MPI(MPI_Request_free(&requests[1]));
          }
          CHECK(requests[0] == MPI_REQUEST_NULL && requests[1] == MPI_REQUEST_NULL,
                "%s: MPI_Request_free must set MPI_REQUEST_NULL", where);
        }
      }
    }
  }

  /* MPI_Startall over both requests at once, every mode but ready (whose receive must be
   * known to be posted first), a buffered send detached while its request is inactive. */
  for (int mode = 0; mode < 3; ++mode) {
    char where[96];
    snprintf(where, sizeof where, "Startall of %s and Recv_init", kModeNames[mode]);
    CHECK_MPI(MPI_Buffer_attach(attach, attach_bytes));
    MPI_Request requests[2];
    CHECK_MPI(make_send(mode, send, kLarge, right, 7, &requests[0]));
    CHECK_MPI(MPI_Recv_init(recv, kLarge + 1, MPI_INT, left, 7, MPI_COMM_WORLD, &requests[1]));
    for (int round = 0; round < 3; ++round) {
      const int salt = 5000 + mode * 10 + round;
      for (int i = 0; i < kLarge; ++i) send[i] = mp_pattern_int(rank, i, salt);
      CHECK_MPI(MPI_Startall(2, requests));
      MPI_Status statuses[2];
      CHECK_MPI(MPI_Waitall(2, requests, statuses));
      CHECK_STATUS(statuses[1], left, 7, MPI_INT, kLarge, "%s, round %d", where, round);
      for (int i = 0; i < kLarge; ++i) {
        CHECK_INT(recv[i], mp_pattern_int(left, i, salt), "%s, round %d, element %d", where,
                  round, i);
      }
      mp_p2p_barrier(MPI_COMM_WORLD);
    }
    void *detached = NULL;
    int detached_size = -1;
    CHECK_MPI(MPI_Buffer_detach(&detached, &detached_size));
    CHECK_MPI(MPI_Request_free(&requests[0]));
    CHECK_MPI(MPI_Request_free(&requests[1]));
  }

  free(attach);
  free(recv);
  free(send);
  mp_report_ok("p2p_persistent_modes");
  MPI_Finalize();
  return 0;
}
