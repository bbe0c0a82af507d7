// Algorithm: dissemination barrier (Hensgen, Finkel and Manber 1988).
//
// Restrictions: none.
//
// Steps: in round k = 0, 1, ..., ⌈log2 p⌉-1 every rank signals rank + 2^k and waits for
// the signal of rank - 2^k (mod p). After round k a rank has heard, directly or through the
// chain, from the 2^(k+1) - 1 ranks before it, so after ⌈log2 p⌉ rounds from all of them.
// Sizes that are not powers of two need no special case: the distances simply wrap.
//
// Cost: ⌈log2 p⌉ α (zero-byte messages, one send and one receive per round and rank).
#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task barrier_dissemination(Context& c, Args) {
  const int p = c.size();
  const int r = c.rank();
  for (int round = 0; (1 << round) < p; ++round) {
    c.recv(ranks::dissemination_from(r, round, p), nullptr, 0);
    c.send(ranks::dissemination_to(r, round, p), nullptr, 0);
    co_await c.all();
  }
  co_return Status();
}

}  // namespace weft::coll
