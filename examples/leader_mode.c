/* Leader mode, as inference servers run it: `weftrun -n TP ./leader_mode` starts one rank
 * per GPU (with `--gpus` each sees its own device through CUDA_VISIBLE_DEVICES); rank 0,
 * the leader, takes requests and the other ranks sit in a worker loop until it tells them
 * to stop. See docs/serving-modes.md.
 *
 * The model is tp_model.h's two-layer perceptron (scale 1), split across the TP ranks the
 * way tensor-parallel transformer layers are split. Per request, the leader broadcasts a
 * header (what to do, how many input vectors) and the inputs; every rank runs its slice;
 * the Allreduce gives every rank the answer. The leader checks each answer bit for bit
 * against the whole model computed serially on rank 0.
 *
 * Options: --requests N (default 24), --verbose (each rank prints where it runs). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tp_model.h"

enum { KIND_REQUEST = 1, KIND_SHUTDOWN = 2 };

static double input_value(int request, int vector, int index) {
  unsigned h = (unsigned)(request * 31 + vector * 17 + index * 5 + 3) * 2246822519u;
  return (double)((int)((h >> 13) % 9u) - 4);
}

/* The worker loop every rank runs (the leader drives it with `header` from its request
 * queue; the workers learn the header from the broadcast). Returns 0 on shutdown. */
static int serve_one(int rank, int size, int header[2], double* x, double* answer) {
  MPI_Bcast(header, 2, MPI_INT, 0, MPI_COMM_WORLD);
  if (header[0] == KIND_SHUTDOWN) return 0;
  int batch = header[1];
  MPI_Bcast(x, batch * INPUT, MPI_DOUBLE, 0, MPI_COMM_WORLD);
  int first = 0, count = 0;
  my_rows(rank, size, &first, &count);
  double partial[MAX_BATCH * OUTPUT];
  forward_slice(first, count, batch, 1, x, partial);
  MPI_Allreduce(partial, answer, batch * OUTPUT, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return 1;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int requests = 24;
  int verbose = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--requests") == 0 && i + 1 < argc) {
      requests = atoi(argv[++i]);
    } else if (strcmp(argv[i], "--verbose") == 0) {
      verbose = 1;
    } else {
      if (rank == 0) fprintf(stderr, "leader_mode: unknown argument %s\n", argv[i]);
      MPI_Abort(MPI_COMM_WORLD, 2);
    }
  }
  if (verbose) {
    /* What a serving stack reads to choose its device: the local rank, and the devices
     * weftrun --gpus made visible (then the rank's own GPU is device 0). */
    const char* local = getenv("OMPI_COMM_WORLD_LOCAL_RANK");
    const char* visible = getenv("CUDA_VISIBLE_DEVICES");
    printf("rank %d of %d: local rank %s, CUDA_VISIBLE_DEVICES=%s\n", rank, size,
           local ? local : "?", visible ? visible : "(unset)");
    fflush(stdout);
  }

  double x[MAX_BATCH * INPUT];
  double answer[MAX_BATCH * OUTPUT];
  int header[2] = {0, 0};
  if (rank != 0) {
    /* Workers: wait for the leader, do as told, until it says stop. */
    while (serve_one(rank, size, header, x, answer)) {
    }
    MPI_Finalize();
    return 0;
  }

  /* The leader: a fixed queue of requests, each of 1..MAX_BATCH input vectors. */
  int mismatches = 0;
  int nonzero = 0; /* a model that answered 0 everywhere would prove nothing */
  for (int request = 0; request < requests; ++request) {
    header[0] = KIND_REQUEST;
    header[1] = 1 + request % MAX_BATCH;
    for (int b = 0; b < header[1]; ++b) {
      for (int i = 0; i < INPUT; ++i) x[b * INPUT + i] = input_value(request, b, i);
    }
    serve_one(rank, size, header, x, answer);

    double reference[MAX_BATCH * OUTPUT];
    serial_model(header[1], 1, x, reference);
    for (int k = 0; k < header[1] * OUTPUT; ++k) {
      if (reference[k] != 0.0) ++nonzero;
      if (answer[k] != reference[k]) {
        if (mismatches++ < 5) {
          fprintf(stderr, "leader_mode: request %d, vector %d, output %d: got %g, expected %g\n",
                  request, k / OUTPUT, k % OUTPUT, answer[k], reference[k]);
        }
      }
    }
  }
  header[0] = KIND_SHUTDOWN;
  header[1] = 0;
  MPI_Bcast(header, 2, MPI_INT, 0, MPI_COMM_WORLD);
  if (requests > 0 && nonzero == 0) {
    fprintf(stderr, "leader_mode: the reference model answered 0 everywhere\n");
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  if (mismatches != 0) {
    fprintf(stderr, "leader_mode: %d wrong outputs\n", mismatches);
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  printf("leader_mode: %d requests served by %d tensor-parallel ranks; every answer matches the serial model\n",
         requests, size);
  MPI_Finalize();
  return 0;
}
