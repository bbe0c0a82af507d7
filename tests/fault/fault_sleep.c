/* Every rank sleeps far longer than the test's --timeout. */
#include <mpi.h>
#include <unistd.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  sleep(120);
  MPI_Finalize();
  return 0;
}
