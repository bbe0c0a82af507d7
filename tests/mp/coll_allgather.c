/*
 * MPI_Allgather, MPI_Allgatherv and their nonblocking forms: counts 0, 1, odd and above the
 * eager limit, MPI_IN_PLACE, a strided receive datatype, v-variants with per-rank counts
 * (some zero) and reversed displacements with gaps, on the world and a split communicator.
 */
#include "coll_common.h"

static void check_allgather(const CollComm *c, int count, int in_place, int strided,
                            int nonblocking, MPI_Datatype strided_type) {
  const int salt = 13 * count + in_place;
  const long stride = strided ? 2 : 1;
  const long slots = stride * count * c->size;
  int *recv = coll_ints(slots, kCollSentinel);
  int *send = coll_ints(count, 0);
  for (long i = 0; i < count; ++i) send[i] = mp_pattern_int(c->rank, i, salt);
  if (in_place) {
    for (long i = 0; i < count; ++i) recv[stride * ((long)c->rank * count + i)] = send[i];
  }
  MPI_Datatype rtype = strided ? strided_type : MPI_INT;
  const void *sendbuf = in_place ? MPI_IN_PLACE : send;
  if (nonblocking) {
    MPI_Request request;
    CHECK_MPI(MPI_Iallgather(sendbuf, count, MPI_INT, recv, count, rtype, c->comm, &request));
    coll_wait(&request, count == 7);
  } else {
    CHECK_MPI(MPI_Allgather(sendbuf, count, MPI_INT, recv, count, rtype, c->comm));
  }
  for (long i = 0; i < slots; ++i) {
    const long element = i / stride;
    const int expected = i % stride == 0 ? mp_pattern_int((int)(element / count), element % count, salt)
                                         : kCollSentinel;
    CHECK_INT(recv[i], expected, "%s allgather count %d slot %ld (in place %d strided %d nonblocking %d)",
              c->name, count, i, in_place, strided, nonblocking);
  }
  free(recv);
  free(send);
}

static void check_allgatherv(const CollComm *c, int base, int in_place, int nonblocking) {
  const int salt = 17 * base + in_place;
  int *counts = coll_ints(c->size, 0);
  int *displs = coll_ints(c->size, 0);
  int total = 0;
  for (int i = c->size - 1; i >= 0; --i) {
    counts[i] = i % 3 == 1 ? 0 : base + 2 * i;
    displs[i] = total;
    total += counts[i] + 2;
  }
  const int mine = c->rank % 3 == 1 ? 0 : base + 2 * c->rank;
  int *recv = coll_ints(total, kCollSentinel);
  int *send = coll_ints(mine, 0);
  for (int i = 0; i < mine; ++i) send[i] = mp_pattern_int(c->rank, i, salt);
  if (in_place) {
    for (int i = 0; i < mine; ++i) recv[displs[c->rank] + i] = send[i];
  }
  const void *sendbuf = in_place ? MPI_IN_PLACE : send;
  if (nonblocking) {
    MPI_Request request;
    CHECK_MPI(MPI_Iallgatherv(sendbuf, mine, MPI_INT, recv, counts, displs, MPI_INT, c->comm, &request));
    coll_wait(&request, base == 1);
  } else {
    CHECK_MPI(MPI_Allgatherv(sendbuf, mine, MPI_INT, recv, counts, displs, MPI_INT, c->comm));
  }
  int *expected = coll_ints(total, kCollSentinel);
  for (int r = 0; r < c->size; ++r) {
    for (int i = 0; i < counts[r]; ++i) expected[displs[r] + i] = mp_pattern_int(r, i, salt);
  }
  for (int i = 0; i < total; ++i) {
    CHECK_INT(recv[i], expected[i], "%s allgatherv base %d slot %d (in place %d nonblocking %d)",
              c->name, base, i, in_place, nonblocking);
  }
  free(expected);
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
    for (int ci = 0; ci < kCollCountCases; ++ci) {
      const int count = kCollCounts[ci];
      for (int variant = 0; variant < 4; ++variant) {
        check_allgather(c, count, variant & 1, (variant >> 1) & 1, 0, strided);
      }
      check_allgather(c, count, 0, 0, 1, strided);
      check_allgather(c, count, 1, 1, 1, strided);
      check_allgatherv(c, count, 0, 0);
      check_allgatherv(c, count, 1, 0);
      check_allgatherv(c, count, 0, 1);
    }
    /* A gathered vector above the recursive-doubling and Bruck switch points. */
    check_allgather(c, 70000 / c->size + 1, 0, 0, 0, strided);
  }
  MPI_Type_free(&strided);
  coll_free_comms(comms);
  mp_report_ok("coll_allgather");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
