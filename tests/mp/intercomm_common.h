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

/* 2x2 integer matrices modulo a prime: an associative, non-commutative op (a user op for
 * MPI_Op_create), the matrix each world rank contributes, and the product of the remote
 * group's matrices in rank order: the reference of the non-commutative reductions. */
enum { kIcPrime = 10007 };
static inline void ic_matrix_product(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  int *a = in;
  int *b = inout;
  for (int k = 0; k < *len; ++k, a += 4, b += 4) {
    int c[4] = {(a[0] * b[0] + a[1] * b[2]) % kIcPrime, (a[0] * b[1] + a[1] * b[3]) % kIcPrime,
                (a[2] * b[0] + a[3] * b[2]) % kIcPrime, (a[2] * b[1] + a[3] * b[3]) % kIcPrime};
    memcpy(b, c, sizeof c);
  }
}

static inline void ic_matrix_of(int world, int k, int m[4]) {
  m[0] = (world * 7 + k + 1) % kIcPrime;
  m[1] = (world * 3 + 2 * k + 2) % kIcPrime;
  m[2] = (world + 5 * k + 3) % kIcPrime;
  m[3] = (world * 11 + k + 4) % kIcPrime;
}

static inline void ic_remote_product(const Sides *s, int k, int out[4]) {
  ic_matrix_of(s->remote_base, k, out);
  for (int j = 1; j < s->remote_size; ++j) {
    int next[4];
    int len = 1;
    ic_matrix_of(s->remote_base + j, k, next);
    ic_matrix_product(out, next, &len, NULL);
    memcpy(out, next, sizeof next);
  }
}

#endif
