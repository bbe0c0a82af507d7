/*
 * Persistent collectives (MPI-4.0): every MPI_<Coll>_init on the world and on a split
 * communicator, several rounds per request with new data each round (buffers are read at
 * MPI_Start, written by completion), checked against serial references; requests started
 * in a different order on different ranks; MPI_Startall; completion by MPI_Wait, a MPI_Test
 * loop, MPI_Waitall, MPI_Waitany; blocking collectives between rounds; inactive requests
 * (MPI_Wait, MPI_Test, MPI_Request_get_status complete at once with an empty status;
 * MPI_Start of an active request fails); datatypes and ops freed right after init; a
 * non-contiguous datatype; MPI_IN_PLACE.
 */
#include <mpi.h>

#include "coll_common.h"

enum { kRounds = 3, kCount = 6 };

/* The value rank `rank` contributes at element `i` in round `round`. */
static int value(int rank, int i, int round) { return mp_pattern_int(rank, i, round + 1) % 100000; }

/* Completes `n` requests with completion method `how` (0 Wait, 1 Test loop, 2 Waitall,
 * 3 Waitany). Persistent requests stay allocated. */
static void complete_all(int n, MPI_Request *requests, int how, const char *where) {
  if (how == 2) {
    CHECK_MPI(MPI_Waitall(n, requests, MPI_STATUSES_IGNORE));
  } else if (how == 3) {
    for (int k = 0; k < n; ++k) {
      int index = -1;
      CHECK_MPI(MPI_Waitany(n, requests, &index, MPI_STATUS_IGNORE));
      CHECK(index >= 0 && index < n, "%s: Waitany index %d", where, index);
    }
    int index = 0;
    CHECK_MPI(MPI_Waitany(n, requests, &index, MPI_STATUS_IGNORE));
    CHECK_INT(index, MPI_UNDEFINED, "%s: Waitany over inactive requests", where);
  } else {
    for (int k = 0; k < n; ++k) {
      if (how == 0) {
        CHECK_MPI(MPI_Wait(&requests[k], MPI_STATUS_IGNORE));
      } else {
        int flag = 0;
        while (!flag) CHECK_MPI(MPI_Test(&requests[k], &flag, MPI_STATUS_IGNORE));
      }
    }
  }
  for (int k = 0; k < n; ++k) {
    CHECK(requests[k] != MPI_REQUEST_NULL, "%s: a persistent request became MPI_REQUEST_NULL",
          where);
  }
}

static void check_empty(const MPI_Status *status, const char *where) {
  CHECK_INT(status->MPI_SOURCE, MPI_ANY_SOURCE, "%s: empty status source", where);
  CHECK_INT(status->MPI_TAG, MPI_ANY_TAG, "%s: empty status tag", where);
  int count = -1;
  CHECK_MPI(MPI_Get_count(status, MPI_INT, &count));
  CHECK_INT(count, 0, "%s: empty status count", where);
  int cancelled = -1;
  CHECK_MPI(MPI_Test_cancelled(status, &cancelled));
  CHECK_INT(cancelled, 0, "%s: empty status cancelled", where);
}

/* Every collective, one request each, on `cc`. */
static void all_collectives(const CollComm *cc, int how) {
  const MPI_Comm comm = cc->comm;
  const int p = cc->size;
  const int r = cc->rank;
  const int root = p - 1;
  char where[128];

  int bcast_buf[kCount];
  int gather_send[kCount], *gather_recv = mp_malloc(sizeof(int) * (size_t)(p * kCount));
  int *scatter_send = mp_malloc(sizeof(int) * (size_t)(p * kCount)), scatter_recv[kCount];
  int allgather_send[kCount], *allgather_recv = mp_malloc(sizeof(int) * (size_t)(p * kCount));
  int *a2a_send = mp_malloc(sizeof(int) * (size_t)(p * kCount));
  int *a2a_recv = mp_malloc(sizeof(int) * (size_t)(p * kCount));
  int *v_counts = mp_malloc(sizeof(int) * (size_t)p), *v_displs = mp_malloc(sizeof(int) * (size_t)p);
  int v_total = 0;
  for (int i = 0; i < p; ++i) {
    v_counts[i] = (i % 3) + 1;
    v_displs[i] = v_total + i; /* a gap of i elements before each block */
    v_total += v_counts[i] + i;
  }
  int gatherv_send[3], *gatherv_recv = mp_malloc(sizeof(int) * (size_t)(v_total + 1));
  int *allgatherv_recv = mp_malloc(sizeof(int) * (size_t)(v_total + 1));
  int *a2av_send = mp_malloc(sizeof(int) * (size_t)(p * 3)), *a2av_recv = mp_malloc(sizeof(int) * (size_t)(p * 3));
  int *a2av_scounts = mp_malloc(sizeof(int) * (size_t)p), *a2av_sdispls = mp_malloc(sizeof(int) * (size_t)p);
  int *a2av_rcounts = mp_malloc(sizeof(int) * (size_t)p), *a2av_rdispls = mp_malloc(sizeof(int) * (size_t)p);
  MPI_Datatype *w_types = mp_malloc(sizeof(MPI_Datatype) * (size_t)p);
  int *w_sdispls = mp_malloc(sizeof(int) * (size_t)p), *w_rdispls = mp_malloc(sizeof(int) * (size_t)p);
  for (int i = 0; i < p; ++i) {
    /* rank r sends (i + r) % 3 + 1 elements to rank i */
    a2av_scounts[i] = (i + r) % 3 + 1;
    a2av_sdispls[i] = 3 * i;
    a2av_rcounts[i] = (r + i) % 3 + 1;
    a2av_rdispls[i] = 3 * i;
    w_types[i] = MPI_INT;
    w_sdispls[i] = (int)sizeof(int) * 3 * i;
    w_rdispls[i] = (int)sizeof(int) * 3 * i;
  }
  int *a2aw_recv = mp_malloc(sizeof(int) * (size_t)(p * 3));
  int red_send[kCount], red_recv[kCount], allred_recv[kCount], allred_inplace[kCount];
  int *rs_send = mp_malloc(sizeof(int) * (size_t)(p * kCount));
  int *rs_counts = mp_malloc(sizeof(int) * (size_t)p);
  int rs_displ = 0;
  for (int i = 0; i < p; ++i) {
    rs_counts[i] = i % 2 + 1;
    if (i < r) rs_displ += rs_counts[i];
  }
  int rs_total = rs_displ;
  for (int i = r; i < p; ++i) rs_total += rs_counts[i];
  int rs_recv[2], rsb_recv[kCount], scan_recv[kCount], exscan_recv[kCount];

  /* A strided int type, freed right after the init that uses it. */
  MPI_Datatype strided = coll_strided_int();
  int strided_buf[2 * kCount];

  enum { kRequests = 18 };
  MPI_Request q[kRequests];
  CHECK_MPI(MPI_Barrier_init(comm, MPI_INFO_NULL, &q[0]));
  CHECK_MPI(MPI_Bcast_init(bcast_buf, kCount, MPI_INT, root, comm, MPI_INFO_NULL, &q[1]));
  CHECK_MPI(MPI_Gather_init(gather_send, kCount, MPI_INT, gather_recv, kCount, MPI_INT, root, comm,
                            MPI_INFO_NULL, &q[2]));
  CHECK_MPI(MPI_Scatter_init(scatter_send, kCount, MPI_INT, scatter_recv, kCount, MPI_INT, 0, comm,
                             MPI_INFO_NULL, &q[3]));
  CHECK_MPI(MPI_Allgather_init(allgather_send, kCount, MPI_INT, allgather_recv, kCount, MPI_INT,
                               comm, MPI_INFO_NULL, &q[4]));
  CHECK_MPI(MPI_Alltoall_init(a2a_send, kCount, MPI_INT, a2a_recv, kCount, MPI_INT, comm,
                              MPI_INFO_NULL, &q[5]));
  CHECK_MPI(MPI_Gatherv_init(gatherv_send, v_counts[r], MPI_INT, gatherv_recv, v_counts, v_displs,
                             MPI_INT, 0, comm, MPI_INFO_NULL, &q[6]));
  CHECK_MPI(MPI_Allgatherv_init(gatherv_send, v_counts[r], MPI_INT, allgatherv_recv, v_counts,
                                v_displs, MPI_INT, comm, MPI_INFO_NULL, &q[7]));
  CHECK_MPI(MPI_Alltoallv_init(a2av_send, a2av_scounts, a2av_sdispls, MPI_INT, a2av_recv,
                               a2av_rcounts, a2av_rdispls, MPI_INT, comm, MPI_INFO_NULL, &q[8]));
  CHECK_MPI(MPI_Alltoallw_init(a2av_send, a2av_scounts, w_sdispls, w_types, a2aw_recv,
                               a2av_rcounts, w_rdispls, w_types, comm, MPI_INFO_NULL, &q[9]));
  CHECK_MPI(MPI_Reduce_init(red_send, red_recv, kCount, MPI_INT, MPI_SUM, 0, comm, MPI_INFO_NULL,
                            &q[10]));
  CHECK_MPI(MPI_Allreduce_init(red_send, allred_recv, kCount, MPI_INT, MPI_MAX, comm,
                               MPI_INFO_NULL, &q[11]));
  CHECK_MPI(MPI_Allreduce_init(MPI_IN_PLACE, allred_inplace, kCount, MPI_INT, MPI_SUM, comm,
                               MPI_INFO_NULL, &q[12]));
  CHECK_MPI(MPI_Reduce_scatter_init(rs_send, rs_recv, rs_counts, MPI_INT, MPI_SUM, comm,
                                    MPI_INFO_NULL, &q[13]));
  CHECK_MPI(MPI_Reduce_scatter_block_init(rs_send, rsb_recv, kCount, MPI_INT, MPI_SUM, comm,
                                          MPI_INFO_NULL, &q[14]));
  CHECK_MPI(MPI_Scan_init(red_send, scan_recv, kCount, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL,
                          &q[15]));
  CHECK_MPI(MPI_Exscan_init(red_send, exscan_recv, kCount, MPI_INT, MPI_SUM, comm, MPI_INFO_NULL,
                            &q[16]));
  CHECK_MPI(MPI_Bcast_init(strided_buf, kCount, strided, 0, comm, MPI_INFO_NULL, &q[17]));
  CHECK_MPI(MPI_Type_free(&strided));

  /* Inactive requests complete at once with an empty status. */
  for (int k = 0; k < kRequests; ++k) {
    MPI_Status status;
    int flag = 0;
    snprintf(where, sizeof where, "%s: inactive request %d", cc->name, k);
    status.MPI_SOURCE = 42;
    status.MPI_TAG = 42;
    CHECK_MPI(MPI_Wait(&q[k], &status));
    check_empty(&status, where);
    status.MPI_SOURCE = 42;
    CHECK_MPI(MPI_Test(&q[k], &flag, &status));
    CHECK_INT(flag, 1, "%s: MPI_Test flag", where);
    check_empty(&status, where);
    flag = 0;
    CHECK_MPI(MPI_Request_get_status(q[k], &flag, &status));
    CHECK_INT(flag, 1, "%s: MPI_Request_get_status flag", where);
    check_empty(&status, where);
  }

  for (int round = 0; round < kRounds; ++round) {
    snprintf(where, sizeof where, "%s, round %d, completion %d", cc->name, round, how);
    /* New data every round: the buffers are read when the round starts. */
    for (int i = 0; i < kCount; ++i) {
      bcast_buf[i] = r == root ? value(root, i, round) : -1;
      gather_send[i] = value(r, i, round);
      allgather_send[i] = value(r, i, round);
      red_send[i] = value(r, i, round);
      allred_inplace[i] = value(r, i, round);
      strided_buf[2 * i] = r == 0 ? value(0, i, round) : -1;
      strided_buf[2 * i + 1] = -5;
    }
    for (int i = 0; i < p * kCount; ++i) {
      scatter_send[i] = r == 0 ? value(0, i, round) : -1;
      a2a_send[i] = value(r, i, round);
      rs_send[i] = value(r, i, round);
      gather_recv[i] = allgather_recv[i] = a2a_recv[i] = -1;
    }
    for (int i = 0; i < 3; ++i) gatherv_send[i] = value(r, i, round);
    for (int i = 0; i <= v_total; ++i) gatherv_recv[i] = allgatherv_recv[i] = -1;
    for (int i = 0; i < 3 * p; ++i) {
      a2av_send[i] = value(r, i, round);
      a2av_recv[i] = a2aw_recv[i] = -1;
    }

    /* Start in an order that differs between ranks (the rounds of different requests need
     * not be started alike): even ranks forwards, odd ranks backwards, or all at once. */
    if (round == 1) {
      CHECK_MPI(MPI_Startall(kRequests, q));
    } else if (r % 2 == 0) {
      for (int k = 0; k < kRequests; ++k) CHECK_MPI(MPI_Start(&q[k]));
    } else {
      for (int k = kRequests - 1; k >= 0; --k) CHECK_MPI(MPI_Start(&q[k]));
    }
    /* A second start of an active request is an error. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    CHECK_ERROR_CLASS(MPI_Start(&q[0]), MPI_ERR_REQUEST, "%s: MPI_Start of an active request",
                      where);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_ARE_FATAL);
    complete_all(kRequests, q, how, where);

    /* A blocking collective between rounds must not disturb their matching. */
    int token = r, token_sum = 0;
    CHECK_MPI(MPI_Allreduce(&token, &token_sum, 1, MPI_INT, MPI_SUM, comm));
    CHECK_INT(token_sum, p * (p - 1) / 2, "%s: blocking allreduce between rounds", where);

    for (int i = 0; i < kCount; ++i) {
      CHECK_INT(bcast_buf[i], value(root, i, round), "%s: bcast[%d]", where, i);
      CHECK_INT(scatter_recv[i], value(0, r * kCount + i, round), "%s: scatter[%d]", where, i);
      CHECK_INT(strided_buf[2 * i], value(0, i, round), "%s: strided bcast[%d]", where, i);
      CHECK_INT(strided_buf[2 * i + 1], -5, "%s: strided bcast gap %d", where, i);
      int sum = 0, max = 0, scan = 0, exscan = 0, rsb = 0;
      for (int j = 0; j < p; ++j) {
        sum += value(j, i, round);
        if (j == 0 || value(j, i, round) > max) max = value(j, i, round);
        if (j <= r) scan += value(j, i, round);
        if (j < r) exscan += value(j, i, round);
        rsb += value(j, r * kCount + i, round);
      }
      if (r == 0) CHECK_INT(red_recv[i], sum, "%s: reduce[%d]", where, i);
      CHECK_INT(allred_recv[i], max, "%s: allreduce max[%d]", where, i);
      CHECK_INT(allred_inplace[i], sum, "%s: allreduce in place[%d]", where, i);
      CHECK_INT(scan_recv[i], scan, "%s: scan[%d]", where, i);
      if (r > 0) CHECK_INT(exscan_recv[i], exscan, "%s: exscan[%d]", where, i);
      CHECK_INT(rsb_recv[i], rsb, "%s: reduce_scatter_block[%d]", where, i);
      for (int j = 0; j < p; ++j) {
        if (r == root) {
          CHECK_INT(gather_recv[j * kCount + i], value(j, i, round), "%s: gather[%d][%d]", where, j, i);
        }
        CHECK_INT(allgather_recv[j * kCount + i], value(j, i, round), "%s: allgather[%d][%d]",
                  where, j, i);
        CHECK_INT(a2a_recv[j * kCount + i], value(j, r * kCount + i, round),
                  "%s: alltoall[%d][%d]", where, j, i);
      }
    }
    for (int i = 0; i < rs_counts[r]; ++i) {
      int sum = 0;
      for (int j = 0; j < p; ++j) sum += value(j, rs_displ + i, round);
      CHECK_INT(rs_recv[i], sum, "%s: reduce_scatter[%d]", where, i);
    }
    /* The v-variants: every block in place, the gaps between blocks untouched. */
    for (int at = 0, j = 0; at <= v_total; ++at) {
      while (j < p && at >= v_displs[j] + v_counts[j]) ++j;
      const int expected =
          j < p && at >= v_displs[j] ? value(j, at - v_displs[j], round) : -1;
      if (r == 0) CHECK_INT(gatherv_recv[at], expected, "%s: gatherv element %d", where, at);
      CHECK_INT(allgatherv_recv[at], expected, "%s: allgatherv element %d", where, at);
    }
    for (int j = 0; j < p; ++j) {
      for (int i = 0; i < a2av_rcounts[j]; ++i) {
        /* rank j sent its elements 3r .. to this rank */
        CHECK_INT(a2av_recv[3 * j + i], value(j, 3 * r + i, round), "%s: alltoallv[%d][%d]",
                  where, j, i);
        CHECK_INT(a2aw_recv[3 * j + i], value(j, 3 * r + i, round), "%s: alltoallw[%d][%d]",
                  where, j, i);
      }
    }
  }

  /* Inactive requests are freed at once; an active one finishes in the background. */
  for (int k = 1; k < kRequests; ++k) CHECK_MPI(MPI_Request_free(&q[k]));
  CHECK_MPI(MPI_Start(&q[0]));
  CHECK_MPI(MPI_Wait(&q[0], MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Request_free(&q[0]));
  for (int k = 0; k < kRequests; ++k) {
    CHECK(q[k] == MPI_REQUEST_NULL, "%s: MPI_Request_free sets MPI_REQUEST_NULL", cc->name);
  }

  free(a2aw_recv);
  free(w_rdispls);
  free(w_sdispls);
  free(w_types);
  free(a2av_rdispls);
  free(a2av_rcounts);
  free(a2av_sdispls);
  free(a2av_scounts);
  free(a2av_recv);
  free(a2av_send);
  free(allgatherv_recv);
  free(gatherv_recv);
  free(v_displs);
  free(v_counts);
  free(rs_counts);
  free(rs_send);
  free(a2a_recv);
  free(a2a_send);
  free(allgather_recv);
  free(scatter_send);
  free(gather_recv);
}

/* A user op, freed right after the init that uses it: the request keeps it. */
static void user_max(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  const int *a = in;
  int *b = inout;
  for (int i = 0; i < *len; ++i) b[i] = a[i] > b[i] ? a[i] : b[i];
}

static void user_op_freed(const CollComm *cc) {
  MPI_Op op;
  CHECK_MPI(MPI_Op_create(user_max, 1, &op));
  int send[kCount], recv[kCount];
  MPI_Request request;
  CHECK_MPI(MPI_Allreduce_init(send, recv, kCount, MPI_INT, op, cc->comm, MPI_INFO_NULL, &request));
  CHECK_MPI(MPI_Op_free(&op));
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kCount; ++i) send[i] = value(cc->rank, i, round + 10);
    CHECK_MPI(MPI_Start(&request));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    for (int i = 0; i < kCount; ++i) {
      int max = value(0, i, round + 10);
      for (int j = 1; j < cc->size; ++j) {
        if (value(j, i, round + 10) > max) max = value(j, i, round + 10);
      }
      CHECK_INT(recv[i], max, "%s: user op allreduce round %d [%d]", cc->name, round, i);
    }
  }
  CHECK_MPI(MPI_Request_free(&request));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  CollComm comms[2];
  const int n = coll_comms(comms);
  for (int c = 0; c < n; ++c) {
    for (int how = 0; how < 4; ++how) all_collectives(&comms[c], how);
    user_op_freed(&comms[c]);
  }
  coll_free_comms(comms);
  mp_report_ok("coll_persistent");
  MPI_Finalize();
  return 0;
}
