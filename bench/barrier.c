/*
 * barrier: MPI_Barrier. One line, size 0. Each barrier is timed on its own and the
 * barriers themselves separate the iterations. Time per operation: each rank's median,
 * then the maximum over ranks.
 */
#include <stddef.h>

#include "bench_common.h"

static void prepare(size_t size, void *context)
{
    (void)size;
    (void)context;
}

static void run(size_t size, void *context)
{
    (void)size;
    (void)context;
    MPI_Barrier(MPI_COMM_WORLD);
}

static const char *check(size_t size, void *context)
{
    /* A barrier has no output to compare; that it returned on every rank is the check. */
    (void)size;
    (void)context;
    return NULL;
}

int main(int argc, char **argv)
{
    BenchOptions options;
    BenchCollective collective;

    bench_init(&argc, &argv, "barrier", BENCH_COLLECTIVE_NO_SIZE, 1, &options);
    collective.prepare = prepare;
    collective.run = run;
    collective.check = check;
    collective.context = NULL;
    bench_run_collective(&options, &collective);
    return bench_finalize();
}
