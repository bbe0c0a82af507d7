/*
 * A process pool in the manner of a futures executor over MPI (as Python's
 * MPIPoolExecutor drives it): the client spawns its workers from MPI_COMM_SELF with the
 * info key soft, synchronizes with an intercommunicator MPI_Barrier and hands them their
 * options with MPI_Bcast (root MPI_ROOT). A manager thread then does all the pool's MPI:
 * tasks go out with MPI_Issend to idle workers, results are polled with MPI_Improbe and a
 * growing back-off, and taken with MPI_Get_count / MPI_Mrecv. Meanwhile the main thread
 * keeps sending messages to itself on a duplicate of MPI_COMM_SELF (MPI_THREAD_MULTIPLE).
 * Shutdown is a zero-byte stop message to each worker and MPI_Comm_disconnect on both
 * sides; then the client starts a second pool, of another size, in the same process.
 * Under weftrun every rank runs its own pool, so spawns from several ranks overlap.
 * Every result is checked against the client's own computation.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp_check.h"

enum { kTasks = 60, kTaskTag = 1, kResultTag = 2, kStopTag = 3, kSelfMessages = 2000 };

static int task_length(int task) { return 1 + (task * 37) % 700; }
static double task_element(int owner, int task, int i) {
  return (double)((owner * 7919 + task * 131 + i * 17) % 1009) / 8.0;
}

/* The answer a worker gives: the scaled sum of squares of the task's elements. */
static double task_answer(double scale, const double* data, int n) {
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += data[i] * data[i];
  return sum * scale;
}

struct Pool {
  MPI_Comm workers;
  int size;
  int owner;  /* the client's world rank: makes each client's tasks different */
  double scale;
};

static void* manage(void* argument) {
  struct Pool* pool = argument;
  int* busy_with = mp_malloc(sizeof(int) * (size_t)pool->size);  /* task, or -1 */
  MPI_Request* sends = mp_malloc(sizeof(MPI_Request) * (size_t)pool->size);
  double** buffers = mp_malloc(sizeof(double*) * (size_t)pool->size);
  for (int w = 0; w < pool->size; ++w) {
    busy_with[w] = -1;
    sends[w] = MPI_REQUEST_NULL;
    buffers[w] = mp_malloc(sizeof(double) * 701);
  }
  int next = 0;
  int done = 0;
  long backoff_ns = 1000;
  while (done < kTasks) {
    for (int w = 0; w < pool->size && next < kTasks; ++w) {
      if (busy_with[w] >= 0) continue;
      const int n = task_length(next);
      buffers[w][0] = next;
      for (int i = 0; i < n; ++i) buffers[w][i + 1] = task_element(pool->owner, next, i);
      CHECK_MPI(MPI_Issend(buffers[w], n + 1, MPI_DOUBLE, w, kTaskTag, pool->workers,
                           &sends[w]));
      busy_with[w] = next++;
    }
    int flag = 0;
    MPI_Message message;
    MPI_Status status;
    CHECK_MPI(MPI_Improbe(MPI_ANY_SOURCE, kResultTag, pool->workers, &flag, &message, &status));
    if (!flag) {
      struct timespec pause = {0, backoff_ns};
      nanosleep(&pause, NULL);
      if (backoff_ns < 1000000) backoff_ns *= 2;
      continue;
    }
    backoff_ns = 1000;
    const int w = status.MPI_SOURCE;
    CHECK(w >= 0 && w < pool->size, "result from worker %d of %d", w, pool->size);
    int count = -1;
    CHECK_MPI(MPI_Get_count(&status, MPI_DOUBLE, &count));
    CHECK_INT(count, 2, "result length from worker %d", w);
    double result[2];
    CHECK_MPI(MPI_Mrecv(result, 2, MPI_DOUBLE, &message, MPI_STATUS_IGNORE));
    const int task = (int)result[0];
    CHECK_INT(task, busy_with[w], "task answered by worker %d", w);
    /* The worker matched the synchronous send before it answered: the wait ends. */
    CHECK_MPI(MPI_Wait(&sends[w], MPI_STATUS_IGNORE));
    const int n = task_length(task);
    double* data = mp_malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; ++i) data[i] = task_element(pool->owner, task, i);
    CHECK_DOUBLE(result[1], task_answer(pool->scale, data, n), "answer to task %d", task);
    free(data);
    busy_with[w] = -1;
    ++done;
  }
  for (int w = 0; w < pool->size; ++w) {
    CHECK_MPI(MPI_Send(NULL, 0, MPI_BYTE, w, kStopTag, pool->workers));
    free(buffers[w]);
  }
  free(buffers);
  free(sends);
  free(busy_with);
  return NULL;
}

/* The main thread's own traffic while the manager runs: messages to itself. */
static void talk_to_self(MPI_Comm self) {
  for (int i = 0; i < kSelfMessages; ++i) {
    int out = i * 3 + 1;
    int in = -1;
    MPI_Request request;
    CHECK_MPI(MPI_Irecv(&in, 1, MPI_INT, 0, i % 7, self, &request));
    CHECK_MPI(MPI_Send(&out, 1, MPI_INT, 0, i % 7, self));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    CHECK_INT(in, out, "self message %d", i);
  }
}

static void run_pool(const char* program, int size, int round) {
  const int owner = mp_world_rank();
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  char soft[32];
  snprintf(soft, sizeof soft, "1:%d", size);
  CHECK_MPI(MPI_Info_set(info, "soft", soft));
  char* worker_argv[] = {"worker", NULL};
  MPI_Comm workers;
  int* codes = mp_malloc(sizeof(int) * (size_t)size);
  CHECK_MPI(MPI_Comm_spawn(program, worker_argv, size, info, 0, MPI_COMM_SELF, &workers, codes));
  CHECK_MPI(MPI_Info_free(&info));
  for (int i = 0; i < size; ++i) CHECK_INT(codes[i], MPI_SUCCESS, "spawn code %d", i);
  free(codes);
  int remote = -1;
  CHECK_MPI(MPI_Comm_remote_size(workers, &remote));
  CHECK_INT(remote, size, "workers spawned (soft 1:%d)", size);

  CHECK_MPI(MPI_Barrier(workers));
  double options[3] = {(double)round, (double)owner, 1.5 + round};
  CHECK_MPI(MPI_Bcast(options, 3, MPI_DOUBLE, MPI_ROOT, workers));

  struct Pool pool = {workers, size, owner, options[2]};
  MPI_Comm self;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_SELF, &self));
  pthread_t manager;
  CHECK(pthread_create(&manager, NULL, manage, &pool) == 0, "pthread_create");
  talk_to_self(self);
  pthread_join(manager, NULL);
  CHECK_MPI(MPI_Comm_free(&self));
  CHECK_MPI(MPI_Comm_disconnect(&workers));
  CHECK(workers == MPI_COMM_NULL, "disconnect leaves MPI_COMM_NULL");
}

static void work(void) {
  MPI_Comm parent;
  CHECK_MPI(MPI_Comm_get_parent(&parent));
  CHECK(parent != MPI_COMM_NULL, "a worker has a parent");
  int parents = -1;
  CHECK_MPI(MPI_Comm_remote_size(parent, &parents));
  CHECK_INT(parents, 1, "a pool's client is one process");
  CHECK_MPI(MPI_Barrier(parent));
  double options[3];
  CHECK_MPI(MPI_Bcast(options, 3, MPI_DOUBLE, 0, parent));
  const int owner = (int)options[1];
  const double scale = options[2];
  double* data = mp_malloc(sizeof(double) * 701);
  for (;;) {
    MPI_Message message;
    MPI_Status status;
    CHECK_MPI(MPI_Mprobe(0, MPI_ANY_TAG, parent, &message, &status));
    if (status.MPI_TAG == kStopTag) {
      CHECK_MPI(MPI_Mrecv(NULL, 0, MPI_BYTE, &message, MPI_STATUS_IGNORE));
      break;
    }
    CHECK_INT(status.MPI_TAG, kTaskTag, "task tag");
    int count = -1;
    CHECK_MPI(MPI_Get_count(&status, MPI_DOUBLE, &count));
    CHECK(count >= 2 && count <= 701, "task length %d", count);
    CHECK_MPI(MPI_Mrecv(data, count, MPI_DOUBLE, &message, MPI_STATUS_IGNORE));
    const int task = (int)data[0];
    CHECK_INT(count - 1, task_length(task), "length of task %d", task);
    for (int i = 0; i < count - 1; ++i) {
      CHECK_DOUBLE(data[i + 1], task_element(owner, task, i), "task %d element %d", task, i);
    }
    double result[2] = {(double)task, task_answer(scale, data + 1, count - 1)};
    CHECK_MPI(MPI_Send(result, 2, MPI_DOUBLE, 0, kResultTag, parent));
  }
  free(data);
  CHECK_MPI(MPI_Comm_disconnect(&parent));
}

int main(int argc, char** argv) {
  int provided = -1;
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
  CHECK_INT(provided, MPI_THREAD_MULTIPLE, "thread level");
  if (argc > 1 && strcmp(argv[1], "worker") == 0) {
    work();
  } else {
    run_pool(argv[0], 3, 0);
    run_pool(argv[0], 2, 1);
    if (mp_world_rank() == 0) printf("spawn_pool: two pools of 3 and 2 workers per client OK\n");
  }
  CHECK_MPI(MPI_Finalize());
  return 0;
}
