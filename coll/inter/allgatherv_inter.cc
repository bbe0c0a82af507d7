// Algorithm: intercommunicator allgatherv: every process sends its block to the remote
// leader, which broadcasts the whole remote group's data in its group.
//
// Restrictions: none.
//
// Steps: 1. every process sends its block to rank 0 of the remote group (only the remote
// group knows the block sizes, from its recvcounts); 2. each leader receives the q remote
// blocks one after another in rank order; 3. a broadcast from the leader (chosen by the
// selection rules) hands that packed area to its group, and each process places the blocks
// at their offsets. When the offsets already are the packed order, the blocks go straight
// into the result.
//
// Cost: q α + n_r β at each leader, then ⌈log2 p⌉ (α + n_r β), n_r the remote group's
// blocks.
#include <cstring>

#include "coll/inter/inter_algorithms.h"
#include "coll/inter/leader_phases.h"

namespace weft::coll {

Task allgatherv_inter(Context& c, Args a) {
  const int q = c.remote_size();
  size_t total = 0;
  bool packed = true;  // the blocks lie one after another in rank order
  for (int i = 0; i < q; ++i) {
    packed = packed && a.recv_offsets[i] == total;
    total += a.recv_sizes[i];
  }
  Scratch staged;
  char* area = a.recv;
  if (!packed) {
    staged.resize(total);
    area = staged.data();
  }
  c.send_remote(0, a.send, a.bytes);
  if (c.rank() == 0) {
    size_t at = 0;
    for (int i = 0; i < q; ++i) {
      c.recv_remote(i, area + at, a.recv_sizes[i]);
      at += a.recv_sizes[i];
    }
  }
  co_await c.all();
  Args release;
  release.root = 0;
  release.recv = area;
  release.bytes = total;
  WEFT_CO_TRY(co_await bcast_from_leader(c, release));
  if (!packed) {
    size_t at = 0;
    for (int i = 0; i < q; ++i) {
      std::memcpy(a.recv + a.recv_offsets[i], area + at, a.recv_sizes[i]);
      at += a.recv_sizes[i];
    }
  }
  co_return Status();
}

}  // namespace weft::coll
