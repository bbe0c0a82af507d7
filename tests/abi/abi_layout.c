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
  /* A few predefined handle values of the standard ABI. */
  if ((size_t)MPI_COMM_WORLD != 0x101 || (size_t)MPI_COMM_NULL != 0x100 ||
      (size_t)MPI_INT != 0x209 || (size_t)MPI_SUM != 0x21 || (size_t)MPI_REQUEST_NULL != 0x180 ||
      MPI_ANY_SOURCE != -1 || MPI_PROC_NULL != -2 || MPI_ANY_TAG != -31 ||
      MPI_UNDEFINED != -32766) {
    fprintf(stderr, "a predefined constant differs from the standard ABI\n");
    return 1;
  }
  return 0;
}
