// Sessions (MPI-4.1 chapter 11.3): a handle a library gets from MPI_Session_init without
// MPI_Init, its thread level and error handler, and the process sets it can turn into
// groups (MPI_Group_from_session_pset), from which MPI_Comm_create_from_group makes
// communicators. A session is a user of the communication layer (mpi/state.h): the first
// session or MPI_Init starts the layer, and sessions and the world model live side by side.
//
// Groups and communicators derived from a session record it (Group::session,
// Comm::session): buffered sends on such a communicator fall back to the session's buffer.
#pragma once

#include <string>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "mpi.h"

namespace weft {

class Errhandler;
class Info;

class Session : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kSession;

  // Retains `errhandler`. `thread_key` is the info key the program named the level with
  // (MPI_Session_get_info gives the level back under it as well), empty when none.
  Session(int thread_level, Errhandler* errhandler, std::string thread_key);
  ~Session() override;

  int thread_level() const { return thread_level_; }
  const std::string& thread_key() const { return thread_key_; }
  Errhandler* errhandler() const { return errhandler_; }
  void set_errhandler(Errhandler* handler);  // retains the new one, releases the old
  MPI_Session handle() { return to_handle<MPI_Session>(this); }

 private:
  int thread_level_;
  std::string thread_key_;
  Errhandler* errhandler_ = nullptr;
};

// nullptr for MPI_SESSION_NULL, finalized sessions and handles that name no live session.
Session* session_from_handle(MPI_Session handle);
Status check_session(const char* call, MPI_Session handle, Session** out);

// MPI_Session_init: reads the thread level from `info` (nullptr: none given; the key
// "mpi_thread_support_level", or "thread_level", with a value "MPI_THREAD_SINGLE" ..
// "MPI_THREAD_MULTIPLE"; without one a session gets MPI_THREAD_MULTIPLE), joins the
// communication layer and makes the session.
Status session_init(const char* call, const Info* info, Errhandler* errhandler, Session** out);
// MPI_Session_finalize: waits for the buffered sends of the session's buffer and detaches
// it, ends the handle, and leaves the communication layer. Objects derived from the session
// stay until the program frees them.
Status session_finalize(const char* call, Session* session);

// MPI_Session_get_info: the level provided under "mpi_thread_support_level" (and under the
// key the program used, when another).
Info* session_info(const Session& session);

// Process sets, in the order MPI_Session_get_nth_pset lists them: "mpi://WORLD" (every
// process of the job), "mpi://SELF" (this one) and "weft://host" (the processes on this
// process's host). Names are matched without regard to case.
int pset_count();
const char* pset_name(int n);
// The processes (world ranks, ascending) of the set `name`; MPI_ERR_ARG naming the call
// and the known sets when there is none of that name.
Status pset_processes(const char* call, const char* name, std::vector<int>* out);

}  // namespace weft
