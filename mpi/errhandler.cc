#include "mpi/errhandler.h"

#include "mpi/live_objects.h"

namespace weft {

namespace {
LiveObjects& live_errhandlers() {
  static auto* live = new LiveObjects();
  return *live;
}

Errhandler* make_permanent(Errhandler* handler) {
  handler->make_permanent();
  return handler;
}
}  // namespace

Errhandler::Errhandler(Action action, MPI_Comm_errhandler_function* function)
    : Object(kKind),
      action_(action),
      family_(action == Action::kUser ? Family::kComm : Family::kAny),
      function_(function) {
  live_errhandlers().add(static_cast<Object*>(this));
}

Errhandler::Errhandler(MPI_Session_errhandler_function* session_function)
    : Object(kKind),
      action_(Action::kUser),
      family_(Family::kSession),
      session_function_(session_function) {
  live_errhandlers().add(static_cast<Object*>(this));
}

Errhandler::~Errhandler() { live_errhandlers().remove(static_cast<Object*>(this)); }

Errhandler* errors_are_fatal() {
  static Errhandler* handler = make_permanent(new Errhandler(Errhandler::Action::kFatal, nullptr));
  return handler;
}
Errhandler* errors_return() {
  static Errhandler* handler = make_permanent(new Errhandler(Errhandler::Action::kReturn, nullptr));
  return handler;
}
Errhandler* errors_abort() {
  static Errhandler* handler = make_permanent(new Errhandler(Errhandler::Action::kAbort, nullptr));
  return handler;
}

MPI_Errhandler Errhandler::handle() {
  if (this == errors_are_fatal()) return MPI_ERRORS_ARE_FATAL;
  if (this == errors_return()) return MPI_ERRORS_RETURN;
  if (this == errors_abort()) return MPI_ERRORS_ABORT;
  return to_handle<MPI_Errhandler>(this);
}

Errhandler* errhandler_from_handle(MPI_Errhandler handle) {
  if (handle == MPI_ERRORS_ARE_FATAL) return errors_are_fatal();
  if (handle == MPI_ERRORS_RETURN) return errors_return();
  if (handle == MPI_ERRORS_ABORT) return errors_abort();
  if (!live_errhandlers().contains(handle)) return nullptr;
  return dynamic_object<Errhandler>(handle);
}

}  // namespace weft
