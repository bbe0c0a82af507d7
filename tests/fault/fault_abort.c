/* Rank 1 calls MPI_Abort(MPI_COMM_WORLD, 7) while the others wait for a message that
 * never comes. weftrun must exit with status 7 and name rank 1. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 1) {
    printf("rank 1 aborting\n");
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 7);
  }
  int value = 0;
  MPI_Recv(&value, 1, MPI_INT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  MPI_Finalize();
  return 0;
}
