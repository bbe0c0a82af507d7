/*
 * footprint: what an MPI costs a process that does nothing much.
 *   - resident memory (VmRSS) of each rank after MPI_Init and one barrier (a hello-world
 *     job), mean and maximum over ranks;
 *   - CPU used by ranks blocked in MPI_Recv while rank 0 sleeps for S seconds without
 *     calling MPI (after any spin phase the library has, an idle rank should not burn a
 *     core), as a percentage of one core: maximum over the waiting ranks.
 * Usage: footprint [seconds] (default 2). Prints one line:
 *   rss_mean_kb rss_max_kb idle_cpu_percent_max
 * Linux only (/proc/self/status, getrusage). C99 against the standard mpi.h.
 */
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static long resident_kb(void)
{
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    long value = -1;
    if (status == NULL) return -1;
    while (fgets(line, sizeof line, status) != NULL) {
        if (strncmp(line, "VmRSS:", 6) == 0) sscanf(line + 6, "%ld", &value);
    }
    fclose(status);
    return value;
}

static double cpu_seconds(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_stime.tv_sec +
           1e-6 * (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

int main(int argc, char **argv)
{
    int rank, size, i, token = 0;
    double seconds = 2.0, percent = 0.0, max_percent = 0.0;
    long rss, rss_sum = 0, rss_max = 0;

    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1) seconds = atof(argv[1]);
    MPI_Barrier(MPI_COMM_WORLD);
    rss = resident_kb();

    if (rank == 0) {
        usleep((useconds_t)(seconds * 1e6));
        for (i = 1; i < size; ++i) MPI_Send(&token, 1, MPI_INT, i, 0, MPI_COMM_WORLD);
    } else {
        double cpu0 = cpu_seconds(), wall0 = MPI_Wtime();
        MPI_Recv(&token, 1, MPI_INT, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        percent = 100.0 * (cpu_seconds() - cpu0) / (MPI_Wtime() - wall0);
    }
    MPI_Reduce(&rss, &rss_sum, 1, MPI_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Reduce(&rss, &rss_max, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
    MPI_Reduce(&percent, &max_percent, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("%ld %ld %.1f\n", rss_sum / size, rss_max, max_percent);
    MPI_Finalize();
    return 0;
}
