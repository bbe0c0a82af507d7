/*
 * Sessions from several threads at once, as libraries would make them: no MPI_Init; in
 * every process three threads each make their own session (the first sessions of the
 * process start the communication layer while the others wait for it), a communicator from
 * mpi://WORLD with a string tag of their own (the agreements of
 * MPI_Comm_create_from_group overlap, in a different order on every process), exchange
 * messages that name the thread, the round and the sender, reduce, and finalize the
 * session; three rounds, so sessions also start while others of the process end. Nothing
 * may cross into another thread's communicator.
 */
#include <pthread.h>

#include "mp_check.h"

enum { kThreads = 3, kRounds = 3 };

static void *work(void *argument) {
  const int thread = (int)(long)argument;
  for (int round = 0; round < kRounds; ++round) {
    MPI_Session session;
    MPI_Info hints;
    CHECK_MPI(MPI_Info_create(&hints));
    CHECK_MPI(MPI_Info_set(hints, "mpi_thread_support_level", "MPI_THREAD_MULTIPLE"));
    CHECK_MPI(MPI_Session_init(hints, MPI_ERRORS_RETURN, &session));
    CHECK_MPI(MPI_Info_free(&hints));
    MPI_Group group;
    CHECK_MPI(MPI_Group_from_session_pset(session, "mpi://WORLD", &group));
    char tag[64];
    snprintf(tag, sizeof tag, "session_threads.%d.%d", thread, round);
    MPI_Comm comm;
    CHECK_MPI(MPI_Comm_create_from_group(group, tag, MPI_INFO_NULL, MPI_ERRORS_RETURN, &comm));
    CHECK_MPI(MPI_Group_free(&group));
    int rank = 0;
    int size = 0;
    CHECK_MPI(MPI_Comm_rank(comm, &rank));
    CHECK_MPI(MPI_Comm_size(comm, &size));
    const int right = (rank + 1) % size;
    const int left = (rank + size - 1) % size;
    const int salt = thread * 100 + round;
    for (int m = 0; m < 20; ++m) {
      int out = mp_pattern_int(rank, m, salt);
      int in = -1;
      CHECK_MPI(MPI_Sendrecv(&out, 1, MPI_INT, right, 0, &in, 1, MPI_INT, left, 0, comm,
                             MPI_STATUS_IGNORE));
      CHECK_INT(in, mp_pattern_int(left, m, salt), "thread %d round %d message %d", thread,
                round, m);
    }
    long long mine = mp_pattern_int(rank, 0, salt);
    long long sum = 0;
    CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, comm));
    long long expected = 0;
    for (int r = 0; r < size; ++r) expected += mp_pattern_int(r, 0, salt);
    CHECK_INT(sum, expected, "thread %d round %d allreduce", thread, round);
    CHECK_MPI(MPI_Comm_free(&comm));
    CHECK_MPI(MPI_Session_finalize(&session));
  }
  return NULL;
}

int main(void) {
  pthread_t threads[kThreads];
  for (long t = 0; t < kThreads; ++t) {
    CHECK(pthread_create(&threads[t], NULL, work, (void *)t) == 0, "pthread_create %ld", t);
  }
  for (int t = 0; t < kThreads; ++t) pthread_join(threads[t], NULL);

  /* One more session on the main thread, to report. */
  MPI_Session session;
  CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &session));
  MPI_Group group;
  CHECK_MPI(MPI_Group_from_session_pset(session, "mpi://WORLD", &group));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Group_rank(group, &rank));
  CHECK_MPI(MPI_Group_size(group, &size));
  CHECK_MPI(MPI_Group_free(&group));
  CHECK_MPI(MPI_Session_finalize(&session));
  if (rank == 0) {
    printf("session_threads: ok (%d ranks)\n", size);
    fflush(stdout);
  }
  return 0;
}
