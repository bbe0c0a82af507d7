/*
 * MPI tool information interface under MPI_THREAD_MULTIPLE: while the main thread of each
 * rank exchanges messages around a ring (and checks every one), one thread creates and
 * frees pvar sessions and handles and reads every pvar and cvar, and writes a local cvar,
 * and another registers and frees event registrations whose callback counts unexpected
 * messages. Afterwards the message counters the main thread kept started equal the messages
 * it sent, and every message arrived intact: the tools calls neither corrupted traffic nor
 * lost counts.
 */
#include <mpi.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpit_common.h"

enum { kRounds = 400, kWords = 40 };

static atomic_int g_stop;
static atomic_long g_events;

static void *tools_reader(void *arg) {
  (void)arg;
  int provided;
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided));
  int num_pvar = 0, num_cvar = 0;
  CHECK_T_OK(MPI_T_pvar_get_num(&num_pvar));
  CHECK_T_OK(MPI_T_cvar_get_num(&num_cvar));
  const int verbose = mpit_cvar("WEFT_COLL_VERBOSE");
  while (!atomic_load(&g_stop)) {
    MPI_T_pvar_session session;
    CHECK_T_OK(MPI_T_pvar_session_create(&session));
    for (int i = 0; i < num_pvar; ++i) {
      int bind = 0, continuous = 0;
      CHECK_T_OK(MPI_T_pvar_get_info(i, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &bind,
                                     NULL, &continuous, NULL));
      if (bind != MPI_T_BIND_NO_OBJECT) continue;
      MPI_T_pvar_handle handle;
      int count;
      CHECK_T_OK(MPI_T_pvar_handle_alloc(session, i, NULL, &handle, &count));
      if (!continuous) CHECK_T_OK(MPI_T_pvar_start(session, handle));
      double value[2];
      CHECK_T_OK(MPI_T_pvar_read(session, handle, value));
    }
    CHECK_T_OK(MPI_T_pvar_stop(session, MPI_T_PVAR_ALL_HANDLES));
    CHECK_T_OK(MPI_T_pvar_session_free(&session));
    for (int i = 0; i < num_cvar; ++i) {
      MPI_T_cvar_handle handle;
      int count;
      CHECK_T_OK(MPI_T_cvar_handle_alloc(i, NULL, &handle, &count));
      char *value = calloc((size_t)count, 8);
      CHECK_T_OK(MPI_T_cvar_read(handle, value));
      if (i == verbose) {
        int zero = 0;
        CHECK_T_OK(MPI_T_cvar_write(handle, &zero));
      }
      free(value);
      CHECK_T_OK(MPI_T_cvar_handle_free(&handle));
    }
  }
  CHECK_T_OK(MPI_T_finalize());
  return NULL;
}

static void count_event(MPI_T_event_instance instance, MPI_T_event_registration registration,
                        MPI_T_cb_safety safety, void *user_data) {
  (void)registration, (void)safety, (void)user_data;
  int tag = -1;
  if (MPI_T_event_read(instance, 1, &tag) == MPI_SUCCESS) atomic_fetch_add(&g_events, 1);
}

static void *tools_events(void *arg) {
  (void)arg;
  int provided;
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided));
  int index = -1;
  CHECK_T_OK(MPI_T_event_get_index("unexpected_message", &index));
  while (!atomic_load(&g_stop)) {
    MPI_T_event_registration registration;
    CHECK_T_OK(MPI_T_event_handle_alloc(index, NULL, MPI_INFO_NULL, &registration));
    CHECK_T_OK(MPI_T_event_register_callback(registration, MPI_T_CB_REQUIRE_THREAD_SAFE,
                                             MPI_INFO_NULL, NULL, count_event));
    CHECK_T_OK(MPI_T_event_handle_free(registration, NULL, NULL));
  }
  CHECK_T_OK(MPI_T_finalize());
  return NULL;
}

int main(int argc, char **argv) {
  MPIT_ONLY_UNDER_WEFT(argc, argv);
  int provided = 0;
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
  CHECK_INT(provided, MPI_THREAD_MULTIPLE, "thread level");
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided));
  const char *names[3] = {"self_messages_sent", "shm_messages_sent", "tcp_messages_sent"};
  MPI_T_pvar_session session;
  MPI_T_pvar_handle sent[3];
  int count;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  for (int i = 0; i < 3; ++i) {
    CHECK_T_OK(MPI_T_pvar_handle_alloc(session, mpit_pvar(names[i], MPI_T_PVAR_CLASS_COUNTER),
                                       NULL, &sent[i], &count));
  }
  pthread_t reader, events;
  pthread_create(&reader, NULL, tools_reader, NULL);
  pthread_create(&events, NULL, tools_events, NULL);

  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  CHECK_T_OK(MPI_T_pvar_start(session, MPI_T_PVAR_ALL_HANDLES));
  const int right = (rank + 1) % size;
  const int left = (rank + size - 1) % size;
  for (int round = 0; round < kRounds; ++round) {
    int out[kWords], in[kWords];
    for (int w = 0; w < kWords; ++w) out[w] = mp_pattern_int(rank, round * kWords + w, 4);
    /* Sent before the receive is posted on the other side half of the time: unexpected. */
    if (round % 2 == 0) {
      CHECK_MPI(MPI_Sendrecv(out, kWords, MPI_INT, right, round, in, kWords, MPI_INT, left,
                             round, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    } else {
      MPI_Request request;
      CHECK_MPI(MPI_Isend(out, kWords, MPI_INT, right, round, MPI_COMM_WORLD, &request));
      CHECK_MPI(MPI_Recv(in, kWords, MPI_INT, left, round, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
      CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
    }
    for (int w = 0; w < kWords; ++w) {
      CHECK_INT(in[w], mp_pattern_int(left, round * kWords + w, 4), "round %d word %d", round, w);
    }
  }
  CHECK_T_OK(MPI_T_pvar_stop(session, MPI_T_PVAR_ALL_HANDLES));
  unsigned long long total = 0;
  for (int i = 0; i < 3; ++i) total += mpit_read_ull(session, sent[i]);
  CHECK_INT(total, kRounds, "messages counted while the tools threads ran");
  CHECK_INT(mpit_read_ull(session, sent[0]), size == 1 ? kRounds : 0, "self messages");

  atomic_store(&g_stop, 1);
  pthread_join(reader, NULL);
  pthread_join(events, NULL);
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
  CHECK_T_OK(MPI_T_finalize());
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  CHECK_MPI(MPI_Finalize());
  return 0;
}
