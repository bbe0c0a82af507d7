/* Ranks 0 and 1 ping-pong forever; after a few round trips rank 1 kills itself with
 * SIGKILL. weftrun must end the job promptly, name rank 1 and signal 9, and leave no
 * process behind — including a child that rank 0 forks at start (a rank's own children
 * must go with it: weftrun kills whole process groups).
 * Prints "killed at <CLOCK_MONOTONIC seconds>" right before the kill, so the driver can
 * measure how long weftrun took to notice. Ranks beyond 1 wait in MPI_Recv. */
#define _GNU_SOURCE
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) {
    fprintf(stderr, "fault_pingpong: needs at least 2 ranks\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  if (rank == 0 && fork() == 0) {
    /* A helper of rank 0, same executable, in rank 0's process group. */
    for (;;) pause();
  }
  int value = 0;
  const int rounds_before_kill = 20;
  for (int round = 0;; ++round) {
    if (rank == 0) {
      MPI_Send(&value, 1, MPI_INT, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(&value, 1, MPI_INT, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (rank == 1) {
      MPI_Recv(&value, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      ++value;
      if (round == rounds_before_kill) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        printf("killed at %.6f\n", (double)now.tv_sec + (double)now.tv_nsec / 1e9);
        fflush(stdout);
        raise(SIGKILL);
      }
      MPI_Send(&value, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
    } else {
      MPI_Recv(&value, 1, MPI_INT, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  }
}
