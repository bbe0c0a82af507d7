// Algorithm: intercommunicator scatter: the root sends every block to the remote leader in
// one message, which scatters them in its group.
//
// Restrictions: none.
//
// Steps: MPI_ROOT sends its q blocks to rank 0 of the remote group; that rank receives them
// (a group of one straight into its result) and scatters them in its group (the algorithm
// the selection rules choose: leader_phases.h).
//
// Cost: α + n β (n = q blocks), then ⌈log2 q⌉ α + (q-1)/q n β in the receiving group.
#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"
#include "mpi.h"

namespace weft::coll {

Task scatter_inter(Context& c, Args a) {
  if (a.root == MPI_ROOT) {
    c.send_remote(0, a.send, static_cast<size_t>(c.remote_size()) * a.bytes);
    co_await c.all();
    co_return Status();
  }
  const int p = c.size();
  if (p == 1) {
    c.recv_remote(a.root, a.recv, a.bytes);
    co_await c.all();
    co_return Status();
  }
  Scratch blocks;
  if (c.rank() == 0) {
    blocks.resize(static_cast<size_t>(p) * a.bytes);
    c.recv_remote(a.root, blocks.data(), static_cast<size_t>(p) * a.bytes);
    co_await c.all();
  }
  Args local = a;
  local.send = blocks.data();
  co_return co_await scatter_from_leader(c, local);
}

}  // namespace weft::coll
