/*
 * scatter: MPI_Scatter of size bytes (MPI_CHAR) per rank from root 0.
 * Time per operation: each rank's median, then the maximum over ranks.
 */
#include <stdio.h>

#include "bench_common.h"

enum { kRoot = 0 };

typedef struct Buffers {
    char *send; /* ranks * size bytes, used at the root */
    char *receive;
    int rank;
    int ranks;
} Buffers;

static void prepare(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    int to;
    if (buffers->rank == kRoot)
        for (to = 0; to < buffers->ranks; ++to)
            bench_fill_pattern(buffers->send + (size_t)to * size, size,
                               bench_block_seed(size, kRoot, to));
    bench_fill_pattern(buffers->receive, size, ~bench_block_seed(size, kRoot, buffers->rank));
}

static void run(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    MPI_Scatter(buffers->send, (int)size, MPI_CHAR, buffers->receive, (int)size, MPI_CHAR, kRoot,
                MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    const Buffers *buffers = (const Buffers *)context;
    size_t wrong =
        bench_check_pattern(buffers->receive, size, bench_block_seed(size, kRoot, buffers->rank));
    if (wrong == (size_t)-1)
        return NULL;
    snprintf(bench_message, sizeof bench_message, "byte %zu of this rank's block is wrong", wrong);
    return bench_message;
}

int main(int argc, char **argv)
{
    BenchOptions options;
    Buffers buffers;
    BenchCollective collective;

    bench_init(&argc, &argv, "scatter", BENCH_COLLECTIVE, 1, &options);
    MPI_Comm_rank(MPI_COMM_WORLD, &buffers.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &buffers.ranks);
    buffers.send =
        (char *)bench_alloc(buffers.rank == kRoot ? options.max_size * (size_t)buffers.ranks : 0);
    buffers.receive = (char *)bench_alloc(options.max_size);

    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = &buffers;
    bench_run_collective(&options, &collective);

    bench_free(buffers.send);
    bench_free(buffers.receive);
    return bench_finalize();
}
