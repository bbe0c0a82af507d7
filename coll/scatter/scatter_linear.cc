// Algorithm: linear (flat) scatter.
//
// Restrictions: none.
//
// Steps: the root posts one send per rank at once, each straight from that rank's block of
// the send buffer, and copies its own block (unless it receives in place); every other
// rank receives its block from the root straight into its result buffer.
//
// Cost: (p-1) α + (p-1)/p n β at the root, n = p blocks. The mirror of gather_linear:
// nothing is forwarded or staged, so no rank waits for an intermediate one to be
// scheduled, and short blocks leave the root as eager messages without waiting at all.
#include <cstring>

#include "coll/algorithms.h"

namespace weft::coll {

Task scatter_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const size_t block = a.bytes;
  if (r != a.root) {
    c.recv(a.root, a.recv, block);
    co_await c.all();
    co_return Status();
  }
  for (int i = 1; i < p; ++i) {
    const int to = (r + i) % p;
    c.send(to, a.send + static_cast<size_t>(to) * block, block);
  }
  if (a.recv != nullptr) std::memcpy(a.recv, a.send + static_cast<size_t>(r) * block, block);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
