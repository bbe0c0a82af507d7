/*
 * MPI_Barrier, MPI_Ibarrier, MPI_Bcast and MPI_Ibcast: every root, counts 0, 1, odd and
 * above the eager limit, contiguous and strided datatypes (also mixed between root and
 * receivers), on the world and on a split communicator.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>
#include <unistd.h>

#include "coll_common.h"

static void pause_seconds(double seconds) {
  struct timespec t;
  t.tv_sec = (time_t)seconds;
  t.tv_nsec = (long)((seconds - (double)t.tv_sec) * 1e9);
  nanosleep(&t, NULL);
}

/* Nobody leaves a barrier before the last rank entered it. The `late` rank sleeps, then
 * creates a marker file just before it enters; every other rank must find the file once its
 * barrier has returned. The ranks share one host, so the file is a witness that needs no
 * clock: a rank that left early would find no file, however the machine schedules it. */
static void check_barrier(const CollComm *c, int nonblocking, int late) {
  static int round = 0;
  char path[128];
  int job = 0;
  if (c->rank == 0) job = (int)getpid();
  CHECK_MPI(MPI_Bcast(&job, 1, MPI_INT, 0, c->comm));
  snprintf(path, sizeof path, "/tmp/weft-coll-bcast-%d-%s-%d", job, c->name, round++);
  if (c->rank == late) {
    pause_seconds(0.02);
    FILE *marker = fopen(path, "w");
    CHECK(marker != NULL, "cannot create the marker file %s", path);
    fclose(marker);
  }
  if (nonblocking) {
    MPI_Request request;
    CHECK_MPI(MPI_Ibarrier(c->comm, &request));
    coll_wait(&request, 1);
  } else {
    CHECK_MPI(MPI_Barrier(c->comm));
  }
  if (c->rank != late) {
    CHECK(access(path, F_OK) == 0,
          "%s barrier (nonblocking %d) returned before rank %d entered it (no marker %s)",
          c->name, nonblocking, late, path);
  }
  /* Everyone has looked before the file goes. */
  CHECK_MPI(MPI_Barrier(c->comm));
  if (c->rank == late) remove(path);
}

static void check_bcast(const CollComm *c, int count, int root, int strided_root,
                        int strided_leaf, int nonblocking, MPI_Datatype strided) {
  const int strided_here = c->rank == root ? strided_root : strided_leaf;
  const long slots = strided_here ? 2L * count : count;
  int *buffer = coll_ints(slots, kCollSentinel);
  const int salt = count + 31 * root;
  if (c->rank == root) {
    for (long i = 0; i < count; ++i) buffer[strided_here ? 2 * i : i] = mp_pattern_int(root, i, salt);
  }
  MPI_Datatype type = strided_here ? strided : MPI_INT;
  if (nonblocking) {
    MPI_Request request;
    CHECK_MPI(MPI_Ibcast(buffer, count, type, root, c->comm, &request));
    coll_wait(&request, count % 2);
  } else {
    CHECK_MPI(MPI_Bcast(buffer, count, type, root, c->comm));
  }
  for (long i = 0; i < slots; ++i) {
    const int data_slot = !strided_here || i % 2 == 0;
    const long index = strided_here ? i / 2 : i;
    const int expected = data_slot ? mp_pattern_int(root, index, salt) : kCollSentinel;
    CHECK_INT(buffer[i], expected, "%s bcast count %d root %d slot %ld (strided root %d leaf %d, nonblocking %d)",
              c->name, count, root, i, strided_root, strided_leaf, nonblocking);
  }
  free(buffer);
}

/* An odd number of bytes well above the eager limit, split unevenly into chunks. */
static void check_bytes(const CollComm *c, int root) {
  const int count = 33333;
  unsigned char *buffer = (unsigned char *)mp_malloc((size_t)count);
  for (int i = 0; i < count; ++i) buffer[i] = c->rank == root ? mp_pattern_byte(root, i, 9) : 0;
  CHECK_MPI(MPI_Bcast(buffer, count, MPI_BYTE, root, c->comm));
  for (int i = 0; i < count; ++i) {
    CHECK_INT(buffer[i], mp_pattern_byte(root, i, 9), "%s bcast of %d bytes from %d, byte %d", c->name,
              count, root, i);
  }
  free(buffer);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CollComm comms[2];
  const int n = coll_comms(comms);
  MPI_Datatype strided = coll_strided_int();
  for (int k = 0; k < n; ++k) {
    const CollComm *c = &comms[k];
    /* The last rank late, then rank 0 (the center of the linear barrier), then one between. */
    check_barrier(c, 0, c->size - 1);
    check_barrier(c, 1, c->size - 1);
    check_barrier(c, 0, 0);
    check_barrier(c, 1, c->size / 2);
    int roots[3];
    const int nroots = coll_roots(c->size, roots);
    for (int ri = 0; ri < nroots; ++ri) {
      for (int ci = 0; ci < kCollCountCases; ++ci) {
        const int count = kCollCounts[ci];
        check_bcast(c, count, roots[ri], 0, 0, 0, strided);
        check_bcast(c, count, roots[ri], 1, 0, 0, strided);
        check_bcast(c, count, roots[ri], 0, 1, 1, strided);
        check_bcast(c, count, roots[ri], 1, 1, 1, strided);
      }
      check_bytes(c, roots[ri]);
    }
  }
  MPI_Type_free(&strided);
  coll_free_comms(comms);
  mp_report_ok("coll_bcast");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
