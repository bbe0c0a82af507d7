// The selection tables. Initial switch points follow the published defaults of MPICH
// (Thakur, Rabenseifner and Gropp, "Optimization of Collective Communication Operations in
// MPICH", IJHPCA 2005, and MPICH's MPIR_CVAR defaults): short messages take the
// latency-optimal algorithms (binomial trees, recursive doubling, Bruck), long ones the
// bandwidth-optimal ones (scatter + allgather, Rabenseifner, rings, pairwise exchange).
// bench/ measures them against MPICH and Open MPI; docs/algorithms.md explains each row.
#include "collectives/select.h"

#include <climits>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

#include "collectives/rank_math.h"
#include "mpi.h"
#include "runtime/config.h"

namespace weft::coll {

namespace {

enum class Need : uint8_t { kAny, kYes, kNo };

// One row: the named algorithm, when every condition holds (sizes inclusive, bytes in
// [min_bytes, max_bytes)) and the algorithm's own restriction allows it.
struct Rule {
  const char* algorithm;
  int min_size = 1;
  int max_size = INT_MAX;
  size_t min_bytes = 0;
  size_t max_bytes = SIZE_MAX;
  Need power_of_two = Need::kAny;
  Need commutative = Need::kAny;
  Need enough_elements = Need::kAny;  // count >= the largest power of two <= size
};

struct Table {
  Collective collective;
  const char* name;
  const char* variable;
  std::vector<AlgorithmInfo> algorithms;
  std::vector<Rule> rules;  // the last rule must match every call
};

bool runs_anywhere(const Features&) { return true; }
bool needs_power_of_two(const Features& f) { return ranks::is_power_of_two(f.size); }
bool needs_commutative(const Features& f) { return f.commutative; }

constexpr const char* kPowerOfTwo = "a power-of-two communicator size";
constexpr const char* kCommutative = "a commutative op";

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;

// Reduce_scatter and reduce_scatter_block share their algorithms and their rules.
const std::vector<AlgorithmInfo>& reduce_scatter_algorithms() {
  static const std::vector<AlgorithmInfo> algorithms = {
      {"recursive_halving", &reduce_scatter_recursive_halving,
       "recursive halving over the blocks (fold for other sizes)", kCommutative,
       &needs_commutative},
      {"pairwise", &reduce_scatter_pairwise, "p-1 exchange steps", kCommutative,
       &needs_commutative},
      {"reduce_scatterv", &reduce_scatter_reduce_scatterv,
       "binomial reduce to rank 0, then linear scatterv", nullptr, &runs_anywhere}};
  return algorithms;
}

const std::vector<Rule>& reduce_scatter_rules() {
  static const std::vector<Rule> rules = {
      {.algorithm = "reduce_scatterv", .commutative = Need::kNo},
      // Calibrated here (docs/tuning.md) for 2-4 ranks: pairwise between 64 KiB and 1 MiB,
      // recursive halving elsewhere.
      {.algorithm = "pairwise", .max_size = 4, .min_bytes = 64 * kKiB, .max_bytes = kMiB},
      {.algorithm = "recursive_halving", .max_size = 4},
      {.algorithm = "recursive_halving", .max_bytes = 512 * kKiB},
      {.algorithm = "pairwise"}};
  return rules;
}

const std::vector<Table>& tables() {
  static const std::vector<Table> all = {
      {Collective::kBarrier, "barrier", "WEFT_BARRIER_ALGORITHM",
       {{"dissemination", &barrier_dissemination,
         "ceil(log2 p) rounds of zero-byte messages to rank + 2^k", nullptr, &runs_anywhere},
        {"linear", &barrier_linear, "every rank signals rank 0, which then releases them all",
         nullptr, &runs_anywhere}},
       {// Measured here (docs/tuning.md): at 3-8 ranks on 2 cores each dissemination round
        // can wait for a sleeping rank; two steps through rank 0 do not.
        {.algorithm = "linear", .min_size = 3, .max_size = 8},
        {.algorithm = "dissemination"}}},
      {Collective::kBcast, "bcast", "WEFT_BCAST_ALGORITHM",
       {{"binomial", &bcast_binomial, "binomial tree, the whole message on every edge", nullptr,
         &runs_anywhere},
        {"scatter_allgather", &bcast_scatter_allgather,
         "binomial scatter of p chunks, then ring allgather", nullptr, &runs_anywhere},
        {"linear", &bcast_linear, "the root sends the whole message to every rank at once",
         nullptr, &runs_anywhere}},
       {// Measured here (docs/tuning.md): up to 8 ranks the flat broadcast wins at almost
        // every size; the tree's forwarding ranks must be scheduled before their children.
        {.algorithm = "linear", .max_size = 8},
        {.algorithm = "binomial", .max_bytes = 12 * kKiB},
        {.algorithm = "binomial", .max_size = 7},
        {.algorithm = "scatter_allgather"}}},
      {Collective::kGather, "gather", "WEFT_GATHER_ALGORITHM",
       {{"binomial", &gather_binomial, "binomial tree, subtree ranges forwarded to the parent",
         nullptr, &runs_anywhere},
        {"linear", &gather_linear, "every rank sends to the root, which receives all at once",
         nullptr, &runs_anywhere}},
       {// Measured here (docs/tuning.md): up to 8 ranks nothing forwarded wins at every size.
        {.algorithm = "linear", .max_size = 8},
        {.algorithm = "binomial"}}},
      {Collective::kGatherv, "gatherv", "WEFT_GATHERV_ALGORITHM",
       {{"linear", &gatherv_linear, "every rank sends to the root, which receives all at once",
         nullptr, &runs_anywhere}},
       {{.algorithm = "linear"}}},
      {Collective::kScatter, "scatter", "WEFT_SCATTER_ALGORITHM",
       {{"binomial", &scatter_binomial, "binomial tree, subtree ranges sent to each child",
         nullptr, &runs_anywhere},
        {"linear", &scatter_linear, "the root sends every block at once", nullptr,
         &runs_anywhere}},
       {// Measured here (docs/tuning.md): up to 8 ranks nothing forwarded wins at every size.
        {.algorithm = "linear", .max_size = 8},
        {.algorithm = "binomial"}}},
      {Collective::kScatterv, "scatterv", "WEFT_SCATTERV_ALGORITHM",
       {{"linear", &scatterv_linear, "the root sends every block at once", nullptr,
         &runs_anywhere}},
       {{.algorithm = "linear"}}},
      {Collective::kAllgather, "allgather", "WEFT_ALLGATHER_ALGORITHM",
       {{"ring", &allgather_ring, "p-1 steps to the right neighbour", nullptr, &runs_anywhere},
        {"recursive_doubling", &allgather_recursive_doubling,
         "log2 p exchanges of doubling groups", kPowerOfTwo, &needs_power_of_two},
        {"bruck", &allgather_bruck, "ceil(log2 p) steps to rank - 2^k, one final rotation",
         nullptr, &runs_anywhere}},
       {// Calibrated here (docs/tuning.md): at 2 and 3 ranks the ring wins at every size.
        {.algorithm = "ring", .max_size = 3},
        {.algorithm = "recursive_doubling", .max_bytes = 512 * kKiB, .power_of_two = Need::kYes},
        {.algorithm = "bruck", .max_bytes = 80 * kKiB},
        {.algorithm = "ring"}}},
      {Collective::kAllgatherv, "allgatherv", "WEFT_ALLGATHERV_ALGORITHM",
       {{"ring", &allgatherv_ring, "p-1 steps to the right neighbour", nullptr, &runs_anywhere},
        {"linear", &allgatherv_linear, "every block sent to every rank at once", nullptr,
         &runs_anywhere}},
       {{.algorithm = "linear", .max_size = 8, .max_bytes = 80 * kKiB},
        {.algorithm = "ring"}}},
      {Collective::kAlltoall, "alltoall", "WEFT_ALLTOALL_ALGORITHM",
       {{"pairwise", &alltoall_pairwise, "p-1 exchange steps (XOR partners for powers of two)",
         nullptr, &runs_anywhere},
        {"bruck", &alltoall_bruck, "ceil(log2 p) steps of packed blocks", nullptr, &runs_anywhere},
        {"linear", &alltoall_linear, "all sends and receives posted at once", nullptr,
         &runs_anywhere}},
       {{.algorithm = "bruck", .min_size = 8, .max_bytes = 257},
        {.algorithm = "linear", .max_bytes = 32 * kKiB},
        // Calibrated here (docs/tuning.md): posting everything at once wins at 3-4 ranks at
        // every size, and at 2 ranks below 1 MiB blocks.
        {.algorithm = "linear", .min_size = 3, .max_size = 4},
        {.algorithm = "linear", .max_size = 2, .max_bytes = kMiB},
        {.algorithm = "pairwise"}}},
      {Collective::kAlltoallv, "alltoallv", "WEFT_ALLTOALLV_ALGORITHM",
       {{"pairwise", &alltoallv_pairwise, "p-1 exchange steps", nullptr, &runs_anywhere},
        {"linear", &alltoallv_linear, "all sends and receives posted at once", nullptr,
         &runs_anywhere}},
       {{.algorithm = "linear", .max_size = 32}, {.algorithm = "pairwise"}}},
      {Collective::kReduce, "reduce", "WEFT_REDUCE_ALGORITHM",
       {{"binomial", &reduce_binomial, "binomial tree (rooted at 0 for non-commutative ops)",
         nullptr, &runs_anywhere},
        {"rabenseifner", &reduce_rabenseifner,
         "recursive-halving reduce-scatter, then binomial gather", kCommutative,
         &needs_commutative}},
       {{.algorithm = "binomial", .max_bytes = 2 * kKiB},
        // Calibrated here (docs/tuning.md): up to 4 ranks the tree wins below 1 MiB.
        {.algorithm = "binomial", .max_size = 4, .max_bytes = kMiB},
        {.algorithm = "rabenseifner", .commutative = Need::kYes, .enough_elements = Need::kYes},
        {.algorithm = "binomial"}}},
      {Collective::kAllreduce, "allreduce", "WEFT_ALLREDUCE_ALGORITHM",
       {{"recursive_doubling", &allreduce_recursive_doubling,
         "log2 p exchanges of the whole vector (fold for other sizes)", nullptr, &runs_anywhere},
        {"rabenseifner", &allreduce_rabenseifner,
         "recursive-halving reduce-scatter, recursive-doubling allgather", kCommutative,
         &needs_commutative},
        {"ring", &allreduce_ring, "pipelined ring reduce-scatter and allgather", kCommutative,
         &needs_commutative}},
       {{.algorithm = "recursive_doubling", .max_bytes = 2 * kKiB},
        {.algorithm = "recursive_doubling", .commutative = Need::kNo},
        {.algorithm = "recursive_doubling", .enough_elements = Need::kNo},
        // Calibrated here (docs/tuning.md) for 2-4 ranks: recursive doubling below 4 KiB,
        // the pipelined ring from 256 KiB at 3-4 ranks and from 1 MiB at 2.
        {.algorithm = "recursive_doubling", .max_size = 4, .max_bytes = 4 * kKiB},
        {.algorithm = "ring", .min_size = 3, .max_size = 4, .min_bytes = 256 * kKiB},
        {.algorithm = "ring", .max_size = 2, .min_bytes = kMiB},
        {.algorithm = "ring", .min_size = 3, .min_bytes = 4 * kMiB, .power_of_two = Need::kNo},
        {.algorithm = "rabenseifner"}}},
      {Collective::kReduceScatter, "reduce_scatter", "WEFT_REDUCE_SCATTER_ALGORITHM",
       reduce_scatter_algorithms(), reduce_scatter_rules()},
      {Collective::kReduceScatterBlock, "reduce_scatter_block",
       "WEFT_REDUCE_SCATTER_BLOCK_ALGORITHM", reduce_scatter_algorithms(),
       reduce_scatter_rules()},
      {Collective::kScan, "scan", "WEFT_SCAN_ALGORITHM",
       {{"recursive_doubling", &scan_recursive_doubling, "ceil(log2 p) exchanges of partial results",
         nullptr, &runs_anywhere}},
       {{.algorithm = "recursive_doubling"}}},
      {Collective::kExscan, "exscan", "WEFT_EXSCAN_ALGORITHM",
       {{"recursive_doubling", &exscan_recursive_doubling,
         "ceil(log2 p) exchanges of partial results", nullptr, &runs_anywhere}},
       {{.algorithm = "recursive_doubling"}}},
  };
  return all;
}

const Table& table_of(Collective collective) {
  return tables()[static_cast<size_t>(collective)];
}

const AlgorithmInfo* find_algorithm(const Table& table, std::string_view name) {
  for (const AlgorithmInfo& info : table.algorithms) {
    if (name == info.name) return &info;
  }
  return nullptr;
}

bool need_holds(Need need, bool value) {
  return need == Need::kAny || (need == Need::kYes) == value;
}

bool rule_matches(const Rule& rule, const Features& f) {
  const bool enough = f.count >= static_cast<size_t>(ranks::floor_power_of_two(f.size));
  return f.size >= rule.min_size && f.size <= rule.max_size && f.bytes >= rule.min_bytes &&
         f.bytes < rule.max_bytes && need_holds(rule.power_of_two, ranks::is_power_of_two(f.size)) &&
         need_holds(rule.commutative, f.commutative) && need_holds(rule.enough_elements, enough);
}

// With one process nothing is exchanged, so every algorithm's restriction is moot.
bool can_run(const AlgorithmInfo& info, const Features& f) {
  return f.size == 1 || info.applies(f);
}

const AlgorithmInfo* from_table(const Table& table, const Features& f, size_t* row) {
  for (size_t i = 0; i < table.rules.size(); ++i) {
    const Rule& rule = table.rules[i];
    // The cheap numeric test first: this runs on every collective call.
    if (!rule_matches(rule, f)) continue;
    const AlgorithmInfo* info = find_algorithm(table, rule.algorithm);
    if (info != nullptr && can_run(*info, f)) {
      *row = i + 1;
      return info;
    }
  }
  *row = 0;
  return &table.algorithms.front();
}

// What the environment forces, read once per collective.
struct Forced {
  std::string text;                       // the variable's value ("" when unset)
  const AlgorithmInfo* algorithm = nullptr;  // nullptr when unset or unknown
};

const Forced& forced(const Table& table) {
  static const std::vector<Forced> all = [] {
    std::vector<Forced> result;
    for (const Table& t : tables()) {
      Forced f;
      f.text = config::get_string(t.variable);
      if (!f.text.empty()) f.algorithm = find_algorithm(t, f.text);
      result.push_back(f);
    }
    return result;
  }();
  return all[static_cast<size_t>(table.collective)];
}

bool strict() {
  static const bool value = config::get_bool("WEFT_COLL_STRICT");
  return value;
}

int verbosity() {
  static const int value = static_cast<int>(config::get_int("WEFT_COLL_VERBOSE"));
  return value;
}

std::string known_names(const Table& table) {
  std::string names;
  for (const AlgorithmInfo& info : table.algorithms) {
    if (!names.empty()) names += ", ";
    names += info.name;
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

const char* collective_name(Collective collective) { return table_of(collective).name; }

Status select_algorithm(const char* call, Collective collective, const Features& features,
                        int rank, const AlgorithmInfo** out) {
  const Table& table = table_of(collective);
  const Forced& force = forced(table);
  const AlgorithmInfo* chosen = nullptr;
  // Why it was chosen, spelled out only when logging (this runs on every collective call).
  bool by_force = false;
  size_t row = 0;

  if (!force.text.empty()) {
    if (force.algorithm == nullptr) {
      if (strict()) {
        return error(MPI_ERR_OTHER, "%s: %s=%s names no %s algorithm (known: %s)", call,
                     table.variable, force.text.c_str(), table.name, known_names(table).c_str());
      }
      if (rank == 0) {
        say_once(table.variable, "weft: warning: " + std::string(table.variable) + "=" + force.text +
                                     " names no " + table.name + " algorithm (known: " +
                                     known_names(table) + "); using the selection table");
      }
    } else if (!can_run(*force.algorithm, features)) {
      if (strict()) {
        return error(MPI_ERR_OTHER,
                     "%s: %s=%s cannot run this call: it needs %s (this call: %s), and "
                     "WEFT_COLL_STRICT=1 forbids falling back",
                     call, table.variable, force.text.c_str(), force.algorithm->restriction,
                     describe(features).c_str());
      }
      // Once per process, from rank 0 of the communicator: every rank falls back alike.
      if (rank == 0) {
        say_once(table.variable, "weft: warning: " + std::string(table.variable) + "=" + force.text +
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
  if (chosen == nullptr) chosen = from_table(table, features, &row);

  const int level = verbosity();
  if (level >= 2 || (level == 1 && rank == 0)) {
    const std::string reason =
        by_force ? std::string("forced by ") + table.variable : "table row " + std::to_string(row);
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
  *out = chosen;
  return Status();
}

namespace {

std::string bytes_text(size_t bytes) {
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " B";
}

std::string rule_text(const Rule& rule) {
  std::vector<std::string> conditions;
  if (rule.min_size > 1) conditions.push_back("p >= " + std::to_string(rule.min_size));
  if (rule.max_size < INT_MAX) conditions.push_back("p <= " + std::to_string(rule.max_size));
  if (rule.min_bytes > 0) conditions.push_back("bytes >= " + bytes_text(rule.min_bytes));
  if (rule.max_bytes < SIZE_MAX) conditions.push_back("bytes < " + bytes_text(rule.max_bytes));
  if (rule.power_of_two != Need::kAny) {
    conditions.push_back(rule.power_of_two == Need::kYes ? "p a power of two" : "p not a power of two");
  }
  if (rule.commutative != Need::kAny) {
    conditions.push_back(rule.commutative == Need::kYes ? "commutative op" : "non-commutative op");
  }
  if (rule.enough_elements != Need::kAny) {
    conditions.push_back(rule.enough_elements == Need::kYes ? "count >= pof2(p)" : "count < pof2(p)");
  }
  std::string text;
  for (const std::string& c : conditions) text += (text.empty() ? "" : ", ") + c;
  return text;
}

}  // namespace

std::string algorithms_text() {
  std::ostringstream out;
  out << "collective algorithms (WEFT_<COLLECTIVE>_ALGORITHM=<name> forces one):\n";
  for (const Table& table : tables()) {
    out << "  " << table.name << " (" << table.variable << ")\n";
    for (const AlgorithmInfo& info : table.algorithms) {
      out << "    " << info.name << ": " << info.summary;
      if (info.restriction != nullptr) out << " [needs " << info.restriction << "]";
      out << "\n";
    }
    out << "    selection:";
    for (const Rule& rule : table.rules) {
      const std::string conditions = rule_text(rule);
      if (conditions.empty()) {
        out << (table.rules.size() == 1 ? " always " : " otherwise ") << rule.algorithm;
      } else {
        out << " " << rule.algorithm << " if " << conditions << ";";
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace weft::coll
