// The reduction an algorithm applies, whatever the op: a predefined op's kernel over packed
// basic elements, or a user function over the user's datatype. Algorithms move packed
// bytes and split vectors on element boundaries of unit() bytes.
//
// User functions run where the algorithm runs: inside engine progress, with the engine lock
// held (a user function must not call MPI, as the standard already requires).
#pragma once

#include <cstddef>

#include "base/object.h"
#include "coll/task.h"
#include "datatype/reduce_ops.h"
#include "mpi.h"

namespace weft {
class Datatype;
}

namespace weft::coll {

// A user op's function: MPI_Op_create's, whose count is an int, or MPI_Op_create_c's, whose
// count is an MPI_Count (MPI_User_function_c). Exactly one is set; neither for a predefined op.
struct UserFunction {
  MPI_User_function* plain = nullptr;
  MPI_User_function_c* large = nullptr;

  explicit operator bool() const { return plain != nullptr || large != nullptr; }
  // Applies the function to `count` elements of the datatype `handle` (extent `extent`) laid
  // out in the user's form in both buffers. An int function is called in pieces of at most
  // INT_MAX elements; a large one once.
  void call(void* in, void* inout, size_t count, MPI_Datatype handle, MPI_Aint extent) const;
};

// What the collectives see of an op reducing a datatype (mpi/ resolves and checks the
// pair: weft::reduction_view in mpi/op.h). A user op has `function`; a predefined op has
// `kernel` over packed elements of `basic` (both nullptr when the datatype holds nothing to
// reduce).
struct OpView {
  Object* owner = nullptr;  // the op: kept alive while an operation uses a user function
  UserFunction function;
  ReduceKernel kernel = nullptr;
  const Datatype* basic = nullptr;
  bool commutative = true;
};

class Reduction {
 public:
  Reduction() = default;
  // A predefined op: `kernel` over elements of `unit` packed bytes.
  Reduction(ReduceKernel kernel, size_t unit) : kernel_(kernel), unit_(unit) {}
  // A user op over elements of `type` (the caller keeps `type` alive).
  Reduction(UserFunction function, bool commutative, const Datatype* type);

  size_t unit() const { return unit_; }
  bool commutative() const { return commutative_; }

  // inout[i] = in[i] op inout[i] for `count` elements of packed data; `in` holds the
  // operand of the lower ranks (MPI's invec).
  void apply(const void* in, void* inout, size_t count) const;

 private:
  void apply_user(const void* in, void* inout, size_t count) const;

  ReduceKernel kernel_ = nullptr;
  UserFunction function_;
  const Datatype* type_ = nullptr;
  size_t unit_ = 1;
  bool commutative_ = true;
};

// `bytes` of `scratch` that start at the same offset within a page as `like`. A peer that
// sends from its own counterpart of `like` (the same buffer in an SPMD program, or scratch
// placed like it) then copies between equal page offsets: the kernel's single-copy path is
// several times slower when the destination sits a few bytes past the source modulo the
// page size (coll/context.cc). Calls with another `like` reuse the same memory. Requests of
// at most Scratch::kInline bytes, far below any single-copy size, take the inline buffer.
char* scratch_like(Scratch& scratch, size_t bytes, const void* like);

// Whether a peer's copy from its counterpart of `from` into `to` takes the kernel's fast
// path: false when `to` sits 1 to 63 bytes past `from` modulo the page size. Algorithms that
// would receive straight into the user's result from the peers' inputs check this and
// stage otherwise.
bool copies_fast(const void* from, const void* to);

}  // namespace weft::coll
