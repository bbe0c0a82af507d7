// Algorithm: recursive-doubling inclusive scan.
//
// Restrictions: none. Non-commutative ops are reduced strictly in rank order.
//
// Steps: each rank keeps two vectors: `partial`, the reduction over the aligned group of
// ranks it has heard from (itself included), and the result, the reduction over the ranks
// up to itself. In the step with distance d = 1, 2, 4, ... rank r exchanges `partial`
// with r XOR d when that rank exists. A partner below r covers the ranks just before r's
// group: its partial is combined on the left of both vectors. A partner above r covers
// the ranks just after: its partial is combined on the right of `partial` only. Ranks
// whose partner would be p or more skip the step, which handles any p.
//
// Cost: ⌈log2 p⌉ (α + n β + 2 n γ) at most.
#include <cstring>
#include <utility>

#include "coll/algorithms.h"
#include "coll/reduction.h"

namespace weft::coll {

Task scan_recursive_doubling(Context& c, Args a) {
  const Reduction& op = *a.op;
  const int p = c.size();
  const int r = c.rank();
  const size_t n = a.count * op.unit();
  if (a.send != a.recv) std::memcpy(a.recv, a.send, n);
  Scratch partial_storage;
  Scratch incoming_storage;
  char* partial = scratch_like(partial_storage, n, a.recv);
  char* incoming = scratch_like(incoming_storage, n, a.recv);
  std::memcpy(partial, a.recv, n);
  for (int distance = 1; distance < p; distance *= 2) {
    const int partner = r ^ distance;
    if (partner >= p) continue;
    c.recv(partner, incoming, n);
    c.send(partner, partial, n);
    co_await c.all();
    if (partner < r) {
      op.apply(incoming, partial, a.count);
      op.apply(incoming, a.recv, a.count);
    } else if (op.commutative()) {
      op.apply(incoming, partial, a.count);
    } else {
      op.apply(partial, incoming, a.count);  // partial op theirs, left in `incoming`
      std::swap(partial, incoming);
    }
  }
  co_return Status();
}

}  // namespace weft::coll
