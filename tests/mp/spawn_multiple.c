/*
 * MPI_Comm_spawn_multiple: two commands (this program with different arguments, counts and
 * info) started as one job: MPI_APPNUM is the command's index, each command's info reaches
 * only its own processes (env and path), the children's world holds both, and the
 * intercommunicator carries data both ways.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mp_check.h"

enum { kFirst = 2, kSecond = 3 };

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) {
    CHECK(argc > 1, "children get their arguments");
    const int command = atoi(argv[1]);
    CHECK_INT(size, kFirst + kSecond, "children's world holds both commands");
    int* appnum = NULL;
    int flag = 0;
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_APPNUM, &appnum, &flag);
    CHECK(flag, "MPI_APPNUM is set");
    CHECK_INT(*appnum, command, "MPI_APPNUM of a child");
    CHECK_INT(command, rank < kFirst ? 0 : 1, "children of the first command come first");
    const char* which = getenv("SPAWN_MULTIPLE_COMMAND");
    CHECK(which != NULL && atoi(which) == command, "env of its own command");
    int value = 100 * command + rank;
    MPI_Send(&value, 1, MPI_INT, 0, 5, parent);
    int echo = 0;
    MPI_Recv(&echo, 1, MPI_INT, 0, 6, parent, MPI_STATUS_IGNORE);
    CHECK_INT(echo, 2 * value, "echo from the parent");
    MPI_Comm_disconnect(&parent);
    MPI_Finalize();
    return 0;
  }
  char* args0[] = {"0", NULL};
  char* args1[] = {"1", NULL};
  char** args[] = {args0, args1};
  char* commands[] = {argv[0], argv[0]};
  int counts[] = {kFirst, kSecond};
  MPI_Info infos[2];
  MPI_Info_create(&infos[0]);
  MPI_Info_create(&infos[1]);
  MPI_Info_set(infos[0], "env", "SPAWN_MULTIPLE_COMMAND=0");
  MPI_Info_set(infos[1], "env", "SPAWN_MULTIPLE_COMMAND=1");
  MPI_Info_set(infos[1], "path", "/nonexistent-dir-first");
  int codes[kFirst + kSecond];
  MPI_Comm children;
  CHECK_MPI(MPI_Comm_spawn_multiple(2, commands, args, counts, infos, 0, MPI_COMM_WORLD,
                                    &children, codes));
  if (rank == 0) {
    for (int i = 0; i < kFirst + kSecond; ++i) CHECK_INT(codes[i], MPI_SUCCESS, "errcode %d", i);
  }
  MPI_Info_free(&infos[0]);
  MPI_Info_free(&infos[1]);
  int remote = 0;
  MPI_Comm_remote_size(children, &remote);
  CHECK_INT(remote, kFirst + kSecond, "remote size");
  if (rank == 0) {
    for (int i = 0; i < remote; ++i) {
      int value = 0;
      MPI_Status status;
      MPI_Recv(&value, 1, MPI_INT, MPI_ANY_SOURCE, 5, children, &status);
      const int child = status.MPI_SOURCE;
      CHECK_INT(value, 100 * (child < kFirst ? 0 : 1) + child, "value from child %d", child);
      int echo = 2 * value;
      MPI_Send(&echo, 1, MPI_INT, child, 6, children);
    }
  }
  MPI_Comm_disconnect(&children);
  mp_report_ok("spawn_multiple");
  MPI_Finalize();
  return 0;
}
