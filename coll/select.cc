// Selection: the algorithm lists (the one place algorithms are named) and the per-call
// choice over the rules of coll/tuning.h. The built-in rules follow the published
// defaults of MPICH (Thakur, Rabenseifner and Gropp, "Optimization of Collective
// Communication Operations in MPICH", IJHPCA 2005, and MPICH's MPIR_CVAR defaults): short
// messages take the latency-optimal algorithms (binomial trees, recursive doubling, Bruck),
// long ones the bandwidth-optimal ones (scatter + allgather, Rabenseifner, rings, pairwise
// exchange). bench/ measures them against MPICH and Open MPI; docs/algorithms.md explains
// each rule.
#include "coll/select.h"

#include <bit>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include "base/config.h"
#include "base/mpit.h"
#include "coll/rank_math.h"
#include "coll/tuning.h"
#include "mpi.h"

namespace weft::coll {

namespace {

const config::Setting kVerbose{
    "WEFT_COLL_VERBOSE", config::Type::integer, "0",
    "Logs collective algorithm choices to stderr: 1 each distinct choice once (from rank 0 "
    "of the communicator), 2 every call on every rank.",
    config::Write::any_time_local};
const config::Setting kStrict{
    "WEFT_COLL_STRICT", config::Type::boolean, "0",
    "When 1, a forced collective algorithm (WEFT_<COLLECTIVE>_ALGORITHM) that cannot run a "
    "call fails the call instead of falling back to the selection table.",
    config::Write::any_time_all_equal};

bool runs_anywhere(const Features&) { return true; }
bool needs_power_of_two(const Features& f) { return ranks::is_power_of_two(f.size); }
bool needs_commutative(const Features& f) { return f.commutative; }

constexpr const char* kPowerOfTwo = "a power-of-two communicator size";
constexpr const char* kCommutative = "a commutative op";

constexpr AlgorithmInfo kBarrier[] = {
    {"dissemination", &barrier_dissemination,
     "ceil(log2 p) rounds of zero-byte messages to rank + 2^k", nullptr, &runs_anywhere},
    {"linear", &barrier_linear, "every rank signals rank 0, which then releases them all",
     nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kBcast[] = {
    {"binomial", &bcast_binomial, "binomial tree, the whole message on every edge", nullptr,
     &runs_anywhere},
    {"scatter_allgather", &bcast_scatter_allgather,
     "binomial scatter of p chunks, then ring allgather", nullptr, &runs_anywhere},
    {"linear", &bcast_linear, "the root sends the whole message to every rank at once", nullptr,
     &runs_anywhere}};
constexpr AlgorithmInfo kGather[] = {
    {"binomial", &gather_binomial, "binomial tree, subtree ranges forwarded to the parent",
     nullptr, &runs_anywhere},
    {"linear", &gather_linear, "every rank sends to the root, which receives all at once",
     nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kGatherv[] = {
    {"linear", &gatherv_linear, "every rank sends to the root, which receives all at once",
     nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kScatter[] = {
    {"binomial", &scatter_binomial, "binomial tree, subtree ranges sent to each child", nullptr,
     &runs_anywhere},
    {"linear", &scatter_linear, "the root sends every block at once", nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kScatterv[] = {
    {"linear", &scatterv_linear, "the root sends every block at once", nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kAllgather[] = {
    {"ring", &allgather_ring, "p-1 steps to the right neighbour", nullptr, &runs_anywhere},
    {"recursive_doubling", &allgather_recursive_doubling, "log2 p exchanges of doubling groups",
     kPowerOfTwo, &needs_power_of_two},
    {"bruck", &allgather_bruck, "ceil(log2 p) steps to rank - 2^k, one final rotation", nullptr,
     &runs_anywhere}};
constexpr AlgorithmInfo kAllgatherv[] = {
    {"ring", &allgatherv_ring, "p-1 steps to the right neighbour", nullptr, &runs_anywhere},
    {"linear", &allgatherv_linear, "every block sent to every rank at once", nullptr,
     &runs_anywhere}};
constexpr AlgorithmInfo kAlltoall[] = {
    {"pairwise", &alltoall_pairwise, "p-1 exchange steps (XOR partners for powers of two)",
     nullptr, &runs_anywhere},
    {"bruck", &alltoall_bruck, "ceil(log2 p) steps of packed blocks", nullptr, &runs_anywhere},
    {"linear", &alltoall_linear, "all sends and receives posted at once", nullptr,
     &runs_anywhere}};
constexpr AlgorithmInfo kAlltoallv[] = {
    {"pairwise", &alltoallv_pairwise, "p-1 exchange steps", nullptr, &runs_anywhere},
    {"linear", &alltoallv_linear, "all sends and receives posted at once", nullptr,
     &runs_anywhere}};
constexpr AlgorithmInfo kReduce[] = {
    {"binomial", &reduce_binomial, "binomial tree (rooted at 0 for non-commutative ops)", nullptr,
     &runs_anywhere},
    {"rabenseifner", &reduce_rabenseifner,
     "recursive-halving reduce-scatter, then binomial gather", kCommutative, &needs_commutative}};
constexpr AlgorithmInfo kAllreduce[] = {
    {"recursive_doubling", &allreduce_recursive_doubling,
     "log2 p exchanges of the whole vector (fold for other sizes)", nullptr, &runs_anywhere},
    {"rabenseifner", &allreduce_rabenseifner,
     "recursive-halving reduce-scatter, recursive-doubling allgather", kCommutative,
     &needs_commutative},
    {"ring", &allreduce_ring, "pipelined ring reduce-scatter and allgather", kCommutative,
     &needs_commutative}};
// Reduce_scatter and reduce_scatter_block share their algorithms.
constexpr AlgorithmInfo kReduceScatter[] = {
    {"recursive_halving", &reduce_scatter_recursive_halving,
     "recursive halving over the blocks (fold for other sizes)", kCommutative, &needs_commutative},
    {"pairwise", &reduce_scatter_pairwise, "p-1 exchange steps", kCommutative, &needs_commutative},
    {"reduce_scatterv", &reduce_scatter_reduce_scatterv,
     "binomial reduce to rank 0, then linear scatterv", nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kScan[] = {
    {"recursive_doubling", &scan_recursive_doubling, "ceil(log2 p) exchanges of partial results",
     nullptr, &runs_anywhere}};
constexpr AlgorithmInfo kExscan[] = {
    {"recursive_doubling", &exscan_recursive_doubling, "ceil(log2 p) exchanges of partial results",
     nullptr, &runs_anywhere}};

// The variables that force one algorithm per collective (WEFT_<COLLECTIVE>_ALGORITHM).
const config::Setting kForceBarrier{
    "WEFT_BARRIER_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Barrier/MPI_Ibarrier algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceBcast{
    "WEFT_BCAST_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Bcast/MPI_Ibcast algorithm; weftrun --info lists the names under collective "
    "algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceGather{
    "WEFT_GATHER_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Gather/MPI_Igather algorithm; weftrun --info lists the names under collective "
    "algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceGatherv{
    "WEFT_GATHERV_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Gatherv/MPI_Igatherv algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceScatter{
    "WEFT_SCATTER_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Scatter/MPI_Iscatter algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceScatterv{
    "WEFT_SCATTERV_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Scatterv/MPI_Iscatterv algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceAllgather{
    "WEFT_ALLGATHER_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Allgather/MPI_Iallgather algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceAllgatherv{
    "WEFT_ALLGATHERV_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Allgatherv/MPI_Iallgatherv algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceAlltoall{
    "WEFT_ALLTOALL_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Alltoall/MPI_Ialltoall algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceAlltoallv{
    "WEFT_ALLTOALLV_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Alltoallv/MPI_Ialltoallv algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceReduce{
    "WEFT_REDUCE_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Reduce/MPI_Ireduce algorithm; weftrun --info lists the names under collective "
    "algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceAllreduce{
    "WEFT_ALLREDUCE_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Allreduce/MPI_Iallreduce algorithm; weftrun --info lists the names under "
    "collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceReduceScatter{
    "WEFT_REDUCE_SCATTER_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Reduce_scatter/MPI_Ireduce_scatter algorithm; weftrun --info lists the names "
    "under collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceReduceScatterBlock{
    "WEFT_REDUCE_SCATTER_BLOCK_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Reduce_scatter_block/MPI_Ireduce_scatter_block algorithm; weftrun --info lists "
    "the names under collective algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceScan{
    "WEFT_SCAN_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Scan/MPI_Iscan algorithm; weftrun --info lists the names under collective "
    "algorithms.",
    config::Write::any_time_all_equal};
const config::Setting kForceExscan{
    "WEFT_EXSCAN_ALGORITHM", config::Type::string, "",
    "Forces the MPI_Exscan/MPI_Iexscan algorithm; weftrun --info lists the names under collective "
    "algorithms.",
    config::Write::any_time_all_equal};

// In the order of enum Collective.
constexpr CollectiveInfo kCollectives[kCollectiveCount] = {
    {"barrier", &kForceBarrier, kBarrier},
    {"bcast", &kForceBcast, kBcast},
    {"gather", &kForceGather, kGather},
    {"gatherv", &kForceGatherv, kGatherv},
    {"scatter", &kForceScatter, kScatter},
    {"scatterv", &kForceScatterv, kScatterv},
    {"allgather", &kForceAllgather, kAllgather},
    {"allgatherv", &kForceAllgatherv, kAllgatherv},
    {"alltoall", &kForceAlltoall, kAlltoall},
    {"alltoallv", &kForceAlltoallv, kAlltoallv},
    {"reduce", &kForceReduce, kReduce},
    {"allreduce", &kForceAllreduce, kAllreduce},
    {"reduce_scatter", &kForceReduceScatter, kReduceScatter},
    {"reduce_scatter_block", &kForceReduceScatterBlock, kReduceScatter},
    {"scan", &kForceScan, kScan},
    {"exscan", &kForceExscan, kExscan},
};

const AlgorithmInfo* find_algorithm(const CollectiveInfo& info, std::string_view name) {
  for (const AlgorithmInfo& algorithm : info.algorithms) {
    if (name == algorithm.name) return &algorithm;
  }
  return nullptr;
}

// What the environment forces for one collective.
struct Forced {
  std::string text;                          // the variable's value ("" when unset)
  const AlgorithmInfo* algorithm = nullptr;  // nullptr when unset or unknown
};

// Everything selection reads on every call, set up once (one guard to pass per call): the
// rules in force, what the environment forces, the strict and verbose settings. The
// forcing, strict and verbose Settings may also be written at run time (MPI_T): the write
// reloads them here, under the engine lock, which every collective holds as it selects.
struct Settings {
  const Tuning* rules = nullptr;
  Forced forced[kCollectiveCount];
  bool strict = false;
  int verbosity = 0;
};

void load_variables(Settings& s) {
  for (int c = 0; c < kCollectiveCount; ++c) {
    const CollectiveInfo& info = kCollectives[c];
    Forced& f = s.forced[c];
    f.text = info.variable->text();
    f.algorithm = f.text.empty() ? nullptr : find_algorithm(info, f.text);
  }
  s.strict = kStrict.boolean();
  s.verbosity = static_cast<int>(kVerbose.integer());
}

Settings& mutable_settings() {
  static Settings loaded = [] {
    Settings s;
    s.rules = &tuning();
    load_variables(s);
    return s;
  }();
  return loaded;
}
const Settings& settings() { return mutable_settings(); }

// The algorithm each collective ran last in this process (MPI_T state variables, one per
// collective: 0 before the first call, then 1 + the algorithm's position in its list).
std::vector<std::string> state_items(const CollectiveInfo& info) {
  std::vector<std::string> items{"none"};
  for (const AlgorithmInfo& algorithm : info.algorithms) items.emplace_back(algorithm.name);
  return items;
}
#define WEFT_ALGORITHM_STATE(index, name)                                                    \
  mpit::State{name "_algorithm", mpit::Category::coll,                                        \
              "The algorithm the last " name " call of this process ran (none before the "   \
              "first).",                                                                      \
              name "_algorithm", state_items(kCollectives[index])}
mpit::State g_chosen[kCollectiveCount] = {
    WEFT_ALGORITHM_STATE(0, "barrier"),         WEFT_ALGORITHM_STATE(1, "bcast"),
    WEFT_ALGORITHM_STATE(2, "gather"),          WEFT_ALGORITHM_STATE(3, "gatherv"),
    WEFT_ALGORITHM_STATE(4, "scatter"),         WEFT_ALGORITHM_STATE(5, "scatterv"),
    WEFT_ALGORITHM_STATE(6, "allgather"),       WEFT_ALGORITHM_STATE(7, "allgatherv"),
    WEFT_ALGORITHM_STATE(8, "alltoall"),        WEFT_ALGORITHM_STATE(9, "alltoallv"),
    WEFT_ALGORITHM_STATE(10, "reduce"),         WEFT_ALGORITHM_STATE(11, "allreduce"),
    WEFT_ALGORITHM_STATE(12, "reduce_scatter"), WEFT_ALGORITHM_STATE(13, "reduce_scatter_block"),
    WEFT_ALGORITHM_STATE(14, "scan"),           WEFT_ALGORITHM_STATE(15, "exscan")};
#undef WEFT_ALGORITHM_STATE

// The forcing variables name their collective's algorithms (MPI_T shows them as an
// enumeration), and every writable one reloads the settings when written.
const bool g_variables_described = [] {
  auto reload = [](const config::Setting&) { load_variables(mutable_settings()); };
  for (const CollectiveInfo& info : kCollectives) {
    std::vector<std::string> names;
    for (const AlgorithmInfo& algorithm : info.algorithms) names.emplace_back(algorithm.name);
    info.variable->set_choices(std::move(names));
    info.variable->on_write(reload);
  }
  kStrict.on_write(reload);
  kVerbose.on_write(reload);
  return true;
}();

// The first rule that holds and whose algorithm can run the call; row = its 1-based
// position, or 0 when none did and the first algorithm that can run the call is taken.
const AlgorithmInfo* from_rules(const CollectiveInfo& info, const std::vector<Rule>& rules,
                                const Features& f, size_t* row) {
  const bool power_of_two = ranks::is_power_of_two(f.size);
  const bool enough = f.count >= std::bit_floor(static_cast<size_t>(f.size));
  for (size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    // The cheap numeric test first: this runs on every collective call.
    if (!rule_matches(rule, f, power_of_two, enough)) continue;
    const AlgorithmInfo& algorithm = info.algorithms[rule.algorithm];
    if (can_run(algorithm, f)) {
      *row = i + 1;
      return &algorithm;
    }
  }
  *row = 0;
  for (const AlgorithmInfo& algorithm : info.algorithms) {
    if (can_run(algorithm, f)) return &algorithm;
  }
  return &info.algorithms.front();
}

// The last choice the rules made for each collective: a short collective in a loop asks the
// same question on every call, and the rules' answer depends on nothing but the features.
// Written and read under the engine lock (collectives start under it), like the
// communicators' sequence numbers.
struct Remembered {
  Features features;
  const AlgorithmInfo* chosen = nullptr;
  size_t row = 0;
};
Remembered g_last[kCollectiveCount];

bool same(const Features& a, const Features& b) {
  return a.size == b.size && a.bytes == b.bytes && a.count == b.count &&
         a.commutative == b.commutative;
}

const AlgorithmInfo* from_rules_remembered(size_t index, const CollectiveInfo& info,
                                           const std::vector<Rule>& rules, const Features& f,
                                           size_t* row) {
  Remembered& last = g_last[index];
  if (last.chosen != nullptr && same(last.features, f)) {
    *row = last.row;
    return last.chosen;
  }
  const AlgorithmInfo* chosen = from_rules(info, rules, f, row);
  last = Remembered{f, chosen, *row};
  return chosen;
}

std::string known_names(const CollectiveInfo& info) {
  std::string names;
  for (const AlgorithmInfo& algorithm : info.algorithms) {
    if (!names.empty()) names += ", ";
    names += algorithm.name;
  }
  return names;
}

// Prints `message` the first time `key` comes up in this process.
void say_once(const std::string& key, const std::string& message) {
  static std::mutex mutex;
  static std::set<std::string> said;
  std::lock_guard<std::mutex> lock(mutex);
  if (!said.insert(key).second) return;
  std::fprintf(stderr, "%s\n", message.c_str());
  std::fflush(stderr);
}

std::string describe(const Features& f) {
  char text[160];
  std::snprintf(text, sizeof text, "%d ranks, %zu bytes%s%s", f.size, f.bytes,
                f.count > 0 ? ", " : "", f.count > 0 ? (f.commutative ? "commutative op" : "non-commutative op") : "");
  return text;
}

}  // namespace

const CollectiveInfo& collective_info(Collective collective) {
  return kCollectives[static_cast<size_t>(collective)];
}

bool find_collective(std::string_view name, Collective* out) {
  for (int c = 0; c < kCollectiveCount; ++c) {
    if (name == kCollectives[c].name) {
      *out = static_cast<Collective>(c);
      return true;
    }
  }
  return false;
}

// With one process nothing is exchanged, so every algorithm's restriction is moot.
bool can_run(const AlgorithmInfo& info, const Features& f) {
  return f.size == 1 || info.applies(f);
}

const char* collective_name(Collective collective) { return collective_info(collective).name; }

Status select_algorithm(const char* call, Collective collective, const Features& features,
                        int rank, const AlgorithmInfo** out) {
  const Settings& s = settings();
  // A tuning file that cannot be used fails every collective: running on rules other than
  // the ones asked for would hide the mistake.
  if (!s.rules->error.empty()) [[unlikely]] {
    return error(MPI_ERR_OTHER, "%s: %s", call, s.rules->error.c_str());
  }
  const size_t index = static_cast<size_t>(collective);
  const CollectiveInfo& info = kCollectives[index];
  const Forced& force = s.forced[index];
  const AlgorithmInfo* chosen = nullptr;
  // Why it was chosen, spelled out only when logging (this runs on every collective call).
  bool by_force = false;
  size_t row = 0;

  if (!force.text.empty()) {
    if (force.algorithm == nullptr) {
      if (s.strict) {
        return error(MPI_ERR_OTHER, "%s: %s=%s names no %s algorithm (known: %s)", call,
                     info.variable->name(), force.text.c_str(), info.name,
                     known_names(info).c_str());
      }
      if (rank == 0) {
        say_once(info.variable->name(), "weft: warning: " + std::string(info.variable->name()) +
                                            "=" + force.text +
                                    " names no " + info.name + " algorithm (known: " +
                                    known_names(info) + "); using the selection table");
      }
    } else if (!can_run(*force.algorithm, features)) {
      if (s.strict) {
        return error(MPI_ERR_OTHER,
                     "%s: %s=%s cannot run this call: it needs %s (this call: %s), and "
                     "WEFT_COLL_STRICT=1 forbids falling back",
                     call, info.variable->name(), force.text.c_str(), force.algorithm->restriction,
                     describe(features).c_str());
      }
      // Once per process, from rank 0 of the communicator: every rank falls back alike.
      if (rank == 0) {
        say_once(info.variable->name(), "weft: warning: " + std::string(info.variable->name()) +
                                            "=" + force.text +
                                    " cannot run some calls (first: " + call + " with " +
                                    describe(features) + "; it needs " +
                                    force.algorithm->restriction +
                                    "); those calls use the selection table");
      }
    } else {
      chosen = force.algorithm;
      by_force = true;
    }
  }
  if (chosen == nullptr) {
    chosen = from_rules_remembered(index, info, s.rules->rules[index], features, &row);
  }

  const int level = s.verbosity;
  if (level >= 2 || (level == 1 && rank == 0)) {
    std::string reason;
    if (by_force) {
      reason = std::string("forced by ") + info.variable->name();
    } else if (row == 0) {
      reason = "no table row applies";
    } else {
      reason = "table row " + std::to_string(row);
    }
    if (!by_force && !s.rules->source[index].empty()) reason += " of " + s.rules->source[index];
    std::string line = "weft: " + std::string(call) + ": " + describe(features) + " -> " +
                       chosen->name + " (" + reason + ")";
    if (level >= 2) {
      std::fprintf(stderr, "%s\n", line.c_str());
    } else {
      // One line per (call, communicator size, algorithm, reason).
      say_once(std::string(call) + "/" + std::to_string(features.size) + "/" + chosen->name + "/" + reason,
               line);
    }
  }
  g_chosen[index].set(static_cast<int>(chosen - info.algorithms.data()) + 1);
  *out = chosen;
  return Status();
}

std::string algorithms_text() {
  const Tuning& rules = tuning();
  std::ostringstream out;
  out << "collective algorithms (WEFT_<COLLECTIVE>_ALGORITHM=<name> forces one):\n";
  if (!rules.error.empty()) {
    out << "  error: " << rules.error << "\n"
        << "  (every collective call fails until it is fixed; the built-in rules follow)\n";
  }
  for (int c = 0; c < kCollectiveCount; ++c) {
    const CollectiveInfo& info = kCollectives[c];
    const std::vector<Rule>& list = rules.rules[static_cast<size_t>(c)];
    const std::string& source = rules.source[static_cast<size_t>(c)];
    out << "  " << info.name << " (" << info.variable->name() << ")\n";
    for (const AlgorithmInfo& algorithm : info.algorithms) {
      out << "    " << algorithm.name << ": " << algorithm.summary;
      if (algorithm.restriction != nullptr) out << " [needs " << algorithm.restriction << "]";
      out << "\n";
    }
    out << "    selection" << (source.empty() ? "" : " (from " + source + ")") << ":";
    for (const Rule& rule : list) {
      const std::string conditions = rule_text(rule);
      const char* name = info.algorithms[rule.algorithm].name;
      if (conditions.empty()) {
        out << (list.size() == 1 ? " always " : " otherwise ") << name;
      } else {
        out << " " << name << " if " << conditions << ";";
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace weft::coll
