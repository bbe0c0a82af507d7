// Algorithm selection, kept apart from the algorithms: per collective, the list of its
// algorithms (name, restriction, summary) and a table of rules over (communicator size,
// bytes, power of two, commutative op, enough elements to split) whose first applicable
// match wins. `WEFT_<COLLECTIVE>_ALGORITHM=<name>` forces one algorithm; when it cannot
// run a call (its restriction fails) the table decides instead, with a warning, or the call
// fails under `WEFT_COLL_STRICT=1`. `WEFT_COLL_VERBOSE=1` logs each distinct choice once
// (from rank 0 of the communicator), `=2` logs every call on every rank.
//
// Every rank of a communicator must choose the same algorithm, so selection reads only
// what all ranks agree on (sizes the standard requires to match, the op) and environment
// variables, which weftrun passes to every rank alike.
#pragma once

#include <cstddef>
#include <string>

#include "collectives/algorithms.h"
#include "runtime/error.h"

namespace weft::coll {

enum class Collective {
  kBarrier,
  kBcast,
  kGather,
  kGatherv,
  kScatter,
  kScatterv,
  kAllgather,
  kAllgatherv,
  kAlltoall,
  kAlltoallv,
  kReduce,
  kAllreduce,
  kReduceScatter,
  kReduceScatterBlock,
  kScan,
  kExscan,
};
inline constexpr int kCollectiveCount = 16;

// What selection looks at. `bytes` is, per collective: bcast the message; gather, scatter,
// allgather(v), reduce_scatter(_block) the whole gathered/scattered vector; alltoall one
// block; reductions the vector; gatherv, scatterv, alltoallv 0 (only the root, or no rank,
// knows every size).
struct Features {
  int size = 1;
  size_t bytes = 0;
  size_t count = 0;  // reductions: elements
  bool commutative = true;
};

struct AlgorithmInfo {
  const char* name;
  Algorithm run;
  const char* summary;
  // What the algorithm needs, as a sentence fragment ("a power-of-two communicator
  // size"), nullptr when it runs everywhere.
  const char* restriction;
  bool (*applies)(const Features&);
};

// The algorithm for one call of `collective` ("MPI_Allreduce" as `call`) on a communicator
// where this process has rank `rank`.
Status select_algorithm(const char* call, Collective collective, const Features& features,
                        int rank, const AlgorithmInfo** out);

// The collective's name as in its environment variable ("allreduce", "reduce_scatter").
const char* collective_name(Collective collective);

// Every collective with its algorithms, restrictions and selection rules, for
// `weftrun --info`.
std::string algorithms_text();

}  // namespace weft::coll
