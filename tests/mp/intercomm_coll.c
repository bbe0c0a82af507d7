/*
 * Collectives on intercommunicators, blocking and nonblocking, over uneven cuts of
 * MPI_COMM_WORLD (1|n-1, the halves, n-1|1, 3|5): barrier, bcast (contiguous and strided
 * datatype), gather(v), scatter(v), allgather(v), alltoall(v,w), reduce, allreduce,
 * reduce_scatter(_block), each rooted one in both groups with MPI_ROOT / MPI_PROC_NULL.
 * The two groups send different amounts (each receives what the other sends), so a result
 * that crossed the wrong way, or stayed in its group, never looks right. Reductions also
 * run a non-commutative user op (2x2 matrix product) whose result depends on the remote
 * group's rank order. Also: an Ibarrier that must not block its caller, and the errors
 * (root out of range, MPI_IN_PLACE, MPI_Scan/MPI_Exscan on an intercommunicator).
 */
#include "intercomm_common.h"

static int world_rank;
static int world_size;

/* Completes the request of a nonblocking call (nothing to do for a blocking one). */
static void complete(int nonblocking, MPI_Request *request) {
  if (nonblocking) CHECK_MPI(MPI_Wait(request, MPI_STATUS_IGNORE));
}

static int value(int world, long index, int salt) { return mp_pattern_int(world, index, salt); }

/* The root of a rooted collective as each process passes it: MPI_ROOT at local rank
 * `root_rank` of group `root_group`, MPI_PROC_NULL beside it, root_rank in the other group. */
static int root_arg(const Sides *s, int root_group, int root_rank) {
  if (s->group != root_group) return root_rank;
  return s->rank == root_rank ? MPI_ROOT : MPI_PROC_NULL;
}

/* Elements each member of `group` sends per block: the groups differ. */
static int per_block(int group) { return group == 0 ? 2 : 3; }

static void test_bcast(const Sides *s, int nb, int root_group, const char *what) {
  int root_rank = (s->group == root_group ? s->size : s->remote_size) / 2;
  /* MPICH 4.0.2's MPI_Ibcast on an intercommunicator delivers nothing unless the root is
   * rank 0 of its group. */
  if (MP_MPICH_DEVIATION && nb) root_rank = 0;
  int root = root_arg(s, root_group, root_rank);
  int root_world = (s->group == root_group ? s->local_base : s->remote_base) + root_rank;
  enum { kCount = 5000 };  /* past the eager limit of the usual transports */
  int *buffer = mp_malloc(sizeof(int) * kCount);
  for (int i = 0; i < kCount; ++i) buffer[i] = root == MPI_ROOT ? value(world_rank, i, 1) : -1;
  MPI_Request request;
  if (nb) {
    CHECK_MPI(MPI_Ibcast(buffer, kCount, MPI_INT, root, s->inter, &request));
  } else {
    if (root == MPI_PROC_NULL) {
      /* Nothing is significant at MPI_PROC_NULL. */
      CHECK_MPI(MPI_Bcast(NULL, 0, MPI_DATATYPE_NULL, root, s->inter));
    } else {
      CHECK_MPI(MPI_Bcast(buffer, kCount, MPI_INT, root, s->inter));
    }
  }
  complete(nb, &request);
  for (int i = 0; i < kCount; ++i) {
    int expected = root == MPI_PROC_NULL ? -1 : value(root_world, i, 1);
    CHECK_INT(buffer[i], expected, "%s: bcast element %d (root arg %d)", what, i, root);
  }
  /* A strided datatype on the receiving side, contiguous at the root. */
  MPI_Datatype strided;
  CHECK_MPI(MPI_Type_vector(7, 1, 2, MPI_INT, &strided));
  CHECK_MPI(MPI_Type_commit(&strided));
  int spread[14];
  for (int i = 0; i < 14; ++i) spread[i] = root == MPI_ROOT ? value(world_rank, i, 2) : -1;
  if (root == MPI_ROOT) {
    CHECK_MPI(MPI_Bcast(spread, 7, MPI_INT, root, s->inter));
  } else {
    CHECK_MPI(MPI_Bcast(spread, 1, strided, root, s->inter));
    for (int i = 0; i < 14; ++i) {
      int expected = root == MPI_PROC_NULL || i % 2 ? -1 : value(root_world, i / 2, 2);
      CHECK_INT(spread[i], expected, "%s: strided bcast element %d", what, i);
    }
  }
  CHECK_MPI(MPI_Type_free(&strided));
  free(buffer);
}

static void test_gather_scatter(const Sides *s, int nb, int root_group, const char *what) {
  int root_rank = (s->group == root_group ? s->size : s->remote_size) - 1;
  int root = root_arg(s, root_group, root_rank);
  int root_world = (s->group == root_group ? s->local_base : s->remote_base) + root_rank;
  int sending_group = 1 - root_group;
  int n = per_block(sending_group);
  int q = s->remote_size;
  MPI_Request request;
  /* gather */
  int *mine = mp_malloc(sizeof(int) * (size_t)n);
  int *all = mp_malloc(sizeof(int) * (size_t)(n * q + 1));
  for (int i = 0; i < n; ++i) mine[i] = value(world_rank, i, 3);
  for (int i = 0; i < n * q + 1; ++i) all[i] = -1;
  if (nb) {
    CHECK_MPI(MPI_Igather(mine, n, MPI_INT, all, n, MPI_INT, root, s->inter, &request));
  } else {
    /* The send side is not significant at MPI_ROOT, nothing is at MPI_PROC_NULL. */
    if (root == MPI_ROOT) {
      CHECK_MPI(MPI_Gather(NULL, 0, MPI_DATATYPE_NULL, all, n, MPI_INT, root, s->inter));
    } else if (root == MPI_PROC_NULL) {
      CHECK_MPI(MPI_Gather(NULL, 0, MPI_DATATYPE_NULL, NULL, 0, MPI_DATATYPE_NULL, root,
                           s->inter));
    } else {
      CHECK_MPI(MPI_Gather(mine, n, MPI_INT, NULL, 0, MPI_DATATYPE_NULL, root, s->inter));
    }
  }
  complete(nb, &request);
  if (root == MPI_ROOT) {
    for (int j = 0; j < q; ++j) {
      for (int i = 0; i < n; ++i) {
        CHECK_INT(all[j * n + i], value(s->remote_base + j, i, 3), "%s: gather block %d[%d]",
                  what, j, i);
      }
    }
    CHECK_INT(all[n * q], -1, "%s: gather wrote past the result", what);
  } else if (root == MPI_PROC_NULL) {
    CHECK_INT(all[0], -1, "%s: gather touched MPI_PROC_NULL's buffer", what);
  }
  /* scatter: block j of the root goes to remote rank j */
  for (int i = 0; i < n * q; ++i) all[i] = root == MPI_ROOT ? value(world_rank, i, 4) : -1;
  for (int i = 0; i < n; ++i) mine[i] = -1;
  if (nb) {
    CHECK_MPI(MPI_Iscatter(all, n, MPI_INT, mine, n, MPI_INT, root, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Scatter(all, n, MPI_INT, mine, n, MPI_INT, root, s->inter));
  }
  complete(nb, &request);
  for (int i = 0; i < n; ++i) {
    int expected = root >= 0 ? value(root_world, s->rank * n + i, 4) : -1;
    CHECK_INT(mine[i], expected, "%s: scatter element %d", what, i);
  }
  free(all);
  free(mine);

  /* gatherv / scatterv: remote rank j has (j % 3) + 1 elements, placed in reverse rank order
   * with one unused element between blocks. */
  int *counts = mp_malloc(sizeof(int) * (size_t)q);
  int *displs = mp_malloc(sizeof(int) * (size_t)q);
  int span = 0;
  for (int j = q - 1; j >= 0; --j) {
    counts[j] = j % 3 + 1;
    displs[j] = span;
    span += counts[j] + 1;
  }
  int own = s->rank % 3 + 1;
  int *area = mp_malloc(sizeof(int) * (size_t)(span + 1));
  int block[3];
  for (int i = 0; i < span + 1; ++i) area[i] = -1;
  for (int i = 0; i < own; ++i) block[i] = value(world_rank, i, 5);
  if (nb) {
    CHECK_MPI(MPI_Igatherv(block, own, MPI_INT, area, counts, displs, MPI_INT, root, s->inter,
                           &request));
  } else {
    CHECK_MPI(MPI_Gatherv(block, own, MPI_INT, area, counts, displs, MPI_INT, root, s->inter));
  }
  complete(nb, &request);
  if (root == MPI_ROOT) {
    for (int j = 0; j < q; ++j) {
      for (int i = 0; i < counts[j]; ++i) {
        CHECK_INT(area[displs[j] + i], value(s->remote_base + j, i, 5), "%s: gatherv block %d[%d]",
                  what, j, i);
      }
      CHECK_INT(area[displs[j] + counts[j]], -1, "%s: gatherv wrote a gap", what);
    }
  }
  for (int i = 0; i < span; ++i) area[i] = root == MPI_ROOT ? value(world_rank, i, 6) : -1;
  for (int i = 0; i < 3; ++i) block[i] = -1;
  if (nb) {
    CHECK_MPI(MPI_Iscatterv(area, counts, displs, MPI_INT, block, own, MPI_INT, root, s->inter,
                            &request));
  } else {
    CHECK_MPI(MPI_Scatterv(area, counts, displs, MPI_INT, block, own, MPI_INT, root, s->inter));
  }
  complete(nb, &request);
  if (root >= 0) {
    /* The root laid out its blocks like `displs`, computed for this group's ranks. */
    int at = 0;
    for (int j = s->size - 1; j > s->rank; --j) at += j % 3 + 2;
    for (int i = 0; i < own; ++i) {
      CHECK_INT(block[i], value(root_world, at + i, 6), "%s: scatterv element %d", what, i);
    }
    CHECK_INT(block[own < 3 ? own : 2], own < 3 ? -1 : block[2], "%s: scatterv wrote past", what);
  }
  free(area);
  free(displs);
  free(counts);
}

static void test_allgather(const Sides *s, int nb, const char *what) {
  int n = per_block(s->group);
  int m = per_block(1 - s->group);
  int q = s->remote_size;
  int mine[3];
  for (int i = 0; i < n; ++i) mine[i] = value(world_rank, i, 7);
  int *all = mp_malloc(sizeof(int) * (size_t)(m * q));
  MPI_Request request;
  if (nb) {
    CHECK_MPI(MPI_Iallgather(mine, n, MPI_INT, all, m, MPI_INT, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Allgather(mine, n, MPI_INT, all, m, MPI_INT, s->inter));
  }
  complete(nb, &request);
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < m; ++i) {
      CHECK_INT(all[j * m + i], value(s->remote_base + j, i, 7), "%s: allgather block %d[%d]",
                what, j, i);
    }
  }
  free(all);
  /* allgatherv: remote rank j sends (j % 3) + 1 + its group elements, reversed layout. */
  int own = s->rank % 3 + 1 + s->group;
  int *counts = mp_malloc(sizeof(int) * (size_t)q);
  int *displs = mp_malloc(sizeof(int) * (size_t)q);
  int span = 0;
  for (int j = q - 1; j >= 0; --j) {
    counts[j] = j % 3 + 1 + (1 - s->group);
    displs[j] = span;
    span += counts[j] + 1;
  }
  int block[4];
  for (int i = 0; i < own; ++i) block[i] = value(world_rank, i, 8);
  int *area = mp_malloc(sizeof(int) * (size_t)span);
  for (int i = 0; i < span; ++i) area[i] = -1;
  if (nb) {
    CHECK_MPI(MPI_Iallgatherv(block, own, MPI_INT, area, counts, displs, MPI_INT, s->inter,
                              &request));
  } else {
    CHECK_MPI(MPI_Allgatherv(block, own, MPI_INT, area, counts, displs, MPI_INT, s->inter));
  }
  complete(nb, &request);
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < counts[j]; ++i) {
      CHECK_INT(area[displs[j] + i], value(s->remote_base + j, i, 8), "%s: allgatherv block %d[%d]",
                what, j, i);
    }
    CHECK_INT(area[displs[j] + counts[j]], -1, "%s: allgatherv wrote a gap", what);
  }
  free(area);
  free(displs);
  free(counts);
}

/* Elements sender (group g, rank r) sends to receiver rank t of the other group. */
static int pair_count(int g, int r, int t) { return (r + 2 * t + g) % 3 + 1; }

static void test_alltoall(const Sides *s, int nb, const char *what) {
  int n = per_block(s->group);
  int m = per_block(1 - s->group);
  int q = s->remote_size;
  int *out = mp_malloc(sizeof(int) * (size_t)(n * q));
  int *in = mp_malloc(sizeof(int) * (size_t)(m * q));
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < n; ++i) out[j * n + i] = value(world_rank, j * 10 + i, 9);
  }
  MPI_Request request;
  if (nb) {
    CHECK_MPI(MPI_Ialltoall(out, n, MPI_INT, in, m, MPI_INT, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Alltoall(out, n, MPI_INT, in, m, MPI_INT, s->inter));
  }
  complete(nb, &request);
  for (int j = 0; j < q; ++j) {
    for (int i = 0; i < m; ++i) {
      CHECK_INT(in[j * m + i], value(s->remote_base + j, s->rank * 10 + i, 9),
                "%s: alltoall block %d[%d]", what, j, i);
    }
  }
  free(in);
  free(out);

  /* alltoallv and alltoallw: pair_count elements each way, blocks in reverse order. */
  int *scounts = mp_malloc(sizeof(int) * (size_t)q);
  int *sdispls = mp_malloc(sizeof(int) * (size_t)q);
  int *rcounts = mp_malloc(sizeof(int) * (size_t)q);
  int *rdispls = mp_malloc(sizeof(int) * (size_t)q);
  int *sbytes = mp_malloc(sizeof(int) * (size_t)q);
  int *rbytes = mp_malloc(sizeof(int) * (size_t)q);
  MPI_Datatype *types = mp_malloc(sizeof(MPI_Datatype) * (size_t)q);
  int stotal = 0, rtotal = 0;
  for (int j = q - 1; j >= 0; --j) {
    scounts[j] = pair_count(s->group, s->rank, j);
    rcounts[j] = pair_count(1 - s->group, j, s->rank);
    sdispls[j] = stotal;
    rdispls[j] = rtotal;
    sbytes[j] = stotal * (int)sizeof(int);
    rbytes[j] = rtotal * (int)sizeof(int);
    types[j] = MPI_INT;
    stotal += scounts[j];
    rtotal += rcounts[j];
  }
  out = mp_malloc(sizeof(int) * (size_t)stotal);
  in = mp_malloc(sizeof(int) * (size_t)rtotal);
  for (int w = 0; w < 2; ++w) {
    for (int j = 0; j < q; ++j) {
      for (int i = 0; i < scounts[j]; ++i) {
        out[sdispls[j] + i] = value(world_rank, j * 10 + i, 10 + w);
      }
    }
    for (int i = 0; i < rtotal; ++i) in[i] = -1;
    if (w == 0 && nb) {
      CHECK_MPI(MPI_Ialltoallv(out, scounts, sdispls, MPI_INT, in, rcounts, rdispls, MPI_INT,
                               s->inter, &request));
    } else if (w == 0) {
      CHECK_MPI(MPI_Alltoallv(out, scounts, sdispls, MPI_INT, in, rcounts, rdispls, MPI_INT,
                              s->inter));
    } else if (nb) {
      CHECK_MPI(MPI_Ialltoallw(out, scounts, sbytes, types, in, rcounts, rbytes, types, s->inter,
                               &request));
    } else {
      CHECK_MPI(MPI_Alltoallw(out, scounts, sbytes, types, in, rcounts, rbytes, types, s->inter));
    }
    complete(nb, &request);
    for (int j = 0; j < q; ++j) {
      for (int i = 0; i < rcounts[j]; ++i) {
        CHECK_INT(in[rdispls[j] + i], value(s->remote_base + j, s->rank * 10 + i, 10 + w),
                  "%s: %s block %d[%d]", what, w ? "alltoallw" : "alltoallv", j, i);
      }
    }
  }
  free(in);
  free(out);
  free(types);
  free(rbytes);
  free(sbytes);
  free(rdispls);
  free(rcounts);
  free(sdispls);
  free(scounts);
}

static long long remote_sum(const Sides *s, long index) {
  long long sum = 0;
  for (int j = 0; j < s->remote_size; ++j) sum += (long long)(s->remote_base + j) * 1000 + index;
  return sum;
}

static void test_reductions(const Sides *s, int nb, int root_group, MPI_Op matrix,
                            MPI_Datatype matrix_type, const char *what) {
  enum { kCount = 6 };
  int p = s->size;
  int q = s->remote_size;
  long long in[kCount], out[kCount];
  for (int i = 0; i < kCount; ++i) in[i] = (long long)world_rank * 1000 + i;
  MPI_Request request;
  /* reduce */
  int root_rank = 0;
  int root = root_arg(s, root_group, root_rank);
  for (int i = 0; i < kCount; ++i) out[i] = -1;
  if (nb) {
    CHECK_MPI(MPI_Ireduce(in, out, kCount, MPI_LONG_LONG, MPI_SUM, root, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Reduce(in, out, kCount, MPI_LONG_LONG, MPI_SUM, root, s->inter));
  }
  complete(nb, &request);
  for (int i = 0; i < kCount; ++i) {
    long long expected = root == MPI_ROOT ? remote_sum(s, i) : -1;
    CHECK_INT(out[i], expected, "%s: reduce element %d (root arg %d)", what, i, root);
  }
  int mine[8], result[8], expected[4];
  for (int k = 0; k < 2; ++k) ic_matrix_of(world_rank, k, mine + 4 * k);
  for (int i = 0; i < 8; ++i) result[i] = -1;
  if (nb) {
    CHECK_MPI(MPI_Ireduce(mine, result, 2, matrix_type, matrix, root, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Reduce(mine, result, 2, matrix_type, matrix, root, s->inter));
  }
  complete(nb, &request);
  if (root == MPI_ROOT) {
    for (int k = 0; k < 2; ++k) {
      ic_remote_product(s, k, expected);
      for (int i = 0; i < 4; ++i) {
        CHECK_INT(result[4 * k + i], expected[i], "%s: non-commutative reduce %d[%d]", what, k, i);
      }
    }
  }
  /* allreduce */
  if (nb) {
    CHECK_MPI(MPI_Iallreduce(in, out, kCount, MPI_LONG_LONG, MPI_SUM, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Allreduce(in, out, kCount, MPI_LONG_LONG, MPI_SUM, s->inter));
  }
  complete(nb, &request);
  for (int i = 0; i < kCount; ++i) {
    CHECK_INT(out[i], remote_sum(s, i), "%s: allreduce element %d", what, i);
  }
  if (nb) {
    CHECK_MPI(MPI_Iallreduce(mine, result, 2, matrix_type, matrix, s->inter, &request));
  } else {
    CHECK_MPI(MPI_Allreduce(mine, result, 2, matrix_type, matrix, s->inter));
  }
  complete(nb, &request);
  for (int k = 0; k < 2; ++k) {
    ic_remote_product(s, k, expected);
    for (int i = 0; i < 4; ++i) {
      CHECK_INT(result[4 * k + i], expected[i], "%s: non-commutative allreduce %d[%d]", what, k, i);
    }
  }
  /* reduce_scatter: both groups reduce p*q elements; local rank i gets counts[i] of them
   * (q each, shifted by one between ranks 0 and 1 when there are two). */
  int total = p * q;
  int *counts = mp_malloc(sizeof(int) * (size_t)p);
  for (int i = 0; i < p; ++i) counts[i] = q + (p > 1 && i == 0) - (p > 1 && i == 1);
  long long *vector = mp_malloc(sizeof(long long) * (size_t)total);
  long long *block = mp_malloc(sizeof(long long) * (size_t)(q + 2));
  for (int i = 0; i < total; ++i) vector[i] = (long long)world_rank * 1000 + i;
  for (int b = 0; b < 2; ++b) {
    for (int i = 0; i < q + 2; ++i) block[i] = -1;
    int mine_count = b ? q : counts[s->rank];
    int offset = 0;
    for (int i = 0; i < s->rank; ++i) offset += b ? q : counts[i];
    if (b == 0 && nb) {
      CHECK_MPI(MPI_Ireduce_scatter(vector, block, counts, MPI_LONG_LONG, MPI_SUM, s->inter,
                                    &request));
    } else if (b == 0) {
      CHECK_MPI(MPI_Reduce_scatter(vector, block, counts, MPI_LONG_LONG, MPI_SUM, s->inter));
    } else if (nb) {
      CHECK_MPI(MPI_Ireduce_scatter_block(vector, block, q, MPI_LONG_LONG, MPI_SUM, s->inter,
                                          &request));
    } else {
      CHECK_MPI(MPI_Reduce_scatter_block(vector, block, q, MPI_LONG_LONG, MPI_SUM, s->inter));
    }
    complete(nb, &request);
    for (int i = 0; i < mine_count; ++i) {
      CHECK_INT(block[i], remote_sum(s, offset + i), "%s: reduce_scatter%s element %d", what,
                b ? "_block" : "", i);
    }
    CHECK_INT(block[mine_count], -1, "%s: reduce_scatter%s wrote past its block", what,
              b ? "_block" : "");
  }
  free(block);
  free(vector);
  free(counts);
}

/* A nonblocking barrier must return at once: group 0 starts it, then waits for a message
 * that group 1 sends only before entering the barrier itself. */
static void test_ibarrier_overlap(const Sides *s, int nb, const char *what) {
  MPI_Request request;
  if (!nb) {
    CHECK_MPI(MPI_Barrier(s->inter));
    return;
  }
  int token = world_rank;
  if (s->group == 0) {
    CHECK_MPI(MPI_Ibarrier(s->inter, &request));
    if (s->rank == 0) {
      int got = -1;
      CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, 0, 900, s->inter, MPI_STATUS_IGNORE));
      CHECK_INT(got, s->remote_base, "%s: token sent before the remote group's barrier", what);
    }
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  } else {
    if (s->rank == 0) CHECK_MPI(MPI_Send(&token, 1, MPI_INT, 0, 900, s->inter));
    CHECK_MPI(MPI_Ibarrier(s->inter, &request));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  }
}

static void test_errors(const Sides *s, const char *what) {
  CHECK_MPI(MPI_Comm_set_errhandler(s->inter, MPI_ERRORS_RETURN));
  int buffer[4] = {0, 0, 0, 0};
  CHECK_ERROR_CLASS(MPI_Bcast(buffer, 1, MPI_INT, s->remote_size, s->inter), MPI_ERR_ROOT,
                    "%s: bcast with root = remote size", what);
  CHECK_ERROR_CLASS(MPI_Bcast(buffer, 1, MPI_INT, -7, s->inter), MPI_ERR_ROOT,
                    "%s: bcast with root -7", what);
  CHECK_ERROR_CLASS(MPI_Reduce(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, s->remote_size + 3,
                               s->inter),
                    MPI_ERR_ROOT, "%s: reduce with root out of range", what);
  CHECK_ERROR_CLASS2(MPI_Allreduce(MPI_IN_PLACE, buffer, 1, MPI_INT, MPI_SUM, s->inter),
                     MPI_ERR_BUFFER, MPI_ERR_ARG, "%s: allreduce with MPI_IN_PLACE", what);
  CHECK_ERROR_CLASS2(MPI_Gather(MPI_IN_PLACE, 1, MPI_INT, buffer, 1, MPI_INT, 0, s->inter),
                     MPI_ERR_BUFFER, MPI_ERR_ARG, "%s: gather with MPI_IN_PLACE", what);
  if (!MP_MPICH_DEVIATION) {  /* MPICH 4.0.2 accepts it */
    CHECK_ERROR_CLASS2(MPI_Allgather(MPI_IN_PLACE, 1, MPI_INT, buffer, 1, MPI_INT, s->inter),
                       MPI_ERR_BUFFER, MPI_ERR_ARG, "%s: allgather with MPI_IN_PLACE", what);
  }
  CHECK_ERROR_CLASS(MPI_Scan(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, s->inter), MPI_ERR_COMM,
                    "%s: MPI_Scan on an intercommunicator", what);
  CHECK_ERROR_CLASS(MPI_Exscan(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, s->inter), MPI_ERR_COMM,
                    "%s: MPI_Exscan on an intercommunicator", what);
  MPI_Request request;
  CHECK_ERROR_CLASS(MPI_Iscan(buffer, buffer + 1, 1, MPI_INT, MPI_SUM, s->inter, &request),
                    MPI_ERR_COMM, "%s: MPI_Iscan on an intercommunicator", what);
  CHECK_MPI(MPI_Comm_set_errhandler(s->inter, MPI_ERRORS_ARE_FATAL));
  /* The failed calls took no part: a collective afterwards still works. */
  CHECK_MPI(MPI_Barrier(s->inter));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  world_rank = mp_world_rank();
  world_size = mp_world_size();
  if (ic_skip_single("intercomm_coll")) {
    CHECK_MPI(MPI_Finalize());
    return 0;
  }
  MPI_Op matrix;
  CHECK_MPI(MPI_Op_create(ic_matrix_product, 0, &matrix));
  MPI_Datatype matrix_type;
  CHECK_MPI(MPI_Type_contiguous(4, MPI_INT, &matrix_type));
  CHECK_MPI(MPI_Type_commit(&matrix_type));
  int cuts[4];
  int ncuts = ic_cuts(world_size, cuts);
  for (int c = 0; c < ncuts; ++c) {
    Sides s;
    ic_make(cuts[c], c % 2, &s);
    for (int nb = 0; nb < 2; ++nb) {
      char what[64];
      snprintf(what, sizeof what, "cut %d, %s", cuts[c], nb ? "nonblocking" : "blocking");
      test_ibarrier_overlap(&s, nb, what);
      for (int root_group = 0; root_group < 2; ++root_group) {
        test_bcast(&s, nb, root_group, what);
        test_gather_scatter(&s, nb, root_group, what);
        test_reductions(&s, nb, root_group, matrix, matrix_type, what);
      }
      test_allgather(&s, nb, what);
      test_alltoall(&s, nb, what);
    }
    test_errors(&s, "errors");
    ic_free(&s);
  }
  CHECK_MPI(MPI_Type_free(&matrix_type));
  CHECK_MPI(MPI_Op_free(&matrix));
  mp_report_ok("intercomm_coll");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
