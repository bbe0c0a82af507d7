// Algorithm: linear (direct) alltoallv.
//
// Restrictions: none.
//
// Steps: all p - 1 receives and all p - 1 sends posted at once (peers r + i in turn), plus
// the local copy of the own block.
//
// Cost: (p-1) α + Σ (block sizes) β with every transfer in flight together.
#include <cstring>

#include "coll/algorithms.h"

namespace weft::coll {

Task alltoallv_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  for (int i = 1; i < p; ++i) {
    const int from = (r - i + p) % p;
    c.recv(from, a.recv + a.recv_offsets[from], a.recv_sizes[from]);
  }
  for (int i = 1; i < p; ++i) {
    const int to = (r + i) % p;
    c.send(to, a.send + a.send_offsets[to], a.send_sizes[to]);
  }
  std::memcpy(a.recv + a.recv_offsets[r], a.send + a.send_offsets[r], a.recv_sizes[r]);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
