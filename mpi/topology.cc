#include "mpi/topology.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "coll/team.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/comm_create.h"

namespace weft {

// ---- arithmetic ------------------------------------------------------------------------

int Topology::cart_size() const {
  int n = 1;
  for (int d : dims) n *= d;
  return n;
}

std::vector<int> Topology::coords(int rank) const {
  std::vector<int> c(dims.size());
  for (size_t i = dims.size(); i-- > 0;) {
    c[i] = rank % dims[i];
    rank /= dims[i];
  }
  return c;
}

int Topology::rank_at(const std::vector<int>& c) const {
  int rank = 0;
  for (size_t i = 0; i < dims.size(); ++i) {
    int x = c[i];
    if (x < 0 || x >= dims[i]) {
      if (!periods[i]) return -1;
      x %= dims[i];
      if (x < 0) x += dims[i];
    }
    rank = rank * dims[i] + x;
  }
  return rank;
}

void Topology::shift(int rank, int direction, int displacement, int* source,
                     int* destination) const {
  std::vector<int> c = coords(rank);
  const int at = c[static_cast<size_t>(direction)];
  c[static_cast<size_t>(direction)] = at + displacement;
  const int up = rank_at(c);
  c[static_cast<size_t>(direction)] = at - displacement;
  const int down = rank_at(c);
  *destination = up < 0 ? MPI_PROC_NULL : up;
  *source = down < 0 ? MPI_PROC_NULL : down;
}

void Topology::neighbours(int rank, std::vector<int>* in, std::vector<int>* out) const {
  in->clear();
  out->clear();
  switch (kind) {
    case Kind::kCart:
      for (size_t d = 0; d < dims.size(); ++d) {
        int below = MPI_PROC_NULL;
        int above = MPI_PROC_NULL;
        shift(rank, static_cast<int>(d), 1, &below, &above);
        in->push_back(below);
        in->push_back(above);
      }
      *out = *in;
      break;
    case Kind::kGraph: {
      const int begin = rank == 0 ? 0 : index[static_cast<size_t>(rank) - 1];
      in->assign(edges.begin() + begin, edges.begin() + index[static_cast<size_t>(rank)]);
      *out = *in;
      break;
    }
    case Kind::kDistGraph:
      *in = sources;
      *out = destinations;
      break;
  }
}

namespace {

// True when the non-increasing tuple `a` is preferred to `b` of equal spread: the larger
// last entry wins, then the larger entry before it, and so on. 5040 in 3-D is 21 x 16 x 15,
// not 20 x 18 x 14: both spread 6, and 15 > 14.
bool larger_from_last(const std::vector<int>& a, const std::vector<int>& b) {
  for (size_t i = a.size(); i-- > 0;) {
    if (a[i] != b[i]) return a[i] > b[i];
  }
  return false;
}

// Fills current[depth..] with non-increasing divisors of `left`, each at most `limit`;
// keeps in *best the complete tuple with the smallest spread (largest minus smallest
// entry), ties going to `larger_from_last`.
void search_dims(int left, size_t depth, int limit, std::vector<int>& current,
                 std::vector<int>* best, int* best_spread) {
  const size_t remaining = current.size() - depth;
  if (remaining == 1) {
    if (left > limit) return;
    current[depth] = left;
    const int spread = current.front() - left;
    if (*best_spread < 0 || spread < *best_spread ||
        (spread == *best_spread && larger_from_last(current, *best))) {
      *best_spread = spread;
      *best = current;
    }
    return;
  }
  // This entry is the largest of the rest: at least the remaining-th root of `left`.
  int low = 1;
  while (true) {
    int64_t power = 1;
    for (size_t k = 0; k < remaining && power < left; ++k) power *= low;
    if (power >= left) break;
    ++low;
  }
  for (int v = low; v <= limit && v <= left; ++v) {
    if (left % v != 0) continue;
    // With v the largest entry the last one is at most left / v, so the spread is at
    // least v - left / v, which only grows with v: stop once it cannot beat the best.
    if (depth == 0 && *best_spread >= 0 && v - left / v > *best_spread) break;
    current[depth] = v;
    search_dims(left / v, depth + 1, v, current, best, best_spread);
  }
}

}  // namespace

Status dims_create(const char* call, int nodes, int ndims, int* dims) {
  if (nodes <= 0) {
    return error(MPI_ERR_ARG, "%s: argument nnodes=%d must be positive", call, nodes);
  }
  if (ndims < 0) return error(MPI_ERR_DIMS, "%s: argument ndims=%d is negative", call, ndims);
  int fixed = 1;
  int free_dims = 0;
  for (int i = 0; i < ndims; ++i) {
    if (dims[i] < 0) {
      return error(MPI_ERR_DIMS, "%s: dims[%d]=%d is negative", call, i, dims[i]);
    }
    if (dims[i] == 0) {
      ++free_dims;
    } else {
      fixed *= dims[i];
    }
  }
  if (nodes % fixed != 0) {
    return error(MPI_ERR_DIMS,
                 "%s: the given dimensions multiply to %d, which does not divide nnodes=%d",
                 call, fixed, nodes);
  }
  if (free_dims == 0) {
    if (fixed != nodes) {
      return error(MPI_ERR_DIMS, "%s: the dimensions multiply to %d, not nnodes=%d", call,
                   fixed, nodes);
    }
    return Status();
  }
  // The non-increasing tuple of free dimensions whose product is what the fixed ones
  // leave and whose largest and smallest entries are closest (ties: `larger_from_last`),
  // found by a search over divisors: greedy placement of prime factors
  // misses answers such as 72 = 9 x 8.
  const int left = nodes / fixed;
  std::vector<int> chosen(static_cast<size_t>(free_dims), 1);
  std::vector<int> current(static_cast<size_t>(free_dims), 1);
  int best_spread = -1;
  search_dims(left, 0, left, current, &chosen, &best_spread);
  size_t next = 0;
  for (int i = 0; i < ndims; ++i) {
    if (dims[i] == 0) dims[i] = chosen[next++];
  }
  return Status();
}

// ---- constructors ----------------------------------------------------------------------

namespace {

// The first `n` ranks of `parent`, in order, with `topology` attached.
Status first_ranks(const char* call, Comm* parent, int n, std::shared_ptr<Topology> topology,
                   Comm** out) {
  const bool member = parent->rank() < n;
  WEFT_TRY(comm_split(call, parent, member ? 0 : MPI_UNDEFINED, parent->rank(), out));
  if (*out != nullptr) (*out)->set_topology(std::move(topology));
  return Status();
}

}  // namespace

Status cart_create(const char* call, Comm* parent, std::vector<int> dims,
                   std::vector<int> periods, Comm** out) {
  auto topology = std::make_shared<Topology>();
  topology->kind = Topology::Kind::kCart;
  topology->dims = std::move(dims);
  topology->periods = std::move(periods);
  for (int& p : topology->periods) p = p != 0 ? 1 : 0;
  const int n = topology->cart_size();
  return first_ranks(call, parent, n, std::move(topology), out);
}

Status cart_sub(const char* call, Comm* parent, const std::vector<int>& remain, Comm** out) {
  const Topology& grid = *parent->topology();
  const std::vector<int> mine = grid.coords(parent->rank());
  // The color: this process's coordinates in the dimensions dropped; the key: its rank
  // (row-major order over the kept dimensions follows the parent's order).
  int color = 0;
  auto topology = std::make_shared<Topology>();
  topology->kind = Topology::Kind::kCart;
  for (size_t d = 0; d < grid.dims.size(); ++d) {
    if (remain[d]) {
      topology->dims.push_back(grid.dims[d]);
      topology->periods.push_back(grid.periods[d]);
    } else {
      color = color * grid.dims[d] + mine[d];
    }
  }
  WEFT_TRY(comm_split(call, parent, color, parent->rank(), out));
  (*out)->set_topology(std::move(topology));
  return Status();
}

Status graph_create(const char* call, Comm* parent, std::vector<int> index,
                    std::vector<int> edges, Comm** out) {
  auto topology = std::make_shared<Topology>();
  topology->kind = Topology::Kind::kGraph;
  const int n = static_cast<int>(index.size());
  topology->index = std::move(index);
  topology->edges = std::move(edges);
  return first_ranks(call, parent, n, std::move(topology), out);
}

Status dist_graph_create_adjacent(const char* call, Comm* parent,
                                  std::shared_ptr<Topology> topology, Comm** out) {
  topology->kind = Topology::Kind::kDistGraph;
  WEFT_TRY(comm_dup(call, parent, out));
  (*out)->set_topology(std::move(topology));
  return Status();
}

Status dist_graph_create(const char* call, Comm* parent, const std::vector<int>& sources,
                         const std::vector<int>& degrees, const std::vector<int>& destinations,
                         const std::vector<int>& weights, bool weighted, Comm** out) {
  // Every process learns every edge: (source, destination, weight) triples, padded to the
  // longest list. Each keeps those that end or start at it, in the order of the giving
  // processes' ranks and, within one, of their lists.
  std::vector<int> mine;
  size_t e = 0;
  for (size_t i = 0; i < sources.size(); ++i) {
    for (int k = 0; k < degrees[i]; ++k, ++e) {
      mine.push_back(sources[i]);
      mine.push_back(destinations[e]);
      mine.push_back(weighted ? weights[e] : 1);
    }
  }
  const coll::Team team = parent->coll_team();
  const size_t p = static_cast<size_t>(parent->size());
  const int64_t length = static_cast<int64_t>(mine.size());
  std::vector<int64_t> lengths(p);
  WEFT_TRY(coll::allgather_bytes(team, &length, sizeof length, lengths.data()));
  const size_t longest = static_cast<size_t>(*std::max_element(lengths.begin(), lengths.end()));
  mine.resize(std::max<size_t>(longest, 1), 0);
  std::vector<int> all(std::max<size_t>(longest, 1) * p);
  WEFT_TRY(coll::allgather_bytes(team, mine.data(), mine.size() * sizeof(int), all.data()));

  auto topology = std::make_shared<Topology>();
  topology->kind = Topology::Kind::kDistGraph;
  topology->weighted = weighted;
  const int me = parent->rank();
  for (size_t r = 0; r < p; ++r) {
    const int* edges = &all[r * std::max<size_t>(longest, 1)];
    for (int64_t i = 0; i + 2 < lengths[r]; i += 3) {
      const int from = edges[i];
      const int to = edges[i + 1];
      const int weight = edges[i + 2];
      if (from == me) {
        topology->destinations.push_back(to);
        topology->destination_weights.push_back(weight);
      }
      if (to == me) {
        topology->sources.push_back(from);
        topology->source_weights.push_back(weight);
      }
    }
  }
  WEFT_TRY(comm_dup(call, parent, out));
  (*out)->set_topology(std::move(topology));
  return Status();
}

}  // namespace weft
