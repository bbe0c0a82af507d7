/* What weftrun hands a rank: checked by the rank itself, reported on stdout for the
 * driver. Options (all optional, any order):
 *   --env NAME=VALUE   getenv(NAME) must equal VALUE
 *   --wdir DIR         the working directory must be DIR
 *   --appnum N         MPI_APPNUM must be N
 *   --stdin            rank 0 prints the first line of its stdin; the other ranks check
 *                      that their stdin is empty
 * Every rank prints "rank R of S appnum A" and, when all checks pass, "rank R ok".
 * A failed check prints "rank R FAILED: ..." and the rank exits 1 after MPI_Finalize. */
#define _GNU_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures = 0;
static int rank = 0;

static void failed(const char* what, const char* detail) {
  printf("rank %d FAILED: %s %s\n", rank, what, detail);
  ++failures;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int* appnum_attr = NULL;
  int flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &appnum_attr, &flag);
  int appnum = flag ? *appnum_attr : -1;
  printf("rank %d of %d appnum %d\n", rank, size, appnum);

  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--env") == 0 && i + 1 < argc) {
      char* spec = argv[++i];
      char* equals = strchr(spec, '=');
      if (equals == NULL) {
        failed("bad --env", spec);
        continue;
      }
      *equals = '\0';
      const char* value = getenv(spec);
      if (value == NULL || strcmp(value, equals + 1) != 0) failed("environment variable", spec);
    } else if (strcmp(argv[i], "--wdir") == 0 && i + 1 < argc) {
      char here[4096];
      const char* expected = argv[++i];
      char resolved[4096];
      if (getcwd(here, sizeof here) == NULL || realpath(expected, resolved) == NULL ||
          strcmp(here, resolved) != 0) {
        failed("working directory is not", expected);
      }
    } else if (strcmp(argv[i], "--appnum") == 0 && i + 1 < argc) {
      const char* expected = argv[++i];
      if (appnum != atoi(expected)) failed("MPI_APPNUM is not", expected);
    } else if (strcmp(argv[i], "--stdin") == 0) {
      char line[256];
      if (rank == 0) {
        if (fgets(line, sizeof line, stdin) == NULL) {
          failed("stdin", "is empty on rank 0");
        } else {
          line[strcspn(line, "\n")] = '\0';
          printf("rank 0 read '%s'\n", line);
        }
      } else if (fgets(line, sizeof line, stdin) != NULL) {
        failed("stdin is not empty:", line);
      }
    } else {
      failed("unknown argument", argv[i]);
    }
  }
  if (failures == 0) printf("rank %d ok\n", rank);
  fflush(stdout);
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
