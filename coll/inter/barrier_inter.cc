// Algorithm: intercommunicator barrier: local barrier, leaders' handshake, local release.
//
// Restrictions: none.
//
// Steps: 1. a dissemination barrier in the local group: once the leader leaves it, every
// local process has entered; 2. the two leaders swap zero-byte messages: each then knows
// the other group has entered too; 3. each leader releases its group with a zero-byte
// binomial broadcast. So no process leaves before every process of both groups has entered.
//
// Cost: (2 ⌈log2 p⌉ + 1) α.
#include "coll/inter/inter_algorithms.h"

namespace weft::coll {

Task barrier_inter(Context& c, Args a) {
  WEFT_CO_TRY(co_await barrier_dissemination(c, a));
  if (c.rank() == 0) {
    c.send_remote(0, nullptr, 0);
    c.recv_remote(0, nullptr, 0);
    co_await c.all();
  }
  Args release;
  release.root = 0;
  WEFT_CO_TRY(co_await bcast_binomial(c, release));
  co_return Status();
}

}  // namespace weft::coll
