/* The standard ABI's fixed facts, checked at compile time and run time. */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>

_Static_assert(sizeof(MPI_Status) == 8 * sizeof(int), "MPI_Status has 8 ints");
_Static_assert(offsetof(MPI_Status, MPI_SOURCE) == 0, "MPI_SOURCE first");
_Static_assert(offsetof(MPI_Status, MPI_TAG) == sizeof(int), "MPI_TAG second");
_Static_assert(offsetof(MPI_Status, MPI_ERROR) == 2 * sizeof(int), "MPI_ERROR third");
_Static_assert(sizeof(MPI_Comm) == sizeof(void *), "handles are pointers");
_Static_assert(sizeof(MPI_Aint) == sizeof(void *), "MPI_Aint is pointer-sized");
_Static_assert(sizeof(MPI_Count) == 8 && sizeof(MPI_Offset) == 8, "64-bit counts and offsets");

int main(void) {
  /* Every constant's value is checked against the standard's table by abi-constants. */
  MPI_Status status;
  status.MPI_SOURCE = 1;
  status.MPI_TAG = 2;
  status.MPI_ERROR = 3;
  return status.MPI_SOURCE + status.MPI_TAG + status.MPI_ERROR == 6 ? 0 : 1;
}
