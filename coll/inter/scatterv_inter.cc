// Algorithm: linear intercommunicator scatterv: the root sends each remote process its
// block directly.
//
// Restrictions: none.
//
// Steps: MPI_ROOT posts one send per remote rank, all at once, each from that rank's block;
// every process of the other group receives its block from the root.
//
// Cost: q α + n β at the root.
#include "coll/inter/inter_algorithms.h"
#include "mpi.h"

namespace weft::coll {

Task scatterv_inter(Context& c, Args a) {
  if (a.root == MPI_ROOT) {
    for (int i = 0; i < c.remote_size(); ++i) {
      c.send_remote(i, a.send + a.send_offsets[i], a.send_sizes[i]);
    }
  } else {
    c.recv_remote(a.root, a.recv, a.bytes);
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
