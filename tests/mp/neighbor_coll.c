/* Neighbourhood collectives (MPI_Neighbor_*, MPI_Ineighbor_*, MPI_Neighbor_*_init and
 * their large-count _c twins) on Cartesian grids
 * (periodic and not, with dimensions of extent 1 and 2 where both neighbours are one
 * process), a graph and distributed graphs with repeated edges. Every element carries its
 * sender, the block it was sent as and its index; the expected blocks are worked out here
 * from the topology's definition, not from weft's neighbour queries. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_check.h"

static int rank, size;

#define MAXN 64
#define PER 3 /* elements per block */

/* A neighbourhood as the test works it out: in[i] sends this rank the block it sends as
 * its out-block number in_slot[i]. */
struct hood {
  int indeg, outdeg;
  int in[MAXN], in_slot[MAXN];
  int out[MAXN];
};

static int value(int sender, int block, int k) { return sender * 10000 + block * 100 + k; }

/* --- Cartesian: neighbours per dimension, below then above ---------------------------- */
static void cart_hood(int ndims, const int* dims, const int* periods, int r, struct hood* h) {
  int coords[8];
  int x = r;
  for (int i = ndims - 1; i >= 0; --i) {
    coords[i] = x % dims[i];
    x /= dims[i];
  }
  h->indeg = h->outdeg = 2 * ndims;
  for (int d = 0; d < ndims; ++d) {
    for (int side = 0; side < 2; ++side) {
      int c[8];
      memcpy(c, coords, sizeof c);
      c[d] += side == 0 ? -1 : 1;
      int peer;
      if (c[d] < 0 || c[d] >= dims[d]) {
        if (!periods[d]) {
          peer = MPI_PROC_NULL;
          goto set;
        }
        c[d] = (c[d] + dims[d]) % dims[d];
      }
      peer = 0;
      for (int i = 0; i < ndims; ++i) peer = peer * dims[i] + c[i];
    set:
      h->in[2 * d + side] = peer;
      h->out[2 * d + side] = peer;
      /* the rank below sent this upwards (its block 2d+1), the rank above downwards */
      h->in_slot[2 * d + side] = 2 * d + (side == 0 ? 1 : 0);
    }
  }
}

/* --- the exchanges, checked ----------------------------------------------------------- */
static void check_blocks(const char* what, const int* recv, const struct hood* h,
                         const int* counts, const int* displs, int allgather) {
  for (int i = 0; i < h->indeg; ++i) {
    const int* block = recv + displs[i];
    for (int k = 0; k < counts[i]; ++k) {
      int want = h->in[i] == MPI_PROC_NULL ? -1 : value(h->in[i], allgather ? 0 : h->in_slot[i], k);
      CHECK(block[k] == want, "%s: block %d (from %d) element %d is %d, expected %d", what, i,
            h->in[i], k, block[k], want);
    }
  }
}

/* Runs one neighbourhood collective in form `mode`: 0 blocking, 1 nonblocking, 2 persistent
 * (started twice, the receive buffer wiped between), and 3-5 the same with the large-count
 * _c twins. */
#define RUN_FORMS(BLOCKING, NONBLOCKING, INIT, BLOCKING_C, NONBLOCKING_C, INIT_C, WIPE)      \
  do {                                                                                      \
    MPI_Request rq;                                                                         \
    switch (mode) {                                                                         \
      case 0: BLOCKING; break;                                                              \
      case 1: NONBLOCKING; MPI_Wait(&rq, MPI_STATUS_IGNORE); break;                         \
      case 3: BLOCKING_C; break;                                                            \
      case 4: NONBLOCKING_C; MPI_Wait(&rq, MPI_STATUS_IGNORE); break;                       \
      default:                                                                              \
        if (mode == 2) { INIT; } else { INIT_C; }                                           \
        MPI_Start(&rq);                                                                     \
        MPI_Wait(&rq, MPI_STATUS_IGNORE);                                                   \
        WIPE;                                                                               \
        MPI_Start(&rq);                                                                     \
        MPI_Wait(&rq, MPI_STATUS_IGNORE);                                                   \
        MPI_Request_free(&rq);                                                              \
    }                                                                                       \
  } while (0)

static const char* form_name(int mode) {
  static const char* names[] = {"", "I", "persistent ", "_c ", "_c I", "_c persistent "};
  return names[mode];
}

static void exercise(MPI_Comm comm, const struct hood* h, const char* name) {
  int sendbuf[MAXN * PER], recv[MAXN * PER * 2];
  int counts[MAXN], displs[MAXN], scounts[MAXN], sdispls[MAXN];
  MPI_Aint bsd[MAXN], brd[MAXN];
  MPI_Datatype types_s[MAXN], types_r[MAXN];
  char what[96];
  MPI_Count cc[MAXN], csc[MAXN];
  MPI_Aint cd[MAXN], csd[MAXN];
  const MPI_Count PERC = PER;
  for (int mode = 0; mode < 6; ++mode) {
    /* allgather: every out-neighbour gets the same block 0 */
    for (int k = 0; k < PER; ++k) sendbuf[k] = value(rank, 0, k);
    for (int i = 0; i < h->indeg * PER; ++i) recv[i] = -1;
    for (int i = 0; i < h->indeg; ++i) {
      counts[i] = PER;
      displs[i] = i * PER;
    }
    RUN_FORMS(MPI_Neighbor_allgather(sendbuf, PER, MPI_INT, recv, PER, MPI_INT, comm),
              MPI_Ineighbor_allgather(sendbuf, PER, MPI_INT, recv, PER, MPI_INT, comm, &rq),
              MPI_Neighbor_allgather_init(sendbuf, PER, MPI_INT, recv, PER, MPI_INT, comm,
                                          MPI_INFO_NULL, &rq),
              MPI_Neighbor_allgather_c(sendbuf, PERC, MPI_INT, recv, PERC, MPI_INT, comm),
              MPI_Ineighbor_allgather_c(sendbuf, PERC, MPI_INT, recv, PERC, MPI_INT, comm, &rq),
              MPI_Neighbor_allgather_init_c(sendbuf, PERC, MPI_INT, recv, PERC, MPI_INT, comm,
                                            MPI_INFO_NULL, &rq),
              for (int i = 0; i < h->indeg * PER; ++i) recv[i] = -1);
    snprintf(what, sizeof what, "%s %sallgather", name, form_name(mode));
    check_blocks(what, recv, h, counts, displs, 1);

    /* allgatherv: blocks placed in reverse order with gaps, counts varying */
    int total = 0;
    for (int i = h->indeg - 1; i >= 0; --i) {
      counts[i] = PER;
      displs[i] = total + 1;
      total += PER + 2;
    }
    for (int i = 0; i < total + 1; ++i) recv[i] = -1;
    for (int i = 0; i < h->indeg; ++i) {
      cc[i] = counts[i];
      cd[i] = displs[i];
    }
    RUN_FORMS(MPI_Neighbor_allgatherv(sendbuf, PER, MPI_INT, recv, counts, displs, MPI_INT, comm),
              MPI_Ineighbor_allgatherv(sendbuf, PER, MPI_INT, recv, counts, displs, MPI_INT, comm,
                                       &rq),
              MPI_Neighbor_allgatherv_init(sendbuf, PER, MPI_INT, recv, counts, displs, MPI_INT,
                                           comm, MPI_INFO_NULL, &rq),
              MPI_Neighbor_allgatherv_c(sendbuf, PERC, MPI_INT, recv, cc, cd, MPI_INT, comm),
              MPI_Ineighbor_allgatherv_c(sendbuf, PERC, MPI_INT, recv, cc, cd, MPI_INT, comm, &rq),
              MPI_Neighbor_allgatherv_init_c(sendbuf, PERC, MPI_INT, recv, cc, cd, MPI_INT, comm,
                                             MPI_INFO_NULL, &rq),
              for (int i = 0; i < total + 1; ++i) recv[i] = -1);
    snprintf(what, sizeof what, "%s %sallgatherv", name, form_name(mode));
    check_blocks(what, recv, h, counts, displs, 1);

    /* alltoall: out-block j carries j */
    for (int j = 0; j < h->outdeg; ++j)
      for (int k = 0; k < PER; ++k) sendbuf[j * PER + k] = value(rank, j, k);
    for (int i = 0; i < h->indeg * PER; ++i) recv[i] = -1;
    for (int i = 0; i < h->indeg; ++i) {
      counts[i] = PER;
      displs[i] = i * PER;
    }
    RUN_FORMS(MPI_Neighbor_alltoall(sendbuf, PER, MPI_INT, recv, PER, MPI_INT, comm),
              MPI_Ineighbor_alltoall(sendbuf, PER, MPI_INT, recv, PER, MPI_INT, comm, &rq),
              MPI_Neighbor_alltoall_init(sendbuf, PER, MPI_INT, recv, PER, MPI_INT, comm,
                                         MPI_INFO_NULL, &rq),
              MPI_Neighbor_alltoall_c(sendbuf, PERC, MPI_INT, recv, PERC, MPI_INT, comm),
              MPI_Ineighbor_alltoall_c(sendbuf, PERC, MPI_INT, recv, PERC, MPI_INT, comm, &rq),
              MPI_Neighbor_alltoall_init_c(sendbuf, PERC, MPI_INT, recv, PERC, MPI_INT, comm,
                                           MPI_INFO_NULL, &rq),
              for (int i = 0; i < h->indeg * PER; ++i) recv[i] = -1);
    snprintf(what, sizeof what, "%s %salltoall", name, form_name(mode));
    check_blocks(what, recv, h, counts, displs, 0);

    /* alltoallv: send blocks in reverse places; receive with gaps. Every block PER long
     * (a receiver's count must match what its neighbour sends). */
    for (int j = 0; j < h->outdeg; ++j) {
      scounts[j] = PER;
      sdispls[j] = (h->outdeg - 1 - j) * PER;
      for (int k = 0; k < PER; ++k) sendbuf[sdispls[j] + k] = value(rank, j, k);
    }
    total = 0;
    for (int i = 0; i < h->indeg; ++i) {
      counts[i] = PER;
      displs[i] = total + 2;
      total += PER + 2;
    }
    for (int i = 0; i < total + 2; ++i) recv[i] = -1;
    for (int i = 0; i < h->indeg; ++i) {
      cc[i] = counts[i];
      cd[i] = displs[i];
    }
    for (int j = 0; j < h->outdeg; ++j) {
      csc[j] = scounts[j];
      csd[j] = sdispls[j];
    }
    RUN_FORMS(MPI_Neighbor_alltoallv(sendbuf, scounts, sdispls, MPI_INT, recv, counts, displs,
                                     MPI_INT, comm),
              MPI_Ineighbor_alltoallv(sendbuf, scounts, sdispls, MPI_INT, recv, counts, displs,
                                      MPI_INT, comm, &rq),
              MPI_Neighbor_alltoallv_init(sendbuf, scounts, sdispls, MPI_INT, recv, counts, displs,
                                          MPI_INT, comm, MPI_INFO_NULL, &rq),
              MPI_Neighbor_alltoallv_c(sendbuf, csc, csd, MPI_INT, recv, cc, cd, MPI_INT, comm),
              MPI_Ineighbor_alltoallv_c(sendbuf, csc, csd, MPI_INT, recv, cc, cd, MPI_INT, comm,
                                        &rq),
              MPI_Neighbor_alltoallv_init_c(sendbuf, csc, csd, MPI_INT, recv, cc, cd, MPI_INT,
                                            comm, MPI_INFO_NULL, &rq),
              for (int i = 0; i < total + 2; ++i) recv[i] = -1);
    snprintf(what, sizeof what, "%s %salltoallv", name, form_name(mode));
    check_blocks(what, recv, h, counts, displs, 0);

    /* alltoallw: byte displacements; receives through a vector type of stride 2 into every
     * other int for odd blocks */
    /* the blocks in order again (alltoallv laid them out reversed) */
    for (int j = 0; j < h->outdeg; ++j)
      for (int k = 0; k < PER; ++k) sendbuf[j * PER + k] = value(rank, j, k);
    MPI_Datatype strided;
    MPI_Type_vector(PER, 1, 2, MPI_INT, &strided);
    MPI_Type_commit(&strided);
    for (int j = 0; j < h->outdeg; ++j) {
      scounts[j] = PER;
      bsd[j] = (MPI_Aint)(sizeof(int) * (size_t)(j * PER));
      types_s[j] = MPI_INT;
    }
    int wrecv[MAXN * PER * 2];
    for (int i = 0; i < MAXN * PER * 2; ++i) wrecv[i] = -1;
    for (int i = 0; i < h->indeg; ++i) {
      brd[i] = (MPI_Aint)(sizeof(int) * (size_t)(i * PER * 2));
      if (i % 2) {
        counts[i] = 1;
        types_r[i] = strided;
      } else {
        counts[i] = PER;
        types_r[i] = MPI_INT;
      }
    }
    for (int i = 0; i < h->indeg; ++i) cc[i] = counts[i];
    for (int j = 0; j < h->outdeg; ++j) csc[j] = scounts[j];
    RUN_FORMS(MPI_Neighbor_alltoallw(sendbuf, scounts, bsd, types_s, wrecv, counts, brd, types_r,
                                     comm),
              MPI_Ineighbor_alltoallw(sendbuf, scounts, bsd, types_s, wrecv, counts, brd, types_r,
                                      comm, &rq),
              MPI_Neighbor_alltoallw_init(sendbuf, scounts, bsd, types_s, wrecv, counts, brd,
                                          types_r, comm, MPI_INFO_NULL, &rq),
              MPI_Neighbor_alltoallw_c(sendbuf, csc, bsd, types_s, wrecv, cc, brd, types_r, comm),
              MPI_Ineighbor_alltoallw_c(sendbuf, csc, bsd, types_s, wrecv, cc, brd, types_r, comm,
                                        &rq),
              MPI_Neighbor_alltoallw_init_c(sendbuf, csc, bsd, types_s, wrecv, cc, brd, types_r,
                                            comm, MPI_INFO_NULL, &rq),
              for (int i = 0; i < MAXN * PER * 2; ++i) wrecv[i] = -1);
    for (int i = 0; i < h->indeg; ++i) {
      for (int k = 0; k < PER; ++k) {
        int got = wrecv[i * PER * 2 + (i % 2 ? 2 * k : k)];
        int want = h->in[i] == MPI_PROC_NULL ? -1 : value(h->in[i], h->in_slot[i], k);
        CHECK(got == want, "%s %salltoallw: block %d element %d is %d, expected %d", name,
              form_name(mode), i, k, got, want);
      }
    }
    MPI_Type_free(&strided);
  }
}

static void cart_case(int ndims, const int* dims, const int* periods, const char* name) {
  int n = 1;
  for (int i = 0; i < ndims; ++i) n *= dims[i];
  if (n > size) return;
  MPI_Comm cart;
  MPI_Cart_create(MPI_COMM_WORLD, ndims, dims, periods, 0, &cart);
  if (cart == MPI_COMM_NULL) return;
  struct hood h;
  cart_hood(ndims, dims, periods, rank, &h);
  exercise(cart, &h, name);
  MPI_Comm_free(&cart);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  {
    int dims[1] = {size}, periodic[1] = {1}, open[1] = {0};
    cart_case(1, dims, periodic, "ring");
    cart_case(1, dims, open, "line");
  }
  {
    int dims[2] = {0, 0};
    MPI_Dims_create(size, 2, dims);
    int p[2] = {1, 0};
    cart_case(2, dims, p, "grid");
  }
  {
    int dims[3] = {1, 2, size / 2 > 0 ? size / 2 : 1}, p[3] = {1, 1, 1};
    cart_case(3, dims, p, "torus with extents 1 and 2");
  }

  /* a distributed graph with repeated edges: r sends to r+1 twice and to r+2 once; the
   * standard matches repeated edges in the order each side lists them */
  {
    int out[3] = {(rank + 1) % size, (rank + 2) % size, (rank + 1) % size};
    int in[3] = {(rank + size - 1) % size, (rank + size - 2) % size, (rank + size - 1) % size};
    MPI_Comm dg;
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 3, in, MPI_UNWEIGHTED, 3, out, MPI_UNWEIGHTED,
                                   MPI_INFO_NULL, 0, &dg);
    struct hood h;
    h.indeg = h.outdeg = 3;
    memcpy(h.in, in, sizeof in);
    memcpy(h.out, out, sizeof out);
    /* From r-1 come its blocks 0 and 2, into slots 0 and 2 in that order; from r-2 its
     * block 1. The same holds when the peers coincide (size 2: r+1 = r-1, r+2 = r; size 1:
     * every edge is a self-edge), as each side lists the repeated edges in order. */
    h.in_slot[0] = 0;
    h.in_slot[1] = 1;
    h.in_slot[2] = 2;
    exercise(dg, &h, "distributed graph");
    MPI_Comm_free(&dg);
  }

  /* a graph (MPI_Graph_create): a star around rank 0, neighbours in and out alike */
  if (size > 1) {
    int index[MAXN], edges[2 * MAXN];
    int e = 0;
    for (int i = 1; i < size; ++i) edges[e++] = i;
    index[0] = e;
    for (int i = 1; i < size; ++i) {
      edges[e++] = 0;
      index[i] = e;
    }
    MPI_Comm g;
    MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &g);
    struct hood h;
    if (rank == 0) {
      h.indeg = h.outdeg = size - 1;
      for (int i = 0; i < size - 1; ++i) {
        h.in[i] = h.out[i] = i + 1;
        h.in_slot[i] = 0; /* every leaf has one neighbour: its block 0 */
      }
    } else {
      h.indeg = h.outdeg = 1;
      h.in[0] = h.out[0] = 0;
      h.in_slot[0] = rank - 1; /* rank 0 sends its block rank-1 to this leaf */
    }
    exercise(g, &h, "star graph");
    MPI_Comm_free(&g);
  }

  /* no topology: a clear error */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int x = 0, y = 0, cls;
  int rc = MPI_Neighbor_allgather(&x, 1, MPI_INT, &y, 1, MPI_INT, MPI_COMM_WORLD);
  MPI_Error_class(rc, &cls);
  CHECK(cls == MPI_ERR_TOPOLOGY, "neighbour collective without a topology: class %d", cls);

  mp_report_ok("neighbor_coll");
  MPI_Finalize();
  return 0;
}
