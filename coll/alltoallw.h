// MPI_Alltoallw / MPI_Ialltoallw (coll/alltoall/alltoallw_linear.cc).
#pragma once

#include <vector>

#include "base/error.h"
#include "coll/per_rank.h"
#include "coll/team.h"
#include "mpi.h"

namespace weft {
class Datatype;
}  // namespace weft

namespace weft::coll {

struct AlltoallwArgs {
  const void* sendbuf;
  PerRank sendcounts;  // int, or MPI_Count for MPI_Alltoallw_c
  PerRank sdispls;     // bytes: int, or MPI_Aint
  std::vector<Datatype*> sendtypes;
  void* recvbuf;
  PerRank recvcounts;
  PerRank rdispls;  // bytes
  std::vector<Datatype*> recvtypes;
  bool in_place;
};

// Runs the exchange (engine lock held). With `request` it returns at once and hands back
// a request that completes with the exchange; without, it blocks until done.
Status alltoallw(const char* call, const AlltoallwArgs& args, const CommView& comm,
                 MPI_Request* request);

}  // namespace weft::coll
