// Algorithm selection, kept apart from the algorithms: per collective, the list of its
// algorithms (name, restriction, summary; the one place they are named) and a list of rules
// over (communicator size, bytes, power of two, commutative op, enough elements to split)
// whose first applicable match wins. The rules are data: the tuning file
// coll/tuning/default.json is built into the library, and WEFT_TUNING_FILE names one
// that replaces the rules of the collectives it lists (coll/tuning.h).
// `WEFT_<COLLECTIVE>_ALGORITHM=<name>` forces one algorithm; when it cannot run a call (its
// restriction fails) the rules decide instead, with a warning, or the call fails under
// `WEFT_COLL_STRICT=1`. `WEFT_COLL_VERBOSE=1` logs each distinct choice once (from rank 0 of
// the communicator), `=2` logs every call on every rank.
//
// Every rank of a communicator must choose the same algorithm, so selection reads only
// what all ranks agree on (sizes the standard requires to match, the op) and environment
// variables, which weftrun passes to every rank alike.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/config.h"
#include "base/error.h"
#include "coll/algorithms.h"

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

// A collective and its algorithms, in the order `weftrun --info` lists them. When no rule
// applies to a call, the first algorithm that can run it is taken.
struct CollectiveInfo {
  const char* name;      // as in its variable and in tuning files: "allreduce"
  const config::Setting* variable;  // WEFT_ALLREDUCE_ALGORITHM
  std::span<const AlgorithmInfo> algorithms;
};

const CollectiveInfo& collective_info(Collective collective);

// The collective called `name` ("reduce_scatter_block"); false when there is none.
bool find_collective(std::string_view name, Collective* out);

// Whether `info` can run a call with `features` (its restriction holds, or there is only
// one process, where nothing is exchanged).
bool can_run(const AlgorithmInfo& info, const Features& features);

// The algorithm for one call of `collective` ("MPI_Allreduce" as `call`) on a communicator
// where this process has rank `rank`.
Status select_algorithm(const char* call, Collective collective, const Features& features,
                        int rank, const AlgorithmInfo** out);

// The collective's name as in its environment variable ("allreduce", "reduce_scatter").
const char* collective_name(Collective collective);

// Every collective with its algorithms, restrictions and selection rules, for
// `weftrun --info`. The layout is stable (bench/calibrate reads the algorithm names from it):
//   "  <collective> (<variable>)", then per algorithm "    <name>: <summary>[ [needs ...]]",
//   then "    selection: ..." with the rules in force.
std::string algorithms_text();

}  // namespace weft::coll
