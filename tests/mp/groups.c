/*
 * Process groups. Every group operation (incl, excl, range_incl, range_excl, union,
 * intersection, difference, translate_ranks, compare) is checked against ordered lists of
 * world ranks that the test computes itself, over fixed cases and a few hundred
 * pseudo-random ones (a fixed seed, so every rank and every run builds the same cases),
 * along with MPI_GROUP_EMPTY and MPI_UNDEFINED ranks for non-members.
 */
#include "mp_check.h"

static int world_rank;
static int world_size;
static MPI_Group world_group;

/* An ordered list of world ranks: the reference model of a group. */
typedef struct {
  int n;
  int ranks[64];
} RankList;

static int list_index(const RankList *list, int world) {
  for (int i = 0; i < list->n; ++i) {
    if (list->ranks[i] == world) {
      return i;
    }
  }
  return -1;
}

static void list_push(RankList *list, int world) { list->ranks[list->n++] = world; }

static RankList ref_union(const RankList *a, const RankList *b) {
  RankList result = *a;
  for (int i = 0; i < b->n; ++i) {
    if (list_index(a, b->ranks[i]) < 0) {
      list_push(&result, b->ranks[i]);
    }
  }
  return result;
}

static RankList ref_intersection(const RankList *a, const RankList *b) {
  RankList result = {0, {0}};
  for (int i = 0; i < a->n; ++i) {
    if (list_index(b, a->ranks[i]) >= 0) {
      list_push(&result, a->ranks[i]);
    }
  }
  return result;
}

static RankList ref_difference(const RankList *a, const RankList *b) {
  RankList result = {0, {0}};
  for (int i = 0; i < a->n; ++i) {
    if (list_index(b, a->ranks[i]) < 0) {
      list_push(&result, a->ranks[i]);
    }
  }
  return result;
}

static int ref_compare(const RankList *a, const RankList *b) {
  if (a->n != b->n) {
    return MPI_UNEQUAL;
  }
  int same_order = 1;
  for (int i = 0; i < a->n; ++i) {
    if (a->ranks[i] != b->ranks[i]) {
      same_order = 0;
    }
    if (list_index(b, a->ranks[i]) < 0) {
      return MPI_UNEQUAL;
    }
  }
  return same_order ? MPI_IDENT : MPI_SIMILAR;
}

/* The group must contain exactly `expected`, in order, and report this process's rank. */
static void check_group(MPI_Group group, const RankList *expected, const char *what, int trial) {
  int size = -1;
  CHECK_MPI(MPI_Group_size(group, &size));
  CHECK_INT(size, expected->n, "%s (case %d): MPI_Group_size", what, trial);
  if (size > 0) {
    int ranks[64];
    int translated[64];
    for (int i = 0; i < size; ++i) {
      ranks[i] = i;
    }
    CHECK_MPI(MPI_Group_translate_ranks(group, size, ranks, world_group, translated));
    for (int i = 0; i < size; ++i) {
      CHECK_INT(translated[i], expected->ranks[i], "%s (case %d): member %d", what, trial, i);
    }
  }
  int rank = -2;
  CHECK_MPI(MPI_Group_rank(group, &rank));
  int index = list_index(expected, world_rank);
  CHECK_INT(rank, index < 0 ? MPI_UNDEFINED : index, "%s (case %d): MPI_Group_rank", what, trial);
}

static void free_group(MPI_Group *group) {
  CHECK_MPI(MPI_Group_free(group));
  CHECK(*group == MPI_GROUP_NULL, "MPI_Group_free sets MPI_GROUP_NULL");
}

static MPI_Group make_incl(const RankList *list) {
  MPI_Group group;
  CHECK_MPI(MPI_Group_incl(world_group, list->n, (int *)list->ranks, &group));
  return group;
}

/* Deterministic generator, identical on every rank. */
static unsigned long long random_state = 0x9e3779b97f4a7c15ULL;
static int random_below(int bound) {
  random_state = random_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (int)((random_state >> 33) % (unsigned long long)bound);
}

/* A random subset of world ranks in random order. */
static RankList random_list(void) {
  int order[64];
  for (int i = 0; i < world_size; ++i) {
    order[i] = i;
  }
  for (int i = world_size - 1; i > 0; --i) {
    int j = random_below(i + 1);
    int t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  RankList list = {random_below(world_size + 1), {0}};
  for (int i = 0; i < list.n; ++i) {
    list.ranks[i] = order[i];
  }
  return list;
}

static void basics(void) {
  int size = -1;
  int rank = -1;
  CHECK_MPI(MPI_Group_size(world_group, &size));
  CHECK_MPI(MPI_Group_rank(world_group, &rank));
  CHECK_INT(size, world_size, "size of the world group");
  CHECK_INT(rank, world_rank, "rank in the world group");

  MPI_Group self_group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_SELF, &self_group));
  RankList self = {1, {world_rank}};
  check_group(self_group, &self, "group of MPI_COMM_SELF", 0);
  free_group(&self_group);

  /* MPI_GROUP_EMPTY and the empty results of constructors. */
  RankList empty = {0, {0}};
  check_group(MPI_GROUP_EMPTY, &empty, "MPI_GROUP_EMPTY", 0);
  MPI_Group none = make_incl(&empty);
  check_group(none, &empty, "MPI_Group_incl of no ranks", 0);
  int result = -1;
  CHECK_MPI(MPI_Group_compare(none, MPI_GROUP_EMPTY, &result));
  CHECK_INT(result, MPI_IDENT, "an empty group compared with MPI_GROUP_EMPTY");
  free_group(&none);

  RankList all = {world_size, {0}};
  int *all_ranks = mp_malloc(sizeof(int) * (size_t)world_size);
  for (int i = 0; i < world_size; ++i) {
    all.ranks[i] = i;
    all_ranks[i] = i;
  }
  MPI_Group excluded_all;
  CHECK_MPI(MPI_Group_excl(world_group, world_size, all_ranks, &excluded_all));
  check_group(excluded_all, &empty, "MPI_Group_excl of every rank", 0);
  free_group(&excluded_all);
  free(all_ranks);

  MPI_Group with_empty;
  CHECK_MPI(MPI_Group_union(MPI_GROUP_EMPTY, world_group, &with_empty));
  check_group(with_empty, &all, "union of MPI_GROUP_EMPTY and world", 0);
  CHECK_MPI(MPI_Group_compare(with_empty, world_group, &result));
  CHECK_INT(result, MPI_IDENT, "union with the empty group is the same group");
  free_group(&with_empty);
  CHECK_MPI(MPI_Group_intersection(world_group, MPI_GROUP_EMPTY, &with_empty));
  check_group(with_empty, &empty, "intersection with MPI_GROUP_EMPTY", 0);
  free_group(&with_empty);
  CHECK_MPI(MPI_Group_difference(world_group, world_group, &with_empty));
  check_group(with_empty, &empty, "difference of world with itself", 0);
  free_group(&with_empty);

  /* Translating MPI_PROC_NULL gives MPI_PROC_NULL; non-members give MPI_UNDEFINED. */
  RankList first_only = {1, {0}};
  MPI_Group first = make_incl(&first_only);
  int query[2] = {MPI_PROC_NULL, world_size - 1};
  int answer[2] = {-5, -5};
  CHECK_MPI(MPI_Group_translate_ranks(world_group, 2, query, first, answer));
  CHECK_INT(answer[0], MPI_PROC_NULL, "translating MPI_PROC_NULL");
  CHECK_INT(answer[1], world_size == 1 ? 0 : MPI_UNDEFINED, "translating a non-member");
  free_group(&first);
}

static void fixed_cases(void) {
  /* The odd ranks in reverse order, and everything except every third rank. */
  RankList odd_reversed = {0, {0}};
  for (int r = world_size - 1; r >= 0; --r) {
    if (r % 2 == 1) {
      list_push(&odd_reversed, r);
    }
  }
  MPI_Group odd = make_incl(&odd_reversed);
  check_group(odd, &odd_reversed, "incl of odd ranks reversed", 0);

  RankList not_third = {0, {0}};
  int thirds[64];
  int third_count = 0;
  for (int r = 0; r < world_size; ++r) {
    if (r % 3 == 0) {
      thirds[third_count++] = r;
    } else {
      list_push(&not_third, r);
    }
  }
  MPI_Group excl;
  CHECK_MPI(MPI_Group_excl(world_group, third_count, thirds, &excl));
  check_group(excl, &not_third, "excl of every third rank", 0);

  /* range_incl with a descending triplet then an ascending one, disjoint:
   * (size-1 down to 1 step -2) and (0 up to size-1 step 4) minus overlaps is avoided by
   * using only even starting points for the second. */
  RankList ranged = {0, {0}};
  int triplets[2][3];
  int triplet_count = 0;
  triplets[triplet_count][0] = world_size - 1;
  triplets[triplet_count][1] = 0;
  triplets[triplet_count][2] = -2;
  for (int r = world_size - 1; r >= 0; r -= 2) {
    list_push(&ranged, r);
  }
  ++triplet_count;
  if (world_size >= 2) {
    /* The ranks with the other parity from size-1, every second one. */
    int start = (world_size - 1) % 2 == 0 ? 1 : 0;
    triplets[triplet_count][0] = start;
    triplets[triplet_count][1] = world_size - 1;
    triplets[triplet_count][2] = 4;
    for (int r = start; r <= world_size - 1; r += 4) {
      list_push(&ranged, r);
    }
    ++triplet_count;
  }
  MPI_Group range_in;
  CHECK_MPI(MPI_Group_range_incl(world_group, triplet_count, triplets, &range_in));
  check_group(range_in, &ranged, "range_incl", 0);

  MPI_Group range_out;
  CHECK_MPI(MPI_Group_range_excl(world_group, triplet_count, triplets, &range_out));
  RankList all = {world_size, {0}};
  for (int i = 0; i < world_size; ++i) {
    all.ranks[i] = i;
  }
  RankList remaining = ref_difference(&all, &ranged);
  check_group(range_out, &remaining, "range_excl", 0);

  /* Set operations on those groups. */
  MPI_Group result;
  RankList expected = ref_union(&odd_reversed, &not_third);
  CHECK_MPI(MPI_Group_union(odd, excl, &result));
  check_group(result, &expected, "union of odd and not-third", 0);
  free_group(&result);
  expected = ref_intersection(&not_third, &odd_reversed);
  CHECK_MPI(MPI_Group_intersection(excl, odd, &result));
  check_group(result, &expected, "intersection of not-third and odd", 0);
  free_group(&result);
  expected = ref_difference(&ranged, &odd_reversed);
  CHECK_MPI(MPI_Group_difference(range_in, odd, &result));
  check_group(result, &expected, "difference of range and odd", 0);
  free_group(&result);

  /* Same members, different order: similar; reordered back: identical. */
  RankList odd_forward = {0, {0}};
  for (int i = odd_reversed.n - 1; i >= 0; --i) {
    list_push(&odd_forward, odd_reversed.ranks[i]);
  }
  MPI_Group forward = make_incl(&odd_forward);
  int compare = -1;
  CHECK_MPI(MPI_Group_compare(odd, forward, &compare));
  CHECK_INT(compare, ref_compare(&odd_reversed, &odd_forward), "odd reversed against forward");
  CHECK_MPI(MPI_Group_compare(odd, odd, &compare));
  CHECK_INT(compare, MPI_IDENT, "a group with itself");
  CHECK_MPI(MPI_Group_compare(odd, world_group, &compare));
  CHECK_INT(compare, ref_compare(&odd_reversed, &all), "odd against world");

  free_group(&forward);
  free_group(&odd);
  free_group(&excl);
  free_group(&range_in);
  free_group(&range_out);
}

static void random_cases(void) {
  for (int trial = 0; trial < 300; ++trial) {
    RankList a = random_list();
    RankList b = random_list();
    MPI_Group group_a = make_incl(&a);
    MPI_Group group_b;
    if (trial % 2 == 0) {
      group_b = make_incl(&b);
    } else {
      /* Build b by exclusion from world so both constructors feed the set operations; the
       * exclusion keeps world order, so the model is rebuilt in that order. */
      int excluded[64];
      int excluded_count = 0;
      RankList kept = {0, {0}};
      for (int r = 0; r < world_size; ++r) {
        if (list_index(&b, r) < 0) {
          excluded[excluded_count++] = r;
        } else {
          list_push(&kept, r);
        }
      }
      CHECK_MPI(MPI_Group_excl(world_group, excluded_count, excluded, &group_b));
      b = kept;
    }
    check_group(group_a, &a, "random incl", trial);
    check_group(group_b, &b, "random second group", trial);

    MPI_Group result;
    RankList expected = ref_union(&a, &b);
    CHECK_MPI(MPI_Group_union(group_a, group_b, &result));
    check_group(result, &expected, "random union", trial);
    free_group(&result);

    expected = ref_intersection(&a, &b);
    CHECK_MPI(MPI_Group_intersection(group_a, group_b, &result));
    check_group(result, &expected, "random intersection", trial);
    free_group(&result);

    expected = ref_difference(&a, &b);
    CHECK_MPI(MPI_Group_difference(group_a, group_b, &result));
    check_group(result, &expected, "random difference", trial);
    free_group(&result);

    int compare = -1;
    CHECK_MPI(MPI_Group_compare(group_a, group_b, &compare));
    CHECK_INT(compare, ref_compare(&a, &b), "random compare (case %d)", trial);

    /* Translate every rank of a into b. */
    if (a.n > 0) {
      int ranks[64];
      int translated[64];
      for (int i = 0; i < a.n; ++i) {
        ranks[i] = i;
      }
      CHECK_MPI(MPI_Group_translate_ranks(group_a, a.n, ranks, group_b, translated));
      for (int i = 0; i < a.n; ++i) {
        int index = list_index(&b, a.ranks[i]);
        CHECK_INT(translated[i], index < 0 ? MPI_UNDEFINED : index,
                  "random translate (case %d) of rank %d", trial, i);
      }
    }

    /* Exclude a random subset of a's ranks from a. */
    int drop[64];
    int drop_count = 0;
    RankList kept = {0, {0}};
    for (int i = 0; i < a.n; ++i) {
      if (random_below(2) == 0) {
        drop[drop_count++] = i;
      } else {
        list_push(&kept, a.ranks[i]);
      }
    }
    CHECK_MPI(MPI_Group_excl(group_a, drop_count, drop, &result));
    check_group(result, &kept, "random excl from a", trial);
    free_group(&result);

    free_group(&group_a);
    free_group(&group_b);
  }
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  CHECK(world_size <= 64, "this test models groups of at most 64 ranks");
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &world_group));

  basics();
  fixed_cases();
  random_cases();

  free_group(&world_group);
  mp_report_ok("groups");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
