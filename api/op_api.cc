// Reduction-op entry points: MPI_Op_create, MPI_Op_free, MPI_Op_commutative.
#include <cinttypes>
#include <cstdint>

#include "api/api.h"
#include "api/api_checks.h"
#include "coll/collectives.h"
#include "mpi.h"
#include "mpi/op.h"

using weft::Op;
using weft::Status;
using weft::api::finish;


extern "C" int PMPI_Op_create(MPI_User_function* user_fn, int commute, MPI_Op* op) {
  const char* call = "MPI_Op_create";
  Status s = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    if (user_fn == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument user_fn is NULL", call);
    if (op == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument op is NULL", call);
    *op = (new Op(user_fn, commute != 0))->handle();
    return Status();
  }();
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Op_create_c(MPI_User_function_c* user_fn, int commute, MPI_Op* op) {
  const char* call = "MPI_Op_create_c";
  Status s = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    if (user_fn == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument user_fn is NULL", call);
    if (op == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument op is NULL", call);
    *op = (new Op(user_fn, commute != 0))->handle();
    return Status();
  }();
  return finish(call, nullptr, s);
}

// MPI_Reduce_local's twin lives here, beside the ops, since it communicates nothing.
extern "C" int PMPI_Reduce_local_c(const void* inbuf, void* inoutbuf, MPI_Count count,
                                   MPI_Datatype datatype, MPI_Op op) {
  const char* call = "MPI_Reduce_local_c";
  weft::api::validate::Reduce_local_cObjects o;
  Status s = weft::api::validate::Reduce_local_c(inbuf, inoutbuf, count, datatype, op, &o);
  weft::coll::OpView view;
  if (s.ok()) s = weft::reduction_view(call, o.op, *o.datatype, &view);
  // User functions run without the engine lock here: no communication is involved.
  if (s.ok()) {
    s = weft::coll::reduce_local(call, inbuf, inoutbuf, static_cast<size_t>(count), o.datatype,
                                 view);
  }
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Op_free(MPI_Op* op) {
  const char* call = "MPI_Op_free";
  Status s = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    if (op == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument op is NULL", call);
    Op* o = nullptr;
    WEFT_TRY(weft::check_op(call, *op, &o));
    if (o->is_predefined()) {
      return weft::error(MPI_ERR_OP, "%s: argument op=%s is predefined and cannot be freed", call,
                         o->name());
    }
    // Reductions still in flight hold their own reference.
    o->release();
    *op = MPI_OP_NULL;
    return Status();
  }();
  return finish(call, nullptr, s);
}

extern "C" int PMPI_Op_commutative(MPI_Op op, int* commute) {
  const char* call = "MPI_Op_commutative";
  Status s = [&]() -> Status {
    WEFT_TRY(weft::api::check_initialized(call));
    if (commute == nullptr) return weft::error(MPI_ERR_ARG, "%s: argument commute is NULL", call);
    Op* o = nullptr;
    WEFT_TRY(weft::check_op(call, op, &o));
    *commute = o->commutative() ? 1 : 0;
    return Status();
  }();
  return finish(call, nullptr, s);
}
