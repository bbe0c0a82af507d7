/*
 * gather: MPI_Gather of size bytes (MPI_CHAR) per rank to root 0.
 * Time per operation: each rank's median, then the maximum over ranks.
 */
#include <stdio.h>

#include "bench_common.h"

enum { kRoot = 0 };

typedef struct Buffers {
    char *send;
    char *receive; /* ranks * size bytes, used at the root */
    int rank;
    int ranks;
} Buffers;

static void prepare(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    int from;
    bench_fill_pattern(buffers->send, size, bench_block_seed(size, buffers->rank, kRoot));
    if (buffers->rank == kRoot)
        for (from = 0; from < buffers->ranks; ++from)
            bench_fill_pattern(buffers->receive + (size_t)from * size, size,
                               ~bench_block_seed(size, from, kRoot));
}

static void run(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    MPI_Gather(buffers->send, (int)size, MPI_CHAR, buffers->receive, (int)size, MPI_CHAR, kRoot,
               MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    const Buffers *buffers = (const Buffers *)context;
    int from;
    if (buffers->rank != kRoot)
        return NULL;
    for (from = 0; from < buffers->ranks; ++from) {
        size_t wrong = bench_check_pattern(buffers->receive + (size_t)from * size, size,
                                           bench_block_seed(size, from, kRoot));
        if (wrong != (size_t)-1) {
            snprintf(bench_message, sizeof bench_message,
                     "block from rank %d at the root, byte %zu is wrong", from, wrong);
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

    bench_init(&argc, &argv, "gather", BENCH_COLLECTIVE, 1, &options);
    MPI_Comm_rank(MPI_COMM_WORLD, &buffers.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &buffers.ranks);
    buffers.send = (char *)bench_alloc(options.max_size);
    buffers.receive =
        (char *)bench_alloc(buffers.rank == kRoot ? options.max_size * (size_t)buffers.ranks : 0);

    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = &buffers;
    bench_run_collective(&options, &collective);

    bench_free(buffers.send);
    bench_free(buffers.receive);
    return bench_finalize();
}
