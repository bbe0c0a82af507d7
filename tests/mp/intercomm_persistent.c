/*
 * Persistent collectives and MPI_Comm_idup on intercommunicators, over uneven cuts of
 * MPI_COMM_WORLD (intercomm_common.h).
 *
 * Persistent: every MPI_<Coll>_init the standard defines on intercommunicators (the rooted
 * ones once with the root in each group: MPI_ROOT at one process, MPI_PROC_NULL beside it),
 * all made up front, then several rounds. Each round refills the inputs with values that
 * depend on the round, starts every request in an order of its own on each process (a
 * rotation by world rank and round, reversed on odd ranks; MPI_Start one by one or
 * MPI_Startall), starts a nonblocking allreduce and runs a blocking barrier among them, and
 * completes them all. The groups send different amounts, so a result that crossed the wrong
 * way never looks right; the allreduce with a non-commutative op checks the remote group's
 * rank order. Also the errors: MPI_Scan_init / MPI_Exscan_init (MPI_ERR_COMM), MPI_IN_PLACE
 * and roots out of range.
 *
 * MPI_Comm_idup: three pending at once on one intercommunicator (one with info), beside an
 * idup of the local intracommunicator and point-to-point and collective traffic on the
 * parent between the calls and the wait; then each duplicate is checked (an intercommunicator
 * with the same groups, its own messages, collectives across it).
 */
#include "intercomm_common.h"

static int world_rank;

static int value(int world, long index, int salt) { return mp_pattern_int(world, index, salt); }

static int per_block(int group) { return group == 0 ? 2 : 3; }

static int root_arg(const Sides *s, int root_group, int root_rank) {
  if (s->group != root_group) return root_rank;
  return s->rank == root_rank ? MPI_ROOT : MPI_PROC_NULL;
}

static long long input(int world, long index, int round) {
  return (long long)world * 1000 + index + 7LL * round;
}

static long long remote_sum(const Sides *s, long index, int round) {
  long long sum = 0;
  for (int j = 0; j < s->remote_size; ++j) sum += input(s->remote_base + j, index, round);
  return sum;
}

enum { kBcastCount = 3000, kReduceCount = 5, kMaxRequests = 24 };

/* Everything one process keeps for its persistent requests. */
typedef struct {
  const Sides *s;
  MPI_Op matrix;
  MPI_Datatype matrix_type;
  int count;
  MPI_Request requests[kMaxRequests];
  const char *names[kMaxRequests];
  /* rooted, per root group */
  int bcast_root[2], bcast_root_world[2];
  int *bcast[2];
  int gather_root[2], gather_root_world[2];
  int *gather_send[2], *gather_recv[2];
  int *gatherv_send[2], *gatherv_recv[2], *gatherv_counts, *gatherv_displs, gatherv_span;
  int *scatter_send[2], *scatter_recv[2];
  int *scatterv_send[2], *scatterv_recv[2];
  int reduce_root[2];
  long long reduce_in[2][kReduceCount], reduce_out[2][kReduceCount];
  /* not rooted */
  int *allgather_send, *allgather_recv;
  int *allgatherv_send, *allgatherv_recv, *allgatherv_counts, *allgatherv_displs;
  int allgatherv_span, allgatherv_own;
  int *alltoall_send, *alltoall_recv;
  int *a2av_send, *a2av_recv, *a2aw_send, *a2aw_recv;
  int *scounts, *sdispls, *rcounts, *rdispls, *sbytes, *rbytes, stotal, rtotal;
  MPI_Datatype *types;
  long long allreduce_in[kReduceCount], allreduce_out[kReduceCount];
  int matrix_in[8], matrix_out[8];
  long long *rs_in, *rs_out, *rsb_out;
  int *rs_counts;
} Persistent;

static int *ints(long n) { return mp_malloc(sizeof(int) * (size_t)(n > 0 ? n : 1)); }

static void add(Persistent *P, const char *name) {
  if (P->count >= kMaxRequests) mp_fail(__FILE__, __LINE__, "too many requests", "%s", name);
  P->names[P->count++] = name;
}

/* Pair counts of alltoallv/w: sender (group g, rank r) to receiver rank t. */
static int pair_count(int g, int r, int t) { return (r + 2 * t + g) % 3 + 1; }

static void make_requests(Persistent *P) {
  const Sides *s = P->s;
  const int q = s->remote_size;
  const int p = s->size;
  MPI_Comm ic = s->inter;
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "weft_unknown_hint", "1"));
  P->count = 0;
  CHECK_MPI(MPI_Barrier_init(ic, info, &P->requests[P->count]));
  add(P, "barrier");
  /* v-variant layouts of the rooted collectives: remote rank j has (j % 3) + 1 elements, in
   * reverse rank order with a gap after each block. */
  P->gatherv_counts = ints(q);
  P->gatherv_displs = ints(q);
  P->gatherv_span = 0;
  for (int j = q - 1; j >= 0; --j) {
    P->gatherv_counts[j] = j % 3 + 1;
    P->gatherv_displs[j] = P->gatherv_span;
    P->gatherv_span += P->gatherv_counts[j] + 1;
  }
  for (int rg = 0; rg < 2; ++rg) {
    int root_group_size = s->group == rg ? s->size : s->remote_size;
    int base = s->group == rg ? s->local_base : s->remote_base;
    /* bcast: the middle rank of the root group */
    P->bcast_root[rg] = root_arg(s, rg, root_group_size / 2);
    P->bcast_root_world[rg] = base + root_group_size / 2;
    P->bcast[rg] = ints(kBcastCount);
    CHECK_MPI(MPI_Bcast_init(P->bcast[rg], kBcastCount, MPI_INT, P->bcast_root[rg], ic, info,
                             &P->requests[P->count]));
    add(P, rg ? "bcast (root in group 1)" : "bcast (root in group 0)");
    /* gather, scatter and their v forms: the last rank of the root group */
    int root = root_arg(s, rg, root_group_size - 1);
    P->gather_root[rg] = root;
    P->gather_root_world[rg] = base + root_group_size - 1;
    int n = per_block(1 - rg); /* what each process of the other group sends or receives */
    P->gather_send[rg] = ints(n);
    P->gather_recv[rg] = ints(n * q + 1);
    if (root == MPI_PROC_NULL) {
      CHECK_MPI(MPI_Gather_init(NULL, 0, MPI_DATATYPE_NULL, NULL, 0, MPI_DATATYPE_NULL, root, ic,
                                info, &P->requests[P->count]));
    } else if (root == MPI_ROOT) {
      CHECK_MPI(MPI_Gather_init(NULL, 0, MPI_DATATYPE_NULL, P->gather_recv[rg], n, MPI_INT, root,
                                ic, info, &P->requests[P->count]));
    } else {
      CHECK_MPI(MPI_Gather_init(P->gather_send[rg], n, MPI_INT, NULL, 0, MPI_DATATYPE_NULL, root,
                                ic, info, &P->requests[P->count]));
    }
    add(P, "gather");
    P->scatter_send[rg] = ints(n * q);
    P->scatter_recv[rg] = ints(n + 1);
    CHECK_MPI(MPI_Scatter_init(P->scatter_send[rg], n, MPI_INT, P->scatter_recv[rg], n, MPI_INT,
                               root, ic, info, &P->requests[P->count]));
    add(P, "scatter");
    int own = s->rank % 3 + 1;
    P->gatherv_send[rg] = ints(own);
    P->gatherv_recv[rg] = ints(P->gatherv_span + 1);
    CHECK_MPI(MPI_Gatherv_init(P->gatherv_send[rg], own, MPI_INT, P->gatherv_recv[rg],
                               P->gatherv_counts, P->gatherv_displs, MPI_INT, root, ic, info,
                               &P->requests[P->count]));
    add(P, "gatherv");
    P->scatterv_send[rg] = ints(P->gatherv_span);
    P->scatterv_recv[rg] = ints(own + 1);
    CHECK_MPI(MPI_Scatterv_init(P->scatterv_send[rg], P->gatherv_counts, P->gatherv_displs,
                                MPI_INT, P->scatterv_recv[rg], own, MPI_INT, root, ic, info,
                                &P->requests[P->count]));
    add(P, "scatterv");
    /* reduce: rank 0 of the root group */
    P->reduce_root[rg] = root_arg(s, rg, 0);
    CHECK_MPI(MPI_Reduce_init(P->reduce_in[rg], P->reduce_out[rg], kReduceCount, MPI_LONG_LONG,
                              MPI_SUM, P->reduce_root[rg], ic, info, &P->requests[P->count]));
    add(P, "reduce");
  }
  /* allgather(v) */
  int n = per_block(s->group);
  int m = per_block(1 - s->group);
  P->allgather_send = ints(n);
  P->allgather_recv = ints(m * q);
  CHECK_MPI(MPI_Allgather_init(P->allgather_send, n, MPI_INT, P->allgather_recv, m, MPI_INT, ic,
                               info, &P->requests[P->count]));
  add(P, "allgather");
  P->allgatherv_own = s->rank % 3 + 1 + s->group;
  P->allgatherv_counts = ints(q);
  P->allgatherv_displs = ints(q);
  P->allgatherv_span = 0;
  for (int j = q - 1; j >= 0; --j) {
    P->allgatherv_counts[j] = j % 3 + 1 + (1 - s->group);
    P->allgatherv_displs[j] = P->allgatherv_span;
    P->allgatherv_span += P->allgatherv_counts[j] + 1;
  }
  P->allgatherv_send = ints(P->allgatherv_own);
  P->allgatherv_recv = ints(P->allgatherv_span);
  CHECK_MPI(MPI_Allgatherv_init(P->allgatherv_send, P->allgatherv_own, MPI_INT,
                                P->allgatherv_recv, P->allgatherv_counts, P->allgatherv_displs,
                                MPI_INT, ic, info, &P->requests[P->count]));
  add(P, "allgatherv");
  /* alltoall(v,w) */
  P->alltoall_send = ints(n * q);
  P->alltoall_recv = ints(m * q);
  CHECK_MPI(MPI_Alltoall_init(P->alltoall_send, n, MPI_INT, P->alltoall_recv, m, MPI_INT, ic,
                              info, &P->requests[P->count]));
  add(P, "alltoall");
  P->scounts = ints(q);
  P->sdispls = ints(q);
  P->rcounts = ints(q);
  P->rdispls = ints(q);
  P->sbytes = ints(q);
  P->rbytes = ints(q);
  P->types = mp_malloc(sizeof(MPI_Datatype) * (size_t)q);
  P->stotal = 0;
  P->rtotal = 0;
  for (int j = q - 1; j >= 0; --j) {
    P->scounts[j] = pair_count(s->group, s->rank, j);
    P->rcounts[j] = pair_count(1 - s->group, j, s->rank);
    P->sdispls[j] = P->stotal;
    P->rdispls[j] = P->rtotal;
    P->sbytes[j] = P->stotal * (int)sizeof(int);
    P->rbytes[j] = P->rtotal * (int)sizeof(int);
    P->types[j] = MPI_INT;
    P->stotal += P->scounts[j];
    P->rtotal += P->rcounts[j];
  }
  P->a2av_send = ints(P->stotal);
  P->a2av_recv = ints(P->rtotal);
  P->a2aw_send = ints(P->stotal);
  P->a2aw_recv = ints(P->rtotal);
  CHECK_MPI(MPI_Alltoallv_init(P->a2av_send, P->scounts, P->sdispls, MPI_INT, P->a2av_recv,
                               P->rcounts, P->rdispls, MPI_INT, ic, info,
                               &P->requests[P->count]));
  add(P, "alltoallv");
  CHECK_MPI(MPI_Alltoallw_init(P->a2aw_send, P->scounts, P->sbytes, P->types, P->a2aw_recv,
                               P->rcounts, P->rbytes, P->types, ic, info,
                               &P->requests[P->count]));
  add(P, "alltoallw");
  /* allreduce: a sum and the non-commutative product */
  CHECK_MPI(MPI_Allreduce_init(P->allreduce_in, P->allreduce_out, kReduceCount, MPI_LONG_LONG,
                               MPI_SUM, ic, info, &P->requests[P->count]));
  add(P, "allreduce");
  CHECK_MPI(MPI_Allreduce_init(P->matrix_in, P->matrix_out, 2, P->matrix_type, P->matrix, ic,
                               info, &P->requests[P->count]));
  add(P, "allreduce (non-commutative)");
  /* reduce_scatter(_block): p * q elements; local rank i gets counts[i] (q each, shifted by
   * one between ranks 0 and 1) or q of them. */
  P->rs_counts = ints(p);
  for (int i = 0; i < p; ++i) P->rs_counts[i] = q + (p > 1 && i == 0) - (p > 1 && i == 1);
  P->rs_in = mp_malloc(sizeof(long long) * (size_t)(p * q));
  P->rs_out = mp_malloc(sizeof(long long) * (size_t)(q + 2));
  P->rsb_out = mp_malloc(sizeof(long long) * (size_t)(q + 1));
  CHECK_MPI(MPI_Reduce_scatter_init(P->rs_in, P->rs_out, P->rs_counts, MPI_LONG_LONG, MPI_SUM, ic,
                                    info, &P->requests[P->count]));
  add(P, "reduce_scatter");
  CHECK_MPI(MPI_Reduce_scatter_block_init(P->rs_in, P->rsb_out, q, MPI_LONG_LONG, MPI_SUM, ic,
                                          info, &P->requests[P->count]));
  add(P, "reduce_scatter_block");
  CHECK_MPI(MPI_Info_free(&info));
  /* The arrays were copied at init: scribbling on them must not change later rounds. */
  for (int j = 0; j < q; ++j) P->gatherv_counts[j] = -5;
}

/* Inputs of round `r`; outputs set to -1 (what an untouched element must still hold). */
static void fill(Persistent *P, int r) {
  const Sides *s = P->s;
  const int q = s->remote_size;
  const int p = s->size;
  int salt = 16 * r;
  for (int rg = 0; rg < 2; ++rg) {
    for (int i = 0; i < kBcastCount; ++i) {
      P->bcast[rg][i] = P->bcast_root[rg] == MPI_ROOT ? value(world_rank, i, salt + 1) : -1;
    }
    int n = per_block(1 - rg);
    for (int i = 0; i < n; ++i) P->gather_send[rg][i] = value(world_rank, i, salt + 2);
    for (int i = 0; i < n * q + 1; ++i) P->gather_recv[rg][i] = -1;
    for (int i = 0; i < n * q; ++i) P->scatter_send[rg][i] = value(world_rank, i, salt + 3);
    for (int i = 0; i < n + 1; ++i) P->scatter_recv[rg][i] = -1;
    int own = s->rank % 3 + 1;
    for (int i = 0; i < own; ++i) P->gatherv_send[rg][i] = value(world_rank, i, salt + 4);
    for (int i = 0; i < P->gatherv_span + 1; ++i) P->gatherv_recv[rg][i] = -1;
    for (int i = 0; i < P->gatherv_span; ++i) {
      P->scatterv_send[rg][i] = value(world_rank, i, salt + 5);
    }
    for (int i = 0; i < own + 1; ++i) P->scatterv_recv[rg][i] = -1;
    for (int i = 0; i < kReduceCount; ++i) {
      P->reduce_in[rg][i] = input(world_rank, i, r + rg);
      P->reduce_out[rg][i] = -1;
    }
  }
  for (int i = 0; i < per_block(s->group); ++i) {
    P->allgather_send[i] = value(world_rank, i, salt + 6);
  }
  for (int i = 0; i < per_block(1 - s->group) * q; ++i) P->allgather_recv[i] = -1;
  for (int i = 0; i < P->allgatherv_own; ++i) {
    P->allgatherv_send[i] = value(world_rank, i, salt + 7);
  }
  for (int i = 0; i < P->allgatherv_span; ++i) P->allgatherv_recv[i] = -1;
  int n = per_block(s->group);
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < n; ++i) {
      P->alltoall_send[j * n + i] = value(world_rank, j * 10 + i, salt + 8);
    }
  }
  for (int i = 0; i < per_block(1 - s->group) * q; ++i) P->alltoall_recv[i] = -1;
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < P->scounts[j]; ++i) {
      P->a2av_send[P->sdispls[j] + i] = value(world_rank, j * 10 + i, salt + 9);
      P->a2aw_send[P->sdispls[j] + i] = value(world_rank, j * 10 + i, salt + 10);
    }
  }
  for (int i = 0; i < P->rtotal; ++i) P->a2av_recv[i] = P->a2aw_recv[i] = -1;
  for (int i = 0; i < kReduceCount; ++i) {
    P->allreduce_in[i] = input(world_rank, i, r);
    P->allreduce_out[i] = -1;
  }
  for (int k = 0; k < 2; ++k) ic_matrix_of(world_rank, k + r, P->matrix_in + 4 * k);
  for (int i = 0; i < 8; ++i) P->matrix_out[i] = -1;
  for (int i = 0; i < p * q; ++i) P->rs_in[i] = input(world_rank, i, r);
  for (int i = 0; i < q + 2; ++i) P->rs_out[i] = -1;
  for (int i = 0; i < q + 1; ++i) P->rsb_out[i] = -1;
}

static void check(const Persistent *P, int r, const char *what) {
  const Sides *s = P->s;
  const int q = s->remote_size;
  int salt = 16 * r;
  for (int rg = 0; rg < 2; ++rg) {
    int root = P->bcast_root[rg];
    for (int i = 0; i < kBcastCount; ++i) {
      int expected = root == MPI_ROOT ? value(world_rank, i, salt + 1)
                     : root == MPI_PROC_NULL ? -1
                                             : value(P->bcast_root_world[rg], i, salt + 1);
      CHECK_INT(P->bcast[rg][i], expected, "%s round %d: bcast (root group %d) element %d", what,
                r, rg, i);
    }
    root = P->gather_root[rg];
    int n = per_block(1 - rg);
    int root_world = P->gather_root_world[rg];
    if (root == MPI_ROOT) {
      for (int j = 0; j < q; ++j) {
        for (int i = 0; i < n; ++i) {
          CHECK_INT(P->gather_recv[rg][j * n + i], value(s->remote_base + j, i, salt + 2),
                    "%s round %d: gather (root group %d) block %d[%d]", what, r, rg, j, i);
        }
      }
    }
    CHECK_INT(P->gather_recv[rg][n * q], -1, "%s round %d: gather wrote past its end", what, r);
    for (int i = 0; i < n + 1; ++i) {
      int expected = root >= 0 && i < n ? value(root_world, s->rank * n + i, salt + 3) : -1;
      CHECK_INT(P->scatter_recv[rg][i], expected, "%s round %d: scatter (root group %d) [%d]",
                what, r, rg, i);
    }
    if (root == MPI_ROOT) {
      for (int j = 0; j < q; ++j) {
        int count = j % 3 + 1;
        int at = 0;
        for (int k = q - 1; k > j; --k) at += k % 3 + 2;
        for (int i = 0; i < count; ++i) {
          CHECK_INT(P->gatherv_recv[rg][at + i], value(s->remote_base + j, i, salt + 4),
                    "%s round %d: gatherv block %d[%d]", what, r, j, i);
        }
        CHECK_INT(P->gatherv_recv[rg][at + count], -1, "%s round %d: gatherv wrote a gap", what,
                  r);
      }
    } else {
      CHECK_INT(P->gatherv_recv[rg][0], -1, "%s round %d: gatherv off the root", what, r);
    }
    int own = s->rank % 3 + 1;
    int at = 0;
    for (int k = s->size - 1; k > s->rank; --k) at += k % 3 + 2;
    for (int i = 0; i < own + 1; ++i) {
      int expected = root >= 0 && i < own ? value(root_world, at + i, salt + 5) : -1;
      CHECK_INT(P->scatterv_recv[rg][i], expected, "%s round %d: scatterv (root group %d) [%d]",
                what, r, rg, i);
    }
    for (int i = 0; i < kReduceCount; ++i) {
      long long expected = P->reduce_root[rg] == MPI_ROOT ? remote_sum(s, i, r + rg) : -1;
      CHECK_INT(P->reduce_out[rg][i], expected, "%s round %d: reduce (root group %d) [%d]", what,
                r, rg, i);
    }
  }
  int m = per_block(1 - s->group);
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < m; ++i) {
      CHECK_INT(P->allgather_recv[j * m + i], value(s->remote_base + j, i, salt + 6),
                "%s round %d: allgather block %d[%d]", what, r, j, i);
      CHECK_INT(P->alltoall_recv[j * m + i], value(s->remote_base + j, s->rank * 10 + i, salt + 8),
                "%s round %d: alltoall block %d[%d]", what, r, j, i);
    }
    for (int i = 0; i < P->allgatherv_counts[j]; ++i) {
      CHECK_INT(P->allgatherv_recv[P->allgatherv_displs[j] + i],
                value(s->remote_base + j, i, salt + 7), "%s round %d: allgatherv block %d[%d]",
                what, r, j, i);
    }
    CHECK_INT(P->allgatherv_recv[P->allgatherv_displs[j] + P->allgatherv_counts[j]], -1,
              "%s round %d: allgatherv wrote a gap", what, r);
    for (int i = 0; i < P->rcounts[j]; ++i) {
      CHECK_INT(P->a2av_recv[P->rdispls[j] + i],
                value(s->remote_base + j, s->rank * 10 + i, salt + 9),
                "%s round %d: alltoallv block %d[%d]", what, r, j, i);
      CHECK_INT(P->a2aw_recv[P->rdispls[j] + i],
                value(s->remote_base + j, s->rank * 10 + i, salt + 10),
                "%s round %d: alltoallw block %d[%d]", what, r, j, i);
    }
  }
  for (int i = 0; i < kReduceCount; ++i) {
    CHECK_INT(P->allreduce_out[i], remote_sum(s, i, r), "%s round %d: allreduce [%d]", what, r,
              i);
  }
  for (int k = 0; k < 2; ++k) {
    int expected[4];
    ic_remote_product(s, k + r, expected);
    for (int i = 0; i < 4; ++i) {
      CHECK_INT(P->matrix_out[4 * k + i], expected[i],
                "%s round %d: non-commutative allreduce %d[%d]", what, r, k, i);
    }
  }
  int offset = 0;
  for (int i = 0; i < s->rank; ++i) offset += P->rs_counts[i];
  int mine = P->rs_counts[s->rank];
  for (int i = 0; i < mine; ++i) {
    CHECK_INT(P->rs_out[i], remote_sum(s, offset + i, r), "%s round %d: reduce_scatter [%d]",
              what, r, i);
  }
  CHECK_INT(P->rs_out[mine], -1, "%s round %d: reduce_scatter wrote past its block", what, r);
  for (int i = 0; i < q; ++i) {
    CHECK_INT(P->rsb_out[i], remote_sum(s, s->rank * q + i, r),
              "%s round %d: reduce_scatter_block [%d]", what, r, i);
  }
  CHECK_INT(P->rsb_out[q], -1, "%s round %d: reduce_scatter_block wrote past its block", what, r);
}

static void free_requests(Persistent *P) {
  for (int i = 0; i < P->count; ++i) CHECK_MPI(MPI_Request_free(&P->requests[i]));
  for (int rg = 0; rg < 2; ++rg) {
    free(P->bcast[rg]);
    free(P->gather_send[rg]);
    free(P->gather_recv[rg]);
    free(P->scatter_send[rg]);
    free(P->scatter_recv[rg]);
    free(P->gatherv_send[rg]);
    free(P->gatherv_recv[rg]);
    free(P->scatterv_send[rg]);
    free(P->scatterv_recv[rg]);
  }
  free(P->gatherv_counts);
  free(P->gatherv_displs);
  free(P->allgather_send);
  free(P->allgather_recv);
  free(P->allgatherv_send);
  free(P->allgatherv_recv);
  free(P->allgatherv_counts);
  free(P->allgatherv_displs);
  free(P->alltoall_send);
  free(P->alltoall_recv);
  free(P->a2av_send);
  free(P->a2av_recv);
  free(P->a2aw_send);
  free(P->a2aw_recv);
  free(P->scounts);
  free(P->sdispls);
  free(P->rcounts);
  free(P->rdispls);
  free(P->sbytes);
  free(P->rbytes);
  free(P->types);
  free(P->rs_in);
  free(P->rs_out);
  free(P->rsb_out);
  free(P->rs_counts);
}

static void test_persistent(const Sides *s, MPI_Op matrix, MPI_Datatype matrix_type,
                            const char *what) {
  Persistent P;
  memset(&P, 0, sizeof P);
  P.s = s;
  P.matrix = matrix;
  P.matrix_type = matrix_type;
  make_requests(&P);
  enum { kRounds = 4 };
  for (int r = 0; r < kRounds; ++r) {
    fill(&P, r);
    /* This process's order of starts for this round. */
    int order[kMaxRequests];
    int shift = (world_rank * 3 + r * 5) % P.count;
    for (int i = 0; i < P.count; ++i) order[i] = (i + shift) % P.count;
    if (world_rank % 2) {
      for (int i = 0; i < P.count / 2; ++i) {
        int t = order[i];
        order[i] = order[P.count - 1 - i];
        order[P.count - 1 - i] = t;
      }
    }
    MPI_Request started[kMaxRequests + 1];
    for (int i = 0; i < P.count; ++i) started[i] = P.requests[order[i]];
    /* Other collectives on the same intercommunicator while the rounds run: a nonblocking
     * allreduce and a blocking barrier, both called in the same order everywhere. */
    long long token = world_rank, total = -1;
    if (r % 2 == 0) {
      for (int i = 0; i < P.count; ++i) CHECK_MPI(MPI_Start(&started[i]));
    } else {
      CHECK_MPI(MPI_Startall(P.count / 2, started));
    }
    CHECK_MPI(MPI_Iallreduce(&token, &total, 1, MPI_LONG_LONG, MPI_SUM, s->inter,
                             &started[P.count]));
    CHECK_MPI(MPI_Barrier(s->inter));
    if (r % 2 == 1) CHECK_MPI(MPI_Startall(P.count - P.count / 2, started + P.count / 2));
    if (r == 2) {
      /* Completion one by one, in reverse order, with MPI_Test first. */
      for (int i = P.count; i >= 0; --i) {
        int flag = 0;
        CHECK_MPI(MPI_Test(&started[i], &flag, MPI_STATUS_IGNORE));
        if (!flag) CHECK_MPI(MPI_Wait(&started[i], MPI_STATUS_IGNORE));
      }
    } else {
      CHECK_MPI(MPI_Waitall(P.count + 1, started, MPI_STATUSES_IGNORE));
    }
    long long expected = 0;
    for (int j = 0; j < s->remote_size; ++j) expected += s->remote_base + j;
    CHECK_INT(total, expected, "%s round %d: allreduce beside the persistent ones", what, r);
    check(&P, r, what);
  }
  free_requests(&P);
}

static void test_persistent_errors(const Sides *s, const char *what) {
  MPI_Comm ic = s->inter;
  CHECK_MPI(MPI_Comm_set_errhandler(ic, MPI_ERRORS_RETURN));
  int buffer[4] = {0, 0, 0, 0};
  MPI_Request request = MPI_REQUEST_NULL;
  CHECK_ERROR_CLASS(MPI_Scan_init(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, ic, MPI_INFO_NULL,
                                  &request),
                    MPI_ERR_COMM, "%s: MPI_Scan_init on an intercommunicator", what);
  CHECK_ERROR_CLASS(MPI_Exscan_init(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, ic, MPI_INFO_NULL,
                                    &request),
                    MPI_ERR_COMM, "%s: MPI_Exscan_init on an intercommunicator", what);
  CHECK_ERROR_CLASS(MPI_Bcast_init(buffer, 1, MPI_INT, s->remote_size, ic, MPI_INFO_NULL,
                                   &request),
                    MPI_ERR_ROOT, "%s: MPI_Bcast_init with root = remote size", what);
  CHECK_ERROR_CLASS(MPI_Reduce_init(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, -5, ic,
                                    MPI_INFO_NULL, &request),
                    MPI_ERR_ROOT, "%s: MPI_Reduce_init with root -5", what);
  CHECK_ERROR_CLASS2(MPI_Allreduce_init(MPI_IN_PLACE, buffer, 1, MPI_INT, MPI_SUM, ic,
                                        MPI_INFO_NULL, &request),
                     MPI_ERR_BUFFER, MPI_ERR_ARG, "%s: MPI_Allreduce_init with MPI_IN_PLACE",
                     what);
  CHECK_ERROR_CLASS2(MPI_Allgather_init(MPI_IN_PLACE, 1, MPI_INT, buffer, 1, MPI_INT, ic,
                                        MPI_INFO_NULL, &request),
                     MPI_ERR_BUFFER, MPI_ERR_ARG, "%s: MPI_Allgather_init with MPI_IN_PLACE",
                     what);
  CHECK_ERROR_CLASS2(MPI_Gather_init(MPI_IN_PLACE, 1, MPI_INT, buffer, 1, MPI_INT, 0, ic,
                                     MPI_INFO_NULL, &request),
                     MPI_ERR_BUFFER, MPI_ERR_ARG, "%s: MPI_Gather_init with MPI_IN_PLACE", what);
  CHECK_ERROR_CLASS2(MPI_Reduce_scatter_block_init(MPI_IN_PLACE, buffer, 1, MPI_INT, MPI_SUM, ic,
                                                   MPI_INFO_NULL, &request),
                     MPI_ERR_BUFFER, MPI_ERR_ARG,
                     "%s: MPI_Reduce_scatter_block_init with MPI_IN_PLACE", what);
  CHECK_MPI(MPI_Comm_set_errhandler(ic, MPI_ERRORS_ARE_FATAL));
  /* The refused calls made no request and took no part: collectives afterwards agree. */
  CHECK_INT(request == MPI_REQUEST_NULL, 1, "%s: a refused init left a request", what);
  CHECK_MPI(MPI_Barrier_init(ic, MPI_INFO_NULL, &request));
  CHECK_MPI(MPI_Start(&request));
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Request_free(&request));
}

/* What a duplicate of `s->inter` must be: an intercommunicator congruent with it, whose
 * messages and collectives stay its own. */
static void check_duplicate(const Sides *s, MPI_Comm dup, int serial, const char *what) {
  int flag = 0, size = 0, result = -1;
  CHECK_MPI(MPI_Comm_test_inter(dup, &flag));
  CHECK_INT(flag, 1, "%s: idup %d is an intercommunicator", what, serial);
  CHECK_MPI(MPI_Comm_remote_size(dup, &size));
  CHECK_INT(size, s->remote_size, "%s: idup %d remote size", what, serial);
  CHECK_MPI(MPI_Comm_compare(dup, s->inter, &result));
  CHECK_INT(result, MPI_CONGRUENT, "%s: idup %d compared with its parent", what, serial);
  long long mine = (long long)world_rank * 10 + serial, sum = -1, expected = 0;
  CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, dup));
  for (int j = 0; j < s->remote_size; ++j) {
    expected += (long long)(s->remote_base + j) * 10 + serial;
  }
  CHECK_INT(sum, expected, "%s: allreduce on idup %d", what, serial);
}

static void test_idup(const Sides *s, const char *what) {
  enum { kDups = 3 };
  MPI_Comm dups[kDups], local_dup;
  MPI_Request requests[kDups + 1];
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "mpi_assert_no_any_tag", "true"));
  /* An attribute the duplicates must carry (copied at the call). */
  static int attribute_value = 42;
  int keyval = MPI_KEYVAL_INVALID;
  CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL));
  CHECK_MPI(MPI_Comm_set_attr(s->inter, keyval, &attribute_value));
  /* Group 1's leader enters late: it waits for a token that group 0's leader sends only
   * after its own calls, so those calls must return before the other group has joined. */
  if (s->group == 1 && s->rank == 0) {
    int token = -1;
    CHECK_MPI(MPI_Recv(&token, 1, MPI_INT, 0, 7, s->inter, MPI_STATUS_IGNORE));
    CHECK_INT(token, s->remote_base, "%s: token from the remote leader", what);
  }
  CHECK_MPI(MPI_Comm_idup(s->inter, &dups[0], &requests[0]));
  CHECK_MPI(MPI_Comm_idup(s->local, &local_dup, &requests[kDups]));
  CHECK_MPI(MPI_Comm_idup_with_info(s->inter, info, &dups[1], &requests[1]));
  if (s->group == 0 && s->rank == 0) {
    int token = world_rank;
    CHECK_MPI(MPI_Send(&token, 1, MPI_INT, 0, 7, s->inter));
  }
  /* A blocking collective on the parent between the calls. */
  long long mine = world_rank, sum = -1, expected = 0;
  CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, s->inter));
  for (int j = 0; j < s->remote_size; ++j) expected += s->remote_base + j;
  CHECK_INT(sum, expected, "%s: allreduce between the idups and their wait", what);
  CHECK_MPI(MPI_Comm_idup(s->inter, &dups[2], &requests[2]));
  /* Group 1 waits in reverse order, group 0 all at once. */
  if (s->group == 1) {
    for (int i = kDups; i >= 0; --i) CHECK_MPI(MPI_Wait(&requests[i], MPI_STATUS_IGNORE));
  } else {
    CHECK_MPI(MPI_Waitall(kDups + 1, requests, MPI_STATUSES_IGNORE));
  }
  for (int i = 0; i < kDups; ++i) {
    check_duplicate(s, dups[i], i, what);
    void *copied = NULL;
    int flag = 0;
    CHECK_MPI(MPI_Comm_get_attr(dups[i], keyval, &copied, &flag));
    CHECK_INT(flag && copied == &attribute_value, 1, "%s: attribute on idup %d", what, i);
  }
  CHECK_MPI(MPI_Comm_delete_attr(s->inter, keyval));
  /* The hint reached the duplicate made with it. */
  MPI_Info used;
  char hint[MPI_MAX_INFO_VAL + 1];
  int found = 0;
  CHECK_MPI(MPI_Comm_get_info(dups[1], &used));
  int length = (int)sizeof hint;
  CHECK_MPI(MPI_Info_get_string(used, "mpi_assert_no_any_tag", &length, hint, &found));
  CHECK_INT(found && strcmp(hint, "true") == 0, 1, "%s: idup_with_info's hint", what);
  CHECK_MPI(MPI_Info_free(&used));
  /* Messages with one tag on the parent and each duplicate, received in reverse order:
   * each lands on its own communicator. */
  if (s->rank == 0) {
    MPI_Request sends[kDups + 1];
    int out[kDups + 1], in[kDups + 1];
    for (int i = 0; i <= kDups; ++i) {
      out[i] = world_rank * 100 + i;
      MPI_Comm comm = i == kDups ? s->inter : dups[i];
      CHECK_MPI(MPI_Isend(&out[i], 1, MPI_INT, 0, 3, comm, &sends[i]));
    }
    for (int i = kDups; i >= 0; --i) {
      MPI_Comm comm = i == kDups ? s->inter : dups[i];
      CHECK_MPI(MPI_Recv(&in[i], 1, MPI_INT, 0, 3, comm, MPI_STATUS_IGNORE));
      CHECK_INT(in[i], s->remote_base * 100 + i, "%s: message on communicator %d", what, i);
    }
    CHECK_MPI(MPI_Waitall(kDups + 1, sends, MPI_STATUSES_IGNORE));
  }
  /* The duplicate of the local intracommunicator, made while the others were pending. */
  int local_sum = -1, local_expected = 0;
  CHECK_MPI(MPI_Allreduce(&world_rank, &local_sum, 1, MPI_INT, MPI_SUM, local_dup));
  for (int i = 0; i < s->size; ++i) local_expected += s->local_base + i;
  CHECK_INT(local_sum, local_expected, "%s: allreduce on the local idup", what);
  /* A duplicate of a duplicate, blocking, after the nonblocking ones. */
  MPI_Comm again;
  CHECK_MPI(MPI_Comm_dup(dups[2], &again));
  check_duplicate(s, again, 7, what);
  CHECK_MPI(MPI_Comm_free(&again));
  for (int i = 0; i < kDups; ++i) CHECK_MPI(MPI_Comm_free(&dups[i]));
  CHECK_MPI(MPI_Comm_free(&local_dup));
  CHECK_MPI(MPI_Comm_free_keyval(&keyval));
  CHECK_MPI(MPI_Info_free(&info));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  world_rank = mp_world_rank();
  if (ic_skip_single("intercomm_persistent")) {
    CHECK_MPI(MPI_Finalize());
    return 0;
  }
  MPI_Op matrix;
  CHECK_MPI(MPI_Op_create(ic_matrix_product, 0, &matrix));
  MPI_Datatype matrix_type;
  CHECK_MPI(MPI_Type_contiguous(4, MPI_INT, &matrix_type));
  CHECK_MPI(MPI_Type_commit(&matrix_type));
  int cuts[4];
  int ncuts = ic_cuts(mp_world_size(), cuts);
  for (int c = 0; c < ncuts; ++c) {
    Sides s;
    ic_make(cuts[c], c % 2, &s);
    char what[64];
    snprintf(what, sizeof what, "cut %d", cuts[c]);
    test_persistent(&s, matrix, matrix_type, what);
    test_persistent_errors(&s, what);
    test_idup(&s, what);
    ic_free(&s);
  }
  CHECK_MPI(MPI_Type_free(&matrix_type));
  CHECK_MPI(MPI_Op_free(&matrix));
  mp_report_ok("intercomm_persistent");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
