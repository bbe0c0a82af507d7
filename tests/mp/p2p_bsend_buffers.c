/*
 * Buffers for buffered sends (MPI-4.1): the process's (MPI_Buffer_attach), a
 * communicator's (MPI_Comm_attach_buffer), which one a send uses (the communicator's first),
 * MPI_BUFFER_AUTOMATIC, MPI_Buffer_flush / MPI_Buffer_iflush / MPI_Comm_flush_buffer /
 * MPI_Comm_iflush_buffer, and the errors: a second attach, a detach with nothing attached,
 * a message larger than the buffer a send uses. Every message is checked by its receiver.
 */
#include <mpi.h>

#include "mp_check.h"

enum { kBig = 3000, kMessages = 4 };

static void fill(int *data, int count, int rank, int salt) {
  for (int i = 0; i < count; ++i) data[i] = mp_pattern_int(rank, i, salt);
}

/* Receives `messages` messages of `count` ints from `left` on `comm` with tags tag,
 * tag+1, ... and checks them. */
static void receive_checked(MPI_Comm comm, int left, int count, int tag, int messages,
                            int salt, const char *where) {
  int *data = mp_malloc(sizeof(int) * (size_t)count);
  for (int m = 0; m < messages; ++m) {
    MPI_Status status;
    CHECK_MPI(MPI_Recv(data, count, MPI_INT, left, tag + m, comm, &status));
    CHECK_STATUS(status, left, tag + m, MPI_INT, count, "%s, message %d", where, m);
    for (int i = 0; i < count; ++i) {
      CHECK_INT(data[i], mp_pattern_int(left, i, salt + m), "%s, message %d, element %d", where,
                m, i);
    }
  }
  free(data);
}

/* Sends `messages` buffered messages to `right` (the send buffer is overwritten right after
 * each MPI_Bsend returns: the data must already be copied). */
static void bsend_many(MPI_Comm comm, int right, int rank, int count, int tag, int messages,
                       int salt) {
  int *data = mp_malloc(sizeof(int) * (size_t)count);
  for (int m = 0; m < messages; ++m) {
    fill(data, count, rank, salt + m);
    CHECK_MPI(MPI_Bsend(data, count, MPI_INT, right, tag + m, comm));
    for (int i = 0; i < count; ++i) data[i] = -1;
  }
  free(data);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int right = mp_right(rank, size);
  const int left = mp_left(rank, size);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));

  const int big_bytes = kMessages * ((int)sizeof(int) * kBig + MPI_BSEND_OVERHEAD);
  char *comm_buffer = mp_malloc((size_t)big_bytes);
  char *process_buffer = mp_malloc((size_t)big_bytes);
  void *detached = NULL;
  int detached_size = -1;

  /* Nothing attached: detach and flush fail, a buffered send fails. */
  CHECK_ERROR_CLASS(MPI_Buffer_detach(&detached, &detached_size), MPI_ERR_BUFFER,
                    "MPI_Buffer_detach with no buffer attached");
  CHECK_ERROR_CLASS(MPI_Comm_detach_buffer(comm, &detached, &detached_size), MPI_ERR_BUFFER,
                    "MPI_Comm_detach_buffer with no buffer attached");
  CHECK_ERROR_CLASS(MPI_Buffer_flush(), MPI_ERR_BUFFER, "MPI_Buffer_flush with no buffer");
  CHECK_ERROR_CLASS(MPI_Comm_flush_buffer(comm), MPI_ERR_BUFFER,
                    "MPI_Comm_flush_buffer with no buffer");
  {
    int one = 1;
    CHECK_ERROR_CLASS(MPI_Bsend(&one, 1, MPI_INT, right, 1, comm), MPI_ERR_BUFFER,
                      "MPI_Bsend with no buffer attached");
  }

  /* A communicator's buffer serves that communicator only. */
  CHECK_MPI(MPI_Comm_attach_buffer(comm, comm_buffer, big_bytes));
  CHECK_ERROR_CLASS(MPI_Comm_attach_buffer(comm, process_buffer, big_bytes), MPI_ERR_BUFFER,
                    "a second MPI_Comm_attach_buffer on the same communicator");
  bsend_many(comm, right, rank, kBig, 100, kMessages, 10);
  {
    int one = 1;
    CHECK_ERROR_CLASS(MPI_Bsend(&one, 1, MPI_INT, right, 1, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                      "MPI_Bsend on a communicator without a buffer, none on the process");
  }
  receive_checked(comm, left, kBig, 100, kMessages, 10, "communicator buffer");
  CHECK_MPI(MPI_Comm_flush_buffer(comm));

  /* The communicator's buffer takes precedence over the process's: with a process buffer
   * too small for one message, big messages still go on `comm`, not on the world. */
  const int small_bytes = (int)sizeof(int) + MPI_BSEND_OVERHEAD;
  CHECK_MPI(MPI_Buffer_attach(process_buffer, small_bytes));
  CHECK_ERROR_CLASS(MPI_Buffer_attach(process_buffer, big_bytes), MPI_ERR_BUFFER,
                    "a second MPI_Buffer_attach");
  bsend_many(comm, right, rank, kBig, 200, kMessages, 20);
  {
    int *data = mp_malloc(sizeof(int) * kBig);
    fill(data, kBig, rank, 0);
    CHECK_ERROR_CLASS(MPI_Bsend(data, kBig, MPI_INT, right, 1, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                      "a message larger than the process buffer");
    free(data);
  }
  bsend_many(MPI_COMM_WORLD, right, rank, 1, 300, 1, 30);
  receive_checked(comm, left, kBig, 200, kMessages, 20, "precedence, communicator");
  receive_checked(MPI_COMM_WORLD, left, 1, 300, 1, 30, "precedence, process");
  CHECK_MPI(MPI_Buffer_flush());

  /* Nonblocking flushes. Messages are received after the flush is started; the flush
   * completes once they are delivered. */
  bsend_many(comm, right, rank, kBig, 400, kMessages, 40);
  bsend_many(MPI_COMM_WORLD, right, rank, 1, 500, 1, 50);
  MPI_Request flushes[2];
  CHECK_MPI(MPI_Comm_iflush_buffer(comm, &flushes[0]));
  CHECK_MPI(MPI_Buffer_iflush(&flushes[1]));
  receive_checked(comm, left, kBig, 400, kMessages, 40, "iflush, communicator");
  receive_checked(MPI_COMM_WORLD, left, 1, 500, 1, 50, "iflush, process");
  CHECK_MPI(MPI_Waitall(2, flushes, MPI_STATUSES_IGNORE));
  CHECK(flushes[0] == MPI_REQUEST_NULL && flushes[1] == MPI_REQUEST_NULL,
        "completed flush requests are freed");

  /* Detach both; the addresses and sizes come back. */
  CHECK_MPI(MPI_Comm_detach_buffer(comm, &detached, &detached_size));
  CHECK(detached == comm_buffer, "MPI_Comm_detach_buffer address");
  CHECK_INT(detached_size, big_bytes, "MPI_Comm_detach_buffer size");
  CHECK_MPI(MPI_Buffer_detach(&detached, &detached_size));
  CHECK(detached == process_buffer, "MPI_Buffer_detach address");
  CHECK_INT(detached_size, small_bytes, "MPI_Buffer_detach size");

  /* MPI_BUFFER_AUTOMATIC: no size limit, on the process and on a communicator. */
  CHECK_MPI(MPI_Buffer_attach(MPI_BUFFER_AUTOMATIC, 0));
  bsend_many(MPI_COMM_WORLD, right, rank, kBig, 600, 3 * kMessages, 60);
  CHECK_MPI(MPI_Comm_attach_buffer(comm, MPI_BUFFER_AUTOMATIC, 0));
  bsend_many(comm, right, rank, kBig, 700, 3 * kMessages, 70);
  receive_checked(MPI_COMM_WORLD, left, kBig, 600, 3 * kMessages, 60, "automatic, process");
  receive_checked(comm, left, kBig, 700, 3 * kMessages, 70, "automatic, communicator");
  CHECK_MPI(MPI_Comm_detach_buffer(comm, &detached, &detached_size));
  CHECK(detached == MPI_BUFFER_AUTOMATIC, "MPI_Comm_detach_buffer of an automatic buffer");
  CHECK_MPI(MPI_Buffer_detach(&detached, &detached_size));
  CHECK(detached == MPI_BUFFER_AUTOMATIC, "MPI_Buffer_detach of an automatic buffer");

  CHECK_MPI(MPI_Comm_free(&comm));
  free(process_buffer);
  free(comm_buffer);
  mp_report_ok("p2p_bsend_buffers");
  MPI_Finalize();
  return 0;
}
