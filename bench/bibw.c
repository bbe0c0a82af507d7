/*
 * bibw: bidirectional bandwidth within each pair (rank i and rank i + p/2).
 *
 * One iteration: both ranks post a window of nonblocking receives, then a window of
 * nonblocking sends, then wait for all of them. The initiator times each iteration; one
 * sample moves 2 * window * size bytes (both directions). Each pair's median turns into
 * MB/s; the line is the sum over pairs. All messages of a window share one send and one
 * receive buffer on each side, as in the OSU benchmark.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

enum { kTagData = 20, kTagCheck = 21 };

typedef struct Pair {
    int partner;
    int is_initiator;
    int window;
    char *send_slots;
    char *receive_slots;
    size_t region;
    MPI_Request *requests; /* 2 * window: receives first, then sends */
    /* A real array rather than MPI_STATUSES_IGNORE: GCC 12 warns (stringop-overflow)
     * about the small non-null constant some headers use for it. */
    MPI_Status *statuses;
} Pair;

/* `slots` 1: every message uses the first slot, as in OSU (timing); `slots` = messages:
 * one slot each (the check). */
static void window_once(const Pair *pair, size_t size, int messages, size_t slots, int tag)
{
    int j;
    for (j = 0; j < messages; ++j)
        MPI_Irecv(pair->receive_slots + (size_t)j % slots * size, (int)size, MPI_CHAR,
                  pair->partner, tag, MPI_COMM_WORLD, &pair->requests[j]);
    for (j = 0; j < messages; ++j)
        MPI_Isend(pair->send_slots + (size_t)j % slots * size, (int)size, MPI_CHAR, pair->partner,
                  tag, MPI_COMM_WORLD, &pair->requests[messages + j]);
    MPI_Waitall(2 * messages, pair->requests, pair->statuses);
}

/* Seed of message j sent by `rank`: both directions carry different data. */
static unsigned check_seed(size_t size, int rank, int j)
{
    return (unsigned)size * 131u + (unsigned)rank * 7919u + (unsigned)j;
}

static void check_window(const Pair *pair, size_t size)
{
    const int messages = (int)bench_window_slots(pair->window, size, pair->region);
    int rank = 0;
    int j;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    for (j = 0; j < messages; ++j) {
        bench_fill_pattern(pair->send_slots + (size_t)j * size, size, check_seed(size, rank, j));
        bench_fill_pattern(pair->receive_slots + (size_t)j * size, size,
                           ~check_seed(size, pair->partner, j));
    }
    window_once(pair, size, messages, (size_t)messages, kTagCheck);
    for (j = 0; j < messages; ++j) {
        size_t wrong = bench_check_pattern(pair->receive_slots + (size_t)j * size, size,
                                           check_seed(size, pair->partner, j));
        if (wrong != (size_t)-1)
            bench_fail("size %zu: message %d of the window, byte %zu from rank %d is wrong", size,
                       j, wrong, pair->partner);
    }
}

int main(int argc, char **argv)
{
    BenchOptions options;
    Pair pair;
    double *samples;
    size_t size;

    bench_init(&argc, &argv, "bibw", BENCH_POINT_TO_POINT_BANDWIDTH, 1, &options);
    pair.partner = bench_pair_partner(&pair.is_initiator);
    pair.window = options.window;
    pair.region = bench_window_region(options.window, options.max_size);
    pair.send_slots = (char *)bench_alloc(pair.region);
    pair.receive_slots = (char *)bench_alloc(pair.region);
    pair.requests = (MPI_Request *)malloc(sizeof(MPI_Request) * 2 * (size_t)options.window);
    pair.statuses = (MPI_Status *)malloc(sizeof(MPI_Status) * 2 * (size_t)options.window);
    samples = (double *)malloc(sizeof(double) * (size_t)options.iterations);
    if (pair.requests == NULL || pair.statuses == NULL || samples == NULL)
        bench_fail("cannot allocate %d requests and samples", options.window);

    for (size = bench_first_size(&options); size != BENCH_SIZES_END;
         size = bench_next_size(&options, size)) {
        const int warmup = bench_warmup(&options, size);
        double warmup_seconds = 0.0;
        int iterations;
        int timed = 0;
        int i;

        MPI_Barrier(MPI_COMM_WORLD);
        if (pair.partner >= 0) {
            const double start = MPI_Wtime();
            for (i = 0; i < warmup; ++i)
                window_once(&pair, size, pair.window, 1, kTagData);
            warmup_seconds = MPI_Wtime() - start;
        }
        iterations =
            bench_timed_iterations(&options, size, warmup_seconds, pair.partner >= 0 ? warmup : 0);
        if (pair.partner >= 0) {
            check_window(&pair, size);
            for (i = 0; i < iterations; ++i) {
                double start = MPI_Wtime();
                window_once(&pair, size, pair.window, 1, kTagData);
                samples[i] = MPI_Wtime() - start;
            }
            if (pair.is_initiator)
                timed = iterations;
        }
        bench_report_bandwidth(&options, MPI_COMM_WORLD, size, 2.0 * (double)size * options.window,
                               samples, timed);
    }

    free(samples);
    free(pair.requests);
    free(pair.statuses);
    bench_free(pair.send_slots);
    bench_free(pair.receive_slots);
    return bench_finalize();
}
