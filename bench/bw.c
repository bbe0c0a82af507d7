/*
 * bw: unidirectional bandwidth within each pair (rank i sends to rank i + p/2).
 *
 * One iteration: the sender posts a window of nonblocking sends, the receiver a window of
 * nonblocking receives; when the receiver has them all it returns a small ack. The
 * sender times the iteration from the first send to the ack, so one sample moves
 * window * size bytes. Each pair's median turns into MB/s; the line is the sum over pairs.
 * All messages of a window share one buffer on each side, as in the OSU benchmark.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

enum { kTagData = 10, kTagAck = 11, kTagCheck = 12 };

typedef struct Pair {
    int partner;
    int is_sender;
    int window;
    char *slots; /* the sender's send slots, or the receiver's receive slots (check only) */
    size_t region;
    MPI_Request *requests;
    /* A real array rather than MPI_STATUSES_IGNORE: GCC 12 warns (stringop-overflow)
     * about the small non-null constant some headers use for it. */
    MPI_Status *statuses;
} Pair;

/* One window: all the messages of an iteration (one buffer, as in OSU) and the ack. */
static void window_once(const Pair *pair, size_t size)
{
    int ack = 0;
    int j;
    for (j = 0; j < pair->window; ++j) {
        if (pair->is_sender)
            MPI_Isend(pair->slots, (int)size, MPI_CHAR, pair->partner, kTagData, MPI_COMM_WORLD,
                      &pair->requests[j]);
        else
            MPI_Irecv(pair->slots, (int)size, MPI_CHAR, pair->partner, kTagData, MPI_COMM_WORLD,
                      &pair->requests[j]);
    }
    MPI_Waitall(pair->window, pair->requests, pair->statuses);
    if (pair->is_sender)
        MPI_Recv(&ack, 1, MPI_INT, pair->partner, kTagAck, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    else
        MPI_Send(&ack, 1, MPI_INT, pair->partner, kTagAck, MPI_COMM_WORLD);
}

/* As many messages as there are distinct slots, each with its own pattern, all in flight
 * at once; the receiver checks every slot (so order and placement are both tested). */
static void check_window(const Pair *pair, size_t size)
{
    const size_t slots = bench_window_slots(pair->window, size, pair->region);
    const int messages = (int)slots;
    int j;
    for (j = 0; j < messages; ++j) {
        char *slot = pair->slots + (size_t)j * size;
        const unsigned seed = (unsigned)size * 131u + (unsigned)j;
        if (pair->is_sender) {
            bench_fill_pattern(slot, size, seed);
            MPI_Isend(slot, (int)size, MPI_CHAR, pair->partner, kTagCheck, MPI_COMM_WORLD,
                      &pair->requests[j]);
        } else {
            bench_fill_pattern(slot, size, ~seed);
            MPI_Irecv(slot, (int)size, MPI_CHAR, pair->partner, kTagCheck, MPI_COMM_WORLD,
                      &pair->requests[j]);
        }
    }
    MPI_Waitall(messages, pair->requests, pair->statuses);
    if (!pair->is_sender) {
        for (j = 0; j < messages; ++j) {
            const unsigned seed = (unsigned)size * 131u + (unsigned)j;
            size_t wrong = bench_check_pattern(pair->slots + (size_t)j * size, size, seed);
            if (wrong != (size_t)-1)
                bench_fail("size %zu: message %d of the window, byte %zu from rank %d is wrong",
                           size, j, wrong, pair->partner);
        }
    }
}

int main(int argc, char **argv)
{
    BenchOptions options;
    Pair pair;
    double *samples;
    size_t size;

    bench_init(&argc, &argv, "bw", BENCH_POINT_TO_POINT_BANDWIDTH, 1, &options);
    pair.partner = bench_pair_partner(&pair.is_sender);
    pair.window = options.window;
    pair.region = bench_window_region(options.window, options.max_size);
    pair.slots = (char *)bench_alloc(pair.region);
    pair.requests = (MPI_Request *)malloc(sizeof(MPI_Request) * (size_t)options.window);
    pair.statuses = (MPI_Status *)malloc(sizeof(MPI_Status) * (size_t)options.window);
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
                window_once(&pair, size);
            warmup_seconds = MPI_Wtime() - start;
        }
        iterations =
            bench_timed_iterations(&options, size, warmup_seconds, pair.partner >= 0 ? warmup : 0);
        if (pair.partner >= 0) {
            check_window(&pair, size);
            for (i = 0; i < iterations; ++i) {
                double start = MPI_Wtime();
                window_once(&pair, size);
                samples[i] = MPI_Wtime() - start;
            }
            if (pair.is_sender)
                timed = iterations;
        }
        bench_report_bandwidth(&options, MPI_COMM_WORLD, size, (double)size * options.window,
                               samples, timed);
    }

    free(samples);
    free(pair.requests);
    free(pair.statuses);
    bench_free(pair.slots);
    return bench_finalize();
}
