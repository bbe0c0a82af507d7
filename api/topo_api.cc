// Virtual topologies: the constructors and queries of MPI-4.1 chapter 8 (mpi/topology.h
// holds the topologies and their arithmetic). Every argument is checked here: the
// generated validation has no kinds for dimensions, coordinates and edge lists yet.
#include <climits>
#include <memory>
#include <vector>

#include "api/api.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/comm_create.h"
#include "mpi/info.h"
#include "mpi/topology.h"
#include "p2p/lock.h"

using weft::Comm;
using weft::EngineGuard;
using weft::Status;
using weft::Topology;
using weft::api::finish;
using weft::api::null_argument;

namespace {

Status not_inter(const char* call, Comm* c) {
  if (!c->is_inter()) return Status();
  return weft::error(MPI_ERR_COMM, "%s: the communicator is an intercommunicator; topologies "
                                   "are attached to intracommunicators only", call);
}

// The communicator's topology, which must be of `kind`.
Status topology_of(const char* call, Comm* c, Topology::Kind kind, const Topology** out) {
  const Topology* t = c->topology();
  if (t == nullptr || t->kind != kind) {
    const char* wanted = kind == Topology::Kind::kCart    ? "a Cartesian topology"
                         : kind == Topology::Kind::kGraph ? "a graph topology"
                                                          : "a distributed graph topology";
    return weft::error(MPI_ERR_TOPOLOGY, "%s: the communicator has no %s", call, wanted);
  }
  *out = t;
  return Status();
}

Status check_rank(const char* call, const char* name, int rank, int size) {
  if (rank >= 0 && rank < size) return Status();
  return weft::error(MPI_ERR_RANK, "%s: argument %s=%d is not a rank of the communicator "
                                   "(size %d)", call, name, rank, size);
}

int publish(const char* call, Comm* parent, Status s, Comm* created, MPI_Comm* newcomm) {
  if (s.ok()) *newcomm = created != nullptr ? created->handle() : MPI_COMM_NULL;
  return finish(call, parent, s);
}

// Weights as given: MPI_UNWEIGHTED, MPI_WEIGHTS_EMPTY or an array of `n`.
Status read_weights(const char* call, const char* name, const int* weights, int n,
                    std::vector<int>* out, bool* weighted) {
  if (weights == MPI_UNWEIGHTED) {
    *weighted = false;
    return Status();
  }
  *weighted = true;
  if (weights == MPI_WEIGHTS_EMPTY) {
    if (n != 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument %s is MPI_WEIGHTS_EMPTY but %d edges are "
                                      "given", call, name, n);
    }
    return Status();
  }
  if (weights == nullptr && n > 0) return null_argument(call, name);
  for (int i = 0; i < n; ++i) {
    if (weights[i] < 0) {
      return weft::error(MPI_ERR_ARG, "%s: %s[%d]=%d is negative", call, name, i, weights[i]);
    }
    out->push_back(weights[i]);
  }
  return Status();
}

Status read_ranks(const char* call, const char* name, const int* ranks, int n, int size,
                  std::vector<int>* out) {
  if (ranks == nullptr && n > 0) return null_argument(call, name);
  for (int i = 0; i < n; ++i) {
    if (ranks[i] < 0 || ranks[i] >= size) {
      return weft::error(MPI_ERR_RANK, "%s: %s[%d]=%d is not a rank of the communicator "
                                       "(size %d)", call, name, i, ranks[i], size);
    }
    out->push_back(ranks[i]);
  }
  return Status();
}

Status check_info(const char* call, MPI_Info info) {
  if (info == MPI_INFO_NULL) return Status();
  if (weft::info_from_handle(info) == nullptr) {
    return weft::error(MPI_ERR_INFO, "%s: argument info is not a valid info object", call);
  }
  return Status();
}

// MPI_Cart_create's and MPI_Cart_map's dimensions and periods.
Status read_grid(const char* call, Comm* c, int ndims, const int dims[], const int periods[],
                 std::vector<int>* d, std::vector<int>* p) {
  if (ndims < 0) return weft::error(MPI_ERR_DIMS, "%s: argument ndims=%d is negative", call, ndims);
  if (ndims > 0 && dims == nullptr) return null_argument(call, "dims");
  if (ndims > 0 && periods == nullptr) return null_argument(call, "periods");
  int64_t product = 1;
  for (int i = 0; i < ndims; ++i) {
    if (dims[i] <= 0) {
      return weft::error(MPI_ERR_DIMS, "%s: dims[%d]=%d must be positive", call, i, dims[i]);
    }
    product *= dims[i];
    if (product > c->size()) {
      return weft::error(MPI_ERR_DIMS, "%s: the grid needs more processes than the "
                                       "communicator's %d", call, c->size());
    }
    d->push_back(dims[i]);
    p->push_back(periods[i]);
  }
  return Status();
}

// MPI_Graph_create's and MPI_Graph_map's index and edges.
Status read_graph(const char* call, Comm* c, int nnodes, const int index[], const int edges[],
                  std::vector<int>* idx, std::vector<int>* e) {
  if (nnodes < 0 || nnodes > c->size()) {
    return weft::error(MPI_ERR_ARG, "%s: argument nnodes=%d is not between 0 and the "
                                    "communicator's size %d", call, nnodes, c->size());
  }
  if (nnodes > 0 && index == nullptr) return null_argument(call, "index");
  int previous = 0;
  for (int i = 0; i < nnodes; ++i) {
    if (index[i] < previous) {
      return weft::error(MPI_ERR_ARG, "%s: index[%d]=%d is smaller than the entry before it "
                                      "(%d)", call, i, index[i], previous);
    }
    previous = index[i];
    idx->push_back(index[i]);
  }
  if (previous > 0 && edges == nullptr) return null_argument(call, "edges");
  for (int i = 0; i < previous; ++i) {
    if (edges[i] < 0 || edges[i] >= nnodes) {
      return weft::error(MPI_ERR_ARG, "%s: edges[%d]=%d is not a node of the graph "
                                      "(nnodes %d)", call, i, edges[i], nnodes);
    }
    e->push_back(edges[i]);
  }
  return Status();
}

}  // namespace

// ---- Cartesian -------------------------------------------------------------------------

extern "C" int PMPI_Dims_create(int nnodes, int ndims, int dims[]) {
  const char* call = "MPI_Dims_create";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && ndims > 0 && dims == nullptr) s = null_argument(call, "dims");
  if (s.ok()) s = weft::dims_create(call, nnodes, ndims, dims);
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[],
                                const int periods[], int reorder, MPI_Comm* comm_cart) {
  (void)reorder;  // ranks are kept (mpi/topology.h)
  const char* call = "MPI_Cart_create";
  Comm* c = nullptr;
  Comm* created = nullptr;
  std::vector<int> d;
  std::vector<int> p;
  Status s = weft::api::enter_comm(call, comm_old, &c);
  if (s.ok()) s = not_inter(call, c);
  if (s.ok() && comm_cart == nullptr) s = null_argument(call, "comm_cart");
  if (s.ok()) s = read_grid(call, c, ndims, dims, periods, &d, &p);
  if (s.ok()) {
    EngineGuard guard;
    s = weft::cart_create(call, c, std::move(d), std::move(p), &created);
  }
  return publish(call, c, s, created, comm_cart);
}

extern "C" int PMPI_Cartdim_get(MPI_Comm comm, int* ndims) {
  const char* call = "MPI_Cartdim_get";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kCart, &t);
  if (s.ok() && ndims == nullptr) s = null_argument(call, "ndims");
  if (s.ok()) *ndims = static_cast<int>(t->dims.size());
  return finish(call, c, s);
}

extern "C" int PMPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[],
                             int coords[]) {
  const char* call = "MPI_Cart_get";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kCart, &t);
  if (s.ok() && maxdims < 0) {
    s = weft::error(MPI_ERR_ARG, "%s: argument maxdims=%d is negative", call, maxdims);
  }
  const int n = s.ok() ? std::min<int>(maxdims, static_cast<int>(t->dims.size())) : 0;
  if (s.ok() && n > 0 && (dims == nullptr || periods == nullptr || coords == nullptr)) {
    s = null_argument(call, dims == nullptr ? "dims" : periods == nullptr ? "periods" : "coords");
  }
  if (s.ok()) {
    const std::vector<int> mine = t->coords(c->rank());
    for (int i = 0; i < n; ++i) {
      dims[i] = t->dims[static_cast<size_t>(i)];
      periods[i] = t->periods[static_cast<size_t>(i)];
      coords[i] = mine[static_cast<size_t>(i)];
    }
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Cart_rank(MPI_Comm comm, const int coords[], int* rank) {
  const char* call = "MPI_Cart_rank";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kCart, &t);
  if (s.ok() && rank == nullptr) s = null_argument(call, "rank");
  if (s.ok() && !t->dims.empty() && coords == nullptr) s = null_argument(call, "coords");
  if (s.ok()) {
    std::vector<int> at(coords, coords + t->dims.size());
    const int r = t->rank_at(at);
    if (r < 0) {
      for (size_t i = 0; i < at.size(); ++i) {
        if (!t->periods[i] && (at[i] < 0 || at[i] >= t->dims[i])) {
          s = weft::error(MPI_ERR_ARG, "%s: coords[%zu]=%d lies outside the non-periodic "
                                       "dimension of extent %d", call, i, at[i], t->dims[i]);
          break;
        }
      }
    } else {
      *rank = r;
    }
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[]) {
  const char* call = "MPI_Cart_coords";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kCart, &t);
  if (s.ok()) s = check_rank(call, "rank", rank, c->size());
  if (s.ok() && maxdims < static_cast<int>(t->dims.size())) {
    s = weft::error(MPI_ERR_ARG, "%s: argument maxdims=%d is less than the topology's %zu "
                                 "dimensions", call, maxdims, t->dims.size());
  }
  if (s.ok() && !t->dims.empty() && coords == nullptr) s = null_argument(call, "coords");
  if (s.ok()) {
    const std::vector<int> at = t->coords(rank);
    for (size_t i = 0; i < at.size(); ++i) coords[i] = at[i];
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Cart_shift(MPI_Comm comm, int direction, int disp, int* rank_source,
                               int* rank_dest) {
  const char* call = "MPI_Cart_shift";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kCart, &t);
  if (s.ok() && (direction < 0 || direction >= static_cast<int>(t->dims.size()))) {
    s = weft::error(MPI_ERR_ARG, "%s: argument direction=%d is not a dimension of the "
                                 "topology (it has %zu)", call, direction, t->dims.size());
  }
  if (s.ok() && (rank_source == nullptr || rank_dest == nullptr)) {
    s = null_argument(call, rank_source == nullptr ? "rank_source" : "rank_dest");
  }
  if (s.ok()) t->shift(c->rank(), direction, disp, rank_source, rank_dest);
  return finish(call, c, s);
}

extern "C" int PMPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm* newcomm) {
  const char* call = "MPI_Cart_sub";
  Comm* c = nullptr;
  Comm* created = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kCart, &t);
  if (s.ok() && newcomm == nullptr) s = null_argument(call, "newcomm");
  if (s.ok() && !t->dims.empty() && remain_dims == nullptr) s = null_argument(call, "remain_dims");
  if (s.ok()) {
    std::vector<int> remain(remain_dims, remain_dims + t->dims.size());
    EngineGuard guard;
    s = weft::cart_sub(call, c, remain, &created);
  }
  return publish(call, c, s, created, newcomm);
}

extern "C" int PMPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[],
                             int* newrank) {
  const char* call = "MPI_Cart_map";
  Comm* c = nullptr;
  std::vector<int> d;
  std::vector<int> p;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = not_inter(call, c);
  if (s.ok() && newrank == nullptr) s = null_argument(call, "newrank");
  if (s.ok()) s = read_grid(call, c, ndims, dims, periods, &d, &p);
  if (s.ok()) {
    int64_t n = 1;
    for (int x : d) n *= x;
    *newrank = c->rank() < n ? c->rank() : MPI_UNDEFINED;
  }
  return finish(call, c, s);
}

// ---- graphs ----------------------------------------------------------------------------

extern "C" int PMPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[],
                                 const int edges[], int reorder, MPI_Comm* comm_graph) {
  (void)reorder;
  const char* call = "MPI_Graph_create";
  Comm* c = nullptr;
  Comm* created = nullptr;
  std::vector<int> idx;
  std::vector<int> e;
  Status s = weft::api::enter_comm(call, comm_old, &c);
  if (s.ok()) s = not_inter(call, c);
  if (s.ok() && comm_graph == nullptr) s = null_argument(call, "comm_graph");
  if (s.ok()) s = read_graph(call, c, nnodes, index, edges, &idx, &e);
  if (s.ok()) {
    EngineGuard guard;
    s = weft::graph_create(call, c, std::move(idx), std::move(e), &created);
  }
  return publish(call, c, s, created, comm_graph);
}

extern "C" int PMPI_Graphdims_get(MPI_Comm comm, int* nnodes, int* nedges) {
  const char* call = "MPI_Graphdims_get";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kGraph, &t);
  if (s.ok() && (nnodes == nullptr || nedges == nullptr)) {
    s = null_argument(call, nnodes == nullptr ? "nnodes" : "nedges");
  }
  if (s.ok()) {
    *nnodes = static_cast<int>(t->index.size());
    *nedges = static_cast<int>(t->edges.size());
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[],
                              int edges[]) {
  const char* call = "MPI_Graph_get";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kGraph, &t);
  if (s.ok() && (maxindex < 0 || maxedges < 0)) {
    s = weft::error(MPI_ERR_ARG, "%s: argument %s=%d is negative", call,
                    maxindex < 0 ? "maxindex" : "maxedges", maxindex < 0 ? maxindex : maxedges);
  }
  if (s.ok()) {
    const int ni = std::min<int>(maxindex, static_cast<int>(t->index.size()));
    const int ne = std::min<int>(maxedges, static_cast<int>(t->edges.size()));
    if (ni > 0 && index == nullptr) s = null_argument(call, "index");
    if (s.ok() && ne > 0 && edges == nullptr) s = null_argument(call, "edges");
    if (s.ok()) {
      for (int i = 0; i < ni; ++i) index[i] = t->index[static_cast<size_t>(i)];
      for (int i = 0; i < ne; ++i) edges[i] = t->edges[static_cast<size_t>(i)];
    }
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Graph_neighbors_count(MPI_Comm comm, int rank, int* nneighbors) {
  const char* call = "MPI_Graph_neighbors_count";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kGraph, &t);
  if (s.ok()) s = check_rank(call, "rank", rank, c->size());
  if (s.ok() && nneighbors == nullptr) s = null_argument(call, "nneighbors");
  if (s.ok()) {
    const int begin = rank == 0 ? 0 : t->index[static_cast<size_t>(rank) - 1];
    *nneighbors = t->index[static_cast<size_t>(rank)] - begin;
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors,
                                    int neighbors[]) {
  const char* call = "MPI_Graph_neighbors";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kGraph, &t);
  if (s.ok()) s = check_rank(call, "rank", rank, c->size());
  if (s.ok() && maxneighbors < 0) {
    s = weft::error(MPI_ERR_ARG, "%s: argument maxneighbors=%d is negative", call, maxneighbors);
  }
  if (s.ok()) {
    const int begin = rank == 0 ? 0 : t->index[static_cast<size_t>(rank) - 1];
    const int n = std::min(maxneighbors, t->index[static_cast<size_t>(rank)] - begin);
    if (n > 0 && neighbors == nullptr) s = null_argument(call, "neighbors");
    for (int i = 0; s.ok() && i < n; ++i) neighbors[i] = t->edges[static_cast<size_t>(begin + i)];
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Graph_map(MPI_Comm comm, int nnodes, const int index[], const int edges[],
                              int* newrank) {
  const char* call = "MPI_Graph_map";
  Comm* c = nullptr;
  std::vector<int> idx;
  std::vector<int> e;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = not_inter(call, c);
  if (s.ok() && newrank == nullptr) s = null_argument(call, "newrank");
  if (s.ok()) s = read_graph(call, c, nnodes, index, edges, &idx, &e);
  if (s.ok()) *newrank = c->rank() < nnodes ? c->rank() : MPI_UNDEFINED;
  return finish(call, c, s);
}

// ---- distributed graphs ----------------------------------------------------------------

extern "C" int PMPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree,
                                               const int sources[], const int sourceweights[],
                                               int outdegree, const int destinations[],
                                               const int destweights[], MPI_Info info,
                                               int reorder, MPI_Comm* comm_dist_graph) {
  (void)reorder;
  const char* call = "MPI_Dist_graph_create_adjacent";
  Comm* c = nullptr;
  Comm* created = nullptr;
  auto topology = std::make_shared<Topology>();
  bool in_weighted = false;
  bool out_weighted = false;
  Status s = weft::api::enter_comm(call, comm_old, &c);
  if (s.ok()) s = not_inter(call, c);
  if (s.ok() && comm_dist_graph == nullptr) s = null_argument(call, "comm_dist_graph");
  if (s.ok() && (indegree < 0 || outdegree < 0)) {
    s = weft::error(MPI_ERR_ARG, "%s: argument %s=%d is negative", call,
                    indegree < 0 ? "indegree" : "outdegree", indegree < 0 ? indegree : outdegree);
  }
  if (s.ok()) s = read_ranks(call, "sources", sources, indegree, c->size(), &topology->sources);
  if (s.ok()) {
    s = read_ranks(call, "destinations", destinations, outdegree, c->size(),
                   &topology->destinations);
  }
  if (s.ok()) {
    s = read_weights(call, "sourceweights", sourceweights, indegree, &topology->source_weights,
                     &in_weighted);
  }
  if (s.ok()) {
    s = read_weights(call, "destweights", destweights, outdegree,
                     &topology->destination_weights, &out_weighted);
  }
  if (s.ok() && in_weighted != out_weighted) {
    s = weft::error(MPI_ERR_ARG, "%s: sourceweights and destweights must both be "
                                 "MPI_UNWEIGHTED or neither", call);
  }
  if (s.ok()) s = check_info(call, info);
  if (s.ok()) {
    topology->weighted = in_weighted;
    EngineGuard guard;
    s = weft::dist_graph_create_adjacent(call, c, std::move(topology), &created);
  }
  return publish(call, c, s, created, comm_dist_graph);
}

extern "C" int PMPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[],
                                      const int degrees[], const int destinations[],
                                      const int weights[], MPI_Info info, int reorder,
                                      MPI_Comm* comm_dist_graph) {
  (void)reorder;
  const char* call = "MPI_Dist_graph_create";
  Comm* c = nullptr;
  Comm* created = nullptr;
  std::vector<int> src;
  std::vector<int> deg;
  std::vector<int> dst;
  std::vector<int> w;
  bool weighted = false;
  Status s = weft::api::enter_comm(call, comm_old, &c);
  if (s.ok()) s = not_inter(call, c);
  if (s.ok() && comm_dist_graph == nullptr) s = null_argument(call, "comm_dist_graph");
  if (s.ok() && n < 0) s = weft::error(MPI_ERR_ARG, "%s: argument n=%d is negative", call, n);
  if (s.ok()) s = read_ranks(call, "sources", sources, n, c->size(), &src);
  if (s.ok() && n > 0 && degrees == nullptr) s = null_argument(call, "degrees");
  int64_t edges = 0;
  for (int i = 0; s.ok() && i < n; ++i) {
    if (degrees[i] < 0) {
      s = weft::error(MPI_ERR_ARG, "%s: degrees[%d]=%d is negative", call, i, degrees[i]);
    } else {
      deg.push_back(degrees[i]);
      edges += degrees[i];
    }
  }
  if (s.ok() && edges > INT_MAX) {
    s = weft::error(MPI_ERR_ARG, "%s: the degrees add up to more than INT_MAX edges", call);
  }
  if (s.ok()) {
    s = read_ranks(call, "destinations", destinations, static_cast<int>(edges), c->size(), &dst);
  }
  if (s.ok()) s = read_weights(call, "weights", weights, static_cast<int>(edges), &w, &weighted);
  if (s.ok()) s = check_info(call, info);
  if (s.ok()) {
    EngineGuard guard;
    s = weft::dist_graph_create(call, c, src, deg, dst, w, weighted, &created);
  }
  return publish(call, c, s, created, comm_dist_graph);
}

extern "C" int PMPI_Dist_graph_neighbors_count(MPI_Comm comm, int* indegree, int* outdegree,
                                               int* weighted) {
  const char* call = "MPI_Dist_graph_neighbors_count";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kDistGraph, &t);
  if (s.ok() && (indegree == nullptr || outdegree == nullptr || weighted == nullptr)) {
    s = null_argument(call, indegree == nullptr    ? "indegree"
                            : outdegree == nullptr ? "outdegree"
                                                   : "weighted");
  }
  if (s.ok()) {
    *indegree = static_cast<int>(t->sources.size());
    *outdegree = static_cast<int>(t->destinations.size());
    *weighted = t->weighted ? 1 : 0;
  }
  return finish(call, c, s);
}

extern "C" int PMPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[],
                                         int sourceweights[], int maxoutdegree,
                                         int destinations[], int destweights[]) {
  const char* call = "MPI_Dist_graph_neighbors";
  Comm* c = nullptr;
  const Topology* t = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = topology_of(call, c, Topology::Kind::kDistGraph, &t);
  if (s.ok() && (maxindegree < static_cast<int>(t->sources.size()) ||
                 maxoutdegree < static_cast<int>(t->destinations.size()))) {
    s = weft::error(MPI_ERR_ARG, "%s: maxindegree=%d and maxoutdegree=%d must be at least "
                                 "the indegree %zu and outdegree %zu", call, maxindegree,
                    maxoutdegree, t->sources.size(), t->destinations.size());
  }
  const bool weights = s.ok() && t->weighted && sourceweights != MPI_UNWEIGHTED &&
                       destweights != MPI_UNWEIGHTED;
  if (s.ok() && !t->sources.empty() && sources == nullptr) s = null_argument(call, "sources");
  if (s.ok() && !t->destinations.empty() && destinations == nullptr) {
    s = null_argument(call, "destinations");
  }
  if (s.ok() && weights && ((!t->sources.empty() && sourceweights == nullptr) ||
                            (!t->destinations.empty() && destweights == nullptr))) {
    s = null_argument(call, sourceweights == nullptr ? "sourceweights" : "destweights");
  }
  if (s.ok()) {
    for (size_t i = 0; i < t->sources.size(); ++i) {
      sources[i] = t->sources[i];
      if (weights) sourceweights[i] = t->source_weights[i];
    }
    for (size_t i = 0; i < t->destinations.size(); ++i) {
      destinations[i] = t->destinations[i];
      if (weights) destweights[i] = t->destination_weights[i];
    }
  }
  return finish(call, c, s);
}

// ---- any kind --------------------------------------------------------------------------

extern "C" int PMPI_Topo_test(MPI_Comm comm, int* status) {
  const char* call = "MPI_Topo_test";
  Comm* c = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && status == nullptr) s = null_argument(call, "status");
  if (s.ok()) {
    const Topology* t = c->topology();
    *status = t == nullptr                         ? MPI_UNDEFINED
              : t->kind == Topology::Kind::kCart  ? MPI_CART
              : t->kind == Topology::Kind::kGraph ? MPI_GRAPH
                                                  : MPI_DIST_GRAPH;
  }
  return finish(call, c, s);
}
