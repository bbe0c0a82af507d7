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
 *
 * Datatypes: every _c constructor against its int twin with the same arguments (size,
 * extents, the bytes MPI_Pack gives), MPI_Type_get_envelope_c/get_contents_c giving the
 * large counts back exactly (also beyond INT_MAX), the int decoding calls refusing such a type
 * with MPI_ERR_TYPE, and MPI_Pack_c/Unpack_c/Pack_size_c and the external32 forms against
 * theirs. Ops: MPI_Op_create_c's functions (MPI_Count lengths) in MPI_Reduce_local_c and the
 * reductions, a non-commutative one in rank order, against MPI_Op_create's.
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

/* ---- datatypes and pack ------------------------------------------------------------------ */

/* Two types from the int and the _c constructor of the same arguments describe the same data. */
static void same_type(MPI_Datatype plain, MPI_Datatype large, const char *what) {
  CHECK_MPI(MPI_Type_commit(&plain));
  CHECK_MPI(MPI_Type_commit(&large));
  int size = -1;
  MPI_Count size_c = -1;
  CHECK_MPI(MPI_Type_size(plain, &size));
  CHECK_MPI(MPI_Type_size_c(large, &size_c));
  CHECK_INT(size_c, size, "%s: MPI_Type_size_c", what);
  MPI_Aint lb, extent, true_lb, true_extent;
  MPI_Count lb_c, extent_c, true_lb_c, true_extent_c;
  CHECK_MPI(MPI_Type_get_extent(plain, &lb, &extent));
  CHECK_MPI(MPI_Type_get_extent_c(large, &lb_c, &extent_c));
  CHECK_INT(lb_c, lb, "%s: lb", what);
  CHECK_INT(extent_c, extent, "%s: extent", what);
  CHECK_MPI(MPI_Type_get_true_extent(plain, &true_lb, &true_extent));
  CHECK_MPI(MPI_Type_get_true_extent_c(large, &true_lb_c, &true_extent_c));
  CHECK_INT(true_lb_c, true_lb, "%s: true lb", what);
  CHECK_INT(true_extent_c, true_extent, "%s: true extent", what);
  /* Two elements packed by MPI_Pack and MPI_Pack_c from the same memory. */
  int source[512];
  for (int i = 0; i < 512; i++) source[i] = mp_pattern_int(g_rank, i, 20);
  char packed[4096], packed_c[4096];
  int position = 0;
  MPI_Count position_c = 0;
  CHECK_MPI(MPI_Pack(source, 2, plain, packed, (int)sizeof packed, &position, MPI_COMM_WORLD));
  CHECK_MPI(MPI_Pack_c(source, 2, large, packed_c, (MPI_Count)sizeof packed_c, &position_c,
                       MPI_COMM_WORLD));
  CHECK_INT(position_c, position, "%s: MPI_Pack_c position", what);
  CHECK(memcmp(packed, packed_c, (size_t)position) == 0, "%s: MPI_Pack_c bytes differ", what);
  /* Unpacked again by both forms into the same layout. */
  int back[512], back_c[512];
  memset(back, 0, sizeof back);
  memset(back_c, 0, sizeof back_c);
  position = 0;
  position_c = 0;
  CHECK_MPI(MPI_Unpack(packed, (int)sizeof packed, &position, back, 2, plain, MPI_COMM_WORLD));
  CHECK_MPI(MPI_Unpack_c(packed_c, (MPI_Count)sizeof packed_c, &position_c, back_c, 2, large,
                         MPI_COMM_WORLD));
  CHECK_INT(position_c, position, "%s: MPI_Unpack_c position", what);
  CHECK(memcmp(back, back_c, sizeof back) == 0, "%s: MPI_Unpack_c bytes differ", what);
  int pack_size = -1;
  MPI_Count pack_size_c = -1;
  CHECK_MPI(MPI_Pack_size(3, plain, MPI_COMM_WORLD, &pack_size));
  CHECK_MPI(MPI_Pack_size_c(3, large, MPI_COMM_WORLD, &pack_size_c));
  CHECK_INT(pack_size_c, pack_size, "%s: MPI_Pack_size_c", what);
  MPI_Aint external_size = -1;
  MPI_Count external_size_c = -1;
  CHECK_MPI(MPI_Pack_external_size("external32", 2, plain, &external_size));
  CHECK_MPI(MPI_Pack_external_size_c("external32", 2, large, &external_size_c));
  CHECK_INT(external_size_c, external_size, "%s: MPI_Pack_external_size_c", what);
  MPI_Aint external_position = 0;
  MPI_Count external_position_c = 0;
  CHECK_MPI(MPI_Pack_external("external32", source, 2, plain, packed, (MPI_Aint)sizeof packed,
                              &external_position));
  CHECK_MPI(MPI_Pack_external_c("external32", source, 2, large, packed_c,
                                (MPI_Count)sizeof packed_c, &external_position_c));
  CHECK_INT(external_position_c, external_position, "%s: MPI_Pack_external_c position", what);
  CHECK(memcmp(packed, packed_c, (size_t)external_position) == 0,
        "%s: MPI_Pack_external_c bytes differ", what);
  memset(back_c, 0, sizeof back_c);
  external_position_c = 0;
  CHECK_MPI(MPI_Unpack_external_c("external32", packed_c, (MPI_Count)sizeof packed_c,
                                  &external_position_c, back_c, 2, large));
  CHECK(memcmp(back, back_c, sizeof back) == 0, "%s: MPI_Unpack_external_c bytes differ", what);

  /* Decoding: the _c type's counts come back as large counts, and the int calls refuse it. */
  MPI_Count ni, na, nl, nd;
  int combiner_c = -1, combiner = -2, ni_int, na_int, nd_int;
  CHECK_MPI(MPI_Type_get_envelope(plain, &ni_int, &na_int, &nd_int, &combiner));
  CHECK_MPI(MPI_Type_get_envelope_c(large, &ni, &na, &nl, &nd, &combiner_c));
  CHECK_INT(combiner_c, combiner, "%s: combiner", what);
  CHECK_INT(nd, nd_int, "%s: number of datatypes", what);
  CHECK(nl > 0 && na == 0, "%s: %lld large counts, %lld addresses", what, (long long)nl, (long long)na);
  CHECK_ERROR_CLASS(MPI_Type_get_envelope(large, &ni_int, &na_int, &nd_int, &combiner), MPI_ERR_TYPE,
                    "%s: MPI_Type_get_envelope of a _c type", what);
  int integers[64];
  MPI_Aint addresses[64];
  MPI_Datatype types[8];
  CHECK_ERROR_CLASS(MPI_Type_get_contents(large, 64, 64, 8, integers, addresses, types),
                    MPI_ERR_TYPE, "%s: MPI_Type_get_contents of a _c type", what);
  CHECK_MPI(MPI_Type_free(&plain));
  CHECK_MPI(MPI_Type_free(&large));
}

/* The large counts MPI_Type_get_contents_c gives back for `type`, checked against `expected`. */
static void check_large_counts(MPI_Datatype type, const MPI_Count *expected, int n,
                               const int *integers_expected, int ni_expected, const char *what) {
  MPI_Count ni, na, nl, nd;
  int combiner;
  CHECK_MPI(MPI_Type_get_envelope_c(type, &ni, &na, &nl, &nd, &combiner));
  CHECK_INT(nl, n, "%s: num_large_counts", what);
  CHECK_INT(ni, ni_expected, "%s: num_integers", what);
  int integers[64];
  MPI_Aint addresses[4];
  MPI_Count large[64];
  MPI_Datatype types[8];
  CHECK_MPI(MPI_Type_get_contents_c(type, ni, na, nl, nd, integers, addresses, large, types));
  for (int i = 0; i < n; i++) CHECK(large[i] == expected[i], "%s: large count %d is %lld, expected %lld", what, i, (long long)large[i], (long long)expected[i]);
  for (int i = 0; i < ni_expected; i++) CHECK_INT(integers[i], integers_expected[i], "%s: integer %d", what, i);
  for (MPI_Count i = 0; i < nd; i++) {
    int named_ni, named_na, named_nd, named_combiner;
    CHECK_MPI(MPI_Type_get_envelope(types[i], &named_ni, &named_na, &named_nd, &named_combiner));
    if (named_combiner != MPI_COMBINER_NAMED) CHECK_MPI(MPI_Type_free(&types[i]));
  }
  CHECK_ERROR_CLASS(MPI_Type_get_contents_c(type, ni, na, nl - 1, nd, integers, addresses, large, types),
                    MPI_ERR_ARG, "%s: max_large_counts one short", what);
}

static void datatypes(void) {
  MPI_Datatype a, b;
  CHECK_MPI(MPI_Type_contiguous(5, MPI_INT, &a));
  CHECK_MPI(MPI_Type_contiguous_c(5, MPI_INT, &b));
  same_type(a, b, "contiguous");
  CHECK_MPI(MPI_Type_vector(3, 2, 5, MPI_INT, &a));
  CHECK_MPI(MPI_Type_vector_c(3, 2, 5, MPI_INT, &b));
  same_type(a, b, "vector");
  CHECK_MPI(MPI_Type_create_hvector(3, 2, 28, MPI_INT, &a));
  CHECK_MPI(MPI_Type_create_hvector_c(3, 2, 28, MPI_INT, &b));
  same_type(a, b, "hvector");
  const int lengths[3] = {2, 1, 3};
  const int displacements[3] = {7, 0, 12};
  const MPI_Count lengths_c[3] = {2, 1, 3};
  const MPI_Count displacements_c[3] = {7, 0, 12};
  const MPI_Aint byte_displacements[3] = {28, 0, 48};
  const MPI_Count byte_displacements_c[3] = {28, 0, 48};
  CHECK_MPI(MPI_Type_indexed(3, lengths, displacements, MPI_INT, &a));
  CHECK_MPI(MPI_Type_indexed_c(3, lengths_c, displacements_c, MPI_INT, &b));
  same_type(a, b, "indexed");
  CHECK_MPI(MPI_Type_create_hindexed(3, lengths, byte_displacements, MPI_INT, &a));
  CHECK_MPI(MPI_Type_create_hindexed_c(3, lengths_c, byte_displacements_c, MPI_INT, &b));
  same_type(a, b, "hindexed");
  CHECK_MPI(MPI_Type_create_indexed_block(3, 2, displacements, MPI_INT, &a));
  CHECK_MPI(MPI_Type_create_indexed_block_c(3, 2, displacements_c, MPI_INT, &b));
  same_type(a, b, "indexed_block");
  CHECK_MPI(MPI_Type_create_hindexed_block(3, 2, byte_displacements, MPI_INT, &a));
  CHECK_MPI(MPI_Type_create_hindexed_block_c(3, 2, byte_displacements_c, MPI_INT, &b));
  same_type(a, b, "hindexed_block");
  const MPI_Datatype struct_types[3] = {MPI_INT, MPI_SHORT, MPI_INT};
  const MPI_Aint struct_displacements[3] = {0, 12, 16};
  const MPI_Count struct_displacements_c[3] = {0, 12, 16};
  CHECK_MPI(MPI_Type_create_struct(3, lengths, struct_displacements, struct_types, &a));
  CHECK_MPI(MPI_Type_create_struct_c(3, lengths_c, struct_displacements_c, struct_types, &b));
  same_type(a, b, "struct");
  const int sizes[2] = {6, 8}, subsizes[2] = {2, 3}, starts[2] = {1, 4};
  const MPI_Count sizes_c[2] = {6, 8}, subsizes_c[2] = {2, 3}, starts_c[2] = {1, 4};
  CHECK_MPI(MPI_Type_create_subarray(2, sizes, subsizes, starts, MPI_ORDER_C, MPI_INT, &a));
  CHECK_MPI(MPI_Type_create_subarray_c(2, sizes_c, subsizes_c, starts_c, MPI_ORDER_C, MPI_INT, &b));
  same_type(a, b, "subarray");
  const int gsizes[2] = {6, 8}, distribs[2] = {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC};
  const int dargs[2] = {MPI_DISTRIBUTE_DFLT_DARG, 2}, psizes[2] = {2, 2};
  const MPI_Count gsizes_c[2] = {6, 8};
  CHECK_MPI(MPI_Type_create_darray(4, 3, 2, gsizes, distribs, dargs, psizes, MPI_ORDER_C, MPI_INT, &a));
  CHECK_MPI(MPI_Type_create_darray_c(4, 3, 2, gsizes_c, distribs, dargs, psizes, MPI_ORDER_C, MPI_INT, &b));
  same_type(a, b, "darray");
  CHECK_MPI(MPI_Type_create_resized(MPI_INT, -4, 20, &a));
  CHECK_MPI(MPI_Type_create_resized_c(MPI_INT, -4, 20, &b));
  same_type(a, b, "resized");

  /* Contents beyond INT_MAX, kept exactly (the types are never used for data). */
  const MPI_Count huge = (MPI_Count)INT_MAX + 10;
  CHECK_MPI(MPI_Type_contiguous_c(huge, MPI_BYTE, &b));
  check_large_counts(b, &huge, 1, NULL, 0, "contiguous_c beyond INT_MAX");
  MPI_Count size_c = 0;
  int size = 0;
  CHECK_MPI(MPI_Type_size_c(b, &size_c));
  CHECK(size_c == huge, "MPI_Type_size_c: %lld", (long long)size_c);
  CHECK_MPI(MPI_Type_size(b, &size));
  CHECK_INT(size, MPI_UNDEFINED, "MPI_Type_size beyond INT_MAX");
  CHECK_MPI(MPI_Type_commit(&b));
  MPI_Count pack_size_c = 0;
  CHECK_MPI(MPI_Pack_size_c(1, b, MPI_COMM_WORLD, &pack_size_c));
  CHECK(pack_size_c == huge, "MPI_Pack_size_c: %lld", (long long)pack_size_c);
  CHECK_ERROR_CLASS(MPI_Pack_size(1, b, MPI_COMM_WORLD, &size), MPI_ERR_VALUE_TOO_LARGE,
                    "MPI_Pack_size beyond INT_MAX");
  CHECK_MPI(MPI_Type_free(&b));
  const MPI_Count vector_args[3] = {2, 1, (MPI_Count)3 << 30};
  CHECK_MPI(MPI_Type_vector_c(vector_args[0], vector_args[1], vector_args[2], MPI_BYTE, &b));
  check_large_counts(b, vector_args, 3, NULL, 0, "vector_c with a stride beyond INT_MAX");
  MPI_Count lb_c = -1, extent_c = -1;
  CHECK_MPI(MPI_Type_get_extent_c(b, &lb_c, &extent_c));
  CHECK(lb_c == 0 && extent_c == vector_args[2] + 1, "vector_c extent %lld", (long long)extent_c);
  CHECK_MPI(MPI_Type_free(&b));
  const MPI_Count resized_args[2] = {-((MPI_Count)1 << 33), (MPI_Count)5 << 31};
  CHECK_MPI(MPI_Type_create_resized_c(MPI_INT, resized_args[0], resized_args[1], &b));
  check_large_counts(b, resized_args, 2, NULL, 0, "resized_c");
  CHECK_MPI(MPI_Type_free(&b));
  const MPI_Count subarray_large[6] = {huge, 4, 10, 2, 7, 1};
  const MPI_Count big_sizes[2] = {huge, 4}, big_subsizes[2] = {10, 2}, big_starts[2] = {7, 1};
  const int subarray_integers[2] = {2, MPI_ORDER_FORTRAN};
  CHECK_MPI(MPI_Type_create_subarray_c(2, big_sizes, big_subsizes, big_starts, MPI_ORDER_FORTRAN,
                                       MPI_BYTE, &b));
  check_large_counts(b, subarray_large, 6, subarray_integers, 2, "subarray_c beyond INT_MAX");
  CHECK_MPI(MPI_Type_free(&b));
  const MPI_Count struct_large[7] = {2, 1, huge, 0, (MPI_Count)1 << 32};
  const MPI_Count struct_lengths[2] = {1, huge};
  const MPI_Count struct_big_displacements[2] = {0, (MPI_Count)1 << 32};
  const MPI_Datatype struct_two[2] = {MPI_INT, MPI_BYTE};
  CHECK_MPI(MPI_Type_create_struct_c(2, struct_lengths, struct_big_displacements, struct_two, &b));
  check_large_counts(b, struct_large, 5, NULL, 0, "struct_c beyond INT_MAX");
  CHECK_MPI(MPI_Type_free(&b));

  /* Bad input: the same class through both forms. */
  CHECK_ERROR_CLASS(MPI_Type_contiguous(-1, MPI_INT, &a), MPI_ERR_COUNT, "MPI_Type_contiguous -1");
  CHECK_ERROR_CLASS(MPI_Type_contiguous_c(-1, MPI_INT, &b), MPI_ERR_COUNT, "MPI_Type_contiguous_c -1");
  CHECK_ERROR_CLASS(MPI_Type_vector_c(2, 1, 1, MPI_DATATYPE_NULL, &b), MPI_ERR_TYPE,
                    "MPI_Type_vector_c of MPI_DATATYPE_NULL");
  CHECK_ERROR_CLASS(MPI_Type_indexed_c(2, NULL, displacements_c, MPI_INT, &b), MPI_ERR_ARG,
                    "MPI_Type_indexed_c NULL blocklengths");
  CHECK_ERROR_CLASS(MPI_Type_create_struct_c(-2, lengths_c, struct_displacements_c, struct_types, &b),
                    MPI_ERR_COUNT, "MPI_Type_create_struct_c count -2");
  int data[8] = {0};
  char buffer[16];
  int position = 0;
  MPI_Count position_c = 0;
  CHECK_ERROR_CLASS(MPI_Pack(data, -1, MPI_INT, buffer, 16, &position, MPI_COMM_WORLD),
                    MPI_ERR_COUNT, "MPI_Pack count -1");
  CHECK_ERROR_CLASS(MPI_Pack_c(data, -1, MPI_INT, buffer, 16, &position_c, MPI_COMM_WORLD),
                    MPI_ERR_COUNT, "MPI_Pack_c count -1");
  CHECK_ERROR_CLASS(MPI_Pack(data, 8, MPI_INT, buffer, 16, &position, MPI_COMM_WORLD),
                    MPI_ERR_TRUNCATE, "MPI_Pack into too small a buffer");
  CHECK_ERROR_CLASS(MPI_Pack_c(data, 8, MPI_INT, buffer, 16, &position_c, MPI_COMM_WORLD),
                    MPI_ERR_TRUNCATE, "MPI_Pack_c into too small a buffer");
  position = 17;
  position_c = 17;
  CHECK_ERROR_CLASS(MPI_Unpack(buffer, 16, &position, data, 1, MPI_INT, MPI_COMM_WORLD),
                    MPI_ERR_ARG, "MPI_Unpack position past insize");
  CHECK_ERROR_CLASS(MPI_Unpack_c(buffer, 16, &position_c, data, 1, MPI_INT, MPI_COMM_WORLD),
                    MPI_ERR_ARG, "MPI_Unpack_c position past insize");
  MPI_Count external_c = 0;
  CHECK_ERROR_CLASS(MPI_Pack_external_size_c("native", 1, MPI_INT, &external_c), MPI_ERR_ARG,
                    "MPI_Pack_external_size_c of \"native\"");
}

/* ---- ops ---------------------------------------------------------------------------------- */

static MPI_Count g_longest_c = 0; /* the longest len an MPI_User_function_c was given */

static void sum_c(void *in, void *inout, MPI_Count *len, MPI_Datatype *type) {
  (void)type;
  if (*len > g_longest_c) g_longest_c = *len;
  for (MPI_Count i = 0; i < *len; i++) ((int *)inout)[i] += ((const int *)in)[i];
}

static void sum_int(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  for (int i = 0; i < *len; i++) ((int *)inout)[i] += ((const int *)in)[i];
}

/* Affine maps x -> a x + b (mod kModulus) as pairs of ints, composed in rank order: the
 * operand of the lower ranks (in) applies first. Associative, not commutative. */
enum { kModulus = 10007 };
static void compose_c(void *in, void *inout, MPI_Count *len, MPI_Datatype *type) {
  (void)type;
  const int *first = in;
  int *then = inout;
  for (MPI_Count i = 0; i < *len; i++) {
    const long a = (long)first[2 * i] * then[2 * i] % kModulus;
    const long b = ((long)then[2 * i] * first[2 * i + 1] + then[2 * i + 1]) % kModulus;
    then[2 * i] = (int)a;
    then[2 * i + 1] = (int)b;
  }
}

static void compose_int(void *in, void *inout, int *len, MPI_Datatype *type) {
  MPI_Count n = *len;
  compose_c(in, inout, &n, type);
}

static void ops(void) {
  enum { kCount = 23 };
  MPI_Op sum_large, sum_plain, compose_large, compose_plain;
  CHECK_MPI(MPI_Op_create_c(sum_c, 1, &sum_large));
  CHECK_MPI(MPI_Op_create(sum_int, 1, &sum_plain));
  CHECK_MPI(MPI_Op_create_c(compose_c, 0, &compose_large));
  CHECK_MPI(MPI_Op_create(compose_int, 0, &compose_plain));
  int commute = -1;
  CHECK_MPI(MPI_Op_commutative(compose_large, &commute));
  CHECK_INT(commute, 0, "MPI_Op_commutative of a non-commutative MPI_Op_create_c op");
  CHECK_MPI(MPI_Op_commutative(sum_large, &commute));
  CHECK_INT(commute, 1, "MPI_Op_commutative of a commutative MPI_Op_create_c op");

  /* MPI_Reduce_local and MPI_Reduce_local_c with both ops. */
  int in[kCount], inout[kCount];
  for (int form = 0; form < 4; form++) {
    for (int i = 0; i < kCount; i++) {
      in[i] = mp_pattern_int(g_rank, i, 30) % 1000;
      inout[i] = mp_pattern_int(g_rank, i, 31) % 1000;
    }
    MPI_Op op = form & 1 ? sum_large : sum_plain;
    g_longest_c = 0;
    if (form & 2) {
      CHECK_MPI(MPI_Reduce_local_c(in, inout, kCount, MPI_INT, op));
    } else {
      CHECK_MPI(MPI_Reduce_local(in, inout, kCount, MPI_INT, op));
    }
    for (int i = 0; i < kCount; i++) {
      CHECK_INT(inout[i], mp_pattern_int(g_rank, i, 30) % 1000 + mp_pattern_int(g_rank, i, 31) % 1000,
                "MPI_Reduce_local%s with an op of MPI_Op_create%s, element %d", form & 2 ? "_c" : "",
                form & 1 ? "_c" : "", i);
    }
    if (form & 1) CHECK_INT(g_longest_c, kCount, "MPI_User_function_c len in MPI_Reduce_local");
  }
  for (int i = 0; i < kCount; i++) inout[i] = i;
  CHECK_MPI(MPI_Reduce_local_c(in, inout, 5, MPI_INT, MPI_SUM));
  CHECK_INT(inout[4], in[4] + 4, "MPI_Reduce_local_c with MPI_SUM");
  CHECK_ERROR_CLASS(MPI_Reduce_local_c(in, inout, -1, MPI_INT, MPI_SUM), MPI_ERR_COUNT,
                    "MPI_Reduce_local_c count -1");
  CHECK_ERROR_CLASS(MPI_Reduce_local_c(in, inout, 1, MPI_INT, MPI_OP_NULL), MPI_ERR_OP,
                    "MPI_Reduce_local_c MPI_OP_NULL");
  CHECK_ERROR_CLASS(MPI_Op_create_c(NULL, 1, &sum_large), MPI_ERR_ARG, "MPI_Op_create_c NULL function");

  /* The reductions with both sums: every one must give the serial sum. */
  int mine[kCount], result[kCount], expected[kCount];
  for (int i = 0; i < kCount; i++) {
    mine[i] = mp_pattern_int(g_rank, i, 32) % 1000;
    expected[i] = 0;
    for (int r = 0; r < g_size; r++) expected[i] += mp_pattern_int(r, i, 32) % 1000;
  }
  for (int large = 0; large < 2; large++) {
    MPI_Op op = large ? sum_large : sum_plain;
    const char *form = large ? "MPI_Op_create_c" : "MPI_Op_create";
    CHECK_MPI(MPI_Allreduce(mine, result, kCount, MPI_INT, op, MPI_COMM_WORLD));
    for (int i = 0; i < kCount; i++) CHECK_INT(result[i], expected[i], "MPI_Allreduce (%s) %d", form, i);
    memset(result, 0, sizeof result);
    CHECK_MPI(MPI_Reduce(mine, result, kCount, MPI_INT, op, g_size - 1, MPI_COMM_WORLD));
    if (g_rank == g_size - 1) {
      for (int i = 0; i < kCount; i++) CHECK_INT(result[i], expected[i], "MPI_Reduce (%s) %d", form, i);
    }
    MPI_Request request;
    CHECK_MPI(MPI_Iallreduce(mine, result, kCount, MPI_INT, op, MPI_COMM_WORLD, &request));
    CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    for (int i = 0; i < kCount; i++) CHECK_INT(result[i], expected[i], "MPI_Iallreduce (%s) %d", form, i);
    CHECK_MPI(MPI_Scan(mine, result, kCount, MPI_INT, op, MPI_COMM_WORLD));
    for (int i = 0; i < kCount; i++) {
      int prefix = 0;
      for (int r = 0; r <= g_rank; r++) prefix += mp_pattern_int(r, i, 32) % 1000;
      CHECK_INT(result[i], prefix, "MPI_Scan (%s) %d", form, i);
    }
  }

  /* The non-commutative composition in rank order, through both op forms and a pair type. */
  MPI_Datatype pair;
  CHECK_MPI(MPI_Type_contiguous(2, MPI_INT, &pair));
  CHECK_MPI(MPI_Type_commit(&pair));
  int maps[2 * kCount], composed[2 * kCount], reference[2 * kCount];
  for (int i = 0; i < kCount; i++) {
    maps[2 * i] = (g_rank * 7 + i) % 97 + 2;
    maps[2 * i + 1] = (g_rank * 13 + 3 * i) % 89 + 1;
    long a = 1, b = 0;
    for (int r = 0; r < g_size; r++) {
      const long ra = (r * 7 + i) % 97 + 2, rb = (r * 13 + 3 * i) % 89 + 1;
      b = (ra * b + rb) % kModulus;
      a = a * ra % kModulus;
    }
    reference[2 * i] = (int)a;
    reference[2 * i + 1] = (int)b;
  }
  for (int large = 0; large < 2; large++) {
    MPI_Op op = large ? compose_large : compose_plain;
    memset(composed, 0, sizeof composed);
    CHECK_MPI(MPI_Reduce(maps, composed, kCount, pair, op, 0, MPI_COMM_WORLD));
    if (g_rank == 0) {
      for (int i = 0; i < 2 * kCount; i++) {
        CHECK_INT(composed[i], reference[i], "MPI_Reduce in rank order (%s) %d",
                  large ? "MPI_Op_create_c" : "MPI_Op_create", i);
      }
    }
    CHECK_MPI(MPI_Allreduce(maps, composed, kCount, pair, op, MPI_COMM_WORLD));
    for (int i = 0; i < 2 * kCount; i++) {
      CHECK_INT(composed[i], reference[i], "MPI_Allreduce in rank order (%s) %d",
                large ? "MPI_Op_create_c" : "MPI_Op_create", i);
    }
  }
  CHECK_MPI(MPI_Type_free(&pair));
  CHECK_MPI(MPI_Op_free(&sum_large));
  CHECK_MPI(MPI_Op_free(&sum_plain));
  CHECK_MPI(MPI_Op_free(&compose_large));
  CHECK_MPI(MPI_Op_free(&compose_plain));
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
  datatypes();
  ops();
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  mp_report_ok("large_count_api");
  MPI_Finalize();
  return 0;
}
