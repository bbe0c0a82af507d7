/* fault_exit before|after STATUS: rank 1 exits with STATUS either before MPI_Finalize
 * (weftrun must end the job and report it, with a nonzero status even for 0) or after
 * it (weftrun must exit with STATUS once the job is done). The other ranks finalize. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc != 3 || (strcmp(argv[1], "before") != 0 && strcmp(argv[1], "after") != 0)) {
    fprintf(stderr, "usage: fault_exit before|after STATUS\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  int before = strcmp(argv[1], "before") == 0;
  int status = atoi(argv[2]);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 1 && before) {
    printf("rank 1 exits with %d before MPI_Finalize\n", status);
    fflush(stdout);
    exit(status);
  }
  MPI_Finalize();
  return rank == 1 ? status : 0;
}
