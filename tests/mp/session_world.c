/*
 * Sessions and the world model in one process: a session made before MPI_Init, another
 * made after it, traffic interleaved on MPI_COMM_WORLD and on the sessions' communicators
 * (same tags, different communicators: nothing crosses over), MPI_Initialized and
 * MPI_Finalized reporting the world model only, MPI_Finalize while sessions are live (their
 * communicators keep working after it), and a session made after MPI_Finalize. Every value
 * is checked against a reference computed here.
 */
#include <mpi.h>

#include "mp_check.h"

static void check_world_state(int initialized, int finalized, const char *where) {
  int flag = -1;
  CHECK_MPI(MPI_Initialized(&flag));
  CHECK_INT(flag, initialized, "MPI_Initialized %s", where);
  CHECK_MPI(MPI_Finalized(&flag));
  CHECK_INT(flag, finalized, "MPI_Finalized %s", where);
}

static MPI_Comm session_world(MPI_Session session, const char *tag) {
  MPI_Group group;
  CHECK_MPI(MPI_Group_from_session_pset(session, "mpi://WORLD", &group));
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_create_from_group(group, tag, MPI_INFO_NULL, MPI_ERRORS_RETURN, &comm));
  CHECK_MPI(MPI_Group_free(&group));
  return comm;
}

/* Each rank sends its pattern to the right on every communicator with the same tag, then
 * receives from the left on each in the opposite order: each message must come from the
 * communicator it was sent on. */
static void interleave(MPI_Comm *comms, int count, int salt, const char *where) {
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(comms[0], &rank));
  CHECK_MPI(MPI_Comm_size(comms[0], &size));
  const int right = (rank + 1) % size;
  const int left = (rank + size - 1) % size;
  MPI_Request requests[8];
  int sent[4];
  for (int c = 0; c < count; ++c) {
    sent[c] = mp_pattern_int(rank, c, salt);
    CHECK_MPI(MPI_Isend(&sent[c], 1, MPI_INT, right, 5, comms[c], &requests[c]));
  }
  for (int c = count - 1; c >= 0; --c) {
    int got = -1;
    CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, left, 5, comms[c], MPI_STATUS_IGNORE));
    CHECK_INT(got, mp_pattern_int(left, c, salt), "%s: communicator %d", where, c);
  }
  CHECK_MPI(MPI_Waitall(count, requests, MPI_STATUSES_IGNORE));
  for (int c = 0; c < count; ++c) {
    long long sum = 0;
    long long mine = mp_pattern_int(rank, c, salt + 1);
    CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_LONG_LONG, MPI_SUM, comms[c]));
    long long expected = 0;
    for (int r = 0; r < size; ++r) expected += mp_pattern_int(r, c, salt + 1);
    CHECK_INT(sum, expected, "%s: allreduce on communicator %d", where, c);
    int *all = mp_malloc(sizeof(int) * (size_t)size);
    int one = mp_pattern_int(rank, c, salt + 2);
    CHECK_MPI(MPI_Allgather(&one, 1, MPI_INT, all, 1, MPI_INT, comms[c]));
    for (int r = 0; r < size; ++r) {
      CHECK_INT(all[r], mp_pattern_int(r, c, salt + 2), "%s: allgather %d from %d", where, c, r);
    }
    free(all);
    CHECK_MPI(MPI_Barrier(comms[c]));
  }
}

int main(int argc, char **argv) {
  check_world_state(0, 0, "at the start");
  MPI_Session early;
  CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &early));
  check_world_state(0, 0, "with a session before MPI_Init");
  MPI_Comm early_comm = session_world(early, "session_world.early");

  int provided = -1;
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided));
  check_world_state(1, 0, "after MPI_Init");
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  int early_rank = -1;
  CHECK_MPI(MPI_Comm_rank(early_comm, &early_rank));
  CHECK_INT(early_rank, rank, "rank from mpi://WORLD against MPI_COMM_WORLD");

  MPI_Session late;
  MPI_Info hints;
  CHECK_MPI(MPI_Info_create(&hints));
  CHECK_MPI(MPI_Info_set(hints, "mpi_thread_support_level", "MPI_THREAD_MULTIPLE"));
  CHECK_MPI(MPI_Session_init(hints, MPI_ERRORS_RETURN, &late));
  CHECK_MPI(MPI_Info_free(&hints));
  MPI_Comm late_comm = session_world(late, "session_world.late");
  int compare = -1;
  CHECK_MPI(MPI_Comm_compare(late_comm, MPI_COMM_WORLD, &compare));
  CHECK_INT(compare, MPI_CONGRUENT, "a communicator from mpi://WORLD against MPI_COMM_WORLD");

  MPI_Comm all[3] = {MPI_COMM_WORLD, early_comm, late_comm};
  interleave(all, 3, 1, "world model and two sessions");

  /* MPI_Finalize with both sessions live. */
  CHECK_MPI(MPI_Finalize());
  check_world_state(1, 1, "after MPI_Finalize");
  MPI_Comm sessions_only[2] = {early_comm, late_comm};
  interleave(sessions_only, 2, 2, "sessions after MPI_Finalize");
  CHECK_MPI(MPI_Comm_free(&early_comm));
  CHECK_MPI(MPI_Session_finalize(&early));
  interleave(&late_comm, 1, 3, "the last session, the other finalized");

  /* A session made after MPI_Finalize. */
  MPI_Session after;
  CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &after));
  MPI_Comm after_comm = session_world(after, "session_world.after");
  MPI_Comm pair[2] = {after_comm, late_comm};
  interleave(pair, 2, 4, "a session made after MPI_Finalize beside an older one");
  CHECK_MPI(MPI_Comm_free(&late_comm));
  CHECK_MPI(MPI_Session_finalize(&late));
  CHECK_MPI(MPI_Comm_free(&after_comm));
  CHECK_MPI(MPI_Session_finalize(&after));
  check_world_state(1, 1, "at the end");
  if (rank == 0) {
    printf("session_world: ok (%d ranks)\n", size);
    fflush(stdout);
  }
  return 0;
}
