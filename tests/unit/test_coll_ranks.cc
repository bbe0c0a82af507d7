// Unit tests of the collectives' rank arithmetic (coll/rank_math.h), exhaustively for
// every communicator size p = 1..64 and every root. Where a helper describes a
// communication pattern, the test plays the pattern out on sets of "what each rank knows"
// and checks the end state the algorithms rely on. The selection tables, which decide from
// the same quantities, are checked at the end.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "coll/rank_math.h"
#include "coll/select.h"

namespace ranks = weft::coll::ranks;

namespace {
constexpr int kMaxSize = 64;
}

TEST_CASE("rank math: powers of two and logarithms", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    const int floor = ranks::floor_power_of_two(p);
    const int ceil = ranks::ceil_power_of_two(p);
    CHECK(ranks::is_power_of_two(floor));
    CHECK(ranks::is_power_of_two(ceil));
    CHECK(floor <= p);
    CHECK(2 * floor > p);
    CHECK(ceil >= p);
    CHECK((ceil == 1 || ceil / 2 < p));
    CHECK((1 << ranks::ceil_log2(p)) == ceil);
    CHECK(ranks::is_power_of_two(p) == (floor == p));
  }
  CHECK_FALSE(ranks::is_power_of_two(0));
}

TEST_CASE("rank math: ring neighbours", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    for (int r = 0; r < p; ++r) {
      CHECK(ranks::ring_left(ranks::ring_right(r, p), p) == r);
      CHECK(ranks::ring_right(r, p) == (r + 1) % p);
      for (int delta = -2 * p; delta <= 2 * p; ++delta) {
        const int moved = ranks::ring_add(r, delta, p);
        CHECK(moved >= 0);
        CHECK(moved < p);
        CHECK(((moved - r - delta) % p + p) % p == 0);
      }
    }
  }
}

TEST_CASE("rank math: binomial trees cover every rank once, subtrees are ranges", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    INFO("p = " << p);
    CHECK(ranks::binomial_parent(0) == -1);
    CHECK(ranks::binomial_subtree_size(0, p) == p);
    std::vector<int> reached(static_cast<size_t>(p), 0);
    for (int v = 0; v < p; ++v) {
      INFO("relative rank " << v);
      // The subtree is v followed by its children's subtrees, back to back, in order.
      int next = v + 1;
      for (int child : ranks::binomial_children(v, p)) {
        CHECK(ranks::binomial_parent(child) == v);
        CHECK(child == next);
        next += ranks::binomial_subtree_size(child, p);
        ++reached[static_cast<size_t>(child)];
      }
      CHECK(next == v + ranks::binomial_subtree_size(v, p));
      CHECK(next <= p);
      // Depth: the number of set bits, at most ceil(log2 p).
      int depth = 0;
      for (int u = v; u != 0; u = ranks::binomial_parent(u)) {
        CHECK(ranks::binomial_parent(u) < u);
        ++depth;
      }
      CHECK(depth <= ranks::ceil_log2(p));
    }
    CHECK(reached[0] == 0);
    for (int v = 1; v < p; ++v) CHECK(reached[static_cast<size_t>(v)] == 1);
  }
}

TEST_CASE("rank math: relative ranks are a rotation for every root", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    for (int root = 0; root < p; ++root) {
      std::set<int> seen;
      for (int r = 0; r < p; ++r) {
        const int v = ranks::relative_rank(r, root, p);
        CHECK(ranks::absolute_rank(v, root, p) == r);
        seen.insert(v);
      }
      CHECK(static_cast<int>(seen.size()) == p);
      CHECK(ranks::relative_rank(root, root, p) == 0);
    }
  }
}

TEST_CASE("rank math: the non-power-of-two fold keeps order and covers pof2 ranks", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    INFO("p = " << p);
    const ranks::Fold fold = ranks::fold_of(p);
    CHECK(fold.pof2 == ranks::floor_power_of_two(p));
    CHECK(fold.pof2 + fold.rem == p);
    int previous = -1;
    std::vector<int> owners(static_cast<size_t>(fold.pof2), -1);
    for (int r = 0; r < p; ++r) {
      const int n = ranks::fold_new_rank(r, p);
      if (n < 0) {
        // Only even ranks of the first 2*rem sit out, handing over to the next rank.
        CHECK(r < 2 * fold.rem);
        CHECK(r % 2 == 0);
        CHECK(ranks::fold_representative(r, p) == r + 1);
        CHECK(ranks::fold_new_rank(r + 1, p) >= 0);
        continue;
      }
      CHECK(n < fold.pof2);
      CHECK(n > previous);  // new ranks keep the old order
      previous = n;
      CHECK(owners[static_cast<size_t>(n)] == -1);
      owners[static_cast<size_t>(n)] = r;
      CHECK(ranks::fold_old_rank(n, p) == r);
      CHECK(ranks::fold_representative(r, p) == r);
    }
    for (int n = 0; n < fold.pof2; ++n) CHECK(owners[static_cast<size_t>(n)] >= 0);
  }
}

TEST_CASE("rank math: recursive doubling over the fold reaches everyone", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    INFO("p = " << p);
    const ranks::Fold fold = ranks::fold_of(p);
    // knows[n]: old ranks whose data new rank n has combined.
    std::vector<std::set<int>> knows(static_cast<size_t>(fold.pof2));
    for (int r = 0; r < p; ++r) {
      knows[static_cast<size_t>(ranks::fold_new_rank(ranks::fold_representative(r, p), p))].insert(r);
    }
    for (int distance = 1; distance < fold.pof2; distance *= 2) {
      std::vector<std::set<int>> next = knows;
      for (int n = 0; n < fold.pof2; ++n) {
        const int partner = n ^ distance;
        // Partner groups are contiguous and adjacent: lower group entirely below.
        const auto& mine = knows[static_cast<size_t>(n)];
        const auto& theirs = knows[static_cast<size_t>(partner)];
        if (partner < n) {
          CHECK(*theirs.rbegin() + 1 == *mine.begin());
        } else {
          CHECK(*mine.rbegin() + 1 == *theirs.begin());
        }
        next[static_cast<size_t>(n)].insert(theirs.begin(), theirs.end());
      }
      knows = next;
    }
    for (const auto& set : knows) CHECK(static_cast<int>(set.size()) == p);
  }
}

TEST_CASE("rank math: dissemination rounds inform every rank", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    INFO("p = " << p);
    std::vector<std::set<int>> heard(static_cast<size_t>(p));
    for (int r = 0; r < p; ++r) heard[static_cast<size_t>(r)].insert(r);
    int rounds = 0;
    for (int round = 0; (1 << round) < p; ++round) {
      std::vector<std::set<int>> next = heard;
      for (int r = 0; r < p; ++r) {
        const int to = ranks::dissemination_to(r, round, p);
        CHECK(ranks::dissemination_from(to, round, p) == r);
        next[static_cast<size_t>(to)].insert(heard[static_cast<size_t>(r)].begin(),
                                             heard[static_cast<size_t>(r)].end());
      }
      heard = next;
      ++rounds;
    }
    CHECK(rounds == ranks::ceil_log2(p));
    for (const auto& set : heard) CHECK(static_cast<int>(set.size()) == p);
  }
}

TEST_CASE("rank math: Bruck allgather fills slot i with rank r + i", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    INFO("p = " << p);
    // slots[r]: the blocks rank r holds, in slot order.
    std::vector<std::vector<int>> slots(static_cast<size_t>(p));
    for (int r = 0; r < p; ++r) slots[static_cast<size_t>(r)].push_back(r);
    for (int distance = 1; distance < p; distance *= 2) {
      const int take = std::min(distance, p - distance);
      std::vector<std::vector<int>> next = slots;
      for (int r = 0; r < p; ++r) {
        const int from = ranks::bruck_from(r, distance, p);
        CHECK(ranks::bruck_to(from, distance, p) == r);
        const auto& sent = slots[static_cast<size_t>(from)];
        REQUIRE(static_cast<int>(sent.size()) >= take);
        REQUIRE(static_cast<int>(next[static_cast<size_t>(r)].size()) == distance);
        next[static_cast<size_t>(r)].insert(next[static_cast<size_t>(r)].end(), sent.begin(), sent.begin() + take);
      }
      slots = next;
    }
    for (int r = 0; r < p; ++r) {
      REQUIRE(static_cast<int>(slots[static_cast<size_t>(r)].size()) == p);
      for (int i = 0; i < p; ++i) CHECK(slots[static_cast<size_t>(r)][static_cast<size_t>(i)] == (r + i) % p);
    }
  }
}

TEST_CASE("rank math: pairwise exchange meets every peer once, both sides agree", "[coll_ranks]") {
  for (int p = 1; p <= kMaxSize; ++p) {
    INFO("p = " << p);
    for (int r = 0; r < p; ++r) {
      std::set<int> sent_to;
      std::set<int> heard_from;
      for (int step = 1; step < p; ++step) {
        const int to = ranks::pairwise_to(r, step, p);
        const int from = ranks::pairwise_from(r, step, p);
        CHECK(to != r);
        CHECK(from != r);
        // In the same step, my destination receives from me.
        CHECK(ranks::pairwise_from(to, step, p) == r);
        sent_to.insert(to);
        heard_from.insert(from);
      }
      CHECK(static_cast<int>(sent_to.size()) == p - 1);
      CHECK(static_cast<int>(heard_from.size()) == p - 1);
    }
  }
}

TEST_CASE("rank math: block partitions", "[coll_ranks]") {
  for (int blocks = 1; blocks <= kMaxSize; ++blocks) {
    for (size_t count = 0; count <= 200; ++count) {
      size_t total = 0;
      size_t smallest = count;
      size_t largest = 0;
      for (int i = 0; i < blocks; ++i) {
        const size_t size = ranks::block_size(count, blocks, i);
        CHECK(ranks::block_offset(count, blocks, i) == total);
        total += size;
        smallest = std::min(smallest, size);
        largest = std::max(largest, size);
      }
      CHECK(total == count);
      CHECK(ranks::block_offset(count, blocks, blocks) == count);
      CHECK(largest - smallest <= 1);
      CHECK(ranks::block_size(count, blocks, 0) == largest);  // the first block is a largest
    }
  }
}

// ---- selection tables (coll/select.h), with no WEFT_*_ALGORITHM set ---------------

namespace {

std::string chosen(weft::coll::Collective collective, int size, size_t bytes, size_t count = 0,
                   bool commutative = true) {
  weft::coll::Features f;
  f.size = size;
  f.bytes = bytes;
  f.count = count;
  f.commutative = commutative;
  const weft::coll::AlgorithmInfo* info = nullptr;
  weft::Status status = weft::coll::select_algorithm("test", collective, f, 1, &info);
  REQUIRE(status.ok());
  REQUIRE(info != nullptr);
  return info->name;
}

}  // namespace

TEST_CASE("selection: the tables pick by size, bytes, power of two and commutativity", "[coll_ranks]") {
  using weft::coll::Collective;
  if (std::getenv("WEFT_ALLREDUCE_ALGORITHM") != nullptr || std::getenv("WEFT_ALLGATHER_ALGORITHM") != nullptr) {
    WARN("skipped: an algorithm is forced in the environment");
    return;
  }
  CHECK(chosen(Collective::kAllreduce, 8, 64, 16) == "recursive_doubling");
  CHECK(chosen(Collective::kAllreduce, 8, 1 << 20, 1 << 18) == "rabenseifner");
  CHECK(chosen(Collective::kAllreduce, 8, 1 << 20, 1 << 18, false) == "recursive_doubling");
  CHECK(chosen(Collective::kAllreduce, 8, 1 << 20, 4) == "recursive_doubling");  // count < pof2
  CHECK(chosen(Collective::kAllreduce, 6, 8 << 20, 1 << 21) == "ring");
  CHECK(chosen(Collective::kAllreduce, 8, 8 << 20, 1 << 21) == "rabenseifner");
  CHECK(chosen(Collective::kAllgather, 8, 1024) == "recursive_doubling");
  CHECK(chosen(Collective::kAllgather, 6, 1024) == "bruck");
  CHECK(chosen(Collective::kAllgather, 6, 1 << 20) == "ring");
  CHECK(chosen(Collective::kBcast, 16, 64) == "binomial");
  CHECK(chosen(Collective::kBcast, 16, 1 << 20) == "scatter_allgather");
  CHECK(chosen(Collective::kBcast, 4, 1 << 20) == "linear");
  CHECK(chosen(Collective::kBcast, 16, 4096) == "binomial");
  CHECK(chosen(Collective::kBarrier, 2, 0) == "dissemination");
  CHECK(chosen(Collective::kBarrier, 4, 0) == "linear");
  CHECK(chosen(Collective::kBarrier, 16, 0) == "dissemination");
  CHECK(chosen(Collective::kGather, 4, 1 << 20) == "linear");
  CHECK(chosen(Collective::kGather, 16, 64) == "binomial");
  CHECK(chosen(Collective::kScatter, 8, 64) == "linear");
  CHECK(chosen(Collective::kScatter, 16, 1 << 20) == "binomial");
  CHECK(chosen(Collective::kAlltoall, 16, 64) == "bruck");
  CHECK(chosen(Collective::kAlltoall, 4, 64) == "linear");
  CHECK(chosen(Collective::kAlltoall, 8, 1 << 20) == "pairwise");
  // Rows calibrated on this machine for 2-4 ranks (docs/tuning.md).
  CHECK(chosen(Collective::kAlltoall, 4, 1 << 20) == "linear");
  CHECK(chosen(Collective::kAlltoall, 2, 4 << 20) == "pairwise");
  CHECK(chosen(Collective::kAllreduce, 3, 1 << 20, 1 << 18) == "ring");
  CHECK(chosen(Collective::kAllreduce, 2, 64 << 10, 16 << 10) == "rabenseifner");
  CHECK(chosen(Collective::kAllreduce, 2, 1024, 256) == "recursive_doubling");
  CHECK(chosen(Collective::kReduce, 4, 64 << 10, 16 << 10) == "binomial");
  CHECK(chosen(Collective::kAllgather, 2, 1024) == "ring");
  CHECK(chosen(Collective::kReduceScatter, 4, 256 << 10, 64 << 10) == "pairwise");
  CHECK(chosen(Collective::kReduce, 8, 1 << 20, 1 << 18) == "rabenseifner");
  CHECK(chosen(Collective::kReduce, 8, 1 << 20, 1 << 18, false) == "binomial");
  CHECK(chosen(Collective::kReduceScatter, 8, 1024, 256, false) == "reduce_scatterv");
  CHECK(chosen(Collective::kReduceScatter, 8, 1024, 256) == "recursive_halving");
  CHECK(chosen(Collective::kReduceScatterBlock, 8, 1 << 20, 1 << 18) == "pairwise");
  // One process: every call picks something, whatever the restrictions.
  CHECK(chosen(Collective::kAllreduce, 1, 1 << 20, 1 << 18, false) == "recursive_doubling");

  const std::string text = weft::coll::algorithms_text();
  for (const char* name : {"dissemination", "scatter_allgather", "bruck", "recursive_halving", "reduce_scatterv",
                           "rabenseifner", "WEFT_REDUCE_SCATTER_BLOCK_ALGORITHM"}) {
    CHECK(text.find(name) != std::string::npos);
  }
}
