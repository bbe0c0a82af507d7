// Rank arithmetic of the collective algorithms, as pure functions of (rank, size, ...):
// binomial trees, rings, recursive doubling with the fold for sizes that are not powers of
// two, dissemination, Bruck and pairwise exchange partners, and block partitions. They hold
// no state and touch no transport, so tests/unit/test_coll_ranks.cc checks them exhaustively
// for p = 1..64.
#pragma once

#include <cstddef>
#include <vector>

namespace weft::coll::ranks {

constexpr bool is_power_of_two(int p) { return p > 0 && (p & (p - 1)) == 0; }

// The largest power of two <= p (p >= 1).
constexpr int floor_power_of_two(int p) {
  int power = 1;
  while (power * 2 <= p) power *= 2;
  return power;
}

// The smallest power of two >= p (p >= 1).
constexpr int ceil_power_of_two(int p) {
  int power = 1;
  while (power < p) power *= 2;
  return power;
}

// ⌈log2 p⌉.
constexpr int ceil_log2(int p) {
  int steps = 0;
  for (int power = 1; power < p; power *= 2) ++steps;
  return steps;
}

constexpr int lowest_bit(int x) { return x & -x; }

// ---- rings -------------------------------------------------------------------------------
constexpr int ring_right(int rank, int p) { return (rank + 1) % p; }
constexpr int ring_left(int rank, int p) { return (rank - 1 + p) % p; }
constexpr int ring_add(int rank, int delta, int p) { return ((rank + delta) % p + p) % p; }

// ---- rooted trees: ranks relative to the root ----------------------------------------------
constexpr int relative_rank(int rank, int root, int p) { return (rank - root + p) % p; }
constexpr int absolute_rank(int relative, int root, int p) { return (relative + root) % p; }

// Binomial tree over relative ranks 0..p-1 rooted at 0: the parent of r is r with its lowest
// set bit cleared; the children of r are r + 2^k for every 2^k below r's lowest set bit (any
// 2^k < p for the root) with r + 2^k < p. The subtree of r is the contiguous range
// [r, r + subtree_size(r)).
constexpr int binomial_parent(int relative) {
  return relative == 0 ? -1 : relative & (relative - 1);
}

// The span of bits below which r's children lie: lowest_bit(r), or ceil_power_of_two(p) for 0.
constexpr int binomial_span(int relative, int p) {
  return relative == 0 ? ceil_power_of_two(p) : lowest_bit(relative);
}

constexpr int binomial_subtree_size(int relative, int p) {
  const int span = binomial_span(relative, p);
  return span < p - relative ? span : p - relative;
}

// Children of `relative`, in increasing distance (the order in which a reduce combines them:
// each child's subtree follows the ranks already combined).
inline std::vector<int> binomial_children(int relative, int p) {
  std::vector<int> children;
  const int span = binomial_span(relative, p);
  for (int mask = 1; mask < span && relative + mask < p; mask *= 2) {
    children.push_back(relative + mask);
  }
  return children;
}

// ---- recursive doubling with the non-power-of-two fold -------------------------------------
// With p = pof2 + rem (pof2 the largest power of two <= p), the first 2*rem ranks pair up:
// even rank 2i hands its data to 2i+1 and sits out; odd rank 2i+1 takes new rank i. Ranks
// >= 2*rem take new rank r - rem. New ranks 0..pof2-1 keep the order of the old ranks, so
// a fold preserves rank order for non-commutative ops.
struct Fold {
  int pof2;  // participants after the fold
  int rem;   // p - pof2: pairs folded together
};

constexpr Fold fold_of(int p) {
  const int pof2 = floor_power_of_two(p);
  return Fold{pof2, p - pof2};
}

// The new rank of `rank`, or -1 for a rank that sits out.
constexpr int fold_new_rank(int rank, int p) {
  const Fold f = fold_of(p);
  if (rank < 2 * f.rem) return rank % 2 == 0 ? -1 : rank / 2;
  return rank - f.rem;
}

// The old rank that holds new rank `new_rank`.
constexpr int fold_old_rank(int new_rank, int p) {
  const Fold f = fold_of(p);
  return new_rank < f.rem ? new_rank * 2 + 1 : new_rank + f.rem;
}

// The participant that stands in for `rank` (itself, or its odd partner when it sits out).
constexpr int fold_representative(int rank, int p) {
  return fold_new_rank(rank, p) >= 0 ? rank : rank + 1;
}

// ---- dissemination (barrier): round k signals rank + 2^k, hears from rank - 2^k ------------
constexpr int dissemination_to(int rank, int round, int p) { return ring_add(rank, 1 << round, p); }
constexpr int dissemination_from(int rank, int round, int p) {
  return ring_add(rank, -(1 << round), p);
}

// ---- Bruck allgather: step with distance d sends to rank - d, receives from rank + d -------
constexpr int bruck_to(int rank, int distance, int p) { return ring_add(rank, -distance, p); }
constexpr int bruck_from(int rank, int distance, int p) { return ring_add(rank, distance, p); }

// ---- pairwise exchange (alltoall, reduce_scatter): step s = 1..p-1 -------------------------
// Powers of two pair by XOR (both directions with one partner); other sizes send to
// rank + s and receive from rank - s.
constexpr int pairwise_to(int rank, int step, int p) {
  return is_power_of_two(p) ? rank ^ step : ring_add(rank, step, p);
}
constexpr int pairwise_from(int rank, int step, int p) {
  return is_power_of_two(p) ? rank ^ step : ring_add(rank, -step, p);
}

// ---- block partitions ------------------------------------------------------------------------
// `count` items in `blocks` blocks, the first count % blocks of them one item larger.
constexpr size_t block_size(size_t count, int blocks, int index) {
  const size_t b = static_cast<size_t>(blocks);
  const size_t i = static_cast<size_t>(index);
  return count / b + (i < count % b ? 1 : 0);
}
constexpr size_t block_offset(size_t count, int blocks, int index) {
  const size_t b = static_cast<size_t>(blocks);
  const size_t i = static_cast<size_t>(index);
  const size_t extra = count % b;
  return i * (count / b) + (i < extra ? i : extra);
}

}  // namespace weft::coll::ranks
