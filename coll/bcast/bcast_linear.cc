// Algorithm: linear (flat) broadcast.
//
// Restrictions: none.
//
// Steps: the root posts a send of the whole message to every other rank at once (to
// root + 1, root + 2, ... in turn); every other rank receives it from the root.
//
// Cost: (p-1) α + (p-1) n β at the root. The binomial tree needs ⌈log2 p⌉ steps, but each
// step waits for an intermediate rank to receive and forward. On few ranks that wait is
// the larger cost, above all when ranks share cores: a forwarding rank must first be
// scheduled. A short message leaves the root as p - 1 eager sends and the root is done;
// a long one takes the rendezvous protocol to each receiver (on shared memory pipelined
// through each receiver's ring, or, when ranks outnumber cores, read by every receiver
// straight from the root's buffer).
#include "coll/algorithms.h"

namespace weft::coll {

Task bcast_linear(Context& c, Args a) {
  const int p = c.size();
  const int r = c.rank();
  if (r != a.root) {
    c.recv(a.root, a.recv, a.bytes);
    co_await c.all();
    co_return Status();
  }
  for (int i = 1; i < p; ++i) c.send((r + i) % p, a.recv, a.bytes);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
