/* Rank 0 connects to weftrun's PMI_PORT itself and checks that an init without the job
 * key, or with a wrong one, is refused with rc=-1 and the connection closed, while the
 * key from WEFT_PMI_KEY is accepted. Prints "pmi key check ok" on success; exits 1
 * (after MPI_Finalize) otherwise. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <mpi.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_to(const char* address) {
  char host[64];
  const char* colon = strrchr(address, ':');
  if (colon == NULL || (size_t)(colon - address) >= sizeof host) return -1;
  memcpy(host, address, (size_t)(colon - address));
  host[colon - address] = '\0';
  struct sockaddr_in peer;
  memset(&peer, 0, sizeof peer);
  peer.sin_family = AF_INET;
  peer.sin_port = htons((unsigned short)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &peer.sin_addr) != 1) return -1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr*)&peer, sizeof peer) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Sends `request`, reads one reply line into `reply`; returns 0 on success. */
static int exchange(int fd, const char* request, char* reply, size_t size) {
  size_t length = strlen(request);
  if (write(fd, request, length) != (ssize_t)length) return -1;
  size_t used = 0;
  while (used + 1 < size) {
    ssize_t got = read(fd, reply + used, 1);
    if (got <= 0) return -1;
    if (reply[used] == '\n') break;
    ++used;
  }
  reply[used] = '\0';
  return 0;
}

/* After a refusal the server must close the connection: read() sees end of file. */
static int closed_by_peer(int fd) {
  char byte;
  return read(fd, &byte, 1) == 0;
}

static int check_refused(const char* port, const char* request, const char* label) {
  char reply[512];
  int fd = connect_to(port);
  if (fd < 0) {
    printf("FAILED: cannot connect to PMI_PORT %s\n", port);
    return 1;
  }
  int failed = 0;
  if (exchange(fd, request, reply, sizeof reply) != 0) {
    printf("FAILED: no reply to an init %s\n", label);
    failed = 1;
  } else if (strstr(reply, "cmd=response_to_init") == NULL || strstr(reply, "rc=-1") == NULL) {
    printf("FAILED: an init %s got '%s'\n", label, reply);
    failed = 1;
  } else if (!closed_by_peer(fd)) {
    printf("FAILED: the connection stayed open after an init %s\n", label);
    failed = 1;
  } else {
    printf("init %s refused: %s\n", label, reply);
  }
  close(fd);
  return failed;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  int failures = 0;
  if (rank == 0) {
    const char* port = getenv("PMI_PORT");
    const char* key = getenv("WEFT_PMI_KEY");
    if (port == NULL || key == NULL) {
      printf("FAILED: PMI_PORT or WEFT_PMI_KEY is not set\n");
      failures = 1;
    } else {
      failures += check_refused(
          port, "cmd=init pmi_version=1 pmi_subversion=1 key=0123456789abcdef0123456789abcdef\n",
          "with a wrong key");
      failures += check_refused(port, "cmd=init pmi_version=1 pmi_subversion=1\n", "without a key");
      failures += check_refused(port, "cmd=get_maxes\n", "that is not an init");

      char request[256];
      char reply[512];
      snprintf(request, sizeof request, "cmd=init pmi_version=1 pmi_subversion=1 key=%s\n", key);
      int fd = connect_to(port);
      if (fd < 0 || exchange(fd, request, reply, sizeof reply) != 0 ||
          strstr(reply, "rc=0") == NULL) {
        printf("FAILED: the right key was not accepted\n");
        ++failures;
      } else if (exchange(fd, "cmd=get_maxes\n", reply, sizeof reply) != 0 ||
                 strstr(reply, "cmd=maxes") == NULL) {
        printf("FAILED: get_maxes after a good init got '%s'\n", reply);
        ++failures;
      } else {
        printf("init with the job key accepted\n");
      }
      if (fd >= 0) close(fd);
    }
    if (failures == 0) printf("pmi key check ok\n");
    fflush(stdout);
  }
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
