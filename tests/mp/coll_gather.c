/*
 * MPI_Gather, MPI_Gatherv, MPI_Scatter, MPI_Scatterv and their nonblocking forms: every
 * root, counts 0, 1, odd and above the eager limit, MPI_IN_PLACE at the root, a strided
 * receive (or send) datatype at the root, v-variants with per-rank counts (some zero) and
 * displacements in reverse order with gaps that must stay untouched, on the world and on a
 * split communicator.
 */
#include "coll_common.h"

/* Per-rank count of the v-variants: varies with the rank, zero for every third rank. */
static int v_count(int rank, int base) { return rank % 3 == 2 ? 0 : base + rank; }

/* Displacements in reverse rank order, each block followed by a gap of 3 elements. */
static int v_layout(int size, int base, int *counts, int *displs) {
  int at = 0;
  for (int i = size - 1; i >= 0; --i) {
    counts[i] = v_count(i, base);
    displs[i] = at;
    at += counts[i] + 3;
  }
  return at;
}

static void start_or_run(int nonblocking, MPI_Request *request) {
  if (nonblocking) coll_wait(request, 0);
}

static void check_gather(const CollComm *c, int count, int root, int in_place, int strided,
                         int nonblocking, MPI_Datatype strided_type) {
  const int salt = 3 * count + root;
  const int at_root = c->rank == root;
  const long stride = strided ? 2 : 1;
  const long slots = stride * count * c->size;
  int *recv = coll_ints(at_root ? slots : 0, kCollSentinel);
  int *send = coll_ints(count, 0);
  for (long i = 0; i < count; ++i) send[i] = mp_pattern_int(c->rank, i, salt);
  if (at_root && in_place) {
    for (long i = 0; i < count; ++i) recv[stride * ((long)c->rank * count + i)] = send[i];
  }
  MPI_Datatype rtype = strided ? strided_type : MPI_INT;
  const void *sendbuf = at_root && in_place ? MPI_IN_PLACE : send;
  MPI_Request request = MPI_REQUEST_NULL;
  if (nonblocking) {
    CHECK_MPI(MPI_Igather(sendbuf, count, MPI_INT, recv, count, rtype, root, c->comm, &request));
  } else {
    CHECK_MPI(MPI_Gather(sendbuf, count, MPI_INT, recv, count, rtype, root, c->comm));
  }
  start_or_run(nonblocking, &request);
  if (at_root) {
    for (long i = 0; i < slots; ++i) {
      const long element = i / stride;
      const int expected = i % stride == 0 ? mp_pattern_int((int)(element / (count > 0 ? count : 1)),
                                                            element % (count > 0 ? count : 1), salt)
                                           : kCollSentinel;
      CHECK_INT(recv[i], expected, "%s gather count %d root %d slot %ld (in place %d strided %d nonblocking %d)",
                c->name, count, root, i, in_place, strided, nonblocking);
    }
  }
  free(recv);
  free(send);
}

static void check_scatter(const CollComm *c, int count, int root, int in_place, int strided,
                          int nonblocking, MPI_Datatype strided_type) {
  const int salt = 5 * count + root;
  const int at_root = c->rank == root;
  const long stride = strided ? 2 : 1;
  int *send = coll_ints(at_root ? stride * count * c->size : 0, kCollSentinel);
  if (at_root) {
    for (long i = 0; i < (long)count * c->size; ++i) {
      send[stride * i] = mp_pattern_int((int)(i / count), i % count, salt);
    }
  }
  int *recv = coll_ints(count, kCollSentinel);
  MPI_Datatype stype = strided ? strided_type : MPI_INT;
  void *recvbuf = at_root && in_place ? MPI_IN_PLACE : recv;
  MPI_Request request = MPI_REQUEST_NULL;
  if (nonblocking) {
    CHECK_MPI(MPI_Iscatter(send, count, stype, recvbuf, count, MPI_INT, root, c->comm, &request));
  } else {
    CHECK_MPI(MPI_Scatter(send, count, stype, recvbuf, count, MPI_INT, root, c->comm));
  }
  start_or_run(nonblocking, &request);
  for (long i = 0; i < count; ++i) {
    const int expected = at_root && in_place ? kCollSentinel : mp_pattern_int(c->rank, i, salt);
    CHECK_INT(recv[i], expected, "%s scatter count %d root %d element %ld (in place %d strided %d nonblocking %d)",
              c->name, count, root, i, in_place, strided, nonblocking);
  }
  if (at_root) {
    for (long i = 0; i < (long)count * c->size; ++i) {
      CHECK_INT(send[stride * i], mp_pattern_int((int)(i / count), i % count, salt),
                "%s scatter leaves the send buffer alone, element %ld", c->name, i);
    }
  }
  free(recv);
  free(send);
}

static void check_gatherv(const CollComm *c, int base, int root, int in_place, int nonblocking) {
  const int salt = 7 * base + root;
  const int at_root = c->rank == root;
  int *counts = coll_ints(c->size, 0);
  int *displs = coll_ints(c->size, 0);
  const int total = v_layout(c->size, base, counts, displs);
  const int mine = v_count(c->rank, base);
  int *recv = coll_ints(at_root ? total : 0, kCollSentinel);
  int *send = coll_ints(mine, 0);
  for (int i = 0; i < mine; ++i) send[i] = mp_pattern_int(c->rank, i, salt);
  if (at_root && in_place) {
    for (int i = 0; i < mine; ++i) recv[displs[c->rank] + i] = send[i];
  }
  const void *sendbuf = at_root && in_place ? MPI_IN_PLACE : send;
  MPI_Request request = MPI_REQUEST_NULL;
  if (nonblocking) {
    CHECK_MPI(MPI_Igatherv(sendbuf, mine, MPI_INT, recv, counts, displs, MPI_INT, root, c->comm, &request));
  } else {
    CHECK_MPI(MPI_Gatherv(sendbuf, mine, MPI_INT, recv, counts, displs, MPI_INT, root, c->comm));
  }
  start_or_run(nonblocking, &request);
  if (at_root) {
    int *expected = coll_ints(total, kCollSentinel);
    for (int r = 0; r < c->size; ++r) {
      for (int i = 0; i < counts[r]; ++i) expected[displs[r] + i] = mp_pattern_int(r, i, salt);
    }
    for (int i = 0; i < total; ++i) {
      CHECK_INT(recv[i], expected[i], "%s gatherv base %d root %d slot %d (in place %d nonblocking %d)",
                c->name, base, root, i, in_place, nonblocking);
    }
    free(expected);
  }
  free(recv);
  free(send);
  free(counts);
  free(displs);
}

static void check_scatterv(const CollComm *c, int base, int root, int in_place, int nonblocking) {
  const int salt = 11 * base + root;
  const int at_root = c->rank == root;
  int *counts = coll_ints(c->size, 0);
  int *displs = coll_ints(c->size, 0);
  const int total = v_layout(c->size, base, counts, displs);
  const int mine = v_count(c->rank, base);
  int *send = coll_ints(at_root ? total : 0, kCollSentinel);
  if (at_root) {
    for (int r = 0; r < c->size; ++r) {
      for (int i = 0; i < counts[r]; ++i) send[displs[r] + i] = mp_pattern_int(r, i, salt);
    }
  }
  int *recv = coll_ints(mine, kCollSentinel);
  void *recvbuf = at_root && in_place ? MPI_IN_PLACE : recv;
  MPI_Request request = MPI_REQUEST_NULL;
  if (nonblocking) {
    CHECK_MPI(MPI_Iscatterv(send, counts, displs, MPI_INT, recvbuf, mine, MPI_INT, root, c->comm, &request));
  } else {
    CHECK_MPI(MPI_Scatterv(send, counts, displs, MPI_INT, recvbuf, mine, MPI_INT, root, c->comm));
  }
  start_or_run(nonblocking, &request);
  for (int i = 0; i < mine; ++i) {
    const int expected = at_root && in_place ? kCollSentinel : mp_pattern_int(c->rank, i, salt);
    CHECK_INT(recv[i], expected, "%s scatterv base %d root %d element %d (in place %d nonblocking %d)",
              c->name, base, root, i, in_place, nonblocking);
  }
  free(recv);
  free(send);
  free(counts);
  free(displs);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CollComm comms[2];
  const int n = coll_comms(comms);
  MPI_Datatype strided = coll_strided_int();
  for (int k = 0; k < n; ++k) {
    const CollComm *c = &comms[k];
    int roots[3];
    const int nroots = coll_roots(c->size, roots);
    for (int ri = 0; ri < nroots; ++ri) {
      const int root = roots[ri];
      for (int ci = 0; ci < kCollCountCases; ++ci) {
        const int count = kCollCounts[ci];
        for (int variant = 0; variant < 4; ++variant) {
          const int in_place = variant & 1;
          const int strided_root = (variant >> 1) & 1;
          check_gather(c, count, root, in_place, strided_root, variant == 3, strided);
          check_scatter(c, count, root, in_place, strided_root, variant == 1, strided);
        }
        check_gatherv(c, count, root, 0, 0);
        check_gatherv(c, count, root, 1, 1);
        check_scatterv(c, count, root, 0, 1);
        check_scatterv(c, count, root, 1, 0);
      }
    }
  }
  MPI_Type_free(&strided);
  coll_free_comms(comms);
  mp_report_ok("coll_gather");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
