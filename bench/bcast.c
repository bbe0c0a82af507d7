/*
 * bcast: MPI_Bcast of size bytes (MPI_CHAR) from root 0.
 * Time per operation: each rank's median over iterations, then the maximum over ranks.
 */
#include <stdio.h>

#include "bench_common.h"

enum { kRoot = 0 };

typedef struct Buffers {
    char *data;
    int rank;
} Buffers;

static void prepare(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    const unsigned seed = bench_block_seed(size, kRoot, 0);
    /* Everyone but the root starts from different bytes, so a no-op cannot pass. */
    bench_fill_pattern(buffers->data, size, buffers->rank == kRoot ? seed : ~seed);
}

static void run(size_t size, void *context)
{
    Buffers *buffers = (Buffers *)context;
    MPI_Bcast(buffers->data, (int)size, MPI_CHAR, kRoot, MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    const Buffers *buffers = (const Buffers *)context;
    size_t wrong = bench_check_pattern(buffers->data, size, bench_block_seed(size, kRoot, 0));
    if (wrong == (size_t)-1)
        return NULL;
    snprintf(bench_message, sizeof bench_message, "byte %zu differs from the root's", wrong);
    return bench_message;
}

int main(int argc, char **argv)
{
    BenchOptions options;
    Buffers buffers;
    BenchCollective collective;

    bench_init(&argc, &argv, "bcast", BENCH_COLLECTIVE, 1, &options);
    MPI_Comm_rank(MPI_COMM_WORLD, &buffers.rank);
    buffers.data = (char *)bench_alloc(options.max_size);

    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = &buffers;
    bench_run_collective(&options, &collective);

    bench_free(buffers.data);
    return bench_finalize();
}
