// Algorithm: Bruck alltoall (Bruck et al. 1997).
//
// Restrictions: none.
//
// Steps:
//   1. Local rotation: slot i takes the block destined for rank r + i.
//   2. For k = 0..⌈log2 p⌉-1, with d = 2^k: pack every slot i whose bit k is set, send the
//      pack to r + d, receive the matching pack from r - d and unpack it into the same
//      slots. A block in slot i travels i ranks forward in total (the sum of i's bits), so
//      at the end slot i of rank r holds the block that rank r - i sent to r.
//   3. Inverse rotation: the block from rank s is in slot r - s.
//
// Cost: ⌈log2 p⌉ α + ⌈log2 p⌉ n/2 β, n = p blocks, plus local copies: fewer messages than
// any direct exchange at the price of moving every block about log2 p / 2 times. The choice
// for short blocks on many ranks.
#include <cstring>

#include "coll/algorithms.h"
#include "coll/rank_math.h"

namespace weft::coll {

Task alltoall_bruck(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  const size_t block = a.bytes;
  Scratch slots(static_cast<size_t>(p) * block);
  for (int i = 0; i < p; ++i) {
    std::memcpy(slots.data() + static_cast<size_t>(i) * block,
                a.send + static_cast<size_t>((r + i) % p) * block, block);
  }
  const size_t most = static_cast<size_t>((p + 1) / 2) * block;
  Scratch outgoing(most);
  Scratch incoming(most);
  for (int distance = 1; distance < p; distance *= 2) {
    size_t packed = 0;
    for (int i = distance; i < p; ++i) {
      if ((i & distance) == 0) continue;
      std::memcpy(outgoing.data() + packed, slots.data() + static_cast<size_t>(i) * block, block);
      packed += block;
    }
    c.recv(ranks::ring_add(r, -distance, p), incoming.data(), packed);
    c.send(ranks::ring_add(r, distance, p), outgoing.data(), packed);
    co_await c.all();
    size_t at = 0;
    for (int i = distance; i < p; ++i) {
      if ((i & distance) == 0) continue;
      std::memcpy(slots.data() + static_cast<size_t>(i) * block, incoming.data() + at, block);
      at += block;
    }
  }
  for (int source = 0; source < p; ++source) {
    std::memcpy(a.recv + static_cast<size_t>(source) * block,
                slots.data() + static_cast<size_t>(ranks::ring_add(r, -source, p)) * block, block);
  }
  co_return Status();
}

}  // namespace weft::coll
