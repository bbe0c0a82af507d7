/*
 * What the ports tests share: looking a service name up until the other side has published
 * it, and the TCP socket two processes meet through for MPI_Comm_join (side 0 listens on a
 * loopback port and publishes its number under `service`; side 1 looks it up and connects).
 * Include after mp_check.h, with _POSIX_C_SOURCE and _DEFAULT_SOURCE defined.
 */
#ifndef WEFT_TESTS_MP_PORTS_COMMON_H
#define WEFT_TESTS_MP_PORTS_COMMON_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline void pause_ms(int ms) {
  struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* Looks a service up until it appears (the other side publishes it when it gets there);
 * until then the lookup must fail with MPI_ERR_NAME. */
static inline void lookup_retrying(const char* service, char* port) {
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  for (int tries = 0; tries < 4000; ++tries) {
    int rc = MPI_Lookup_name(service, MPI_INFO_NULL, port);
    if (rc == MPI_SUCCESS) return;
    CHECK_ERROR_CLASS(rc, MPI_ERR_NAME, "looking up %s before it is published", service);
    pause_ms(10);
  }
  CHECK(0, "service %s never appeared", service);
}

/* The connected socket for MPI_Comm_join between side 0 and side 1. */
static inline int join_socket(int side, const char* service) {
  int fd = -1;
  char text[MPI_MAX_PORT_NAME];
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (side == 0) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(listener, (struct sockaddr*)&address, sizeof address) == 0, "bind");
    CHECK(listen(listener, 1) == 0, "listen");
    socklen_t length = sizeof address;
    getsockname(listener, (struct sockaddr*)&address, &length);
    snprintf(text, sizeof text, "%d", ntohs(address.sin_port));
    CHECK_MPI(MPI_Publish_name(service, MPI_INFO_NULL, text));
    fd = accept(listener, NULL, NULL);
    close(listener);
    CHECK_MPI(MPI_Unpublish_name(service, MPI_INFO_NULL, text));
  } else {
    lookup_retrying(service, text);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    address.sin_port = htons((uint16_t)atoi(text));
    CHECK(connect(fd, (struct sockaddr*)&address, sizeof address) == 0, "connect for join");
  }
  CHECK(fd >= 0, "socket for join");
  return fd;
}

#endif
