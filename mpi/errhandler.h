// Error handlers: the three predefined ones and user functions from
// MPI_Comm_create_errhandler.
#pragma once

#include "base/object.h"
#include "mpi.h"

namespace weft {

class Errhandler : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kErrhandler;
  enum class Action { kFatal, kReturn, kAbort, kUser };

  Errhandler(Action action, MPI_Comm_errhandler_function* function);
  ~Errhandler() override;

  Action action() const { return action_; }
  MPI_Comm_errhandler_function* function() const { return function_; }
  MPI_Errhandler handle();

 private:
  Action action_;
  MPI_Comm_errhandler_function* function_;
};

// nullptr for MPI_ERRHANDLER_NULL and invalid handles.
Errhandler* errhandler_from_handle(MPI_Errhandler handle);
Errhandler* errors_are_fatal();
Errhandler* errors_return();
Errhandler* errors_abort();

}  // namespace weft
