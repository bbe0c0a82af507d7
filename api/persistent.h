// The persistent requests of collectives (MPI_<Coll>_init, MPI_Neighbor_<coll>_init):
// what a request keeps from its init call, and the request itself, which runs one round of
// its collective at each MPI_Start (api/coll_persistent_api.cc says how).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "coll/per_rank.h"
#include "coll/team.h"
#include "mpi.h"

namespace weft {
class Comm;
class Request;
}  // namespace weft

namespace weft::api {

// What a persistent collective keeps from its init call for every round.
class Kept {
 public:
  Kept() = default;
  Kept(const Kept&) = delete;
  Kept& operator=(const Kept&) = delete;
  ~Kept() {
    for (Object* object : objects_) object->release();
  }
  // Retains a datatype or op (nullptr: not significant on this rank).
  void keep(Object* object) {
    if (object == nullptr) return;
    object->retain();
    objects_.push_back(object);
  }
  // A copy of the `n` entries of a per-rank array (int or 64-bit), stable for the request's
  // life; an empty array stays empty.
  coll::PerRank copy(coll::PerRank values, int n) {
    if (values.empty()) return coll::PerRank();
    std::vector<int64_t>& copy = arrays_.emplace_back(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) copy[static_cast<size_t>(i)] = values[static_cast<size_t>(i)];
    return coll::PerRank(copy.data());
  }

 private:
  std::vector<Object*> objects_;
  std::deque<std::vector<int64_t>> arrays_;
};

// One round of the collective, arguments bound, for the request's `persistent` state
// (engine lock held).
using PersistentRound = std::function<Status(Request**, coll::PersistentState* state)>;

// Makes the inactive persistent request for `round` on `c` (engine lock held): it takes
// the communicator's next collective sequence number now, and keeps `kept` until freed.
void make_persistent(Comm* c, std::shared_ptr<Kept> kept, PersistentRound round, MPI_Request* out);

}  // namespace weft::api
