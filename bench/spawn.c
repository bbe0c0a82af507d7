/* Spawn time: from MPI_Comm_spawn to the first intercommunicator MPI_Bcast completing in
 * the parent, for a group of children (each a copy of this program), repeated.
 *
 *   spawn [-c CHILDREN] [-r REPETITIONS]
 *
 * Prints the first spawn (which may also start a launcher behind the scenes) and the
 * median and minimum of the others, in milliseconds. C99, standard mpi.h only: the same
 * source builds against weft, MPICH and Open MPI (bench/run-spawn runs them). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) {
    int value = 0;
    MPI_Bcast(&value, 1, MPI_INT, 0, parent);
    MPI_Comm_disconnect(&parent);
    MPI_Finalize();
    return value == 42 ? 0 : 1;
  }
  int children = 1, reps = 5;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) children = atoi(argv[++i]);
    else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
  }
  if (children < 1 || reps < 1 || reps > 1000) {
    fprintf(stderr, "spawn: bad arguments\n");
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  double* times = malloc(sizeof(double) * (size_t)reps);
  int* codes = malloc(sizeof(int) * (size_t)children);
  for (int r = 0; r < reps; ++r) {
    MPI_Comm inter;
    double start = MPI_Wtime();
    MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, children, MPI_INFO_NULL, 0, MPI_COMM_SELF, &inter,
                   codes);
    int value = 42;
    MPI_Bcast(&value, 1, MPI_INT, MPI_ROOT, inter);
    times[r] = (MPI_Wtime() - start) * 1e3;
    MPI_Comm_disconnect(&inter);
  }
  double first = times[0];
  int rest = reps > 1 ? reps - 1 : 1;
  double* others = reps > 1 ? times + 1 : times;
  qsort(others, (size_t)rest, sizeof(double), compare);
  printf("children %d first_ms %.2f median_ms %.2f min_ms %.2f reps %d\n", children, first,
         others[rest / 2], others[0], reps);
  free(times);
  free(codes);
  MPI_Finalize();
  return 0;
}
