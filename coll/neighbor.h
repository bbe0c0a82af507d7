// The neighbourhood collectives (MPI_Neighbor_* and MPI_Ineighbor_*), all as one exchange:
// each process sends a list of blocks, block i to out-neighbour i, and receives a list,
// block i from in-neighbour i. The entry layer turns each call's buffers, counts,
// displacements and datatypes into these lists, in the order the topology gives its
// neighbours (mpi/topology.h); blocks whose peer is MPI_PROC_NULL move nothing.
//
// Blocks with the same peer on both sides match in the order they are listed (the
// standard's rule for repeated neighbours), so a caller lists receives in the order the
// peer lists the matching sends: for a Cartesian topology, the block from the rank above
// before the one from the rank below, since each rank sends downwards first.
#pragma once

#include <cstddef>
#include <vector>

#include "base/error.h"
#include "coll/team.h"

namespace weft {
class Datatype;
class Request;
}  // namespace weft

namespace weft::coll {

struct NeighborBlock {
  int peer;         // a rank of the communicator, or MPI_PROC_NULL
  const void* at;   // the block's first element (sends) or where it lands (receives)
  size_t count;     // elements of `type`
  Datatype* type;
};

// Engine lock held; `request` as in coll/collectives.h.
Status neighbor_exchange(const char* call, const CommView& comm,
                         const std::vector<NeighborBlock>& sends,
                         const std::vector<NeighborBlock>& receives, Request** request);

}  // namespace weft::coll
