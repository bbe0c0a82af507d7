/*
 * A spawned child that dies after its spawn completed is reported to its parents as a
 * failure of the intercommunicator, and the parents go on. Each round spawns NCHILD
 * children, checks traffic both ways (broadcast from the parents' root, one answer per
 * child and parent), then child VICTIM kills itself (SIGKILL) while the parents are blocked:
 *  - recv:      every parent in MPI_Recv from the victim; then MPI_Send to it, MPI_Probe
 *               and MPI_Iprobe on it fail too;
 *  - barrier:   every parent in MPI_Barrier on the intercommunicator;
 *  - anysource: every parent in MPI_Recv(MPI_ANY_SOURCE) on the intercommunicator;
 *  - collective: every parent in MPI_Allreduce over the merged intracommunicator (which
 *               holds the victim).
 * Every failure must be MPI_ERR_PROC_ABORTED with a message naming the signal and the pid;
 * the parents' own world keeps working (an allreduce checked against its serial value),
 * MPI_Comm_disconnect frees the broken intercommunicator (reporting the failure), and a
 * fresh spawn afterwards works with traffic checked again.
 * Arguments: rounds (default 1; each round runs every scenario), then optionally the one
 * scenario to run. With "fatal" as the scenario, the parent keeps MPI_ERRORS_ARE_FATAL on
 * the intercommunicator and blocks in a receive from the child that dies: the job must end
 * (registered as a test that must fail, so a hang is a failure too).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_check.h"

#define NCHILD 3
#define VICTIM 1

enum { TAG_ANSWER = 1, TAG_NEVER = 2 };

static void child(const char* scenario) {
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  CHECK(parent != MPI_COMM_NULL, "child has a parent");
  int rank, parents;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_remote_size(parent, &parents);
  int value = -1;
  MPI_Bcast(&value, 1, MPI_INT, 0, parent);
  for (int p = 0; p < parents; ++p) {
    int answer = value * 100 + rank * 10 + p;
    MPI_Send(&answer, 1, MPI_INT, p, TAG_ANSWER, parent);
  }
  MPI_Comm merged = MPI_COMM_NULL;
  if (strcmp(scenario, "collective") == 0) MPI_Intercomm_merge(parent, 1, &merged);
  if (strcmp(scenario, "ok") == 0) {
    MPI_Comm_disconnect(&parent);
    MPI_Finalize();
    exit(0);
  }
  if (rank == VICTIM) {
    /* Give the parents time to block in the operation under test. */
    usleep(200000);
    raise(SIGKILL);
  }
  /* The others wait for what never comes; the launcher ends them with their job. */
  int never;
  MPI_Recv(&never, 1, MPI_INT, 0, TAG_NEVER, parent, MPI_STATUS_IGNORE);
  CHECK(0, "child %d: a message that nobody sent arrived", rank);
}

static void check_failure(int rc, const char* what) {
  CHECK_ERROR_CLASS(rc, MPI_ERR_PROC_ABORTED, "%s", what);
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  CHECK(strstr(text, "pid") != NULL && strstr(text, "spawned job") != NULL,
        "%s: message \"%s\" names the process", what, text);
}

/* Spawns NCHILD children running `scenario`, checks the traffic, returns the
 * intercommunicator (MPI_ERRORS_RETURN set). */
static MPI_Comm spawn_children(const char* program, const char* scenario, int round) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char* args[] = {"child", (char*)scenario, NULL};
  int codes[NCHILD];
  MPI_Comm children;
  CHECK_MPI(MPI_Comm_spawn(program, args, NCHILD, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &children, codes));
  MPI_Comm_set_errhandler(children, MPI_ERRORS_RETURN);
  int remote = 0;
  MPI_Comm_remote_size(children, &remote);
  CHECK_INT(remote, NCHILD, "children of %s", scenario);
  int value = 7 + round;
  MPI_Bcast(&value, 1, MPI_INT, rank == 0 ? MPI_ROOT : MPI_PROC_NULL, children);
  for (int c = 0; c < NCHILD; ++c) {
    int answer = -1;
    CHECK_MPI(MPI_Recv(&answer, 1, MPI_INT, c, TAG_ANSWER, children, MPI_STATUS_IGNORE));
    CHECK_INT(answer, value * 100 + c * 10 + rank, "answer of child %d (%s)", c, scenario);
  }
  (void)size;
  return children;
}

static void world_still_works(const char* after) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int mine = rank + 1, sum = 0;
  CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD));
  CHECK_INT(sum, size * (size + 1) / 2, "world allreduce after %s", after);
}

static void disconnect_broken(MPI_Comm* children, const char* what) {
  int rc = MPI_Comm_disconnect(children);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PROC_ABORTED, "disconnect after %s", what);
  CHECK(*children == MPI_COMM_NULL, "disconnect after %s frees the communicator", what);
}

static void scenario(const char* program, const char* name, int round) {
  MPI_Comm children = spawn_children(program, name, round);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int buffer = 0;
  if (strcmp(name, "recv") == 0) {
    check_failure(MPI_Recv(&buffer, 1, MPI_INT, VICTIM, TAG_NEVER, children, MPI_STATUS_IGNORE),
                  "MPI_Recv from the dead child");
    check_failure(MPI_Send(&buffer, 1, MPI_INT, VICTIM, TAG_NEVER, children),
                  "MPI_Send to the dead child");
    check_failure(MPI_Probe(VICTIM, TAG_NEVER, children, MPI_STATUS_IGNORE),
                  "MPI_Probe on the dead child");
    int flag = 1;
    check_failure(MPI_Iprobe(VICTIM, TAG_NEVER, children, &flag, MPI_STATUS_IGNORE),
                  "MPI_Iprobe on the dead child");
    CHECK_INT(flag, 0, "MPI_Iprobe on the dead child finds nothing");
  } else if (strcmp(name, "barrier") == 0) {
    check_failure(MPI_Barrier(children), "MPI_Barrier on the intercommunicator");
  } else if (strcmp(name, "anysource") == 0) {
    check_failure(
        MPI_Recv(&buffer, 1, MPI_INT, MPI_ANY_SOURCE, TAG_NEVER, children, MPI_STATUS_IGNORE),
        "MPI_Recv(MPI_ANY_SOURCE) on the intercommunicator");
  } else if (strcmp(name, "collective") == 0) {
    MPI_Comm merged;
    CHECK_MPI(MPI_Intercomm_merge(children, 0, &merged));
    MPI_Comm_set_errhandler(merged, MPI_ERRORS_RETURN);
    int mine = 1, sum = 0;
    check_failure(MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, merged),
                  "MPI_Allreduce over the merged communicator");
    CHECK_MPI(MPI_Comm_free(&merged));
  }
  world_still_works(name);
  disconnect_broken(&children, name);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    child(argv[2]);
    MPI_Finalize();
    return 0;
  }
  if (argc > 2 && strcmp(argv[2], "fatal") == 0) {
    MPI_Comm children = spawn_children(argv[0], "recv", 0);
    MPI_Comm_set_errhandler(children, MPI_ERRORS_ARE_FATAL);
    int buffer;
    MPI_Recv(&buffer, 1, MPI_INT, VICTIM, TAG_NEVER, children, MPI_STATUS_IGNORE);
    printf("spawn_child_failure: the receive from a dead child returned under MPI_ERRORS_ARE_FATAL\n");
    MPI_Finalize();
    return 0;
  }
  int rounds = argc > 1 ? atoi(argv[1]) : 1;
  const char* names[] = {"recv", "barrier", "anysource", "collective"};
  for (int round = 0; round < rounds; ++round) {
    for (int s = 0; s < 4; ++s) {
      if (argc > 2 && strcmp(argv[2], names[s]) != 0) continue;
      scenario(argv[0], names[s], round);
      /* A replacement spawn works as if nothing had happened. */
      MPI_Comm fresh = spawn_children(argv[0], "ok", round);
      CHECK_MPI(MPI_Comm_disconnect(&fresh));
    }
  }
  world_still_works("every round");
  mp_report_ok("spawn_child_failure");
  MPI_Finalize();
  return 0;
}
