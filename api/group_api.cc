// C entry points of the group calls (MPI-4.0 section 7.3). They check pointers and handles
// and leave the set algebra to mpi/group.cc. Groups are immutable, so none of these
// calls takes the engine lock.
#include <span>
#include <vector>

#include "api/api.h"
#include "mpi.h"
#include "mpi/group.h"

namespace {

using weft::Group;
using weft::Status;

// Runs `body` as the call `call`: fails before MPI_Init and after MPI_Finalize, and turns
// the Status into the return code through the error handler for calls without a
// communicator.
template <class Body>
int run(const char* call, Body body) {
  if (auto s = weft::api::check_initialized(call); !s.ok()) {
    return weft::api::finish(call, nullptr, s);
  }
  return weft::api::finish(call, nullptr, body());
}

Status resolve(const char* call, const char* argument, MPI_Group handle, Group** group) {
  Group* resolved = weft::group_from_handle(handle);
  if (resolved == nullptr) {
    if (handle == MPI_GROUP_NULL) {
      return weft::error(MPI_ERR_GROUP, "%s: argument %s is MPI_GROUP_NULL", call, argument);
    }
    return weft::error(MPI_ERR_GROUP, "%s: argument %s=%p is not a valid group handle", call,
                       argument, static_cast<void*>(handle));
  }
  *group = resolved;
  return Status::success();
}

Status require_pointer(const char* call, const char* argument, const void* pointer) {
  if (pointer == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, argument);
  }
  return Status::success();
}

Status require_count(const char* call, int n) {
  if (n < 0) return weft::error(MPI_ERR_ARG, "%s: argument n=%d is negative", call, n);
  return Status::success();
}

// Shared by the four calls that build a group from one group and a list.
template <class Element, class Algebra>
Status build_from_list(const char* call, MPI_Group group, int n, const Element* list,
                       const char* list_name, MPI_Group* newgroup, Algebra algebra) {
  Group* source = nullptr;
  WEFT_TRY(resolve(call, "group", group, &source));
  WEFT_TRY(require_count(call, n));
  if (n > 0) WEFT_TRY(require_pointer(call, list_name, list));
  WEFT_TRY(require_pointer(call, "newgroup", newgroup));
  Group* result = nullptr;
  WEFT_TRY(algebra(*source, std::span<const Element>(list, n), &result));
  result->set_session(source->session());  // a group made from a session's stays in it
  *newgroup = result->handle();
  return Status::success();
}

// Shared by the three calls that combine two groups.
template <class Algebra>
Status combine(const char* call, MPI_Group group1, MPI_Group group2, MPI_Group* newgroup,
               Algebra algebra) {
  Group* first = nullptr;
  Group* second = nullptr;
  WEFT_TRY(resolve(call, "group1", group1, &first));
  WEFT_TRY(resolve(call, "group2", group2, &second));
  WEFT_TRY(require_pointer(call, "newgroup", newgroup));
  Group* result = nullptr;
  WEFT_TRY(algebra(*first, *second, &result));
  result->set_session(first->session() != nullptr ? first->session() : second->session());
  *newgroup = result->handle();
  return Status::success();
}

// The C binding passes ranges as int[n][3]; the core takes named fields.
std::vector<weft::RankRange> to_ranges(int n, int ranges[][3]) {
  std::vector<weft::RankRange> converted(n);
  for (int i = 0; i < n; ++i) converted[i] = {ranges[i][0], ranges[i][1], ranges[i][2]};
  return converted;
}

Status build_from_ranges(const char* call, MPI_Group group, int n, int ranges[][3],
                         MPI_Group* newgroup,
                         Status (*algebra)(const Group&, std::span<const weft::RankRange>,
                                           Group**)) {
  Group* source = nullptr;
  WEFT_TRY(resolve(call, "group", group, &source));
  WEFT_TRY(require_count(call, n));
  if (n > 0) WEFT_TRY(require_pointer(call, "ranges", ranges));
  WEFT_TRY(require_pointer(call, "newgroup", newgroup));
  const std::vector<weft::RankRange> converted = to_ranges(n, ranges);
  Group* result = nullptr;
  WEFT_TRY(algebra(*source, converted, &result));
  result->set_session(source->session());
  *newgroup = result->handle();
  return Status::success();
}

}  // namespace

extern "C" int PMPI_Group_size(MPI_Group group, int* size) {
  constexpr const char* kCall = "MPI_Group_size";
  return run(kCall, [&]() -> Status {
    Group* resolved = nullptr;
    WEFT_TRY(resolve(kCall, "group", group, &resolved));
    WEFT_TRY(require_pointer(kCall, "size", size));
    *size = resolved->size();
    return Status::success();
  });
}

extern "C" int PMPI_Group_rank(MPI_Group group, int* rank) {
  constexpr const char* kCall = "MPI_Group_rank";
  return run(kCall, [&]() -> Status {
    Group* resolved = nullptr;
    WEFT_TRY(resolve(kCall, "group", group, &resolved));
    WEFT_TRY(require_pointer(kCall, "rank", rank));
    *rank = resolved->my_rank();
    return Status::success();
  });
}

extern "C" int PMPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_incl";
  return run(kCall, [&] {
    return build_from_list(kCall, group, n, ranks, "ranks", newgroup, weft::group_incl);
  });
}

extern "C" int PMPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_excl";
  return run(kCall, [&] {
    return build_from_list(kCall, group, n, ranks, "ranks", newgroup, weft::group_excl);
  });
}

extern "C" int PMPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_range_incl";
  return run(kCall, [&] {
    return build_from_ranges(kCall, group, n, ranges, newgroup, weft::group_range_incl);
  });
}

extern "C" int PMPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_range_excl";
  return run(kCall, [&] {
    return build_from_ranges(kCall, group, n, ranges, newgroup, weft::group_range_excl);
  });
}

extern "C" int PMPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_union";
  return run(kCall, [&] { return combine(kCall, group1, group2, newgroup, weft::group_union); });
}

extern "C" int PMPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_intersection";
  return run(kCall,
             [&] { return combine(kCall, group1, group2, newgroup, weft::group_intersection); });
}

extern "C" int PMPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group* newgroup) {
  constexpr const char* kCall = "MPI_Group_difference";
  return run(kCall,
             [&] { return combine(kCall, group1, group2, newgroup, weft::group_difference); });
}

extern "C" int PMPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[],
                                          MPI_Group group2, int ranks2[]) {
  constexpr const char* kCall = "MPI_Group_translate_ranks";
  return run(kCall, [&]() -> Status {
    Group* first = nullptr;
    Group* second = nullptr;
    WEFT_TRY(resolve(kCall, "group1", group1, &first));
    WEFT_TRY(resolve(kCall, "group2", group2, &second));
    WEFT_TRY(require_count(kCall, n));
    if (n > 0) {
      WEFT_TRY(require_pointer(kCall, "ranks1", ranks1));
      WEFT_TRY(require_pointer(kCall, "ranks2", ranks2));
    }
    return weft::group_translate_ranks(*first, std::span<const int>(ranks1, n), *second,
                                       std::span<int>(ranks2, n));
  });
}

extern "C" int PMPI_Group_compare(MPI_Group group1, MPI_Group group2, int* result) {
  constexpr const char* kCall = "MPI_Group_compare";
  return run(kCall, [&]() -> Status {
    Group* first = nullptr;
    Group* second = nullptr;
    WEFT_TRY(resolve(kCall, "group1", group1, &first));
    WEFT_TRY(resolve(kCall, "group2", group2, &second));
    WEFT_TRY(require_pointer(kCall, "result", result));
    *result = weft::group_compare(*first, *second);
    return Status::success();
  });
}

// MPI_GROUP_EMPTY is accepted and only resets the handle. It is predefined, and freeing a
// predefined object is otherwise erroneous, but every group call hands it out in place of
// an empty new group, and portable programs free each group they are given without
// testing for it. Rejecting it would turn that ordinary pattern into a fatal error.
extern "C" int PMPI_Group_free(MPI_Group* group) {
  constexpr const char* kCall = "MPI_Group_free";
  return run(kCall, [&]() -> Status {
    WEFT_TRY(require_pointer(kCall, "group", group));
    Group* resolved = nullptr;
    WEFT_TRY(resolve(kCall, "group", *group, &resolved));
    // The empty group is permanent; release() on it only lowers a huge count, but skipping
    // it keeps the count from drifting in long-running programs.
    if (resolved != weft::empty_group()) resolved->release();
    *group = MPI_GROUP_NULL;
    return Status::success();
  });
}
