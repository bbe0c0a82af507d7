// Reduction operations (MPI_Op): the predefined ops of the standard ABI (handles 0x21..0x3d)
// and user ops made by MPI_Op_create.
//
// A predefined op is applied through a type-erased kernel, one loop per (op, predefined
// type) pair that the standard allows (datatype/reduce_ops.cc holds the table); a user op
// calls the user's function with the user's datatype handle. Which pairs are valid is
// decided here, once, so every reduction call reports an invalid pair the same way
// (MPI_ERR_OP, naming the call, the op and the datatype).
#pragma once

#include <cstddef>

#include "base/error.h"
#include "base/object.h"
#include "coll/reduction.h"
#include "datatype/reduce_ops.h"
#include "mpi.h"

namespace weft {

class Datatype;

class Op : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kOp;

  // A user op (MPI_Op_create, MPI_Op_create_c); one reference, the handle given to the user.
  Op(MPI_User_function* function, bool commutative);
  Op(MPI_User_function_c* function, bool commutative);
  // A predefined op; it lives for the whole process.
  Op(MPI_Op predefined_handle, const char* name);

  bool is_predefined() const { return predefined_handle_ != nullptr; }
  // Every predefined op is commutative (MPI_Op_commutative reports 1 for all of them).
  bool commutative() const { return commutative_; }
  const coll::UserFunction& function() const { return function_; }
  MPI_Op handle() const;
  // "MPI_SUM", ... or "user op".
  const char* name() const { return name_; }

 private:
  MPI_Op predefined_handle_ = nullptr;
  coll::UserFunction function_;
  bool commutative_ = true;
  const char* name_ = "user op";
};

// The op behind a handle: nullptr for MPI_OP_NULL, an unused predefined value or a handle
// that is not a live op.
Op* op_from_handle(MPI_Op handle);

// Fails with MPI_ERR_OP naming `call` when the handle is MPI_OP_NULL or invalid.
Status check_op(const char* call, MPI_Op handle, Op** out);

// What a reduction of `type` by `op` runs on. For a predefined op: `kernel` and `basic`, the
// predefined type the datatype is made of (elements are counted in it, on packed data).
// For a user op: kernel is nullptr and basic is nullptr.
struct ReduceTarget {
  ReduceKernel kernel = nullptr;
  const Datatype* basic = nullptr;
};

// Checks that `op` may reduce `type`: a predefined op needs a datatype made of one
// predefined type that the standard allows for it (MPI_CHAR also counts as an integer, as
// in MPICH and Open MPI). Fails with MPI_ERR_OP naming call, op and datatype.
Status check_op_type(const char* call, const Op& op, const Datatype& type, ReduceTarget* out);

// What the collectives see of `op` reducing `type`, once check_op_type has accepted the
// pair (fails like it otherwise).
Status reduction_view(const char* call, Op* op, const Datatype& type, coll::OpView* view);

// The text of a predefined op handle ("MPI_MAX"), or nullptr.
const char* predefined_op_name(MPI_Op handle);

}  // namespace weft
