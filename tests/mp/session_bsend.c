/*
 * A session's buffer for buffered sends (MPI_Session_attach_buffer / _detach_buffer and
 * their _c forms, MPI_Session_flush_buffer, MPI_Session_iflush_buffer), in a program that
 * never calls MPI_Init. Which buffer a buffered send uses: its communicator's when it has
 * one, else its session's, else the process's; each case is told apart by sizing the
 * buffers so that only the expected one can hold the message. Errors: a second attach, a
 * detach with nothing attached (the session's handler reports them), a message too large
 * for the buffer in use (the communicator's handler). Every message is checked by its
 * receiver.
 */
#include <mpi.h>

#include "mp_check.h"

/* Above the eager limit, so a buffered message holds its space until its receiver takes it. */
enum { kCount = 5000, kMessages = 3 };

static int message_bytes(void) { return (int)sizeof(int) * kCount + MPI_BSEND_OVERHEAD; }

/* A buffer's space comes back when its sends complete, which may be after the receiver got
 * the data: each round ends with a flush of the buffer it used (`session`'s, or the
 * process's when `session` is MPI_SESSION_NULL). */
static void bsend_round(MPI_Comm comm, MPI_Session session, int messages, int salt,
                        const char *where) {
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  const int right = (rank + 1) % size;
  const int left = (rank + size - 1) % size;
  int data[kCount];
  for (int m = 0; m < messages; ++m) {
    for (int i = 0; i < kCount; ++i) data[i] = mp_pattern_int(rank, i, salt + m);
    CHECK_MPI(MPI_Bsend(data, kCount, MPI_INT, right, 100 + m, comm));
    for (int i = 0; i < kCount; ++i) data[i] = -1; /* the copy must already be taken */
  }
  for (int m = 0; m < messages; ++m) {
    MPI_Status status;
    CHECK_MPI(MPI_Recv(data, kCount, MPI_INT, left, 100 + m, comm, &status));
    CHECK_STATUS(status, left, 100 + m, MPI_INT, kCount, "%s, message %d", where, m);
    for (int i = 0; i < kCount; ++i) {
      CHECK_INT(data[i], mp_pattern_int(left, i, salt + m), "%s, message %d, element %d", where,
                m, i);
    }
  }
  if (session != MPI_SESSION_NULL) {
    CHECK_MPI(MPI_Session_flush_buffer(session));
  } else {
    CHECK_MPI(MPI_Buffer_flush());
  }
}

/* A buffered send that must fail for want of room; nothing is sent. */
static void bsend_refused(MPI_Comm comm, const char *where) {
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  int data[kCount] = {0};
  CHECK_ERROR_CLASS(MPI_Bsend(data, kCount, MPI_INT, (rank + 1) % size, 999, comm),
                    MPI_ERR_BUFFER, "%s", where);
}

static int session_errors = 0;
static void count_session_error(MPI_Session *session, int *code, ...) {
  (void)session;
  (void)code;
  ++session_errors;
}

int main(void) {
  MPI_Session session;
  CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &session));
  MPI_Group group;
  CHECK_MPI(MPI_Group_from_session_pset(session, "mpi://WORLD", &group));
  MPI_Comm comm;
  MPI_Comm other;
  CHECK_MPI(MPI_Comm_create_from_group(group, "session_bsend.a", MPI_INFO_NULL, MPI_ERRORS_RETURN,
                                       &comm));
  CHECK_MPI(MPI_Comm_create_from_group(group, "session_bsend.b", MPI_INFO_NULL, MPI_ERRORS_RETURN,
                                       &other));
  CHECK_MPI(MPI_Group_free(&group));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));

  /* No buffer anywhere: refused. */
  bsend_refused(comm, "no buffer attached");

  /* The session's buffer serves every communicator of the session. */
  const int session_bytes = kMessages * message_bytes();
  char *session_buffer = mp_malloc((size_t)session_bytes);
  CHECK_MPI(MPI_Session_attach_buffer(session, session_buffer, session_bytes));
  bsend_round(comm, session, kMessages, 1, "session buffer, first communicator");
  bsend_round(other, session, kMessages, 2, "session buffer, second communicator");
  /* A second attach, and its report to the session's handler. */
  MPI_Errhandler counting;
  CHECK_MPI(MPI_Session_create_errhandler(count_session_error, &counting));
  CHECK_MPI(MPI_Session_set_errhandler(session, counting));
  char spare[64];
  CHECK_ERROR_CLASS(MPI_Session_attach_buffer(session, spare, (int)sizeof spare), MPI_ERR_BUFFER,
                    "a second session buffer");
  CHECK_INT(session_errors, 1, "the session's handler saw the second attach");
  CHECK_MPI(MPI_Session_set_errhandler(session, MPI_ERRORS_RETURN));

  /* A communicator's own buffer comes first: one message fits in it, the second does not,
   * although the session's buffer would have room. */
  const int comm_bytes = message_bytes();
  char *comm_buffer = mp_malloc((size_t)comm_bytes);
  CHECK_MPI(MPI_Comm_attach_buffer(comm, comm_buffer, comm_bytes));
  int data[kCount];
  for (int i = 0; i < kCount; ++i) data[i] = mp_pattern_int(rank, i, 3);
  CHECK_MPI(MPI_Bsend(data, kCount, MPI_INT, (rank + 1) % size, 100, comm));
  bsend_refused(comm, "the communicator's buffer is full; the session's is not used");
  /* The other communicator still uses the session's buffer meanwhile. */
  bsend_round(other, session, kMessages, 4, "session buffer beside a communicator buffer");
  {
    const int left = (rank + size - 1) % size;
    CHECK_MPI(MPI_Recv(data, kCount, MPI_INT, left, 100, comm, MPI_STATUS_IGNORE));
    for (int i = 0; i < kCount; ++i) {
      CHECK_INT(data[i], mp_pattern_int(left, i, 3), "through the communicator's buffer, %d", i);
    }
  }
  void *address = NULL;
  int bytes = 0;
  CHECK_MPI(MPI_Comm_detach_buffer(comm, &address, &bytes));
  CHECK(address == comm_buffer && bytes == comm_bytes, "communicator buffer detached");

  /* Flushes of the session's buffer, blocking and not. */
  bsend_round(comm, session, kMessages, 5, "session buffer again");
  CHECK_MPI(MPI_Session_flush_buffer(session));
  MPI_Request flush;
  CHECK_MPI(MPI_Session_iflush_buffer(session, &flush));
  CHECK_MPI(MPI_Wait(&flush, MPI_STATUS_IGNORE));
  CHECK(flush == MPI_REQUEST_NULL, "the flush request is freed by MPI_Wait");

  /* Detach (the int form), then the process's buffer serves the session's communicators. */
  CHECK_MPI(MPI_Session_detach_buffer(session, &address, &bytes));
  CHECK(address == session_buffer && bytes == session_bytes, "session buffer detached: %p %d",
        address, bytes);
  CHECK_ERROR_CLASS(MPI_Session_detach_buffer(session, &address, &bytes), MPI_ERR_BUFFER,
                    "a detach with no session buffer");
  CHECK_ERROR_CLASS(MPI_Session_flush_buffer(session), MPI_ERR_BUFFER,
                    "a flush with no session buffer");
  const int process_bytes = 2 * message_bytes();
  char *process_buffer = mp_malloc((size_t)process_bytes);
  CHECK_MPI(MPI_Buffer_attach(process_buffer, process_bytes));
  bsend_round(comm, MPI_SESSION_NULL, 2, 6, "the process's buffer");

  /* The session's buffer comes before the process's: a session buffer of one message (the
   * _c form) refuses a second although the process's buffer has room. */
  char *small = mp_malloc((size_t)message_bytes());
  CHECK_MPI(MPI_Session_attach_buffer_c(session, small, (MPI_Count)message_bytes()));
  for (int i = 0; i < kCount; ++i) data[i] = mp_pattern_int(rank, i, 7);
  CHECK_MPI(MPI_Bsend(data, kCount, MPI_INT, (rank + 1) % size, 100, other));
  bsend_refused(other, "the session's buffer is full; the process's is not used");
  {
    const int left = (rank + size - 1) % size;
    CHECK_MPI(MPI_Recv(data, kCount, MPI_INT, left, 100, other, MPI_STATUS_IGNORE));
    for (int i = 0; i < kCount; ++i) {
      CHECK_INT(data[i], mp_pattern_int(left, i, 7), "through the small session buffer, %d", i);
    }
  }
  MPI_Count large_bytes = 0;
  CHECK_MPI(MPI_Session_detach_buffer_c(session, &address, &large_bytes));
  CHECK(address == small && large_bytes == (MPI_Count)message_bytes(),
        "session buffer detached by the _c form");

  /* MPI_BUFFER_AUTOMATIC on the session: no limit; detach gives the constant back. */
  CHECK_MPI(MPI_Session_attach_buffer(session, MPI_BUFFER_AUTOMATIC, 0));
  bsend_round(comm, session, kMessages * 4, 8, "automatic session buffer");
  CHECK_MPI(MPI_Session_iflush_buffer(session, &flush));
  CHECK_MPI(MPI_Wait(&flush, MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Session_detach_buffer(session, &address, &bytes));
  CHECK(address == MPI_BUFFER_AUTOMATIC, "automatic buffer detached as MPI_BUFFER_AUTOMATIC");

  CHECK_MPI(MPI_Buffer_detach(&address, &bytes));
  CHECK(address == process_buffer && bytes == process_bytes, "process buffer detached");

  /* Finalizing a session with a buffer attached detaches it (after its sends). */
  CHECK_MPI(MPI_Session_attach_buffer(session, session_buffer, session_bytes));
  bsend_round(comm, session, kMessages, 9, "a session buffer left attached");
  CHECK_MPI(MPI_Comm_free(&comm));
  CHECK_MPI(MPI_Comm_free(&other));
  CHECK_MPI(MPI_Errhandler_free(&counting));
  CHECK_MPI(MPI_Session_finalize(&session));
  free(session_buffer);
  free(comm_buffer);
  free(process_buffer);
  free(small);
  if (rank == 0) {
    printf("session_bsend: ok (%d ranks)\n", size);
    fflush(stdout);
  }
  return 0;
}
