/*
 * MPI_Reduce_scatter, MPI_Reduce_scatter_block, MPI_Scan, MPI_Exscan and their nonblocking
 * forms: MPI_SUM on ints, MPI_MAX on doubles, MPI_MAXLOC on MPI_2INT (with ties), per-rank
 * counts that vary and include zero, counts above the eager limit, MPI_IN_PLACE, on the
 * world and on a split communicator. References are computed here in rank order.
 */
#include "coll_common.h"

typedef struct { int value; int index; } IntInt;

typedef enum { kSum, kMax, kMaxloc } Kind;

static const char *kind_name(Kind kind) {
  return kind == kSum ? "MPI_INT/MPI_SUM" : kind == kMax ? "MPI_DOUBLE/MPI_MAX" : "MPI_2INT/MPI_MAXLOC";
}

/* Every element is stored as a 2-int slot so one buffer layout serves all three kinds. */
static IntInt element(Kind kind, int rank, long index, int salt) {
  const int pattern = mp_pattern_int(rank, index, salt);
  IntInt e = {0, 0};
  switch (kind) {
    case kSum: e.value = pattern % 20000 - 10000; break;
    case kMax: e.value = pattern % 777; break;
    case kMaxloc: e.value = pattern % 4; e.index = (rank * 5 + (int)index) % 9; break;
  }
  return e;
}

static IntInt combine(Kind kind, IntInt in, IntInt inout) {
  switch (kind) {
    case kSum: inout.value += in.value; break;
    case kMax: if (in.value > inout.value) inout.value = in.value; break;
    case kMaxloc:
      if (in.value > inout.value || (in.value == inout.value && in.index < inout.index)) inout = in;
      break;
  }
  return inout;
}

/* MPI views of the buffers: ints, doubles (one per slot pair, values exact) or 2INT pairs. */
typedef struct {
  MPI_Datatype type;
  MPI_Op op;
  size_t size;
} View;

static View view_of(Kind kind) {
  switch (kind) {
    case kSum: return (View){MPI_INT, MPI_SUM, sizeof(int)};
    case kMax: return (View){MPI_DOUBLE, MPI_MAX, sizeof(double)};
    default: return (View){MPI_2INT, MPI_MAXLOC, sizeof(IntInt)};
  }
}

static void store(Kind kind, void *buffer, long i, IntInt e) {
  switch (kind) {
    case kSum: ((int *)buffer)[i] = e.value; break;
    case kMax: ((double *)buffer)[i] = (double)e.value; break;
    case kMaxloc: ((IntInt *)buffer)[i] = e; break;
  }
}

static IntInt load(Kind kind, const void *buffer, long i) {
  IntInt e = {0, 0};
  switch (kind) {
    case kSum: e.value = ((const int *)buffer)[i]; break;
    case kMax: e.value = (int)((const double *)buffer)[i]; break;
    case kMaxloc: e = ((const IntInt *)buffer)[i]; break;
  }
  return e;
}

static void *vector(Kind kind, long count) {
  return mp_malloc(view_of(kind).size * (size_t)(count > 0 ? count : 1));
}

/* Reduction over ranks [first, last] of element i, folded in rank order. */
static IntInt reduce_range(Kind kind, int first, int last, long i, int salt) {
  IntInt acc = element(kind, last, i, salt);
  for (int r = last - 1; r >= first; --r) acc = combine(kind, element(kind, r, i, salt), acc);
  return acc;
}

static void expect(Kind kind, const void *got, long i, IntInt want, const char *what,
                   const CollComm *c, long count) {
  const IntInt e = load(kind, got, i);
  if (e.value != want.value || (kind == kMaxloc && e.index != want.index)) {
    mp_fail(__FILE__, __LINE__, "wrong result",
            "%s %s on %s (%d ranks), count %ld: element %ld is (%d,%d), expected (%d,%d)", what,
            kind_name(kind), c->name, c->size, count, i, e.value, e.index, want.value, want.index);
  }
}

static void check_reduce_scatter(const CollComm *c, Kind kind, int base, int block, int in_place,
                                 int nonblocking) {
  const View v = view_of(kind);
  const int salt = base * 3 + block;
  int *counts = coll_ints(c->size, 0);
  long total = 0;
  long before = 0;
  int mine = 0;
  for (int r = 0; r < c->size; ++r) {
    counts[r] = block ? base : (r % 4 == 1 ? 0 : base + r);
    if (r < c->rank) before += counts[r];
    if (r == c->rank) mine = counts[r];
    total += counts[r];
  }
  void *send = vector(kind, total);
  void *recv = vector(kind, in_place ? total : mine);
  void *source = in_place ? recv : send;
  for (long i = 0; i < total; ++i) store(kind, source, i, element(kind, c->rank, i, salt));
  const void *sendbuf = in_place ? MPI_IN_PLACE : send;
  MPI_Request request;
  if (block && nonblocking) {
    CHECK_MPI(MPI_Ireduce_scatter_block(sendbuf, recv, base, v.type, v.op, c->comm, &request));
    coll_wait(&request, base % 2);
  } else if (block) {
    CHECK_MPI(MPI_Reduce_scatter_block(sendbuf, recv, base, v.type, v.op, c->comm));
  } else if (nonblocking) {
    CHECK_MPI(MPI_Ireduce_scatter(sendbuf, recv, counts, v.type, v.op, c->comm, &request));
    coll_wait(&request, base % 2);
  } else {
    CHECK_MPI(MPI_Reduce_scatter(sendbuf, recv, counts, v.type, v.op, c->comm));
  }
  const char *what = block ? (in_place ? "MPI_Reduce_scatter_block in place" : "MPI_Reduce_scatter_block")
                           : (in_place ? "MPI_Reduce_scatter in place" : "MPI_Reduce_scatter");
  for (long i = 0; i < mine; ++i) {
    expect(kind, recv, i, reduce_range(kind, 0, c->size - 1, before + i, salt), what, c, mine);
  }
  free(send);
  free(recv);
  free(counts);
}

static void check_scan(const CollComm *c, Kind kind, int count, int exclusive, int in_place,
                       int nonblocking) {
  const View v = view_of(kind);
  const int salt = count * 5 + exclusive;
  void *send = vector(kind, count);
  void *recv = vector(kind, count);
  void *source = in_place ? recv : send;
  for (long i = 0; i < count; ++i) store(kind, source, i, element(kind, c->rank, i, salt));
  /* Exscan must leave rank 0's buffer alone when it is not in place. */
  if (!in_place) {
    for (long i = 0; i < count; ++i) store(kind, recv, i, (IntInt){-4242, -1});
  }
  const void *sendbuf = in_place ? MPI_IN_PLACE : send;
  MPI_Request request;
  if (nonblocking) {
    if (exclusive) {
      CHECK_MPI(MPI_Iexscan(sendbuf, recv, count, v.type, v.op, c->comm, &request));
    } else {
      CHECK_MPI(MPI_Iscan(sendbuf, recv, count, v.type, v.op, c->comm, &request));
    }
    coll_wait(&request, count % 2);
  } else if (exclusive) {
    CHECK_MPI(MPI_Exscan(sendbuf, recv, count, v.type, v.op, c->comm));
  } else {
    CHECK_MPI(MPI_Scan(sendbuf, recv, count, v.type, v.op, c->comm));
  }
  const char *what = exclusive ? "MPI_Exscan" : "MPI_Scan";
  const int last = exclusive ? c->rank - 1 : c->rank;
  for (long i = 0; i < count; ++i) {
    if (last >= 0) {
      expect(kind, recv, i, reduce_range(kind, 0, last, i, salt), what, c, count);
    } else if (!in_place) {
      expect(kind, recv, i, (IntInt){-4242, -1}, "MPI_Exscan leaves rank 0 alone", c, count);
    }
  }
  free(send);
  free(recv);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CollComm comms[2];
  const int n = coll_comms(comms);
  for (int k = 0; k < n; ++k) {
    const CollComm *c = &comms[k];
    for (int kind = kSum; kind <= kMaxloc; ++kind) {
      for (int ci = 0; ci < kCollCountCases; ++ci) {
        const int count = kCollCounts[ci];
        for (int variant = 0; variant < 4; ++variant) {
          const int in_place = variant & 1;
          const int nonblocking = variant == 2;
          check_reduce_scatter(c, (Kind)kind, count, 0, in_place, nonblocking);
          check_reduce_scatter(c, (Kind)kind, count, 1, in_place, nonblocking);
          check_scan(c, (Kind)kind, count, 0, in_place, nonblocking);
          check_scan(c, (Kind)kind, count, 1, in_place, nonblocking);
        }
      }
    }
    /* Long enough for the pairwise reduce_scatter (whole vector above 512 KiB). */
    check_reduce_scatter(c, kSum, 160000 / c->size + 3, 0, 0, 0);
    check_reduce_scatter(c, kMax, 80000 / c->size + 1, 1, 1, 0);
  }
  coll_free_comms(comms);
  mp_report_ok("coll_scan");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
