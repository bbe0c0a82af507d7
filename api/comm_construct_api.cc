// Communicator constructors and hints of MPI-3 and MPI-4: MPI_Comm_dup_with_info,
// MPI_Comm_idup, MPI_Comm_idup_with_info, MPI_Comm_create_from_group, MPI_Comm_set_info,
// MPI_Comm_get_info. The older constructors are in api/comm_api.cc.
#include <cstring>
#include <string>
#include <utility>

#include "api/api.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/comm_create.h"
#include "mpi/comm_info.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/info.h"
#include "mpi/intercomm.h"
#include "mpi/state.h"
#include "p2p/request.h"

using weft::Comm;
using weft::EngineGuard;
using weft::Status;
using weft::api::finish;

namespace {

Status not_null(const char* call, const char* name, const void* pointer) {
  if (pointer != nullptr) return Status();
  return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, name);
}

// MPI_Comm_dup and MPI_Comm_dup_with_info: the new communicator's assertions are the
// parent's (`hints` nullptr and `replace` false) or those `hints` sets (`replace`).
int dup(const char* call, MPI_Comm comm, MPI_Info info, bool replace, MPI_Comm* newcomm) {
  Comm* c = nullptr;
  Comm* created = nullptr;
  weft::Info* hints = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && replace) s = weft::resolve_hints(call, info, &hints);
  if (s.ok()) s = not_null(call, "newcomm", newcomm);
  if (s.ok()) {
    EngineGuard guard;
    s = c->is_inter() ? weft::intercomm_dup(call, c, &created) : weft::comm_dup(call, c, &created);
  }
  if (s.ok()) {
    if (replace) created->set_assertions(weft::apply_assertion_hints(0, hints));
    weft::AttributeList attributes;
    s = weft::copy_attributes(call, c, &attributes);
    if (s.ok()) {
      weft::adopt_attributes(created, std::move(attributes));
    } else {
      weft::release_context(created->context());
      created->release();
      created = nullptr;
    }
  }
  if (s.ok()) *newcomm = created->handle();
  return finish(call, c, s);
}

int idup(const char* call, MPI_Comm comm, MPI_Info info, bool replace, MPI_Comm* newcomm,
         MPI_Request* request) {
  Comm* c = nullptr;
  weft::Info* hints = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok() && replace) s = weft::resolve_hints(call, info, &hints);
  if (s.ok()) s = not_null(call, "newcomm", newcomm);
  if (s.ok()) s = not_null(call, "request", request);
  weft::AttributeList attributes;
  // The copy callbacks run now, in the caller's thread and without the engine lock; the
  // values they produce wait for the new communicator.
  if (s.ok()) s = weft::copy_attributes(call, c, &attributes);
  if (s.ok()) {
    const uint32_t assertions = replace ? weft::apply_assertion_hints(0, hints) : c->assertions();
    weft::Request* started = nullptr;
    EngineGuard guard;
    s = c->is_inter() ? weft::intercomm_idup(call, c, assertions, std::move(attributes), newcomm,
                                             &started)
                      : weft::comm_idup(call, c, assertions, std::move(attributes), newcomm,
                                        &started);
    if (s.ok()) *request = started->handle();
  }
  return finish(call, c, s);
}

}  // namespace

extern "C" int PMPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm) {
  return dup("MPI_Comm_dup_with_info", comm, info, true, newcomm);
}

extern "C" int PMPI_Comm_idup(MPI_Comm comm, MPI_Comm* newcomm, MPI_Request* request) {
  return idup("MPI_Comm_idup", comm, MPI_INFO_NULL, false, newcomm, request);
}

extern "C" int PMPI_Comm_idup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm* newcomm,
                                        MPI_Request* request) {
  return idup("MPI_Comm_idup_with_info", comm, info, true, newcomm, request);
}

extern "C" int PMPI_Comm_set_info(MPI_Comm comm, MPI_Info info) {
  const char* call = "MPI_Comm_set_info";
  Comm* c = nullptr;
  weft::Info* hints = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = weft::resolve_hints(call, info, &hints);
  if (s.ok()) c->set_assertions(weft::apply_assertion_hints(c->assertions(), hints));
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_get_info(MPI_Comm comm, MPI_Info* info_used) {
  const char* call = "MPI_Comm_get_info";
  Comm* c = nullptr;
  Status s = weft::api::enter_comm(call, comm, &c);
  if (s.ok()) s = not_null(call, "info_used", info_used);
  if (s.ok()) *info_used = weft::assertion_hints(c->assertions())->handle();
  return finish(call, c, s);
}

extern "C" int PMPI_Comm_create_from_group(MPI_Group group, const char* stringtag, MPI_Info info,
                                           MPI_Errhandler errhandler, MPI_Comm* newcomm) {
  const char* call = "MPI_Comm_create_from_group";
  Status s = weft::api::check_initialized(call);
  weft::Group* g = nullptr;
  weft::Info* hints = nullptr;
  // The handler first: it also handles this call's errors.
  weft::Errhandler* handler = weft::errhandler_from_handle(errhandler);
  if (s.ok() && handler == nullptr) {
    s = weft::error(MPI_ERR_ERRHANDLER, "%s: argument errhandler=%p is not a valid error handler",
                    call, static_cast<void*>(errhandler));
  }
  if (s.ok() && !handler->fits(weft::Errhandler::Family::kComm)) {
    s = weft::error(MPI_ERR_ERRHANDLER,
                    "%s: argument errhandler=%p was made by MPI_Session_create_errhandler, not "
                    "for communicators",
                    call, static_cast<void*>(errhandler));
    handler = nullptr;
  }
  if (s.ok()) {
    g = weft::group_from_handle(group);
    if (group == MPI_GROUP_NULL) {
      s = weft::error(MPI_ERR_GROUP, "%s: argument group is MPI_GROUP_NULL", call);
    } else if (g == nullptr) {
      s = weft::error(MPI_ERR_GROUP, "%s: argument group=%p is not a valid group", call,
                      static_cast<void*>(group));
    }
  }
  if (s.ok()) s = not_null(call, "stringtag", stringtag);
  if (s.ok() && strnlen(stringtag, MPI_MAX_STRINGTAG_LEN) >= MPI_MAX_STRINGTAG_LEN) {
    s = weft::error(
        MPI_ERR_ARG,
        "%s: argument stringtag is longer than MPI_MAX_STRINGTAG_LEN - 1 = %d characters", call,
        MPI_MAX_STRINGTAG_LEN - 1);
  }
  if (s.ok()) s = weft::resolve_hints(call, info, &hints);
  if (s.ok()) s = not_null(call, "newcomm", newcomm);
  // MPI_GROUP_EMPTY: nothing to agree on with anyone, and no communicator.
  if (s.ok() && g->size() == 0) {
    *newcomm = MPI_COMM_NULL;
    return MPI_SUCCESS;
  }
  Comm* created = nullptr;
  if (s.ok()) {
    EngineGuard guard;
    s = weft::comm_create_from_group(call, g, stringtag, handler, &created);
  }
  if (s.ok()) {
    created->set_assertions(weft::apply_assertion_hints(0, hints));
    *newcomm = created->handle();
    return MPI_SUCCESS;
  }
  // The standard: errhandler is also invoked for errors of this call. MPI_ERRORS_RETURN
  // returns the code; the others act as for any error not tied to a communicator.
  if (handler != nullptr && handler->action() == weft::Errhandler::Action::kReturn) {
    return s.error_class();
  }
  return finish(call, nullptr, s);
}
