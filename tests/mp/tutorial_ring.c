/*
 * Token ring, as in most MPI tutorials: rank 0 starts a token, every process receives it
 * from its left neighbour, adds its rank and passes it right; after three laps rank 0
 * checks the total. A ring needs two processes: alone, rank 0 would have to complete a
 * blocking send to itself before posting the receive, which MPI does not promise.
 */
#include <mpi.h>
#include <stdio.h>

#define LAPS 3

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int world_rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  int world_size;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);

  if (world_size < 2) {
    printf("ring: needs at least two processes, skipping\n");
    MPI_Finalize();
    return 0;
  }

  int next = (world_rank + 1) % world_size;
  int previous = (world_rank - 1 + world_size) % world_size;
  long token = 0;

  for (int lap = 0; lap < LAPS; ++lap) {
    if (world_rank != 0) {
      MPI_Recv(&token, 1, MPI_LONG, previous, lap, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      printf("Process %d received token %ld from process %d\n", world_rank, token, previous);
    } else if (lap == 0) {
      token = 1000;
    }
    token += world_rank;
    MPI_Send(&token, 1, MPI_LONG, next, lap, MPI_COMM_WORLD);
    if (world_rank == 0) {
      MPI_Recv(&token, 1, MPI_LONG, previous, lap, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      printf("Process %d received token %ld from process %d\n", world_rank, token, previous);
    }
  }

  if (world_rank == 0) {
    long expected = 1000 + (long)LAPS * world_size * (world_size - 1) / 2;
    if (token != expected) {
      fprintf(stderr, "ring: token is %ld after %d laps, expected %ld\n", token, LAPS, expected);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }

  MPI_Finalize();
  return 0;
}
