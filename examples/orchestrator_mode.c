/* Orchestrator mode, as inference servers run it: one process, started on its own
 * (`./orchestrator_mode`, no launcher) or with `weftrun -n 1`, spawns a group of
 * tensor-parallel workers per model instance with MPI_Comm_spawn (info keys `env` and
 * `bind_to`), hands each group its configuration with an intercommunicator MPI_Bcast (root
 * MPI_ROOT), waits for them on an intercommunicator MPI_Barrier, then routes requests to the
 * instances from one thread each: MPI_Send to the instance's first worker, and the answer
 * back through MPI_Mprobe / MPI_Get_count / MPI_Mrecv. See docs/serving-modes.md.
 *
 * The model is tp_model.h's two-layer perceptron, which leader_mode.c runs too: each
 * worker owns a block of the hidden rows, computes its partial product, and MPI_Allreduce
 * over the instance's own MPI_COMM_WORLD adds the parts up. Weights and inputs are small integers held in doubles,
 * so the orchestrator checks every answer bit for bit against the whole model computed
 * serially.
 *
 * Options: --instances N (default 2), --tp N workers per instance (default 2),
 * --requests N per instance (default 20). The same program is the worker: it knows it is
 * one when MPI_Comm_get_parent gives an intercommunicator. */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_model.h"

enum { MAX_INSTANCES = 8 };
enum { TAG_REQUEST = 1, TAG_ANSWER = 2, TAG_SHUTDOWN = 3 };

static double input_value(int instance, int request, int vector, int index) {
  unsigned h = (unsigned)(instance * 977 + request * 31 + vector * 17 + index * 5 + 3) * 2246822519u;
  return (double)((int)((h >> 13) % 9u) - 4);
}

/* ---- a worker ------------------------------------------------------------------------ */

static int worker(MPI_Comm parent) {
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  /* The configuration: instance number and the model's scale. */
  int config[2] = {0, 0};
  MPI_Bcast(config, 2, MPI_INT, 0, parent);
  /* The env info key gave this instance's workers MODEL_INSTANCE. */
  const char* named = getenv("MODEL_INSTANCE");
  int ok = named != NULL && atoi(named) == config[0];
  MPI_Barrier(parent);

  int first = 0, count = 0;
  my_rows(rank, size, &first, &count);
  double x[MAX_BATCH * INPUT];
  double partial[MAX_BATCH * OUTPUT];
  double answer[MAX_BATCH * OUTPUT];
  for (;;) {
    /* header: batch size, or 0 to stop; the first worker learns it from the orchestrator */
    int header[2] = {0, 0};
    MPI_Status status;
    if (rank == 0) {
      MPI_Recv(x, MAX_BATCH * INPUT, MPI_DOUBLE, 0, MPI_ANY_TAG, parent, &status);
      if (status.MPI_TAG == TAG_SHUTDOWN) {
        header[0] = 0;
      } else {
        int n = 0;
        MPI_Get_count(&status, MPI_DOUBLE, &n);
        header[0] = n / INPUT;
        header[1] = status.MPI_TAG;
      }
    }
    MPI_Bcast(header, 2, MPI_INT, 0, MPI_COMM_WORLD);
    if (header[0] == 0) break;
    MPI_Bcast(x, header[0] * INPUT, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    forward_slice(first, count, header[0], ok ? config[1] : 0, x, partial);
    MPI_Allreduce(partial, answer, header[0] * OUTPUT, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) MPI_Send(answer, header[0] * OUTPUT, MPI_DOUBLE, 0, TAG_ANSWER, parent);
  }
  MPI_Comm_disconnect(&parent);
  MPI_Finalize();
  return 0;
}

/* ---- the orchestrator ----------------------------------------------------------------- */

struct Instance {
  int id;
  int scale;
  int requests;
  MPI_Comm workers;
  int mismatches;
  int nonzero;
};

/* One thread per instance: send each request, take the answer with a matched probe. */
static void* drive(void* argument) {
  struct Instance* in = argument;
  double x[MAX_BATCH * INPUT];
  double answer[MAX_BATCH * OUTPUT];
  double reference[MAX_BATCH * OUTPUT];
  for (int request = 0; request < in->requests; ++request) {
    int batch = 1 + (request + in->id) % MAX_BATCH;
    for (int b = 0; b < batch; ++b)
      for (int i = 0; i < INPUT; ++i) x[b * INPUT + i] = input_value(in->id, request, b, i);
    MPI_Send(x, batch * INPUT, MPI_DOUBLE, 0, TAG_REQUEST, in->workers);
    MPI_Message message;
    MPI_Status status;
    MPI_Mprobe(0, TAG_ANSWER, in->workers, &message, &status);
    int n = 0;
    MPI_Get_count(&status, MPI_DOUBLE, &n);
    if (n != batch * OUTPUT) {
      fprintf(stderr, "orchestrator_mode: instance %d request %d: %d values, expected %d\n",
              in->id, request, n, batch * OUTPUT);
      ++in->mismatches;
    }
    MPI_Mrecv(answer, MAX_BATCH * OUTPUT, MPI_DOUBLE, &message, MPI_STATUS_IGNORE);
    serial_model(batch, in->scale, x, reference);
    for (int k = 0; k < batch * OUTPUT && k < n; ++k) {
      if (reference[k] != 0.0) ++in->nonzero;
      if (answer[k] != reference[k] && in->mismatches++ < 5) {
        fprintf(stderr, "orchestrator_mode: instance %d request %d output %d: got %g, expected %g\n",
                in->id, request, k, answer[k], reference[k]);
      }
    }
  }
  MPI_Send(NULL, 0, MPI_DOUBLE, 0, TAG_SHUTDOWN, in->workers);
  return NULL;
}

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) return worker(parent);

  int instances = 2, tp = 2, requests = 20;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--instances") == 0 && i + 1 < argc) {
      instances = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--tp") == 0 && i + 1 < argc) {
      tp = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      requests = atoi(argv[++i]);
    } else {
      fprintf(stderr, "orchestrator_mode: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (provided != MPI_THREAD_MULTIPLE || instances < 1 || instances > MAX_INSTANCES || tp < 1) {
    fprintf(stderr, "orchestrator_mode: needs MPI_THREAD_MULTIPLE and 1..%d instances\n",
            MAX_INSTANCES);
    return 2;
  }

  struct Instance in[MAX_INSTANCES];
  for (int m = 0; m < instances; ++m) {
    MPI_Info info;
    MPI_Info_create(&info);
    char env[64];
    snprintf(env, sizeof env, "MODEL_INSTANCE=%d", m);
    MPI_Info_set(info, "env", env);
    MPI_Info_set(info, "bind_to", "none");
    int errcodes[64];
    in[m] = (struct Instance){m, 2 + m, requests, MPI_COMM_NULL, 0, 0};
    MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, tp, info, 0, MPI_COMM_SELF, &in[m].workers, errcodes);
    MPI_Info_free(&info);
    int config[2] = {m, in[m].scale};
    MPI_Bcast(config, 2, MPI_INT, MPI_ROOT, in[m].workers);
    MPI_Barrier(in[m].workers);
  }
  pthread_t threads[MAX_INSTANCES];
  for (int m = 0; m < instances; ++m) pthread_create(&threads[m], NULL, drive, &in[m]);
  int mismatches = 0, nonzero = 0;
  for (int m = 0; m < instances; ++m) {
    pthread_join(threads[m], NULL);
    mismatches += in[m].mismatches;
    nonzero += in[m].nonzero;
    MPI_Comm_disconnect(&in[m].workers);
  }
  if (requests > 0 && nonzero == 0) {
    fprintf(stderr, "orchestrator_mode: the reference model answered 0 everywhere\n");
    mismatches = 1;
  }
  if (mismatches == 0) {
    printf("orchestrator_mode: %d instances of %d tensor-parallel workers served %d requests "
           "each; every answer matches the serial model\n", instances, tp, requests);
  }
  MPI_Finalize();
  return mismatches == 0 ? 0 : 1;
}
