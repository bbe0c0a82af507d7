// Virtual topologies (MPI-4.1 chapter 8): Cartesian grids, graphs and distributed graphs
// attached to intracommunicators, the arithmetic on them (MPI_Dims_create, ranks and
// coordinates, shifts) and the constructors. A topology never changes once made: duplicates
// of a communicator share it.
//
// Reordering: weft keeps every process at its rank in the old communicator (the standard
// allows ignoring `reorder`); the ranks past the grid's or graph's size get MPI_COMM_NULL.
#pragma once

#include <memory>
#include <vector>

#include "base/error.h"

namespace weft {

class Comm;

struct Topology {
  enum class Kind { kCart, kGraph, kDistGraph };
  Kind kind = Kind::kCart;

  // Cartesian: the extent and periodicity of each dimension, row-major ranks.
  std::vector<int> dims;
  std::vector<int> periods;

  // Graph (MPI_Graph_create): index[i] is the end of node i's edges in `edges`.
  std::vector<int> index;
  std::vector<int> edges;

  // Distributed graph, this process's part: where its messages come from and go to.
  std::vector<int> sources;
  std::vector<int> source_weights;
  std::vector<int> destinations;
  std::vector<int> destination_weights;
  bool weighted = false;

  int cart_size() const;
  // Coordinates of `rank` in the grid (rank < cart_size()).
  std::vector<int> coords(int rank) const;
  // The rank at `coords`, periodic dimensions wrapped; -1 when a coordinate of a
  // non-periodic dimension lies outside it.
  int rank_at(const std::vector<int>& coords) const;
  // MPI_Cart_shift: the ranks `displacement` steps down and up dimension `direction` from
  // `rank`, MPI_PROC_NULL past the edge of a non-periodic one.
  void shift(int rank, int direction, int displacement, int* source, int* destination) const;

  // The neighbourhood of `rank` as the neighbourhood collectives see it: the ranks it
  // receives from (in order) and sends to (in order). Cartesian: for each dimension the
  // rank below, then the rank above (MPI_PROC_NULL off a non-periodic edge), both lists
  // alike; graph: the node's edges, both lists alike; distributed graph: sources and
  // destinations.
  void neighbours(int rank, std::vector<int>* in, std::vector<int>* out) const;
};

// MPI_Dims_create: fills the zero entries of dims[0, ndims) so that the product is `nodes`,
// the dimensions as close to each other as possible, in non-increasing order.
Status dims_create(const char* call, int nodes, int ndims, int* dims);

// The constructors; `*out` is nullptr on processes outside the new communicator. They are
// collective over `parent` (an intracommunicator); the engine lock is held.
Status cart_create(const char* call, Comm* parent, std::vector<int> dims,
                   std::vector<int> periods, Comm** out);
Status cart_sub(const char* call, Comm* parent, const std::vector<int>& remain, Comm** out);
Status graph_create(const char* call, Comm* parent, std::vector<int> index,
                    std::vector<int> edges, Comm** out);
// Every process gives its own neighbourhood (MPI_Dist_graph_create_adjacent).
Status dist_graph_create_adjacent(const char* call, Comm* parent,
                                  std::shared_ptr<Topology> topology, Comm** out);
// Every process gives any edges (MPI_Dist_graph_create): `sources[i]` has `degrees[i]`
// outgoing edges, to the next entries of `destinations` (weights alongside unless
// unweighted). The edges reach their endpoints through the parent.
Status dist_graph_create(const char* call, Comm* parent, const std::vector<int>& sources,
                         const std::vector<int>& degrees, const std::vector<int>& destinations,
                         const std::vector<int>& weights, bool weighted, Comm** out);

}  // namespace weft
