/*
 * Spawn in turn: the world spawns 2 children; the children, collectively, spawn 3
 * grandchildren. Each grandchild sends a value to every child; the children add them up
 * and report to every parent, which checks the total against its own computation. Then the
 * parents and children merge their intercommunicator (both with high = 0, so the order
 * comes from the tie rule, which both sides must apply alike) and check the merged order
 * with an allgather.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_check.h"

enum { kChildren = 2, kGrandchildren = 3 };

static int grandchild_value(int grandchild, int child) { return 1000 * (grandchild + 1) + child; }

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  const int level = argc > 1 ? atoi(argv[1]) : 0;

  if (level == 2) {
    CHECK(parent != MPI_COMM_NULL, "grandchild has a parent");
    int remote;
    MPI_Comm_remote_size(parent, &remote);
    CHECK_INT(remote, kChildren, "a grandchild's parents are the children");
    CHECK_INT(size, kGrandchildren, "grandchildren's world");
    for (int c = 0; c < remote; ++c) {
      int value = grandchild_value(rank, c);
      MPI_Send(&value, 1, MPI_INT, c, 21, parent);
    }
    MPI_Comm_disconnect(&parent);
    MPI_Finalize();
    return 0;
  }

  if (level == 1) {
    CHECK(parent != MPI_COMM_NULL, "child has a parent");
    CHECK_INT(size, kChildren, "children's world");
    char* args[] = {"2", NULL};
    MPI_Comm grandchildren;
    int codes[kGrandchildren];
    CHECK_MPI(MPI_Comm_spawn(argv[0], args, kGrandchildren, MPI_INFO_NULL, 1, MPI_COMM_WORLD,
                             &grandchildren, codes));
    int sum = 0;
    for (int g = 0; g < kGrandchildren; ++g) {
      int value;
      MPI_Status status;
      MPI_Recv(&value, 1, MPI_INT, MPI_ANY_SOURCE, 21, grandchildren, &status);
      CHECK_INT(value, grandchild_value(status.MPI_SOURCE, rank), "value from grandchild");
      sum += value;
    }
    MPI_Comm_disconnect(&grandchildren);
    int parents;
    MPI_Comm_remote_size(parent, &parents);
    for (int p = 0; p < parents; ++p) MPI_Send(&sum, 1, MPI_INT, p, 22, parent);
  } else {
    CHECK(parent == MPI_COMM_NULL, "the first generation has no parent");
    char* args[] = {"1", NULL};
    MPI_Comm children;
    CHECK_MPI(MPI_Comm_spawn(argv[0], args, kChildren, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &children,
                             MPI_ERRCODES_IGNORE));
    for (int c = 0; c < kChildren; ++c) {
      int sum = 0;
      MPI_Status status;
      MPI_Recv(&sum, 1, MPI_INT, MPI_ANY_SOURCE, 22, children, &status);
      int expected = 0;
      for (int g = 0; g < kGrandchildren; ++g) expected += grandchild_value(g, status.MPI_SOURCE);
      CHECK_INT(sum, expected, "total the child %d collected", status.MPI_SOURCE);
    }
    parent = children;
  }

  /* Merge parents and children; both pass high = 0. Each member contributes
   * (generation, rank); the merged order must be one whole group, then the other. */
  MPI_Comm merged;
  CHECK_MPI(MPI_Intercomm_merge(parent, 0, &merged));
  int merged_size, merged_rank;
  MPI_Comm_size(merged, &merged_size);
  MPI_Comm_rank(merged, &merged_rank);
  int local_size, remote_size;
  MPI_Comm_size(parent, &local_size);
  MPI_Comm_remote_size(parent, &remote_size);
  CHECK_INT(merged_size, local_size + remote_size, "merged size");
  int mine[2] = {level, rank};
  int* all = mp_malloc(sizeof(int) * 2 * (size_t)merged_size);
  MPI_Allgather(mine, 2, MPI_INT, all, 2, MPI_INT, merged);
  const int first_level = all[0];
  const int first_size = first_level == level ? local_size : remote_size;
  for (int i = 0; i < merged_size; ++i) {
    const int in_first = i < first_size;
    CHECK_INT(all[2 * i], in_first ? first_level : 1 - first_level, "generation at merged rank %d", i);
    CHECK_INT(all[2 * i + 1], in_first ? i : i - first_size, "rank at merged rank %d", i);
  }
  CHECK_INT(all[2 * merged_rank], level, "own entry");
  free(all);
  MPI_Comm_free(&merged);
  MPI_Comm_disconnect(&parent);
  if (level == 0) mp_report_ok("spawn_nested");
  MPI_Finalize();
  return 0;
}
