/*
 * Shared driver for the weft benchmark programs: see bench_common.h for the contract.
 */
#define _POSIX_C_SOURCE 200112L

#include "bench_common.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char bench_message[BENCH_MESSAGE_SIZE];

/* The driver serves one program per process, so a little file-level state is enough. */
static const char *g_name = "bench";
static BenchKind g_kind = BENCH_COLLECTIVE;
static size_t g_unit = 1;

enum {
    kDefaultIterations = 1000,
    kDefaultWarmup = 100,
    /* One bandwidth iteration is a whole window of messages, so fewer are enough. */
    kDefaultBandwidthIterations = 100,
    kDefaultBandwidthWarmup = 10,
    kDefaultWindow = 64,
    /* Above BENCH_LARGE_SIZE: a tenth of the iterations, but never so few that a median
     * means nothing. */
    kLargeIterationsDivisor = 10,
    kLargeIterationsFloor = 5,
    kLargeWarmupFloor = 2,
    /* -t never cuts the timed loop below this many iterations. */
    kTimeLimitFloor = 5
};

static const size_t kDefaultMinSize = 1;
static const size_t kDefaultMaxSize = (size_t)4 << 20;
static const size_t kPageSize = 4096;
/* Room for the distinct slots of the bandwidth check (see bench_window_region). */
static const size_t kWindowRegionCap = (size_t)16 << 20;

static int world_rank(void)
{
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

void bench_fail(const char *format, ...)
{
    va_list arguments;
    char text[512];
    va_start(arguments, format);
    vsnprintf(text, sizeof text, format, arguments);
    va_end(arguments);
    fprintf(stderr, "weft-bench %s: %s (rank %d)\n", g_name, text, world_rank());
    fflush(stderr);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 3);
    /* MPI_Abort does not return; if an implementation lets it, do not go on measuring. */
    exit(3);
}

static void print_usage(FILE *stream)
{
    fprintf(stream,
            "usage: %s [-m MIN:MAX] [-s FACTOR] [-i ITER] [-x WARMUP] [-t SECONDS]%s [-f] [-h]\n"
            "  -m MIN:MAX  message sizes in bytes (default %zu:%zu; MAX alone or MIN: also\n"
            "              accepted; K and M suffixes mean KiB and MiB)\n"
            "  -s FACTOR   multiply the size by FACTOR at each step (default 2)\n"
            "  -i ITER     timed iterations per size (default %d); above %zu bytes a tenth,\n"
            "              at least %d\n"
            "  -x WARMUP   untimed iterations before timing (default %d); above %zu bytes a\n"
            "              tenth, at least %d\n"
            "  -t SECONDS  fewer timed iterations (at least %d) where the warm-up shows\n"
            "              that ITER would take longer than SECONDS (default: no limit)\n"
            "%s"
            "  -f          full output: extra columns\n"
            "  -h          this help\n",
            g_name, g_kind == BENCH_POINT_TO_POINT_BANDWIDTH ? " [-W WINDOW]" : "", kDefaultMinSize,
            kDefaultMaxSize,
            g_kind == BENCH_POINT_TO_POINT_BANDWIDTH ? kDefaultBandwidthIterations
                                                     : kDefaultIterations,
            BENCH_LARGE_SIZE, kLargeIterationsFloor,
            g_kind == BENCH_POINT_TO_POINT_BANDWIDTH ? kDefaultBandwidthWarmup : kDefaultWarmup,
            BENCH_LARGE_SIZE, kLargeWarmupFloor, kTimeLimitFloor,
            g_kind == BENCH_POINT_TO_POINT_BANDWIDTH
                ? "  -W WINDOW   nonblocking messages in flight per iteration (default 64)\n"
                : "");
}

/* Leaves the program from bench_init: every rank parses the same flags, so all exit. */
static void leave(int status, const char *message, const char *argument)
{
    if (world_rank() == 0) {
        FILE *stream = status == 0 ? stdout : stderr;
        if (message != NULL)
            fprintf(stream, "%s: %s '%s'\n", g_name, message, argument ? argument : "");
        print_usage(stream);
        fflush(stream);
    }
    MPI_Finalize();
    exit(status);
}

/* Parses "123", "64K", "4M"; returns 0 on success. */
static int parse_size(const char *text, size_t *value)
{
    char *end = NULL;
    unsigned long long number;
    if (*text == '\0' || *text == '-')
        return -1;
    errno = 0;
    number = strtoull(text, &end, 10);
    if (errno != 0 || end == text)
        return -1;
    if (*end == 'k' || *end == 'K') {
        number <<= 10;
        ++end;
    } else if (*end == 'm' || *end == 'M') {
        number <<= 20;
        ++end;
    }
    if (*end != '\0' || number > (unsigned long long)SIZE_MAX / 2)
        return -1;
    *value = (size_t)number;
    return 0;
}

/* "MIN:MAX", "MAX" or "MIN:" as in the OSU benchmarks. */
static int parse_size_range(const char *text, size_t *min_size, size_t *max_size)
{
    const char *colon = strchr(text, ':');
    char first[64];
    size_t length;
    if (colon == NULL)
        return parse_size(text, max_size);
    length = (size_t)(colon - text);
    if (length >= sizeof first)
        return -1;
    memcpy(first, text, length);
    first[length] = '\0';
    if (length > 0 && parse_size(first, min_size) != 0)
        return -1;
    if (colon[1] != '\0' && parse_size(colon + 1, max_size) != 0)
        return -1;
    return *min_size <= *max_size ? 0 : -1;
}

static int parse_count(const char *text, int minimum, int *value)
{
    char *end = NULL;
    long number;
    errno = 0;
    number = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || number < minimum || number > INT_MAX)
        return -1;
    *value = (int)number;
    return 0;
}

static int parse_seconds(const char *text, double *value)
{
    char *end = NULL;
    double number;
    errno = 0;
    number = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !(number >= 0.0) || number > 1e6)
        return -1;
    *value = number;
    return 0;
}

static void print_header(const BenchOptions *options)
{
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    printf("# weft-bench %s\n", g_name);
    printf("# ranks %d", size);
    if (g_kind == BENCH_POINT_TO_POINT_LATENCY || g_kind == BENCH_POINT_TO_POINT_BANDWIDTH)
        printf(", pairs %d (rank i with rank i+%d)", size / 2, size / 2);
    if (g_kind == BENCH_POINT_TO_POINT_BANDWIDTH)
        printf(", window %d", options->window);
    if (g_kind == BENCH_COLLECTIVE_NO_SIZE)
        printf(", iterations %d, warm-up %d\n", options->iterations, options->warmup);
    else
        printf(", iterations %d (%d above %zu B), warm-up %d (%d above %zu B)\n",
               options->iterations, bench_iterations(options, BENCH_LARGE_SIZE + 1),
               BENCH_LARGE_SIZE, options->warmup, bench_warmup(options, BENCH_LARGE_SIZE + 1),
               BENCH_LARGE_SIZE);
    if (options->time_limit > 0.0)
        printf("# time limit %g s per size: fewer timed iterations (at least %d) where needed\n",
               options->time_limit, kTimeLimitFloor);
    if (g_kind == BENCH_POINT_TO_POINT_BANDWIDTH) {
        printf("# median bandwidth, MB/s = 1e6 bytes/s, summed over pairs\n");
        printf(options->full ? "# size_bytes MB/s best_MB/s iterations\n" : "# size_bytes MB/s\n");
    } else {
        printf("# microseconds per operation%s; each column is the maximum over ranks\n",
               g_kind == BENCH_POINT_TO_POINT_LATENCY ? " (one way = half a round trip)" : "");
        printf(options->full ? "# size_bytes median_us min_us max_us mean_us iterations\n"
                             : "# size_bytes median_us min_us\n");
    }
    fflush(stdout);
}

void bench_init(int *argc, char ***argv, const char *name, BenchKind kind, size_t unit,
                BenchOptions *options)
{
    int option;
    MPI_Init(argc, argv);
    g_name = name;
    g_kind = kind;
    g_unit = unit > 0 ? unit : 1;

    options->min_size = kDefaultMinSize;
    options->max_size = kDefaultMaxSize;
    options->step_factor = 2;
    options->iterations =
        kind == BENCH_POINT_TO_POINT_BANDWIDTH ? kDefaultBandwidthIterations : kDefaultIterations;
    options->warmup =
        kind == BENCH_POINT_TO_POINT_BANDWIDTH ? kDefaultBandwidthWarmup : kDefaultWarmup;
    options->window = kDefaultWindow;
    options->full = 0;
    options->time_limit = 0.0;

    /* The library reports a bad flag once, from rank 0, instead of once per rank. */
    opterr = 0;
    while ((option = getopt(*argc, *argv, "m:s:i:x:t:W:fh")) != -1) {
        int bad = 0;
        switch (option) {
        case 'm':
            bad = parse_size_range(optarg, &options->min_size, &options->max_size);
            break;
        case 's': {
            int factor = 0;
            bad = parse_count(optarg, 2, &factor);
            options->step_factor = (size_t)factor;
            break;
        }
        case 'i':
            bad = parse_count(optarg, 1, &options->iterations);
            break;
        case 'x':
            bad = parse_count(optarg, 0, &options->warmup);
            break;
        case 't':
            bad = parse_seconds(optarg, &options->time_limit);
            break;
        case 'W':
            bad =
                kind != BENCH_POINT_TO_POINT_BANDWIDTH || parse_count(optarg, 1, &options->window);
            break;
        case 'f':
            options->full = 1;
            break;
        case 'h':
            leave(0, NULL, NULL);
            break;
        default: {
            char flag[3] = {'-', (char)optopt, '\0'};
            leave(2, "unknown flag or missing value", flag);
        }
        }
        if (bad) {
            char flag[3] = {'-', (char)option, '\0'};
            char text[128];
            snprintf(text, sizeof text, "%s %s", flag, optarg ? optarg : "");
            leave(2, "bad value for", text);
        }
    }
    if (optind < *argc)
        leave(2, "unexpected argument", (*argv)[optind]);
    if (options->max_size > (size_t)INT_MAX) {
        char text[64];
        snprintf(text, sizeof text, "%zu", options->max_size);
        leave(2, "sizes above INT_MAX bytes do not fit an MPI count:", text);
    }
    if (options->max_size < g_unit && kind == BENCH_COLLECTIVE) {
        char text[64];
        snprintf(text, sizeof text, "%zu", options->max_size);
        leave(2, "largest size is smaller than one element:", text);
    }
    if (kind == BENCH_POINT_TO_POINT_LATENCY || kind == BENCH_POINT_TO_POINT_BANDWIDTH) {
        int ranks = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
        if (ranks < 2)
            bench_fail("needs at least 2 ranks (pairs), got %d", ranks);
    }
    if (world_rank() == 0)
        print_header(options);
}

int bench_finalize(void)
{
    MPI_Finalize();
    return 0;
}

size_t bench_first_size(const BenchOptions *options)
{
    size_t size = options->min_size;
    if (size > options->max_size)
        return BENCH_SIZES_END;
    /* Sizes below one element (e.g. 0, 1 and 2 bytes for float operations) are skipped;
     * an empty message is a valid size for the byte-based programs. */
    while (size != BENCH_SIZES_END && size < g_unit && !(size == 0 && g_unit == 1))
        size = bench_next_size(options, size);
    return size;
}

size_t bench_next_size(const BenchOptions *options, size_t size)
{
    if (size == 0)
        return options->max_size >= 1 ? 1 : BENCH_SIZES_END;
    if (size > options->max_size / options->step_factor)
        return BENCH_SIZES_END;
    return size * options->step_factor;
}

int bench_iterations(const BenchOptions *options, size_t size)
{
    int large;
    if (size <= BENCH_LARGE_SIZE)
        return options->iterations;
    large = options->iterations / kLargeIterationsDivisor;
    if (large < kLargeIterationsFloor)
        large = options->iterations < kLargeIterationsFloor ? options->iterations
                                                            : kLargeIterationsFloor;
    return large;
}

int bench_warmup(const BenchOptions *options, size_t size)
{
    int large;
    if (size <= BENCH_LARGE_SIZE)
        return options->warmup;
    large = options->warmup / kLargeIterationsDivisor;
    if (large < kLargeWarmupFloor)
        large = options->warmup < kLargeWarmupFloor ? options->warmup : kLargeWarmupFloor;
    return large;
}

int bench_pair_partner(int *is_initiator)
{
    int rank = 0;
    int size = 1;
    int half;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2)
        bench_fail("needs at least 2 ranks, got %d", size);
    half = size / 2;
    *is_initiator = rank < half;
    if (rank < half)
        return rank + half;
    if (rank < 2 * half)
        return rank - half;
    return -1;
}

size_t bench_window_region(int window, size_t max_size)
{
    size_t region = (size_t)window * max_size;
    if (max_size != 0 && region / max_size != (size_t)window)
        region = kWindowRegionCap;
    if (region > kWindowRegionCap)
        region = kWindowRegionCap;
    return region > max_size ? region : max_size;
}

size_t bench_window_slots(int window, size_t size, size_t region_bytes)
{
    size_t slots = size == 0 ? (size_t)window : region_bytes / size;
    if (slots > (size_t)window)
        slots = (size_t)window;
    return slots > 0 ? slots : 1;
}

int bench_timed_iterations(const BenchOptions *options, size_t size, double warmup_seconds,
                           int warmup_count)
{
    const int iterations = bench_iterations(options, size);
    const int floor = iterations < kTimeLimitFloor ? iterations : kTimeLimitFloor;
    double per_iteration = warmup_count > 0 ? warmup_seconds / warmup_count : 0.0;
    double slowest = 0.0;
    double fit;
    if (options->time_limit <= 0.0)
        return iterations;
    MPI_Allreduce(&per_iteration, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    if (slowest <= 0.0)
        return iterations;
    fit = options->time_limit / slowest;
    if (fit < (double)floor)
        return floor;
    return fit < (double)iterations ? (int)fit : iterations;
}

void *bench_alloc(size_t bytes)
{
    void *pointer = NULL;
    size_t rounded = bytes == 0 ? kPageSize : (bytes + kPageSize - 1) / kPageSize * kPageSize;
    if (posix_memalign(&pointer, kPageSize, rounded) != 0 || pointer == NULL)
        bench_fail("cannot allocate %zu bytes", bytes);
    /* Touch every page now so that first-touch faults never land in a timed region. */
    memset(pointer, 0, rounded);
    return pointer;
}

void bench_free(void *pointer)
{
    free(pointer);
}

unsigned char bench_pattern_byte(unsigned seed, size_t index)
{
    /* A multiplicative hash of (seed, index): neighbouring bytes, blocks and seeds differ,
     * so a message delivered to the wrong place or a stale buffer does not pass. */
    uint32_t x = (uint32_t)index * 2654435761u + (uint32_t)seed * 40503u + 0x9e37u;
    x ^= x >> 15;
    return (unsigned char)(x ^ (x >> 8));
}

void bench_fill_pattern(void *buffer, size_t bytes, unsigned seed)
{
    unsigned char *bytes_out = (unsigned char *)buffer;
    size_t i;
    for (i = 0; i < bytes; ++i)
        bytes_out[i] = bench_pattern_byte(seed, i);
}

size_t bench_check_pattern(const void *buffer, size_t bytes, unsigned seed)
{
    const unsigned char *bytes_in = (const unsigned char *)buffer;
    size_t i;
    for (i = 0; i < bytes; ++i)
        if (bytes_in[i] != bench_pattern_byte(seed, i))
            return i;
    return (size_t)-1;
}

unsigned bench_block_seed(size_t size, int from, int to)
{
    return (unsigned)size * 131u + (unsigned)from * 7919u + (unsigned)to * 104729u;
}

float bench_float_input(int rank, size_t index)
{
    return (float)((rank + 1) * (int)(1 + index % 251));
}

float bench_float_sum(int ranks, size_t index)
{
    const double rank_sum = 0.5 * (double)ranks * (double)(ranks + 1);
    return (float)(rank_sum * (double)(1 + index % 251));
}

int bench_float_matches(float value, float expected)
{
    double difference = (double)value - (double)expected;
    if (difference < 0)
        difference = -difference;
    return difference <= 1e-5 * (expected < 0 ? -(double)expected : (double)expected);
}

static int compare_doubles(const void *left, const void *right)
{
    double a = *(const double *)left;
    double b = *(const double *)right;
    return (a > b) - (a < b);
}

/* Sorts `samples`; fills median, min, max and mean. */
static void summarize(double *samples, int count, double statistics[4])
{
    double sum = 0.0;
    int i;
    qsort(samples, (size_t)count, sizeof *samples, compare_doubles);
    for (i = 0; i < count; ++i)
        sum += samples[i];
    statistics[0] =
        count % 2 ? samples[count / 2] : 0.5 * (samples[count / 2 - 1] + samples[count / 2]);
    statistics[1] = samples[0];
    statistics[2] = samples[count - 1];
    statistics[3] = sum / count;
}

void bench_report_time(const BenchOptions *options, MPI_Comm comm, size_t size, double *samples,
                       int count)
{
    /* Ranks that timed nothing contribute -1 and so never win the maximum. */
    double local[5] = {-1.0, -1.0, -1.0, -1.0, 0.0};
    double global[5];
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    if (count > 0) {
        summarize(samples, count, local);
        local[4] = count;
    }
    MPI_Reduce(local, global, 5, MPI_DOUBLE, MPI_MAX, 0, comm);
    if (rank != 0)
        return;
    if (options->full)
        printf("%zu %.3f %.3f %.3f %.3f %d\n", size, global[0] * 1e6, global[1] * 1e6,
               global[2] * 1e6, global[3] * 1e6, (int)global[4]);
    else
        printf("%zu %.3f %.3f\n", size, global[0] * 1e6, global[1] * 1e6);
    fflush(stdout);
}

void bench_report_bandwidth(const BenchOptions *options, MPI_Comm comm, size_t size,
                            double bytes_per_sample, double *samples, int count)
{
    double local[3] = {0.0, 0.0, 0.0};
    double global[3];
    int rank = 0;
    MPI_Comm_rank(comm, &rank);
    if (count > 0) {
        double statistics[4];
        summarize(samples, count, statistics);
        /* Bandwidth of the median time, and of the fastest iteration. */
        local[0] = statistics[0] > 0 ? bytes_per_sample / statistics[0] / 1e6 : 0.0;
        local[1] = statistics[1] > 0 ? bytes_per_sample / statistics[1] / 1e6 : 0.0;
        local[2] = count;
    }
    MPI_Reduce(local, global, 2, MPI_DOUBLE, MPI_SUM, 0, comm);
    MPI_Reduce(&local[2], &global[2], 1, MPI_DOUBLE, MPI_MAX, 0, comm);
    if (rank != 0)
        return;
    if (options->full)
        printf("%zu %.2f %.2f %d\n", size, global[0], global[1], (int)global[2]);
    else
        printf("%zu %.2f\n", size, global[0]);
    fflush(stdout);
}

static void run_collective_size(const BenchOptions *options, const BenchCollective *collective,
                                size_t size, double *samples)
{
    /* The barrier benchmark is its own separator; any other operation gets one. */
    const int separate = g_kind != BENCH_COLLECTIVE_NO_SIZE;
    const int warmup = bench_warmup(options, size);
    const char *problem;
    double warmup_start;
    int iterations;
    int i;

    collective->prepare(size, collective->context);
    MPI_Barrier(MPI_COMM_WORLD);
    warmup_start = MPI_Wtime();
    for (i = 0; i < warmup; ++i) {
        collective->run(size, collective->context);
        if (separate)
            MPI_Barrier(MPI_COMM_WORLD);
    }
    iterations = bench_timed_iterations(options, size, MPI_Wtime() - warmup_start, warmup);

    collective->prepare(size, collective->context);
    MPI_Barrier(MPI_COMM_WORLD);
    collective->run(size, collective->context);
    problem = collective->check(size, collective->context);
    if (problem != NULL)
        bench_fail("wrong result at size %zu: %s", size, problem);

    MPI_Barrier(MPI_COMM_WORLD);
    for (i = 0; i < iterations; ++i) {
        double start = MPI_Wtime();
        collective->run(size, collective->context);
        samples[i] = MPI_Wtime() - start;
        if (separate)
            MPI_Barrier(MPI_COMM_WORLD);
    }
    bench_report_time(options, MPI_COMM_WORLD, size, samples, iterations);
}

void bench_run_collective(const BenchOptions *options, const BenchCollective *collective)
{
    double *samples = (double *)malloc(sizeof(double) * (size_t)options->iterations);
    size_t size;
    if (samples == NULL)
        bench_fail("cannot allocate %d samples", options->iterations);
    if (g_kind == BENCH_COLLECTIVE_NO_SIZE) {
        run_collective_size(options, collective, 0, samples);
    } else {
        for (size = bench_first_size(options); size != BENCH_SIZES_END;
             size = bench_next_size(options, size))
            run_collective_size(options, collective, size, samples);
    }
    free(samples);
}
