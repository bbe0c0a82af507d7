/*
 * Communicator management: MPI_Comm_dup (and that its messages never match the
 * original's), MPI_Comm_split with several color/key schemes including MPI_UNDEFINED,
 * MPI_Comm_split_type(MPI_COMM_TYPE_SHARED), MPI_Comm_create and MPI_Comm_create_group,
 * MPI_Comm_compare for every result, names, MPI_Comm_group, MPI_Comm_free and the Fortran
 * handle conversion. Every new communicator carries a ring exchange whose expected
 * sources and payloads come from the membership the test computed itself.
 */
#include "mp_check.h"

static int world_rank;
static int world_size;

/* Ring exchange on `comm`; `world_of` maps ranks of comm to world ranks as the test
 * expects them. The receive uses MPI_ANY_SOURCE so the status source must be expressed in
 * comm's numbering. */
static void ring_on(MPI_Comm comm, const int *world_of, int tag, const char *what) {
  int rank = -1;
  int size = -1;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  CHECK_INT(world_of[rank], world_rank, "%s: this process's rank %d in the new communicator",
            what, rank);
  int left = mp_left(rank, size);
  int payload[2] = {world_rank, mp_pattern_int(world_rank, rank, tag)};
  int received[2] = {-1, -1};
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(payload, 2, MPI_INT, mp_right(rank, size), tag, received, 2, MPI_INT,
                         MPI_ANY_SOURCE, tag, comm, &status));
  CHECK_STATUS(status, left, tag, MPI_INT, 2, "%s: ring receive", what);
  CHECK_INT(received[0], world_of[left], "%s: world rank of the left neighbour", what);
  CHECK_INT(received[1], mp_pattern_int(world_of[left], left, tag), "%s: ring payload", what);
}

static void check_compare(MPI_Comm a, MPI_Comm b, int expected, const char *what) {
  int result = -1;
  CHECK_MPI(MPI_Comm_compare(a, b, &result));
  CHECK_INT(result, expected, "MPI_Comm_compare: %s", what);
}

static void check_name(MPI_Comm comm, const char *expected, const char *what) {
  char name[MPI_MAX_OBJECT_NAME];
  int length = -1;
  memset(name, 'x', sizeof name);
  CHECK_MPI(MPI_Comm_get_name(comm, name, &length));
  CHECK_STR(name, expected, "%s", what);
  CHECK_INT(length, strlen(expected), "%s: name length", what);
}

/* The group of `comm` translated to world ranks must be exactly `world_of`. */
static void check_membership(MPI_Comm comm, const int *world_of, int expected_size,
                             const char *what) {
  int size = -1;
  CHECK_MPI(MPI_Comm_size(comm, &size));
  CHECK_INT(size, expected_size, "%s: size", what);
  MPI_Group group;
  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(comm, &group));
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  int *ranks = mp_malloc(sizeof(int) * (size_t)size);
  int *translated = mp_malloc(sizeof(int) * (size_t)size);
  for (int i = 0; i < size; ++i) {
    ranks[i] = i;
  }
  CHECK_MPI(MPI_Group_translate_ranks(group, size, ranks, world_group, translated));
  for (int i = 0; i < size; ++i) {
    CHECK_INT(translated[i], world_of[i], "%s: world rank of member %d", what, i);
  }
  free(ranks);
  free(translated);
  CHECK_MPI(MPI_Group_free(&group));
  CHECK_MPI(MPI_Group_free(&world_group));
}

static void predefined(void) {
  check_name(MPI_COMM_WORLD, "MPI_COMM_WORLD", "name of MPI_COMM_WORLD");
  check_name(MPI_COMM_SELF, "MPI_COMM_SELF", "name of MPI_COMM_SELF");
  check_name(MPI_COMM_NULL, "MPI_COMM_NULL", "name of MPI_COMM_NULL (MPI 4.1)");
  check_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, MPI_IDENT, "world with itself");
  check_compare(MPI_COMM_WORLD, MPI_COMM_SELF, world_size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL,
                "world with self");
  CHECK(MPI_Comm_fromint(MPI_Comm_toint(MPI_COMM_WORLD)) == MPI_COMM_WORLD,
        "Fortran handle round trip of MPI_COMM_WORLD");
  CHECK(MPI_Comm_fromint(MPI_Comm_toint(MPI_COMM_SELF)) == MPI_COMM_SELF,
        "Fortran handle round trip of MPI_COMM_SELF");
  CHECK(MPI_Comm_toint(MPI_COMM_WORLD) != MPI_Comm_toint(MPI_COMM_SELF),
        "world and self have distinct Fortran handles");
}

static void duplicate(void) {
  MPI_Comm dup;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  CHECK(dup != MPI_COMM_NULL && dup != MPI_COMM_WORLD, "MPI_Comm_dup returned a new handle");
  check_compare(MPI_COMM_WORLD, dup, MPI_CONGRUENT, "world with its dup");
  CHECK(MPI_Comm_fromint(MPI_Comm_toint(dup)) == dup, "Fortran handle round trip of a dup");

  MPI_Group world_group;
  MPI_Group dup_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  CHECK_MPI(MPI_Comm_group(dup, &dup_group));
  int result = -1;
  CHECK_MPI(MPI_Group_compare(world_group, dup_group, &result));
  CHECK_INT(result, MPI_IDENT, "groups of world and its dup");
  int group_size = -1;
  int group_rank = -1;
  CHECK_MPI(MPI_Group_size(dup_group, &group_size));
  CHECK_MPI(MPI_Group_rank(dup_group, &group_rank));
  CHECK_INT(group_size, world_size, "size of the dup's group");
  CHECK_INT(group_rank, world_rank, "rank in the dup's group");
  CHECK_MPI(MPI_Group_free(&world_group));
  CHECK_MPI(MPI_Group_free(&dup_group));
  CHECK(world_group == MPI_GROUP_NULL, "MPI_Group_free sets MPI_GROUP_NULL");

  CHECK_MPI(MPI_Comm_set_name(dup, "weft dup of world"));
  check_name(dup, "weft dup of world", "name set on a dup");
  check_name(MPI_COMM_WORLD, "MPI_COMM_WORLD", "world's name after naming its dup");

  /* Same destination, same tag, dup first: the receive on world must skip the dup's
   * message, and the receive on the dup must skip world's. */
  const int tag = 5;
  int right = mp_right(world_rank, world_size);
  int left = mp_left(world_rank, world_size);
  int on_dup = mp_pattern_int(world_rank, 0, 1);
  int on_world = mp_pattern_int(world_rank, 0, 2);
  MPI_Request requests[2];
  CHECK_MPI(MPI_Isend(&on_dup, 1, MPI_INT, right, tag, dup, &requests[0]));
  CHECK_MPI(MPI_Isend(&on_world, 1, MPI_INT, right, tag, MPI_COMM_WORLD, &requests[1]));
  int value = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, left, tag, MPI_INT, 1, "receive on world next to a dup");
  CHECK_INT(value, mp_pattern_int(left, 0, 2), "world receive must get world's message");
  CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, dup, &status));
  CHECK_STATUS(status, left, tag, MPI_INT, 1, "receive on the dup");
  CHECK_INT(value, mp_pattern_int(left, 0, 1), "dup receive must get the dup's message");
  CHECK_MPI(MPI_Waitall(2, requests, MPI_STATUSES_IGNORE));

  /* A dup of a dup is congruent with world too; the two dups are also congruent. */
  MPI_Comm dup2;
  CHECK_MPI(MPI_Comm_dup(dup, &dup2));
  check_compare(MPI_COMM_WORLD, dup2, MPI_CONGRUENT, "world with a dup of its dup");
  check_compare(dup, dup2, MPI_CONGRUENT, "two dups");
  int *identity = mp_malloc(sizeof(int) * (size_t)world_size);
  for (int i = 0; i < world_size; ++i) {
    identity[i] = i;
  }
  ring_on(dup2, identity, 6, "dup of a dup");
  free(identity);

  CHECK_MPI(MPI_Comm_free(&dup2));
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK(dup == MPI_COMM_NULL, "MPI_Comm_free sets MPI_COMM_NULL");
}

static void split_parity(void) {
  int color = world_rank % 2;
  MPI_Comm half;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, color, world_rank, &half));
  CHECK(half != MPI_COMM_NULL, "MPI_Comm_split with a valid color");
  int members = (world_size + 1 - color) / 2;
  int *world_of = mp_malloc(sizeof(int) * (size_t)members);
  for (int i = 0; i < members; ++i) {
    world_of[i] = 2 * i + color;
  }
  check_membership(half, world_of, members, "odd/even split");
  int rank = -1;
  CHECK_MPI(MPI_Comm_rank(half, &rank));
  CHECK_INT(rank, world_rank / 2, "rank in the odd/even split");
  check_name(half, "", "name of a split communicator that was never named");
  check_compare(MPI_COMM_WORLD, half, world_size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL,
                "world with its odd/even split");
  ring_on(half, world_of, 10, "odd/even split");
  free(world_of);
  CHECK_MPI(MPI_Comm_free(&half));
}

static void split_reversed(void) {
  /* One color, keys descending: ranks come out reversed. */
  MPI_Comm reversed;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 3, world_size - world_rank, &reversed));
  int *world_of = mp_malloc(sizeof(int) * (size_t)world_size);
  for (int i = 0; i < world_size; ++i) {
    world_of[i] = world_size - 1 - i;
  }
  check_membership(reversed, world_of, world_size, "reversed split");
  check_compare(MPI_COMM_WORLD, reversed, world_size == 1 ? MPI_CONGRUENT : MPI_SIMILAR,
                "world with its reversed split");
  ring_on(reversed, world_of, 11, "reversed split");
  CHECK_MPI(MPI_Comm_free(&reversed));

  /* Equal keys keep the original order. */
  MPI_Comm same_order;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, 0, 0, &same_order));
  for (int i = 0; i < world_size; ++i) {
    world_of[i] = i;
  }
  check_membership(same_order, world_of, world_size, "split with equal keys");
  check_compare(MPI_COMM_WORLD, same_order, MPI_CONGRUENT, "world with an equal-key split");
  ring_on(same_order, world_of, 12, "split with equal keys");
  CHECK_MPI(MPI_Comm_free(&same_order));
  free(world_of);
}

static void split_undefined(void) {
  /* Ranks divisible by 3 opt out; the rest split by rank % 3 with keys reversed. */
  int remainder = world_rank % 3;
  int color = remainder == 0 ? MPI_UNDEFINED : remainder;
  MPI_Comm part;
  CHECK_MPI(MPI_Comm_split(MPI_COMM_WORLD, color, -world_rank, &part));
  if (remainder == 0) {
    CHECK(part == MPI_COMM_NULL, "MPI_UNDEFINED color must give MPI_COMM_NULL");
    return;
  }
  int *world_of = mp_malloc(sizeof(int) * (size_t)world_size);
  int members = 0;
  for (int r = world_size - 1; r >= 0; --r) {
    if (r % 3 == remainder) {
      world_of[members++] = r;
    }
  }
  check_membership(part, world_of, members, "split with MPI_UNDEFINED");
  ring_on(part, world_of, 13, "split with MPI_UNDEFINED");
  free(world_of);
  CHECK_MPI(MPI_Comm_free(&part));
}

static void split_shared(void) {
  MPI_Comm node;
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, world_rank, MPI_INFO_NULL,
                                &node));
  CHECK(node != MPI_COMM_NULL, "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)");
  int size = -1;
  int rank = -1;
  CHECK_MPI(MPI_Comm_size(node, &size));
  CHECK_MPI(MPI_Comm_rank(node, &rank));
  CHECK(size >= 1 && size <= world_size, "shared-memory communicator size %d", size);

  /* The members are the world ranks in key order; learn them from the group. */
  MPI_Group group;
  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(node, &group));
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));
  int *ranks = mp_malloc(sizeof(int) * (size_t)size);
  int *world_of = mp_malloc(sizeof(int) * (size_t)size);
  for (int i = 0; i < size; ++i) {
    ranks[i] = i;
  }
  CHECK_MPI(MPI_Group_translate_ranks(group, size, ranks, world_group, world_of));
  for (int i = 1; i < size; ++i) {
    CHECK(world_of[i] > world_of[i - 1], "shared-memory members must follow the key order");
  }
  if (size == world_size) {
    check_compare(MPI_COMM_WORLD, node, MPI_CONGRUENT, "world with a one-node shared split");
  }
  ring_on(node, world_of, 14, "shared-memory split");
  CHECK_MPI(MPI_Group_free(&group));
  CHECK_MPI(MPI_Group_free(&world_group));
  free(ranks);
  free(world_of);
  CHECK_MPI(MPI_Comm_free(&node));

  MPI_Comm none;
  CHECK_MPI(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_UNDEFINED, 0, MPI_INFO_NULL, &none));
  CHECK(none == MPI_COMM_NULL, "MPI_Comm_split_type with MPI_UNDEFINED");
}

static void create_from_groups(void) {
  MPI_Group world_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));

  /* MPI_Comm_create over world with the even ranks; odd ranks get MPI_COMM_NULL. */
  int evens = (world_size + 1) / 2;
  int *even_ranks = mp_malloc(sizeof(int) * (size_t)evens);
  for (int i = 0; i < evens; ++i) {
    even_ranks[i] = 2 * i;
  }
  MPI_Group even_group;
  CHECK_MPI(MPI_Group_incl(world_group, evens, even_ranks, &even_group));
  MPI_Comm even_comm;
  CHECK_MPI(MPI_Comm_create(MPI_COMM_WORLD, even_group, &even_comm));
  if (world_rank % 2 == 1) {
    CHECK(even_comm == MPI_COMM_NULL, "MPI_Comm_create for a non-member");
  } else {
    check_membership(even_comm, even_ranks, evens, "MPI_Comm_create of the even ranks");
    ring_on(even_comm, even_ranks, 20, "MPI_Comm_create of the even ranks");
    CHECK_MPI(MPI_Comm_free(&even_comm));
  }

  /* MPI_Comm_create with every rank in reverse order. */
  int *reversed = mp_malloc(sizeof(int) * (size_t)world_size);
  for (int i = 0; i < world_size; ++i) {
    reversed[i] = world_size - 1 - i;
  }
  MPI_Group reversed_group;
  CHECK_MPI(MPI_Group_incl(world_group, world_size, reversed, &reversed_group));
  MPI_Comm reversed_comm;
  CHECK_MPI(MPI_Comm_create(MPI_COMM_WORLD, reversed_group, &reversed_comm));
  check_membership(reversed_comm, reversed, world_size, "MPI_Comm_create in reverse order");
  check_compare(MPI_COMM_WORLD, reversed_comm, world_size == 1 ? MPI_CONGRUENT : MPI_SIMILAR,
                "world with its reversed creation");
  ring_on(reversed_comm, reversed, 21, "MPI_Comm_create in reverse order");
  CHECK_MPI(MPI_Comm_free(&reversed_comm));

  /* MPI_Comm_create_group: only the upper half (in reverse) takes part. */
  int first = world_size / 2;
  int members = world_size - first;
  int *upper = mp_malloc(sizeof(int) * (size_t)members);
  for (int i = 0; i < members; ++i) {
    upper[i] = world_size - 1 - i;
  }
  if (world_rank >= first) {
    MPI_Group upper_group;
    CHECK_MPI(MPI_Group_incl(world_group, members, upper, &upper_group));
    MPI_Comm upper_comm;
    CHECK_MPI(MPI_Comm_create_group(MPI_COMM_WORLD, upper_group, 77, &upper_comm));
    check_membership(upper_comm, upper, members, "MPI_Comm_create_group of the upper half");
    int rank = -1;
    CHECK_MPI(MPI_Comm_rank(upper_comm, &rank));
    CHECK_INT(rank, world_size - 1 - world_rank, "rank from MPI_Comm_create_group");
    ring_on(upper_comm, upper, 22, "MPI_Comm_create_group of the upper half");
    CHECK_MPI(MPI_Comm_free(&upper_comm));
    CHECK_MPI(MPI_Group_free(&upper_group));
  }

  free(upper);
  free(reversed);
  free(even_ranks);
  CHECK_MPI(MPI_Group_free(&reversed_group));
  CHECK_MPI(MPI_Group_free(&even_group));
  CHECK_MPI(MPI_Group_free(&world_group));
}

/* Several communicators alive at once, each carrying a message with the same tag between
 * the same pair of processes: each receive must take its own communicator's message. */
static void concurrent_traffic(void) {
  enum { kComms = 4 };
  MPI_Comm comms[kComms];
  for (int c = 0; c < kComms; ++c) {
    CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comms[c]));
  }
  const int tag = 30;
  int right = mp_right(world_rank, world_size);
  int left = mp_left(world_rank, world_size);
  int payload[kComms];
  MPI_Request requests[kComms];
  for (int c = 0; c < kComms; ++c) {
    payload[c] = mp_pattern_int(world_rank, c, tag);
    CHECK_MPI(MPI_Isend(&payload[c], 1, MPI_INT, right, tag, comms[c], &requests[c]));
  }
  /* Receive in the opposite order to sending. */
  for (int c = kComms - 1; c >= 0; --c) {
    int value = -1;
    MPI_Status status;
    CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, comms[c], &status));
    CHECK_STATUS(status, left, tag, MPI_INT, 1, "communicator %d of %d", c, kComms);
    CHECK_INT(value, mp_pattern_int(left, c, tag), "message on communicator %d", c);
  }
  CHECK_MPI(MPI_Waitall(kComms, requests, MPI_STATUSES_IGNORE));
  for (int c = 0; c < kComms; ++c) {
    CHECK_MPI(MPI_Comm_free(&comms[c]));
  }
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));

  predefined();
  duplicate();
  split_parity();
  split_reversed();
  split_undefined();
  split_shared();
  create_from_groups();
  concurrent_traffic();

  mp_report_ok("comm_ops");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
