/*
 * Orchestrator mode: one process (a singleton, or one rank) spawns a group of workers per
 * model (info keys env and bind_to=none), hands each group its configuration with an
 * intercommunicator MPI_Bcast (root MPI_ROOT), waits on an intercommunicator MPI_Barrier,
 * then one thread per model sends requests with MPI_Send and collects the answers with
 * MPI_Mprobe / MPI_Get_count / MPI_Mrecv while the other threads do the same
 * (MPI_THREAD_MULTIPLE). Every answer is checked against the orchestrator's own
 * computation of it.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_check.h"

enum { kModels = 2, kWorkers = 2, kRequests = 40, kStopTag = 30000 };

static int request_length(int request) { return 1 + (request * 7) % 53; }
static int request_value(int model, int request, int i) { return model * 100000 + request * 100 + i; }
static int answer_value(int scale, int model_env, int value, int i) {
  return value * scale + model_env + i;
}

struct Model {
  int id;
  MPI_Comm workers;
};

static void* drive_model(void* argument) {
  struct Model* model = argument;
  const int scale = 3 + model->id;
  int* buffer = mp_malloc(sizeof(int) * 200);
  for (int r = 1; r <= kRequests; ++r) {
    const int n = request_length(r);
    for (int i = 0; i < n; ++i) buffer[i] = request_value(model->id, r, i);
    MPI_Send(buffer, n, MPI_INT, r % kWorkers, r, model->workers);
  }
  for (int answered = 0; answered < kRequests; ++answered) {
    MPI_Message message;
    MPI_Status status;
    CHECK_MPI(MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, model->workers, &message, &status));
    int count = 0;
    MPI_Get_count(&status, MPI_INT, &count);
    const int r = status.MPI_TAG;
    CHECK(r >= 1 && r <= kRequests, "answer tag %d", r);
    CHECK_INT(status.MPI_SOURCE, r % kWorkers, "worker that answered request %d", r);
    CHECK_INT(count, 2 * request_length(r), "answer length of request %d", r);
    int* answer = mp_malloc(sizeof(int) * (size_t)count);
    CHECK_MPI(MPI_Mrecv(answer, count, MPI_INT, &message, MPI_STATUS_IGNORE));
    for (int i = 0; i < count; ++i) {
      const int value = request_value(model->id, r, i % request_length(r));
      CHECK_INT(answer[i], answer_value(scale, model->id + 7, value, i),
                "model %d request %d element %d", model->id, r, i);
    }
    free(answer);
  }
  for (int w = 0; w < kWorkers; ++w) MPI_Send(NULL, 0, MPI_INT, w, kStopTag, model->workers);
  free(buffer);
  return NULL;
}

static void work(MPI_Comm parent) {
  const char* model_env = getenv("WEFT_TEST_MODEL");
  CHECK(model_env != NULL, "env key reached the worker");
  int config[3];
  MPI_Bcast(config, 3, MPI_INT, 0, parent);
  CHECK_INT(config[1], kWorkers, "configuration: workers");
  CHECK_INT(config[0] + 7, atoi(model_env), "configuration matches the env key");
  MPI_Barrier(parent);
  int* request = mp_malloc(sizeof(int) * 100);
  int* answer = mp_malloc(sizeof(int) * 200);
  for (;;) {
    MPI_Status status;
    MPI_Recv(request, 100, MPI_INT, 0, MPI_ANY_TAG, parent, &status);
    if (status.MPI_TAG == kStopTag) break;
    int n = 0;
    MPI_Get_count(&status, MPI_INT, &n);
    for (int i = 0; i < 2 * n; ++i) answer[i] = answer_value(config[2], atoi(model_env), request[i % n], i);
    MPI_Send(answer, 2 * n, MPI_INT, 0, status.MPI_TAG, parent);
  }
  free(request);
  free(answer);
  MPI_Comm_disconnect(&parent);
}

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  CHECK_INT(provided, MPI_THREAD_MULTIPLE, "thread level");
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) {
    work(parent);
    MPI_Finalize();
    return 0;
  }
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  struct Model models[kModels];
  for (int m = 0; m < kModels; ++m) {
    models[m].id = m;
    MPI_Info info;
    MPI_Info_create(&info);
    char env[64];
    snprintf(env, sizeof env, "WEFT_TEST_MODEL=%d", m + 7);
    MPI_Info_set(info, "env", env);
    MPI_Info_set(info, "bind_to", "none");
    CHECK_MPI(MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, kWorkers, info, 0, MPI_COMM_SELF,
                             &models[m].workers, MPI_ERRCODES_IGNORE));
    MPI_Info_free(&info);
    int config[3] = {m, kWorkers, 3 + m};
    MPI_Bcast(config, 3, MPI_INT, MPI_ROOT, models[m].workers);
    MPI_Barrier(models[m].workers);
  }
  pthread_t threads[kModels];
  for (int m = 0; m < kModels; ++m) pthread_create(&threads[m], NULL, drive_model, &models[m]);
  for (int m = 0; m < kModels; ++m) pthread_join(threads[m], NULL);
  for (int m = 0; m < kModels; ++m) MPI_Comm_disconnect(&models[m].workers);
  if (rank == 0) mp_report_ok("spawn_orchestrator");
  MPI_Finalize();
  return 0;
}
