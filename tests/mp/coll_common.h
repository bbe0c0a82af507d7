/*
 * Helpers shared by the collective tests (coll_*.c): the communicators every test runs on,
 * the counts and roots it tries, and a strided datatype that makes every buffer
 * non-contiguous. The tests use only <mpi.h> and compute their references serially.
 */
#ifndef WEFT_TESTS_MP_COLL_COMMON_H
#define WEFT_TESTS_MP_COLL_COMMON_H

#include "mp_check.h"

enum { kCollSentinel = -777 };

typedef struct CollComm {
  MPI_Comm comm;
  int rank;
  int size;
  const char *name;
} CollComm;

/* MPI_COMM_WORLD, then this rank's half of a split by parity whose keys run backwards, so
 * sub-communicator ranks are ordered against world ranks. Returns how many. */
static inline int coll_comms(CollComm comms[2]) {
  int world_rank = 0;
  int world_size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  comms[0].comm = MPI_COMM_WORLD;
  comms[0].name = "world";
  MPI_Comm half;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, world_rank % 2, world_size - world_rank, &half));
  comms[1].comm = half;
  comms[1].name = "split";
  for (int i = 0; i < 2; ++i) {
    MPI_Comm_rank(comms[i].comm, &comms[i].rank);
    MPI_Comm_size(comms[i].comm, &comms[i].size);
  }
  return 2;
}

static inline void coll_free_comms(CollComm comms[2]) { MPI_Comm_free(&comms[1].comm); }

/* Counts per rank: none, one, odd, and above the 16 KiB eager limit for 4-byte elements. */
static const int kCollCounts[] = {0, 1, 7, 5000};
enum { kCollCountCases = 4 };

/* Roots to try: 0, the last rank and one in the middle, without repeats. */
static inline int coll_roots(int size, int roots[3]) {
  int n = 0;
  roots[n++] = 0;
  if (size - 1 != 0) roots[n++] = size - 1;
  if (size / 2 != 0 && size / 2 != size - 1) roots[n++] = size / 2;
  return n;
}

/* One int per element with an extent of two ints: `count` elements leave a gap after each
 * value, which the collectives must neither read nor write. */
static inline MPI_Datatype coll_strided_int(void) {
  MPI_Datatype type;
  CHECK_MPI(MPI_Type_create_resized(MPI_INT, 0, (MPI_Aint)(2 * sizeof(int)), &type));
  CHECK_MPI(MPI_Type_commit(&type));
  return type;
}

static inline int *coll_ints(long count, int value) {
  int *buffer = (int *)mp_malloc(sizeof(int) * (size_t)(count > 0 ? count : 1));
  for (long i = 0; i < count; ++i) buffer[i] = value;
  return buffer;
}

/* Exposes MPI_Wait through a Test loop now and then, so both completion paths run. */
static inline void coll_wait(MPI_Request *request, int poll) {
  if (poll) {
    int done = 0;
    while (!done) CHECK_MPI(MPI_Test(request, &done, MPI_STATUS_IGNORE));
  } else {
    CHECK_MPI(MPI_Wait(request, MPI_STATUS_IGNORE));
  }
  CHECK(*request == MPI_REQUEST_NULL, "completed request is set to MPI_REQUEST_NULL");
}

#endif
