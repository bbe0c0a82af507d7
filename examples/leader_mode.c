/* Leader mode, as inference servers run it: `weftrun -n TP ./leader_mode` starts one rank
 * per GPU (with `--gpus` each sees its own device through CUDA_VISIBLE_DEVICES); rank 0,
 * the leader, takes requests and the other ranks sit in a worker loop until it tells them
 * to stop. See docs/serving-modes.md.
 *
 * The model is a two-layer perceptron split across the TP ranks the way tensor-parallel
 * transformer layers are split:
 *   layer 1  h = relu(W1 x)   W1 is HIDDEN x INPUT; each rank owns a block of its rows,
 *                             so it computes its own slice of h and needs no exchange;
 *   layer 2  y = W2 h         W2 is OUTPUT x HIDDEN; each rank owns the matching columns,
 *                             so it computes a partial y from its slice of h, and
 *                             MPI_Allreduce (sum) adds the partial products up.
 * Per request, the leader broadcasts a header (what to do, how many input vectors) and
 * the inputs; every rank runs its slice; the Allreduce gives every rank the answer. The
 * leader checks each answer against the whole model computed serially on rank 0.
 *
 * Weights and inputs are small integers held in doubles, so every sum is exact and the
 * parallel answer must equal the serial one bit for bit, whatever the order of addition.
 *
 * Options: --requests N (default 24), --verbose (each rank prints where it runs). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { INPUT = 16, HIDDEN = 45, OUTPUT = 12, MAX_BATCH = 4 };
enum { KIND_REQUEST = 1, KIND_SHUTDOWN = 2 };

/* Deterministic small integers in [-3, 3]: every rank builds its own slice of the
 * weights, and rank 0 the whole matrix, without sending any. */
static double weight(int layer, int row, int col) {
  unsigned h = (unsigned)(layer * 7919 + row * 104729 + col * 1299709) * 2654435761u;
  return (double)((int)((h >> 16) % 7u) - 3);
}

static double input_value(int request, int vector, int index) {
  unsigned h = (unsigned)(request * 31 + vector * 17 + index * 5 + 3) * 2246822519u;
  return (double)((int)((h >> 13) % 9u) - 4);
}

/* The rows [first, first + count) of the HIDDEN rows that `rank` of `size` owns: blocks
 * that differ in size by at most one. */
static void my_rows(int rank, int size, int* first, int* count) {
  int base = HIDDEN / size;
  int extra = HIDDEN % size;
  *count = base + (rank < extra ? 1 : 0);
  *first = rank * base + (rank < extra ? rank : extra);
}

/* This rank's part of the model for `batch` inputs: partial[b][o] = sum over my rows r of
 * W2[o][r] * relu(W1[r] . x[b]). */
static void forward_slice(int first, int count, int batch, const double* x, double* partial) {
  for (int b = 0; b < batch; ++b) {
    for (int o = 0; o < OUTPUT; ++o) partial[b * OUTPUT + o] = 0.0;
    for (int r = first; r < first + count; ++r) {
      double h = 0.0;
      for (int i = 0; i < INPUT; ++i) h += weight(1, r, i) * x[b * INPUT + i];
      if (h < 0.0) h = 0.0;
      for (int o = 0; o < OUTPUT; ++o) partial[b * OUTPUT + o] += weight(2, o, r) * h;
    }
  }
}

/* The whole model on one process, written out separately from the sliced version: the
 * reference the leader checks every answer against. */
static void serial_model(int batch, const double* x, double* y) {
  for (int b = 0; b < batch; ++b) {
    double h[HIDDEN];
    for (int r = 0; r < HIDDEN; ++r) {
      double sum = 0.0;
      for (int i = 0; i < INPUT; ++i) sum += weight(1, r, i) * x[b * INPUT + i];
      h[r] = sum > 0.0 ? sum : 0.0;
    }
    for (int o = 0; o < OUTPUT; ++o) {
      double sum = 0.0;
      for (int r = 0; r < HIDDEN; ++r) sum += weight(2, o, r) * h[r];
      y[b * OUTPUT + o] = sum;
    }
  }
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
  forward_slice(first, count, batch, x, partial);
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
    serial_model(header[1], x, reference);
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
