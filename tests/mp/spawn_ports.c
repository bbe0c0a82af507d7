/*
 * Ports, names and join between two spawned groups of one universe: the world spawns group
 * A (2 processes) and group B (3). A opens a port and publishes it under a service name; B
 * looks the name up (retrying until A has published it) and connects while A accepts. The
 * groups then exchange data over the new intercommunicator, merge it and reduce, and
 * disconnect. A's rank 0 and B's rank 0 also meet through MPI_Comm_join over a TCP socket
 * whose address goes through the name service. The errors: a port nobody opened
 * (MPI_ERR_PORT), an unknown service (MPI_ERR_NAME), a service published twice or
 * unpublished when absent (MPI_ERR_SERVICE). Each group reports to the world, which checks.
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
#include <time.h>
#include <unistd.h>

#include "mp_check.h"
#include "ports_common.h"

enum { kSizeA = 2, kSizeB = 3 };

static void talk(MPI_Comm inter, int side) {
  int rank, remote;
  MPI_Comm_rank(inter, &rank);
  MPI_Comm_remote_size(inter, &remote);
  for (int r = 0; r < remote; ++r) {
    int value = 1000 * side + 10 * rank + r;
    MPI_Send(&value, 1, MPI_INT, r, 4, inter);
  }
  for (int r = 0; r < remote; ++r) {
    int value = -1;
    MPI_Recv(&value, 1, MPI_INT, r, 4, inter, MPI_STATUS_IGNORE);
    CHECK_INT(value, 1000 * (1 - side) + 10 * r + rank, "value from remote rank %d", r);
  }
  MPI_Comm merged;
  CHECK_MPI(MPI_Intercomm_merge(inter, side, &merged));
  int size = 0, sum = 0, one = side == 0 ? 1 : 100;
  MPI_Comm_size(merged, &size);
  CHECK_INT(size, kSizeA + kSizeB, "merged size");
  MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, merged);
  CHECK_INT(sum, kSizeA * 1 + kSizeB * 100, "sum over the merged groups");
  MPI_Comm_free(&merged);
}

static void join_side(int side, const char* service) {
  int fd = join_socket(side, service);
  MPI_Comm joined;
  CHECK_MPI(MPI_Comm_join(fd, &joined));
  int remote = 0;
  MPI_Comm_remote_size(joined, &remote);
  CHECK_INT(remote, 1, "a joined intercommunicator has one remote process");
  int mine = 77 + side, theirs = -1;
  MPI_Sendrecv(&mine, 1, MPI_INT, 0, 9, &theirs, 1, MPI_INT, 0, 9, joined, MPI_STATUS_IGNORE);
  CHECK_INT(theirs, 77 + (1 - side), "value through the joined intercommunicator");
  MPI_Comm_disconnect(&joined);
  close(fd);
}

static void group(int side, const char* tag) {
  MPI_Comm parent;
  MPI_Comm_get_parent(&parent);
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  char service[128], join_service[128];
  snprintf(service, sizeof service, "weft-test-ports-%s", tag);
  snprintf(join_service, sizeof join_service, "weft-test-join-%s", tag);
  char port[MPI_MAX_PORT_NAME] = {0};
  MPI_Comm inter;
  if (side == 0) {
    if (rank == 0) {
      CHECK_MPI(MPI_Open_port(MPI_INFO_NULL, port));
      CHECK_MPI(MPI_Publish_name(service, MPI_INFO_NULL, port));
      MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
      int rc = MPI_Publish_name(service, MPI_INFO_NULL, port);
      CHECK_ERROR_CLASS(rc, MPI_ERR_SERVICE, "publishing a name twice");
    }
    CHECK_MPI(MPI_Comm_accept(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter));
    if (rank == 0) {
      CHECK_MPI(MPI_Unpublish_name(service, MPI_INFO_NULL, port));
      int rc = MPI_Unpublish_name(service, MPI_INFO_NULL, port);
      CHECK_ERROR_CLASS(rc, MPI_ERR_SERVICE, "unpublishing a name that is gone");
    }
  } else {
    if (rank == 0) lookup_retrying(service, port);
    CHECK_MPI(MPI_Comm_connect(port, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &inter));
  }
  talk(inter, side);
  MPI_Comm_disconnect(&inter);
  if (side == 0 && rank == 0) CHECK_MPI(MPI_Close_port(port));
  if (rank == 0) join_side(side, join_service);
  int done = 1;
  if (rank == 0) MPI_Send(&done, 1, MPI_INT, 0, 1, parent);
  MPI_Comm_disconnect(&parent);
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  if (argc > 2) {
    group(atoi(argv[1]), argv[2]);
    MPI_Finalize();
    return 0;
  }
  int rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  /* Errors first. */
  MPI_Comm none;
  int rc = MPI_Comm_connect("weft-port#nobody#0#0", MPI_INFO_NULL, 0, MPI_COMM_WORLD, &none);
  CHECK_ERROR_CLASS(rc, MPI_ERR_PORT, "connecting to a port nobody opened");
  CHECK(none == MPI_COMM_NULL, "no communicator from a failed connect");
  char port[MPI_MAX_PORT_NAME];
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  rc = MPI_Lookup_name("weft-test-no-such-service", MPI_INFO_NULL, port);
  CHECK_ERROR_CLASS(rc, MPI_ERR_NAME, "looking up an unknown service");

  char tag[32];
  snprintf(tag, sizeof tag, "%d", (int)getpid());
  MPI_Bcast(tag, sizeof tag, MPI_CHAR, 0, MPI_COMM_WORLD);
  char* args_a[] = {"0", tag, NULL};
  char* args_b[] = {"1", tag, NULL};
  MPI_Comm a, b;
  CHECK_MPI(MPI_Comm_spawn(argv[0], args_a, kSizeA, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &a,
                           MPI_ERRCODES_IGNORE));
  CHECK_MPI(MPI_Comm_spawn(argv[0], args_b, kSizeB, MPI_INFO_NULL, 0, MPI_COMM_WORLD, &b,
                           MPI_ERRCODES_IGNORE));
  if (rank == 0) {
    int done = 0;
    MPI_Recv(&done, 1, MPI_INT, 0, 1, a, MPI_STATUS_IGNORE);
    CHECK_INT(done, 1, "group A finished");
    MPI_Recv(&done, 1, MPI_INT, 0, 1, b, MPI_STATUS_IGNORE);
    CHECK_INT(done, 1, "group B finished");
  }
  MPI_Comm_disconnect(&a);
  MPI_Comm_disconnect(&b);
  mp_report_ok("spawn_ports");
  MPI_Finalize();
  return 0;
}
