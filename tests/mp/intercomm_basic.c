/*
 * Intercommunicators without collectives: MPI_Intercomm_create with first and last ranks
 * as leaders over uneven cuts of MPI_COMM_WORLD; the queries (test_inter, size, rank,
 * remote_size, remote_group, compare, names, attributes); point-to-point with ranks of the
 * remote group, MPI_ANY_SOURCE / MPI_ANY_TAG and the status source; Probe, Iprobe, Mprobe
 * and Improbe; MPI_Comm_dup (isolation), MPI_Comm_split (keys, MPI_UNDEFINED, a colour the
 * other side lacks), MPI_Comm_create; MPI_Intercomm_merge with both orders of `high` and
 * with equal flags; MPI_Intercomm_create_from_groups. Expected ranks and data come from
 * the world ranks of the two groups, which every process knows.
 */
#include "intercomm_common.h"

static int world_rank;
static int world_size;

/* Every process sends one message to every remote rank (tag = its local rank, payload a
 * function of its world rank and the destination), then receives q messages with
 * MPI_ANY_SOURCE / MPI_ANY_TAG: each source must be a distinct remote rank whose tag and
 * payload match it. remote_world[i] is the world rank of remote rank i. */
static void exchange_all(MPI_Comm inter, const int *remote_world, int rank, int remote_size,
                         int salt, const char *what) {
  MPI_Request *requests = mp_malloc(sizeof(MPI_Request) * (size_t)remote_size);
  int *payloads = mp_malloc(sizeof(int) * 2 * (size_t)remote_size);
  for (int j = 0; j < remote_size; ++j) {
    payloads[2 * j] = world_rank;
    payloads[2 * j + 1] = mp_pattern_int(world_rank, j, salt);
    CHECK_MPI(MPI_Isend(payloads + 2 * j, 2, MPI_INT, j, rank, inter, &requests[j]));
  }
  int *seen = calloc((size_t)remote_size, sizeof(int));
  for (int j = 0; j < remote_size; ++j) {
    int got[2] = {-1, -1};
    MPI_Status status;
    CHECK_MPI(MPI_Recv(got, 2, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, inter, &status));
    int source = status.MPI_SOURCE;
    CHECK(source >= 0 && source < remote_size, "%s: status source %d out of 0..%d", what, source,
          remote_size - 1);
    CHECK(!seen[source], "%s: two messages from remote rank %d", what, source);
    seen[source] = 1;
    CHECK_INT(status.MPI_TAG, source, "%s: tag of the message from remote rank %d", what, source);
    CHECK_INT(got[0], remote_world[source], "%s: sender's world rank", what);
    CHECK_INT(got[1], mp_pattern_int(remote_world[source], rank, salt), "%s: payload", what);
  }
  CHECK_MPI(MPI_Waitall(remote_size, requests, MPI_STATUSES_IGNORE));
  free(seen);
  free(payloads);
  free(requests);
}

static void check_queries(const Sides *s, const char *what) {
  int flag = -1;
  CHECK_MPI(MPI_Comm_test_inter(s->inter, &flag));
  CHECK_INT(flag, 1, "%s: MPI_Comm_test_inter", what);
  CHECK_MPI(MPI_Comm_test_inter(s->local, &flag));
  CHECK_INT(flag, 0, "%s: MPI_Comm_test_inter on the local intracommunicator", what);
  int size = -1;
  int rank = -1;
  int remote = -1;
  CHECK_MPI(MPI_Comm_size(s->inter, &size));
  CHECK_MPI(MPI_Comm_rank(s->inter, &rank));
  CHECK_MPI(MPI_Comm_remote_size(s->inter, &remote));
  CHECK_INT(size, s->size, "%s: MPI_Comm_size is the local group's", what);
  CHECK_INT(rank, s->rank, "%s: MPI_Comm_rank in the local group", what);
  CHECK_INT(remote, s->remote_size, "%s: MPI_Comm_remote_size", what);

  MPI_Group world_group, local_group, remote_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  CHECK_MPI(MPI_Comm_group(s->inter, &local_group));
  CHECK_MPI(MPI_Comm_remote_group(s->inter, &remote_group));
  int n = s->remote_size > s->size ? s->remote_size : s->size;
  int *ranks = mp_malloc(sizeof(int) * (size_t)n);
  int *world = mp_malloc(sizeof(int) * (size_t)n);
  for (int i = 0; i < n; ++i) ranks[i] = i;
  CHECK_MPI(MPI_Group_translate_ranks(local_group, s->size, ranks, world_group, world));
  for (int i = 0; i < s->size; ++i) {
    CHECK_INT(world[i], s->local_base + i, "%s: world rank of local rank %d", what, i);
  }
  CHECK_MPI(MPI_Group_translate_ranks(remote_group, s->remote_size, ranks, world_group, world));
  for (int i = 0; i < s->remote_size; ++i) {
    CHECK_INT(world[i], s->remote_base + i, "%s: world rank of remote rank %d", what, i);
  }
  free(world);
  free(ranks);
  CHECK_MPI(MPI_Group_free(&remote_group));
  CHECK_MPI(MPI_Group_free(&local_group));
  CHECK_MPI(MPI_Group_free(&world_group));

  int result = -1;
  CHECK_MPI(MPI_Comm_compare(s->inter, s->inter, &result));
  CHECK_INT(result, MPI_IDENT, "%s: compare with itself", what);
  CHECK_MPI(MPI_Comm_compare(s->inter, MPI_COMM_WORLD, &result));
  CHECK_INT(result, MPI_UNEQUAL, "%s: compare with MPI_COMM_WORLD", what);
  CHECK_MPI(MPI_Comm_compare(s->local, s->inter, &result));
  CHECK_INT(result, MPI_UNEQUAL, "%s: compare with the local intracommunicator", what);
}

static void check_probes(const Sides *s, const char *what) {
  /* Local rank r sends to remote rank r % q; each remote rank probes for the messages it is
   * owed (those r with r % q == its rank) with each kind of probe in turn. */
  int target = s->rank % s->remote_size;
  int payload[3] = {world_rank, s->rank, mp_pattern_int(world_rank, 3, 9)};
  MPI_Request request;
  CHECK_MPI(MPI_Isend(payload, 3, MPI_INT, target, 500 + s->rank, s->inter, &request));
  int owed = 0;
  for (int r = 0; r < s->remote_size; ++r) owed += r % s->size == s->rank;
  for (int k = 0; k < owed; ++k) {
    MPI_Status status;
    int got[3] = {-1, -1, -1};
    int count = -1;
    switch (k % 4) {
      case 0:
        CHECK_MPI(MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, s->inter, &status));
        CHECK_MPI(MPI_Recv(got, 3, MPI_INT, status.MPI_SOURCE, status.MPI_TAG, s->inter,
                           MPI_STATUS_IGNORE));
        break;
      case 1: {
        int flag = 0;
        while (!flag) CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, s->inter, &flag, &status));
        CHECK_MPI(MPI_Recv(got, 3, MPI_INT, status.MPI_SOURCE, status.MPI_TAG, s->inter,
                           MPI_STATUS_IGNORE));
        break;
      }
      case 2: {
        MPI_Message message;
        CHECK_MPI(MPI_Mprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, s->inter, &message, &status));
        CHECK_MPI(MPI_Mrecv(got, 3, MPI_INT, &message, MPI_STATUS_IGNORE));
        break;
      }
      default: {
        int flag = 0;
        MPI_Message message;
        while (!flag) {
          CHECK_MPI(MPI_Improbe(MPI_ANY_SOURCE, MPI_ANY_TAG, s->inter, &flag, &message, &status));
        }
        CHECK_MPI(MPI_Mrecv(got, 3, MPI_INT, &message, MPI_STATUS_IGNORE));
      }
    }
    CHECK_MPI(MPI_Get_count(&status, MPI_INT, &count));
    CHECK_INT(count, 3, "%s: probed count (probe kind %d)", what, k % 4);
    CHECK(status.MPI_SOURCE % s->size == s->rank, "%s: probed source %d is not owed to rank %d",
          what, status.MPI_SOURCE, s->rank);
    CHECK_INT(status.MPI_TAG, 500 + status.MPI_SOURCE, "%s: probed tag", what);
    CHECK_INT(got[0], s->remote_base + status.MPI_SOURCE, "%s: sender's world rank", what);
    CHECK_INT(got[1], status.MPI_SOURCE, "%s: sender's local rank", what);
    CHECK_INT(got[2], mp_pattern_int(got[0], 3, 9), "%s: payload", what);
  }
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
}

/* A rank out of the remote group's range is MPI_ERR_RANK even when the local group is
 * larger; MPI_PROC_NULL works. */
static void check_bad_ranks(const Sides *s, const char *what) {
  CHECK_MPI(MPI_Comm_set_errhandler(s->inter, MPI_ERRORS_RETURN));
  int value = 1;
  CHECK_ERROR_CLASS(MPI_Send(&value, 1, MPI_INT, s->remote_size, 0, s->inter), MPI_ERR_RANK,
                    "%s: send to rank remote_size=%d", what, s->remote_size);
  CHECK_ERROR_CLASS(MPI_Recv(&value, 1, MPI_INT, s->remote_size, 0, s->inter, MPI_STATUS_IGNORE),
                    MPI_ERR_RANK, "%s: receive from rank remote_size", what);
  CHECK_ERROR_CLASS(MPI_Probe(s->remote_size, 0, s->inter, MPI_STATUS_IGNORE), MPI_ERR_RANK,
                    "%s: probe of rank remote_size", what);
  MPI_Status status;
  CHECK_MPI(MPI_Send(&value, 1, MPI_INT, MPI_PROC_NULL, 0, s->inter));
  CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, MPI_PROC_NULL, 0, s->inter, &status));
  CHECK_INT(status.MPI_SOURCE, MPI_PROC_NULL, "%s: receive from MPI_PROC_NULL", what);
  /* Arguments every member of the local group checks alike: nobody is left waiting. */
  CHECK_MPI(MPI_Comm_set_errhandler(s->local, MPI_ERRORS_RETURN));
  MPI_Comm bad = MPI_COMM_NULL;
  CHECK_ERROR_CLASS(MPI_Intercomm_create(s->local, s->size, MPI_COMM_WORLD, s->remote_base, 5,
                                         &bad),
                    MPI_ERR_RANK, "%s: MPI_Intercomm_create with local_leader = size", what);
  CHECK_ERROR_CLASS(MPI_Intercomm_create(s->local, 0, MPI_COMM_WORLD, s->remote_base, -2, &bad),
                    MPI_ERR_TAG, "%s: MPI_Intercomm_create with tag -2", what);
  CHECK(bad == MPI_COMM_NULL, "%s: a failed MPI_Intercomm_create wrote its output", what);
  /* MPICH 4.0.2 fails internal assertions on both instead of returning an error. */
  if (!MP_MPICH_DEVIATION) {
    MPI_Comm merged = MPI_COMM_NULL;
    CHECK_ERROR_CLASS(MPI_Intercomm_merge(s->local, 0, &merged), MPI_ERR_COMM,
                      "%s: MPI_Intercomm_merge of an intracommunicator", what);
    MPI_Comm split = MPI_COMM_NULL;
    CHECK_ERROR_CLASS(MPI_Comm_split_type(s->inter, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &split),
                      MPI_ERR_COMM, "%s: MPI_Comm_split_type on an intercommunicator", what);
  }
  CHECK_MPI(MPI_Comm_set_errhandler(s->inter, MPI_ERRORS_ARE_FATAL));
}

/* Attributes, names and error handlers behave as on any communicator, and dup copies the
 * attributes. */
static void check_objects(const Sides *s, const char *what) {
  CHECK_MPI(MPI_Comm_set_name(s->inter, "inter-test"));
  char name[MPI_MAX_OBJECT_NAME];
  int length = 0;
  CHECK_MPI(MPI_Comm_get_name(s->inter, name, &length));
  CHECK_STR(name, "inter-test", "%s: name", what);
  int keyval = MPI_KEYVAL_INVALID;
  CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &keyval, NULL));
  static int value = 42;
  CHECK_MPI(MPI_Comm_set_attr(s->inter, keyval, &value));
  MPI_Comm dup;
  CHECK_MPI(MPI_Comm_dup(s->inter, &dup));
  int *got = NULL;
  int flag = 0;
  CHECK_MPI(MPI_Comm_get_attr(dup, keyval, &got, &flag));
  CHECK(flag && got == &value, "%s: attribute copied by MPI_Comm_dup", what);
  int result = -1;
  CHECK_MPI(MPI_Comm_compare(s->inter, dup, &result));
  CHECK_INT(result, MPI_CONGRUENT, "%s: compare with a duplicate", what);
  int test = 0;
  CHECK_MPI(MPI_Comm_test_inter(dup, &test));
  CHECK_INT(test, 1, "%s: a duplicate is an intercommunicator", what);
  /* The duplicate's traffic never matches the original's: send on both, same tag, and
   * receive on the duplicate first. */
  int target = s->rank % s->remote_size;
  int owed = 0;
  for (int r = 0; r < s->remote_size; ++r) owed += r % s->size == s->rank;
  int a = world_rank, b = -world_rank - 1;
  MPI_Request requests[2];
  CHECK_MPI(MPI_Isend(&a, 1, MPI_INT, target, 7, s->inter, &requests[0]));
  CHECK_MPI(MPI_Isend(&b, 1, MPI_INT, target, 7, dup, &requests[1]));
  for (int k = 0; k < owed; ++k) {
    MPI_Status status;
    int v = 0;
    CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 7, dup, &status));
    CHECK_INT(v, -(s->remote_base + status.MPI_SOURCE) - 1, "%s: message on the duplicate", what);
  }
  for (int k = 0; k < owed; ++k) {
    MPI_Status status;
    int v = 0;
    CHECK_MPI(MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 7, s->inter, &status));
    CHECK_INT(v, s->remote_base + status.MPI_SOURCE, "%s: message on the original", what);
  }
  CHECK_MPI(MPI_Waitall(2, requests, MPI_STATUSES_IGNORE));
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_MPI(MPI_Comm_delete_attr(s->inter, keyval));
  CHECK_MPI(MPI_Comm_free_keyval(&keyval));
}

/* MPI_Intercomm_merge: with different flags the high group comes second; with equal
 * flags both groups must still agree on one order. */
static void check_merge(const Sides *s, int low_group_high, int high_group_high, const char *what) {
  int high = s->group == 0 ? low_group_high : high_group_high;
  MPI_Comm merged;
  CHECK_MPI(MPI_Intercomm_merge(s->inter, high, &merged));
  int size = -1, rank = -1, inter = -1;
  CHECK_MPI(MPI_Comm_size(merged, &size));
  CHECK_MPI(MPI_Comm_rank(merged, &rank));
  CHECK_MPI(MPI_Comm_test_inter(merged, &inter));
  CHECK_INT(size, world_size, "%s: merged size", what);
  CHECK_INT(inter, 0, "%s: the merged communicator is an intracommunicator", what);
  /* Every process's view of the order: the world ranks by merged rank. */
  int *order = mp_malloc(sizeof(int) * (size_t)world_size);
  CHECK_MPI(MPI_Allgather(&world_rank, 1, MPI_INT, order, 1, MPI_INT, merged));
  int zero_first = order[0] == 0;
  if (low_group_high != high_group_high) zero_first = !low_group_high;
  int cut = s->group == 0 ? s->size : s->remote_size;
  for (int i = 0; i < world_size; ++i) {
    int expected = zero_first ? i : (i < world_size - cut ? cut + i : i - (world_size - cut));
    CHECK_INT(order[i], expected, "%s: world rank at merged rank %d (high %d/%d)", what, i,
              low_group_high, high_group_high);
  }
  free(order);
  CHECK_MPI(MPI_Comm_free(&merged));
}

/* The world ranks of the members of `color` on a side of `size` ranks from `base`, in the
 * order of keys -rank (highest rank first), ranks equal to `skip` left out. */
static int members(int base, int size, int color, int skip, int *world) {
  int n = 0;
  for (int r = size - 1; r >= 0; --r) {
    if (r != skip && r % 2 == color) world[n++] = base + r;
  }
  return n;
}

/* MPI_Comm_split on an intercommunicator: colour = local rank % 2 on both sides, keys
 * reversed, local rank 2 passes MPI_UNDEFINED. A colour the other side lacks gives
 * MPI_COMM_NULL. */
static void check_split(const Sides *s, const char *what) {
  int color = s->rank == 2 ? MPI_UNDEFINED : s->rank % 2;
  MPI_Comm split;
  CHECK_MPI(MPI_Comm_split(s->inter, color, -s->rank, &split));
  if (color == MPI_UNDEFINED) {
    CHECK(split == MPI_COMM_NULL, "%s: split with MPI_UNDEFINED gave a communicator", what);
    return;
  }
  int *local_world = mp_malloc(sizeof(int) * (size_t)world_size);
  int *remote_world = mp_malloc(sizeof(int) * (size_t)world_size);
  int local_members = members(s->local_base, s->size, color, 2, local_world);
  int remote_members = members(s->remote_base, s->remote_size, color, 2, remote_world);
  if (remote_members == 0) {
    CHECK(split == MPI_COMM_NULL, "%s: colour %d has no remote member but split gave a "
          "communicator", what, color);
  } else {
    CHECK(split != MPI_COMM_NULL, "%s: split gave MPI_COMM_NULL (colour %d)", what, color);
    int size = -1, rank = -1, remote = -1, inter = 0;
    CHECK_MPI(MPI_Comm_size(split, &size));
    CHECK_MPI(MPI_Comm_rank(split, &rank));
    CHECK_MPI(MPI_Comm_remote_size(split, &remote));
    CHECK_MPI(MPI_Comm_test_inter(split, &inter));
    CHECK_INT(inter, 1, "%s: a split intercommunicator is one", what);
    CHECK_INT(size, local_members, "%s: split local size", what);
    CHECK_INT(remote, remote_members, "%s: split remote size", what);
    CHECK_INT(local_world[rank], world_rank, "%s: split rank %d", what, rank);
    exchange_all(split, remote_world, rank, remote, 31, what);
    CHECK_MPI(MPI_Comm_free(&split));
  }
  free(remote_world);
  free(local_world);
}

/* MPI_Comm_create on an intercommunicator: each side keeps its ranks but the last (a side
 * of one keeps itself); excluded processes get MPI_COMM_NULL, and everybody does when one
 * side passes MPI_GROUP_EMPTY. */
static void check_create(const Sides *s, const char *what) {
  MPI_Group local_group, part;
  CHECK_MPI(MPI_Comm_group(s->inter, &local_group));
  int keep = s->size > 1 ? s->size - 1 : 1;
  int remote_keep = s->remote_size > 1 ? s->remote_size - 1 : 1;
  int range[1][3] = {{0, keep - 1, 1}};
  CHECK_MPI(MPI_Group_range_incl(local_group, 1, range, &part));
  MPI_Comm created;
  CHECK_MPI(MPI_Comm_create(s->inter, part, &created));
  if (s->rank >= keep) {
    CHECK(created == MPI_COMM_NULL, "%s: excluded rank %d got a communicator", what, s->rank);
  } else {
    CHECK(created != MPI_COMM_NULL, "%s: MPI_Comm_create gave MPI_COMM_NULL", what);
    int size = -1, remote = -1;
    CHECK_MPI(MPI_Comm_size(created, &size));
    CHECK_MPI(MPI_Comm_remote_size(created, &remote));
    CHECK_INT(size, keep, "%s: created local size", what);
    CHECK_INT(remote, remote_keep, "%s: created remote size", what);
    int *remote_world = mp_malloc(sizeof(int) * (size_t)remote_keep);
    for (int i = 0; i < remote_keep; ++i) remote_world[i] = s->remote_base + i;
    exchange_all(created, remote_world, s->rank, remote_keep, 47, what);
    free(remote_world);
    CHECK_MPI(MPI_Comm_free(&created));
  }
  /* One side passes the empty group: nobody gets a communicator. */
  MPI_Group chosen = s->group == 1 ? MPI_GROUP_EMPTY : local_group;
  CHECK_MPI(MPI_Comm_create(s->inter, chosen, &created));
  CHECK(created == MPI_COMM_NULL, "%s: MPI_Comm_create with an empty side gave a communicator",
        what);
  CHECK_MPI(MPI_Group_free(&part));
  CHECK_MPI(MPI_Group_free(&local_group));
}

/* MPI_Intercomm_create_from_groups between the same two groups, leaders given in the
 * middle of each group, the error handler attached to the result. */
static void check_from_groups(const Sides *s, const char *what) {
  MPI_Group world_group, local_group, remote_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  int local_range[1][3] = {{s->local_base, s->local_base + s->size - 1, 1}};
  int remote_range[1][3] = {{s->remote_base, s->remote_base + s->remote_size - 1, 1}};
  CHECK_MPI(MPI_Group_range_incl(world_group, 1, local_range, &local_group));
  CHECK_MPI(MPI_Group_range_incl(world_group, 1, remote_range, &remote_group));
  MPI_Comm inter;
  CHECK_MPI(MPI_Intercomm_create_from_groups(local_group, s->size / 2, remote_group,
                                             s->remote_size / 2, "weft intercomm_basic",
                                             MPI_INFO_NULL, MPI_ERRORS_RETURN, &inter));
  int flag = 0, size = -1, remote = -1, rank = -1;
  CHECK_MPI(MPI_Comm_test_inter(inter, &flag));
  CHECK_MPI(MPI_Comm_size(inter, &size));
  CHECK_MPI(MPI_Comm_rank(inter, &rank));
  CHECK_MPI(MPI_Comm_remote_size(inter, &remote));
  CHECK_INT(flag, 1, "%s: from_groups gives an intercommunicator", what);
  CHECK_INT(size, s->size, "%s: from_groups local size", what);
  CHECK_INT(rank, s->rank, "%s: from_groups rank", what);
  CHECK_INT(remote, s->remote_size, "%s: from_groups remote size", what);
  MPI_Errhandler handler;
  CHECK_MPI(MPI_Comm_get_errhandler(inter, &handler));
  CHECK(handler == MPI_ERRORS_RETURN, "%s: from_groups error handler", what);
  CHECK_MPI(MPI_Errhandler_free(&handler));
  int *remote_world = mp_malloc(sizeof(int) * (size_t)s->remote_size);
  for (int i = 0; i < s->remote_size; ++i) remote_world[i] = s->remote_base + i;
  exchange_all(inter, remote_world, s->rank, s->remote_size, 53, what);
  free(remote_world);
  CHECK_MPI(MPI_Comm_free(&inter));
  CHECK_MPI(MPI_Group_free(&remote_group));
  CHECK_MPI(MPI_Group_free(&local_group));
  CHECK_MPI(MPI_Group_free(&world_group));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  world_rank = mp_world_rank();
  world_size = mp_world_size();
  if (ic_skip_single("intercomm_basic")) {
    CHECK_MPI(MPI_Finalize());
    return 0;
  }
  int cuts[4];
  int ncuts = ic_cuts(world_size, cuts);
  for (int c = 0; c < ncuts; ++c) {
    for (int last = 0; last < 2; ++last) {
      char what[64];
      snprintf(what, sizeof what, "cut %d, %s leaders", cuts[c], last ? "last" : "first");
      Sides s;
      ic_make(cuts[c], last, &s);
      check_queries(&s, what);
      int *remote_world = mp_malloc(sizeof(int) * (size_t)s.remote_size);
      for (int i = 0; i < s.remote_size; ++i) remote_world[i] = s.remote_base + i;
      exchange_all(s.inter, remote_world, s.rank, s.remote_size, c, what);
      free(remote_world);
      /* Its MPI_ANY_TAG receives must not meet the next phase's messages on s.inter. */
      CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
      check_probes(&s, what);
      check_bad_ranks(&s, what);
      check_objects(&s, what);
      check_merge(&s, 0, 1, what);
      check_merge(&s, 1, 0, what);
      check_merge(&s, 0, 0, what);
      check_merge(&s, 1, 1, what);
      check_split(&s, what);
      check_create(&s, what);
      check_from_groups(&s, what);
      ic_free(&s);
    }
  }
  mp_report_ok("intercomm_basic");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
