/*
 * Intercommunicators for the intercomm_*.c tests: MPI_COMM_WORLD cut at world rank `cut`
 * into group 0 (world ranks 0..cut-1) and group 1 (cut..size-1), joined with
 * MPI_Intercomm_create over MPI_COMM_WORLD. Every process knows both groups' world ranks,
 * so the tests compute the expected sources, sizes and data themselves.
 */
#ifndef WEFT_TESTS_MP_INTERCOMM_COMMON_H
#define WEFT_TESTS_MP_INTERCOMM_COMMON_H

#include "mp_check.h"

typedef struct {
  MPI_Comm inter;
  MPI_Comm local;     /* the local group as an intracommunicator */
  int group;          /* 0 or 1 */
  int rank;           /* in the local group */
  int size;           /* of the local group */
  int remote_size;
  int local_base;     /* world rank of local rank 0 (the groups are contiguous) */
  int remote_base;    /* world rank of remote rank 0 */
} Sides;

/* The cuts every test runs: groups of 1|n-1, the halves, n-1|1 and, at 8 ranks, 3|5. */
static inline int ic_cuts(int n, int cuts[4]) {
  int count = 0;
  int candidates[4] = {1, n / 2, n - 1, n == 8 ? 3 : 1};
  for (int i = 0; i < 4; ++i) {
    int seen = 0;
    for (int j = 0; j < count; ++j) seen |= cuts[j] == candidates[i];
    if (!seen && candidates[i] >= 1 && candidates[i] < n) cuts[count++] = candidates[i];
  }
  return count;
}

/* Builds the intercommunicator of `cut`. With `last_leaders` each group's leader is its
 * last rank instead of its first. */
static inline void ic_make(int cut, int last_leaders, Sides *s) {
  int world_rank = mp_world_rank();
  int world_size = mp_world_size();
  s->group = world_rank < cut ? 0 : 1;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, s->group, world_rank, &s->local));
  CHECK_MPI(MPI_Comm_rank(s->local, &s->rank));
  CHECK_MPI(MPI_Comm_size(s->local, &s->size));
  s->local_base = s->group == 0 ? 0 : cut;
  s->remote_base = s->group == 0 ? cut : 0;
  s->remote_size = world_size - s->size;
  int local_leader = last_leaders ? s->size - 1 : 0;
  int remote_leader = s->remote_base + (last_leaders ? s->remote_size - 1 : 0);
  CHECK_MPI(MPI_Intercomm_create(s->local, local_leader, MPI_COMM_WORLD, remote_leader,
                                 100 + cut, &s->inter));
}

static inline void ic_free(Sides *s) {
  CHECK_MPI(MPI_Comm_free(&s->inter));
  CHECK_MPI(MPI_Comm_free(&s->local));
}

/* Every program needs two processes; with one it reports so and passes. */
static inline int ic_skip_single(const char *program) {
  if (mp_world_size() >= 2) return 0;
  printf("%s: skipped, an intercommunicator needs at least 2 processes (have 1)\n", program);
  return 1;
}

#endif
