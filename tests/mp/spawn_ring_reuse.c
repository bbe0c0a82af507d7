/*
 * A long-lived parent spawns NCHILD children and disconnects from them, again and again,
 * many more times than a process has shared-memory rings for processes met later (the test
 * runs with WEFT_SHM_LATE_RINGS=4): the rings of disconnected children must be released and
 * claimed again, safely. Every round checks traffic both ways with values that depend on
 * the round, the child and the parent, so a record left over from an earlier user of a
 * ring cannot pass for a new one; a message of a few pages (more than one ring record)
 * goes each way too.
 * Arguments: rounds (default 200).
 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_check.h"

#define NCHILD 2
#define BIG 20000

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  static int big[BIG];
  if (parent != MPI_COMM_NULL) {
    int rank, parents;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_remote_size(parent, &parents);
    int round = -1;
    MPI_Bcast(&round, 1, MPI_INT, 0, parent);
    for (int p = 0; p < parents; ++p) {
      int answer = mp_pattern_int(rank, p, round);
      MPI_Send(&answer, 1, MPI_INT, p, 1, parent);
    }
    /* A larger message from the first parent, answered with its sum. */
    MPI_Recv(big, BIG, MPI_INT, 0, 2, parent, MPI_STATUS_IGNORE);
    long sum = 0;
    for (int i = 0; i < BIG; ++i) sum += big[i];
    for (int i = 0; i < BIG; ++i) big[i] = mp_pattern_int(rank, i, round);
    MPI_Send(big, BIG, MPI_INT, 0, 3, parent);
    MPI_Send(&sum, 1, MPI_LONG, 0, 4, parent);
    MPI_Comm_disconnect(&parent);
    MPI_Finalize();
    return 0;
  }
  int rounds = argc > 1 ? atoi(argv[1]) : 200;
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int round = 0; round < rounds; ++round) {
    MPI_Comm children;
    int codes[NCHILD];
    CHECK_MPI(MPI_Comm_spawn(argv[0], MPI_ARGV_NULL, NCHILD, MPI_INFO_NULL, 0, MPI_COMM_WORLD,
                             &children, codes));
    int value = round;
    MPI_Bcast(&value, 1, MPI_INT, rank == 0 ? MPI_ROOT : MPI_PROC_NULL, children);
    for (int c = 0; c < NCHILD; ++c) {
      int answer = -1;
      CHECK_MPI(MPI_Recv(&answer, 1, MPI_INT, c, 1, children, MPI_STATUS_IGNORE));
      CHECK_INT(answer, mp_pattern_int(c, rank, round), "round %d: answer of child %d", round, c);
    }
    if (rank == 0) {
      for (int c = 0; c < NCHILD; ++c) {
        long expected = 0;
        for (int i = 0; i < BIG; ++i) {
          big[i] = mp_pattern_int(round, i, c);
          expected += big[i];
        }
        CHECK_MPI(MPI_Send(big, BIG, MPI_INT, c, 2, children));
        CHECK_MPI(MPI_Recv(big, BIG, MPI_INT, c, 3, children, MPI_STATUS_IGNORE));
        for (int i = 0; i < BIG; ++i) {
          CHECK_INT(big[i], mp_pattern_int(c, i, round), "round %d: element %d from child %d",
                    round, i, c);
        }
        long sum = -1;
        CHECK_MPI(MPI_Recv(&sum, 1, MPI_LONG, c, 4, children, MPI_STATUS_IGNORE));
        CHECK(sum == expected, "round %d: child %d summed %ld, expected %ld", round, c, sum,
              expected);
      }
    }
    CHECK_MPI(MPI_Comm_disconnect(&children));
  }
  mp_report_ok("spawn_ring_reuse");
  MPI_Finalize();
  return 0;
}
