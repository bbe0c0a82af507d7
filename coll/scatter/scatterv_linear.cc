// Algorithm: linear scatterv.
//
// Restrictions: none.
//
// Steps: the root posts one send per rank, all at once, each straight from the rank's
// block, and copies its own block (unless it receives in place); every other rank
// receives its block from the root.
//
// Cost: (p-1) α + (p-1)/p n β at the root.
#include <cstring>

#include "coll/algorithms.h"

namespace weft::coll {

Task scatterv_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  if (r != a.root) {
    c.recv(a.root, a.recv, a.bytes);
    co_await c.all();
    co_return Status();
  }
  for (int i = 1; i < p; ++i) {
    const int to = (r + i) % p;
    c.send(to, a.send + a.send_offsets[to], a.send_sizes[to]);
  }
  if (a.recv != nullptr) std::memcpy(a.recv, a.send + a.send_offsets[r], a.send_sizes[r]);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
