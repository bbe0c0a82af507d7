// Error handlers: the three predefined ones and user functions from
// MPI_Comm_create_errhandler and MPI_Session_create_errhandler. A user handler belongs to
// the kind of object it was made for (its function's first argument is that handle); the
// predefined ones fit every kind.
#pragma once

#include "base/object.h"
#include "mpi.h"

namespace weft {

class Errhandler : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kErrhandler;
  enum class Action { kFatal, kReturn, kAbort, kUser };
  // The kind of object a user handler was made for (kAny: a predefined handler).
  enum class Family { kAny, kComm, kSession };

  Errhandler(Action action, MPI_Comm_errhandler_function* function);
  explicit Errhandler(MPI_Session_errhandler_function* session_function);
  ~Errhandler() override;

  Action action() const { return action_; }
  Family family() const { return family_; }
  // Whether the handler may be set on an object of `family`.
  bool fits(Family family) const { return family_ == Family::kAny || family_ == family; }
  MPI_Comm_errhandler_function* function() const { return function_; }
  MPI_Session_errhandler_function* session_function() const { return session_function_; }
  MPI_Errhandler handle();

 private:
  Action action_;
  Family family_;
  MPI_Comm_errhandler_function* function_ = nullptr;
  MPI_Session_errhandler_function* session_function_ = nullptr;
};

// nullptr for MPI_ERRHANDLER_NULL and invalid handles.
Errhandler* errhandler_from_handle(MPI_Errhandler handle);
Errhandler* errors_are_fatal();
Errhandler* errors_return();
Errhandler* errors_abort();

}  // namespace weft
