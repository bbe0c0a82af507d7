#include "coll/inter/leader_phases.h"

#include "coll/reduction.h"
#include "coll/select.h"

namespace weft::coll {

namespace {

// Runs the algorithm the rules choose for `collective` with `features` on the local group.
Task run_selected(Context& c, Collective collective, Features features, Args a) {
  const AlgorithmInfo* chosen = nullptr;
  WEFT_CO_TRY(select_algorithm(c.call(), collective, features, c.rank(), &chosen));
  co_return co_await chosen->run(c, a);
}

Features local_features(const Context& c, size_t bytes) {
  Features f;
  f.size = c.size();
  f.bytes = bytes;
  return f;
}

}  // namespace

Task gather_at_leader(Context& c, Args a, Scratch& gathered, const char** blocks) {
  *blocks = a.send;
  const size_t total = static_cast<size_t>(c.size()) * a.bytes;
  if (c.size() == 1 || total == 0) co_return Status();
  if (c.rank() == 0) gathered.resize(total);
  a.root = 0;
  a.recv = gathered.data();
  WEFT_CO_TRY(co_await run_selected(c, Collective::kGather, local_features(c, total), a));
  *blocks = gathered.data();
  co_return Status();
}

Task reduce_at_leader(Context& c, Args a, Scratch& reduced, const char** result) {
  *result = a.send;
  if (c.size() == 1) co_return Status();
  const size_t bytes = a.count * a.op->unit();
  a.root = 0;
  a.recv = c.rank() == 0 ? scratch_like(reduced, bytes, a.send) : nullptr;
  Features f = local_features(c, bytes);
  f.count = a.count;
  f.commutative = a.op->commutative();
  WEFT_CO_TRY(co_await run_selected(c, Collective::kReduce, f, a));
  *result = a.recv;
  co_return Status();
}

Task bcast_from_leader(Context& c, Args a) {
  if (c.size() == 1 || a.bytes == 0) co_return Status();
  a.root = 0;
  co_return co_await run_selected(c, Collective::kBcast, local_features(c, a.bytes), a);
}

Task scatter_from_leader(Context& c, Args a) {
  const size_t total = static_cast<size_t>(c.size()) * a.bytes;
  if (c.size() == 1 || total == 0) co_return Status();
  a.root = 0;
  co_return co_await run_selected(c, Collective::kScatter, local_features(c, total), a);
}

}  // namespace weft::coll
