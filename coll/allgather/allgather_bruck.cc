// Algorithm: Bruck allgather (Bruck et al. 1997).
//
// Restrictions: none.
//
// Steps: a temporary buffer holds blocks in the order "own rank first": slot i holds the
// block of rank r + i. In step k with distance d = 2^k, rank r sends its first
// min(d, p - d) slots to r - d and receives as many from r + d into slots d.., whose first
// slots hold exactly the blocks r + d, r + d + 1, ... that r is missing. After ⌈log2 p⌉
// steps all p slots are full; a final rotation puts block i of slot i at rank r + i.
//
// Cost: ⌈log2 p⌉ α + (p-1)/p n β + one local copy of n: logarithmic steps for any p,
// the short-message choice where p is not a power of two.
#include <algorithm>
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task allgather_bruck(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const size_t block = a.bytes;
  Scratch slots(static_cast<size_t>(p) * block);
  std::memcpy(slots.data(), a.recv + static_cast<size_t>(r) * block, block);
  for (int distance = 1; distance < p; distance *= 2) {
    const size_t bytes = static_cast<size_t>(std::min(distance, p - distance)) * block;
    c.recv(ranks::bruck_from(r, distance, p), slots.data() + static_cast<size_t>(distance) * block, bytes);
    c.send(ranks::bruck_to(r, distance, p), slots.data(), bytes);
    co_await c.all();
  }
  // Slot i holds rank (r + i) mod p: slots [0, p - r) go to ranks [r, p), the rest to [0, r).
  const size_t head = static_cast<size_t>(p - r) * block;
  std::memcpy(a.recv + static_cast<size_t>(r) * block, slots.data(), head);
  std::memcpy(a.recv, slots.data() + head, static_cast<size_t>(r) * block);
  co_return Status();
}

}  // namespace weft::coll
