/*
 * MPI_Finalize first deletes the attributes of MPI_COMM_SELF, as MPI_Comm_free would, in
 * the reverse order in which they were set, before anything else is torn down: the delete
 * callbacks may still call MPI (MPI_Finalized is false in them, and a collective on
 * MPI_COMM_WORLD still works). Keys freed before MPI_Finalize still get their callbacks; a
 * key set again keeps its place in the order (the standard does not say; MPICH does so); a
 * deleted attribute gets no second call.
 */
#include <stdint.h>

#include "mp_check.h"

enum { kKeys = 6 };

static int order[kKeys + 2];
static int calls;
static int world_size;
static int summed_in_callback = -1;

static int delete_fn(MPI_Comm comm, int keyval, void *value, void *extra) {
  (void)keyval;
  (void)extra;
  if (comm != MPI_COMM_SELF) return MPI_ERR_OTHER;
  int finalized = 1;
  MPI_Finalized(&finalized);
  if (finalized) return MPI_ERR_OTHER;
  if (calls < kKeys + 2) order[calls] = (int)(intptr_t)value;
  ++calls;
  if ((intptr_t)value == 0) {
    /* The first attribute set is deleted last: MPI is still whole then. */
    int one = 1;
    if (MPI_Allreduce(&one, &summed_in_callback, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD) !=
        MPI_SUCCESS) {
      return MPI_ERR_OTHER;
    }
  }
  return MPI_SUCCESS;
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  int keys[kKeys];
  for (int i = 0; i < kKeys; ++i) {
    CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, delete_fn, &keys[i], NULL));
    CHECK_MPI(MPI_Comm_set_attr(MPI_COMM_SELF, keys[i], (void *)(intptr_t)i));
  }
  /* Key 2 is set again (value 12): its old value is deleted now, the new one keeps its
   * place. Key 4 is deleted now. */
  CHECK_MPI(MPI_Comm_set_attr(MPI_COMM_SELF, keys[2], (void *)(intptr_t)12));
  CHECK_INT(calls, 1, "delete callback of the replaced value");
  CHECK_INT(order[0], 2, "the replaced value");
  CHECK_MPI(MPI_Comm_delete_attr(MPI_COMM_SELF, keys[4]));
  CHECK_INT(calls, 2, "delete callback of MPI_Comm_delete_attr");
  CHECK_INT(order[1], 4, "the deleted value");
  /* Freeing the keys does not remove the attributes. */
  for (int i = 0; i < kKeys; ++i) CHECK_MPI(MPI_Comm_free_keyval(&keys[i]));
  calls = 0;

  CHECK_MPI(MPI_Finalize());

  /* Expected: the reverse of the set order 0 1 2(=12) 3 5. */
  const int expected[] = {5, 3, 12, 1, 0};
  if (calls != 5) {
    fprintf(stderr, "FAIL finalize_attrs: %d delete callbacks at MPI_Finalize, expected 5\n", calls);
    return 1;
  }
  for (int i = 0; i < 5; ++i) {
    if (order[i] != expected[i]) {
      fprintf(stderr, "FAIL finalize_attrs: callback %d deleted value %d, expected %d\n", i,
              order[i], expected[i]);
      return 1;
    }
  }
  if (summed_in_callback != world_size) {
    fprintf(stderr, "FAIL finalize_attrs: MPI_Allreduce in a callback gave %d, expected %d\n",
            summed_in_callback, world_size);
    return 1;
  }
  return 0;
}
