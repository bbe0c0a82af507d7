/*
 * Invalid arguments with MPI_ERRORS_RETURN: each call must fail with the error class the
 * standard assigns (checked through MPI_Error_class) and a non-empty MPI_Error_string,
 * must not send or post anything, and the process must stay usable: a normal exchange
 * afterwards works and no stray message is left behind.
 *
 * Receives that an implementation might fail to reject are posted nonblocking, so a missed
 * check shows up as a failure here rather than as a receive that blocks forever.
 */
#include "mp_check.h"

#include <limits.h>

static int world_rank;
static int world_size;

/* A nonblocking receive that must be rejected; if it was accepted, it is cancelled so
 * the test can report the failure instead of hanging. */
static int rejected_irecv(void *buffer, int count, MPI_Datatype type, int source, int tag,
                          MPI_Comm comm) {
  MPI_Request request = MPI_REQUEST_NULL;
  int rc = MPI_Irecv(buffer, count, type, source, tag, comm, &request);
  if (rc == MPI_SUCCESS && request != MPI_REQUEST_NULL) {
    MPI_Cancel(&request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  }
  return rc;
}

static void point_to_point_arguments(void) {
  int data[4] = {1, 2, 3, 4};
  int self = world_rank;
  MPI_Request request = MPI_REQUEST_NULL;

  /* Ranks outside the communicator. */
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, world_size, 0, MPI_COMM_WORLD), MPI_ERR_RANK,
                    "MPI_Send to rank %d (= size)", world_size);
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, -5, 0, MPI_COMM_WORLD), MPI_ERR_RANK,
                    "MPI_Send to rank -5");
  CHECK_ERROR_CLASS(MPI_Isend(data, 1, MPI_INT, world_size + 7, 0, MPI_COMM_WORLD, &request),
                    MPI_ERR_RANK, "MPI_Isend to rank size + 7");
  CHECK_ERROR_CLASS(MPI_Ssend(data, 1, MPI_INT, world_size, 0, MPI_COMM_WORLD), MPI_ERR_RANK,
                    "MPI_Ssend to rank size");
  CHECK_ERROR_CLASS(MPI_Recv(data, 1, MPI_INT, world_size, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
                    MPI_ERR_RANK, "MPI_Recv from rank size");
  CHECK_ERROR_CLASS(rejected_irecv(data, 1, MPI_INT, -5, 0, MPI_COMM_WORLD), MPI_ERR_RANK,
                    "MPI_Irecv from rank -5 (no rank and no sentinel)");
  int flag = 0;
  CHECK_ERROR_CLASS(MPI_Iprobe(world_size, 0, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE),
                    MPI_ERR_RANK, "MPI_Iprobe of rank size");
  /* MPI_ANY_SOURCE is for receiving only. */
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, MPI_ANY_SOURCE, 0, MPI_COMM_WORLD), MPI_ERR_RANK,
                    "MPI_Send to MPI_ANY_SOURCE");
  MPI_Status status;
  CHECK_ERROR_CLASS(MPI_Sendrecv(data, 1, MPI_INT, world_size, 0, data + 1, 1, MPI_INT, self, 0,
                                 MPI_COMM_WORLD, &status),
                    MPI_ERR_RANK, "MPI_Sendrecv to rank size");

  /* Negative counts. */
  CHECK_ERROR_CLASS(MPI_Send(data, -1, MPI_INT, self, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
                    "MPI_Send with count -1");
  CHECK_ERROR_CLASS(rejected_irecv(data, -1, MPI_INT, self, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
                    "MPI_Irecv with count -1");

  /* Null datatype. */
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_DATATYPE_NULL, self, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                    "MPI_Send with MPI_DATATYPE_NULL");
  CHECK_ERROR_CLASS(rejected_irecv(data, 1, MPI_DATATYPE_NULL, self, 0, MPI_COMM_WORLD),
                    MPI_ERR_TYPE, "MPI_Irecv with MPI_DATATYPE_NULL");

  /* Tags: negative values other than MPI_ANY_TAG, MPI_ANY_TAG on a send, above MPI_TAG_UB. */
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, self, -5, MPI_COMM_WORLD), MPI_ERR_TAG,
                    "MPI_Send with tag -5");
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, self, MPI_ANY_TAG, MPI_COMM_WORLD), MPI_ERR_TAG,
                    "MPI_Send with MPI_ANY_TAG");
  CHECK_ERROR_CLASS(rejected_irecv(data, 1, MPI_INT, self, -5, MPI_COMM_WORLD), MPI_ERR_TAG,
                    "MPI_Irecv with tag -5");
  void *attribute = NULL;
  int present = 0;
  CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &attribute, &present));
  CHECK(present, "MPI_TAG_UB present");
  int tag_ub = *(int *)attribute;
  if (tag_ub < INT_MAX) {
    CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, self, tag_ub + 1, MPI_COMM_WORLD), MPI_ERR_TAG,
                      "MPI_Send with tag MPI_TAG_UB + 1 (%d)", tag_ub + 1);
  }

  /* Null communicator. */
  CHECK_ERROR_CLASS(MPI_Send(data, 1, MPI_INT, 0, 0, MPI_COMM_NULL), MPI_ERR_COMM,
                    "MPI_Send on MPI_COMM_NULL");
  CHECK_ERROR_CLASS(MPI_Recv(data, 1, MPI_INT, 0, 0, MPI_COMM_NULL, MPI_STATUS_IGNORE),
                    MPI_ERR_COMM, "MPI_Recv on MPI_COMM_NULL");
  int value = -1;
  CHECK_ERROR_CLASS(MPI_Comm_rank(MPI_COMM_NULL, &value), MPI_ERR_COMM, "MPI_Comm_rank of null");
  CHECK_ERROR_CLASS(MPI_Comm_size(MPI_COMM_NULL, &value), MPI_ERR_COMM, "MPI_Comm_size of null");

  /* A null buffer with a positive count. */
  CHECK_ERROR_CLASS(MPI_Send(NULL, 5, MPI_INT, self, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                    "MPI_Send of 5 ints from NULL");
  CHECK_ERROR_CLASS(rejected_irecv(NULL, 5, MPI_INT, self, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                    "MPI_Irecv of 5 ints into NULL");

  /* Freeing the null request is an error; waiting on it is not. */
  request = MPI_REQUEST_NULL;
  CHECK_ERROR_CLASS(MPI_Request_free(&request), MPI_ERR_REQUEST,
                    "MPI_Request_free of MPI_REQUEST_NULL");
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));

  /* MPI_Get_count needs a datatype. */
  MPI_Status sample;
  CHECK_MPI(MPI_Sendrecv(data, 2, MPI_INT, self, 3, data + 2, 2, MPI_INT, self, 3, MPI_COMM_WORLD,
                         &sample));
  CHECK_ERROR_CLASS(MPI_Get_count(&sample, MPI_DATATYPE_NULL, &value), MPI_ERR_TYPE,
                    "MPI_Get_count with MPI_DATATYPE_NULL");
}

static void datatype_arguments(void) {
  MPI_Datatype type = MPI_DATATYPE_NULL;
  CHECK_ERROR_CLASS(MPI_Type_commit(&type), MPI_ERR_TYPE, "MPI_Type_commit of MPI_DATATYPE_NULL");
  MPI_Datatype predefined = MPI_INT;
  CHECK_ERROR_CLASS(MPI_Type_free(&predefined), MPI_ERR_TYPE, "MPI_Type_free of MPI_INT");
  CHECK(predefined == MPI_INT, "a rejected MPI_Type_free must leave the handle alone");
  MPI_Datatype result;
  CHECK_ERROR_CLASS(MPI_Type_contiguous(-1, MPI_INT, &result), MPI_ERR_COUNT,
                    "MPI_Type_contiguous with count -1");
  CHECK_ERROR_CLASS(MPI_Type_vector(2, 1, 2, MPI_DATATYPE_NULL, &result), MPI_ERR_TYPE,
                    "MPI_Type_vector of MPI_DATATYPE_NULL");

  /* Communicating with a derived type that was never committed. */
  MPI_Datatype uncommitted;
  CHECK_MPI(MPI_Type_contiguous(2, MPI_INT, &uncommitted));
  int data[2] = {5, 6};
  CHECK_ERROR_CLASS(MPI_Send(data, 1, uncommitted, world_rank, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                    "MPI_Send with an uncommitted type");
  CHECK_MPI(MPI_Type_free(&uncommitted));
}

/* Collectives: every rank passes the same bad argument, so every rank fails before any
 * communication. Then arguments that are not significant on a rank must not be checked
 * there: the receive side of MPI_Gather off the root, sendcount and sendtype with
 * MPI_IN_PLACE at the root. */
static void collective_arguments(void) {
  int data[4] = {1, 2, 3, 4};
  CHECK_ERROR_CLASS(MPI_Bcast(data, -1, MPI_INT, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
                    "MPI_Bcast with count -1");
  CHECK_ERROR_CLASS(MPI_Bcast(data, 1, MPI_INT, world_size, MPI_COMM_WORLD), MPI_ERR_ROOT,
                    "MPI_Bcast with root size");
  CHECK_ERROR_CLASS(MPI_Bcast(data, 1, MPI_DATATYPE_NULL, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                    "MPI_Bcast with MPI_DATATYPE_NULL");
  CHECK_ERROR_CLASS(MPI_Bcast(NULL, 4, MPI_INT, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER,
                    "MPI_Bcast of NULL with count 4");
  CHECK_ERROR_CLASS(MPI_Allreduce(data, data + 2, 1, MPI_INT, MPI_OP_NULL, MPI_COMM_WORLD),
                    MPI_ERR_OP, "MPI_Allreduce with MPI_OP_NULL");
  CHECK_ERROR_CLASS(MPI_Ibarrier(MPI_COMM_WORLD, NULL), MPI_ERR_ARG,
                    "MPI_Ibarrier with a NULL request");
  CHECK_ERROR_CLASS(MPI_Allgather(data, 1, MPI_INT, MPI_IN_PLACE, 1, MPI_INT, MPI_COMM_WORLD),
                    MPI_ERR_BUFFER, "MPI_Allgather into MPI_IN_PLACE");

  int gathered[64] = {0};
  int mine = 100 + world_rank;
  if (world_size <= 64) {
    if (world_rank == 0) {
      gathered[0] = mine;
      CHECK_MPI(MPI_Gather(MPI_IN_PLACE, -1, MPI_DATATYPE_NULL, gathered, 1, MPI_INT, 0,
                           MPI_COMM_WORLD));
      for (int i = 0; i < world_size; ++i) CHECK_INT(gathered[i], 100 + i, "gathered[%d]", i);
    } else {
      CHECK_MPI(MPI_Gather(&mine, 1, MPI_INT, NULL, -1, MPI_DATATYPE_NULL, 0, MPI_COMM_WORLD));
    }
  }
}

static void communicator_and_group_arguments(void) {
  MPI_Comm comm;
  CHECK_ERROR_CLASS(MPI_Comm_split(MPI_COMM_NULL, 0, 0, &comm), MPI_ERR_COMM,
                    "MPI_Comm_split of MPI_COMM_NULL");
  CHECK_ERROR_CLASS(MPI_Comm_dup(MPI_COMM_NULL, &comm), MPI_ERR_COMM,
                    "MPI_Comm_dup of MPI_COMM_NULL");
  CHECK_ERROR_CLASS(MPI_Barrier(MPI_COMM_NULL), MPI_ERR_COMM, "MPI_Barrier on MPI_COMM_NULL");
  MPI_Comm world = MPI_COMM_WORLD;
  CHECK_ERROR_CLASS(MPI_Comm_free(&world), MPI_ERR_COMM, "MPI_Comm_free of MPI_COMM_WORLD");
  CHECK_ERROR_CLASS(MPI_Comm_set_errhandler(MPI_COMM_NULL, MPI_ERRORS_RETURN), MPI_ERR_COMM,
                    "MPI_Comm_set_errhandler on MPI_COMM_NULL");

  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  MPI_Group group;
  int out_of_range[1] = {world_size};
  CHECK_ERROR_CLASS(MPI_Group_incl(world_group, 1, out_of_range, &group), MPI_ERR_RANK,
                    "MPI_Group_incl of rank %d", world_size);
  int negative[1] = {-2};
  CHECK_ERROR_CLASS(MPI_Group_excl(world_group, 1, negative, &group), MPI_ERR_RANK,
                    "MPI_Group_excl of rank -2");
  int value = -1;
  CHECK_ERROR_CLASS(MPI_Group_size(MPI_GROUP_NULL, &value), MPI_ERR_GROUP,
                    "MPI_Group_size of MPI_GROUP_NULL");
  CHECK_MPI(MPI_Group_free(&world_group));
}

static void info_arguments(void) {
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "present", "yes"));
  char key[MPI_MAX_INFO_KEY + 1];
  CHECK_ERROR_CLASS(MPI_Info_get_nthkey(info, 1, key), MPI_ERR_ARG,
                    "MPI_Info_get_nthkey past the last key");
  CHECK_ERROR_CLASS(MPI_Info_get_nthkey(info, -1, key), MPI_ERR_ARG, "MPI_Info_get_nthkey(-1)");

  char long_key[MPI_MAX_INFO_KEY + 16];
  memset(long_key, 'k', sizeof long_key - 1);
  long_key[sizeof long_key - 1] = '\0';
  CHECK_ERROR_CLASS(MPI_Info_set(info, long_key, "v"), MPI_ERR_INFO_KEY,
                    "MPI_Info_set with a key longer than MPI_MAX_INFO_KEY");
  CHECK_ERROR_CLASS(MPI_Info_set(info, "", "v"), MPI_ERR_INFO_KEY, "MPI_Info_set with empty key");
  int nkeys = -1;
  CHECK_MPI(MPI_Info_get_nkeys(info, &nkeys));
  CHECK_INT(nkeys, 1, "rejected MPI_Info_set calls must add nothing");
  /* The standard gives no class for a null info handle; MPI_ERR_INFO and MPI_ERR_ARG are the
   * natural ones. */
  CHECK_ERROR_CLASS2(MPI_Info_set(MPI_INFO_NULL, "k", "v"), MPI_ERR_INFO, MPI_ERR_ARG,
                     "MPI_Info_set on MPI_INFO_NULL");
  CHECK_MPI(MPI_Info_free(&info));
}

/* After all the rejected calls, an ordinary exchange works and nothing stray arrived. */
static void still_usable(void) {
  int left = mp_left(world_rank, world_size);
  int sent[3] = {mp_pattern_int(world_rank, 0, 7), mp_pattern_int(world_rank, 1, 7),
                 mp_pattern_int(world_rank, 2, 7)};
  int received[4] = {-1, -1, -1, -1};
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(sent, 3, MPI_INT, mp_right(world_rank, world_size), 7, received, 4,
                         MPI_INT, left, 7, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, left, 7, MPI_INT, 3, "exchange after the rejected calls");
  for (int i = 0; i < 3; ++i) {
    CHECK_INT(received[i], mp_pattern_int(left, i, 7), "element %d after the rejected calls", i);
  }
  mp_p2p_barrier(MPI_COMM_WORLD);
  int flag = -1;
  CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status));
  CHECK(!flag, "a rejected call left a message from rank %d with tag %d", status.MPI_SOURCE,
        status.MPI_TAG);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  /* Errors without a communicator of their own are raised on MPI_COMM_SELF (MPI 4.0) or
   * MPI_COMM_WORLD (earlier): both return. */
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));

  point_to_point_arguments();
  datatype_arguments();
  collective_arguments();
  communicator_and_group_arguments();
  info_arguments();
  still_usable();

  mp_report_ok("bad_input");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
