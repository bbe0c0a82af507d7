/*
 * Shared driver for the weft benchmark programs.
 *
 * Every program in bench/ is plain C99 against the standard mpi.h, so one source builds
 * with weftcc, mpicc.mpich and mpicc.openmpi and the numbers compare like for like.
 *
 * The driver owns what must be identical across programs: the command line (OSU-style
 * flags), the list of message sizes, the iteration counts per size, the statistics
 * (median and minimum over iterations, then the maximum over ranks) and the output
 * format, which run-compare parses:
 *
 *     # weft-bench <name>
 *     # ... further comment lines ...
 *     <size> <median_us> <min_us>          (latency-style programs)
 *     <size> <MB/s>                        (bandwidth programs)
 *
 * With -f, extra columns follow; a parser that reads the first columns keeps working.
 */
#ifndef WEFT_BENCH_COMMON_H
#define WEFT_BENCH_COMMON_H

#include <stddef.h>

#include <mpi.h>

typedef struct BenchOptions {
    size_t min_size; /* -m MIN:MAX, bytes */
    size_t max_size;
    size_t step_factor; /* -s FACTOR: next size = size * FACTOR */
    int iterations;     /* -i: timed iterations for sizes up to BENCH_LARGE_SIZE */
    int warmup;         /* -x: untimed iterations before timing */
    int window;         /* -W: messages in flight per iteration (bw, bibw) */
    int full;           /* -f: print extra columns */
    double time_limit;  /* -t SECONDS: cap on the timed loop of one size; 0 = none */
} BenchOptions;

/* Sizes above this many bytes run fewer iterations (see bench_iterations). */
#define BENCH_LARGE_SIZE ((size_t)65536)

/* What a program is, so the driver can pick defaults, units and the header. */
typedef enum BenchKind {
    BENCH_POINT_TO_POINT_LATENCY,
    BENCH_POINT_TO_POINT_BANDWIDTH,
    BENCH_COLLECTIVE,
    BENCH_COLLECTIVE_NO_SIZE /* barrier: one line, size 0 */
} BenchKind;

/*
 * Calls MPI_Init, parses the command line and prints the header on rank 0.
 * Exits the process (after MPI_Finalize) on -h or on a bad flag.
 * `unit` is the element size in bytes: sizes smaller than one element are skipped.
 */
void bench_init(int *argc, char ***argv, const char *name, BenchKind kind, size_t unit,
                BenchOptions *options);

/* MPI_Finalize, and the exit status for main. */
int bench_finalize(void);

/* Size iteration: for (s = bench_first_size(o); s != BENCH_SIZES_END; s = bench_next_size(o, s)).
 * Size 0 is a valid size (an empty message), hence the separate end marker. */
#define BENCH_SIZES_END ((size_t)-1)
size_t bench_first_size(const BenchOptions *options);
size_t bench_next_size(const BenchOptions *options, size_t size);

/* Timed and warm-up iteration counts for one size (fewer above BENCH_LARGE_SIZE). */
int bench_iterations(const BenchOptions *options, size_t size);
int bench_warmup(const BenchOptions *options, size_t size);

/*
 * Point-to-point programs run p/2 concurrent pairs: rank i (the initiator, i < p/2) with
 * rank i + p/2. Returns the partner, or -1 for the odd rank out. (bench_init has already
 * refused fewer than two ranks.)
 */
int bench_pair_partner(int *is_initiator);

/*
 * Bandwidth programs time a window of messages that all use the same buffer, as the OSU
 * benchmarks do, so the numbers compare with the published ones (the data stays in cache
 * up to a few MiB). The correctness check instead sends one message per distinct slot of
 * a region, all in flight at once, so that order and placement are both verified.
 * bench_window_region: bytes to allocate for the slots at the largest size (at most
 * 16 MiB, at least one message). bench_window_slots: distinct slots at `size`.
 */
size_t bench_window_region(int window, size_t max_size);
size_t bench_window_slots(int window, size_t size, size_t region_bytes);

/*
 * The number of timed iterations for `size`, given how long this rank's warm-up took.
 * Without -t it is bench_iterations(). With -t, every rank (paired or not) must call it:
 * it takes the slowest rank's warm-up time per iteration (one MPI_Allreduce, outside any
 * timed region) and lowers the count so the timed loop fits the limit, but never below
 * min(bench_iterations(), 5). So a slow case (e.g. an oversubscribed, busy-polling
 * library) costs seconds rather than minutes while fast cases keep every iteration.
 */
int bench_timed_iterations(const BenchOptions *options, size_t size, double warmup_seconds,
                           int warmup_count);

/* Page-aligned, zero-filled memory; aborts the job when the allocation fails. */
void *bench_alloc(size_t bytes);
void bench_free(void *pointer);

/* Deterministic byte pattern: distinct per seed and position, no short period. */
unsigned char bench_pattern_byte(unsigned seed, size_t index);
void bench_fill_pattern(void *buffer, size_t bytes, unsigned seed);
/* Returns the index of the first wrong byte, or (size_t)-1 when the buffer matches. */
size_t bench_check_pattern(const void *buffer, size_t bytes, unsigned seed);

/* Seed for a block that rank `from` sends to rank `to` at `size` (to = 0 where unused). */
unsigned bench_block_seed(size_t size, int from, int to);

/*
 * Float reductions: rank r contributes (r + 1) * (1 + j % 251) at element j, so every
 * rank's contribution and every position differ, and the sum over p ranks is an integer
 * that floats hold exactly for any summation order up to a few hundred ranks.
 */
float bench_float_input(int rank, size_t index);
float bench_float_sum(int ranks, size_t index);
/* Equal up to rounding (exact for the integers above; relative 1e-5 beyond). */
int bench_float_matches(float value, float expected);

/* Prints "weft-bench <name>: <message> (rank r)" to stderr and aborts the whole job. */
void bench_fail(const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

/*
 * Statistics and output. `samples` are seconds per operation, one per timed iteration;
 * the array is sorted in place.
 *
 * bench_report_time: every rank of `comm` calls it; ranks that did not time anything pass
 * count 0. The line shows the maximum over ranks of each rank's median (and minimum).
 *
 * bench_report_bandwidth: every rank calls it; `bytes_per_sample` is what one sample
 * moved. Each timing rank turns its median time into MB/s (1 MB = 1e6 bytes); the line
 * shows the sum over ranks, i.e. the aggregate over concurrent pairs.
 */
void bench_report_time(const BenchOptions *options, MPI_Comm comm, size_t size, double *samples,
                       int count);
void bench_report_bandwidth(const BenchOptions *options, MPI_Comm comm, size_t size,
                            double bytes_per_sample, double *samples, int count);

/*
 * The common loop of every collective benchmark. For each size: warm up, run once on
 * known data and check the result, then time each iteration on its own (an MPI_Barrier,
 * outside the timed region, separates iterations so that one operation's skew does not
 * leak into the next), and report.
 *
 *   prepare(size, context)  fills the inputs for the check and poisons the outputs;
 *   run(size, context)      performs one operation;
 *   check(size, context)    returns NULL when the outputs are right, else a message.
 */
typedef struct BenchCollective {
    void (*prepare)(size_t size, void *context);
    void (*run)(size_t size, void *context);
    const char *(*check)(size_t size, void *context);
    void *context;
} BenchCollective;

void bench_run_collective(const BenchOptions *options, const BenchCollective *collective);

/* Room for formatting a check failure message (returned by check callbacks). */
#define BENCH_MESSAGE_SIZE 256
extern char bench_message[BENCH_MESSAGE_SIZE];

#endif /* WEFT_BENCH_COMMON_H */
