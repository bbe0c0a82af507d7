/* A program built for the standard ABI, not for weft: it includes a header made from the
 * standard's table alone (standard_header.py), or the standard's own mpi.h when the build
 * names one (-Dstandard_abi_header=PATH), and uses the constants whose values weft once
 * had wrong: MPI_ANY_TAG, MPI_PROC_NULL, MPI_ERRORS_RETURN, MPI_TAG_UB, MPI_IDENT /
 * MPI_CONGRUENT, MPI_COMM_TYPE_SHARED, the thread levels, a Fortran datatype. Every result
 * is checked against a value computed here. Run at any number of ranks. */
#ifdef WEFT_STANDARD_ABI_HEADER
#include WEFT_STANDARD_ABI_HEADER
#else
#include "standard_abi.h"
#endif
#include <stdio.h>
#include <stdlib.h>

static int failures = 0;
#define EXPECT(cond, ...)                          \
  do {                                             \
    if (!(cond)) {                                 \
      fprintf(stderr, "standard_abi_job: " __VA_ARGS__); \
      fprintf(stderr, "\n");                       \
      ++failures;                                  \
    }                                              \
  } while (0)

int main(int argc, char **argv) {
  int provided = -1;
  EXPECT(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided) == MPI_SUCCESS,
         "MPI_Init_thread failed");
  EXPECT(provided == MPI_THREAD_FUNNELED || provided == MPI_THREAD_SERIALIZED ||
             provided == MPI_THREAD_MULTIPLE,
         "provided thread level %d is none of the standard's levels at or above FUNNELED",
         provided);
  int queried = -1;
  MPI_Query_thread(&queried);
  EXPECT(queried == provided, "MPI_Query_thread says %d, MPI_Init_thread said %d", queried,
         provided);
  int major = -1, minor = -1;
  EXPECT(MPI_Abi_get_version(&major, &minor) == MPI_SUCCESS && major == MPI_ABI_VERSION &&
             minor == MPI_ABI_SUBVERSION,
         "MPI_Abi_get_version gave %d.%d", major, minor);

  int rank = -1, size = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  /* A ring whose receives take any tag and any source; each message carries its tag. */
  const int right = (rank + 1) % size, left = (rank + size - 1) % size;
  int token[2] = {rank, 1000 + rank};
  int got[2] = {-1, -1};
  MPI_Status status;
  EXPECT(MPI_Sendrecv(token, 2, MPI_INT, right, 1000 + rank, got, 2, MPI_INT, MPI_ANY_SOURCE,
                      MPI_ANY_TAG, MPI_COMM_WORLD, &status) == MPI_SUCCESS,
         "ring MPI_Sendrecv with MPI_ANY_TAG failed");
  EXPECT(got[0] == left && got[1] == 1000 + left && status.MPI_SOURCE == left &&
             status.MPI_TAG == 1000 + left,
         "ring: got (%d, %d) from %d tag %d, expected (%d, %d) from %d", got[0], got[1],
         status.MPI_SOURCE, status.MPI_TAG, left, 1000 + left, left);

  /* MPI_PROC_NULL: completes at once with the standard's empty status. */
  int untouched = 7;
  EXPECT(MPI_Recv(&untouched, 1, MPI_INT, MPI_PROC_NULL, MPI_ANY_TAG, MPI_COMM_WORLD,
                  &status) == MPI_SUCCESS,
         "receive from MPI_PROC_NULL failed");
  int count = -1;
  MPI_Get_count(&status, MPI_INT, &count);
  EXPECT(untouched == 7 && status.MPI_SOURCE == MPI_PROC_NULL && status.MPI_TAG == MPI_ANY_TAG &&
             count == 0,
         "receive from MPI_PROC_NULL: source %d tag %d count %d", status.MPI_SOURCE,
         status.MPI_TAG, count);

  /* MPI_ERRORS_RETURN: a bad rank comes back as MPI_ERR_RANK instead of ending the job. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int code = MPI_Send(token, 1, MPI_INT, size + 3, 0, MPI_COMM_WORLD);
  int error_class = -1;
  MPI_Error_class(code, &error_class);
  EXPECT(code != MPI_SUCCESS && error_class == MPI_ERR_RANK,
         "MPI_Send to rank %d gave class %d, expected MPI_ERR_RANK (%d)", size + 3, error_class,
         MPI_ERR_RANK);

  /* Predefined attribute: MPI_TAG_UB is at least 32767. */
  int *tag_ub = NULL, flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag);
  EXPECT(flag && tag_ub != NULL && *tag_ub >= 32767, "MPI_TAG_UB missing or below 32767");

  /* Comparisons and the shared-memory split. */
  int result = -1;
  MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, &result);
  EXPECT(result == MPI_IDENT, "comparing MPI_COMM_WORLD with itself gave %d", result);
  MPI_Comm dup = MPI_COMM_NULL, node = MPI_COMM_NULL;
  MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  MPI_Comm_compare(MPI_COMM_WORLD, dup, &result);
  EXPECT(result == MPI_CONGRUENT, "comparing MPI_COMM_WORLD with its duplicate gave %d", result);
  EXPECT(MPI_Comm_split_type(dup, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node) ==
             MPI_SUCCESS && node != MPI_COMM_NULL,
         "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) failed");
  int node_size = -1;
  MPI_Comm_size(node, &node_size);
  EXPECT(node_size >= 1 && node_size <= size, "the shared-memory communicator has %d ranks",
         node_size);

  /* Reductions on a C type, a pair type and a Fortran type. */
  int sum = 0;
  MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  EXPECT(sum == size * (size - 1) / 2, "sum of ranks %d, expected %d", sum, size * (size - 1) / 2);
  struct {
    int value;
    int index;
  } mine = {rank % 2, rank}, best = {-1, -1};
  MPI_Allreduce(&mine, &best, 1, MPI_2INT, MPI_MAXLOC, node);
  const int expect_value = node_size > 1 ? 1 : 0;
  EXPECT(best.value == expect_value, "MAXLOC value %d, expected %d", best.value, expect_value);
  /* A default Fortran INTEGER is a C int here (weft's MPI_Fint). */
  int fortran_in = rank + 1, fortran_out = 0;
  int type_size = -1;
  MPI_Type_size(MPI_INTEGER, &type_size);
  EXPECT(type_size == (int)sizeof(int), "MPI_INTEGER is %d bytes", type_size);
  MPI_Allreduce(&fortran_in, &fortran_out, 1, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD);
  EXPECT(fortran_out == size * (size + 1) / 2, "MPI_INTEGER sum %d, expected %d", fortran_out,
         size * (size + 1) / 2);
  double payload = rank == 0 ? 2.5 : 0.0;
  MPI_Bcast(&payload, 1, MPI_DOUBLE_PRECISION, 0, MPI_COMM_WORLD);
  EXPECT(payload == 2.5, "MPI_Bcast of MPI_DOUBLE_PRECISION gave %g", payload);

  MPI_Comm_free(&node);
  MPI_Comm_free(&dup);
  int all_failures = 0;
  MPI_Allreduce(&failures, &all_failures, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) printf("standard ABI job on %d ranks: %s\n", size, all_failures ? "FAILED" : "ok");
  MPI_Finalize();
  return failures ? 1 : 0;
}
