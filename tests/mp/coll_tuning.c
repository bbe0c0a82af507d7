/*
 * A small allreduce job for the tuning-file tests (tests/mp/tuning_driver.py): a short and
 * a longer vector, each checked against the sum computed here, so whichever algorithm the
 * rules pick must still produce the right result. The driver sets WEFT_TUNING_FILE and
 * reads the choices from WEFT_COLL_VERBOSE's log.
 */
#include <mpi.h>
#include <stdlib.h>

#include "mp_check.h"

static void check_allreduce(int count) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int* in = mp_malloc(sizeof(int) * (size_t)count);
  int* out = mp_malloc(sizeof(int) * (size_t)count);
  for (int i = 0; i < count; ++i) in[i] = rank * count + i;
  MPI_Allreduce(in, out, count, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  for (int i = 0; i < count; ++i) {
    /* sum over r of (r * count + i) */
    const int expected = count * (size * (size - 1) / 2) + size * i;
    CHECK_INT(out[i], expected, "element %d of %d", i, count);
  }
  free(in);
  free(out);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  check_allreduce(16);    /* 64 bytes */
  check_allreduce(4096);  /* 16 KiB */
  mp_report_ok("coll_tuning");
  MPI_Finalize();
  return 0;
}
