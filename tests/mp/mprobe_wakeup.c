#define _POSIX_C_SOURCE 199309L
/* Regression: a matched probe that has to sleep must take exactly one message. Rank 0
 * waits long enough for rank 1 to block in MPI_Mprobe, then sends two messages back to
 * back so both arrive in one wake-up; rank 1 must receive them in order, and neither may
 * be lost (a matched probe once consumed the first message and returned the second). */
#include <mpi.h>
#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int failures = 0;
  if (size >= 2 && rank < 2) {
    for (int round = 0; round < 20; ++round) {
      if (rank == 0) {
        struct timespec pause = {0, 20 * 1000 * 1000};
        nanosleep(&pause, NULL);
        int first = 2 * round, second = 2 * round + 1;
        MPI_Send(&first, 1, MPI_INT, 1, 7, MPI_COMM_WORLD);
        MPI_Send(&second, 1, MPI_INT, 1, 7, MPI_COMM_WORLD);
      } else {
        for (int k = 0; k < 2; ++k) {
          MPI_Message message;
          MPI_Status status;
          int value = -1;
          MPI_Mprobe(0, 7, MPI_COMM_WORLD, &message, &status);
          MPI_Mrecv(&value, 1, MPI_INT, &message, &status);
          if (value != 2 * round + k) {
            fprintf(stderr, "round %d: expected %d, got %d\n", round, 2 * round + k, value);
            ++failures;
          }
        }
      }
    }
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
