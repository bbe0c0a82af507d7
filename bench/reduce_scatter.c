/*
 * reduce_scatter: MPI_Reduce_scatter with MPI_SUM over size / 4 floats in all; rank r
 * receives counts[r] = n / p floats, plus one for the first n % p ranks (so sizes that do
 * not divide evenly exercise unequal counts). Time per operation: each rank's median,
 * then the maximum over ranks.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

typedef struct Buffers {
    float *send;
    float *receive;
    int *counts;
    int rank;
    int ranks;
} Buffers;

/* Fills counts for n floats; returns the offset of this rank's block. */
static size_t split(Buffers *buffers, size_t size)
{
    const size_t count = size / sizeof(float);
    const size_t share = count / (size_t)buffers->ranks;
    const size_t extra = count % (size_t)buffers->ranks;
    size_t offset = 0;
    int r;
    for (r = 0; r < buffers->ranks; ++r) {
        buffers->counts[r] = (int)(share + ((size_t)r < extra ? 1 : 0));
        if (r < buffers->rank)
            offset += (size_t)buffers->counts[r];
    }
    return offset;
}

static void prepare(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    const size_t count = size / sizeof(float);
    size_t j;
    split(buffers, size);
    for (j = 0; j < count; ++j)
        buffers->send[j] = bench_float_input(buffers->rank, j);
    for (j = 0; j < (size_t)buffers->counts[buffers->rank]; ++j)
        buffers->receive[j] = -1.0f;
}

static void run(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    (void)size; /* prepare set the counts for this size */
    MPI_Reduce_scatter(buffers->send, buffers->receive, buffers->counts, MPI_FLOAT, MPI_SUM,
                       MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    const size_t offset = split(buffers, size);
    size_t j;
    for (j = 0; j < (size_t)buffers->counts[buffers->rank]; ++j) {
        const float expected = bench_float_sum(buffers->ranks, offset + j);
        if (!bench_float_matches(buffers->receive[j], expected)) {
            snprintf(bench_message, sizeof bench_message,
                     "element %zu of this rank's block (%zu overall) is %g, expected %g", j,
                     offset + j, (double)buffers->receive[j], (double)expected);
            return bench_message;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    BenchOptions options;
    Buffers buffers;
    BenchCollective collective;

    bench_init(&argc, &argv, "reduce_scatter", BENCH_COLLECTIVE, sizeof(float), &options);
    MPI_Comm_rank(MPI_COMM_WORLD, &buffers.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &buffers.ranks);
    buffers.send = (float *)bench_alloc(options.max_size);
    buffers.receive = (float *)bench_alloc(options.max_size);
    buffers.counts = (int *)malloc(sizeof(int) * (size_t)buffers.ranks);
    if (buffers.counts == NULL)
        bench_fail("cannot allocate %d counts", buffers.ranks);

    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = &buffers;
    bench_run_collective(&options, &collective);

    free(buffers.counts);
    bench_free(buffers.send);
    bench_free(buffers.receive);
    return bench_finalize();
}
