// Algorithm: linear gatherv.
//
// Restrictions: none.
//
// Steps: every non-root rank sends its block to the root; the root posts all p - 1
// receives at once, each straight into its place in the result, and copies its own block
// (unless it is already in place).
//
// Cost: (p-1) α + (p-1)/p n β at the root, whose link carries every block once. Block
// sizes differ per rank and only the root knows them all, which rules out trees whose
// inner ranks would have to forward ranges of unknown size.
#include <cstring>

#include "coll/algorithms.h"

namespace weft::coll {

Task gatherv_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  if (r != a.root) {
    c.send(a.root, a.send, a.bytes);
    co_await c.all();
    co_return Status();
  }
  for (int i = 1; i < p; ++i) {
    const int from = (r + i) % p;
    c.recv(from, a.recv + a.recv_offsets[from], a.recv_sizes[from]);
  }
  if (a.send != nullptr) std::memcpy(a.recv + a.recv_offsets[r], a.send, a.recv_sizes[r]);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
