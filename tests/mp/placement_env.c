/*
 * What a rank learns about its place before MPI_Init, checked against what MPI says after
 * it: PMI_RANK/PMI_SIZE (Hydra's names), OMPI_COMM_WORLD_RANK/_SIZE/_LOCAL_RANK/_LOCAL_SIZE/
 * _NODE_RANK (Open MPI's), MPI_LOCALRANKID/MPI_LOCALNRANKS, WEFT_LOCAL_RANK/_SIZE, and
 * CUDA_VISIBLE_DEVICES as weftrun --gpus hands it out. The local reference is computed here
 * from processor names gathered over MPI_COMM_WORLD (ranks with the same name share a
 * host). Also MPI_Comm_split_type with Open MPI's OMPI_COMM_TYPE_HOST, the literal 9 that
 * TensorRT-LLM passes: it must give the same per-host communicator as MPI_COMM_TYPE_SHARED.
 *
 * Arguments (all optional):
 *   --gpus LIST N       CUDA_VISIBLE_DEVICES must be the block of N entries of the
 *                       comma-separated LIST that starts at local rank * N
 *   --visible VALUE     CUDA_VISIBLE_DEVICES must be VALUE (weftrun left it alone)
 *   --unset NAME        NAME must not be set
 *   --env NAME=VALUE    NAME must be set to VALUE
 *   --print             every rank prints "placement rank R local L of N gpus G"
 *   --rendezvous DIR MINE OTHER
 *                       rank 0 creates DIR/MINE, then waits (up to 60 s) for DIR/OTHER:
 *                       two jobs started side by side meet while both are running
 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mp_check.h"

#define OMPI_COMM_TYPE_HOST_VALUE 9 /* Open MPI's enum value; not in a standard mpi.h */

enum { kVariables = 11 };
static const char *const kNames[kVariables] = {
    "PMI_RANK",          "PMI_SIZE",        "OMPI_COMM_WORLD_RANK",       "OMPI_COMM_WORLD_SIZE",
    "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE", "OMPI_COMM_WORLD_NODE_RANK",
    "MPI_LOCALRANKID",   "MPI_LOCALNRANKS", "WEFT_LOCAL_RANK",            "WEFT_LOCAL_SIZE"};

/* Copies taken before MPI_Init, so the check proves they were there before it. */
static char *before_init[kVariables];
static char *visible_before_init;

static char *copy_of(const char *text) {
  if (text == NULL) return NULL;
  char *copy = malloc(strlen(text) + 1);
  strcpy(copy, text);
  return copy;
}

static void check_number(int index, int expected) {
  char text[32];
  snprintf(text, sizeof text, "%d", expected);
  CHECK(before_init[index] != NULL, "%s is not set", kNames[index]);
  CHECK_STR(before_init[index], text, "%s", kNames[index]);
}

/* The block of `per_rank` entries of the comma-separated `list` that local rank `local`
 * should see. */
static void expected_gpus(const char *list, int per_rank, int local, char *out, size_t capacity) {
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", list);
  out[0] = '\0';
  int index = 0;
  for (char *save = NULL, *entry = strtok_r(copy, ",", &save); entry != NULL;
       entry = strtok_r(NULL, ",", &save), ++index) {
    if (index < local * per_rank || index >= (local + 1) * per_rank) continue;
    if (out[0] != '\0') strncat(out, ",", capacity - strlen(out) - 1);
    strncat(out, entry, capacity - strlen(out) - 1);
  }
}

static void sleep_briefly(void) {
  struct timespec pause = {0, 10 * 1000 * 1000};
  nanosleep(&pause, NULL);
}

int main(int argc, char **argv) {
  for (int i = 0; i < kVariables; ++i) before_init[i] = copy_of(getenv(kNames[i]));
  visible_before_init = copy_of(getenv("CUDA_VISIBLE_DEVICES"));

  MPI_Init(&argc, &argv);
  const int rank = mp_world_rank();
  const int size = mp_world_size();

  /* The reference: ranks whose processor names match share a host; the local rank is the
   * position among them in world-rank order. */
  char name[MPI_MAX_PROCESSOR_NAME] = {0};
  int length = 0;
  CHECK_MPI(MPI_Get_processor_name(name, &length));
  char *names = calloc((size_t)size, MPI_MAX_PROCESSOR_NAME);
  CHECK_MPI(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names, MPI_MAX_PROCESSOR_NAME,
                          MPI_CHAR, MPI_COMM_WORLD));
  int local_rank = 0;
  int local_size = 0;
  long long local_rank_sum = 0;
  for (int r = 0; r < size; ++r) {
    if (strcmp(names + (size_t)r * MPI_MAX_PROCESSOR_NAME, name) != 0) continue;
    if (r < rank) ++local_rank;
    ++local_size;
    local_rank_sum += r;
  }

  check_number(0, rank);
  check_number(1, size);
  check_number(2, rank);
  check_number(3, size);
  check_number(4, local_rank);
  check_number(5, local_size);
  check_number(6, local_rank);
  check_number(7, local_rank);
  check_number(8, local_size);
  check_number(9, local_rank);
  check_number(10, local_size);

  /* Split type 9 = the host communicator: the same members as MPI_COMM_TYPE_SHARED, and
   * ordered by the key (reversed world order here). */
  MPI_Comm shared = MPI_COMM_NULL;
  MPI_Comm host = MPI_COMM_NULL;
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &shared));
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, OMPI_COMM_TYPE_HOST_VALUE, size - rank,
                                MPI_INFO_NULL, &host));
  CHECK(host != MPI_COMM_NULL, "split type 9 gave MPI_COMM_NULL");
  int host_rank = -1;
  int host_size = -1;
  CHECK_MPI(MPI_Comm_rank(host, &host_rank));
  CHECK_MPI(MPI_Comm_size(host, &host_size));
  CHECK_INT(host_size, local_size, "size of the split type 9 communicator");
  CHECK_INT(host_rank, local_size - 1 - local_rank, "rank in the split type 9 communicator (reversed keys)");
  int shared_rank = -1;
  CHECK_MPI(MPI_Comm_rank(shared, &shared_rank));
  CHECK_INT(shared_rank, local_rank, "rank in the MPI_COMM_TYPE_SHARED communicator");
  int comparison = -1;
  CHECK_MPI(MPI_Comm_compare(shared, host, &comparison));
  CHECK_INT(comparison, local_size == 1 ? MPI_CONGRUENT : MPI_SIMILAR,
            "MPI_Comm_compare(shared, host) with reversed keys");
  long long mine = rank;
  long long sum = -1;
  CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, host));
  CHECK_INT(sum, local_rank_sum, "sum of the world ranks over the split type 9 communicator");
  /* With key 0 everywhere the order is the parent's: congruent with the shared split. */
  MPI_Comm host_in_order = MPI_COMM_NULL;
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, OMPI_COMM_TYPE_HOST_VALUE, 0, MPI_INFO_NULL,
                                &host_in_order));
  CHECK_MPI(MPI_Comm_compare(shared, host_in_order, &comparison));
  CHECK_INT(comparison, MPI_CONGRUENT, "MPI_Comm_compare(shared, split type 9 with key 0)");
  /* Its neighbour value 10 (Open MPI's OMPI_COMM_TYPE_CU) means nothing to weft. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm unknown = MPI_COMM_NULL;
  int rc = MPI_Comm_split_type(MPI_COMM_WORLD, 10, 0, MPI_INFO_NULL, &unknown);
  if (!MP_MPICH_DEVIATION) CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "split type 10");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

  const char *visible = visible_before_init;
  int print = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--gpus") == 0 && i + 2 < argc) {
      char expected[1024];
      expected_gpus(argv[i + 1], atoi(argv[i + 2]), local_rank, expected, sizeof expected);
      CHECK(expected[0] != '\0', "the test's --gpus list is too short");
      CHECK(visible != NULL, "CUDA_VISIBLE_DEVICES is not set");
      CHECK_STR(visible, expected, "CUDA_VISIBLE_DEVICES of local rank %d", local_rank);
      i += 2;
    } else if (strcmp(argv[i], "--visible") == 0 && i + 1 < argc) {
      CHECK(visible != NULL, "CUDA_VISIBLE_DEVICES is not set");
      CHECK_STR(visible, argv[i + 1], "CUDA_VISIBLE_DEVICES (weftrun must leave it alone)");
      ++i;
    } else if (strcmp(argv[i], "--unset") == 0 && i + 1 < argc) {
      CHECK(getenv(argv[i + 1]) == NULL, "%s is set", argv[i + 1]);
      ++i;
    } else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc) {
      char spec[512];
      snprintf(spec, sizeof spec, "%s", argv[++i]);
      char *equals = strchr(spec, '=');
      CHECK(equals != NULL, "--env %s has no '='", spec);
      *equals = '\0';
      const char *value = getenv(spec);
      CHECK(value != NULL, "%s is not set", spec);
      CHECK_STR(value, equals + 1, "%s", spec);
    } else if (strcmp(argv[i], "--print") == 0) {
      print = 1;
    } else if (strcmp(argv[i], "--rendezvous") == 0 && i + 3 < argc) {
      if (rank == 0) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", argv[i + 1], argv[i + 2]);
        FILE *mark = fopen(path, "w");
        CHECK(mark != NULL, "cannot create %s", path);
        fclose(mark);
        snprintf(path, sizeof path, "%s/%s", argv[i + 1], argv[i + 3]);
        int waited = 0;
        FILE *other = NULL;
        while ((other = fopen(path, "r")) == NULL && waited < 6000) {
          sleep_briefly();
          ++waited;
        }
        CHECK(other != NULL, "the other job never created %s", path);
        fclose(other);
      }
      CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
      i += 3;
    } else {
      CHECK(0, "unknown argument %s", argv[i]);
    }
  }
  if (print) {
    printf("placement rank %d local %d of %d gpus %s\n", rank, local_rank, local_size,
           visible != NULL ? visible : "(unset)");
    fflush(stdout);
  }

  MPI_Comm_free(&host_in_order);
  MPI_Comm_free(&host);
  MPI_Comm_free(&shared);
  free(names);
  for (int i = 0; i < kVariables; ++i) free(before_init[i]);
  free(visible_before_init);
  CHECK_MPI(MPI_Finalize());
  return 0;
}
