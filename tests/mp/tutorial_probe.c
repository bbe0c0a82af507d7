/*
 * Receiving a message of unknown size, as tutorials teach it: rank 0 sends every other
 * rank a pseudo-random number of ints; each receiver probes, asks MPI_Get_count how many
 * arrived, allocates exactly that, receives, and checks the contents.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_NUMBERS 5000

/* The amount rank 0 sends to `rank`, computed the same way on both sides. */
static int amount_for(int rank) {
  unsigned value = 2654435761u * (unsigned)(rank + 1);
  return (int)(value % MAX_NUMBERS) + 1;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int world_rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  int world_size;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);

  if (world_size < 2) {
    printf("probe: needs at least two processes, skipping\n");
    MPI_Finalize();
    return 0;
  }

  if (world_rank == 0) {
    int *numbers = malloc(sizeof(int) * MAX_NUMBERS);
    for (int dest = 1; dest < world_size; ++dest) {
      int amount = amount_for(dest);
      for (int i = 0; i < amount; ++i) {
        numbers[i] = dest * 100000 + i;
      }
      MPI_Send(numbers, amount, MPI_INT, dest, 0, MPI_COMM_WORLD);
      printf("0 sent %d numbers to %d\n", amount, dest);
    }
    free(numbers);
  } else {
    MPI_Status status;
    MPI_Probe(0, 0, MPI_COMM_WORLD, &status);
    int number_amount;
    MPI_Get_count(&status, MPI_INT, &number_amount);
    int *number_buf = malloc(sizeof(int) * number_amount);
    MPI_Recv(number_buf, number_amount, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    printf("%d dynamically received %d numbers from 0.\n", world_rank, number_amount);
    if (number_amount != amount_for(world_rank)) {
      fprintf(stderr, "probe: rank %d got %d numbers, expected %d\n", world_rank, number_amount,
              amount_for(world_rank));
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    for (int i = 0; i < number_amount; ++i) {
      if (number_buf[i] != world_rank * 100000 + i) {
        fprintf(stderr, "probe: rank %d number %d is %d\n", world_rank, i, number_buf[i]);
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
    }
    free(number_buf);
  }

  MPI_Finalize();
  return 0;
}
