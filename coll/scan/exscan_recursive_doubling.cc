// Algorithm: recursive-doubling exclusive scan.
//
// Restrictions: none. Non-commutative ops are reduced strictly in rank order.
//
// Steps: as scan_recursive_doubling, except that the result starts empty: the first
// partial received from a lower partner becomes the result, later ones are combined on its
// left. Rank 0 never hears from a lower rank and leaves its receive buffer untouched, as
// the standard leaves it undefined. The input is copied before anything is received, so
// MPI_IN_PLACE works.
//
// Cost: ⌈log2 p⌉ (α + n β + 2 n γ) at most.
#include <cstring>
#include <utility>

#include "coll/algorithms.h"
#include "coll/reduction.h"

namespace weft::coll {

Task exscan_recursive_doubling(Context& c, Args a) {
  const Reduction& op = *a.op;
  const int p = c.size();
  const int r = c.rank();
  const size_t n = a.count * op.unit();
  Scratch partial_storage;
  Scratch incoming_storage;
  char* partial = scratch_like(partial_storage, n, a.send);
  char* incoming = scratch_like(incoming_storage, n, a.send);
  std::memcpy(partial, a.send, n);
  bool have_result = false;
  for (int distance = 1; distance < p; distance *= 2) {
    const int partner = r ^ distance;
    if (partner >= p) continue;
    c.recv(partner, incoming, n);
    c.send(partner, partial, n);
    co_await c.all();
    if (partner < r) {
      op.apply(incoming, partial, a.count);
      if (have_result) {
        op.apply(incoming, a.recv, a.count);
      } else {
        std::memcpy(a.recv, incoming, n);
        have_result = true;
      }
    } else if (op.commutative()) {
      op.apply(incoming, partial, a.count);
    } else {
      op.apply(partial, incoming, a.count);
      std::swap(partial, incoming);
    }
  }
  co_return Status();
}

}  // namespace weft::coll
