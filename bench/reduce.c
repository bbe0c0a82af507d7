/*
 * reduce: MPI_Reduce of size / 4 floats with MPI_SUM to root 0.
 * Time per operation: each rank's median over iterations, then the maximum over ranks
 * (usually the root's, which waits for everyone).
 */
#include <stdio.h>

#include "bench_common.h"

enum { kRoot = 0 };

typedef struct Buffers {
    float *send;
    float *receive;
    int rank;
    int ranks;
} Buffers;

static void prepare(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    const size_t count = size / sizeof(float);
    size_t j;
    for (j = 0; j < count; ++j) {
        buffers->send[j] = bench_float_input(buffers->rank, j);
        buffers->receive[j] = -1.0f;
    }
}

static void run(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    MPI_Reduce(buffers->send, buffers->receive, (int)(size / sizeof(float)), MPI_FLOAT, MPI_SUM,
               kRoot, MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    const Buffers *buffers = (const Buffers *)context;
    const size_t count = size / sizeof(float);
    size_t j;
    /* Only the root's receive buffer is significant. */
    if (buffers->rank != kRoot)
        return NULL;
    for (j = 0; j < count; ++j) {
        const float expected = bench_float_sum(buffers->ranks, j);
        if (!bench_float_matches(buffers->receive[j], expected)) {
            snprintf(bench_message, sizeof bench_message,
                     "element %zu at the root is %g, expected %g", j, (double)buffers->receive[j],
                     (double)expected);
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

    bench_init(&argc, &argv, "reduce", BENCH_COLLECTIVE, sizeof(float), &options);
    MPI_Comm_rank(MPI_COMM_WORLD, &buffers.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &buffers.ranks);
    buffers.send = (float *)bench_alloc(options.max_size);
    buffers.receive = (float *)bench_alloc(options.max_size);

    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = &buffers;
    bench_run_collective(&options, &collective);

    bench_free(buffers.send);
    bench_free(buffers.receive);
    return bench_finalize();
}
