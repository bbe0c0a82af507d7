/*
 * Communicators made concurrently: under MPI_THREAD_MULTIPLE four threads per process each
 * duplicate their own communicator over and over (MPI_Comm_dup, MPI_Comm_idup, and
 * MPI_Comm_split), so context-id agreements of different communicators overlap inside
 * every process in a different order on each. Every communicator made must work: a ring on
 * it delivers data that names the thread, the round and the sender, and nothing crosses
 * into another thread's communicator.
 */
#include <pthread.h>

#include "mp_check.h"

enum { kThreads = 4, kRounds = 25 };

static int world_rank;
static int world_size;
static MPI_Comm thread_comm[kThreads];

static void ring(MPI_Comm comm, int thread, int round, const char *what) {
  int rank = -1;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  int right = (rank + 1) % size;
  int left = (rank - 1 + size) % size;
  int salt = thread * 1000 + round;
  int out = mp_pattern_int(rank, thread, salt);
  int in = -1;
  CHECK_MPI(MPI_Sendrecv(&out, 1, MPI_INT, right, thread, &in, 1, MPI_INT, left, thread, comm,
                         MPI_STATUS_IGNORE));
  CHECK_INT(in, mp_pattern_int(left, thread, salt), "%s: thread %d round %d", what, thread,
            round);
}

static void *work(void *argument) {
  int thread = (int)(long)argument;
  MPI_Comm base = thread_comm[thread];
  for (int round = 0; round < kRounds; ++round) {
    MPI_Comm made;
    switch (round % 3) {
      case 0:
        CHECK_MPI(MPI_Comm_dup(base, &made));
        ring(made, thread, round, "dup");
        break;
      case 1: {
        MPI_Request request;
        CHECK_MPI(MPI_Comm_idup(base, &made, &request));
        CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
        ring(made, thread, round, "idup");
        break;
      }
      default:
        CHECK_MPI(MPI_Comm_split(base, 0, world_size - world_rank, &made));
        ring(made, thread, round, "split");
        break;
    }
    CHECK_MPI(MPI_Comm_free(&made));
  }
  return NULL;
}

int main(int argc, char **argv) {
  int provided = MPI_THREAD_SINGLE;
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  if (provided < MPI_THREAD_MULTIPLE) {
    if (world_rank == 0) printf("comm_threads: skipped, MPI_THREAD_MULTIPLE not provided\n");
    CHECK_MPI(MPI_Finalize());
    return 0;
  }
  for (int t = 0; t < kThreads; ++t) CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &thread_comm[t]));
  pthread_t threads[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    CHECK(pthread_create(&threads[t], NULL, work, (void *)(long)t) == 0, "thread %d", t);
  }
  for (int t = 0; t < kThreads; ++t) pthread_join(threads[t], NULL);
  for (int t = 0; t < kThreads; ++t) CHECK_MPI(MPI_Comm_free(&thread_comm[t]));
  mp_report_ok("comm_threads");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
