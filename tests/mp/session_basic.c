/*
 * Sessions without the world model (MPI_Init is never called): MPI_Session_init with and
 * without a thread level, MPI_Session_get_info, the process sets (their number, names,
 * truncation of a name to a short buffer, "mpi_size"), groups and communicators from
 * mpi://WORLD, mpi://SELF and weft://host, point-to-point traffic and collectives on them
 * checked against references computed here, two sessions at once, a session made again
 * after every session was finalized, and the error paths: an unknown process set (the
 * error class and the message), the session's error handler (a user function, called with
 * the session and the code; MPI_Session_call_errhandler), a handler of the wrong kind.
 * MPI_Initialized and MPI_Finalized stay false throughout.
 *
 * With SESSION_BASIC_TWO_HOSTS=1 in the environment each process names its host by the
 * parity of its launch index (WEFT_HOSTNAME, before MPI starts), so weft://host is a strict
 * part of mpi://WORLD; the reference for it comes from MPI_Get_processor_name.
 */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <mpi.h>

#include "mp_check.h"

static int handler_calls = 0;
static int handler_code = 0;
static MPI_Session handler_session = MPI_SESSION_NULL;

static void session_handler(MPI_Session *session, int *code, ...) {
  ++handler_calls;
  handler_code = *code;
  handler_session = *session;
}

static void comm_handler(MPI_Comm *comm, int *code, ...) {
  (void)comm;
  (void)code;
}

static void check_world_model_untouched(const char *where) {
  int flag = -1;
  CHECK_MPI(MPI_Initialized(&flag));
  CHECK_INT(flag, 0, "MPI_Initialized %s", where);
  CHECK_MPI(MPI_Finalized(&flag));
  CHECK_INT(flag, 0, "MPI_Finalized %s", where);
}

/* The size of process set `name` as MPI_Session_get_pset_info reports it. */
static int pset_size(MPI_Session session, const char *name) {
  MPI_Info info;
  CHECK_MPI(MPI_Session_get_pset_info(session, name, &info));
  char value[MPI_MAX_INFO_VAL];
  int flag = 0;
  CHECK_MPI(MPI_Info_get(info, "mpi_size", MPI_MAX_INFO_VAL - 1, value, &flag));
  CHECK(flag, "process set %s has no mpi_size", name);
  CHECK_MPI(MPI_Info_free(&info));
  return atoi(value);
}

static MPI_Comm comm_from_pset(MPI_Session session, const char *pset, const char *tag) {
  MPI_Group group;
  CHECK_MPI(MPI_Group_from_session_pset(session, pset, &group));
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_create_from_group(group, tag, MPI_INFO_NULL, MPI_ERRORS_RETURN, &comm));
  CHECK(comm != MPI_COMM_NULL, "communicator from %s", pset);
  int group_size = 0;
  int comm_size = 0;
  CHECK_MPI(MPI_Group_size(group, &group_size));
  CHECK_MPI(MPI_Comm_size(comm, &comm_size));
  CHECK_INT(comm_size, group_size, "size of the communicator from %s", pset);
  CHECK_MPI(MPI_Group_free(&group));
  return comm;
}

/* Point-to-point and collectives on a communicator over every process of the job, checked
 * against serial references. `salt` tells rounds apart. */
static void exercise(MPI_Comm comm, int salt, const char *where) {
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  const int right = (rank + 1) % size;
  const int left = (rank + size - 1) % size;
  enum { kCount = 257 };
  int out[kCount];
  int in[kCount];
  for (int i = 0; i < kCount; ++i) out[i] = mp_pattern_int(rank, i, salt);
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(out, kCount, MPI_INT, right, 7, in, kCount, MPI_INT, left, 7, comm,
                         &status));
  CHECK_STATUS(status, left, 7, MPI_INT, kCount, "%s: ring", where);
  for (int i = 0; i < kCount; ++i) {
    CHECK_INT(in[i], mp_pattern_int(left, i, salt), "%s: ring element %d", where, i);
  }

  /* Nonblocking, many tags, received in reverse order. */
  enum { kTags = 6 };
  MPI_Request requests[2 * kTags];
  int sent[kTags];
  int got[kTags];
  for (int t = 0; t < kTags; ++t) {
    sent[t] = mp_pattern_int(rank, t, salt + 1);
    CHECK_MPI(MPI_Irecv(&got[kTags - 1 - t], 1, MPI_INT, left, kTags - 1 - t, comm,
                        &requests[t]));
  }
  for (int t = 0; t < kTags; ++t) {
    CHECK_MPI(MPI_Isend(&sent[t], 1, MPI_INT, right, t, comm, &requests[kTags + t]));
  }
  CHECK_MPI(MPI_Waitall(2 * kTags, requests, MPI_STATUSES_IGNORE));
  for (int t = 0; t < kTags; ++t) {
    CHECK_INT(got[t], mp_pattern_int(left, t, salt + 1), "%s: tag %d", where, t);
  }

  /* Broadcast from the last rank. */
  int root_data[kCount];
  for (int i = 0; i < kCount; ++i) {
    root_data[i] = rank == size - 1 ? mp_pattern_int(size - 1, i, salt + 2) : -1;
  }
  CHECK_MPI(MPI_Bcast(root_data, kCount, MPI_INT, size - 1, comm));
  for (int i = 0; i < kCount; ++i) {
    CHECK_INT(root_data[i], mp_pattern_int(size - 1, i, salt + 2), "%s: bcast %d", where, i);
  }

  /* Allreduce (sum and max) against the serial result. */
  long long mine[2] = {mp_pattern_int(rank, 0, salt + 3), mp_pattern_int(rank, 1, salt + 3)};
  long long sums[2];
  CHECK_MPI(MPI_Allreduce(mine, sums, 2, MPI_LONG_LONG, MPI_SUM, comm));
  long long expected[2] = {0, 0};
  for (int r = 0; r < size; ++r) {
    expected[0] += mp_pattern_int(r, 0, salt + 3);
    expected[1] += mp_pattern_int(r, 1, salt + 3);
  }
  CHECK_INT(sums[0], expected[0], "%s: allreduce sum 0", where);
  CHECK_INT(sums[1], expected[1], "%s: allreduce sum 1", where);
  int top = 0;
  int value = mp_pattern_int(rank, 2, salt) % 1000;
  CHECK_MPI(MPI_Allreduce(&value, &top, 1, MPI_INT, MPI_MAX, comm));
  int expected_top = 0;
  for (int r = 0; r < size; ++r) {
    int v = mp_pattern_int(r, 2, salt) % 1000;
    if (v > expected_top) expected_top = v;
  }
  CHECK_INT(top, expected_top, "%s: allreduce max", where);

  /* Gather to rank 0, alltoall, scan, barrier. */
  int *gathered = mp_malloc(sizeof(int) * (size_t)size);
  int one = mp_pattern_int(rank, 3, salt);
  CHECK_MPI(MPI_Gather(&one, 1, MPI_INT, gathered, 1, MPI_INT, 0, comm));
  if (rank == 0) {
    for (int r = 0; r < size; ++r) {
      CHECK_INT(gathered[r], mp_pattern_int(r, 3, salt), "%s: gather from %d", where, r);
    }
  }
  int *to_all = mp_malloc(sizeof(int) * (size_t)size);
  int *from_all = mp_malloc(sizeof(int) * (size_t)size);
  for (int r = 0; r < size; ++r) to_all[r] = mp_pattern_int(rank, r, salt + 4);
  CHECK_MPI(MPI_Alltoall(to_all, 1, MPI_INT, from_all, 1, MPI_INT, comm));
  for (int r = 0; r < size; ++r) {
    CHECK_INT(from_all[r], mp_pattern_int(r, rank, salt + 4), "%s: alltoall from %d", where, r);
  }
  int prefix = 0;
  int contribution = rank + 1 + salt;
  CHECK_MPI(MPI_Scan(&contribution, &prefix, 1, MPI_INT, MPI_SUM, comm));
  int expected_prefix = 0;
  for (int r = 0; r <= rank; ++r) expected_prefix += r + 1 + salt;
  CHECK_INT(prefix, expected_prefix, "%s: scan", where);
  MPI_Request barrier;
  CHECK_MPI(MPI_Ibarrier(comm, &barrier));
  CHECK_MPI(MPI_Wait(&barrier, MPI_STATUS_IGNORE));
  free(gathered);
  free(to_all);
  free(from_all);
}

static void check_psets(MPI_Session session, int world_size) {
  int count = 0;
  CHECK_MPI(MPI_Session_get_num_psets(session, MPI_INFO_NULL, &count));
  CHECK(count >= 3, "MPI_Session_get_num_psets gave %d", count);
  int saw_world = 0;
  int saw_self = 0;
  int saw_host = 0;
  for (int n = 0; n < count; ++n) {
    int length = 0;
    CHECK_MPI(MPI_Session_get_nth_pset(session, MPI_INFO_NULL, n, &length, NULL));
    CHECK(length > 1 && length <= MPI_MAX_PSET_NAME_LEN, "length of set %d: %d", n, length);
    char name[MPI_MAX_PSET_NAME_LEN];
    int capacity = MPI_MAX_PSET_NAME_LEN;
    CHECK_MPI(MPI_Session_get_nth_pset(session, MPI_INFO_NULL, n, &capacity, name));
    CHECK_INT(capacity, length, "length given back with a large buffer, set %d", n);
    CHECK_INT(strlen(name) + 1, length, "name of set %d", n);
    /* A buffer of 4: three characters and the terminator. */
    char shortname[8];
    memset(shortname, 'x', sizeof shortname);
    int short_capacity = 4;
    CHECK_MPI(MPI_Session_get_nth_pset(session, MPI_INFO_NULL, n, &short_capacity, shortname));
    CHECK_INT(short_capacity, length, "length given back with a short buffer, set %d", n);
    CHECK(strncmp(shortname, name, 3) == 0 && shortname[3] == '\0' && shortname[4] == 'x',
          "set %d truncated to 4 bytes: \"%.8s\"", n, shortname);
    const int set_size = pset_size(session, name);
    if (strcmp(name, "mpi://WORLD") == 0) {
      saw_world = 1;
      CHECK_INT(set_size, world_size, "mpi_size of mpi://WORLD");
    } else if (strcmp(name, "mpi://SELF") == 0) {
      saw_self = 1;
      CHECK_INT(set_size, 1, "mpi_size of mpi://SELF");
    } else if (strcmp(name, "weft://host") == 0) {
      saw_host = 1;
    }
    MPI_Group group;
    CHECK_MPI(MPI_Group_from_session_pset(session, name, &group));
    int group_size = 0;
    int group_rank = -1;
    CHECK_MPI(MPI_Group_size(group, &group_size));
    CHECK_MPI(MPI_Group_rank(group, &group_rank));
    CHECK_INT(group_size, set_size, "group from %s", name);
    CHECK(group_rank >= 0 && group_rank < group_size, "this process in %s: rank %d", name,
          group_rank);
    CHECK_MPI(MPI_Group_free(&group));
  }
  CHECK(saw_world && saw_self && saw_host, "sets listed: world %d self %d host %d", saw_world,
        saw_self, saw_host);
  /* Names are matched without regard to case. */
  CHECK_INT(pset_size(session, "MPI://world"), world_size, "mpi://WORLD in another case");
}

/* weft://host against a reference: the processes whose processor name is this one's. */
static void check_host_set(MPI_Session session, MPI_Comm world) {
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(world, &rank));
  CHECK_MPI(MPI_Comm_size(world, &size));
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  memset(name, 0, sizeof name);
  CHECK_MPI(MPI_Get_processor_name(name, &length));
  char *names = mp_malloc((size_t)size * MPI_MAX_PROCESSOR_NAME);
  CHECK_MPI(MPI_Allgather(name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, names, MPI_MAX_PROCESSOR_NAME,
                          MPI_CHAR, world));
  int expected = 0;
  int expected_rank = 0;
  for (int r = 0; r < size; ++r) {
    if (strcmp(names + (size_t)r * MPI_MAX_PROCESSOR_NAME, name) == 0) {
      if (r < rank) ++expected_rank;
      ++expected;
    }
  }
  CHECK_INT(pset_size(session, "weft://host"), expected, "mpi_size of weft://host");
  MPI_Comm host = comm_from_pset(session, "weft://host", "session_basic.host");
  int host_rank = -1;
  int host_size = 0;
  CHECK_MPI(MPI_Comm_rank(host, &host_rank));
  CHECK_MPI(MPI_Comm_size(host, &host_size));
  CHECK_INT(host_size, expected, "size of the host communicator");
  CHECK_INT(host_rank, expected_rank, "rank in the host communicator");
  int sum = 0;
  CHECK_MPI(MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, host));
  int expected_sum = 0;
  for (int r = 0; r < size; ++r) {
    if (strcmp(names + (size_t)r * MPI_MAX_PROCESSOR_NAME, name) == 0) expected_sum += r;
  }
  CHECK_INT(sum, expected_sum, "sum of world ranks over the host communicator");
  CHECK_MPI(MPI_Comm_free(&host));
  free(names);
}

static void check_errors(MPI_Session session) {
  /* An unknown set with MPI_ERRORS_RETURN on the session: the class and the message. */
  MPI_Group group = MPI_GROUP_NULL;
  int rc = MPI_Group_from_session_pset(session, "mpi://NO_SUCH_SET", &group);
  CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "MPI_Group_from_session_pset of an unknown set");
  CHECK(group == MPI_GROUP_NULL, "the group output is left alone on failure");
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  CHECK_MPI(MPI_Error_string(rc, text, &length));
  CHECK(strstr(text, "mpi://NO_SUCH_SET") != NULL, "message names the set: \"%s\"", text);
  MPI_Info info = MPI_INFO_NULL;
  CHECK_ERROR_CLASS(MPI_Session_get_pset_info(session, "weft://nowhere", &info), MPI_ERR_ARG,
                    "MPI_Session_get_pset_info of an unknown set");
  int capacity = 16;
  char name[16];
  CHECK_ERROR_CLASS(MPI_Session_get_nth_pset(session, MPI_INFO_NULL, 1000, &capacity, name),
                    MPI_ERR_ARG, "MPI_Session_get_nth_pset past the last set");

  /* A user handler: called with the session and the code, and the call returns the code. */
  MPI_Errhandler handler;
  CHECK_MPI(MPI_Session_create_errhandler(session_handler, &handler));
  CHECK_MPI(MPI_Session_set_errhandler(session, handler));
  MPI_Errhandler current = MPI_ERRHANDLER_NULL;
  CHECK_MPI(MPI_Session_get_errhandler(session, &current));
  CHECK(current == handler, "MPI_Session_get_errhandler gives the handler set");
  CHECK_MPI(MPI_Errhandler_free(&current));
  handler_calls = 0;
  rc = MPI_Group_from_session_pset(session, "mpi://NOT_THERE", &group);
  CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "unknown set with a user handler");
  CHECK_INT(handler_calls, 1, "calls of the session handler");
  CHECK_INT(handler_code, rc, "code the handler saw");
  CHECK(handler_session == session, "session the handler saw");
  CHECK_MPI(MPI_Session_call_errhandler(session, MPI_ERR_OTHER));
  CHECK_INT(handler_calls, 2, "calls after MPI_Session_call_errhandler");
  CHECK_INT(handler_code, MPI_ERR_OTHER, "code passed by MPI_Session_call_errhandler");

  /* A communicator handler does not fit a session, nor a session handler a communicator. */
  MPI_Errhandler for_comms;
  CHECK_MPI(MPI_Comm_create_errhandler(comm_handler, &for_comms));
  handler_calls = 0;
  rc = MPI_Session_set_errhandler(session, for_comms);
  CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "a communicator handler set on a session");
  CHECK_INT(handler_calls, 1, "the session's handler reported it");
  MPI_Group world_group;
  CHECK_MPI(MPI_Group_from_session_pset(session, "mpi://SELF", &world_group));
  MPI_Comm comm = MPI_COMM_NULL;
  /* The errhandler argument also handles this call's own errors; a session handler there is
   * refused and the error takes the default path, which would end the job, so only the
   * valid case is run: MPI_ERRORS_RETURN. */
  CHECK_MPI(MPI_Comm_create_from_group(world_group, "session_basic.self", MPI_INFO_NULL,
                                       MPI_ERRORS_RETURN, &comm));
  int self_size = 0;
  CHECK_MPI(MPI_Comm_size(comm, &self_size));
  CHECK_INT(self_size, 1, "communicator from mpi://SELF");
  int echoed = 0;
  int token = 42;
  CHECK_MPI(MPI_Sendrecv(&token, 1, MPI_INT, 0, 3, &echoed, 1, MPI_INT, 0, 3, comm,
                         MPI_STATUS_IGNORE));
  CHECK_INT(echoed, 42, "message to self over mpi://SELF");
  CHECK_MPI(MPI_Comm_free(&comm));
  /* MPI_GROUP_EMPTY gives MPI_COMM_NULL. */
  CHECK_MPI(MPI_Comm_create_from_group(MPI_GROUP_EMPTY, "session_basic.empty", MPI_INFO_NULL,
                                       MPI_ERRORS_RETURN, &comm));
  CHECK(comm == MPI_COMM_NULL, "communicator from MPI_GROUP_EMPTY");
  CHECK_MPI(MPI_Group_free(&world_group));
  CHECK_MPI(MPI_Errhandler_free(&for_comms));
  CHECK_MPI(MPI_Session_set_errhandler(session, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Errhandler_free(&handler));
}

int main(void) {
  const char *two_hosts = getenv("SESSION_BASIC_TWO_HOSTS");
  const char *launch_index = getenv("PMI_RANK");
  if (two_hosts != NULL && atoi(two_hosts) == 1 && launch_index != NULL) {
    char host[64];
    snprintf(host, sizeof host, "session-basic-host-%d", atoi(launch_index) % 2);
    setenv("WEFT_HOSTNAME", host, 1);
  }
  check_world_model_untouched("before any session");

  /* A handler made before any session exists. */
  MPI_Errhandler handler;
  CHECK_MPI(MPI_Session_create_errhandler(session_handler, &handler));

  MPI_Info hints;
  CHECK_MPI(MPI_Info_create(&hints));
  CHECK_MPI(MPI_Info_set(hints, "mpi_thread_support_level", "MPI_THREAD_SERIALIZED"));
  MPI_Session first = MPI_SESSION_NULL;
  CHECK_MPI(MPI_Session_init(hints, MPI_ERRORS_RETURN, &first));
  CHECK_MPI(MPI_Info_free(&hints));
  CHECK(first != MPI_SESSION_NULL, "MPI_Session_init gave a session");
  check_world_model_untouched("with a session");

  MPI_Info used;
  CHECK_MPI(MPI_Session_get_info(first, &used));
  char level[MPI_MAX_INFO_VAL];
  int flag = 0;
  CHECK_MPI(MPI_Info_get(used, "mpi_thread_support_level", MPI_MAX_INFO_VAL - 1, level, &flag));
  CHECK(flag, "MPI_Session_get_info has mpi_thread_support_level");
  CHECK_STR(level, "MPI_THREAD_SERIALIZED", "the level asked for");
  CHECK_MPI(MPI_Info_free(&used));

  MPI_Comm world = comm_from_pset(first, "mpi://WORLD", "session_basic.world");
  int world_size = 0;
  CHECK_MPI(MPI_Comm_size(world, &world_size));
  check_psets(first, world_size);
  exercise(world, 1, "first session, mpi://WORLD");
  check_host_set(first, world);

  /* A second session at once, its own communicator, traffic on both. */
  MPI_Session second = MPI_SESSION_NULL;
  CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, handler, &second));
  CHECK(second != first, "two sessions are two handles");
  CHECK_MPI(MPI_Session_get_info(second, &used));
  CHECK_MPI(MPI_Info_get(used, "mpi_thread_support_level", MPI_MAX_INFO_VAL - 1, level, &flag));
  CHECK(flag, "the default level is reported");
  CHECK_MPI(MPI_Info_free(&used));
  MPI_Comm other = comm_from_pset(second, "mpi://WORLD", "session_basic.second");
  MPI_Comm split;
  int world_rank = 0;
  CHECK_MPI(MPI_Comm_rank(other, &world_rank));
  CHECK_MPI(MPI_Comm_split(other, world_rank % 2, -world_rank, &split));
  exercise(other, 2, "second session");
  exercise(world, 3, "first session while the second is live");
  exercise(split, 4, "a split of the second session's communicator");
  CHECK_MPI(MPI_Comm_free(&split));
  CHECK_MPI(MPI_Comm_free(&other));
  check_errors(first);
  CHECK_MPI(MPI_Comm_free(&world));
  CHECK_MPI(MPI_Session_finalize(&second));
  CHECK(second == MPI_SESSION_NULL, "MPI_Session_finalize sets the handle to MPI_SESSION_NULL");
  CHECK_MPI(MPI_Session_finalize(&first));

  /* Every session is gone: a new one starts where they left off, twice. */
  for (int round = 0; round < 2; ++round) {
    MPI_Session again;
    CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &again));
    MPI_Comm comm = comm_from_pset(again, "mpi://WORLD", "session_basic.again");
    exercise(comm, 10 + round, "a session made after the others were finalized");
    CHECK_MPI(MPI_Comm_free(&comm));
    CHECK_MPI(MPI_Session_finalize(&again));
  }
  CHECK_MPI(MPI_Errhandler_free(&handler));
  check_world_model_untouched("after every session");
  if (world_rank == 0) {
    printf("session_basic: ok (%d ranks)\n", world_size);
    fflush(stdout);
  }
  return 0;
}
