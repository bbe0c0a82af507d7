#include "mpi/op.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <string>

#include "datatype/datatype.h"
#include "datatype/reduce_ops.h"

namespace weft {

namespace {

constexpr uintptr_t kFirstOp = 0x21;  // MPI_SUM
constexpr uintptr_t kLastOp = 0x3d;   // MPI_NO_OP

uintptr_t value_of(MPI_Op handle) { return reinterpret_cast<uintptr_t>(handle); }

struct PredefinedOps {
  std::array<Op*, kLastOp - kFirstOp + 1> ops{};

  PredefinedOps() {
    add(MPI_SUM, "MPI_SUM");
    add(MPI_MIN, "MPI_MIN");
    add(MPI_MAX, "MPI_MAX");
    add(MPI_PROD, "MPI_PROD");
    add(MPI_BAND, "MPI_BAND");
    add(MPI_BOR, "MPI_BOR");
    add(MPI_BXOR, "MPI_BXOR");
    add(MPI_LAND, "MPI_LAND");
    add(MPI_LOR, "MPI_LOR");
    add(MPI_LXOR, "MPI_LXOR");
    add(MPI_MINLOC, "MPI_MINLOC");
    add(MPI_MAXLOC, "MPI_MAXLOC");
    add(MPI_REPLACE, "MPI_REPLACE");
    add(MPI_NO_OP, "MPI_NO_OP");
  }

  void add(MPI_Op handle, const char* name) {
    ops[value_of(handle) - kFirstOp] = new Op(handle, name);
  }
};

// Built on first use and never destroyed: predefined handles stay valid to the end.
PredefinedOps& predefined_ops() {
  static PredefinedOps* table = new PredefinedOps();
  return *table;
}

std::string describe_type(const Datatype& type) {
  if (!type.name().empty()) return type.name();
  char text[64];
  std::snprintf(text, sizeof text, "derived datatype 0x%" PRIxPTR,
                reinterpret_cast<uintptr_t>(type.handle()));
  return text;
}

}  // namespace

Op::Op(MPI_User_function* function, bool commutative)
    : Object(kKind), function_{function, nullptr}, commutative_(commutative) {}

Op::Op(MPI_User_function_c* function, bool commutative)
    : Object(kKind), function_{nullptr, function}, commutative_(commutative) {}

Op::Op(MPI_Op predefined_handle, const char* name)
    : Object(kKind), predefined_handle_(predefined_handle), name_(name) {
  make_permanent();
}

MPI_Op Op::handle() const {
  if (predefined_handle_ != nullptr) return predefined_handle_;
  return to_handle<MPI_Op>(const_cast<Op*>(this));
}

Op* op_from_handle(MPI_Op handle) {
  const uintptr_t value = value_of(handle);
  if (is_predefined_handle(handle)) {
    if (value < kFirstOp || value > kLastOp) return nullptr;
    return predefined_ops().ops[value - kFirstOp];
  }
  return dynamic_object<Op>(handle);
}

const char* predefined_op_name(MPI_Op handle) {
  Op* op = is_predefined_handle(handle) ? op_from_handle(handle) : nullptr;
  return op != nullptr ? op->name() : nullptr;
}

Status check_op(const char* call, MPI_Op handle, Op** out) {
  if (handle == MPI_OP_NULL) return error(MPI_ERR_OP, "%s: argument op is MPI_OP_NULL", call);
  Op* op = op_from_handle(handle);
  if (op == nullptr) {
    return error(MPI_ERR_OP, "%s: argument op=0x%" PRIxPTR " is not a valid reduction operation",
                 call, value_of(handle));
  }
  *out = op;
  return Status();
}

Status check_op_type(const char* call, const Op& op, const Datatype& type, ReduceTarget* out) {
  *out = ReduceTarget{};
  if (!op.is_predefined()) return Status();  // user functions accept any datatype
  const Datatype* basic = type.uniform_basic_type();
  if (basic == nullptr) {
    if (type.size() == 0) return Status();  // nothing to reduce
    return error(MPI_ERR_OP,
                 "%s: op %s cannot reduce datatype %s: it is made of more than one predefined "
                 "type (predefined ops need a datatype built from a single predefined type)",
                 call, op.name(), describe_type(type).c_str());
  }
  ReduceKernel kernel = reduce_kernel(op.handle(), basic->handle());
  if (kernel == nullptr) {
    if (basic == &type) {
      return error(MPI_ERR_OP, "%s: op %s is not defined for datatype %s", call, op.name(),
                   describe_type(type).c_str());
    }
    return error(MPI_ERR_OP, "%s: op %s is not defined for datatype %s (made of %s)", call,
                 op.name(), describe_type(type).c_str(), describe_type(*basic).c_str());
  }
  out->kernel = kernel;
  out->basic = basic;
  return Status();
}

Status reduction_view(const char* call, Op* op, const Datatype& type, coll::OpView* view) {
  ReduceTarget target;
  WEFT_TRY(check_op_type(call, *op, type, &target));
  view->owner = op;
  view->function = op->is_predefined() ? coll::UserFunction{} : op->function();
  view->kernel = target.kernel;
  view->basic = target.basic;
  view->commutative = op->commutative();
  return Status();
}

}  // namespace weft
