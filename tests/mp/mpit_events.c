/*
 * MPI tool information interface: events, their registrations, callbacks and sources.
 *
 * - Every event's information is consistent (its name finds it again; num_elements in/out;
 *   datatypes and displacements fit inside what MPI_T_event_copy writes).
 * - unexpected_message: rank 0 lets kUnexpected messages from every other rank arrive before
 *   it posts receives; its callback (registered for MPI_T_CB_REQUIRE_MPI_RESTRICTED) sees
 *   each one, and the elements it reads (source, tag, size) are the ones the test sent, in
 *   the order each sender sent them, with timestamps that never go back (an ordered source).
 * - comm_created: a callback registered only for MPI_T_CB_REQUIRE_NONE is never called
 *   inside MPI; those events are dropped and the dropped handler counts them. With a
 *   MPI_T_CB_REQUIRE_THREAD_SAFE callback, MPI_Comm_dup and MPI_Comm_split deliver one event
 *   each, carrying the new communicator's size and this rank.
 * - MPI_T_event_handle_free calls the free callback with its user data; no callback runs
 *   after it.
 * - Error classes for bad indices, names, handles, instances and safety levels.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpit_common.h"

enum { kUnexpected = 6, kMaxEvents = 1024 };

struct Seen {
  int source, tag;
  unsigned context;
  MPI_Count bytes;
  MPI_Count timestamp;
};

static struct Seen g_seen[kMaxEvents];
static int g_count;
static int g_comm_events;
static int g_comm_last_size = -1;
static int g_comm_last_rank = -1;
static MPI_Count g_dropped;
static int g_none_calls;
static int g_freed;
static int g_bad_calls;

static void on_unexpected(MPI_T_event_instance instance, MPI_T_event_registration registration,
                          MPI_T_cb_safety safety, void *user_data) {
  (void)registration;
  if (safety != MPI_T_CB_REQUIRE_MPI_RESTRICTED || user_data != &g_seen || g_count >= kMaxEvents) {
    ++g_bad_calls;
    return;
  }
  struct Seen *seen = &g_seen[g_count];
  int source_index = -1;
  if (MPI_T_event_read(instance, 0, &seen->source) != MPI_SUCCESS ||
      MPI_T_event_read(instance, 1, &seen->tag) != MPI_SUCCESS ||
      MPI_T_event_read(instance, 2, &seen->context) != MPI_SUCCESS ||
      MPI_T_event_read(instance, 3, &seen->bytes) != MPI_SUCCESS ||
      MPI_T_event_get_timestamp(instance, &seen->timestamp) != MPI_SUCCESS ||
      MPI_T_event_get_source(instance, &source_index) != MPI_SUCCESS || source_index != 0) {
    ++g_bad_calls;
  }
  int dummy = 0;
  if (MPI_T_event_read(instance, 4, &dummy) != MPI_T_ERR_INVALID_INDEX) ++g_bad_calls;
  /* The whole block: the elements at their displacements. */
  char copy[64];
  if (MPI_T_event_copy(instance, copy) != MPI_SUCCESS) ++g_bad_calls;
  ++g_count;
}

static void on_comm_none(MPI_T_event_instance instance, MPI_T_event_registration registration,
                         MPI_T_cb_safety safety, void *user_data) {
  (void)instance, (void)registration, (void)safety, (void)user_data;
  ++g_none_calls;  /* must never run inside MPI */
}

static void on_comm(MPI_T_event_instance instance, MPI_T_event_registration registration,
                    MPI_T_cb_safety safety, void *user_data) {
  (void)registration, (void)user_data;
  if (safety != MPI_T_CB_REQUIRE_MPI_RESTRICTED) ++g_bad_calls;
  if (MPI_T_event_read(instance, 1, &g_comm_last_size) != MPI_SUCCESS ||
      MPI_T_event_read(instance, 2, &g_comm_last_rank) != MPI_SUCCESS) {
    ++g_bad_calls;
  }
  ++g_comm_events;
}

static void on_dropped(MPI_Count count, MPI_T_event_registration registration, int source_index,
                       MPI_T_cb_safety safety, void *user_data) {
  (void)registration, (void)safety, (void)user_data;
  if (source_index != 0 || count < 1) ++g_bad_calls;
  g_dropped += count;
}

static void on_free(MPI_T_event_registration registration, MPI_T_cb_safety safety,
                    void *user_data) {
  (void)registration, (void)safety;
  if (user_data == &g_freed) ++g_freed;
}

static int find_event(const char *name, int expected_elements, MPI_Datatype *types,
                      MPI_Aint *displacements) {
  int index = -1;
  CHECK_T_OK(MPI_T_event_get_index(name, &index));
  int elements = 0;
  /* Asking for the count only. */
  CHECK_T_OK(MPI_T_event_get_info(index, NULL, NULL, NULL, NULL, NULL, &elements, NULL, NULL,
                                  NULL, NULL, NULL));
  CHECK_INT(elements, expected_elements, "%s elements", name);
  CHECK_T_OK(MPI_T_event_get_info(index, NULL, NULL, NULL, types, displacements, &elements,
                                  NULL, NULL, NULL, NULL, NULL));
  return index;
}

static void check_all_events(void) {
  int num = 0;
  CHECK_T_OK(MPI_T_event_get_num(&num));
  CHECK(num >= 2, "%d events", num);
  for (int i = 0; i < num; ++i) {
    char name[128];
    int name_len = sizeof name;
    char desc[1024];
    int desc_len = sizeof desc;
    int verbosity = -1, bind = -1;
    MPI_Datatype types[16];
    MPI_Aint displacements[16];
    int elements = 16;
    MPI_T_enum enumtype;
    MPI_Info info = MPI_INFO_NULL;
    CHECK_T_OK(MPI_T_event_get_info(i, name, &name_len, &verbosity, types, displacements,
                                    &elements, &enumtype, &info, desc, &desc_len, &bind));
    CHECK(elements >= 1 && elements <= 16, "%s has %d elements", name, elements);
    CHECK_INT(bind, MPI_T_BIND_NO_OBJECT, "%s", name);
    CHECK(info != MPI_INFO_NULL, "%s returns an info object", name);
    CHECK_MPI(MPI_Info_free(&info));
    for (int e = 1; e < elements; ++e) {
      CHECK(displacements[e] > displacements[e - 1], "%s element %d displacement", name, e);
    }
    int index = -1;
    CHECK_T_OK(MPI_T_event_get_index(name, &index));
    CHECK_INT(index, i, "%s", name);
    /* A short array is filled only as far as it goes; the count is still the whole. */
    MPI_Datatype one[2] = {MPI_DATATYPE_NULL, MPI_DATATYPE_NULL};
    int room = 1;
    CHECK_T_OK(MPI_T_event_get_info(i, NULL, NULL, NULL, one, NULL, &room, NULL, NULL, NULL,
                                    NULL, NULL));
    CHECK_INT(room, elements, "%s count with a short array", name);
    CHECK(one[0] == types[0] && one[1] == MPI_DATATYPE_NULL, "%s short array", name);
  }
  int index;
  CHECK_T(MPI_T_event_get_index("no_such_event", &index), MPI_T_ERR_INVALID_NAME);
  CHECK_T(MPI_T_event_get_info(num, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                               NULL),
          MPI_T_ERR_INVALID_INDEX);
  MPI_T_event_registration r;
  CHECK_T(MPI_T_event_handle_alloc(num, NULL, MPI_INFO_NULL, &r), MPI_T_ERR_INVALID_INDEX);

  int sources = 0;
  CHECK_T_OK(MPI_T_source_get_num(&sources));
  CHECK_INT(sources, 1, "event sources");
  char name[64];
  int name_len = sizeof name;
  MPI_T_source_order order;
  MPI_Count ticks = 0, max_ticks = 0;
  CHECK_T_OK(MPI_T_source_get_info(0, name, &name_len, NULL, NULL, &order, &ticks, &max_ticks,
                                   NULL));
  CHECK_INT(order, MPI_T_SOURCE_ORDERED, "source ordering");
  CHECK(ticks > 0 && max_ticks > 0, "source ticks");
  MPI_Count t1 = 0, t2 = 0;
  CHECK_T_OK(MPI_T_source_get_timestamp(0, &t1));
  CHECK_T_OK(MPI_T_source_get_timestamp(0, &t2));
  CHECK(t2 >= t1, "the source's clock never goes back");
  CHECK_T(MPI_T_source_get_timestamp(1, &t1), MPI_T_ERR_INVALID_INDEX);
  CHECK_T(MPI_T_source_get_info(-1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
}

static void check_unexpected_events(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Datatype types[4];
  MPI_Aint displacements[4];
  const int index = find_event("unexpected_message", 4, types, displacements);
  CHECK(types[0] == MPI_INT && types[1] == MPI_INT && types[2] == MPI_UNSIGNED &&
            types[3] == MPI_COUNT,
        "unexpected_message element types");
  MPI_T_event_registration registration;
  CHECK_T_OK(MPI_T_event_handle_alloc(index, NULL, MPI_INFO_NULL, &registration));
  CHECK_T(MPI_T_event_register_callback(registration, (MPI_T_cb_safety)7, MPI_INFO_NULL, NULL,
                                        on_unexpected),
          MPI_T_ERR_INVALID);
  CHECK_T_OK(MPI_T_event_register_callback(registration, MPI_T_CB_REQUIRE_MPI_RESTRICTED,
                                           MPI_INFO_NULL, &g_seen, on_unexpected));
  MPI_Info info;
  CHECK_T_OK(MPI_T_event_callback_get_info(registration, MPI_T_CB_REQUIRE_MPI_RESTRICTED, &info));
  CHECK_MPI(MPI_Info_free(&info));
  CHECK_T_OK(MPI_T_event_handle_get_info(registration, &info));
  CHECK_T_OK(MPI_T_event_handle_set_info(registration, info));
  CHECK_T_OK(MPI_T_event_callback_set_info(registration, MPI_T_CB_REQUIRE_MPI_RESTRICTED, info));
  CHECK_MPI(MPI_Info_free(&info));

  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  const int expected = kUnexpected * (size - 1);
  if (rank == 0) {
    g_count = 0;
    for (int peer = 1; peer < size; ++peer) {
      CHECK_MPI(MPI_Send(NULL, 0, MPI_INT, peer, 99, MPI_COMM_WORLD));
    }
    int flag = 0;
    while (g_count < expected) {
      CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, 12345, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
    }
    CHECK_INT(g_count, expected, "unexpected events");
    CHECK_INT(g_bad_calls, 0, "callback checks");
    int next[64] = {0};
    for (int i = 0; i < g_count; ++i) {
      const struct Seen *seen = &g_seen[i];
      CHECK(seen->source >= 1 && seen->source < size, "event %d source %d", i, seen->source);
      CHECK_INT(seen->tag, next[seen->source], "event %d: senders' order", i);
      CHECK_INT(seen->bytes, (MPI_Count)sizeof(int) * (seen->tag + 1), "event %d size", i);
      ++next[seen->source];
      if (i > 0) CHECK(seen->timestamp >= g_seen[i - 1].timestamp, "event %d timestamp", i);
    }
    for (int peer = 1; peer < size; ++peer) {
      for (int m = 0; m < kUnexpected; ++m) {
        int values[kUnexpected];
        CHECK_MPI(MPI_Recv(values, m + 1, MPI_INT, peer, m, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK_INT(values[m], mp_pattern_int(peer, m, 3), "message %d from %d", m, peer);
      }
    }
    for (int peer = 1; peer < size; ++peer) {
      CHECK_MPI(MPI_Send(NULL, 0, MPI_INT, peer, 98, MPI_COMM_WORLD));
    }
  } else {
    CHECK_MPI(MPI_Recv(NULL, 0, MPI_INT, 0, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    for (int m = 0; m < kUnexpected; ++m) {
      int values[kUnexpected];
      for (int k = 0; k <= m; ++k) values[k] = mp_pattern_int(rank, m, 3);
      CHECK_MPI(MPI_Send(values, m + 1, MPI_INT, 0, m, MPI_COMM_WORLD));
    }
    CHECK_MPI(MPI_Recv(NULL, 0, MPI_INT, 0, 98, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  }
  g_freed = 0;
  CHECK_T_OK(MPI_T_event_handle_free(registration, &g_freed, on_free));
  CHECK_INT(g_freed, 1, "the free callback ran with its user data");
  CHECK_T(MPI_T_event_register_callback(registration, MPI_T_CB_REQUIRE_NONE, MPI_INFO_NULL,
                                        NULL, on_unexpected),
          MPI_T_ERR_INVALID_HANDLE);
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
}

static void check_comm_events(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_Datatype types[4];
  MPI_Aint displacements[4];
  const int index = find_event("comm_created", 4, types, displacements);
  MPI_T_event_registration registration;
  CHECK_T_OK(MPI_T_event_handle_alloc(index, NULL, MPI_INFO_NULL, &registration));
  /* Only a callback that needs no guarantee at all: MPI cannot call it from inside. */
  CHECK_T_OK(MPI_T_event_register_callback(registration, MPI_T_CB_REQUIRE_NONE, MPI_INFO_NULL,
                                           NULL, on_comm_none));
  CHECK_T_OK(MPI_T_event_set_dropped_handler(registration, on_dropped));
  MPI_Comm dup;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  CHECK_INT(g_none_calls, 0, "a REQUIRE_NONE callback inside MPI");
  CHECK_INT(g_dropped, 1, "one dropped event");
  CHECK_MPI(MPI_Comm_free(&dup));

  /* A thread-safe callback can run there. */
  CHECK_T_OK(MPI_T_event_register_callback(registration, MPI_T_CB_REQUIRE_THREAD_SAFE,
                                           MPI_INFO_NULL, NULL, on_comm));
  g_comm_events = 0;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  CHECK_INT(g_comm_events, 1, "MPI_Comm_dup creates one communicator");
  CHECK_INT(g_comm_last_size, size, "size of the duplicate");
  CHECK_INT(g_comm_last_rank, rank, "rank in the duplicate");
  MPI_Comm half;
  CHECK_MPI(MPI_Comm_split(dup, rank % 2, -rank, &half));
  CHECK_INT(g_comm_events, 2, "MPI_Comm_split creates one communicator here");
  CHECK_INT(g_comm_last_size, (size - rank % 2 + 1) / 2, "size of the half");
  const int members = (size - rank % 2 + 1) / 2;
  CHECK_INT(g_comm_last_rank, members - 1 - rank / 2, "rank in the half (keys reversed)");
  CHECK_INT(g_bad_calls, 0, "callback checks");
  CHECK_MPI(MPI_Comm_free(&half));
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_T_OK(MPI_T_event_handle_free(registration, NULL, NULL));
  /* Freed: creating communicators reaches it no more. */
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  CHECK_INT(g_comm_events, 2, "no event after MPI_T_event_handle_free");
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_T(MPI_T_event_handle_free(registration, NULL, NULL), MPI_T_ERR_INVALID_HANDLE);
  int source = 0;
  CHECK_T(MPI_T_event_get_source((MPI_T_event_instance)&source, &source),
          MPI_T_ERR_INVALID_HANDLE);
}

int main(int argc, char **argv) {
  MPIT_ONLY_UNDER_WEFT(argc, argv);
  int num = 0;
  CHECK_T(MPI_T_event_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  CHECK_T(MPI_T_source_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  int provided;
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
  CHECK_MPI(MPI_Init(&argc, &argv));
  check_all_events();
  check_unexpected_events();
  check_comm_events();
  CHECK_MPI(MPI_Finalize());
  CHECK_T_OK(MPI_T_event_get_num(&num));
  CHECK_T_OK(MPI_T_finalize());
  CHECK_T(MPI_T_event_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  return 0;
}
