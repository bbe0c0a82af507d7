/*
 * Ports, names and join between separately started jobs (tests/mp/two_jobs.py starts them:
 * two weftrun runs, or a weftrun run and a singleton). One program, in roles:
 *
 *   accept SERVICE PORTFILE   opens a port, publishes it as SERVICE (a second publish must be
 *                             MPI_ERR_SERVICE), writes the port name to PORTFILE, accepts
 *                             over MPI_COMM_WORLD and closes the port at once;
 *   connect SERVICE           looks SERVICE up (retrying until it appears: the other job may
 *                             be slower), checks the errors (an unknown service is
 *                             MPI_ERR_NAME, a malformed port and a port on a launcher that
 *                             does not exist are MPI_ERR_PORT, so are a connect and an
 *                             accept that run past info key timeout) and connects;
 *   then both: traffic both ways checked against values computed here, collectives over the
 *   intercommunicator (bcast from each side, allreduce, allgather, barrier), merge and an
 *   allreduce over the merged communicator with the order the merge promises, disconnect;
 *   the connecting side then connects again to the port, now closed, and accepts at it, another
 *   job's: MPI_ERR_PORT both. Rank 0 of
 *   each side then meets the other through MPI_Comm_join over a TCP socket whose address
 *   travels through the name service (SERVICE-join), exchanges values and disconnects.
 *   Both jobs then end on their own.
 *   stale SERVICE PORTFILE    run after both jobs ended: the port in PORTFILE now leads
 *                             nowhere (MPI_ERR_PORT) and SERVICE is gone (MPI_ERR_NAME).
 *   hold SERVICE FILE         publishes SERVICE, then waits until FILE exists and exits: a
 *                             job that serves the names and ends while others use them.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#include <mpi.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mp_check.h"
#include "ports_common.h"

/* What rank `rank` of side `side` sends to remote rank `to`. */
static int value_of(int side, int rank, int to, int i) { return 100000 * side + 1000 * rank + 10 * to + i; }

static void talk(MPI_Comm inter, int side) {
  int rank, size, remote;
  MPI_Comm_rank(inter, &rank);
  MPI_Comm_size(inter, &size);
  MPI_Comm_remote_size(inter, &remote);
  int flag = 0;
  MPI_Comm_test_inter(inter, &flag);
  CHECK(flag, "accept/connect gives an intercommunicator");

  /* Point to point, both ways, several messages per pair (order is kept). */
  enum { kCount = 3 };
  for (int r = 0; r < remote; ++r) {
    for (int i = 0; i < kCount; ++i) {
      int value = value_of(side, rank, r, i);
      MPI_Send(&value, 1, MPI_INT, r, 4, inter);
    }
  }
  for (int r = 0; r < remote; ++r) {
    for (int i = 0; i < kCount; ++i) {
      int value = -1;
      MPI_Status status;
      MPI_Recv(&value, 1, MPI_INT, r, 4, inter, &status);
      CHECK_INT(value, value_of(1 - side, r, rank, i), "message %d from remote rank %d", i, r);
      CHECK_INT(status.MPI_SOURCE, r, "source of a message from remote rank %d", r);
    }
  }
  /* A large message (past the eager limit) from rank 0 to rank 0 both ways. */
  enum { kLarge = 300000 };
  int* large = malloc(kLarge * sizeof(int));
  if (rank == 0) {
    for (int i = 0; i < kLarge; ++i) large[i] = i * 7 + side;
    MPI_Request request;
    MPI_Isend(large, kLarge, MPI_INT, 0, 5, inter, &request);
    int* back = malloc(kLarge * sizeof(int));
    MPI_Recv(back, kLarge, MPI_INT, 0, 5, inter, MPI_STATUS_IGNORE);
    MPI_Wait(&request, MPI_STATUS_IGNORE);
    for (int i = 0; i < kLarge; ++i) CHECK_INT(back[i], i * 7 + (1 - side), "large message element %d", i);
    free(back);
  }
  free(large);

  /* Bcast from rank 0 of each side in turn. */
  for (int root_side = 0; root_side < 2; ++root_side) {
    int data[4] = {0, 0, 0, 0};
    int root;
    if (side == root_side) {
      root = rank == 0 ? MPI_ROOT : MPI_PROC_NULL;
      if (rank == 0) {
        for (int i = 0; i < 4; ++i) data[i] = 31 * root_side + i;
      }
    } else {
      root = 0;
    }
    MPI_Bcast(data, 4, MPI_INT, root, inter);
    if (side != root_side) {
      for (int i = 0; i < 4; ++i) CHECK_INT(data[i], 31 * root_side + i, "bcast element %d from side %d", i, root_side);
    }
  }
  /* Allreduce: each side gets the reduction over the other side. */
  int mine = 1 + rank + 10 * side, sum = -1;
  MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, inter);
  int expected = 0;
  for (int r = 0; r < remote; ++r) expected += 1 + r + 10 * (1 - side);
  CHECK_INT(sum, expected, "intercommunicator allreduce");
  /* Allgather: each side gets the other's contributions in rank order. */
  int* gathered = malloc((size_t)remote * sizeof(int));
  int contribution = 500 * side + rank;
  MPI_Allgather(&contribution, 1, MPI_INT, gathered, 1, MPI_INT, inter);
  for (int r = 0; r < remote; ++r) CHECK_INT(gathered[r], 500 * (1 - side) + r, "allgather from remote rank %d", r);
  free(gathered);
  MPI_Barrier(inter);

  /* Merge: the accepting side (high = 0) first. */
  MPI_Comm merged;
  CHECK_MPI(MPI_Intercomm_merge(inter, side, &merged));
  int merged_rank, merged_size;
  MPI_Comm_rank(merged, &merged_rank);
  MPI_Comm_size(merged, &merged_size);
  CHECK_INT(merged_size, size + remote, "merged size");
  int accept_size = side == 0 ? size : remote;
  CHECK_INT(merged_rank, side == 0 ? rank : accept_size + rank, "rank in the merged communicator");
  int* ranks = malloc((size_t)merged_size * sizeof(int));
  MPI_Allgather(&merged_rank, 1, MPI_INT, ranks, 1, MPI_INT, merged);
  for (int r = 0; r < merged_size; ++r) CHECK_INT(ranks[r], r, "merged allgather element %d", r);
  free(ranks);
  int square = merged_rank * merged_rank, squares = 0;
  MPI_Allreduce(&square, &squares, 1, MPI_INT, MPI_SUM, merged);
  CHECK_INT(squares, (merged_size - 1) * merged_size * (2 * merged_size - 1) / 6, "merged allreduce");
  MPI_Comm_free(&merged);
}

static void join_side(int side, const char* service) {
  int fd = join_socket(side, service);
  MPI_Comm joined;
  CHECK_MPI(MPI_Comm_join(fd, &joined));
  int remote = 0;
  MPI_Comm_remote_size(joined, &remote);
  CHECK_INT(remote, 1, "a joined intercommunicator has one remote process");
  int mine[2] = {77 + side, 1234567 * (side + 1)}, theirs[2] = {-1, -1};
  MPI_Sendrecv(mine, 2, MPI_INT, 0, 9, theirs, 2, MPI_INT, 0, 9, joined, MPI_STATUS_IGNORE);
  CHECK_INT(theirs[0], 77 + (1 - side), "value through the joined intercommunicator");
  CHECK_INT(theirs[1], 1234567 * (2 - side), "second value through the joined intercommunicator");
  int sum = 0, one = side + 1;
  MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, joined);
  CHECK_INT(sum, 2 - side, "allreduce over the joined intercommunicator");
  MPI_Comm_disconnect(&joined);
  close(fd);
}

static void check_errors(void) {
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  char port[MPI_MAX_PORT_NAME];
  char unknown[128];
  snprintf(unknown, sizeof unknown, "weft-test-no-such-service-%d", (int)getpid());
  int rc = MPI_Lookup_name(unknown, MPI_INFO_NULL, port);
  CHECK_ERROR_CLASS(rc, MPI_ERR_NAME, "looking up an unknown service");
  MPI_Comm none = MPI_COMM_WORLD;
  rc = MPI_Comm_connect("not-a-port", MPI_INFO_NULL, 0, MPI_COMM_SELF, &none);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "connecting to a malformed port name");
  CHECK(none == MPI_COMM_NULL, "no communicator from a failed connect");
  /* Port 1 on loopback: no launcher listens there. */
  rc = MPI_Comm_connect("weft-port#127.0.0.1:1#00000000000000000000000000000000", MPI_INFO_NULL,
                        0, MPI_COMM_SELF, &none);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "connecting to a port whose job does not exist");

  /* Info key timeout: a connect nobody accepts and an accept nobody connects to end with
   * MPI_ERR_PORT (each on a port of its own); a bad value is MPI_ERR_INFO_VALUE. */
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "timeout", "1");
  char lonely[MPI_MAX_PORT_NAME];
  CHECK_MPI(MPI_Open_port(MPI_INFO_NULL, lonely));
  rc = MPI_Comm_connect(lonely, info, 0, MPI_COMM_SELF, &none);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "connecting with timeout=1 to a port nobody accepts at");
  CHECK(none == MPI_COMM_NULL, "no communicator from a connect that timed out");
  CHECK_MPI(MPI_Close_port(lonely));
  CHECK_MPI(MPI_Open_port(MPI_INFO_NULL, lonely));
  rc = MPI_Comm_accept(lonely, info, 0, MPI_COMM_SELF, &none);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "accepting with timeout=1 where nobody connects");
  CHECK_MPI(MPI_Close_port(lonely));
  rc = MPI_Close_port(lonely);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "closing a port twice");
  MPI_Info_set(info, "timeout", "soon");
  rc = MPI_Comm_connect(lonely, info, 0, MPI_COMM_SELF, &none);
  CHECK_ERROR_CLASS(rc, MPI_ERR_INFO_VALUE, "info key timeout=soon");
  MPI_Info_free(&info);
}

static void write_file(const char* path, const char* text) {
  char temporary[4096];
  snprintf(temporary, sizeof temporary, "%s.tmp", path);
  FILE* file = fopen(temporary, "w");
  CHECK(file != NULL, "cannot write %s", temporary);
  fputs(text, file);
  fclose(file);
  CHECK(rename(temporary, path) == 0, "rename to %s", path);
}

static void read_file(const char* path, char* text, size_t size) {
  FILE* file = fopen(path, "r");
  CHECK(file != NULL, "cannot read %s", path);
  CHECK(fgets(text, (int)size, file) != NULL, "empty %s", path);
  fclose(file);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  CHECK(argc >= 3, "usage: ports_jobs accept|connect|stale|hold SERVICE [FILE]");
  const char* role = argv[1];
  const char* service = argv[2];
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char join_service[256];
  snprintf(join_service, sizeof join_service, "%s-join", service);
  char port[MPI_MAX_PORT_NAME] = {0};

  if (strcmp(role, "stale") == 0) {
    CHECK(argc >= 4, "stale needs the port file");
    read_file(argv[3], port, sizeof port);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Comm none;
    int rc = MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_SELF, &none);
    CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "connecting to the port of a job that ended");
    char found[MPI_MAX_PORT_NAME];
    rc = MPI_Lookup_name(service, MPI_INFO_NULL, found);
    CHECK_ERROR_CLASS(rc, MPI_ERR_NAME, "looking up a service of a job that ended");
    mp_report_ok("ports_jobs-stale");
    MPI_Finalize();
    return 0;
  }
  if (strcmp(role, "hold") == 0) {
    CHECK(argc >= 4, "hold needs the file to wait for");
    if (rank == 0) {
      CHECK_MPI(MPI_Publish_name(service, MPI_INFO_NULL, "held"));
      char ready[4096];
      snprintf(ready, sizeof ready, "%s.held", argv[3]);
      write_file(ready, "held\n");
      struct stat info;
      for (int tries = 0; tries < 6000 && stat(argv[3], &info) != 0; ++tries) pause_ms(10);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
  }

  const int side = strcmp(role, "accept") == 0 ? 0 : 1;
  CHECK(side == 0 || strcmp(role, "connect") == 0, "unknown role %s", role);
  MPI_Comm inter;
  if (side == 0) {
    CHECK(argc >= 4, "accept needs the port file");
    if (rank == 0) {
      CHECK_MPI(MPI_Open_port(MPI_INFO_NULL, port));
      CHECK_MPI(MPI_Publish_name(service, MPI_INFO_NULL, port));
      MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
      int rc = MPI_Publish_name(service, MPI_INFO_NULL, port);
      CHECK_ERROR_CLASS(rc, MPI_ERR_SERVICE, "publishing a name twice");
      char line[MPI_MAX_PORT_NAME + 2];
      snprintf(line, sizeof line, "%s\n", port);
      write_file(argv[3], line);
    }
    CHECK_MPI(MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter));
    if (rank == 0) {
      CHECK_MPI(MPI_Close_port(port));
      CHECK_MPI(MPI_Unpublish_name(service, MPI_INFO_NULL, port));
      int rc = MPI_Unpublish_name(service, MPI_INFO_NULL, port);
      CHECK_ERROR_CLASS(rc, MPI_ERR_SERVICE, "unpublishing a name that is gone");
    }
  } else {
    if (rank == 0) {
      check_errors();
      lookup_retrying(service, port);
    }
    CHECK_MPI(MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter));
  }
  talk(inter, side);
  CHECK_MPI(MPI_Comm_disconnect(&inter));
  CHECK(inter == MPI_COMM_NULL, "disconnect sets the handle to MPI_COMM_NULL");
  if (side == 1) {
    /* The acceptor closed the port before the traffic above: connecting again fails. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm again;
    int rc = MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &again);
    CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "connecting to a closed port");
    CHECK(again == MPI_COMM_NULL, "no communicator from a connect to a closed port");
    /* A port of another job is not one to accept at. */
    rc = MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &again);
    CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "accepting at another job's port");
  }
  if (rank == 0) join_side(side, join_service);
  MPI_Barrier(MPI_COMM_WORLD);
  mp_report_ok(side == 0 ? "ports_jobs-accept" : "ports_jobs-connect");
  MPI_Finalize();
  return 0;
}
