/*
 * Several nonblocking collectives in flight at once: on one communicator (started in the
 * same order everywhere, completed in different orders), on two communicators, mixed with
 * point-to-point traffic on the same communicator (wildcard receives must never match
 * collective messages), and completed by MPI_Waitall, MPI_Waitany and MPI_Test loops. Long
 * vectors make the transfers overlap for real (rendezvous).
 */
#include "coll_common.h"

enum { kLong = 20000, kTag = 7 };

typedef struct {
  int *bcast;
  int *allreduce_in;
  int *allreduce_out;
  int *gathered;
  int *alltoall_in;
  int *alltoall_out;
  int *scan_out;
  int mine;
} Buffers;

static Buffers buffers(const CollComm *c, int salt) {
  Buffers b;
  b.bcast = coll_ints(kLong, 0);
  b.allreduce_in = coll_ints(kLong, 0);
  b.allreduce_out = coll_ints(kLong, 0);
  b.gathered = coll_ints(c->size, -1);
  b.alltoall_in = coll_ints(3L * c->size, 0);
  b.alltoall_out = coll_ints(3L * c->size, 0);
  b.scan_out = coll_ints(kLong, 0);
  for (long i = 0; i < kLong; ++i) {
    if (c->rank == 0) b.bcast[i] = mp_pattern_int(0, i, salt);
    b.allreduce_in[i] = mp_pattern_int(c->rank, i, salt + 1) % 1000;
  }
  for (long i = 0; i < 3L * c->size; ++i) b.alltoall_in[i] = mp_pattern_int(c->rank, i, salt + 2);
  b.mine = mp_pattern_int(c->rank, 0, salt + 3);
  return b;
}

static int start(const CollComm *c, Buffers *b, MPI_Request *requests) {
  CHECK_MPI(MPI_Ibcast(b->bcast, kLong, MPI_INT, 0, c->comm, &requests[0]));
  CHECK_MPI(MPI_Iallreduce(b->allreduce_in, b->allreduce_out, kLong, MPI_INT, MPI_SUM, c->comm, &requests[1]));
  CHECK_MPI(MPI_Iallgather(&b->mine, 1, MPI_INT, b->gathered, 1, MPI_INT, c->comm, &requests[2]));
  CHECK_MPI(MPI_Ialltoall(b->alltoall_in, 3, MPI_INT, b->alltoall_out, 3, MPI_INT, c->comm, &requests[3]));
  CHECK_MPI(MPI_Iscan(b->allreduce_in, b->scan_out, kLong, MPI_INT, MPI_MAX, c->comm, &requests[4]));
  CHECK_MPI(MPI_Ibarrier(c->comm, &requests[5]));
  return 6;
}

static void verify(const CollComm *c, const Buffers *b, int salt) {
  for (long i = 0; i < kLong; ++i) {
    CHECK_INT(b->bcast[i], mp_pattern_int(0, i, salt), "%s Ibcast element %ld", c->name, i);
    int sum = 0;
    int max = -1;
    for (int r = 0; r < c->size; ++r) {
      const int v = mp_pattern_int(r, i, salt + 1) % 1000;
      sum += v;
      if (r <= c->rank && v > max) max = v;
    }
    CHECK_INT(b->allreduce_out[i], sum, "%s Iallreduce element %ld", c->name, i);
    CHECK_INT(b->scan_out[i], max, "%s Iscan element %ld", c->name, i);
  }
  for (int r = 0; r < c->size; ++r) {
    CHECK_INT(b->gathered[r], mp_pattern_int(r, 0, salt + 3), "%s Iallgather block %d", c->name, r);
    for (int k = 0; k < 3; ++k) {
      CHECK_INT(b->alltoall_out[3 * r + k], mp_pattern_int(r, 3L * c->rank + k, salt + 2),
                "%s Ialltoall block %d element %d", c->name, r, k);
    }
  }
}

static void release(Buffers *b) {
  free(b->bcast);
  free(b->allreduce_in);
  free(b->allreduce_out);
  free(b->gathered);
  free(b->alltoall_in);
  free(b->alltoall_out);
  free(b->scan_out);
}

/* Six collectives on one communicator, completed in reverse order of starting. */
static void reverse_order(const CollComm *c) {
  Buffers b = buffers(c, 1);
  MPI_Request requests[6];
  const int n = start(c, &b, requests);
  for (int i = n - 1; i >= 0; --i) coll_wait(&requests[i], i % 2);
  verify(c, &b, 1);
  release(&b);
}

/* The same on both communicators at once, with wildcard point-to-point traffic in between,
 * completed by MPI_Waitany. */
static void two_comms_and_p2p(CollComm *comms, int n) {
  Buffers b[2];
  MPI_Request requests[14];
  int count = 0;
  for (int k = 0; k < n; ++k) {
    b[k] = buffers(&comms[k], 10 + k);
    count += start(&comms[k], &b[k], requests + count);
  }
  /* A ring exchange on the world under a user tag, received with wildcards. */
  const CollComm *w = &comms[0];
  int token = w->rank;
  int received = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Irecv(&received, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, w->comm, &requests[count]));
  CHECK_MPI(MPI_Isend(&token, 1, MPI_INT, mp_right(w->rank, w->size), kTag, w->comm, &requests[count + 1]));
  count += 2;
  for (int done = 0; done < count; ++done) {
    int index = -1;
    CHECK_MPI(MPI_Waitany(count, requests, &index, &status));
    CHECK(index >= 0 && index < count, "MPI_Waitany index %d", index);
  }
  CHECK_INT(received, mp_left(w->rank, w->size), "point-to-point token among the collectives");
  for (int k = 0; k < n; ++k) {
    verify(&comms[k], &b[k], 10 + k);
    release(&b[k]);
  }
}

/* Many small ones in a row, completed together by MPI_Waitall. */
static void many(const CollComm *c) {
  enum { kMany = 40 };
  MPI_Request requests[kMany];
  int in[kMany];
  int out[kMany];
  for (int i = 0; i < kMany; ++i) {
    in[i] = c->rank * kMany + i;
    CHECK_MPI(MPI_Iallreduce(&in[i], &out[i], 1, MPI_INT, i % 2 ? MPI_MAX : MPI_SUM, c->comm, &requests[i]));
  }
  CHECK_MPI(MPI_Waitall(kMany, requests, MPI_STATUSES_IGNORE));
  for (int i = 0; i < kMany; ++i) {
    int expected = 0;
    for (int r = 0; r < c->size; ++r) expected = i % 2 ? r * kMany + i : expected + r * kMany + i;
    CHECK_INT(out[i], expected, "%s Iallreduce %d of %d", c->name, i, kMany);
  }
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CollComm comms[2];
  const int n = coll_comms(comms);
  for (int k = 0; k < n; ++k) {
    reverse_order(&comms[k]);
    many(&comms[k]);
  }
  two_comms_and_p2p(comms, n);
  coll_free_comms(comms);
  mp_report_ok("coll_nonblocking");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
