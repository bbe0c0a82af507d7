/* Virtual topologies: MPI_Dims_create against a brute-force search, Cartesian grids (rank,
 * coordinates, shifts, sub-grids) against arithmetic done here, graphs and distributed
 * graphs (both constructors) against the lists given, checked by exchanging messages along
 * the edges; MPI_Topo_test, duplicates keeping the topology, and bad arguments. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_check.h"


static int rank, size;

/* The best balanced factorisation by exhaustive search: the smallest spread (largest
 * minus smallest) over non-increasing tuples whose product is n. */
static void search(int left, int ndims, int depth, int limit, int* cur, int* best_spread) {
  if (depth == ndims) {
    if (left == 1) {
      int spread = cur[0] - cur[ndims - 1];
      if (*best_spread < 0 || spread < *best_spread) *best_spread = spread;
    }
    return;
  }
  for (int v = limit; v >= 1; --v) {
    if (left % v != 0) continue;
    cur[depth] = v;
    search(left / v, ndims, depth + 1, v, cur, best_spread);
  }
}

static void best_dims(int n, int ndims, int* spread_out) {
  int cur[8];
  *spread_out = -1;
  search(n, ndims, 0, n, cur, spread_out);
}

static void test_dims_create(void) {
  for (int n = 1; n <= 130; ++n) {
    for (int nd = 1; nd <= 4; ++nd) {
      int dims[4] = {0, 0, 0, 0};
      CHECK(MPI_Dims_create(n, nd, dims) == MPI_SUCCESS, "Dims_create(%d,%d)", n, nd);
      int product = 1;
      for (int i = 0; i < nd; ++i) {
        product *= dims[i];
        if (i > 0) CHECK(dims[i] <= dims[i - 1], "Dims_create(%d,%d) not non-increasing", n, nd);
      }
      CHECK(product == n, "Dims_create(%d,%d) product %d", n, nd, product);
      int spread;
      best_dims(n, nd, &spread);
      CHECK(dims[0] - dims[nd - 1] == spread, "Dims_create(%d,%d) spread %d, best %d", n, nd,
            dims[0] - dims[nd - 1], spread);
    }
  }
  /* Equal spreads: the larger last entry wins, then the one before it (the answers MPICH's
     test suite expects, and what portable programs written against it assume). */
  static const struct {
    int n, nd, want[4];
  } ties[] = {{5040, 3, {21, 16, 15}}, {71400, 3, {51, 40, 35}}, {187056, 4, {433, 9, 8, 6}}};
  for (size_t t = 0; t < sizeof ties / sizeof ties[0]; ++t) {
    int dims[4] = {0, 0, 0, 0};
    MPI_Dims_create(ties[t].n, ties[t].nd, dims);
    for (int i = 0; i < ties[t].nd; ++i) {
      CHECK(dims[i] == ties[t].want[i], "Dims_create(%d,%d): dims[%d]=%d, want %d", ties[t].n,
            ties[t].nd, i, dims[i], ties[t].want[i]);
    }
  }
  int fixed[3] = {0, 3, 0};
  CHECK(MPI_Dims_create(24, 3, fixed) == MPI_SUCCESS && fixed[1] == 3 &&
            fixed[0] * fixed[2] == 8 && fixed[0] >= fixed[2],
        "Dims_create with a fixed entry: %d %d %d", fixed[0], fixed[1], fixed[2]);
  int bad[2] = {5, 0};
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  CHECK(MPI_Dims_create(12, 2, bad) == MPI_ERR_DIMS, "Dims_create: 5 does not divide 12");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

static void test_cart(int ndims, const int* dims, const int* periods) {
  MPI_Comm cart;
  int n = 1;
  for (int i = 0; i < ndims; ++i) n *= dims[i];
  CHECK(MPI_Cart_create(MPI_COMM_WORLD, ndims, dims, periods, 0, &cart) == MPI_SUCCESS,
        "Cart_create");
  if (rank >= n) {
    CHECK(cart == MPI_COMM_NULL, "rank past the grid got a communicator");
    return;
  }
  CHECK(cart != MPI_COMM_NULL, "rank %d in the grid of %d got MPI_COMM_NULL", rank, n);
  int status, nd, crank;
  MPI_Topo_test(cart, &status);
  CHECK(status == MPI_CART, "Topo_test %d", status);
  MPI_Cartdim_get(cart, &nd);
  CHECK(nd == ndims, "Cartdim_get %d", nd);
  MPI_Comm_rank(cart, &crank);
  CHECK(crank == rank, "no reordering: rank %d", crank);
  int gd[4], gp[4], gc[4];
  MPI_Cart_get(cart, 4, gd, gp, gc);
  /* row-major coordinates, computed here */
  int expect[4];
  int r = rank;
  for (int i = ndims - 1; i >= 0; --i) {
    expect[i] = r % dims[i];
    r /= dims[i];
  }
  for (int i = 0; i < ndims; ++i) {
    CHECK(gd[i] == dims[i] && (gp[i] != 0) == (periods[i] != 0) && gc[i] == expect[i],
          "Cart_get dim %d", i);
  }
  /* every rank's coordinates and back */
  for (int q = 0; q < n; ++q) {
    int c[4], back;
    MPI_Cart_coords(cart, q, 4, c);
    MPI_Cart_rank(cart, c, &back);
    CHECK(back == q, "Cart_rank(Cart_coords(%d)) = %d", q, back);
  }
  /* shifts, checked by a message: each rank sends its rank up each dimension */
  for (int d = 0; d < ndims; ++d) {
    for (int disp = -2; disp <= 2; ++disp) {
      int src, dst;
      MPI_Cart_shift(cart, d, disp, &src, &dst);
      int c[4];
      memcpy(c, expect, sizeof c);
      c[d] = expect[d] + disp;
      int want_dst = MPI_PROC_NULL;
      if (periods[d] || (c[d] >= 0 && c[d] < dims[d])) {
        c[d] = ((c[d] % dims[d]) + dims[d]) % dims[d];
        MPI_Cart_rank(cart, c, &want_dst);
      }
      CHECK(dst == want_dst, "Cart_shift(%d,%d) dest %d, expected %d", d, disp, dst, want_dst);
      int got = -7;
      MPI_Sendrecv(&crank, 1, MPI_INT, dst, 5, &got, 1, MPI_INT, src, 5, cart, MPI_STATUS_IGNORE);
      CHECK(src == MPI_PROC_NULL ? got == -7 : got == src, "shift message from %d: %d", src, got);
    }
  }
  /* periodic rank wraps; non-periodic out of range is an error */
  if (ndims >= 1) {
    MPI_Comm_set_errhandler(cart, MPI_ERRORS_RETURN);
    int c[4];
    memcpy(c, expect, sizeof c);
    c[0] = dims[0];
    int back = -1;
    int rc = MPI_Cart_rank(cart, c, &back);
    if (periods[0]) {
      c[0] = 0;
      int zero;
      MPI_Cart_rank(cart, c, &zero);
      CHECK(rc == MPI_SUCCESS && back == zero, "periodic wrap %d %d", back, zero);
    } else {
      CHECK(rc != MPI_SUCCESS, "out-of-range coordinate accepted");
    }
  }
  /* sub-grids keeping every other dimension */
  if (ndims >= 2) {
    int remain[4] = {0};
    for (int i = 0; i < ndims; ++i) remain[i] = i % 2 == 0;
    MPI_Comm sub;
    CHECK(MPI_Cart_sub(cart, remain, &sub) == MPI_SUCCESS, "Cart_sub");
    int sub_size, sub_rank, snd;
    MPI_Comm_size(sub, &sub_size);
    MPI_Comm_rank(sub, &sub_rank);
    MPI_Cartdim_get(sub, &snd);
    int want_size = 1, want_rank = 0, kept = 0;
    for (int i = 0; i < ndims; ++i) {
      if (remain[i]) {
        want_size *= dims[i];
        want_rank = want_rank * dims[i] + expect[i];
        ++kept;
      }
    }
    CHECK(sub_size == want_size && sub_rank == want_rank && snd == kept,
          "Cart_sub size %d rank %d ndims %d", sub_size, sub_rank, snd);
    /* the members share the dropped coordinates: a sum over the sub-grid tells */
    int key = 0;
    for (int i = 0; i < ndims; ++i) if (!remain[i]) key = key * dims[i] + expect[i];
    int lo, hi;
    MPI_Allreduce(&key, &lo, 1, MPI_INT, MPI_MIN, sub);
    MPI_Allreduce(&key, &hi, 1, MPI_INT, MPI_MAX, sub);
    CHECK(lo == key && hi == key, "Cart_sub mixed dropped coordinates");
    MPI_Comm_free(&sub);
  }
  /* a duplicate keeps the topology */
  MPI_Comm dup;
  MPI_Comm_dup(cart, &dup);
  MPI_Topo_test(dup, &status);
  int dd;
  MPI_Cartdim_get(dup, &dd);
  CHECK(status == MPI_CART && dd == ndims, "dup lost the topology");
  MPI_Comm_free(&dup);
  /* neighbour exchange with plain point-to-point, as a stencil code does */
  MPI_Comm_free(&cart);
}

static void test_graph(void) {
  /* a ring with a chord from every node to node 0 (both directions listed) */
  int n = size;
  int* index = malloc(sizeof(int) * (size_t)n);
  int* edges = malloc(sizeof(int) * (size_t)(4 * n));
  int e = 0;
  for (int i = 0; i < n; ++i) {
    if (n > 1) {
      edges[e++] = (i + 1) % n;
      edges[e++] = (i + n - 1) % n;
    }
    if (i != 0) edges[e++] = 0;
    if (i == 0) for (int j = 2; j < n - 1; ++j) edges[e++] = j;
    index[i] = e;
  }
  MPI_Comm g;
  CHECK(MPI_Graph_create(MPI_COMM_WORLD, n, index, edges, 0, &g) == MPI_SUCCESS, "Graph_create");
  int status, nn, ne;
  MPI_Topo_test(g, &status);
  MPI_Graphdims_get(g, &nn, &ne);
  CHECK(status == MPI_GRAPH && nn == n && ne == e, "graph dims %d %d", nn, ne);
  int* gi = malloc(sizeof(int) * (size_t)n);
  int* ge = malloc(sizeof(int) * (size_t)(e + 1));
  MPI_Graph_get(g, n, e, gi, ge);
  CHECK(memcmp(gi, index, sizeof(int) * (size_t)n) == 0 && memcmp(ge, edges, sizeof(int) * (size_t)e) == 0,
        "Graph_get");
  int count;
  MPI_Graph_neighbors_count(g, rank, &count);
  int begin = rank == 0 ? 0 : index[rank - 1];
  CHECK(count == index[rank] - begin, "Graph_neighbors_count %d", count);
  int* nb = malloc(sizeof(int) * (size_t)(count + 1));
  MPI_Graph_neighbors(g, rank, count, nb);
  CHECK(memcmp(nb, edges + begin, sizeof(int) * (size_t)count) == 0, "Graph_neighbors");
  int newrank;
  MPI_Graph_map(MPI_COMM_WORLD, n, index, edges, &newrank);
  CHECK(newrank == rank, "Graph_map %d", newrank);
  free(nb);
  free(gi);
  free(ge);
  MPI_Comm_free(&g);
  /* a graph smaller than the communicator leaves the rest out */
  if (size > 1) {
    int idx1[1] = {0};
    MPI_Comm small;
    MPI_Graph_create(MPI_COMM_WORLD, 1, idx1, NULL, 0, &small);
    CHECK((rank == 0) == (small != MPI_COMM_NULL), "one-node graph membership");
    if (small != MPI_COMM_NULL) MPI_Comm_free(&small);
  }
  free(index);
  free(edges);
}

static void check_dist_graph(MPI_Comm dg, int indeg_want, const int* src_want, const int* srcw_want,
                             int outdeg_want, const int* dst_want, const int* dstw_want, int weighted_want,
                             int ordered) {
  int status, indeg, outdeg, weighted;
  MPI_Topo_test(dg, &status);
  MPI_Dist_graph_neighbors_count(dg, &indeg, &outdeg, &weighted);
  CHECK(status == MPI_DIST_GRAPH && indeg == indeg_want && outdeg == outdeg_want &&
            weighted == weighted_want,
        "dist graph counts %d/%d %d/%d weighted %d", indeg, indeg_want, outdeg, outdeg_want, weighted);
  if (indeg != indeg_want || outdeg != outdeg_want) return;
  int* s = malloc(sizeof(int) * (size_t)(indeg + 1));
  int* sw = malloc(sizeof(int) * (size_t)(indeg + 1));
  int* d = malloc(sizeof(int) * (size_t)(outdeg + 1));
  int* dw = malloc(sizeof(int) * (size_t)(outdeg + 1));
  MPI_Dist_graph_neighbors(dg, indeg, s, weighted ? sw : MPI_UNWEIGHTED, outdeg, d,
                           weighted ? dw : MPI_UNWEIGHTED);
  if (ordered) {
    for (int i = 0; i < indeg; ++i) {
      CHECK(s[i] == src_want[i], "source %d: %d, want %d", i, s[i], src_want[i]);
      if (weighted) CHECK(sw[i] == srcw_want[i], "source weight %d", i);
    }
    for (int i = 0; i < outdeg; ++i) {
      CHECK(d[i] == dst_want[i], "destination %d: %d, want %d", i, d[i], dst_want[i]);
      if (weighted) CHECK(dw[i] == dstw_want[i], "destination weight %d", i);
    }
  } else {
    /* as multisets of (rank, weight) */
    for (int i = 0; i < indeg; ++i) {
      int found = 0;
      for (int j = 0; j < indeg; ++j) {
        if (s[j] == src_want[i] && (!weighted || sw[j] == srcw_want[i])) {
          s[j] = -1;
          found = 1;
          break;
        }
      }
      CHECK(found, "source %d (weight %d) missing", src_want[i], weighted ? srcw_want[i] : 0);
    }
    for (int i = 0; i < outdeg; ++i) {
      int found = 0;
      for (int j = 0; j < outdeg; ++j) {
        if (d[j] == dst_want[i] && (!weighted || dw[j] == dstw_want[i])) {
          d[j] = -1;
          found = 1;
          break;
        }
      }
      CHECK(found, "destination %d missing", dst_want[i]);
    }
  }
  free(s);
  free(sw);
  free(d);
  free(dw);
}

static void test_dist_graph(void) {
  /* every rank r sends to r+1 and r+2 (mod size), weight 10*r + k */
  int out[2] = {(rank + 1) % size, (rank + 2) % size};
  int outw[2] = {10 * rank + 1, 10 * rank + 2};
  int in[2] = {(rank + size - 1) % size, (rank + size - 2) % size};
  int inw[2] = {10 * in[0] + 1, 10 * in[1] + 2};
  MPI_Comm dg;
  CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, in, inw, 2, out, outw, MPI_INFO_NULL, 0,
                                       &dg) == MPI_SUCCESS,
        "Dist_graph_create_adjacent");
  check_dist_graph(dg, 2, in, inw, 2, out, outw, 1, 1);
  /* messages along the edges carry the sender's rank */
  int got[2] = {-1, -1};
  MPI_Request reqs[4];
  MPI_Irecv(&got[0], 1, MPI_INT, in[0], 9, dg, &reqs[0]);
  MPI_Irecv(&got[1], 1, MPI_INT, in[1], 10, dg, &reqs[1]);
  MPI_Isend(&rank, 1, MPI_INT, out[0], 9, dg, &reqs[2]);
  MPI_Isend(&rank, 1, MPI_INT, out[1], 10, dg, &reqs[3]);
  MPI_Waitall(4, reqs, MPI_STATUSES_IGNORE);
  CHECK(got[0] == in[0] && got[1] == in[1], "edge messages %d %d", got[0], got[1]);
  MPI_Comm_free(&dg);

  /* unweighted */
  CHECK(MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, in, MPI_UNWEIGHTED, 2, out,
                                       MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &dg) == MPI_SUCCESS,
        "unweighted adjacent");
  check_dist_graph(dg, 2, in, NULL, 2, out, NULL, 0, 1);
  MPI_Comm_free(&dg);

  /* the general constructor: rank 0 gives every edge, the others none */
  int n = rank == 0 ? size : 0;
  int* sources = malloc(sizeof(int) * (size_t)(size + 1));
  int* degrees = malloc(sizeof(int) * (size_t)(size + 1));
  int* dests = malloc(sizeof(int) * (size_t)(2 * size + 1));
  int* weights = malloc(sizeof(int) * (size_t)(2 * size + 1));
  for (int r = 0; r < size; ++r) {
    sources[r] = r;
    degrees[r] = 2;
    dests[2 * r] = (r + 1) % size;
    dests[2 * r + 1] = (r + 2) % size;
    weights[2 * r] = 10 * r + 1;
    weights[2 * r + 1] = 10 * r + 2;
  }
  CHECK(MPI_Dist_graph_create(MPI_COMM_WORLD, n, sources, degrees, dests, weights, MPI_INFO_NULL, 0,
                              &dg) == MPI_SUCCESS,
        "Dist_graph_create");
  check_dist_graph(dg, 2, in, inw, 2, out, outw, 1, 0);
  MPI_Comm_free(&dg);
  /* the same edges, each given by its own source */
  int one_source[1] = {rank};
  int two[1] = {2};
  CHECK(MPI_Dist_graph_create(MPI_COMM_WORLD, 1, one_source, two, out, MPI_UNWEIGHTED, MPI_INFO_NULL,
                              0, &dg) == MPI_SUCCESS,
        "Dist_graph_create by sources");
  check_dist_graph(dg, 2, in, NULL, 2, out, NULL, 0, 0);
  MPI_Comm_free(&dg);
  free(sources);
  free(degrees);
  free(dests);
  free(weights);
}

static void test_errors(void) {
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int status;
  MPI_Topo_test(MPI_COMM_WORLD, &status);
  CHECK(status == MPI_UNDEFINED, "world has a topology: %d", status);
  int nd;
  int rc = MPI_Cartdim_get(MPI_COMM_WORLD, &nd);
  int cls;
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_TOPOLOGY, "Cartdim_get without a topology: class %d", cls);
  int dims[1] = {size + 1};
  int periods[1] = {0};
  MPI_Comm c;
  rc = MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &c);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_DIMS || cls == MPI_ERR_ARG, "grid larger than the world: class %d", cls);
  int src[1] = {size};
  rc = MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, src, MPI_UNWEIGHTED, 0, NULL, MPI_UNWEIGHTED,
                                      MPI_INFO_NULL, 0, &c);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_RANK, "source outside the world: class %d", cls);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  test_dims_create();
  /* the grids: the whole world (balanced by Dims_create), then one that leaves ranks out */
  for (int nd = 1; nd <= 3; ++nd) {
    int dims[3] = {0, 0, 0};
    MPI_Dims_create(size, nd, dims);
    for (int pattern = 0; pattern < 2; ++pattern) {
      int periods[3];
      for (int i = 0; i < nd; ++i) periods[i] = (i + pattern) % 2;
      test_cart(nd, dims, periods);
    }
  }
  if (size >= 3) {
    int dims[2] = {size / 2, 2};
    int periods[2] = {1, 0};
    test_cart(2, dims, periods);
  }
  {
    int periods[1] = {0};
    MPI_Comm zero;
    CHECK(MPI_Cart_create(MPI_COMM_WORLD, 0, NULL, periods, 0, &zero) == MPI_SUCCESS, "0-d grid");
    CHECK((rank == 0) == (zero != MPI_COMM_NULL), "0-d grid has one process");
    if (zero != MPI_COMM_NULL) MPI_Comm_free(&zero);
  }
  test_graph();
  test_dist_graph();
  test_errors();

  mp_report_ok("topology");
  MPI_Finalize();
  return 0;
}
