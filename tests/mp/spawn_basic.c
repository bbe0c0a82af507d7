/*
 * MPI_Comm_spawn: the world spawns N copies of this program (argv[1], default 2) and talks
 * to them over the intercommunicator: point-to-point both ways between every parent and
 * every child, MPI_Bcast with MPI_ROOT, MPI_Allreduce across the groups, MPI_Barrier, then
 * MPI_Comm_disconnect. The info keys env (a set and a forwarded variable) and wdir reach
 * the children, which check them. Runs under weftrun with any world size, and as a
 * singleton (no launcher: the library starts one behind the scenes).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mp_check.h"

#define VALUES 16

static int expected_value(int parent, int child, int i) { return parent * 1000 + child * 10 + i; }

static void run_child(int nchildren) {
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  CHECK(parent != MPI_COMM_NULL, "spawned process has a parent");
  int rank, size, remote, is_inter;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  CHECK_INT(size, nchildren, "children's world size");
  MPI_Comm_remote_size(parent, &remote);
  MPI_Comm_test_inter(parent, &is_inter);
  CHECK(is_inter, "the parent communicator is an intercommunicator");
  int rank_in_parent;
  MPI_Comm_rank(parent, &rank_in_parent);
  CHECK_INT(rank_in_parent, rank, "rank in the parent intercommunicator");

  /* Info keys. */
  const char* set = getenv("SPAWN_TEST_SET");
  CHECK(set != NULL && strcmp(set, "value with spaces") == 0, "env key sets a variable");
  const char* forwarded = getenv("SPAWN_TEST_FORWARDED");
  CHECK(forwarded != NULL && strcmp(forwarded, "from-the-parent") == 0,
           "env key forwards the parent's variable");
  char cwd[4096];
  CHECK(getcwd(cwd, sizeof cwd) != NULL, "getcwd");
  char want[4096];
  CHECK(realpath("/tmp", want) != NULL, "realpath /tmp");
  CHECK(strcmp(cwd, want) == 0, "wdir key sets the working directory");
  int* universe = NULL;
  int flag = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &universe, &flag);
  CHECK(flag && *universe >= 1, "MPI_UNIVERSE_SIZE is set");

  /* Point-to-point: from every parent, answered with a checksum. */
  for (int p = 0; p < remote; ++p) {
    int values[VALUES];
    MPI_Status status;
    MPI_Recv(values, VALUES, MPI_INT, p, 7, parent, &status);
    CHECK_INT(status.MPI_SOURCE, p, "source of a parent's message");
    long sum = 0;
    for (int i = 0; i < VALUES; ++i) {
      CHECK_INT(values[i], expected_value(p, rank, i), "value from a parent");
      sum += values[i];
    }
    long reply[2] = {sum, rank};
    MPI_Send(reply, 2, MPI_LONG, p, 8, parent);
  }
  /* Configuration from the parents' root. */
  int config[8];
  MPI_Bcast(config, 8, MPI_INT, 0, parent);
  for (int i = 0; i < 8; ++i) CHECK_INT(config[i], 31 * i + remote, "broadcast configuration");
  /* Allreduce across the groups: each side gets the other's sum. */
  int mine = 100 * (rank + 1), theirs = 0;
  MPI_Allreduce(&mine, &theirs, 1, MPI_INT, MPI_SUM, parent);
  CHECK_INT(theirs, remote * (remote + 1) / 2, "allreduce over the parent intercommunicator");
  /* The children's own world works as usual. */
  int total = 0;
  MPI_Allreduce(&rank, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  CHECK_INT(total, size * (size - 1) / 2, "allreduce among the children");
  MPI_Barrier(parent);
  MPI_Comm_disconnect(&parent);
  CHECK(parent == MPI_COMM_NULL, "disconnect sets the handle to MPI_COMM_NULL");
  MPI_Comm_get_parent(&parent);
  CHECK(parent == MPI_COMM_NULL, "no parent after the disconnect");
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int nchildren = argc > 1 ? atoi(argv[1]) : 2;
  if (argc > 2 && strcmp(argv[2], "child") == 0) {
    run_child(nchildren);
    MPI_Finalize();
    return 0;
  }
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  CHECK(parent == MPI_COMM_NULL, "a process started by the user has no parent");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  setenv("SPAWN_TEST_FORWARDED", "from-the-parent", 1);

  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "env", "SPAWN_TEST_SET=value with spaces\nSPAWN_TEST_FORWARDED");
  MPI_Info_set(info, "wdir", "/tmp");
  MPI_Info_set(info, "bind_to", "none");
  MPI_Info_set(info, "weft_unknown_key", "ignored");
  char count_text[16];
  snprintf(count_text, sizeof count_text, "%d", nchildren);
  char* child_argv[] = {count_text, "child", NULL};
  const int root = size - 1;
  MPI_Comm children;
  int* errcodes = malloc(sizeof(int) * (size_t)nchildren);
  for (int i = 0; i < nchildren; ++i) errcodes[i] = -1;
  int rc = MPI_Comm_spawn(argv[0], child_argv, nchildren, info, root, MPI_COMM_WORLD, &children,
                          errcodes);
  CHECK_INT(rc, MPI_SUCCESS, "MPI_Comm_spawn");
  if (rank == root) {
    for (int i = 0; i < nchildren; ++i) CHECK_INT(errcodes[i], MPI_SUCCESS, "errcode of a child");
  }
  MPI_Info_free(&info);
  int remote = 0, local = 0;
  MPI_Comm_remote_size(children, &remote);
  MPI_Comm_size(children, &local);
  CHECK_INT(remote, nchildren, "remote size of the children's intercommunicator");
  CHECK_INT(local, size, "local size of the children's intercommunicator");

  for (int c = 0; c < nchildren; ++c) {
    int values[VALUES];
    for (int i = 0; i < VALUES; ++i) values[i] = expected_value(rank, c, i);
    MPI_Send(values, VALUES, MPI_INT, c, 7, children);
  }
  for (int c = 0; c < nchildren; ++c) {
    long reply[2];
    MPI_Status status;
    MPI_Recv(reply, 2, MPI_LONG, MPI_ANY_SOURCE, 8, children, &status);
    const int child = (int)reply[1];
    CHECK_INT(status.MPI_SOURCE, child, "source of a child's reply");
    long sum = 0;
    for (int i = 0; i < VALUES; ++i) sum += expected_value(rank, child, i);
    CHECK(reply[0] == sum, "checksum from a child");
  }
  int config[8];
  for (int i = 0; i < 8; ++i) config[i] = 31 * i + size;
  MPI_Bcast(config, 8, MPI_INT, rank == 0 ? MPI_ROOT : MPI_PROC_NULL, children);
  int mine = rank + 1, theirs = 0;
  MPI_Allreduce(&mine, &theirs, 1, MPI_INT, MPI_SUM, children);
  int expected = 0;
  for (int c = 0; c < nchildren; ++c) expected += 100 * (c + 1);
  CHECK_INT(theirs, expected, "allreduce over the children's intercommunicator");
  MPI_Barrier(children);
  MPI_Comm_disconnect(&children);
  CHECK(children == MPI_COMM_NULL, "disconnect sets the handle to MPI_COMM_NULL");
  free(errcodes);
  MPI_Finalize();
  if (rank == 0) printf("spawn_basic: %d parents, %d children: ok\n", size, nchildren);
  return 0;
}
