/*
 * The large-count collectives (MPI-4.0 _c forms): every one, blocking, nonblocking
 * (MPI_I<coll>_c) and persistent (MPI_<Coll>_init_c, started twice), on MPI_COMM_WORLD and
 * a split communicator, with MPI_Count counts and MPI_Aint displacements of ordinary sizes,
 * and a few on an intercommunicator between the two halves of the world. Each result is
 * compared with a reference computed here. The v-forms place their blocks out of rank
 * order with gaps that must stay untouched; a strided datatype makes some buffers
 * non-contiguous. Errors: negative counts in scalars and arrays, and counts of more bytes
 * than the address space holds, are MPI_ERR_COUNT.
 *
 * Counts above INT_MAX are the business of tests/mp/large_count.c (suite 'large').
 */
#include <stdint.h>

#include "coll_common.h"

enum { kBlocking, kNonblocking, kPersistent, kModes };
static const char *const kModeNames[] = {"blocking", "nonblocking", "persistent"};

/* Counts per rank for the tests below: none, one, odd, and past the eager limit. */
static const MPI_Count kCounts[] = {0, 1, 7, 4500};
enum { kCountCases = 4 };

enum { kGap = 3 };
static const int kUntouched = kCollSentinel;

/* The value rank `rank` contributes at `index` (small: sums over ranks never overflow). */
static int value(int rank, MPI_Count index, int salt) {
  return (int)((rank * 31 + (int)(index % 101) * 7 + salt * 5) % 1000) + 1;
}

static int *ints(MPI_Count n, int fill) { return coll_ints((long)n, fill); }

/* Runs a request made by an _c call in `mode`: waits for it (nonblocking), or starts it
 * twice, waiting each time, and frees it (persistent). */
static void complete(int mode, MPI_Request *request) {
  if (mode == kNonblocking) {
    coll_wait(request, 0);
    return;
  }
  for (int round = 0; round < 2; ++round) {
    CHECK_MPI(MPI_Start(request));
    if (round == 0) {
      CHECK_MPI(MPI_Wait(request, MPI_STATUS_IGNORE));
    } else {
      int done = 0;
      while (!done) CHECK_MPI(MPI_Test(request, &done, MPI_STATUS_IGNORE));
    }
    CHECK(*request != MPI_REQUEST_NULL, "a persistent request stays allocated");
  }
  CHECK_MPI(MPI_Request_free(request));
}

/* Per-rank block layout of a v-collective: counts[j] = base + j % 3 elements, placed in
 * reverse rank order with kGap elements between blocks. Returns the buffer's length. */
static MPI_Count layout(int p, MPI_Count base, int shift, MPI_Count *counts, MPI_Aint *displs) {
  MPI_Count at = 1;
  for (int j = p - 1; j >= 0; --j) {
    counts[j] = base + (j + shift) % 3;
    displs[j] = (MPI_Aint)at;
    at += counts[j] + kGap;
  }
  return at;
}

/* ---- rooted collectives ---------------------------------------------------------------- */

static void test_bcast(const CollComm *cc, int mode, MPI_Count n, int root, MPI_Datatype strided) {
  /* Contiguous ints, then the strided type (every other int). */
  for (int kind = 0; kind < 2; ++kind) {
    const MPI_Datatype type = kind == 0 ? MPI_INT : strided;
    const MPI_Count stride = kind == 0 ? 1 : 2;
    int *buffer = ints(n * stride, kUntouched);
    if (cc->rank == root) {
      for (MPI_Count i = 0; i < n; ++i) buffer[i * stride] = value(root, i, 1);
    }
    MPI_Request request;
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Bcast_c(buffer, n, type, root, cc->comm));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Ibcast_c(buffer, n, type, root, cc->comm, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Bcast_init_c(buffer, n, type, root, cc->comm, MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
    for (MPI_Count i = 0; i < n * stride; ++i) {
      const int expected = i % stride == 0 ? value(root, i / stride, 1) : kUntouched;
      CHECK_INT(buffer[i], expected, "MPI_Bcast_c %s on %s, count %lld, root %d, element %lld",
                kModeNames[mode], cc->name, (long long)n, root, (long long)i);
    }
    free(buffer);
  }
}

static void test_gather(const CollComm *cc, int mode, MPI_Count n, int root) {
  const int p = cc->size;
  int *send = ints(n, 0);
  for (MPI_Count i = 0; i < n; ++i) send[i] = value(cc->rank, i, 2);
  int *recv = ints(n * p, kUntouched);
  MPI_Request request;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Gather_c(send, n, MPI_INT, recv, n, MPI_INT, root, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Igather_c(send, n, MPI_INT, recv, n, MPI_INT, root, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Gather_init_c(send, n, MPI_INT, recv, n, MPI_INT, root, cc->comm,
                                MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  if (cc->rank == root) {
    for (int j = 0; j < p; ++j) {
      for (MPI_Count i = 0; i < n; ++i) {
        CHECK_INT(recv[j * n + i], value(j, i, 2), "MPI_Gather_c %s on %s, count %lld, block %d",
                  kModeNames[mode], cc->name, (long long)n, j);
      }
    }
  }

  /* Scatter the same blocks back. */
  int *back = ints(n, kUntouched);
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Scatter_c(recv, n, MPI_INT, back, n, MPI_INT, root, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Iscatter_c(recv, n, MPI_INT, back, n, MPI_INT, root, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Scatter_init_c(recv, n, MPI_INT, back, n, MPI_INT, root, cc->comm,
                                 MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  for (MPI_Count i = 0; i < n; ++i) {
    CHECK_INT(back[i], value(cc->rank, i, 2), "MPI_Scatter_c %s on %s, count %lld",
              kModeNames[mode], cc->name, (long long)n);
  }
  free(back);
  free(recv);
  free(send);
}

static void test_gatherv(const CollComm *cc, int mode, MPI_Count n, int root) {
  const int p = cc->size;
  const int r = cc->rank;
  MPI_Count *counts = (MPI_Count *)mp_malloc(sizeof(MPI_Count) * (size_t)p);
  MPI_Aint *displs = (MPI_Aint *)mp_malloc(sizeof(MPI_Aint) * (size_t)p);
  const MPI_Count length = layout(p, n, 0, counts, displs);
  int *send = ints(counts[r], 0);
  for (MPI_Count i = 0; i < counts[r]; ++i) send[i] = value(r, i, 3);
  int *recv = ints(length, kUntouched);
  MPI_Request request;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Gatherv_c(send, counts[r], MPI_INT, recv, counts, displs, MPI_INT, root,
                            cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Igatherv_c(send, counts[r], MPI_INT, recv, counts, displs, MPI_INT, root,
                             cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Gatherv_init_c(send, counts[r], MPI_INT, recv, counts, displs, MPI_INT, root,
                                 cc->comm, MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  if (r == root) {
    int *expected = ints(length, kUntouched);
    for (int j = 0; j < p; ++j) {
      for (MPI_Count i = 0; i < counts[j]; ++i) expected[displs[j] + i] = value(j, i, 3);
    }
    for (MPI_Count i = 0; i < length; ++i) {
      CHECK_INT(recv[i], expected[i], "MPI_Gatherv_c %s on %s, base %lld, element %lld",
                kModeNames[mode], cc->name, (long long)n, (long long)i);
    }
    free(expected);
  }

  /* Scatterv the gathered blocks back; each rank gets its own. */
  int *back = ints(counts[r], kUntouched);
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Scatterv_c(recv, counts, displs, MPI_INT, back, counts[r], MPI_INT, root,
                             cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Iscatterv_c(recv, counts, displs, MPI_INT, back, counts[r], MPI_INT, root,
                              cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Scatterv_init_c(recv, counts, displs, MPI_INT, back, counts[r], MPI_INT, root,
                                  cc->comm, MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  for (MPI_Count i = 0; i < counts[r]; ++i) {
    CHECK_INT(back[i], value(r, i, 3), "MPI_Scatterv_c %s on %s, base %lld, element %lld",
              kModeNames[mode], cc->name, (long long)n, (long long)i);
  }
  free(back);
  free(recv);
  free(send);
  free(displs);
  free(counts);
}

/* ---- gather to all, all to all ---------------------------------------------------------- */

static void test_allgather(const CollComm *cc, int mode, MPI_Count n, MPI_Datatype strided) {
  const int p = cc->size;
  int *send = ints(n, 0);
  for (MPI_Count i = 0; i < n; ++i) send[i] = value(cc->rank, i, 4);
  /* Received through the strided type: every other int of the buffer. */
  int *recv = ints(2 * n * p, kUntouched);
  MPI_Request request;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Allgather_c(send, n, MPI_INT, recv, n, strided, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Iallgather_c(send, n, MPI_INT, recv, n, strided, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Allgather_init_c(send, n, MPI_INT, recv, n, strided, cc->comm, MPI_INFO_NULL,
                                   &request));
    complete(mode, &request);
  }
  for (int j = 0; j < p; ++j) {
    for (MPI_Count i = 0; i < n; ++i) {
      const MPI_Count at = 2 * (j * n + i);
      CHECK_INT(recv[at], value(j, i, 4), "MPI_Allgather_c %s on %s, count %lld, block %d",
                kModeNames[mode], cc->name, (long long)n, j);
      CHECK_INT(recv[at + 1], kUntouched, "MPI_Allgather_c %s gap", kModeNames[mode]);
    }
  }
  free(recv);
  free(send);
}

static void test_allgatherv(const CollComm *cc, int mode, MPI_Count n, int in_place) {
  const int p = cc->size;
  const int r = cc->rank;
  MPI_Count counts[64];
  MPI_Aint displs[64];
  const MPI_Count length = layout(p, n, 1, counts, displs);
  int *send = ints(counts[r], 0);
  for (MPI_Count i = 0; i < counts[r]; ++i) send[i] = value(r, i, 5);
  int *recv = ints(length, kUntouched);
  if (in_place) {
    for (MPI_Count i = 0; i < counts[r]; ++i) recv[displs[r] + i] = send[i];
  }
  const void *source = in_place ? MPI_IN_PLACE : send;
  MPI_Request request;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Allgatherv_c(source, counts[r], MPI_INT, recv, counts, displs, MPI_INT,
                               cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Iallgatherv_c(source, counts[r], MPI_INT, recv, counts, displs, MPI_INT,
                                cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Allgatherv_init_c(source, counts[r], MPI_INT, recv, counts, displs, MPI_INT,
                                    cc->comm, MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  int *expected = ints(length, kUntouched);
  for (int j = 0; j < p; ++j) {
    for (MPI_Count i = 0; i < counts[j]; ++i) expected[displs[j] + i] = value(j, i, 5);
  }
  for (MPI_Count i = 0; i < length; ++i) {
    CHECK_INT(recv[i], expected[i], "MPI_Allgatherv_c %s%s on %s, base %lld, element %lld",
              kModeNames[mode], in_place ? " in place" : "", cc->name, (long long)n,
              (long long)i);
  }
  free(expected);
  free(recv);
  free(send);
}

/* What rank `from` sends rank `to` at `index` in the all-to-all tests. */
static int pair_value(int from, int to, MPI_Count index) { return value(from * 64 + to, index, 6); }

static void test_alltoall(const CollComm *cc, int mode, MPI_Count n) {
  const int p = cc->size;
  const int r = cc->rank;
  int *send = ints(n * p, 0);
  for (int j = 0; j < p; ++j) {
    for (MPI_Count i = 0; i < n; ++i) send[j * n + i] = pair_value(r, j, i);
  }
  int *recv = ints(n * p, kUntouched);
  MPI_Request request;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Alltoall_c(send, n, MPI_INT, recv, n, MPI_INT, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Ialltoall_c(send, n, MPI_INT, recv, n, MPI_INT, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Alltoall_init_c(send, n, MPI_INT, recv, n, MPI_INT, cc->comm, MPI_INFO_NULL,
                                  &request));
    complete(mode, &request);
  }
  for (int j = 0; j < p; ++j) {
    for (MPI_Count i = 0; i < n; ++i) {
      CHECK_INT(recv[j * n + i], pair_value(j, r, i),
                "MPI_Alltoall_c %s on %s, count %lld, block from %d", kModeNames[mode], cc->name,
                (long long)n, j);
    }
  }
  free(recv);
  free(send);
}

/* Alltoallv_c, or with `w` Alltoallw_c (byte displacements, a datatype per peer: MPI_INT,
 * and the strided type for receives from odd ranks). Rank j sends rank k base + (j + k) % 3
 * elements. */
static void test_alltoallvw(const CollComm *cc, int mode, MPI_Count n, int w,
                            MPI_Datatype strided) {
  const int p = cc->size;
  const int r = cc->rank;
  MPI_Count scounts[64], rcounts[64];
  MPI_Aint sdispls[64], rdispls[64];
  MPI_Datatype stypes[64], rtypes[64];
  MPI_Count slength = 1, rlength = 1;
  for (int j = p - 1; j >= 0; --j) {
    scounts[j] = n + (r + j) % 3;
    rcounts[j] = n + (j + r) % 3;
    const MPI_Count rstride = w && j % 2 == 1 ? 2 : 1;
    sdispls[j] = (MPI_Aint)slength;
    rdispls[j] = (MPI_Aint)rlength;
    slength += scounts[j] + kGap;
    rlength += rcounts[j] * rstride + kGap;
    stypes[j] = MPI_INT;
    rtypes[j] = rstride == 2 ? strided : MPI_INT;
  }
  int *send = ints(slength, 0);
  for (int j = 0; j < p; ++j) {
    for (MPI_Count i = 0; i < scounts[j]; ++i) send[sdispls[j] + i] = pair_value(r, j, i);
  }
  int *recv = ints(rlength, kUntouched);
  MPI_Request request;
  if (w) {
    MPI_Aint sbytes[64], rbytes[64];
    for (int j = 0; j < p; ++j) {
      sbytes[j] = sdispls[j] * (MPI_Aint)sizeof(int);
      rbytes[j] = rdispls[j] * (MPI_Aint)sizeof(int);
    }
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Alltoallw_c(send, scounts, sbytes, stypes, recv, rcounts, rbytes, rtypes,
                                cc->comm));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Ialltoallw_c(send, scounts, sbytes, stypes, recv, rcounts, rbytes, rtypes,
                                 cc->comm, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Alltoallw_init_c(send, scounts, sbytes, stypes, recv, rcounts, rbytes,
                                     rtypes, cc->comm, MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
  } else if (mode == kBlocking) {
    CHECK_MPI(MPI_Alltoallv_c(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT,
                              cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Ialltoallv_c(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT,
                               cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Alltoallv_init_c(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls,
                                   MPI_INT, cc->comm, MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  int *expected = ints(rlength, kUntouched);
  for (int j = 0; j < p; ++j) {
    const MPI_Count stride = rtypes[j] == strided ? 2 : 1;
    for (MPI_Count i = 0; i < rcounts[j]; ++i) {
      expected[rdispls[j] + i * stride] = pair_value(j, r, i);
    }
  }
  for (MPI_Count i = 0; i < rlength; ++i) {
    CHECK_INT(recv[i], expected[i], "%s %s on %s, base %lld, element %lld",
              w ? "MPI_Alltoallw_c" : "MPI_Alltoallv_c", kModeNames[mode], cc->name,
              (long long)n, (long long)i);
  }
  free(expected);
  free(recv);
  free(send);
}

/* ---- reductions ------------------------------------------------------------------------- */

/* The sum over ranks first..last of value(rank, index, salt). */
static int sum_over(int first, int last, MPI_Count index, int salt) {
  int sum = 0;
  for (int j = first; j <= last; ++j) sum += value(j, index, salt);
  return sum;
}

static void test_reduce(const CollComm *cc, int mode, MPI_Count n, int root) {
  const int p = cc->size;
  int *send = ints(n, 0);
  for (MPI_Count i = 0; i < n; ++i) send[i] = value(cc->rank, i, 7);
  int *recv = ints(n, kUntouched);
  MPI_Request request;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Reduce_c(send, recv, n, MPI_INT, MPI_SUM, root, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Ireduce_c(send, recv, n, MPI_INT, MPI_SUM, root, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Reduce_init_c(send, recv, n, MPI_INT, MPI_SUM, root, cc->comm, MPI_INFO_NULL,
                                &request));
    complete(mode, &request);
  }
  for (MPI_Count i = 0; i < n; ++i) {
    const int expected = cc->rank == root ? sum_over(0, p - 1, i, 7) : kUntouched;
    CHECK_INT(recv[i], expected, "MPI_Reduce_c %s on %s, count %lld, root %d, element %lld",
              kModeNames[mode], cc->name, (long long)n, root, (long long)i);
  }
  free(recv);
  free(send);
}

static void test_allreduce(const CollComm *cc, int mode, MPI_Count n, int in_place) {
  const int p = cc->size;
  int *send = ints(n, 0);
  int *recv = ints(n, kUntouched);
  for (MPI_Count i = 0; i < n; ++i) (in_place ? recv : send)[i] = value(cc->rank, i, 8);
  MPI_Request request;
  const void *source = in_place ? MPI_IN_PLACE : send;
  if (mode == kBlocking) {
    CHECK_MPI(MPI_Allreduce_c(source, recv, n, MPI_INT, MPI_SUM, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Iallreduce_c(source, recv, n, MPI_INT, MPI_SUM, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Allreduce_init_c(source, recv, n, MPI_INT, MPI_SUM, cc->comm, MPI_INFO_NULL,
                                   &request));
    complete(mode, &request);
  }
  for (MPI_Count i = 0; i < n; ++i) {
    CHECK_INT(recv[i], sum_over(0, p - 1, i, 8), "MPI_Allreduce_c %s%s on %s, count %lld",
              kModeNames[mode], in_place ? " in place" : "", cc->name, (long long)n);
  }
  free(recv);
  free(send);
}

static void test_reduce_scatter(const CollComm *cc, int mode, MPI_Count n, int block) {
  const int p = cc->size;
  const int r = cc->rank;
  MPI_Count counts[64];
  MPI_Count total = 0;
  for (int j = 0; j < p; ++j) {
    counts[j] = block ? n : n + j % 2;
    total += counts[j];
  }
  MPI_Count mine_at = 0;
  for (int j = 0; j < r; ++j) mine_at += counts[j];
  int *send = ints(total, 0);
  for (MPI_Count i = 0; i < total; ++i) send[i] = value(r, i, 9);
  int *recv = ints(counts[r] + 1, kUntouched);
  MPI_Request request;
  if (block) {
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Reduce_scatter_block_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm));
    } else if (mode == kNonblocking) {
      CHECK_MPI(
          MPI_Ireduce_scatter_block_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Reduce_scatter_block_init_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm,
                                                MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
  } else if (mode == kBlocking) {
    CHECK_MPI(MPI_Reduce_scatter_c(send, recv, counts, MPI_INT, MPI_SUM, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Ireduce_scatter_c(send, recv, counts, MPI_INT, MPI_SUM, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(MPI_Reduce_scatter_init_c(send, recv, counts, MPI_INT, MPI_SUM, cc->comm,
                                        MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  for (MPI_Count i = 0; i < counts[r]; ++i) {
    CHECK_INT(recv[i], sum_over(0, p - 1, mine_at + i, 9), "%s %s on %s, base %lld, element %lld",
              block ? "MPI_Reduce_scatter_block_c" : "MPI_Reduce_scatter_c", kModeNames[mode],
              cc->name, (long long)n, (long long)i);
  }
  CHECK_INT(recv[counts[r]], kUntouched, "reduce_scatter_c wrote past its block");
  free(recv);
  free(send);
}

static void test_scan(const CollComm *cc, int mode, MPI_Count n, int exclusive) {
  const int r = cc->rank;
  int *send = ints(n, 0);
  for (MPI_Count i = 0; i < n; ++i) send[i] = value(r, i, 10);
  int *recv = ints(n, kUntouched);
  MPI_Request request;
  if (exclusive) {
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Exscan_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Iexscan_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Exscan_init_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm, MPI_INFO_NULL,
                                  &request));
      complete(mode, &request);
    }
  } else if (mode == kBlocking) {
    CHECK_MPI(MPI_Scan_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm));
  } else if (mode == kNonblocking) {
    CHECK_MPI(MPI_Iscan_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm, &request));
    complete(mode, &request);
  } else {
    CHECK_MPI(
        MPI_Scan_init_c(send, recv, n, MPI_INT, MPI_SUM, cc->comm, MPI_INFO_NULL, &request));
    complete(mode, &request);
  }
  if (!(exclusive && r == 0)) {
    for (MPI_Count i = 0; i < n; ++i) {
      CHECK_INT(recv[i], sum_over(0, exclusive ? r - 1 : r, i, 10),
                "%s %s on %s, count %lld, element %lld", exclusive ? "MPI_Exscan_c" : "MPI_Scan_c",
                kModeNames[mode], cc->name, (long long)n, (long long)i);
    }
  }
  free(recv);
  free(send);
}

/* ---- on an intercommunicator ------------------------------------------------------------ */

/* The two halves of the world (even and odd ranks) joined by an intercommunicator. */
static void test_intercomm(int mode) {
  const int world_rank = mp_world_rank();
  const int world_size = mp_world_size();
  if (world_size < 2) return;
  MPI_Comm local, inter;
  const int color = world_rank % 2;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, color, world_rank, &local));
  CHECK_MPI(MPI_Intercomm_create(local, 0, MPI_COMM_WORLD, 1 - color, 41, &inter));
  int r = 0, q = 0;
  MPI_Comm_rank(inter, &r);
  MPI_Comm_remote_size(inter, &q);
  const MPI_Count n = 9;
  MPI_Request request;

  /* Bcast_c from rank 0 of the even group. */
  {
    int *buffer = ints(n, kUntouched);
    int root = MPI_PROC_NULL;
    if (color == 0) {
      root = r == 0 ? MPI_ROOT : MPI_PROC_NULL;
      if (r == 0) {
        for (MPI_Count i = 0; i < n; ++i) buffer[i] = value(100, i, 11);
      }
    } else {
      root = 0;
    }
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Bcast_c(buffer, n, MPI_INT, root, inter));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Ibcast_c(buffer, n, MPI_INT, root, inter, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Bcast_init_c(buffer, n, MPI_INT, root, inter, MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
    for (MPI_Count i = 0; i < n; ++i) {
      const int expected = color == 1 || r == 0 ? value(100, i, 11) : kUntouched;
      CHECK_INT(buffer[i], expected, "MPI_Bcast_c %s on an intercommunicator", kModeNames[mode]);
    }
    free(buffer);
  }

  /* Allgatherv_c: each process sends base + rank % 3 elements; receives the remote group's
   * blocks, out of order with gaps. */
  {
    MPI_Count counts[64];
    MPI_Aint displs[64];
    const MPI_Count length = layout(q, n, 0, counts, displs);
    const MPI_Count mine = n + r % 3;
    int *send = ints(mine, 0);
    for (MPI_Count i = 0; i < mine; ++i) send[i] = value(color * 64 + r, i, 12);
    int *recv = ints(length, kUntouched);
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Allgatherv_c(send, mine, MPI_INT, recv, counts, displs, MPI_INT, inter));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Iallgatherv_c(send, mine, MPI_INT, recv, counts, displs, MPI_INT, inter,
                                  &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Allgatherv_init_c(send, mine, MPI_INT, recv, counts, displs, MPI_INT, inter,
                                      MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
    int *expected = ints(length, kUntouched);
    for (int j = 0; j < q; ++j) {
      for (MPI_Count i = 0; i < counts[j]; ++i) {
        expected[displs[j] + i] = value((1 - color) * 64 + j, i, 12);
      }
    }
    for (MPI_Count i = 0; i < length; ++i) {
      CHECK_INT(recv[i], expected[i], "MPI_Allgatherv_c %s on an intercommunicator, element %lld",
                kModeNames[mode], (long long)i);
    }
    free(expected);
    free(recv);
    free(send);
  }

  /* Allreduce_c: each group gets the sum over the other group. */
  {
    int *send = ints(n, 0);
    int *recv = ints(n, kUntouched);
    for (MPI_Count i = 0; i < n; ++i) send[i] = value(world_rank, i, 13);
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Allreduce_c(send, recv, n, MPI_INT, MPI_SUM, inter));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Iallreduce_c(send, recv, n, MPI_INT, MPI_SUM, inter, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Allreduce_init_c(send, recv, n, MPI_INT, MPI_SUM, inter, MPI_INFO_NULL,
                                     &request));
      complete(mode, &request);
    }
    for (MPI_Count i = 0; i < n; ++i) {
      int expected = 0;
      for (int j = 1 - color; j < world_size; j += 2) expected += value(j, i, 13);
      CHECK_INT(recv[i], expected, "MPI_Allreduce_c %s on an intercommunicator",
                kModeNames[mode]);
    }
    free(recv);
    free(send);
  }

  /* Alltoallv_c: to remote rank j, base + (r + j) % 2 elements. */
  {
    MPI_Count scounts[64], rcounts[64];
    MPI_Aint sdispls[64], rdispls[64];
    MPI_Count slength = 0, rlength = 0;
    for (int j = 0; j < q; ++j) {
      scounts[j] = n + (r + j) % 2;
      rcounts[j] = n + (j + r) % 2;
      sdispls[j] = (MPI_Aint)slength;
      rdispls[j] = (MPI_Aint)rlength + 1;
      slength += scounts[j];
      rlength += rcounts[j] + 1;
    }
    rlength += 1;
    int *send = ints(slength, 0);
    for (int j = 0; j < q; ++j) {
      for (MPI_Count i = 0; i < scounts[j]; ++i) {
        send[sdispls[j] + i] = pair_value(color * 32 + r, (1 - color) * 32 + j, i);
      }
    }
    int *recv = ints(rlength, kUntouched);
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Alltoallv_c(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls, MPI_INT,
                                inter));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Ialltoallv_c(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls,
                                 MPI_INT, inter, &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Alltoallv_init_c(send, scounts, sdispls, MPI_INT, recv, rcounts, rdispls,
                                     MPI_INT, inter, MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
    int *expected = ints(rlength, kUntouched);
    for (int j = 0; j < q; ++j) {
      for (MPI_Count i = 0; i < rcounts[j]; ++i) {
        expected[rdispls[j] + i] = pair_value((1 - color) * 32 + j, color * 32 + r, i);
      }
    }
    for (MPI_Count i = 0; i < rlength; ++i) {
      CHECK_INT(recv[i], expected[i], "MPI_Alltoallv_c %s on an intercommunicator, element %lld",
                kModeNames[mode], (long long)i);
    }
    free(expected);
    free(recv);
    free(send);
  }

  /* Reduce_scatter_block_c: the local group gets the remote group's sum, n per process. */
  {
    int local_size = 0;
    MPI_Comm_size(inter, &local_size);
    int *send = ints(n * q, 0);
    for (MPI_Count i = 0; i < n * q; ++i) send[i] = value(world_rank, i, 14);
    int *recv = ints(n, kUntouched);
    /* Both groups must agree on the total: each sends n x (remote size) elements and
     * receives n; the standard asks for n x (local size) of the other group, so use the
     * remote group's view: each group's blocks are n elements per local process. */
    if (local_size == q) {
      if (mode == kBlocking) {
        CHECK_MPI(MPI_Reduce_scatter_block_c(send, recv, n, MPI_INT, MPI_SUM, inter));
      } else if (mode == kNonblocking) {
        CHECK_MPI(MPI_Ireduce_scatter_block_c(send, recv, n, MPI_INT, MPI_SUM, inter, &request));
        complete(mode, &request);
      } else {
        CHECK_MPI(MPI_Reduce_scatter_block_init_c(send, recv, n, MPI_INT, MPI_SUM, inter,
                                                  MPI_INFO_NULL, &request));
        complete(mode, &request);
      }
      for (MPI_Count i = 0; i < n; ++i) {
        int expected = 0;
        for (int j = 1 - color; j < world_size; j += 2) expected += value(j, r * n + i, 14);
        CHECK_INT(recv[i], expected, "MPI_Reduce_scatter_block_c %s on an intercommunicator",
                  kModeNames[mode]);
      }
    }
    free(recv);
    free(send);
  }

  /* Gatherv_c to rank 0 of the odd group, then Scatterv_c back. */
  {
    MPI_Count counts[64];
    MPI_Aint displs[64];
    const MPI_Count length = layout(q, n, 2, counts, displs);
    const int at_root = color == 1 && r == 0;
    const int root = color == 0 ? 0 : (r == 0 ? MPI_ROOT : MPI_PROC_NULL);
    const MPI_Count mine = n + (r + 2) % 3;
    int *send = ints(mine, 0);
    for (MPI_Count i = 0; i < mine; ++i) send[i] = value(r, i, 15);
    int *recv = ints(length, kUntouched);
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Gatherv_c(send, mine, MPI_INT, recv, counts, displs, MPI_INT, root, inter));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Igatherv_c(send, mine, MPI_INT, recv, counts, displs, MPI_INT, root, inter,
                               &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Gatherv_init_c(send, mine, MPI_INT, recv, counts, displs, MPI_INT, root,
                                   inter, MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
    if (at_root) {
      int *expected = ints(length, kUntouched);
      for (int j = 0; j < q; ++j) {
        for (MPI_Count i = 0; i < counts[j]; ++i) expected[displs[j] + i] = value(j, i, 15);
      }
      for (MPI_Count i = 0; i < length; ++i) {
        CHECK_INT(recv[i], expected[i], "MPI_Gatherv_c %s on an intercommunicator",
                  kModeNames[mode]);
      }
      free(expected);
    }
    int *back = ints(mine, kUntouched);
    if (mode == kBlocking) {
      CHECK_MPI(MPI_Scatterv_c(recv, counts, displs, MPI_INT, back, mine, MPI_INT, root, inter));
    } else if (mode == kNonblocking) {
      CHECK_MPI(MPI_Iscatterv_c(recv, counts, displs, MPI_INT, back, mine, MPI_INT, root, inter,
                                &request));
      complete(mode, &request);
    } else {
      CHECK_MPI(MPI_Scatterv_init_c(recv, counts, displs, MPI_INT, back, mine, MPI_INT, root,
                                    inter, MPI_INFO_NULL, &request));
      complete(mode, &request);
    }
    if (color == 0) {
      for (MPI_Count i = 0; i < mine; ++i) {
        CHECK_INT(back[i], value(r, i, 15), "MPI_Scatterv_c %s on an intercommunicator",
                  kModeNames[mode]);
      }
    }
    free(back);
    free(recv);
    free(send);
  }

  CHECK_MPI(MPI_Comm_free(&inter));
  CHECK_MPI(MPI_Comm_free(&local));
}

/* ---- errors ----------------------------------------------------------------------------- */

static void test_errors(void) {
  const int p = mp_world_size();
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  int scratch[4] = {0, 0, 0, 0};
  CHECK_ERROR_CLASS(MPI_Bcast_c(scratch, -1, MPI_INT, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
                    "MPI_Bcast_c with count -1");
  /* More elements than the address space holds. */
  CHECK_ERROR_CLASS(MPI_Bcast_c(scratch, (MPI_Count)1 << 62, MPI_INT, 0, MPI_COMM_WORLD),
                    MPI_ERR_COUNT, "MPI_Bcast_c of 2^62 ints");
  MPI_Request request = MPI_REQUEST_NULL;
  CHECK_ERROR_CLASS(MPI_Iallgather_c(scratch, 1, MPI_INT, scratch + 2, INT64_MAX / 2, MPI_INT,
                                     MPI_COMM_WORLD, &request),
                    MPI_ERR_COUNT, "MPI_Iallgather_c with recvcount 2^62");
  CHECK_ERROR_CLASS(MPI_Allreduce_init_c(scratch, scratch + 2, -5, MPI_INT, MPI_SUM,
                                         MPI_COMM_WORLD, MPI_INFO_NULL, &request),
                    MPI_ERR_COUNT, "MPI_Allreduce_init_c with count -5");
  MPI_Count *counts = (MPI_Count *)mp_malloc(sizeof(MPI_Count) * (size_t)p);
  MPI_Aint *displs = (MPI_Aint *)mp_malloc(sizeof(MPI_Aint) * (size_t)p);
  for (int j = 0; j < p; ++j) {
    counts[j] = 0;
    displs[j] = 0;
  }
  counts[p - 1] = -((MPI_Count)1 << 40); /* negative beyond what an int holds */
  /* Significant at the root only: every process is the root of its own MPI_COMM_SELF. */
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  MPI_Count self_count = -((MPI_Count)1 << 40);
  MPI_Aint self_displ = 0;
  CHECK_ERROR_CLASS(MPI_Gatherv_c(scratch, 0, MPI_INT, scratch + 2, &self_count, &self_displ,
                                  MPI_INT, 0, MPI_COMM_SELF),
                    MPI_ERR_COUNT, "MPI_Gatherv_c with recvcounts[0] = -2^40");
  self_count = (MPI_Count)1 << 61;
  CHECK_ERROR_CLASS(MPI_Gatherv_c(scratch, 0, MPI_INT, scratch + 2, &self_count, &self_displ,
                                  MPI_INT, 0, MPI_COMM_SELF),
                    MPI_ERR_COUNT, "MPI_Gatherv_c with recvcounts[0] = 2^61 ints");
  CHECK_ERROR_CLASS(MPI_Ialltoallv_c(scratch, counts, displs, MPI_INT, scratch, counts, displs,
                                     MPI_INT, MPI_COMM_WORLD, &request),
                    MPI_ERR_COUNT, "MPI_Ialltoallv_c with a count of -2^40");
  MPI_Datatype types[64];
  for (int j = 0; j < p; ++j) types[j] = MPI_INT;
  CHECK_ERROR_CLASS(MPI_Alltoallw_c(scratch, counts, displs, types, scratch + 2, counts, displs,
                                    types, MPI_COMM_WORLD),
                    MPI_ERR_COUNT, "MPI_Alltoallw_c with a count of -2^40");
  counts[p - 1] = (MPI_Count)1 << 61;
  CHECK_ERROR_CLASS(MPI_Alltoallw_c(scratch, counts, displs, types, scratch + 2, counts, displs,
                                    types, MPI_COMM_WORLD),
                    MPI_ERR_COUNT, "MPI_Alltoallw_c with a count of 2^61 ints");
  free(displs);
  free(counts);
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  CHECK(mp_world_size() <= 64, "this test's per-rank arrays hold at most 64 ranks");
  CollComm comms[2];
  const int ncomms = coll_comms(comms);
  MPI_Datatype strided = coll_strided_int();
  for (int c = 0; c < ncomms; ++c) {
    const CollComm *cc = &comms[c];
    int roots[3];
    const int nroots = coll_roots(cc->size, roots);
    for (int mode = 0; mode < kModes; ++mode) {
      for (int k = 0; k < kCountCases; ++k) {
        const MPI_Count n = kCounts[k];
        for (int i = 0; i < nroots; ++i) {
          test_bcast(cc, mode, n, roots[i], strided);
          test_gather(cc, mode, n, roots[i]);
          test_gatherv(cc, mode, n, roots[i]);
          test_reduce(cc, mode, n, roots[i]);
        }
        test_allgather(cc, mode, n, strided);
        test_allgatherv(cc, mode, n, 0);
        test_alltoall(cc, mode, n);
        test_alltoallvw(cc, mode, n, 0, strided);
        test_alltoallvw(cc, mode, n, 1, strided);
        test_allreduce(cc, mode, n, 0);
        test_reduce_scatter(cc, mode, n, 0);
        test_reduce_scatter(cc, mode, n, 1);
        test_scan(cc, mode, n, 0);
        test_scan(cc, mode, n, 1);
        if (mode != kPersistent) {
          /* In place changes the input, so a second persistent round would not repeat. */
          test_allgatherv(cc, mode, n, 1);
          test_allreduce(cc, mode, n, 1);
        }
      }
    }
  }
  for (int mode = 0; mode < kModes; ++mode) test_intercomm(mode);
  test_errors();
  CHECK_MPI(MPI_Type_free(&strided));
  coll_free_comms(comms);
  mp_report_ok("coll_large_count");
  MPI_Finalize();
  return 0;
}
