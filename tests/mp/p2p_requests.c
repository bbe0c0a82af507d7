/*
 * The remaining request calls:
 *   - MPI_Isendrecv and MPI_Isendrecv_replace around a ring (eager and rendezvous sizes,
 *     MPI_PROC_NULL, a strided type), completed by MPI_Wait / MPI_Waitall / a Test loop;
 *   - generalized requests: query_fn fills the status at MPI_Wait/MPI_Test and
 *     MPI_Request_get_status, free_fn runs once when the request is freed (after
 *     MPI_Grequest_complete, or in it when MPI_Request_free came first), cancel_fn gets the
 *     `complete` flag, callback errors come back from the completion call (MPI_ERR_IN_STATUS
 *     from MPI_Waitall), mixed with point-to-point requests in MPI_Waitall / MPI_Waitany /
 *     MPI_Testsome;
 *   - MPI_Request_get_status_all/_any/_some, which leave requests as they are;
 *   - MPI_Status_get/set_source/tag/error, MPI_Status_set_elements(_x);
 *   - calls that return one status (MPI_Recv, MPI_Probe, MPI_Mprobe, MPI_Improbe, MPI_Mrecv,
 *     MPI_Wait, MPI_Test, MPI_Waitany) leave its MPI_ERROR field alone (MPI-4.1, 3.2.5).
 */
#include <mpi.h>

#include "mp_check.h"

enum { kSmall = 9, kLarge = 9000, kSentinelError = MPI_ERR_DIMS };

static void isendrecv_ring(int rank, int size) {
  const int right = mp_right(rank, size);
  const int left = mp_left(rank, size);
  const int counts[2] = {kSmall, kLarge};
  int *send = mp_malloc(sizeof(int) * kLarge);
  int *recv = mp_malloc(sizeof(int) * (kLarge + 1));
  for (int c = 0; c < 2; ++c) {
    const int count = counts[c];
    for (int i = 0; i < count; ++i) send[i] = mp_pattern_int(rank, i, 1 + c);
    for (int i = 0; i <= count; ++i) recv[i] = -1;
    MPI_Request request;
    CHECK_MPI(MPI_Isendrecv(send, count, MPI_INT, right, 10 + c, recv, count + 1, MPI_INT, left,
                            10 + c, MPI_COMM_WORLD, &request));
    MPI_Status status;
    status.MPI_ERROR = kSentinelError;
    if (c == 0) {
      CHECK_MPI(MPI_Wait(&request, &status));
    } else {
      int flag = 0;
      while (!flag) CHECK_MPI(MPI_Test(&request, &flag, &status));
    }
    CHECK(request == MPI_REQUEST_NULL, "Isendrecv request freed by its completion");
    CHECK_STATUS(status, left, 10 + c, MPI_INT, count, "MPI_Isendrecv count %d", count);
    CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Isendrecv: MPI_Wait/Test keeps MPI_ERROR");
    for (int i = 0; i < count; ++i) {
      CHECK_INT(recv[i], mp_pattern_int(left, i, 1 + c), "MPI_Isendrecv count %d element %d",
                count, i);
    }
    CHECK_INT(recv[count], -1, "MPI_Isendrecv wrote past the message");

    /* Replace: the same buffer is sent and then overwritten; two of them at once, each
     * with its own staging copy. */
    int *buffers[2] = {mp_malloc(sizeof(int) * (size_t)count), mp_malloc(sizeof(int) * (size_t)count)};
    MPI_Request requests[2];
    for (int k = 0; k < 2; ++k) {
      for (int i = 0; i < count; ++i) buffers[k][i] = mp_pattern_int(rank, i, 20 + 2 * c + k);
      CHECK_MPI(MPI_Isendrecv_replace(buffers[k], count, MPI_INT, right, 20 + k, left, 20 + k,
                                      MPI_COMM_WORLD, &requests[k]));
    }
    MPI_Status statuses[2];
    CHECK_MPI(MPI_Waitall(2, requests, statuses));
    for (int k = 0; k < 2; ++k) {
      CHECK_STATUS(statuses[k], left, 20 + k, MPI_INT, count, "MPI_Isendrecv_replace %d", k);
      for (int i = 0; i < count; ++i) {
        CHECK_INT(buffers[k][i], mp_pattern_int(left, i, 20 + 2 * c + k),
                  "MPI_Isendrecv_replace count %d request %d element %d", count, k, i);
      }
      free(buffers[k]);
    }
  }

  /* A strided type: every other int of the buffer, in place. */
  MPI_Datatype strided;
  CHECK_MPI(MPI_Type_vector(kSmall, 1, 2, MPI_INT, &strided));
  CHECK_MPI(MPI_Type_commit(&strided));
  int both[2 * kSmall];
  for (int i = 0; i < 2 * kSmall; ++i) both[i] = i % 2 == 0 ? mp_pattern_int(rank, i, 7) : -3;
  MPI_Request request;
  CHECK_MPI(MPI_Isendrecv_replace(both, 1, strided, right, 30, left, 30, MPI_COMM_WORLD, &request));
  CHECK_MPI(MPI_Type_free(&strided));
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  for (int i = 0; i < 2 * kSmall; ++i) {
    CHECK_INT(both[i], i % 2 == 0 ? mp_pattern_int(left, i, 7) : -3,
              "MPI_Isendrecv_replace strided element %d", i);
  }

  /* MPI_PROC_NULL on either side. */
  int one = 5, got = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Isendrecv(&one, 1, MPI_INT, MPI_PROC_NULL, 0, &got, 1, MPI_INT, MPI_PROC_NULL, 0,
                          MPI_COMM_WORLD, &request));
  CHECK_MPI(MPI_Wait(&request, &status));
  CHECK_INT(status.MPI_SOURCE, MPI_PROC_NULL, "MPI_Isendrecv from MPI_PROC_NULL: source");
  CHECK_INT(got, -1, "MPI_Isendrecv from MPI_PROC_NULL leaves the buffer");
  free(recv);
  free(send);
}

/* ---- generalized requests ---- */

typedef struct GState {
  int queries;
  int frees;
  int cancels;
  int last_complete_flag;
  int query_error;  /* what query_fn returns */
  int tag;          /* what query_fn puts in the status */
} GState;

static int g_query(void *extra, MPI_Status *status) {
  GState *s = extra;
  ++s->queries;
  MPI_Status_set_source(status, 3);
  MPI_Status_set_tag(status, s->tag);
  MPI_Status_set_elements(status, MPI_INT, 4);
  MPI_Status_set_cancelled(status, 0);
  return s->query_error;
}

static int g_free(void *extra) {
  ++((GState *)extra)->frees;
  return MPI_SUCCESS;
}

static int g_cancel(void *extra, int complete) {
  GState *s = extra;
  ++s->cancels;
  s->last_complete_flag = complete;
  return MPI_SUCCESS;
}

static void generalized(int rank, int size) {
  /* Wait: query then free, once each. */
  GState a = {0, 0, 0, -1, MPI_SUCCESS, 77};
  MPI_Request request;
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &a, &request));
  int flag = 1;
  MPI_Status status;
  CHECK_MPI(MPI_Test(&request, &flag, &status));
  CHECK_INT(flag, 0, "a generalized request is not complete before MPI_Grequest_complete");
  CHECK_MPI(MPI_Request_get_status(request, &flag, &status));
  CHECK_INT(flag, 0, "MPI_Request_get_status before MPI_Grequest_complete");
  CHECK_MPI(MPI_Cancel(&request));
  CHECK_INT(a.cancels, 1, "cancel_fn ran");
  CHECK_INT(a.last_complete_flag, 0, "cancel_fn's complete flag before completion");
  CHECK_MPI(MPI_Grequest_complete(request));
  CHECK_MPI(MPI_Request_get_status(request, &flag, &status));
  CHECK_INT(flag, 1, "MPI_Request_get_status after MPI_Grequest_complete");
  CHECK_INT(status.MPI_TAG, 77, "MPI_Request_get_status runs query_fn");
  CHECK(request != MPI_REQUEST_NULL, "MPI_Request_get_status leaves the request");
  CHECK_INT(a.frees, 0, "free_fn not run by MPI_Request_get_status");
  CHECK_MPI(MPI_Cancel(&request));
  CHECK_INT(a.last_complete_flag, 1, "cancel_fn's complete flag after completion");
  status.MPI_ERROR = kSentinelError;
  CHECK_MPI(MPI_Wait(&request, &status));
  CHECK(request == MPI_REQUEST_NULL, "MPI_Wait frees a generalized request");
  CHECK_INT(a.queries, 2, "query_fn runs in MPI_Request_get_status and MPI_Wait");
  CHECK_INT(a.frees, 1, "free_fn runs once");
  CHECK_STATUS(status, 3, 77, MPI_INT, 4, "status filled by query_fn");
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Wait on a generalized request keeps MPI_ERROR");

  /* MPI_Request_free before MPI_Grequest_complete: free_fn runs in MPI_Grequest_complete
   * (no query). After completion: free_fn in MPI_Request_free. */
  GState b = {0, 0, 0, -1, MPI_SUCCESS, 1};
  MPI_Request keep;
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &b, &request));
  keep = request;
  CHECK_MPI(MPI_Request_free(&request));
  CHECK_INT(b.frees, 0, "free_fn waits for MPI_Grequest_complete");
  CHECK_MPI(MPI_Grequest_complete(keep));
  CHECK_INT(b.frees, 1, "free_fn runs in MPI_Grequest_complete after MPI_Request_free");
  CHECK_INT(b.queries, 0, "no query_fn for a request freed by MPI_Request_free");
  GState c = {0, 0, 0, -1, MPI_SUCCESS, 1};
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &c, &request));
  CHECK_MPI(MPI_Grequest_complete(request));
  CHECK_MPI(MPI_Request_free(&request));
  CHECK_INT(c.frees, 1, "free_fn runs in MPI_Request_free after completion");

  /* Mixed with point-to-point requests in MPI_Waitall, MPI_Waitany, MPI_Testsome. */
  const int right = mp_right(rank, size);
  const int left = mp_left(rank, size);
  GState d = {0, 0, 0, -1, MPI_SUCCESS, 5};
  GState e = {0, 0, 0, -1, MPI_SUCCESS, 6};
  int out = rank, in = -1;
  MPI_Request mixed[4];
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &d, &mixed[0]));
  CHECK_MPI(MPI_Irecv(&in, 1, MPI_INT, left, 40, MPI_COMM_WORLD, &mixed[1]));
  CHECK_MPI(MPI_Isend(&out, 1, MPI_INT, right, 40, MPI_COMM_WORLD, &mixed[2]));
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &e, &mixed[3]));
  int outcount = -1;
  int indices[4];
  MPI_Status statuses[4];
  CHECK_MPI(MPI_Grequest_complete(mixed[3]));
  int seen[4] = {0, 0, 0, 0};
  CHECK_MPI(MPI_Testsome(4, mixed, &outcount, indices, statuses));
  for (int k = 0; k < outcount; ++k) {
    CHECK(indices[k] != 0, "MPI_Testsome returned the generalized request not yet complete");
    seen[indices[k]] = 1;
    if (indices[k] == 3) CHECK_INT(statuses[k].MPI_TAG, 6, "MPI_Testsome status of request 3");
  }
  CHECK_MPI(MPI_Grequest_complete(mixed[0]));
  int index = -1;
  CHECK_MPI(MPI_Waitany(4, mixed, &index, &status));
  CHECK(index >= 0 && !seen[index], "MPI_Waitany index %d", index);
  seen[index] = 1;
  for (int k = 0; k < 4; ++k) statuses[k].MPI_ERROR = kSentinelError;
  CHECK_MPI(MPI_Waitall(4, mixed, statuses));
  for (int k = 0; k < 4; ++k) {
    CHECK(mixed[k] == MPI_REQUEST_NULL, "MPI_Waitall frees request %d", k);
    CHECK_INT(statuses[k].MPI_ERROR, kSentinelError,
              "MPI_Waitall that succeeds leaves MPI_ERROR of status %d", k);
  }
  CHECK_INT(in, left, "the receive among generalized requests");
  CHECK_INT(d.frees + e.frees, 2, "free_fn of both mixed generalized requests");

  /* A failing query_fn: its code comes back, in MPI_ERROR with MPI_ERR_IN_STATUS. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  GState f = {0, 0, 0, -1, MPI_ERR_INTERN, 8};
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &f, &request));
  CHECK_MPI(MPI_Grequest_complete(request));
  CHECK_ERROR_CLASS(MPI_Wait(&request, MPI_STATUS_IGNORE), MPI_ERR_INTERN,
                    "MPI_Wait returns query_fn's error");
  CHECK_INT(f.frees, 1, "free_fn runs after a failing query_fn");
  GState g = {0, 0, 0, -1, MPI_ERR_INTERN, 8};
  GState h = {0, 0, 0, -1, MPI_SUCCESS, 9};
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &g, &mixed[0]));
  CHECK_MPI(MPI_Grequest_start(g_query, g_free, g_cancel, &h, &mixed[1]));
  CHECK_MPI(MPI_Grequest_complete(mixed[0]));
  CHECK_MPI(MPI_Grequest_complete(mixed[1]));
  CHECK_ERROR_CLASS(MPI_Waitall(2, mixed, statuses), MPI_ERR_IN_STATUS,
                    "MPI_Waitall with a failing query_fn");
  CHECK_INT(statuses[0].MPI_ERROR, MPI_ERR_INTERN, "MPI_ERROR of the failed request");
  CHECK_INT(statuses[1].MPI_ERROR, MPI_SUCCESS, "MPI_ERROR of the request that succeeded");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

/* ---- MPI_Request_get_status_all / _any / _some ---- */

static void get_status_family(int rank, int size) {
  const int right = mp_right(rank, size);
  const int left = mp_left(rank, size);
  int in[3] = {-1, -1, -1}, out[3] = {rank, rank + 100, rank + 200};
  MPI_Request requests[4];
  requests[3] = MPI_REQUEST_NULL;
  /* Receives posted first, sends released by a message only after the checks below. */
  for (int k = 0; k < 3; ++k) {
    CHECK_MPI(MPI_Irecv(&in[k], 1, MPI_INT, left, 50 + k, MPI_COMM_WORLD, &requests[k]));
  }
  int flag = 1, index = 0, outcount = 0, indices[4];
  MPI_Status statuses[4], status;
  if (size > 1) {
    /* Nothing can have arrived: the left neighbour sends only after this rank says so. */
    CHECK_MPI(MPI_Request_get_status_all(4, requests, &flag, statuses));
    CHECK_INT(flag, 0, "MPI_Request_get_status_all before any message");
    CHECK_MPI(MPI_Request_get_status_any(4, requests, &index, &flag, &status));
    CHECK_INT(flag, 0, "MPI_Request_get_status_any before any message");
    CHECK_INT(index, MPI_UNDEFINED, "MPI_Request_get_status_any index before any message");
    CHECK_MPI(MPI_Request_get_status_some(4, requests, &outcount, indices, statuses));
    CHECK_INT(outcount, 0, "MPI_Request_get_status_some before any message");
  }
  /* Tell the left neighbour to send; wait for the right one to ask. */
  int go = 1, asked = 0;
  CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, 59, &asked, 1, MPI_INT, right, 59, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Send(&out[1], 1, MPI_INT, right, 51, MPI_COMM_WORLD));
  /* Request 1 completes; it is reported, and stays. */
  do {
    CHECK_MPI(MPI_Request_get_status_any(4, requests, &index, &flag, &status));
  } while (!flag);
  CHECK_INT(index, 1, "MPI_Request_get_status_any: the completed request");
  CHECK_INT(status.MPI_TAG, 51, "MPI_Request_get_status_any status");
  CHECK(requests[1] != MPI_REQUEST_NULL, "MPI_Request_get_status_any leaves the request");
  CHECK_MPI(MPI_Request_get_status_some(4, requests, &outcount, indices, statuses));
  CHECK_INT(outcount, 1, "MPI_Request_get_status_some: one complete");
  CHECK_INT(indices[0], 1, "MPI_Request_get_status_some index");
  CHECK_INT(statuses[0].MPI_SOURCE, left, "MPI_Request_get_status_some status");
  /* A second handshake before the other two messages. */
  CHECK_MPI(MPI_Sendrecv(&go, 1, MPI_INT, left, 58, &asked, 1, MPI_INT, right, 58, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Send(&out[0], 1, MPI_INT, right, 50, MPI_COMM_WORLD));
  CHECK_MPI(MPI_Send(&out[2], 1, MPI_INT, right, 52, MPI_COMM_WORLD));
  do {
    CHECK_MPI(MPI_Request_get_status_all(4, requests, &flag, statuses));
  } while (!flag);
  for (int k = 0; k < 3; ++k) {
    CHECK_INT(statuses[k].MPI_TAG, 50 + k, "MPI_Request_get_status_all status %d", k);
    CHECK(requests[k] != MPI_REQUEST_NULL, "MPI_Request_get_status_all leaves request %d", k);
  }
  CHECK_INT(statuses[3].MPI_TAG, MPI_ANY_TAG, "MPI_Request_get_status_all: null request");
  CHECK_MPI(MPI_Waitall(4, requests, MPI_STATUSES_IGNORE));
  for (int k = 0; k < 3; ++k) CHECK_INT(in[k], out[k] - rank + left, "received value %d", k);
  /* Only null requests. */
  CHECK_MPI(MPI_Request_get_status_any(4, requests, &index, &flag, &status));
  CHECK_INT(flag, 1, "MPI_Request_get_status_any over null requests: flag");
  CHECK_INT(index, MPI_UNDEFINED, "MPI_Request_get_status_any over null requests: index");
  CHECK_MPI(MPI_Request_get_status_some(4, requests, &outcount, indices, statuses));
  CHECK_INT(outcount, MPI_UNDEFINED, "MPI_Request_get_status_some over null requests");
  CHECK_MPI(MPI_Request_get_status_all(4, requests, &flag, statuses));
  CHECK_INT(flag, 1, "MPI_Request_get_status_all over null requests");
}

/* ---- status accessors and the MPI_ERROR field ---- */

static void status_fields(int rank, int size) {
  MPI_Status status;
  int value = -1;
  CHECK_MPI(MPI_Status_set_source(&status, 12));
  CHECK_MPI(MPI_Status_set_tag(&status, 34));
  CHECK_MPI(MPI_Status_set_error(&status, MPI_ERR_TAG));
  CHECK_MPI(MPI_Status_get_source(&status, &value));
  CHECK_INT(value, 12, "MPI_Status_get_source");
  CHECK_MPI(MPI_Status_get_tag(&status, &value));
  CHECK_INT(value, 34, "MPI_Status_get_tag");
  CHECK_MPI(MPI_Status_get_error(&status, &value));
  CHECK_INT(value, MPI_ERR_TAG, "MPI_Status_get_error");
  CHECK_INT(status.MPI_SOURCE, 12, "MPI_SOURCE field");
  CHECK_MPI(MPI_Status_set_elements_x(&status, MPI_DOUBLE, (MPI_Count)3));
  CHECK_MPI(MPI_Get_count(&status, MPI_DOUBLE, &value));
  CHECK_INT(value, 3, "MPI_Status_set_elements_x then MPI_Get_count");
  CHECK_MPI(MPI_Get_count(&status, MPI_BYTE, &value));
  CHECK_INT(value, 3 * (int)sizeof(double), "MPI_Status_set_elements_x bytes");

  /* One status: MPI_ERROR stays as the caller left it. */
  const int right = mp_right(rank, size);
  const int left = mp_left(rank, size);
  int out[3] = {rank, rank + 1, rank + 2}, in = -1;
  MPI_Request sends[3];
  for (int k = 0; k < 3; ++k) {
    CHECK_MPI(MPI_Isend(&out[k], 1, MPI_INT, right, 60 + k, MPI_COMM_WORLD, &sends[k]));
  }
  status.MPI_ERROR = kSentinelError;
  CHECK_MPI(MPI_Probe(left, 60, MPI_COMM_WORLD, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Probe leaves MPI_ERROR");
  CHECK_MPI(MPI_Recv(&in, 1, MPI_INT, left, 60, MPI_COMM_WORLD, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Recv leaves MPI_ERROR");
  MPI_Message message;
  CHECK_MPI(MPI_Mprobe(left, 61, MPI_COMM_WORLD, &message, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Mprobe leaves MPI_ERROR");
  CHECK_MPI(MPI_Mrecv(&in, 1, MPI_INT, &message, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Mrecv leaves MPI_ERROR");
  CHECK_INT(in, left + 1, "MPI_Mrecv value");
  int flag = 0;
  while (!flag) CHECK_MPI(MPI_Improbe(left, 62, MPI_COMM_WORLD, &flag, &message, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Improbe leaves MPI_ERROR");
  MPI_Request request;
  CHECK_MPI(MPI_Imrecv(&in, 1, MPI_INT, &message, &request));
  CHECK_MPI(MPI_Wait(&request, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Wait leaves MPI_ERROR");
  CHECK_MPI(MPI_Probe(MPI_PROC_NULL, 0, MPI_COMM_WORLD, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Probe of MPI_PROC_NULL leaves MPI_ERROR");
  int index = -1;
  CHECK_MPI(MPI_Waitany(3, sends, &index, &status));
  CHECK_INT(status.MPI_ERROR, kSentinelError, "MPI_Waitany leaves MPI_ERROR");
  CHECK_MPI(MPI_Waitall(3, sends, MPI_STATUSES_IGNORE));
}

/* ---- mistakes: the standard's error class, and the process stays usable ---- */

static void bad_arguments(int size) {
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int x = 0, y = 0;
  MPI_Request request = MPI_REQUEST_NULL;
  CHECK_ERROR_CLASS(MPI_Isendrecv(&x, 1, MPI_INT, size, 0, &y, 1, MPI_INT, 0, 0, MPI_COMM_WORLD,
                                  &request),
                    MPI_ERR_RANK, "MPI_Isendrecv to rank %d", size);
  CHECK_ERROR_CLASS(MPI_Isendrecv_replace(&x, -1, MPI_INT, 0, 0, 0, 0, MPI_COMM_WORLD, &request),
                    MPI_ERR_COUNT, "MPI_Isendrecv_replace with count -1");
  CHECK(request == MPI_REQUEST_NULL, "a failed MPI_Isendrecv leaves the request alone");
  CHECK_ERROR_CLASS(MPI_Grequest_start(NULL, g_free, g_cancel, NULL, &request), MPI_ERR_ARG,
                    "MPI_Grequest_start without query_fn");
  CHECK_ERROR_CLASS(MPI_Bcast_init(&x, 1, MPI_INT, size, MPI_COMM_WORLD, MPI_INFO_NULL, &request),
                    MPI_ERR_ROOT, "MPI_Bcast_init with root %d", size);
  CHECK_ERROR_CLASS(MPI_Allreduce_init(&x, &y, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD,
                                       MPI_INFO_NULL, &request),
                    MPI_ERR_OP, "MPI_Allreduce_init with MPI_OP_NULL");
  CHECK_ERROR_CLASS(MPI_Barrier_init(MPI_COMM_WORLD, MPI_INFO_NULL, NULL), MPI_ERR_ARG,
                    "MPI_Barrier_init with a NULL request");
  CHECK_MPI(MPI_Irecv(&y, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &request));
  CHECK_ERROR_CLASS(MPI_Start(&request), MPI_ERR_REQUEST, "MPI_Start of a nonpersistent request");
  CHECK_ERROR_CLASS(MPI_Grequest_complete(request), MPI_ERR_REQUEST,
                    "MPI_Grequest_complete of a receive");
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  CHECK_ERROR_CLASS(MPI_Comm_flush_buffer(MPI_COMM_NULL), MPI_ERR_COMM,
                    "MPI_Comm_flush_buffer on MPI_COMM_NULL");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  isendrecv_ring(rank, size);
  generalized(rank, size);
  get_status_family(rank, size);
  status_fields(rank, size);
  bad_arguments(size);
  mp_report_ok("p2p_requests");
  MPI_Finalize();
  return 0;
}
