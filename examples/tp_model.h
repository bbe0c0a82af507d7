/* The small model both serving-mode examples run (leader_mode.c, orchestrator_mode.c): a
 * two-layer perceptron split across TP ranks the way tensor-parallel transformer layers are
 * split:
 *   layer 1  h = relu(W1 x)   W1 is HIDDEN x INPUT; each rank owns a block of its rows,
 *                             so it computes its own slice of h and needs no exchange;
 *   layer 2  y = s W2 h       W2 is OUTPUT x HIDDEN; each rank owns the matching columns,
 *                             so it computes a partial y from its slice of h, and
 *                             MPI_Allreduce (sum) adds the partial products up. s is an
 *                             integer scale (1 in leader mode; per instance in orchestrator
 *                             mode).
 * Weights are small integers held in doubles, and so are the examples' inputs, so every
 * sum is exact and the parallel answer must equal the serial one bit for bit, whatever the
 * order of addition. */
#ifndef WEFT_EXAMPLES_TP_MODEL_H
#define WEFT_EXAMPLES_TP_MODEL_H

enum { INPUT = 16, HIDDEN = 45, OUTPUT = 12, MAX_BATCH = 4 };

/* Deterministic small integers in [-3, 3]: every rank builds its own slice of the
 * weights, and the checking process the whole matrix, without sending any. */
static double weight(int layer, int row, int col) {
  unsigned h = (unsigned)(layer * 7919 + row * 104729 + col * 1299709) * 2654435761u;
  return (double)((int)((h >> 16) % 7u) - 3);
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
 * scale * W2[o][r] * relu(W1[r] . x[b]). */
static void forward_slice(int first, int count, int batch, int scale, const double* x,
                          double* partial) {
  for (int b = 0; b < batch; ++b) {
    for (int o = 0; o < OUTPUT; ++o) partial[b * OUTPUT + o] = 0.0;
    for (int r = first; r < first + count; ++r) {
      double h = 0.0;
      for (int i = 0; i < INPUT; ++i) h += weight(1, r, i) * x[b * INPUT + i];
      if (h < 0.0) h = 0.0;
      for (int o = 0; o < OUTPUT; ++o) partial[b * OUTPUT + o] += scale * weight(2, o, r) * h;
    }
  }
}

/* The whole model on one process, written out separately from the sliced version: the
 * reference every answer is checked against. */
static void serial_model(int batch, int scale, const double* x, double* y) {
  for (int b = 0; b < batch; ++b) {
    double h[HIDDEN];
    for (int r = 0; r < HIDDEN; ++r) {
      double sum = 0.0;
      for (int i = 0; i < INPUT; ++i) sum += weight(1, r, i) * x[b * INPUT + i];
      h[r] = sum > 0.0 ? sum : 0.0;
    }
    for (int o = 0; o < OUTPUT; ++o) {
      double sum = 0.0;
      for (int r = 0; r < HIDDEN; ++r) sum += scale * weight(2, o, r) * h[r];
      y[b * OUTPUT + o] = sum;
    }
  }
}

#endif
