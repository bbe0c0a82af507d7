// Unit tests of coll::PerRank (coll/per_rank.h), the view through which the collectives
// read the per-rank counts and displacements of the C calls: int arrays of the standard
// calls and the MPI_Count / MPI_Aint arrays of their large-count _c twins must read alike,
// negative displacements and values beyond an int included.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <vector>

#include "coll/per_rank.h"

using weft::coll::PerRank;

TEST_CASE("PerRank reads int arrays entry by entry", "[coll][per_rank]") {
  const std::vector<int> values = {0, 7, -3, std::numeric_limits<int>::max(),
                                   std::numeric_limits<int>::min()};
  const PerRank view(values.data());
  REQUIRE_FALSE(view.empty());
  REQUIRE_FALSE(view.wide());
  for (size_t i = 0; i < values.size(); ++i) REQUIRE(view[i] == values[i]);
}

TEST_CASE("PerRank reads 64-bit counts and displacements", "[coll][per_rank]") {
  const std::vector<int64_t> counts = {int64_t{1} << 40, 0, 5,
                                       std::numeric_limits<int64_t>::max()};
  const PerRank count_view(counts.data());
  REQUIRE(count_view.wide());
  for (size_t i = 0; i < counts.size(); ++i) REQUIRE(count_view[i] == counts[i]);

  // MPI_Aint is intptr_t, which may be a type of its own beside int64_t.
  const std::vector<intptr_t> displs = {-(intptr_t{1} << 35), 12, -1};
  const PerRank displ_view(displs.data());
  REQUIRE(displ_view.wide());
  for (size_t i = 0; i < displs.size(); ++i) REQUIRE(displ_view[i] == displs[i]);
  const std::vector<long long> other = {-(1LL << 33), 3};
  const PerRank other_view(other.data());
  REQUIRE(other_view[0] == other[0]);
  REQUIRE(other_view[1] == 3);
}

TEST_CASE("An absent array is empty", "[coll][per_rank]") {
  const PerRank none;
  REQUIRE(none.empty());
  const int* null_ints = nullptr;
  REQUIRE(PerRank(null_ints).empty());
}
