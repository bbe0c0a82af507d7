// The checkers of argument kinds: one small function per kind of api/mpi.api, called by the
// validation that api/gen_bindings.py generates (api_checks.h in the build folder,
// weft::api::validate::<Name>). Each returns success at the cost of a comparison or a
// handle lookup; the message is formatted only on failure, in a cold function.
// Messages name the call, the argument and the value (tests assert on some of them).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "api/api.h"
#include "base/error.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/info.h"
#include "mpi/op.h"

namespace weft::api::kinds {

// ---- the failures, out of the success path ----------------------------------------------

[[gnu::cold, gnu::noinline]] inline Status negative_count(const char* call, const char* argument,
                                                          long long value) {
  return error(MPI_ERR_COUNT, "%s: argument %s=%lld is negative", call, argument, value);
}

[[gnu::cold, gnu::noinline]] inline Status negative_count_at(const char* call, const char* argument,
                                                             int index, long long value) {
  return error(MPI_ERR_COUNT, "%s: argument %s[%d]=%lld is negative", call, argument, index, value);
}

[[gnu::cold, gnu::noinline]] inline Status null_pointer(const char* call, const char* argument) {
  return error(MPI_ERR_ARG, "%s: argument %s is NULL", call, argument);
}

[[gnu::cold, gnu::noinline]] inline Status null_array(const char* call, const char* argument,
                                                      const char* length_name, long long length) {
  return error(MPI_ERR_ARG, "%s: argument %s is NULL but %s=%lld", call, argument, length_name,
               length);
}

[[gnu::cold, gnu::noinline]] inline Status in_place_refused(const char* call,
                                                            const char* argument) {
  return error(MPI_ERR_BUFFER, "%s: argument %s is MPI_IN_PLACE, which this call does not accept",
               call, argument);
}

[[gnu::cold, gnu::noinline]] inline Status null_buffer(const char* call, const char* argument,
                                                       const char* count_name, long long count) {
  return error(MPI_ERR_BUFFER, "%s: argument %s is NULL with %s=%lld", call, argument, count_name,
               count);
}

[[gnu::cold, gnu::noinline]] inline Status null_buffer_at(const char* call, const char* argument,
                                                          const char* counts_name, int index,
                                                          long long count) {
  return error(MPI_ERR_BUFFER, "%s: argument %s is NULL with %s[%d]=%lld", call, argument,
               counts_name, index, count);
}

[[gnu::cold, gnu::noinline]] inline Status count_too_large(const char* call, const char* argument,
                                                           long long count, size_t element) {
  return error(MPI_ERR_COUNT,
               "%s: argument %s=%lld elements of %zu bytes is more than the address space holds",
               call, argument, count, element);
}

[[gnu::cold, gnu::noinline]] inline Status bad_root(const char* call, int root, const Comm* c) {
  if (c->is_inter()) {
    return error(MPI_ERR_ROOT,
                 "%s: argument root=%d is not MPI_ROOT, MPI_PROC_NULL or a rank of the remote "
                 "group of intercommunicator %s (size %d)",
                 call, root, c->name().c_str(), c->peer_size());
  }
  return error(MPI_ERR_ROOT, "%s: argument root=%d is not a rank of communicator %s (size %d)",
               call, root, c->name().c_str(), c->size());
}

// ---- handles: each resolved once, the object handed back --------------------------------

// comm: MPI_COMM_NULL and unknown handles are MPI_ERR_COMM.
inline Status comm(const char* call, MPI_Comm handle, Comm** out) {
  return check_comm(call, handle, out);
}

// datatype describing a buffer: must be committed (MPI_ERR_TYPE).
inline Status datatype(const char* call, const char* argument, MPI_Datatype handle,
                       Datatype** out) {
  return check_datatype(call, argument, handle, out);
}

// datatype that only builds or describes another type: need not be committed.
inline Status datatype_uncommitted(const char* call, const char* argument, MPI_Datatype handle,
                                   Datatype** out) {
  return find_datatype(call, argument, handle, out);
}

// op: predefined or user-defined; whether it can reduce the datatype is the call's check.
inline Status op(const char* call, MPI_Op handle, Op** out) { return check_op(call, handle, out); }

// info(null): MPI_INFO_NULL ("no hints") or a live info object (MPI_ERR_INFO).
inline Status info_or_null(const char* call, const char* argument, MPI_Info handle) {
  if (handle == MPI_INFO_NULL || info_from_handle(handle) != nullptr) return Status();
  return error(MPI_ERR_INFO, "%s: argument %s=%p is not a valid info object", call, argument,
               static_cast<void*>(handle));
}

// ---- values -----------------------------------------------------------------------------

template <typename Integer>
inline Status count(const char* call, const char* argument, Integer value) {
  if (value < 0) [[unlikely]]
    return negative_count(call, argument, static_cast<long long>(value));
  return Status();
}

// An array of counts, one per rank of the communicator (`size` of them).
template <typename Integer>
inline Status counts(const char* call, const char* argument, const Integer* values, int size) {
  if (values == nullptr) [[unlikely]]
    return null_pointer(call, argument);
  for (int i = 0; i < size; ++i) {
    if (values[i] < 0) [[unlikely]] {
      return negative_count_at(call, argument, i, static_cast<long long>(values[i]));
    }
  }
  return Status();
}

// An input array whose entries the call reads (displacements): non-NULL when non-empty.
inline Status array(const char* call, const char* argument, const void* values, int size) {
  if (values == nullptr && size > 0) [[unlikely]]
    return null_pointer(call, argument);
  return Status();
}

// An input array whose length is another argument (MPI_Type_indexed's count).
template <typename Integer>
inline Status array(const char* call, const char* argument, const void* values,
                    const char* length_name, Integer length) {
  if (values == nullptr && length > 0) [[unlikely]] {
    return null_array(call, argument, length_name, static_cast<long long>(length));
  }
  return Status();
}

// An output pointer (the request of a nonblocking call, a new handle): non-NULL.
inline Status out_pointer(const char* call, const char* argument, const void* pointer) {
  if (pointer == nullptr) [[unlikely]]
    return null_pointer(call, argument);
  return Status();
}

// root: a rank of the communicator; on an intercommunicator MPI_ROOT (this process is the
// root), MPI_PROC_NULL (another process of the root's group is) or a rank of the remote
// group (the root is there).
inline Status root(const char* call, int value, const Comm* c) {
  if (value >= 0 && value < c->peer_size()) [[likely]]
    return Status();
  if (c->is_inter() && (value == MPI_ROOT || value == MPI_PROC_NULL)) return Status();
  return bad_root(call, value, c);
}

// Which arguments of a rooted collective are significant here: the root's own (root_only)
// at_root; the other processes' (an in_place buffer and the count and datatype after it)
// off_root. On an intercommunicator at_root is MPI_ROOT and off_root the group without the
// root, so at MPI_PROC_NULL neither holds; on an intracommunicator every rank is off_root.
inline bool at_root(const Comm* c, int root) {
  return c->is_inter() ? root == MPI_ROOT : c->rank() == root;
}
inline bool off_root(const Comm* c, int root) { return !c->is_inter() || root >= 0; }

// The length of a per-rank array (`group_size` in mpi.api): one entry per process of the
// remote group on an intercommunicator.
inline int group_size(const Comm* c) { return c->peer_size(); }

// ---- buffers ----------------------------------------------------------------------------

// A buffer whose kind lacks (in_place).
inline Status not_in_place(const char* call, const char* argument, const void* buffer) {
  if (buffer == MPI_IN_PLACE) [[unlikely]]
    return in_place_refused(call, argument);
  return Status();
}

// NULL is MPI_BOTTOM, legal with a derived type holding absolute addresses; with a predefined
// non-empty type and elements to move it is a missing buffer.
inline bool may_not_be_null(const Datatype* type) {
  return type->is_predefined() && type->size() > 0;
}

// A 64-bit count (the `_c` calls) can describe more bytes than memory has: refused before
// any byte count is formed from it. An int count of any datatype fits.
template <typename Integer>
inline Status addressable(const char* call, const char* count_name, Integer count,
                          const Datatype* type) {
  if constexpr (sizeof(Integer) > sizeof(int)) {
    const size_t element = std::max<size_t>(type->size(), static_cast<size_t>(
                                                              std::abs(type->extent())));
    if (element > 0 && static_cast<uint64_t>(count) > static_cast<uint64_t>(PTRDIFF_MAX) / element)
        [[unlikely]] {
      return count_too_large(call, count_name, static_cast<long long>(count), element);
    }
  }
  return Status();
}

template <typename Integer>
inline Status buffer(const char* call, const char* argument, const void* buffer,
                     const char* count_name, Integer count, const Datatype* type) {
  if (buffer == nullptr && count > 0 && may_not_be_null(type)) [[unlikely]] {
    return null_buffer(call, argument, count_name, static_cast<long long>(count));
  }
  return addressable(call, count_name, count, type);
}

// A buffer described by one count per rank.
template <typename Integer>
inline Status buffer(const char* call, const char* argument, const void* buffer,
                     const char* counts_name, const Integer* counts, int size,
                     const Datatype* type) {
  if constexpr (sizeof(Integer) > sizeof(int)) {
    for (int i = 0; i < size; ++i) WEFT_TRY(addressable(call, counts_name, counts[i], type));
  }
  if (buffer != nullptr || !may_not_be_null(type)) return Status();
  for (int i = 0; i < size; ++i) {
    if (counts[i] > 0) [[unlikely]] {
      return null_buffer_at(call, argument, counts_name, i, static_cast<long long>(counts[i]));
    }
  }
  return Status();
}

}  // namespace weft::api::kinds
