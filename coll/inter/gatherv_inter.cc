// Algorithm: linear intercommunicator gatherv: every process of the sending group sends
// its block straight to the root.
//
// Restrictions: none.
//
// Steps: MPI_ROOT posts one receive per remote rank, all at once, each into that rank's
// block; every process of the other group sends its block to the root. (Only the root
// knows the block sizes, so a local gather first would need them sent around.)
//
// Cost: q α + n β at the root.
#include "coll/inter/inter_algorithms.h"
#include "mpi.h"

namespace weft::coll {

Task gatherv_inter(Context& c, Args a) {
  if (a.root == MPI_ROOT) {
    for (int i = 0; i < c.remote_size(); ++i) {
      c.recv_remote(i, a.recv + a.recv_offsets[i], a.recv_sizes[i]);
    }
  } else {
    c.send_remote(a.root, a.send, a.bytes);
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
