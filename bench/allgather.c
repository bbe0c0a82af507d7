/*
 * allgather: MPI_Allgather of size bytes (MPI_CHAR) per rank; every rank receives
 * ranks * size bytes. Time per operation: each rank's median, then the maximum over ranks.
 */
#include <stdio.h>

#include "bench_common.h"

typedef struct Buffers {
    char *send;
    char *receive;
    int rank;
    int ranks;
} Buffers;

static void prepare(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    int from;
    bench_fill_pattern(buffers->send, size, bench_block_seed(size, buffers->rank, 0));
    for (from = 0; from < buffers->ranks; ++from)
        bench_fill_pattern(buffers->receive + (size_t)from * size, size,
                           ~bench_block_seed(size, from, 0));
}

static void run(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    MPI_Allgather(buffers->send, (int)size, MPI_CHAR, buffers->receive, (int)size, MPI_CHAR,
                  MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    const Buffers *buffers = (const Buffers *)context;
    int from;
    for (from = 0; from < buffers->ranks; ++from) {
        size_t wrong = bench_check_pattern(buffers->receive + (size_t)from * size, size,
                                           bench_block_seed(size, from, 0));
        if (wrong != (size_t)-1) {
            snprintf(bench_message, sizeof bench_message, "block from rank %d, byte %zu is wrong",
                     from, wrong);
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

    bench_init(&argc, &argv, "allgather", BENCH_COLLECTIVE, 1, &options);
    MPI_Comm_rank(MPI_COMM_WORLD, &buffers.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &buffers.ranks);
    buffers.send = (char *)bench_alloc(options.max_size);
    buffers.receive = (char *)bench_alloc(options.max_size * (size_t)buffers.ranks);

    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = &buffers;
    bench_run_collective(&options, &collective);

    bench_free(buffers.send);
    bench_free(buffers.receive);
    return bench_finalize();
}
