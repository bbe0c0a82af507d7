/*
 * MPI_Alltoall, MPI_Alltoallv and their nonblocking forms: blocks of 0, 1, odd and above
 * the eager limit, MPI_IN_PLACE, a strided datatype on either side, v-variants whose block
 * sizes depend on both ranks (some zero) with reversed displacements and gaps, on the world
 * and on a split communicator.
 */
#include "coll_common.h"

/* The element that `from` sends to `to` at `index`. */
static int value(int from, int to, long index, int salt) {
  return mp_pattern_int(from, index * 64 + to, salt);
}

static void check_alltoall(const CollComm *c, int count, int in_place, int strided_send,
                           int strided_recv, int nonblocking, MPI_Datatype strided_type) {
  const int salt = 19 * count + in_place;
  const long sstride = strided_send && !in_place ? 2 : 1;
  const long rstride = strided_recv ? 2 : 1;
  const long elements = (long)count * c->size;
  int *send = coll_ints(sstride * elements, kCollSentinel);
  int *recv = coll_ints(rstride * elements, kCollSentinel);
  int *source = in_place ? recv : send;
  const long stride = in_place ? rstride : sstride;
  for (long i = 0; i < elements; ++i) source[stride * i] = value(c->rank, (int)(i / count), i % count, salt);
  MPI_Datatype stype = strided_send ? strided_type : MPI_INT;
  MPI_Datatype rtype = strided_recv ? strided_type : MPI_INT;
  const void *sendbuf = in_place ? MPI_IN_PLACE : send;
  if (nonblocking) {
    MPI_Request request;
    CHECK_MPI(MPI_Ialltoall(sendbuf, count, stype, recv, count, rtype, c->comm, &request));
    coll_wait(&request, count == 1);
  } else {
    CHECK_MPI(MPI_Alltoall(sendbuf, count, stype, recv, count, rtype, c->comm));
  }
  for (long i = 0; i < rstride * elements; ++i) {
    const long element = i / rstride;
    const int expected = i % rstride == 0 ? value((int)(element / count), c->rank, element % count, salt)
                                          : kCollSentinel;
    CHECK_INT(recv[i], expected, "%s alltoall count %d slot %ld (in place %d strided send %d recv %d nonblocking %d)",
              c->name, count, i, in_place, strided_send, strided_recv, nonblocking);
  }
  free(send);
  free(recv);
}

/* Elements that `from` sends to `to`; symmetric, as MPI_IN_PLACE requires. */
static int pair_count(int from, int to, int base) {
  const int k = (from + to) % 4;
  return k == 3 ? 0 : base + k;
}

/* Blocks in reverse peer order with a gap of 2 after each. Returns the buffer length. */
static int layout(int rank, int size, int base, int *counts, int *displs) {
  int at = 0;
  for (int peer = size - 1; peer >= 0; --peer) {
    counts[peer] = pair_count(rank, peer, base);
    displs[peer] = at;
    at += counts[peer] + 2;
  }
  return at;
}

static void check_alltoallv(const CollComm *c, int base, int in_place, int nonblocking) {
  const int salt = 23 * base + in_place;
  int *counts = coll_ints(c->size, 0);
  int *displs = coll_ints(c->size, 0);
  const int total = layout(c->rank, c->size, base, counts, displs);
  int *send = coll_ints(total, kCollSentinel);
  int *recv = coll_ints(total, kCollSentinel);
  int *source = in_place ? recv : send;
  for (int peer = 0; peer < c->size; ++peer) {
    for (int i = 0; i < counts[peer]; ++i) source[displs[peer] + i] = value(c->rank, peer, i, salt);
  }
  const void *sendbuf = in_place ? MPI_IN_PLACE : send;
  if (nonblocking) {
    MPI_Request request;
    CHECK_MPI(MPI_Ialltoallv(sendbuf, counts, displs, MPI_INT, recv, counts, displs, MPI_INT, c->comm, &request));
    coll_wait(&request, base == 7);
  } else {
    CHECK_MPI(MPI_Alltoallv(sendbuf, counts, displs, MPI_INT, recv, counts, displs, MPI_INT, c->comm));
  }
  int *expected = coll_ints(total, kCollSentinel);
  for (int peer = 0; peer < c->size; ++peer) {
    for (int i = 0; i < counts[peer]; ++i) expected[displs[peer] + i] = value(peer, c->rank, i, salt);
  }
  for (int i = 0; i < total; ++i) {
    CHECK_INT(recv[i], expected[i], "%s alltoallv base %d slot %d (in place %d nonblocking %d)", c->name,
              base, i, in_place, nonblocking);
  }
  free(expected);
  free(send);
  free(recv);
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
    for (int ci = 0; ci < kCollCountCases; ++ci) {
      const int count = kCollCounts[ci];
      check_alltoall(c, count, 0, 0, 0, 0, strided);
      check_alltoall(c, count, 1, 0, 0, 0, strided);
      check_alltoall(c, count, 0, 1, 0, 1, strided);
      check_alltoall(c, count, 0, 0, 1, 0, strided);
      check_alltoall(c, count, 1, 0, 1, 1, strided);
      check_alltoallv(c, count, 0, 0);
      check_alltoallv(c, count, 1, 0);
      check_alltoallv(c, count, 0, 1);
    }
  }
  MPI_Type_free(&strided);
  coll_free_comms(comms);
  mp_report_ok("coll_alltoall");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
