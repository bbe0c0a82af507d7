/*
 * The classic first MPI program, written the way users write it: MPI_Init with NULL
 * arguments, one greeting per process. It also checks that the rank it was given is in
 * range, so a broken start-up fails the test instead of printing nonsense.
 */
#include <mpi.h>
#include <stdio.h>

int main(void) {
  MPI_Init(NULL, NULL);

  int world_size;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  int world_rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);

  char processor_name[MPI_MAX_PROCESSOR_NAME];
  int name_len;
  MPI_Get_processor_name(processor_name, &name_len);

  printf("Hello world from processor %s, rank %d out of %d processors\n", processor_name,
         world_rank, world_size);

  if (world_size < 1 || world_rank < 0 || world_rank >= world_size || name_len <= 0) {
    fprintf(stderr, "hello: bad rank %d / size %d / name length %d\n", world_rank, world_size,
            name_len);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }

  MPI_Finalize();
  return 0;
}
