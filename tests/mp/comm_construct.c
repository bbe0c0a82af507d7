/*
 * Communicator constructors of MPI-3 and MPI-4 and communicator hints:
 * MPI_Comm_idup / MPI_Comm_idup_with_info (nonblocking: the call returns before the other
 * members have entered, several may be pending at once, interleaved with other collectives
 * and with blocking constructors on other communicators), MPI_Comm_dup_with_info,
 * MPI_Comm_set_info / MPI_Comm_get_info (the five assertion hints, defaults "false"),
 * MPI_Comm_create_from_group (world's group, halves with their own string tags),
 * MPI_Comm_create_group over consecutive different subsets with one tag, and the hardware
 * splits of MPI_Comm_split_type. Every new communicator is checked against its expected
 * group and carries a ring exchange whose data names sender and communicator.
 */
#include <stdint.h>

#include "mp_check.h"

static int world_rank;
static int world_size;

static const char *kAssertions[] = {
    "mpi_assert_no_any_tag",
    "mpi_assert_no_any_source",
    "mpi_assert_exact_length",
    "mpi_assert_allow_overtaking",
    "mpi_assert_strict_persistent_collective_ordering",
};
enum { kAssertionCount = 5 };

/* Size and rank of `comm` must be `size` and `rank`; world rank of every member must be
 * expected[i]; a ring exchange on it delivers what the left neighbour sent. */
static void check_comm(MPI_Comm comm, int size, int rank, const int *expected, int salt,
                       const char *what) {
  int got_size = -1;
  int got_rank = -1;
  CHECK_MPI(MPI_Comm_size(comm, &got_size));
  CHECK_MPI(MPI_Comm_rank(comm, &got_rank));
  CHECK_INT(got_size, size, "%s: size", what);
  CHECK_INT(got_rank, rank, "%s: rank", what);
  MPI_Group group;
  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(comm, &group));
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  int *ranks = mp_malloc(sizeof(int) * (size_t)size);
  int *translated = mp_malloc(sizeof(int) * (size_t)size);
  for (int i = 0; i < size; ++i) ranks[i] = i;
  CHECK_MPI(MPI_Group_translate_ranks(group, size, ranks, world_group, translated));
  for (int i = 0; i < size; ++i) {
    CHECK_INT(translated[i], expected[i], "%s: world rank of member %d", what, i);
  }
  free(ranks);
  free(translated);
  CHECK_MPI(MPI_Group_free(&group));
  CHECK_MPI(MPI_Group_free(&world_group));

  int right = (rank + 1) % size;
  int left = (rank - 1 + size) % size;
  int out[2] = {mp_pattern_int(rank, 0, salt), mp_pattern_int(rank, 1, salt)};
  int in[2] = {-1, -1};
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(out, 2, MPI_INT, right, 7, in, 2, MPI_INT, left, 7, comm, &status));
  CHECK_STATUS(status, left, 7, MPI_INT, 2, "%s: ring", what);
  CHECK_INT(in[0], mp_pattern_int(left, 0, salt), "%s: ring data", what);
  CHECK_INT(in[1], mp_pattern_int(left, 1, salt), "%s: ring data", what);
}

static void check_world_dup(MPI_Comm comm, int salt, const char *what) {
  int *all = mp_malloc(sizeof(int) * (size_t)world_size);
  for (int i = 0; i < world_size; ++i) all[i] = i;
  check_comm(comm, world_size, world_rank, all, salt, what);
  free(all);
}

/* The five assertion keys of `comm`'s hints must have the values of `expected` (bit i:
 * kAssertions[i] is "true"), and nothing else may be there. */
static void check_assertions(MPI_Comm comm, unsigned expected, const char *what) {
  MPI_Info used;
  CHECK_MPI(MPI_Comm_get_info(comm, &used));
  int nkeys = -1;
  CHECK_MPI(MPI_Info_get_nkeys(used, &nkeys));
  CHECK(nkeys >= kAssertionCount, "%s: %d keys in MPI_Comm_get_info", what, nkeys);
  for (int i = 0; i < kAssertionCount; ++i) {
    char value[64];
    int length = (int)sizeof value;
    int flag = 0;
    CHECK_MPI(MPI_Info_get_string(used, kAssertions[i], &length, value, &flag));
    /* MPICH 4.0 does not return the MPI-4.1 persistent-collective assertion. */
    if (!flag && MP_MPICH_DEVIATION && i == 4) continue;
    CHECK(flag, "%s: %s present", what, kAssertions[i]);
    CHECK_STR(value, (expected >> i) & 1u ? "true" : "false", "%s: %s", what, kAssertions[i]);
  }
  CHECK_MPI(MPI_Info_free(&used));
}

/* ---- MPI_Comm_idup ---------------------------------------------------------------------- */

static int copies_made;
static int copy_count_fn(MPI_Comm comm, int keyval, void *extra, void *in, void *out, int *flag) {
  (void)comm;
  (void)keyval;
  (void)extra;
  ++copies_made;
  *(intptr_t *)out = (intptr_t)in + 1000;
  *flag = 1;
  return MPI_SUCCESS;
}

static void idup_returns_before_others_enter(void) {
  /* Rank 0 starts its idup first and then sends to rank 1, which only enters its idup after
   * receiving: a blocking idup would never return on rank 0. */
  MPI_Comm dup = MPI_COMM_NULL;
  MPI_Request request = MPI_REQUEST_NULL;
  int token = mp_pattern_int(world_rank, 0, 11);
  if (world_rank == 0) {
    CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dup, &request));
    if (world_size > 1) CHECK_MPI(MPI_Send(&token, 1, MPI_INT, 1, 3, MPI_COMM_WORLD));
  } else if (world_rank == 1) {
    int got = -1;
    CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_INT(got, mp_pattern_int(0, 0, 11), "token before idup");
    CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dup, &request));
  } else {
    CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dup, &request));
  }
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  CHECK(request == MPI_REQUEST_NULL, "idup request freed by MPI_Wait");
  check_world_dup(dup, 21, "idup of world");
  int result = -1;
  CHECK_MPI(MPI_Comm_compare(MPI_COMM_WORLD, dup, &result));
  CHECK_INT(result, MPI_CONGRUENT, "idup congruent with world");
  CHECK_MPI(MPI_Comm_free(&dup));
}

static void idups_pending_together(void) {
  /* Three idups of world and one of a split, pending at once with a nonblocking barrier
   * between them and a blocking dup of another communicator started meanwhile; completed
   * in an order that differs between ranks. */
  enum { kPending = 3 };
  MPI_Comm half;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, world_rank % 2, world_rank, &half));

  int keyval = MPI_KEYVAL_INVALID;
  CHECK_MPI(MPI_Comm_create_keyval(copy_count_fn, MPI_COMM_NULL_DELETE_FN, &keyval, NULL));
  CHECK_MPI(MPI_Comm_set_attr(MPI_COMM_WORLD, keyval, (void *)(intptr_t)(world_rank + 5)));
  copies_made = 0;

  MPI_Comm dups[kPending];
  MPI_Request requests[kPending + 2];
  CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dups[0], &requests[0]));
  CHECK_MPI(MPI_Ibarrier(MPI_COMM_WORLD, &requests[1]));
  CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dups[1], &requests[2]));
  MPI_Comm half_idup;
  CHECK_MPI(MPI_Comm_idup(half, &half_idup, &requests[3]));
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "mpi_assert_no_any_tag", "true"));
  CHECK_MPI(MPI_Info_set(info, "weft_unknown_hint", "ignored"));
  CHECK_MPI(MPI_Comm_idup_with_info(MPI_COMM_WORLD, info, &dups[2], &requests[4]));
  CHECK_MPI(MPI_Info_free(&info));
  CHECK_INT(copies_made, 3, "copy callbacks run by the idups of world at the call");

  /* A blocking constructor on another communicator while the idups are pending. */
  MPI_Comm half_dup;
  CHECK_MPI(MPI_Comm_dup(half, &half_dup));

  if (world_rank % 2 == 0) {
    CHECK_MPI(MPI_Waitall(kPending + 2, requests, MPI_STATUSES_IGNORE));
  } else {
    for (int i = kPending + 1; i >= 0; --i) CHECK_MPI(MPI_Wait(&requests[i], MPI_STATUS_IGNORE));
  }

  for (int i = 0; i < kPending; ++i) {
    char what[64];
    snprintf(what, sizeof what, "pending idup %d", i);
    check_world_dup(dups[i], 30 + i, what);
    void *value = NULL;
    int flag = 0;
    CHECK_MPI(MPI_Comm_get_attr(dups[i], keyval, &value, &flag));
    CHECK(flag, "%s: attribute copied", what);
    CHECK_INT((intptr_t)value, world_rank + 5 + 1000, "%s: copied attribute value", what);
    for (int j = 0; j < i; ++j) {
      int result = -1;
      CHECK_MPI(MPI_Comm_compare(dups[i], dups[j], &result));
      CHECK_INT(result, MPI_CONGRUENT, "%s against pending idup %d", what, j);
    }
  }
  check_assertions(dups[0], 0u, "idup of world");
  check_assertions(dups[2], 1u, "idup_with_info of world");

  int half_size = 0;
  CHECK_MPI(MPI_Comm_size(half, &half_size));
  int *members = mp_malloc(sizeof(int) * (size_t)half_size);
  for (int i = 0; i < half_size; ++i) members[i] = world_rank % 2 + 2 * i;
  check_comm(half_idup, half_size, world_rank / 2, members, 41, "idup of a split");
  check_comm(half_dup, half_size, world_rank / 2, members, 42, "dup of a split");
  free(members);

  for (int i = 0; i < kPending; ++i) CHECK_MPI(MPI_Comm_free(&dups[i]));
  CHECK_MPI(MPI_Comm_free(&half_idup));
  CHECK_MPI(MPI_Comm_free(&half_dup));
  CHECK_MPI(MPI_Comm_free(&half));
  CHECK_MPI(MPI_Comm_delete_attr(MPI_COMM_WORLD, keyval));
  CHECK_MPI(MPI_Comm_free_keyval(&keyval));
}

static void idup_overtaken_by_a_blocking_dup(void) {
  /* Ranks 0 and 1 start an idup of world, then make a communicator of their own with a
   * blocking dup; the other ranks enter the idup only after that. Every rank had the same
   * free context ids when 0 and 1 started the idup, and the dup has taken one of them on
   * 0 and 1 alone since: the idup must still give every member the same communicator. */
  if (world_size < 3) return;
  int pair = world_rank < 2;
  MPI_Comm sub;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, pair, world_rank, &sub));
  MPI_Comm dup = MPI_COMM_NULL;
  MPI_Comm sub_dup = MPI_COMM_NULL;
  MPI_Request request;
  int token = mp_pattern_int(0, 0, 12);
  if (pair) {
    CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dup, &request));
    CHECK_MPI(MPI_Comm_dup(sub, &sub_dup));
    if (world_rank == 0) {
      for (int r = 2; r < world_size; ++r) {
        CHECK_MPI(MPI_Send(&token, 1, MPI_INT, r, 5, MPI_COMM_WORLD));
      }
    }
  } else {
    int got = -1;
    CHECK_MPI(MPI_Recv(&got, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_INT(got, token, "token before the late idup");
    CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dup, &request));
  }
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  check_world_dup(dup, 25, "idup overtaken by a blocking dup");
  if (pair) {
    const int members[2] = {0, 1};
    check_comm(sub_dup, 2, world_rank, members, 26, "dup made while an idup was pending");
    CHECK_MPI(MPI_Comm_free(&sub_dup));
  }
  /* A collective on both at once shows that they do not share a context. */
  int mine = world_rank + 1;
  int sum = 0;
  CHECK_MPI(MPI_Allreduce(&mine, &sum, 1, MPI_INT, MPI_SUM, dup));
  CHECK_INT(sum, world_size * (world_size + 1) / 2, "allreduce on the idup");
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_MPI(MPI_Comm_free(&sub));
}

static void many_idups(void) {
  /* More pending agreements than a small machine has cores, each completed by MPI_Test
   * polling: ids must stay distinct and consistent. */
  enum { kCount = 12 };
  MPI_Comm dups[kCount];
  MPI_Request requests[kCount];
  for (int i = 0; i < kCount; ++i) CHECK_MPI(MPI_Comm_idup(MPI_COMM_WORLD, &dups[i], &requests[i]));
  int done = 0;
  while (!done) CHECK_MPI(MPI_Testall(kCount, requests, &done, MPI_STATUSES_IGNORE));
  for (int i = 0; i < kCount; ++i) {
    /* A message on each, in reverse order of creation, must arrive on that one only. */
    int k = kCount - 1 - i;
    int right = (world_rank + 1) % world_size;
    int left = (world_rank - 1 + world_size) % world_size;
    int out = mp_pattern_int(world_rank, k, 50);
    int in = -1;
    CHECK_MPI(MPI_Sendrecv(&out, 1, MPI_INT, right, 0, &in, 1, MPI_INT, left, 0, dups[k],
                           MPI_STATUS_IGNORE));
    CHECK_INT(in, mp_pattern_int(left, k, 50), "message on idup %d", k);
  }
  for (int i = 0; i < kCount; ++i) CHECK_MPI(MPI_Comm_free(&dups[i]));
}

/* ---- hints ------------------------------------------------------------------------------ */

static void hints(void) {
  check_assertions(MPI_COMM_WORLD, 0u, "world by default");

  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "mpi_assert_exact_length", "true"));
  CHECK_MPI(MPI_Info_set(info, "mpi_assert_allow_overtaking", "true"));
  CHECK_MPI(MPI_Info_set(info, "mpi_assert_no_any_source", "not a boolean"));
  CHECK_MPI(MPI_Info_set(info, "weft_unknown_hint", "1"));
  MPI_Comm with_info;
  CHECK_MPI(MPI_Comm_dup_with_info(MPI_COMM_WORLD, info, &with_info));
  check_world_dup(with_info, 60, "dup_with_info");
  check_assertions(with_info, (1u << 2) | (1u << 3), "dup_with_info");

  /* set_info changes the keys it names and keeps the others. */
  MPI_Info change;
  CHECK_MPI(MPI_Info_create(&change));
  CHECK_MPI(MPI_Info_set(change, "mpi_assert_exact_length", "false"));
  CHECK_MPI(MPI_Info_set(change, "mpi_assert_strict_persistent_collective_ordering", "true"));
  CHECK_MPI(MPI_Comm_set_info(with_info, change));
  check_assertions(with_info, (1u << 3) | (1u << 4), "after set_info");

  /* dup keeps the hints, dup_with_info replaces them, MPI_INFO_NULL means none. */
  MPI_Comm dup;
  CHECK_MPI(MPI_Comm_dup(with_info, &dup));
  /* MPI_Comm_dup_with_info "behaves exactly as MPI_Comm_dup except that the info hints
   * associated with comm are not duplicated": MPI_Comm_dup duplicates them. MPICH 4.0 does
   * not. */
  if (!MP_MPICH_DEVIATION) check_assertions(dup, (1u << 3) | (1u << 4), "dup of a communicator with hints");
  MPI_Comm dup_null;
  CHECK_MPI(MPI_Comm_dup_with_info(with_info, MPI_INFO_NULL, &dup_null));
  check_assertions(dup_null, 0u, "dup_with_info(MPI_INFO_NULL)");

  /* Errors. */
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Info_free(&change));
  CHECK_ERROR_CLASS(MPI_Comm_set_info(MPI_COMM_NULL, info), MPI_ERR_COMM, "set_info on null");
  CHECK_ERROR_CLASS(MPI_Comm_get_info(MPI_COMM_NULL, &change), MPI_ERR_COMM, "get_info on null");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));

  CHECK_MPI(MPI_Info_free(&info));
  CHECK_MPI(MPI_Comm_free(&dup_null));
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_MPI(MPI_Comm_free(&with_info));
}

/* ---- groups ----------------------------------------------------------------------------- */

static void create_from_group(void) {
  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  MPI_Comm all;
  CHECK_MPI(MPI_Comm_create_from_group(world_group, "weft.test.all", MPI_INFO_NULL,
                                       MPI_ERRORS_RETURN, &all));
  check_world_dup(all, 70, "create_from_group(world)");
  MPI_Errhandler handler;
  CHECK_MPI(MPI_Comm_get_errhandler(all, &handler));
  CHECK(handler == MPI_ERRORS_RETURN, "create_from_group attaches the error handler");
  CHECK_MPI(MPI_Errhandler_free(&handler));

  /* Two halves, each with its own tag, created concurrently; the upper half lists its
   * members in reverse order. */
  int lower = (world_size + 1) / 2;
  int mine = world_rank < lower;
  int count = mine ? lower : world_size - lower;
  int *ranks = mp_malloc(sizeof(int) * (size_t)(count > 0 ? count : 1));
  for (int i = 0; i < count; ++i) ranks[i] = mine ? i : world_size - 1 - i;
  MPI_Group half_group;
  CHECK_MPI(MPI_Group_incl(world_group, count, ranks, &half_group));
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "mpi_assert_no_any_source", "true"));
  MPI_Comm half;
  CHECK_MPI(MPI_Comm_create_from_group(half_group, mine ? "weft.test.lower" : "weft.test.upper",
                                       info, MPI_ERRORS_ARE_FATAL, &half));
  int my_index = mine ? world_rank : world_size - 1 - world_rank;
  check_comm(half, count, my_index, ranks, 71, "create_from_group(half)");
  check_assertions(half, 1u << 1, "create_from_group with info");

  /* The errhandler argument also handles the call's own errors (MPICH 4.0 calls the
   * default handler instead, hence the handlers of world and self set to return here). */
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  MPI_Comm none;
  CHECK_ERROR_CLASS(MPI_Comm_create_from_group(MPI_GROUP_NULL, "weft.test.null", MPI_INFO_NULL,
                                               MPI_ERRORS_RETURN, &none),
                    MPI_ERR_GROUP, "create_from_group(MPI_GROUP_NULL)");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));

  CHECK_MPI(MPI_Info_free(&info));
  CHECK_MPI(MPI_Comm_free(&half));
  CHECK_MPI(MPI_Comm_free(&all));
  CHECK_MPI(MPI_Group_free(&half_group));
  CHECK_MPI(MPI_Group_free(&world_group));
  free(ranks);
}

static void create_group_over_changing_subsets(void) {
  /* Consecutive MPI_Comm_create_group calls with one tag over different subsets: a member
   * of the next subset that is not in this one may already be sending for the next call. */
  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  int *ranks = mp_malloc(sizeof(int) * (size_t)world_size);
  unsigned state = 12345u;
  for (int round = 0; round < 40; ++round) {
    int count = 0;
    int my_index = -1;
    for (int r = 0; r < world_size; ++r) {
      state = state * 1103515245u + 12345u;
      if ((state >> 16) & 1u) {
        if (r == world_rank) my_index = count;
        ranks[count++] = r;
      }
    }
    if (my_index < 0) continue;
    MPI_Group subset;
    CHECK_MPI(MPI_Group_incl(world_group, count, ranks, &subset));
    MPI_Comm comm;
    CHECK_MPI(MPI_Comm_create_group(MPI_COMM_WORLD, subset, 0, &comm));
    char what[64];
    snprintf(what, sizeof what, "create_group round %d", round);
    check_comm(comm, count, my_index, ranks, 80 + round, what);
    CHECK_MPI(MPI_Comm_free(&comm));
    CHECK_MPI(MPI_Group_free(&subset));
  }
  free(ranks);
  CHECK_MPI(MPI_Group_free(&world_group));
}

/* ---- hardware splits -------------------------------------------------------------------- */

static void hardware_splits(void) {
  MPI_Comm comm;
  /* Guided without the key, or with a type no process is bound to: MPI_COMM_NULL. */
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, MPI_INFO_NULL, &comm));
  CHECK(comm == MPI_COMM_NULL, "HW_GUIDED with MPI_INFO_NULL");
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", "__no_such_resource__"));
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, 0, info, &comm));
  CHECK(comm == MPI_COMM_NULL, "HW_GUIDED with an unknown resource type");
#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_RESOURCE_GUIDED, 0, info, &comm));
  CHECK(comm == MPI_COMM_NULL, "RESOURCE_GUIDED with an unknown resource type");
#endif

  /* The standard's mpi_shared_memory is the shared-memory node: the same members as
   * MPI_COMM_TYPE_SHARED, with key reversing the order. */
  CHECK_MPI(MPI_Info_set(info, "mpi_hw_resource_type", "mpi_shared_memory"));
  MPI_Comm guided;
  MPI_Comm shared;
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_GUIDED, -world_rank, info, &guided));
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, -world_rank, MPI_INFO_NULL, &shared));
  CHECK(guided != MPI_COMM_NULL, "HW_GUIDED mpi_shared_memory");
  int result = -1;
  CHECK_MPI(MPI_Comm_compare(guided, shared, &result));
  CHECK_INT(result, MPI_CONGRUENT, "HW_GUIDED mpi_shared_memory against COMM_TYPE_SHARED");
  int size = 0;
  int rank = -1;
  CHECK_MPI(MPI_Comm_size(guided, &size));
  CHECK_MPI(MPI_Comm_rank(guided, &rank));
  /* weftrun starts every rank of a test on this host. */
  CHECK_INT(size, world_size, "mpi_shared_memory size");
  CHECK_INT(rank, world_size - 1 - world_rank, "mpi_shared_memory rank ordered by key");
  CHECK_MPI(MPI_Comm_free(&guided));
  CHECK_MPI(MPI_Comm_free(&shared));

  /* Unguided: a strict subset of world, or MPI_COMM_NULL on every rank; when it splits, the
   * info names the level. */
  MPI_Info unguided_info;
  CHECK_MPI(MPI_Info_create(&unguided_info));
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_HW_UNGUIDED, 0, unguided_info, &comm));
  int got = comm != MPI_COMM_NULL;
  int any = 0;
  CHECK_MPI(MPI_Allreduce(&got, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
  CHECK_INT(got, any, "HW_UNGUIDED gives a communicator everywhere or nowhere");
  if (comm != MPI_COMM_NULL) {
    CHECK_MPI(MPI_Comm_size(comm, &size));
    CHECK(size < world_size, "HW_UNGUIDED: a strict subset (size %d of %d)", size, world_size);
    char level[MPI_MAX_INFO_VAL];
    int length = MPI_MAX_INFO_VAL;
    int flag = 0;
    CHECK_MPI(MPI_Info_get_string(unguided_info, "mpi_hw_resource_type", &length, level, &flag));
    CHECK(flag && length > 1, "HW_UNGUIDED names the level in the info");
    CHECK_MPI(MPI_Comm_free(&comm));
  }
  if (world_size == 1) CHECK(!got, "HW_UNGUIDED of a single process is MPI_COMM_NULL");
  CHECK_MPI(MPI_Info_free(&unguided_info));
  CHECK_MPI(MPI_Info_free(&info));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  idup_returns_before_others_enter();
  idups_pending_together();
  idup_overtaken_by_a_blocking_dup();
  many_idups();
  hints();
  create_from_group();
  create_group_over_changing_subsets();
  hardware_splits();
  mp_report_ok("comm_construct");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
