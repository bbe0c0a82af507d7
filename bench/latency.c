/*
 * latency: ping-pong between the ranks of each pair (rank i with rank i + p/2).
 *
 * The initiator times each round trip on its own (MPI_Send then MPI_Recv); one sample is
 * half of it, the one-way latency. With more than two ranks all pairs run at once and
 * the reported line is the slowest pair's median (and minimum).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_common.h"

enum { kTagPing = 1, kTagPong = 2, kTagCheck = 3 };

/* Sends a pattern one way, then the other, and checks both arrivals and their lengths. */
static void check_exchange(size_t size, int partner, int is_initiator, char *send, char *receive)
{
    const unsigned seed_there = (unsigned)size * 2u + (unsigned)partner;
    MPI_Status status;
    int count = -1;
    size_t wrong;
    int rank = 0;
    unsigned seed_expected;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    seed_expected = (unsigned)size * 2u + (unsigned)rank;

    bench_fill_pattern(send, size, seed_there);
    bench_fill_pattern(receive, size, ~seed_expected);
    if (is_initiator) {
        MPI_Send(send, (int)size, MPI_CHAR, partner, kTagCheck, MPI_COMM_WORLD);
        MPI_Recv(receive, (int)size, MPI_CHAR, partner, kTagCheck, MPI_COMM_WORLD, &status);
    } else {
        MPI_Recv(receive, (int)size, MPI_CHAR, partner, kTagCheck, MPI_COMM_WORLD, &status);
        MPI_Send(send, (int)size, MPI_CHAR, partner, kTagCheck, MPI_COMM_WORLD);
    }
    MPI_Get_count(&status, MPI_CHAR, &count);
    if (count != (int)size)
        bench_fail("size %zu: received %d bytes from rank %d", size, count, partner);
    if (status.MPI_SOURCE != partner || status.MPI_TAG != kTagCheck)
        bench_fail("size %zu: status says source %d tag %d, expected %d and %d", size,
                   status.MPI_SOURCE, status.MPI_TAG, partner, kTagCheck);
    wrong = bench_check_pattern(receive, size, seed_expected);
    if (wrong != (size_t)-1)
        bench_fail("size %zu: byte %zu from rank %d is wrong", size, wrong, partner);
}

/* One round trip; returns its duration (meaningful at the initiator). */
static double ping_pong(int partner, int is_initiator, char *send, char *receive, int count)
{
    const double start = MPI_Wtime();
    if (is_initiator) {
        MPI_Send(send, count, MPI_CHAR, partner, kTagPing, MPI_COMM_WORLD);
        MPI_Recv(receive, count, MPI_CHAR, partner, kTagPong, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Recv(receive, count, MPI_CHAR, partner, kTagPing, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(send, count, MPI_CHAR, partner, kTagPong, MPI_COMM_WORLD);
    }
    return MPI_Wtime() - start;
}

int main(int argc, char **argv)
{
    BenchOptions options;
    int is_initiator = 0;
    int partner;
    char *send;
    char *receive;
    double *samples;
    size_t size;

    bench_init(&argc, &argv, "latency", BENCH_POINT_TO_POINT_LATENCY, 1, &options);
    partner = bench_pair_partner(&is_initiator);
    send = (char *)bench_alloc(options.max_size);
    receive = (char *)bench_alloc(options.max_size);
    samples = (double *)malloc(sizeof(double) * (size_t)options.iterations);
    if (samples == NULL)
        bench_fail("cannot allocate %d samples", options.iterations);

    for (size = bench_first_size(&options); size != BENCH_SIZES_END;
         size = bench_next_size(&options, size)) {
        const int count = (int)size;
        const int warmup = bench_warmup(&options, size);
        double warmup_seconds = 0.0;
        int iterations;
        int timed = 0;
        int i;

        MPI_Barrier(MPI_COMM_WORLD);
        if (partner >= 0) {
            const double start = MPI_Wtime();
            for (i = 0; i < warmup; ++i)
                ping_pong(partner, is_initiator, send, receive, count);
            warmup_seconds = MPI_Wtime() - start;
        }
        iterations =
            bench_timed_iterations(&options, size, warmup_seconds, partner >= 0 ? warmup : 0);
        if (partner >= 0) {
            check_exchange(size, partner, is_initiator, send, receive);
            for (i = 0; i < iterations; ++i)
                samples[i] = ping_pong(partner, is_initiator, send, receive, count) / 2.0;
            if (is_initiator)
                timed = iterations;
        }
        bench_report_time(&options, MPI_COMM_WORLD, size, samples, timed);
    }

    free(samples);
    bench_free(send);
    bench_free(receive);
    return bench_finalize();
}
