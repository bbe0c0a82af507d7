/*
 * Nonblocking neighbour exchange in a 1-D domain decomposition, the classic halo
 * pattern: each process owns a slice of a rod, posts MPI_Irecv for its two ghost cells
 * and MPI_Isend for its two edge cells (MPI_PROC_NULL at the ends of the rod), waits, and
 * takes a smoothing step. After the iterations every process compares its slice with the
 * same computation done serially over the whole rod; the arithmetic is identical, so the
 * results must match exactly.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define CELLS_PER_RANK 16
#define ITERATIONS 25

static double initial_value(int global_index) { return (double)((global_index * 37) % 101); }

static double smooth(double left, double center, double right) {
  return (left + center + right) / 3.0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  int left = rank > 0 ? rank - 1 : MPI_PROC_NULL;
  int right = rank < size - 1 ? rank + 1 : MPI_PROC_NULL;
  int first_global = rank * CELLS_PER_RANK;

  /* u[0] and u[CELLS_PER_RANK + 1] are ghost cells; the rod's two ends are fixed. */
  double u[CELLS_PER_RANK + 2];
  double next[CELLS_PER_RANK + 2];
  for (int i = 1; i <= CELLS_PER_RANK; ++i) {
    u[i] = initial_value(first_global + i - 1);
  }
  u[0] = 0.0;
  u[CELLS_PER_RANK + 1] = 0.0;

  for (int iteration = 0; iteration < ITERATIONS; ++iteration) {
    MPI_Request requests[4];
    MPI_Irecv(&u[0], 1, MPI_DOUBLE, left, 0, MPI_COMM_WORLD, &requests[0]);
    MPI_Irecv(&u[CELLS_PER_RANK + 1], 1, MPI_DOUBLE, right, 1, MPI_COMM_WORLD, &requests[1]);
    MPI_Isend(&u[1], 1, MPI_DOUBLE, left, 1, MPI_COMM_WORLD, &requests[2]);
    MPI_Isend(&u[CELLS_PER_RANK], 1, MPI_DOUBLE, right, 0, MPI_COMM_WORLD, &requests[3]);
    MPI_Waitall(4, requests, MPI_STATUSES_IGNORE);

    for (int i = 1; i <= CELLS_PER_RANK; ++i) {
      int global = first_global + i - 1;
      int is_end = global == 0 || global == size * CELLS_PER_RANK - 1;
      next[i] = is_end ? u[i] : smooth(u[i - 1], u[i], u[i + 1]);
    }
    for (int i = 1; i <= CELLS_PER_RANK; ++i) {
      u[i] = next[i];
    }
  }

  /* The serial reference over the whole rod. */
  int total = size * CELLS_PER_RANK;
  double *rod = malloc(sizeof(double) * (size_t)total);
  double *rod_next = malloc(sizeof(double) * (size_t)total);
  for (int i = 0; i < total; ++i) {
    rod[i] = initial_value(i);
  }
  for (int iteration = 0; iteration < ITERATIONS; ++iteration) {
    for (int i = 0; i < total; ++i) {
      rod_next[i] = (i == 0 || i == total - 1) ? rod[i] : smooth(rod[i - 1], rod[i], rod[i + 1]);
    }
    double *swap = rod;
    rod = rod_next;
    rod_next = swap;
  }
  for (int i = 1; i <= CELLS_PER_RANK; ++i) {
    if (u[i] != rod[first_global + i - 1]) {
      fprintf(stderr, "halo: rank %d cell %d is %.17g, serial result %.17g\n", rank,
              first_global + i - 1, u[i], rod[first_global + i - 1]);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
  if (rank == 0) {
    printf("halo exchange: %d processes, %d cells, %d iterations, matches the serial result\n",
           size, total, ITERATIONS);
  }
  free(rod);
  free(rod_next);
  MPI_Finalize();
  return 0;
}
