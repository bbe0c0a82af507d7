/*
 * Partitioned point-to-point communication (MPI_Psend_init, MPI_Precv_init, MPI_Pready,
 * MPI_Pready_range, MPI_Pready_list, MPI_Parrived) around a ring (every rank sends to its
 * right neighbour and receives from its left one; one rank talks to itself):
 *   - layouts that cut the buffer differently on the two sides (1/1, 8/16, 16/8, 33/17,
 *     17/33, 1000/10, 3/1 of a rendezvous size), zero-size partitions, four rounds each with
 *     new data, partitions marked ready in ascending and descending order, by ranges and by
 *     lists, completed by Wait, a Test loop, or Parrived polling (each partition checked the
 *     moment it is reported arrived);
 *   - partial arrival: half the partitions marked ready, the receiver sees exactly the
 *     partitions those bytes cover arrive and none of the rest until the sender is told to go
 *     on;
 *   - derived datatypes (a strided vector on one side, contiguous or another stride on the
 *     other; holes of the receive buffer untouched);
 *   - matching in init order whatever the start order (same communicator and tag), by tag,
 *     and by communicator; MPI_Startall / MPI_Waitall of many requests for 40 rounds;
 *   - four threads marking disjoint partitions of one request at once
 *     (MPI_THREAD_MULTIPLE);
 *   - an intercommunicator between the two halves of the world, other cuts on each side;
 *   - MPI_PROC_NULL on both sides, MPI_ERR_TRUNCATE when the sender has more bytes and
 *     MPI_ERR_COUNT when it has fewer;
 *   - errors under MPI_ERRORS_RETURN: bad arguments of the init calls (wildcards, ranks,
 *     tags, counts, types, buffers, info), MPI_Pready on an inactive request, twice, out of
 *     range, on a receive or non-partitioned request, bad ranges and lists, MPI_Parrived on
 *     the wrong requests, freeing or cancelling an active request; the request works after.
 */
#include <mpi.h>
#include <pthread.h>

#include "mp_check.h"

static int rank, size, left, right;

/* MPICH 4.0 reports a bad partition index (out of range, already ready) as MPI_ERR_OTHER;
 * weft as MPI_ERR_ARG. */
static const int kPartitionError = MP_MPICH_DEVIATION ? MPI_ERR_OTHER : MPI_ERR_ARG;

static int value(int sender, long index, int salt) { return mp_pattern_int(sender, index, salt); }

/* Marks every partition of an active send request ready, in an order chosen by `how`. */
static void ready_all(MPI_Request request, int partitions, int how) {
  switch (how % 4) {
    case 0:
      for (int p = 0; p < partitions; ++p) CHECK_MPI(MPI_Pready(p, request));
      break;
    case 1:
      for (int p = partitions - 1; p >= 0; --p) CHECK_MPI(MPI_Pready(p, request));
      break;
    case 2:
      for (int low = 0; low < partitions; low += 3) {
        int high = low + 2 < partitions ? low + 2 : partitions - 1;
        CHECK_MPI(MPI_Pready_range(low, high, request));
      }
      break;
    default: {
      int *list = calloc((size_t)partitions, sizeof(int));
      CHECK(list != NULL, "calloc");
      int n = 0;
      for (int p = 1; p < partitions; p += 2) list[n++] = p;
      CHECK_MPI(MPI_Pready_list(n, list, request));
      n = 0;
      for (int p = 0; p < partitions; p += 2) list[n++] = p;
      CHECK_MPI(MPI_Pready_list(n, list, request));
      free(list);
    }
  }
}

/* Checks one receive partition of `count` ints against the left neighbour's data. */
static void check_partition(const int *buffer, int partition, long count, int salt,
                            const char *what) {
  for (long i = 0; i < count; ++i) {
    long index = partition * count + i;
    CHECK_INT(buffer[index], value(left, index, salt), "%s: partition %d element %ld", what,
              partition, i);
  }
}

/* Waits for a receive round by the strategy `how`: Wait, a Test loop, or Parrived polling
 * that checks each partition as soon as it is reported. */
static void complete_receive(MPI_Request *request, int *buffer, int partitions, long count,
                             long total, int salt, int how, const char *what) {
  MPI_Status status;
  if (how % 3 == 1) {
    char *seen = calloc((size_t)partitions, 1);
    int remaining = partitions;
    while (remaining > 0) {
      for (int p = 0; p < partitions; ++p) {
        if (seen[p]) continue;
        int flag = 0;
        CHECK_MPI(MPI_Parrived(*request, p, &flag));
        if (flag) {
          check_partition(buffer, p, count, salt, what);
          seen[p] = 1;
          --remaining;
        }
      }
    }
    free(seen);
    CHECK_MPI(MPI_Wait(request, &status));
  } else if (how % 3 == 2) {
    int flag = 0;
    while (!flag) CHECK_MPI(MPI_Test(request, &flag, &status));
  } else {
    CHECK_MPI(MPI_Wait(request, &status));
  }
  CHECK_STATUS(status, left, 5, MPI_INT, (int)total, "%s: receive status", what);
  for (int p = 0; p < partitions; ++p) check_partition(buffer, p, count, salt, what);
}

/* Send and receive sides with their own partition counts; total ints alike. */
static void layouts(void) {
  static const struct {
    int send_partitions, recv_partitions;
    long total;
  } cases[] = {{1, 1, 64},     {8, 16, 64},   {16, 8, 64},       {33, 17, 561},
               {17, 33, 561},  {1000, 10, 20000}, {3, 1, 60000}, {4, 6, 0},
               {7, 7, 7}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    const int sp = cases[c].send_partitions, rp = cases[c].recv_partitions;
    const long total = cases[c].total;
    const long scount = total / sp, rcount = total / rp;
    int *send = mp_malloc(sizeof(int) * (size_t)(total + 1));
    int *recv = mp_malloc(sizeof(int) * (size_t)(total + 1));
    MPI_Request requests[2];
    CHECK_MPI(MPI_Precv_init(recv, rp, rcount, MPI_INT, left, 5, MPI_COMM_WORLD, MPI_INFO_NULL,
                             &requests[0]));
    CHECK_MPI(MPI_Psend_init(send, sp, scount, MPI_INT, right, 5, MPI_COMM_WORLD, MPI_INFO_NULL,
                             &requests[1]));
    for (int round = 0; round < 4; ++round) {
      const int salt = (int)c * 10 + round;
      char what[96];
      snprintf(what, sizeof what, "layout %d/%d of %ld ints, round %d", sp, rp, total, round);
      for (long i = 0; i <= total; ++i) recv[i] = -1;
      CHECK_MPI(MPI_Start(&requests[0]));
      CHECK_MPI(MPI_Start(&requests[1]));
      for (long i = 0; i < total; ++i) send[i] = value(rank, i, salt);
      ready_all(requests[1], sp, round + (int)c);
      complete_receive(&requests[0], recv, rp, rcount, total, salt, round + (int)c, what);
      CHECK_INT(recv[total], -1, "%s: element past the buffer", what);
      MPI_Status status;
      CHECK_MPI(MPI_Wait(&requests[1], &status));
    }
    CHECK_MPI(MPI_Request_free(&requests[0]));
    CHECK_MPI(MPI_Request_free(&requests[1]));
    CHECK(requests[0] == MPI_REQUEST_NULL, "freed request is MPI_REQUEST_NULL");
    free(send);
    free(recv);
  }
  /* Zero-size partitions: count 0 on both sides, several rounds. */
  MPI_Request requests[2];
  int dummy = 0;
  CHECK_MPI(MPI_Precv_init(&dummy, 5, 0, MPI_INT, left, 6, MPI_COMM_WORLD, MPI_INFO_NULL,
                           &requests[0]));
  CHECK_MPI(MPI_Psend_init(&dummy, 3, 0, MPI_INT, right, 6, MPI_COMM_WORLD, MPI_INFO_NULL,
                           &requests[1]));
  for (int round = 0; round < 3; ++round) {
    CHECK_MPI(MPI_Startall(2, requests));
    CHECK_MPI(MPI_Pready_range(0, 2, requests[1]));
    int flag = 0;
    while (!flag) CHECK_MPI(MPI_Parrived(requests[0], 4, &flag));
    MPI_Status statuses[2];
    CHECK_MPI(MPI_Waitall(2, requests, statuses));
    CHECK_STATUS(statuses[0], left, 6, MPI_INT, 0, "zero-size round %d", round);
  }
  CHECK_MPI(MPI_Request_free(&requests[0]));
  CHECK_MPI(MPI_Request_free(&requests[1]));
}

/* Half the send partitions ready: exactly the receive partitions inside those bytes
 * arrive, the others cannot until the sender goes on. */
static void partial_arrival(void) {
  /* MPI_Pready permits the transfer of a partition, it does not oblige it: MPICH moves the
   * whole message once every partition is ready, so this check of early arrival (which
   * weft promises: a ready partition waits at most until the engine next progresses) is
   * weft's own. */
  if (MP_MPICH_DEVIATION) return;
  enum { kSend = 12, kRecv = 8, kTotal = 2400 };
  int *send = mp_malloc(sizeof(int) * kTotal);
  int *recv = mp_malloc(sizeof(int) * kTotal);
  MPI_Request rreq, sreq;
  CHECK_MPI(MPI_Precv_init(recv, kRecv, kTotal / kRecv, MPI_INT, left, 9, MPI_COMM_WORLD,
                           MPI_INFO_NULL, &rreq));
  CHECK_MPI(MPI_Psend_init(send, kSend, kTotal / kSend, MPI_INT, right, 9, MPI_COMM_WORLD,
                           MPI_INFO_NULL, &sreq));
  for (int round = 0; round < 3; ++round) {
    const int salt = 500 + round;
    for (int i = 0; i < kTotal; ++i) recv[i] = -1;
    CHECK_MPI(MPI_Start(&rreq));
    CHECK_MPI(MPI_Start(&sreq));
    for (int i = 0; i < kTotal; ++i) send[i] = value(rank, i, salt);
    /* The first half of the send partitions: ints [0, kTotal / 2). */
    CHECK_MPI(MPI_Pready_range(0, kSend / 2 - 1, sreq));
    int token = round;
    CHECK_MPI(MPI_Send(&token, 1, MPI_INT, right, 10, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Recv(&token, 1, MPI_INT, left, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    /* Receive partitions 0..3 hold ints [0, 1200): they must arrive; 4..7 must not. */
    for (int p = 0; p < kRecv / 2; ++p) {
      int flag = 0;
      while (!flag) CHECK_MPI(MPI_Parrived(rreq, p, &flag));
      check_partition(recv, p, kTotal / kRecv, salt, "partial arrival");
    }
    for (int p = kRecv / 2; p < kRecv; ++p) {
      int flag = 1;
      CHECK_MPI(MPI_Parrived(rreq, p, &flag));
      CHECK_INT(flag, 0, "partition %d arrived before its sender marked it ready", p);
    }
    CHECK_MPI(MPI_Send(&token, 1, MPI_INT, left, 11, MPI_COMM_WORLD));
    CHECK_MPI(MPI_Recv(&token, 1, MPI_INT, right, 11, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    int rest[kSend / 2];
    for (int i = 0; i < kSend / 2; ++i) rest[i] = kSend - 1 - i;
    CHECK_MPI(MPI_Pready_list(kSend / 2, rest, sreq));
    CHECK_MPI(MPI_Wait(&rreq, MPI_STATUS_IGNORE));
    for (int p = 0; p < kRecv; ++p) check_partition(recv, p, kTotal / kRecv, salt, "partial");
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
  }
  CHECK_MPI(MPI_Request_free(&rreq));
  CHECK_MPI(MPI_Request_free(&sreq));
  free(send);
  free(recv);
}

/* Strided types: the sender's partition is one vector of k ints at stride 2; the receiver
 * takes contiguous ints (other partition count), then a stride-3 vector. */
static void derived_types(void) {
  enum { kBlocks = 10, kSendParts = 6, kInts = kBlocks * kSendParts };
  MPI_Datatype vector2, strided2, vector3, strided3;
  CHECK_MPI(MPI_Type_vector(kBlocks, 1, 2, MPI_INT, &vector2));
  CHECK_MPI(MPI_Type_create_resized(vector2, 0, (MPI_Aint)(2 * kBlocks * sizeof(int)), &strided2));
  CHECK_MPI(MPI_Type_commit(&strided2));
  CHECK_MPI(MPI_Type_vector(5, 1, 3, MPI_INT, &vector3));
  CHECK_MPI(MPI_Type_create_resized(vector3, 0, (MPI_Aint)(15 * sizeof(int)), &strided3));
  CHECK_MPI(MPI_Type_commit(&strided3));
  /* The requests keep what they need: the building blocks go at once. */
  CHECK_MPI(MPI_Type_free(&vector2));
  CHECK_MPI(MPI_Type_free(&vector3));
  int *send = mp_malloc(sizeof(int) * 2 * kInts);
  int *recv = mp_malloc(sizeof(int) * 3 * kInts);
  for (int variant = 0; variant < 2; ++variant) {
    MPI_Request rreq, sreq;
    if (variant == 0) {
      CHECK_MPI(MPI_Precv_init(recv, 4, kInts / 4, MPI_INT, left, 12, MPI_COMM_WORLD,
                               MPI_INFO_NULL, &rreq));
    } else {
      /* 12 partitions of one stride-3 vector of 5 ints each. */
      CHECK_MPI(MPI_Precv_init(recv, kInts / 5, 1, strided3, left, 12, MPI_COMM_WORLD,
                               MPI_INFO_NULL, &rreq));
    }
    CHECK_MPI(MPI_Psend_init(send, kSendParts, 1, strided2, right, 12, MPI_COMM_WORLD,
                             MPI_INFO_NULL, &sreq));
    for (int round = 0; round < 3; ++round) {
      const int salt = 700 + variant * 10 + round;
      for (int i = 0; i < 3 * kInts; ++i) recv[i] = -7;
      for (int i = 0; i < 2 * kInts; ++i) send[i] = -9; /* holes: never sent */
      CHECK_MPI(MPI_Start(&rreq));
      CHECK_MPI(MPI_Start(&sreq));
      for (int i = 0; i < kInts; ++i) send[2 * i] = value(rank, i, salt);
      ready_all(sreq, kSendParts, round);
      int flag = 0;
      while (!flag) CHECK_MPI(MPI_Parrived(rreq, 0, &flag));
      CHECK_MPI(MPI_Wait(&rreq, MPI_STATUS_IGNORE));
      CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
      const int stride = variant == 0 ? 1 : 3;
      for (int i = 0; i < kInts; ++i) {
        CHECK_INT(recv[stride * i], value(left, i, salt), "derived variant %d element %d",
                  variant, i);
        for (int hole = 1; hole < stride; ++hole) {
          CHECK_INT(recv[stride * i + hole], -7, "derived variant %d hole after %d", variant, i);
        }
      }
      for (int i = stride * kInts; i < 3 * kInts; ++i) {
        CHECK_INT(recv[i], -7, "derived variant %d past the data at %d", variant, i);
      }
    }
    CHECK_MPI(MPI_Request_free(&rreq));
    CHECK_MPI(MPI_Request_free(&sreq));
  }
  MPI_Type_free(&strided2);
  MPI_Type_free(&strided3);
  free(send);
  free(recv);
}

/* Three pairs per ring edge: same comm and tag (matched in init order, started in another
 * order), different tags (initialized in reverse), and duplicated communicators. */
static void matching(void) {
  enum { kN = 3, kCount = 40, kRounds = 40 };
  MPI_Comm comms[kN];
  for (int i = 0; i < kN; ++i) CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comms[i]));
  int send[kN][kCount], recv[kN][kCount];
  for (int scenario = 0; scenario < 3; ++scenario) {
    MPI_Request requests[2 * kN]; /* receives 0..kN-1, sends kN..2kN-1 */
    for (int i = 0; i < kN; ++i) {
      MPI_Comm comm = scenario == 2 ? comms[i] : MPI_COMM_WORLD;
      int tag = scenario == 1 ? 20 + i : 20;
      CHECK_MPI(MPI_Precv_init(recv[i], 2, kCount / 2, MPI_INT, left, tag, comm, MPI_INFO_NULL,
                               &requests[i]));
    }
    for (int k = 0; k < kN; ++k) {
      /* Different tags and communicators: sends initialized in reverse order. */
      int i = scenario == 0 ? k : kN - 1 - k;
      MPI_Comm comm = scenario == 2 ? comms[i] : MPI_COMM_WORLD;
      int tag = scenario == 1 ? 20 + i : 20;
      CHECK_MPI(MPI_Psend_init(send[i], 4, kCount / 4, MPI_INT, right, tag, comm, MPI_INFO_NULL,
                               &requests[kN + i]));
    }
    for (int round = 0; round < kRounds; ++round) {
      const int salt = 900 + scenario * 100 + round;
      if (round % 2 == 0) {
        CHECK_MPI(MPI_Startall(2 * kN, requests));
      } else {
        /* Sends started last to first, receives afterwards. */
        for (int i = 2 * kN - 1; i >= 0; --i) CHECK_MPI(MPI_Start(&requests[i]));
      }
      for (int k = 0; k < kN; ++k) {
        int i = (k + round) % kN;
        for (int j = 0; j < kCount; ++j) send[i][j] = value(rank, j + 1000 * i, salt);
        CHECK_MPI(MPI_Pready_range(0, 3, requests[kN + i]));
      }
      MPI_Status statuses[2 * kN];
      /* MPICH 4.0's MPI_Testall answers MPI_ERR_IN_STATUS with every status a success once
       * partitioned requests complete, so it gets MPI_Waitall only. */
      if (round % 3 == 0 || MP_MPICH_DEVIATION) {
        CHECK_MPI(MPI_Waitall(2 * kN, requests, statuses));
      } else {
        int flag = 0;
        while (!flag) CHECK_MPI(MPI_Testall(2 * kN, requests, &flag, statuses));
      }
      for (int i = 0; i < kN; ++i) {
        CHECK_STATUS(statuses[i], left, scenario == 1 ? 20 + i : 20, MPI_INT, kCount,
                     "matching scenario %d round %d pair %d", scenario, round, i);
        for (int j = 0; j < kCount; ++j) {
          CHECK_INT(recv[i][j], value(left, j + 1000 * i, salt),
                    "matching scenario %d round %d pair %d element %d", scenario, round, i, j);
        }
      }
    }
    for (int i = 0; i < 2 * kN; ++i) CHECK_MPI(MPI_Request_free(&requests[i]));
  }
  for (int i = 0; i < kN; ++i) CHECK_MPI(MPI_Comm_free(&comms[i]));
}

/* Four threads mark disjoint partitions of one send request at once. */
enum { kThreads = 4, kThreadParts = 64, kThreadCount = 50 };
static int thread_send[kThreadParts * kThreadCount];
static MPI_Request thread_request;
static int thread_salt;

static void *ready_thread(void *argument) {
  const int t = *(const int *)argument;
  for (int p = t; p < kThreadParts; p += kThreads) {
    for (int i = 0; i < kThreadCount; ++i) {
      long index = (long)p * kThreadCount + i;
      thread_send[index] = value(rank, index, thread_salt);
    }
    if (p % 8 == t) {
      int one[1] = {p};
      CHECK_MPI(MPI_Pready_list(1, one, thread_request));
    } else {
      CHECK_MPI(MPI_Pready(p, thread_request));
    }
  }
  return NULL;
}

static void threads(int provided) {
  if (provided < MPI_THREAD_MULTIPLE) {
    if (rank == 0) printf("partitioned: no MPI_THREAD_MULTIPLE, thread section skipped\n");
    return;
  }
  enum { kTotal = kThreadParts * kThreadCount };
  int *recv = mp_malloc(sizeof(int) * kTotal);
  MPI_Request rreq;
  CHECK_MPI(MPI_Precv_init(recv, 16, kTotal / 16, MPI_INT, left, 30, MPI_COMM_WORLD,
                           MPI_INFO_NULL, &rreq));
  CHECK_MPI(MPI_Psend_init(thread_send, kThreadParts, kThreadCount, MPI_INT, right, 30,
                           MPI_COMM_WORLD, MPI_INFO_NULL, &thread_request));
  for (int round = 0; round < 6; ++round) {
    thread_salt = 1200 + round;
    for (int i = 0; i < kTotal; ++i) recv[i] = -1;
    CHECK_MPI(MPI_Start(&rreq));
    CHECK_MPI(MPI_Start(&thread_request));
    pthread_t ids[kThreads];
    int numbers[kThreads];
    for (int t = 0; t < kThreads; ++t) {
      numbers[t] = t;
      CHECK(pthread_create(&ids[t], NULL, ready_thread, &numbers[t]) == 0, "pthread_create");
    }
    for (int t = 0; t < kThreads; ++t) pthread_join(ids[t], NULL);
    CHECK_MPI(MPI_Wait(&rreq, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Wait(&thread_request, MPI_STATUS_IGNORE));
    for (int p = 0; p < 16; ++p) check_partition(recv, p, kTotal / 16, thread_salt, "threads");
  }
  CHECK_MPI(MPI_Request_free(&rreq));
  CHECK_MPI(MPI_Request_free(&thread_request));
  free(recv);
}

/* On an intercommunicator between the lower and upper halves of the world: rank i of each
 * group exchanges with rank i of the other (ranks without a partner sit out). */
static void intercommunicator(void) {
  if (size < 2) return;
  enum { kTotal = 3000 };
  const int low = rank < size / 2;
  MPI_Comm half, inter;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, low, rank, &half));
  CHECK_MPI(MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, low ? size / 2 : 0, 77, &inter));
  int local_rank, remote_size;
  CHECK_MPI(MPI_Comm_rank(inter, &local_rank));
  CHECK_MPI(MPI_Comm_remote_size(inter, &remote_size));
  if (local_rank < remote_size) {
    const int partner_world = low ? size / 2 + local_rank : local_rank;
    int *send = mp_malloc(sizeof(int) * kTotal);
    int *recv = mp_malloc(sizeof(int) * kTotal);
    MPI_Request requests[2];
    CHECK_MPI(MPI_Precv_init(recv, low ? 6 : 10, low ? kTotal / 6 : kTotal / 10, MPI_INT,
                             local_rank, 3, inter, MPI_INFO_NULL, &requests[0]));
    CHECK_MPI(MPI_Psend_init(send, low ? 12 : 5, low ? kTotal / 12 : kTotal / 5, MPI_INT,
                             local_rank, 3, inter, MPI_INFO_NULL, &requests[1]));
    for (int round = 0; round < 3; ++round) {
      const int salt = 1500 + round;
      CHECK_MPI(MPI_Startall(2, requests));
      for (int i = 0; i < kTotal; ++i) send[i] = value(rank, i, salt);
      ready_all(requests[1], low ? 12 : 5, round);
      MPI_Status statuses[2];
      CHECK_MPI(MPI_Waitall(2, requests, statuses));
      CHECK_STATUS(statuses[0], local_rank, 3, MPI_INT, kTotal, "intercommunicator round %d",
                   round);
      for (int i = 0; i < kTotal; ++i) {
        CHECK_INT(recv[i], value(partner_world, i, salt), "intercommunicator element %d", i);
      }
    }
    CHECK_MPI(MPI_Request_free(&requests[0]));
    CHECK_MPI(MPI_Request_free(&requests[1]));
    free(send);
    free(recv);
  }
  CHECK_MPI(MPI_Comm_free(&inter));
  CHECK_MPI(MPI_Comm_free(&half));
}

static void proc_null_and_truncation(void) {
  int data[8] = {0};
  MPI_Request rreq, sreq;
  /* MPICH 4.0 crashes in MPI_Psend_init to MPI_PROC_NULL. */
  if (!MP_MPICH_DEVIATION) {
  CHECK_MPI(MPI_Precv_init(data, 4, 2, MPI_INT, MPI_PROC_NULL, 40, MPI_COMM_WORLD,
                           MPI_INFO_NULL, &rreq));
  CHECK_MPI(MPI_Psend_init(data, 2, 4, MPI_INT, MPI_PROC_NULL, 40, MPI_COMM_WORLD,
                           MPI_INFO_NULL, &sreq));
  for (int round = 0; round < 2; ++round) {
    CHECK_MPI(MPI_Start(&rreq));
    CHECK_MPI(MPI_Start(&sreq));
    int flag = 0;
    CHECK_MPI(MPI_Parrived(rreq, 3, &flag));
    CHECK_INT(flag, 1, "MPI_PROC_NULL partition arrived");
    CHECK_MPI(MPI_Pready(1, sreq));
    CHECK_MPI(MPI_Pready(0, sreq));
    MPI_Status status;
    CHECK_MPI(MPI_Wait(&rreq, &status));
    CHECK_STATUS(status, MPI_PROC_NULL, MPI_ANY_TAG, MPI_INT, 0, "MPI_PROC_NULL receive");
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
  }
  CHECK_MPI(MPI_Request_free(&rreq));
  CHECK_MPI(MPI_Request_free(&sreq));
  }

  /* The sender has 30 ints, the receiver room for 24: MPI_ERR_TRUNCATE, nothing past. */
  int send[30], recv[25];
  for (int i = 0; i < 30; ++i) send[i] = value(rank, i, 41);
  for (int i = 0; i < 25; ++i) recv[i] = -1;
  CHECK_MPI(MPI_Precv_init(recv, 4, 6, MPI_INT, left, 41, MPI_COMM_WORLD, MPI_INFO_NULL, &rreq));
  CHECK_MPI(MPI_Psend_init(send, 3, 10, MPI_INT, right, 41, MPI_COMM_WORLD, MPI_INFO_NULL,
                           &sreq));
  CHECK_MPI(MPI_Start(&rreq));
  CHECK_MPI(MPI_Start(&sreq));
  CHECK_MPI(MPI_Pready_range(0, 2, sreq));
  CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
  int rc = MPI_Wait(&rreq, MPI_STATUS_IGNORE);
  /* MPICH reports the mismatch as MPI_ERR_OTHER. */
  CHECK_ERROR_CLASS2(rc, MPI_ERR_TRUNCATE, MP_MPICH_DEVIATION ? MPI_ERR_OTHER : MPI_ERR_TRUNCATE,
                     "partitioned receive of 120 bytes into 96");
  CHECK_INT(recv[24], -1, "element past the truncated buffer");
  CHECK_MPI(MPI_Request_free(&rreq));
  CHECK_MPI(MPI_Request_free(&sreq));

  /* The sender has 10 ints, the receiver expects 12: an error too (MPI_ERR_COUNT), the 10
   * land, the rest is untouched. */
  for (int i = 0; i < 25; ++i) recv[i] = -1;
  CHECK_MPI(MPI_Precv_init(recv, 3, 4, MPI_INT, left, 42, MPI_COMM_WORLD, MPI_INFO_NULL, &rreq));
  CHECK_MPI(MPI_Psend_init(send, 2, 5, MPI_INT, right, 42, MPI_COMM_WORLD, MPI_INFO_NULL, &sreq));
  CHECK_MPI(MPI_Start(&rreq));
  CHECK_MPI(MPI_Start(&sreq));
  CHECK_MPI(MPI_Pready_list(2, (int[]){1, 0}, sreq));
  CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
  rc = MPI_Wait(&rreq, MPI_STATUS_IGNORE);
  CHECK_ERROR_CLASS2(rc, MPI_ERR_COUNT, MP_MPICH_DEVIATION ? MPI_ERR_OTHER : MPI_ERR_COUNT,
                     "partitioned receive of 40 bytes into 48");
  if (!MP_MPICH_DEVIATION) { /* MPICH 4.0 drops a mismatched message */
    for (int i = 0; i < 10; ++i) CHECK_INT(recv[i], value(left, i, 41), "short message %d", i);
  }
  CHECK_INT(recv[10], -1, "element past a short message");
  CHECK_MPI(MPI_Request_free(&rreq));
  CHECK_MPI(MPI_Request_free(&sreq));
}

static void errors(void) {
  int data[16] = {0};
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Datatype uncommitted;
  CHECK_MPI(MPI_Type_contiguous(2, MPI_INT, &uncommitted));
  MPI_Info freed_info;
  CHECK_MPI(MPI_Info_create(&freed_info));
  MPI_Info bad_info = freed_info;
  CHECK_MPI(MPI_Info_free(&freed_info));

  CHECK_ERROR_CLASS(MPI_Precv_init(data, 2, 2, MPI_INT, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_RANK, "MPI_Precv_init from MPI_ANY_SOURCE");
  CHECK_ERROR_CLASS(MPI_Precv_init(data, 2, 2, MPI_INT, left, MPI_ANY_TAG, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_TAG, "MPI_Precv_init with MPI_ANY_TAG");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, MPI_INT, size, 1, MPI_COMM_WORLD, MPI_INFO_NULL,
                                   &request),
                    MPI_ERR_RANK, "MPI_Psend_init to rank size");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, MPI_INT, right, -5, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_TAG, "MPI_Psend_init with tag -5");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, -1, 2, MPI_INT, right, 1, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_ARG, "MPI_Psend_init with partitions -1");
  CHECK_ERROR_CLASS(MPI_Precv_init(data, 0, 2, MPI_INT, left, 1, MPI_COMM_WORLD, MPI_INFO_NULL,
                                   &request),
                    MPI_ERR_ARG, "MPI_Precv_init with partitions 0");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, -3, MPI_INT, right, 1, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_COUNT, "MPI_Psend_init with count -3");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, MPI_DATATYPE_NULL, right, 1, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_TYPE, "MPI_Psend_init with MPI_DATATYPE_NULL");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, uncommitted, right, 1, MPI_COMM_WORLD,
                                   MPI_INFO_NULL, &request),
                    MPI_ERR_TYPE, "MPI_Psend_init with an uncommitted type");
  CHECK_ERROR_CLASS(MPI_Psend_init(NULL, 2, 2, MPI_INT, right, 1, MPI_COMM_WORLD, MPI_INFO_NULL,
                                   &request),
                    MPI_ERR_BUFFER, "MPI_Psend_init with a NULL buffer");
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, MPI_INT, right, 1, MPI_COMM_NULL, MPI_INFO_NULL,
                                   &request),
                    MPI_ERR_COMM, "MPI_Psend_init on MPI_COMM_NULL");
  if (!MP_MPICH_DEVIATION) { /* MPICH does not recognise a freed info handle */
    CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, MPI_INT, right, 1, MPI_COMM_WORLD, bad_info,
                                     &request),
                      MPI_ERR_INFO, "MPI_Psend_init with a freed info");
  }
  CHECK_ERROR_CLASS(MPI_Psend_init(data, 2, 2, MPI_INT, right, 1, MPI_COMM_WORLD, MPI_INFO_NULL,
                                   NULL),
                    MPI_ERR_ARG, "MPI_Psend_init with a NULL request");
  CHECK(request == MPI_REQUEST_NULL, "failed init calls leave the request alone");
  MPI_Type_free(&uncommitted);

  /* A working pair to misuse: 4 partitions of 2 ints each way. */
  MPI_Request rreq, sreq;
  CHECK_MPI(MPI_Precv_init(data, 4, 2, MPI_INT, left, 50, MPI_COMM_WORLD, MPI_INFO_NULL, &rreq));
  CHECK_MPI(MPI_Psend_init(data + 8, 4, 2, MPI_INT, right, 50, MPI_COMM_WORLD, MPI_INFO_NULL,
                           &sreq));
  int flag = 0;
  /* MPI-4.1 section 4.2.2: an inactive or null request gives flag = true; MPICH 4.0 fails
   * both calls instead. */
  const int parrived_inactive = !MP_MPICH_DEVIATION;
  if (parrived_inactive) {
    CHECK_MPI(MPI_Parrived(rreq, 2, &flag));
    CHECK_INT(flag, 1, "MPI_Parrived on an inactive request");
    flag = 0;
    CHECK_MPI(MPI_Parrived(MPI_REQUEST_NULL, 0, &flag));
    CHECK_INT(flag, 1, "MPI_Parrived on MPI_REQUEST_NULL");
  }
  CHECK_ERROR_CLASS(MPI_Pready(0, sreq), MPI_ERR_REQUEST, "MPI_Pready before MPI_Start");
  CHECK_MPI(MPI_Start(&rreq));
  CHECK_MPI(MPI_Start(&sreq));
  CHECK_ERROR_CLASS(MPI_Start(&sreq), MPI_ERR_REQUEST, "MPI_Start of an active request");
  CHECK_ERROR_CLASS2(MPI_Pready(4, sreq), MPI_ERR_ARG, kPartitionError, "MPI_Pready of partition 4 of 4");
  CHECK_ERROR_CLASS2(MPI_Pready(-1, sreq), MPI_ERR_ARG, kPartitionError, "MPI_Pready of partition -1");
  CHECK_ERROR_CLASS(MPI_Pready(0, rreq), MPI_ERR_REQUEST, "MPI_Pready on a receive request");
  CHECK_ERROR_CLASS(MPI_Pready(0, MPI_REQUEST_NULL), MPI_ERR_REQUEST,
                    "MPI_Pready on MPI_REQUEST_NULL");
  CHECK_ERROR_CLASS2(MPI_Pready_range(2, 1, sreq), MPI_ERR_ARG, kPartitionError, "MPI_Pready_range 2..1");
  CHECK_ERROR_CLASS2(MPI_Pready_range(0, 4, sreq), MPI_ERR_ARG, kPartitionError, "MPI_Pready_range 0..4");
  int twice[3] = {3, 1, 3};
  /* MPICH 4.0 does not notice a partition marked ready twice (and marks the others). */
  const int checks_twice = !MP_MPICH_DEVIATION;
  if (checks_twice) {
    CHECK_ERROR_CLASS(MPI_Pready_list(3, twice, sreq), MPI_ERR_ARG,
                      "MPI_Pready_list naming partition 3 twice");
  }
  CHECK_ERROR_CLASS2(MPI_Pready_list(-1, twice, sreq), MPI_ERR_ARG, kPartitionError, "MPI_Pready_list length -1");
  CHECK_ERROR_CLASS2(MPI_Pready_list(2, NULL, sreq), MPI_ERR_ARG, kPartitionError, "MPI_Pready_list of NULL");
  CHECK_ERROR_CLASS(MPI_Parrived(sreq, 0, &flag), MPI_ERR_REQUEST, "MPI_Parrived on a send");
  CHECK_ERROR_CLASS2(MPI_Parrived(rreq, 4, &flag), MPI_ERR_ARG, kPartitionError, "MPI_Parrived partition 4 of 4");
  CHECK_ERROR_CLASS2(MPI_Parrived(rreq, 0, NULL), MPI_ERR_ARG, kPartitionError, "MPI_Parrived with NULL flag");
  for (int i = 8; i < 16; ++i) data[i] = value(rank, i - 8, 51);
  CHECK_MPI(MPI_Pready(3, sreq));
  if (checks_twice) {
    CHECK_ERROR_CLASS(MPI_Pready(3, sreq), MPI_ERR_ARG, "MPI_Pready of partition 3 twice");
    CHECK_ERROR_CLASS(MPI_Pready_range(2, 3, sreq), MPI_ERR_ARG, "a range over a ready one");
  }
  /* The failed calls marked nothing: the remaining partitions can still be marked once. */
  int rest[3] = {2, 0, 1};
  CHECK_MPI(MPI_Pready_list(3, rest, sreq));
  /* Freeing or cancelling an active request: erroneous; weft refuses both (MPICH 4.0 frees
   * it, or crashes later), so MPICH only completes the round. */
  if (MP_MPICH_DEVIATION) {
    CHECK_MPI(MPI_Wait(&rreq, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Request_free(&rreq));
    CHECK_MPI(MPI_Request_free(&sreq));
  } else {
    /* Freeing or cancelling an active partitioned request is refused while it is pending. */
    int rc = MPI_Request_free(&rreq);
    if (rc != MPI_SUCCESS) {
      CHECK_ERROR_CLASS(rc, MPI_ERR_REQUEST, "MPI_Request_free of an active partitioned receive");
      CHECK(rreq != MPI_REQUEST_NULL, "a refused free leaves the handle");
    }
    MPI_Status status;
    if (rreq != MPI_REQUEST_NULL) {
      CHECK_MPI(MPI_Wait(&rreq, &status));
      CHECK_STATUS(status, left, 50, MPI_INT, 8, "the pair after the errors");
      for (int i = 0; i < 8; ++i) CHECK_INT(data[i], value(left, i, 51), "element %d", i);
    }
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
    CHECK_ERROR_CLASS(MPI_Pready(0, sreq), MPI_ERR_REQUEST, "MPI_Pready after completion");
    if (parrived_inactive && rreq != MPI_REQUEST_NULL) {
      flag = 0;
      CHECK_MPI(MPI_Parrived(rreq, 0, &flag));
      CHECK_INT(flag, 1, "MPI_Parrived after completion");
    }

    /* A round that is never completed cannot be freed or cancelled while it waits. */
    CHECK_MPI(MPI_Start(&sreq));
    rc = MPI_Cancel(&sreq);
    /* MPICH 4.0 answers MPI_ERR_INTERN ("an unknown type of request"). */
    CHECK_ERROR_CLASS2(rc, MPI_ERR_REQUEST, MP_MPICH_DEVIATION ? MPI_ERR_INTERN : MPI_ERR_REQUEST,
                       "MPI_Cancel of an active partitioned send");
    if (!MP_MPICH_DEVIATION) { /* MPICH 4.0 frees it */
      rc = MPI_Request_free(&sreq);
      CHECK_ERROR_CLASS(rc, MPI_ERR_REQUEST, "MPI_Request_free of an active partitioned send");
    }
    if (rreq != MPI_REQUEST_NULL) CHECK_MPI(MPI_Start(&rreq));
    CHECK_MPI(MPI_Pready_range(0, 3, sreq));
    if (rreq != MPI_REQUEST_NULL) {
      CHECK_MPI(MPI_Wait(&rreq, MPI_STATUS_IGNORE));
      CHECK_MPI(MPI_Request_free(&rreq));
    }
    CHECK_MPI(MPI_Wait(&sreq, MPI_STATUS_IGNORE));
    CHECK_MPI(MPI_Request_free(&sreq));
  }

  /* Partitioned calls on requests of other kinds. */
  MPI_Request plain;
  CHECK_MPI(MPI_Send_init(data, 1, MPI_INT, right, 52, MPI_COMM_WORLD, &plain));
  CHECK_ERROR_CLASS(MPI_Pready(0, plain), MPI_ERR_REQUEST, "MPI_Pready on MPI_Send_init's");
  CHECK_ERROR_CLASS(MPI_Parrived(plain, 0, &flag), MPI_ERR_REQUEST,
                    "MPI_Parrived on MPI_Send_init's");
  CHECK_MPI(MPI_Request_free(&plain));
}

int main(int argc, char **argv) {
  int provided = 0;
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  left = mp_left(rank, size);
  right = mp_right(rank, size);
  layouts();
  partial_arrival();
  derived_types();
  matching();
  threads(provided);
  intercommunicator();
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  proc_null_and_truncation();
  errors();
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  if (rank == 0) printf("partitioned: ok (%d ranks)\n", size);
  CHECK_MPI(MPI_Finalize());
  return 0;
}
