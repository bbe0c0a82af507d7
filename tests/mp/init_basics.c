/*
 * Start-up and environment queries: thread level, Initialized/Finalized, world size and
 * rank (checked by the ranks themselves, not by the launcher's environment), processor
 * name, version strings, the clock, and the predefined attributes of MPI_COMM_WORLD.
 */
#include "mp_check.h"

static void check_version_queries(const char *when) {
  int version = -1;
  int subversion = -1;
  CHECK_MPI(MPI_Get_version(&version, &subversion));
  CHECK(version >= 3, "MPI_Get_version %s: version %d.%d", when, version, subversion);
  CHECK(subversion >= 0, "MPI_Get_version %s: subversion %d", when, subversion);
  CHECK_INT(version, MPI_VERSION, "MPI_Get_version %s against the header's MPI_VERSION", when);
  CHECK_INT(subversion, MPI_SUBVERSION, "MPI_Get_version %s against MPI_SUBVERSION", when);

  char library[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = -1;
  memset(library, 'x', sizeof library);
  CHECK_MPI(MPI_Get_library_version(library, &length));
  CHECK(length > 0 && length < MPI_MAX_LIBRARY_VERSION_STRING,
        "MPI_Get_library_version %s: length %d", when, length);
  CHECK(memchr(library, '\0', sizeof library) != NULL,
        "MPI_Get_library_version %s: string not terminated", when);
  CHECK(strlen(library) > 0, "MPI_Get_library_version %s: empty string", when);
}

static void check_init_state(int expect_initialized, int expect_finalized, const char *when) {
  int flag = -1;
  CHECK_MPI(MPI_Initialized(&flag));
  CHECK_INT(flag != 0, expect_initialized, "MPI_Initialized %s", when);
  flag = -1;
  CHECK_MPI(MPI_Finalized(&flag));
  CHECK_INT(flag != 0, expect_finalized, "MPI_Finalized %s", when);
}

/* Every rank reports (rank, size) to rank 0, which checks the ranks form exactly
 * 0..size-1, that each message's source is the rank it claims, and that all agree on size. */
static void check_world_membership(int rank, int size) {
  const int tag = 11;
  if (rank != 0) {
    int report[2] = {rank, size};
    CHECK_MPI(MPI_Send(report, 2, MPI_INT, 0, tag, MPI_COMM_WORLD));
    return;
  }
  char *seen = mp_malloc((size_t)size);
  memset(seen, 0, (size_t)size);
  seen[0] = 1;
  for (int i = 1; i < size; ++i) {
    int report[2] = {-1, -1};
    MPI_Status status;
    CHECK_MPI(MPI_Recv(report, 2, MPI_INT, MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &status));
    CHECK_INT(report[1], size, "world size reported by rank %d", report[0]);
    CHECK(report[0] > 0 && report[0] < size, "reported rank %d out of range", report[0]);
    CHECK_INT(status.MPI_SOURCE, report[0], "status source of membership report");
    CHECK(!seen[report[0]], "rank %d reported twice", report[0]);
    seen[report[0]] = 1;
  }
  free(seen);
}

static void check_clock(void) {
  double tick = MPI_Wtick();
  CHECK(tick > 0.0 && tick < 1.0, "MPI_Wtick returned %g", tick);

  double previous = MPI_Wtime();
  for (int i = 0; i < 10000; ++i) {
    double now = MPI_Wtime();
    CHECK(now >= previous, "MPI_Wtime went backwards: %.9f after %.9f", now, previous);
    previous = now;
  }
  /* The clock must move: spin until it advances, bounded by an iteration count so a stuck
   * clock is a failure rather than a hang. */
  double start = MPI_Wtime();
  long spins = 0;
  while (MPI_Wtime() <= start) {
    ++spins;
    CHECK(spins < 200000000L, "MPI_Wtime did not advance from %.9f", start);
  }
}

/* Fetches an integer-valued predefined attribute; returns the flag. */
static int get_int_attribute(MPI_Comm comm, int keyval, int *value) {
  void *attribute = NULL;
  int flag = -1;
  CHECK_MPI(MPI_Comm_get_attr(comm, keyval, &attribute, &flag));
  CHECK(flag == 0 || flag == 1, "MPI_Comm_get_attr flag %d", flag);
  if (flag) {
    CHECK(attribute != NULL, "MPI_Comm_get_attr returned flag with a null value");
    *value = *(int *)attribute;
  }
  return flag;
}

static void check_attributes(int rank, int size) {
  int value = 0;
  CHECK(get_int_attribute(MPI_COMM_WORLD, MPI_TAG_UB, &value), "MPI_TAG_UB must be present");
  CHECK(value >= 32767, "MPI_TAG_UB is %d, the standard requires at least 32767", value);

  int tag_ub_self = 0;
  CHECK(get_int_attribute(MPI_COMM_SELF, MPI_TAG_UB, &tag_ub_self),
        "MPI_TAG_UB on MPI_COMM_SELF");
  CHECK_INT(tag_ub_self, value, "MPI_TAG_UB must be the same on every communicator");

  CHECK(get_int_attribute(MPI_COMM_WORLD, MPI_WTIME_IS_GLOBAL, &value),
        "MPI_WTIME_IS_GLOBAL must be present");
  CHECK(value == 0 || value == 1, "MPI_WTIME_IS_GLOBAL is %d, must be a boolean", value);

  /* Present only when the start-up mechanism gives it a meaning; a plain `-n N` launch is
   * application number 0. */
  if (get_int_attribute(MPI_COMM_WORLD, MPI_APPNUM, &value)) {
    CHECK_INT(value, 0, "MPI_APPNUM of a single-program launch");
  }

  /* Set only when the user gave a universe size. */
  if (get_int_attribute(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &value)) {
    CHECK(value >= size, "MPI_UNIVERSE_SIZE %d smaller than the world (%d)", value, size);
  }

  if (get_int_attribute(MPI_COMM_WORLD, MPI_HOST, &value)) {
    CHECK(value == MPI_PROC_NULL || (value >= 0 && value < size), "MPI_HOST is %d", value);
  }

  if (get_int_attribute(MPI_COMM_WORLD, MPI_IO, &value)) {
    CHECK(value == MPI_ANY_SOURCE || value == MPI_PROC_NULL || (value >= 0 && value < size),
          "MPI_IO is %d", value);
  }

  if (get_int_attribute(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &value)) {
    CHECK(value >= MPI_ERR_LASTCODE, "MPI_LASTUSEDCODE %d below MPI_ERR_LASTCODE %d", value,
          MPI_ERR_LASTCODE);
  }
  (void)rank;
}

int main(int argc, char **argv) {
  check_init_state(0, 0, "before MPI_Init_thread");
  /* Version queries are allowed before initialization. */
  check_version_queries("before MPI_Init_thread");

  CHECK(MPI_THREAD_SINGLE < MPI_THREAD_FUNNELED && MPI_THREAD_FUNNELED < MPI_THREAD_SERIALIZED &&
            MPI_THREAD_SERIALIZED < MPI_THREAD_MULTIPLE,
        "thread level constants must be ordered");

  int provided = -1;
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided));
  CHECK(provided >= MPI_THREAD_SINGLE && provided <= MPI_THREAD_MULTIPLE,
        "MPI_Init_thread provided level %d is not a thread level", provided);

  int queried = -1;
  CHECK_MPI(MPI_Query_thread(&queried));
  CHECK_INT(queried, provided, "MPI_Query_thread against the level MPI_Init_thread gave");

  int is_main = -1;
  CHECK_MPI(MPI_Is_thread_main(&is_main));
  CHECK(is_main != 0, "MPI_Is_thread_main on the thread that called MPI_Init_thread");

  check_init_state(1, 0, "after MPI_Init_thread");

  int rank = -1;
  int size = -1;
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK(size >= 1, "world size %d", size);
  CHECK(rank >= 0 && rank < size, "world rank %d of %d", rank, size);

  int self_size = -1;
  int self_rank = -1;
  CHECK_MPI(MPI_Comm_size(MPI_COMM_SELF, &self_size));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_SELF, &self_rank));
  CHECK_INT(self_size, 1, "size of MPI_COMM_SELF");
  CHECK_INT(self_rank, 0, "rank in MPI_COMM_SELF");

  check_world_membership(rank, size);

  char name[MPI_MAX_PROCESSOR_NAME];
  int name_length = -1;
  memset(name, 'x', sizeof name);
  CHECK_MPI(MPI_Get_processor_name(name, &name_length));
  CHECK(name_length > 0 && name_length < MPI_MAX_PROCESSOR_NAME,
        "MPI_Get_processor_name length %d", name_length);
  CHECK_INT(name[name_length], '\0', "processor name must be terminated at its length");
  CHECK_INT(strlen(name), name_length, "processor name length");

  check_version_queries("after MPI_Init_thread");
  check_clock();
  check_attributes(rank, size);

  mp_report_ok("init_basics");
  CHECK_MPI(MPI_Finalize());

  check_init_state(1, 1, "after MPI_Finalize");
  /* Still allowed after finalization. */
  check_version_queries("after MPI_Finalize");
  return 0;
}
