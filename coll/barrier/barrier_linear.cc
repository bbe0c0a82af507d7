// Algorithm: linear (fan-in, fan-out) barrier.
//
// Restrictions: none.
//
// Steps: every rank other than 0 posts a receive for its release, then signals rank 0;
// rank 0 waits for all p - 1 signals, then releases every rank at once.
//
// Cost: 2 α on the critical path plus (p-1) message handlings at rank 0. Dissemination
// needs ⌈log2 p⌉ rounds in which every rank must hear from another, so on a host with fewer
// cores than ranks each round can wait for a sleeping rank to be scheduled; here each rank
// other than 0 waits for one message only, and rank 0 leaves first, as soon as its
// releases are out.
#include "coll/algorithms.h"

namespace weft::coll {

Task barrier_linear(Context& c, Args) {
  const int p = c.size();
  if (c.rank() != 0) {
    c.recv(0, nullptr, 0);
    c.send(0, nullptr, 0);
    co_await c.all();
    co_return Status();
  }
  for (int i = 1; i < p; ++i) c.recv(i, nullptr, 0);
  co_await c.all();
  for (int i = 1; i < p; ++i) c.send(i, nullptr, 0);
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
