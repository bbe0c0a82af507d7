#include "coll/inter/leader_phases.h"

#include "coll/reduction.h"

namespace weft::coll {

Task gather_at_leader(Context& c, Args a, Scratch& gathered, const char** blocks) {
  *blocks = a.send;
  if (c.size() == 1) co_return Status();
  if (c.rank() == 0) gathered.resize(static_cast<size_t>(c.size()) * a.bytes);
  a.root = 0;
  a.recv = gathered.data();
  WEFT_CO_TRY(co_await gather_binomial(c, a));
  *blocks = gathered.data();
  co_return Status();
}

Task reduce_at_leader(Context& c, Args a, Scratch& reduced, const char** result) {
  *result = a.send;
  if (c.size() == 1) co_return Status();
  a.root = 0;
  a.recv = c.rank() == 0 ? scratch_like(reduced, a.count * a.op->unit(), a.send) : nullptr;
  WEFT_CO_TRY(co_await reduce_binomial(c, a));
  *result = a.recv;
  co_return Status();
}

}  // namespace weft::coll
