/* interop_ring EXPECTED_SIZE: a weft program that any PMI-1 launcher can start.
 * Checks the world size, that ranks are distinct (everyone reports to rank 0), and
 * passes a token around the ring. Rank 0 prints "interop ok: N ranks" on success;
 * any failure exits nonzero through MPI_Abort. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = -1;
  int size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int expected = argc > 1 ? atoi(argv[1]) : size;
  if (size != expected) {
    fprintf(stderr, "interop_ring: rank %d sees %d ranks, expected %d\n", rank, size, expected);
    MPI_Abort(MPI_COMM_WORLD, 3);
  }
  if (rank < 0 || rank >= size) {
    fprintf(stderr, "interop_ring: rank %d is outside 0..%d\n", rank, size - 1);
    MPI_Abort(MPI_COMM_WORLD, 3);
  }

  if (rank == 0) {
    int* seen = calloc((size_t)size, sizeof *seen);
    seen[0] = 1;
    for (int source = 1; source < size; ++source) {
      int reported = -1;
      MPI_Recv(&reported, 1, MPI_INT, source, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (reported != source || seen[reported]) {
        fprintf(stderr, "interop_ring: rank %d reported itself as %d\n", source, reported);
        MPI_Abort(MPI_COMM_WORLD, 4);
      }
      seen[reported] = 1;
    }
    free(seen);
  } else {
    MPI_Send(&rank, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
  }

  /* A token goes once around the ring; every rank adds its rank + 1. */
  int token = 0;
  if (size > 1) {
    int next = (rank + 1) % size;
    int previous = (rank + size - 1) % size;
    if (rank == 0) {
      token = 1;
      MPI_Send(&token, 1, MPI_INT, next, 1, MPI_COMM_WORLD);
      MPI_Recv(&token, 1, MPI_INT, previous, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(&token, 1, MPI_INT, previous, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      token += rank + 1;
      MPI_Send(&token, 1, MPI_INT, next, 1, MPI_COMM_WORLD);
    }
  } else {
    token = 1;
  }
  if (rank == 0) {
    int want = size * (size + 1) / 2;
    if (token != want) {
      fprintf(stderr, "interop_ring: token came back as %d, expected %d\n", token, want);
      MPI_Abort(MPI_COMM_WORLD, 5);
    }
    printf("interop ok: %d ranks\n", size);
    fflush(stdout);
  }
  MPI_Finalize();
  return 0;
}
