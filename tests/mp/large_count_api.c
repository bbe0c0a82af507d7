/*
 * Every large-count _c call against its int twin, with small counts: the same operations run
 * once through the int calls and once through the _c calls, and each run is checked against
 * the reference computed here (the data each rank must receive, source, tag, count), so both
 * forms deliver the same data and statuses. Bad input (a negative count, a rank or tag out
 * of range, a NULL buffer, a null datatype) gives the same error class through both. The
 * counts that only the _c forms hold (a status of more than INT_MAX elements, an attached
 * buffer of more than INT_MAX bytes) come back as the standard says: MPI_UNDEFINED from
 * MPI_Get_count/MPI_Get_elements, MPI_ERR_VALUE_TOO_LARGE from MPI_Buffer_detach.
 *
 * Point-to-point runs around a ring (send to rank+1, receive from rank-1); rank r sends
 * kBase + r ints, so every received count names its sender.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <limits.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "mp_check.h"

enum { kBase = 37, kMax = 64 };

static int g_rank, g_size, g_next, g_prev;

/* The int call or its _c twin with the same arguments. */
#define TWIN(large, name, ...) ((large) ? name##_c(__VA_ARGS__) : name(__VA_ARGS__))

static void fill(int *data, int rank, int salt) {
  for (int i = 0; i < kMax; i++) data[i] = mp_pattern_int(rank, i, salt);
}

/* The message from g_prev with `salt` arrived whole, nothing past it was written, and the
 * status says so through every count query of both forms. */
static void check_received(const int *data, const MPI_Status *status, int tag, int salt,
                           const char *what, int large) {
  const int count = kBase + g_prev;
  for (int i = 0; i < count; i++) {
    CHECK_INT(data[i], mp_pattern_int(g_prev, i, salt), "%s (%s) element %d", what,
              large ? "_c" : "int", i);
  }
  for (int i = count; i < kMax; i++) CHECK_INT(data[i], -1, "%s: element %d past the message", what, i);
  if (status == MPI_STATUS_IGNORE) return;
  CHECK_INT(status->MPI_SOURCE, g_prev, "%s (%s) source", what, large ? "_c" : "int");
  CHECK_INT(status->MPI_TAG, tag, "%s (%s) tag", what, large ? "_c" : "int");
  int n = -7;
  MPI_Count n_c = -7;
  CHECK_MPI(MPI_Get_count(status, MPI_INT, &n));
  CHECK_INT(n, count, "%s: MPI_Get_count", what);
  CHECK_MPI(MPI_Get_count_c(status, MPI_INT, &n_c));
  CHECK_INT(n_c, count, "%s: MPI_Get_count_c", what);
  CHECK_MPI(MPI_Get_elements(status, MPI_INT, &n));
  CHECK_INT(n, count, "%s: MPI_Get_elements", what);
  CHECK_MPI(MPI_Get_elements_c(status, MPI_INT, &n_c));
  CHECK_INT(n_c, count, "%s: MPI_Get_elements_c", what);
  CHECK_MPI(MPI_Get_count_c(status, MPI_BYTE, &n_c));
  CHECK_INT(n_c, count * (int)sizeof(int), "%s: MPI_Get_count_c in bytes", what);
}

static void clear(int *data) {
  for (int i = 0; i < kMax; i++) data[i] = -1;
}

/* One pass over every point-to-point call, through the int forms (large = 0) or the _c forms. */
static void p2p_pass(int large) {
  MPI_Comm comm = MPI_COMM_WORLD;
  const int n = kBase + g_rank;
  int out[kMax], in[kMax];
  MPI_Status status;
  MPI_Request requests[2];
  const char *form = large ? "_c" : "int";

  /* Send / Recv. */
  fill(out, g_rank, 1);
  clear(in);
  CHECK_MPI(MPI_Irecv(in, kMax, MPI_INT, g_prev, 1, comm, &requests[0]));
  CHECK_MPI(TWIN(large, MPI_Send, out, n, MPI_INT, g_next, 1, comm));
  CHECK_MPI(MPI_Wait(&requests[0], &status));
  check_received(in, &status, 1, 1, "MPI_Send", large);

  clear(in);
  CHECK_MPI(MPI_Isend(out, n, MPI_INT, g_next, 2, comm, &requests[0]));
  CHECK_MPI(TWIN(large, MPI_Recv, in, kMax, MPI_INT, g_prev, 2, comm, &status));
  CHECK_MPI(MPI_Wait(&requests[0], MPI_STATUS_IGNORE));
  check_received(in, &status, 2, 1, "MPI_Recv", large);

  /* Ssend and Rsend against a receive posted first (Irecv and its twin). */
  fill(out, g_rank, 3);
  clear(in);
  CHECK_MPI(TWIN(large, MPI_Irecv, in, kMax, MPI_INT, g_prev, 3, comm, &requests[0]));
  CHECK_MPI(TWIN(large, MPI_Ssend, out, n, MPI_INT, g_next, 3, comm));
  CHECK_MPI(MPI_Wait(&requests[0], &status));
  check_received(in, &status, 3, 3, "MPI_Ssend/MPI_Irecv", large);

  clear(in);
  CHECK_MPI(TWIN(large, MPI_Irecv, in, kMax, MPI_INT, g_prev, 4, comm, &requests[0]));
  CHECK_MPI(MPI_Barrier(comm));
  CHECK_MPI(TWIN(large, MPI_Rsend, out, n, MPI_INT, g_next, 4, comm));
  CHECK_MPI(MPI_Wait(&requests[0], &status));
  check_received(in, &status, 4, 3, "MPI_Rsend", large);

  /* Bsend through a buffer attached and detached by the same form. */
  const int buffer_bytes = 4 * (kMax * (int)sizeof(int) + MPI_BSEND_OVERHEAD);
  char *attached = mp_malloc((size_t)buffer_bytes);
  CHECK_MPI(TWIN(large, MPI_Buffer_attach, attached, buffer_bytes));
  fill(out, g_rank, 5);
  clear(in);
  CHECK_MPI(TWIN(large, MPI_Bsend, out, n, MPI_INT, g_next, 5, comm));
  CHECK_MPI(MPI_Recv(in, kMax, MPI_INT, g_prev, 5, comm, &status));
  check_received(in, &status, 5, 5, "MPI_Bsend", large);
  clear(in);
  CHECK_MPI(TWIN(large, MPI_Ibsend, out, n, MPI_INT, g_next, 6, comm, &requests[0]));
  CHECK_MPI(MPI_Recv(in, kMax, MPI_INT, g_prev, 6, comm, &status));
  CHECK_MPI(MPI_Wait(&requests[0], MPI_STATUS_IGNORE));
  check_received(in, &status, 6, 5, "MPI_Ibsend", large);
  void *detached = NULL;
  if (large) {
    MPI_Count detached_size = -1;
    CHECK_MPI(MPI_Buffer_detach_c(&detached, &detached_size));
    CHECK_INT(detached_size, buffer_bytes, "MPI_Buffer_detach_c size");
  } else {
    int detached_size = -1;
    CHECK_MPI(MPI_Buffer_detach(&detached, &detached_size));
    CHECK_INT(detached_size, buffer_bytes, "MPI_Buffer_detach size");
  }
  CHECK(detached == attached, "MPI_Buffer_detach (%s) gave back another address", form);

  /* The communicator's buffer. */
  CHECK_MPI(TWIN(large, MPI_Comm_attach_buffer, comm, attached, buffer_bytes));
  clear(in);
  CHECK_MPI(MPI_Bsend(out, n, MPI_INT, g_next, 7, comm));
  CHECK_MPI(MPI_Recv(in, kMax, MPI_INT, g_prev, 7, comm, &status));
  check_received(in, &status, 7, 5, "MPI_Bsend on a communicator buffer", large);
  detached = NULL;
  if (large) {
    MPI_Count detached_size = -1;
    CHECK_MPI(MPI_Comm_detach_buffer_c(comm, &detached, &detached_size));
    CHECK_INT(detached_size, buffer_bytes, "MPI_Comm_detach_buffer_c size");
  } else {
    int detached_size = -1;
    CHECK_MPI(MPI_Comm_detach_buffer(comm, &detached, &detached_size));
    CHECK_INT(detached_size, buffer_bytes, "MPI_Comm_detach_buffer size");
  }
  CHECK(detached == attached, "MPI_Comm_detach_buffer (%s) gave back another address", form);
  free(attached);

  /* Nonblocking sends of every mode. */
  fill(out, g_rank, 8);
  attached = mp_malloc((size_t)buffer_bytes);
  CHECK_MPI(MPI_Buffer_attach(attached, buffer_bytes));
  for (int mode = 0; mode < 4; mode++) {
    const int tag = 10 + mode;
    clear(in);
    CHECK_MPI(MPI_Irecv(in, kMax, MPI_INT, g_prev, tag, comm, &requests[1]));
    CHECK_MPI(MPI_Barrier(comm)); /* every receive is posted before an Irsend */
    switch (mode) {
      case 0: CHECK_MPI(TWIN(large, MPI_Isend, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
      case 1: CHECK_MPI(TWIN(large, MPI_Issend, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
      case 2: CHECK_MPI(TWIN(large, MPI_Irsend, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
      default: CHECK_MPI(TWIN(large, MPI_Ibsend, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
    }
    MPI_Status statuses[2];
    CHECK_MPI(MPI_Waitall(2, requests, statuses));
    check_received(in, &statuses[1], tag, 8, "MPI_I*send", large);
  }

  /* Persistent requests of every mode, started twice. */
  for (int mode = 0; mode < 4; mode++) {
    const int tag = 20 + mode;
    CHECK_MPI(TWIN(large, MPI_Recv_init, in, kMax, MPI_INT, g_prev, tag, comm, &requests[1]));
    switch (mode) {
      case 0: CHECK_MPI(TWIN(large, MPI_Send_init, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
      case 1: CHECK_MPI(TWIN(large, MPI_Ssend_init, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
      case 2: CHECK_MPI(TWIN(large, MPI_Rsend_init, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
      default: CHECK_MPI(TWIN(large, MPI_Bsend_init, out, n, MPI_INT, g_next, tag, comm, &requests[0])); break;
    }
    for (int round = 0; round < 2; round++) {
      clear(in);
      CHECK_MPI(MPI_Start(&requests[1]));
      CHECK_MPI(MPI_Barrier(comm));
      CHECK_MPI(MPI_Start(&requests[0]));
      MPI_Status statuses[2];
      CHECK_MPI(MPI_Waitall(2, requests, statuses));
      check_received(in, &statuses[1], tag, 8, "persistent send/receive", large);
    }
    CHECK_MPI(MPI_Request_free(&requests[0]));
    CHECK_MPI(MPI_Request_free(&requests[1]));
  }
  int ignored_size = 0;
  CHECK_MPI(MPI_Buffer_detach(&detached, &ignored_size));
  free(attached);

  /* Sendrecv, Sendrecv_replace and their nonblocking forms. */
  fill(out, g_rank, 9);
  clear(in);
  CHECK_MPI(TWIN(large, MPI_Sendrecv, out, n, MPI_INT, g_next, 30, in, kMax, MPI_INT, g_prev, 30,
                 comm, &status));
  check_received(in, &status, 30, 9, "MPI_Sendrecv", large);
  clear(in);
  CHECK_MPI(TWIN(large, MPI_Isendrecv, out, n, MPI_INT, g_next, 31, in, kMax, MPI_INT, g_prev, 31,
                 comm, &requests[0]));
  CHECK_MPI(MPI_Wait(&requests[0], &status));
  check_received(in, &status, 31, 9, "MPI_Isendrecv", large);
  /* The replace forms send and receive the same count: every rank sends kBase ints. */
  int replace[kBase];
  for (int i = 0; i < kBase; i++) replace[i] = mp_pattern_int(g_rank, i, 10);
  CHECK_MPI(TWIN(large, MPI_Sendrecv_replace, replace, kBase, MPI_INT, g_next, 32, g_prev, 32,
                 comm, &status));
  for (int i = 0; i < kBase; i++) {
    CHECK_INT(replace[i], mp_pattern_int(g_prev, i, 10), "MPI_Sendrecv_replace (%s) %d", form, i);
  }
  CHECK_INT(status.MPI_SOURCE, g_prev, "MPI_Sendrecv_replace (%s) source", form);
  for (int i = 0; i < kBase; i++) replace[i] = mp_pattern_int(g_rank, i, 11);
  CHECK_MPI(TWIN(large, MPI_Isendrecv_replace, replace, kBase, MPI_INT, g_next, 33, g_prev, 33,
                 comm, &requests[0]));
  CHECK_MPI(MPI_Wait(&requests[0], &status));
  for (int i = 0; i < kBase; i++) {
    CHECK_INT(replace[i], mp_pattern_int(g_prev, i, 11), "MPI_Isendrecv_replace (%s) %d", form, i);
  }
  MPI_Count replaced = 0;
  CHECK_MPI(MPI_Get_count_c(&status, MPI_INT, &replaced));
  CHECK_INT(replaced, kBase, "MPI_Isendrecv_replace (%s) count", form);

  /* Matched probes received by Mrecv / Imrecv. */
  fill(out, g_rank, 12);
  for (int blocking = 0; blocking < 2; blocking++) {
    const int tag = 40 + blocking;
    clear(in);
    CHECK_MPI(MPI_Isend(out, n, MPI_INT, g_next, tag, comm, &requests[0]));
    MPI_Message message;
    CHECK_MPI(MPI_Mprobe(g_prev, tag, comm, &message, &status));
    if (blocking) {
      CHECK_MPI(TWIN(large, MPI_Mrecv, in, kMax, MPI_INT, &message, &status));
    } else {
      CHECK_MPI(TWIN(large, MPI_Imrecv, in, kMax, MPI_INT, &message, &requests[1]));
      CHECK_MPI(MPI_Wait(&requests[1], &status));
    }
    CHECK(message == MPI_MESSAGE_NULL, "MPI_%s (%s) leaves the message handle", blocking ? "Mrecv" : "Imrecv", form);
    CHECK_MPI(MPI_Wait(&requests[0], MPI_STATUS_IGNORE));
    check_received(in, &status, tag, 12, blocking ? "MPI_Mrecv" : "MPI_Imrecv", large);
  }
  MPI_Message no_proc = MPI_MESSAGE_NO_PROC;
  CHECK_MPI(TWIN(large, MPI_Mrecv, in, kMax, MPI_INT, &no_proc, &status));
  CHECK_INT(status.MPI_SOURCE, MPI_PROC_NULL, "MPI_Mrecv (%s) of MPI_MESSAGE_NO_PROC", form);

  /* MPI_PROC_NULL peers. */
  CHECK_MPI(TWIN(large, MPI_Send, out, n, MPI_INT, MPI_PROC_NULL, 50, comm));
  CHECK_MPI(TWIN(large, MPI_Recv, in, kMax, MPI_INT, MPI_PROC_NULL, 50, comm, &status));
  CHECK_INT(status.MPI_SOURCE, MPI_PROC_NULL, "MPI_Recv (%s) from MPI_PROC_NULL", form);
  MPI_Count none = -1;
  CHECK_MPI(MPI_Get_count_c(&status, MPI_INT, &none));
  CHECK_INT(none, 0, "MPI_Get_count_c after MPI_PROC_NULL");
}

/* Bad input gives the same class through both forms, and the expected one. */
static void p2p_errors(void) {
  MPI_Comm comm = MPI_COMM_WORLD;
  int data[4] = {0, 0, 0, 0};
  MPI_Status status;
  MPI_Request request = MPI_REQUEST_NULL;
  for (int large = 0; large < 2; large++) {
    const char *form = large ? "_c" : "int";
    CHECK_ERROR_CLASS(TWIN(large, MPI_Send, data, -1, MPI_INT, g_next, 0, comm), MPI_ERR_COUNT,
                      "MPI_Send (%s) count -1", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Send, data, 1, MPI_INT, g_size, 0, comm), MPI_ERR_RANK,
                      "MPI_Send (%s) dest = size", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Ssend, data, 1, MPI_INT, g_next, -5, comm), MPI_ERR_TAG,
                      "MPI_Ssend (%s) tag -5", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Rsend, NULL, 3, MPI_INT, g_next, 0, comm), MPI_ERR_BUFFER,
                      "MPI_Rsend (%s) NULL buffer", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Bsend, data, 1, MPI_DATATYPE_NULL, g_next, 0, comm),
                      MPI_ERR_TYPE, "MPI_Bsend (%s) MPI_DATATYPE_NULL", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Recv, data, -2, MPI_INT, g_prev, 0, comm, &status),
                      MPI_ERR_COUNT, "MPI_Recv (%s) count -2", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Recv, data, 1, MPI_INT, -9, 0, comm, &status), MPI_ERR_RANK,
                      "MPI_Recv (%s) source -9", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Isend, data, -1, MPI_INT, g_next, 0, comm, &request),
                      MPI_ERR_COUNT, "MPI_Isend (%s) count -1", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Irecv, data, 1, MPI_INT, g_prev, -3, comm, &request),
                      MPI_ERR_TAG, "MPI_Irecv (%s) tag -3", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Issend, data, 1, MPI_INT, g_next, 0, MPI_COMM_NULL, &request),
                      MPI_ERR_COMM, "MPI_Issend (%s) MPI_COMM_NULL", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Irsend, data, 1, MPI_INT, g_next, 0, comm, NULL), MPI_ERR_ARG,
                      "MPI_Irsend (%s) NULL request", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Ibsend, NULL, 2, MPI_INT, g_next, 0, comm, &request),
                      MPI_ERR_BUFFER, "MPI_Ibsend (%s) NULL buffer", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Send_init, data, -4, MPI_INT, g_next, 0, comm, &request),
                      MPI_ERR_COUNT, "MPI_Send_init (%s) count -4", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Ssend_init, data, 1, MPI_INT, g_size + 3, 0, comm, &request),
                      MPI_ERR_RANK, "MPI_Ssend_init (%s) dest", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Rsend_init, data, 1, MPI_INT, g_next, -1, comm, &request),
                      MPI_ERR_TAG, "MPI_Rsend_init (%s) tag", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Bsend_init, data, 1, MPI_DATATYPE_NULL, g_next, 0, comm, &request),
                      MPI_ERR_TYPE, "MPI_Bsend_init (%s) type", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Recv_init, data, -1, MPI_INT, g_prev, 0, comm, &request),
                      MPI_ERR_COUNT, "MPI_Recv_init (%s) count", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Sendrecv, data, 1, MPI_INT, g_next, 0, data, -1, MPI_INT,
                           g_prev, 0, comm, &status),
                      MPI_ERR_COUNT, "MPI_Sendrecv (%s) recvcount -1", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Sendrecv_replace, data, 1, MPI_INT, g_size, 0, g_prev, 0, comm,
                           &status),
                      MPI_ERR_RANK, "MPI_Sendrecv_replace (%s) dest", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Isendrecv, data, -1, MPI_INT, g_next, 0, data, 1, MPI_INT,
                           g_prev, 0, comm, &request),
                      MPI_ERR_COUNT, "MPI_Isendrecv (%s) sendcount -1", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Isendrecv_replace, data, 1, MPI_INT, g_next, -2, g_prev, 0,
                           comm, &request),
                      MPI_ERR_TAG, "MPI_Isendrecv_replace (%s) tag", form);
    MPI_Message message = MPI_MESSAGE_NO_PROC;
    CHECK_ERROR_CLASS(TWIN(large, MPI_Mrecv, data, -1, MPI_INT, &message, &status), MPI_ERR_COUNT,
                      "MPI_Mrecv (%s) count -1", form);
    message = MPI_MESSAGE_NULL;
    CHECK_ERROR_CLASS(TWIN(large, MPI_Imrecv, data, 1, MPI_INT, &message, &request), MPI_ERR_REQUEST,
                      "MPI_Imrecv (%s) MPI_MESSAGE_NULL", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Buffer_attach, data, -1), MPI_ERR_ARG,
                      "MPI_Buffer_attach (%s) size -1", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Comm_attach_buffer, MPI_COMM_NULL, data, 16), MPI_ERR_COMM,
                      "MPI_Comm_attach_buffer (%s) MPI_COMM_NULL", form);
    void *address = NULL;
    MPI_Count size_c = 0;
    int size = 0;
    CHECK_ERROR_CLASS(large ? MPI_Buffer_detach_c(&address, &size_c) : MPI_Buffer_detach(&address, &size),
                      MPI_ERR_BUFFER, "MPI_Buffer_detach (%s) with nothing attached", form);
    CHECK_ERROR_CLASS(large ? MPI_Comm_detach_buffer_c(comm, &address, &size_c)
                            : MPI_Comm_detach_buffer(comm, &address, &size),
                      MPI_ERR_BUFFER, "MPI_Comm_detach_buffer (%s) with nothing attached", form);
    MPI_Count count_c = 0;
    CHECK_ERROR_CLASS(large ? MPI_Get_count_c(&status, MPI_DATATYPE_NULL, &count_c)
                            : MPI_Get_count(&status, MPI_DATATYPE_NULL, &size),
                      MPI_ERR_TYPE, "MPI_Get_count (%s) MPI_DATATYPE_NULL", form);
    CHECK_ERROR_CLASS(large ? MPI_Get_elements_c(&status, MPI_INT, NULL)
                            : MPI_Get_elements(&status, MPI_INT, NULL),
                      MPI_ERR_ARG, "MPI_Get_elements (%s) NULL count", form);
    CHECK_ERROR_CLASS(TWIN(large, MPI_Status_set_elements, &status, MPI_INT, -1), MPI_ERR_COUNT,
                      "MPI_Status_set_elements (%s) count -1", form);
  }
}

/* Counts only the _c forms hold. */
static void beyond_int(void) {
  MPI_Status status;
  const MPI_Count big = (MPI_Count)INT_MAX + 4; /* odd */
  CHECK_MPI(MPI_Status_set_elements_c(&status, MPI_BYTE, big));
  MPI_Count count_c = 0;
  int count = 0;
  CHECK_MPI(MPI_Get_count_c(&status, MPI_BYTE, &count_c));
  CHECK(count_c == big, "MPI_Get_count_c after MPI_Status_set_elements_c: %lld", (long long)count_c);
  CHECK_MPI(MPI_Get_elements_c(&status, MPI_BYTE, &count_c));
  CHECK(count_c == big, "MPI_Get_elements_c: %lld", (long long)count_c);
  CHECK_MPI(MPI_Get_count(&status, MPI_BYTE, &count));
  CHECK_INT(count, MPI_UNDEFINED, "MPI_Get_count of INT_MAX + 4 bytes");
  CHECK_MPI(MPI_Get_elements(&status, MPI_BYTE, &count));
  CHECK_INT(count, MPI_UNDEFINED, "MPI_Get_elements of INT_MAX + 4 bytes");
  /* The same status in shorts: exactly representable in neither form but as a partial count. */
  CHECK_MPI(MPI_Get_count_c(&status, MPI_SHORT, &count_c));
  CHECK_INT(count_c, MPI_UNDEFINED, "MPI_Get_count_c of an odd byte count in shorts");
  CHECK_MPI(MPI_Status_set_elements(&status, MPI_INT, 12));
  CHECK_MPI(MPI_Get_count_c(&status, MPI_INT, &count_c));
  CHECK_INT(count_c, 12, "MPI_Get_count_c after MPI_Status_set_elements");

  /* A buffer of more than INT_MAX bytes, attached by the _c form (never written: nothing is
   * sent through it, and untouched pages cost nothing). The int detach cannot say its size
   * and leaves it attached; the _c detach then returns it. Mapped, not malloc'ed: under
   * MALLOC_PERTURB_, which the test harness sets, malloc and calloc write the whole block. */
#if defined(__linux__)
  const size_t bytes = (size_t)INT_MAX + 4096;
  void *buffer = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (buffer == MAP_FAILED) return; /* the system refuses the address space */
  CHECK_MPI(MPI_Buffer_attach_c(buffer, (MPI_Count)bytes));
  void *address = NULL;
  int size = 0;
  CHECK_ERROR_CLASS(MPI_Buffer_detach(&address, &size), MPI_ERR_VALUE_TOO_LARGE,
                    "MPI_Buffer_detach of %zu bytes", bytes);
  MPI_Count size_c = 0;
  CHECK_MPI(MPI_Buffer_detach_c(&address, &size_c));
  CHECK(address == buffer && size_c == (MPI_Count)bytes, "MPI_Buffer_detach_c: %p %lld", address,
        (long long)size_c);
  munmap(buffer, bytes);
#endif
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  g_rank = mp_world_rank();
  g_size = mp_world_size();
  g_next = (g_rank + 1) % g_size;
  g_prev = (g_rank + g_size - 1) % g_size;
  p2p_pass(0);
  p2p_pass(1);
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  p2p_errors();
  beyond_int();
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  mp_report_ok("large_count_api");
  MPI_Finalize();
  return 0;
}
