/*
 * MPI_Comm_spawn failures, each answered within seconds with MPI_ERR_SPAWN and a code per
 * process, leaving parent and job usable: a command that does not exist, a file that is
 * not executable, children that exit before MPI_Init completes, a host that is not this
 * one. Then `soft` (fewer processes than maxprocs, the rest marked MPI_ERR_SPAWN) and a
 * good spawn, to show nothing was left broken.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mp_check.h"

#define MAXPROCS 3

static void expect_failure(const char* what, const char* command, char** args, MPI_Info info,
                           const char* must_mention) {
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int codes[MAXPROCS] = {-1, -1, -1};
  MPI_Comm children = MPI_COMM_WORLD;
  int rc = MPI_Comm_spawn(command, args, MAXPROCS, info, 0, MPI_COMM_WORLD, &children, codes);
  CHECK_ERROR_CLASS(rc, MPI_ERR_SPAWN, "%s", what);
  CHECK(children == MPI_COMM_NULL, "%s: intercomm is MPI_COMM_NULL", what);
  if (rank == 0) {
    for (int i = 0; i < MAXPROCS; ++i) CHECK_INT(codes[i], MPI_ERR_SPAWN, "%s: errcode %d", what, i);
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    if (must_mention != NULL) {
      CHECK(strstr(text, must_mention) != NULL, "%s: message \"%s\" names %s", what, text, must_mention);
    }
  }
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc > 1 && strcmp(argv[1], "die-early") == 0) {
    /* Never reached: the child exits before MPI_Init below would matter. */
    MPI_Finalize();
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    MPI_Comm parent;
    MPI_Comm_get_parent(&parent);
    CHECK(parent != MPI_COMM_NULL, "child has a parent");
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int remote;
    MPI_Comm_remote_size(parent, &remote);
    if (rank == 0) {
      for (int p = 0; p < remote; ++p) MPI_Send(&rank, 1, MPI_INT, p, 3, parent);
    }
    MPI_Comm_disconnect(&parent);
    MPI_Finalize();
    return 0;
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);

  expect_failure("missing command", "/nonexistent/weft-spawn-test", MPI_ARGV_NULL, MPI_INFO_NULL,
                 "/nonexistent/weft-spawn-test");

  char plain[64];
  snprintf(plain, sizeof plain, "/tmp/weft-spawn-plain-%d", (int)getpid());
  if (rank == 0) {
    FILE* file = fopen(plain, "w");
    CHECK(file != NULL, "create %s", plain);
    fputs("not a program\n", file);
    fclose(file);
  }
  expect_failure("file that is not executable", plain, MPI_ARGV_NULL, MPI_INFO_NULL, "executable");
  if (rank == 0) unlink(plain);

  /* The children exit at once: a shell script stands in for a program that dies in
   * start-up (before MPI_Init completes). */
  char dying[64];
  snprintf(dying, sizeof dying, "/tmp/weft-spawn-dying-%d", (int)getpid());
  if (rank == 0) {
    FILE* file = fopen(dying, "w");
    CHECK(file != NULL, "create %s", dying);
    fputs("#!/bin/sh\nexit 3\n", file);
    fclose(file);
    chmod(dying, 0755);
  }
  MPI_Barrier(MPI_COMM_WORLD);
  expect_failure("children that exit in start-up", dying, MPI_ARGV_NULL, MPI_INFO_NULL, "status 3");
  if (rank == 0) unlink(dying);

  MPI_Info elsewhere;
  MPI_Info_create(&elsewhere);
  MPI_Info_set(elsewhere, "host", "weft-no-such-host.invalid");
  char* child_args[] = {"child", NULL};
  expect_failure("another host", argv[0], child_args, elsewhere, "weft-no-such-host.invalid");
  MPI_Info_free(&elsewhere);

  /* soft: as many as allowed up to maxprocs; the processes not started are marked. */
  MPI_Info soft;
  MPI_Info_create(&soft);
  MPI_Info_set(soft, "soft", "1:2");
  MPI_Info_set(soft, "host", "localhost");
  int codes[4] = {-1, -1, -1, -1};
  MPI_Comm children;
  int rc = MPI_Comm_spawn(argv[0], child_args, 4, soft, 0, MPI_COMM_WORLD, &children, codes);
  CHECK_INT(rc, MPI_SUCCESS, "spawn with soft=1:2");
  MPI_Info_free(&soft);
  int remote = 0;
  MPI_Comm_remote_size(children, &remote);
  CHECK_INT(remote, 2, "soft=1:2 of maxprocs 4 starts 2");
  if (rank == 0) {
    const int want[4] = {MPI_SUCCESS, MPI_SUCCESS, MPI_ERR_SPAWN, MPI_ERR_SPAWN};
    for (int i = 0; i < 4; ++i) CHECK_INT(codes[i], want[i], "errcode %d with soft", i);
  }
  int from = -1;
  MPI_Recv(&from, 1, MPI_INT, 0, 3, children, MPI_STATUS_IGNORE);
  CHECK_INT(from, 0, "message from the first child");
  MPI_Comm_disconnect(&children);

  mp_report_ok("spawn_errors");
  MPI_Finalize();
  return 0;
}
