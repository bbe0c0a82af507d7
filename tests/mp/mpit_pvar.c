/*
 * MPI tool information interface: performance variables, sessions and handles.
 *
 * - Every pvar's information is consistent (name and class find it again, class and datatype
 *   agree, continuous and read-only ones refuse start/stop and writes).
 * - Traffic counters against the traffic the test generates itself: between a start and a
 *   stop of every handle, each rank sends kMessages messages of known sizes (one above the
 *   eager limit) to every rank including itself; the messages and bytes counted on the
 *   transport WEFT_TRANSPORT forces (and on self) equal what was sent, nothing is counted on
 *   the other transport, and the rendezvous counter counts the large ones.
 * - Counter semantics: a stopped counter keeps its value; reset, write and readreset.
 * - The unexpected queue: rank 0 lets kUnexpected messages from every other rank arrive
 *   before it posts a receive; its queue length reaches exactly that many, the high-water
 *   mark keeps it after the queue is drained, and readreset starts the mark over at the
 *   current (empty) level.
 * - A pvar bound to a communicator counts the collectives the test runs on it.
 * - The eager limit written through its cvar changes which sends use rendezvous.
 * - Error classes for bad sessions, handles, indices, and calls outside MPI_T.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpit_common.h"

enum { kMessages = 5, kUnexpected = 7, kLarge = 70000 };

static size_t message_bytes(int i) { return i == kMessages - 1 ? kLarge : (size_t)(1 + 37 * i); }

static void check_all_pvars(void) {
  int num = 0;
  CHECK_T_OK(MPI_T_pvar_get_num(&num));
  CHECK(num >= 10, "only %d performance variables", num);
  MPI_T_pvar_session session;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  for (int i = 0; i < num; ++i) {
    char name[128];
    int name_len = sizeof name;
    char desc[512];
    int desc_len = sizeof desc;
    int verbosity, var_class, bind, readonly, continuous, atomic;
    MPI_Datatype datatype;
    MPI_T_enum enumtype;
    CHECK_T_OK(MPI_T_pvar_get_info(i, name, &name_len, &verbosity, &var_class, &datatype,
                                   &enumtype, desc, &desc_len, &bind, &readonly, &continuous,
                                   &atomic));
    CHECK_INT(name_len, (int)strlen(name) + 1, "pvar %d", i);
    CHECK(desc_len > 1, "%s has a description", name);
    int index = -1;
    CHECK_T_OK(MPI_T_pvar_get_index(name, var_class, &index));
    CHECK_INT(index, i, "%s", name);
    int other_class = var_class == MPI_T_PVAR_CLASS_COUNTER ? MPI_T_PVAR_CLASS_TIMER
                                                           : MPI_T_PVAR_CLASS_COUNTER;
    CHECK_T(MPI_T_pvar_get_index(name, other_class, &index), MPI_T_ERR_INVALID_NAME);
    switch (var_class) {
      case MPI_T_PVAR_CLASS_COUNTER:
      case MPI_T_PVAR_CLASS_LEVEL:
      case MPI_T_PVAR_CLASS_HIGHWATERMARK:
        CHECK(datatype == MPI_UNSIGNED_LONG_LONG, "%s datatype", name);
        break;
      case MPI_T_PVAR_CLASS_TIMER:
        CHECK(datatype == MPI_DOUBLE, "%s datatype", name);
        break;
      case MPI_T_PVAR_CLASS_STATE:
        CHECK(datatype == MPI_INT && enumtype != MPI_T_ENUM_NULL, "%s is an enumeration", name);
        break;
      default:
        CHECK(0, "%s has class %d", name, var_class);
    }
    CHECK(bind == MPI_T_BIND_NO_OBJECT || bind == MPI_T_BIND_MPI_COMM, "%s bind %d", name, bind);
    if (bind != MPI_T_BIND_NO_OBJECT) continue;
    MPI_T_pvar_handle handle;
    int count = 0;
    CHECK_T_OK(MPI_T_pvar_handle_alloc(session, i, NULL, &handle, &count));
    CHECK_INT(count, 1, "%s", name);
    if (continuous) {
      CHECK_T(MPI_T_pvar_start(session, handle), MPI_T_ERR_PVAR_NO_STARTSTOP);
      CHECK_T(MPI_T_pvar_stop(session, handle), MPI_T_ERR_PVAR_NO_STARTSTOP);
    } else {
      CHECK_T_OK(MPI_T_pvar_start(session, handle));
      CHECK_T_OK(MPI_T_pvar_stop(session, handle));
    }
    double value[2];
    CHECK_T_OK(MPI_T_pvar_read(session, handle, value));
    if (readonly) {
      CHECK_T(MPI_T_pvar_write(session, handle, value), MPI_T_ERR_PVAR_NO_WRITE);
      CHECK_T(MPI_T_pvar_reset(session, handle), MPI_T_ERR_PVAR_NO_WRITE);
      CHECK_T(MPI_T_pvar_readreset(session, handle, value), MPI_T_ERR_PVAR_NO_WRITE);
    } else {
      CHECK_T_OK(MPI_T_pvar_reset(session, handle));
    }
    CHECK_T_OK(MPI_T_pvar_handle_free(session, &handle));
    CHECK(handle == MPI_T_PVAR_HANDLE_NULL, "%s: freed handle is null", name);
  }
  /* The whole session at once. */
  CHECK_T_OK(MPI_T_pvar_start(session, MPI_T_PVAR_ALL_HANDLES));
  CHECK_T_OK(MPI_T_pvar_stop(session, MPI_T_PVAR_ALL_HANDLES));
  CHECK_T_OK(MPI_T_pvar_reset(session, MPI_T_PVAR_ALL_HANDLES));
  double dummy[2];
  CHECK_T(MPI_T_pvar_read(session, MPI_T_PVAR_ALL_HANDLES, dummy), MPI_T_ERR_INVALID_HANDLE);
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
  CHECK(session == MPI_T_PVAR_SESSION_NULL, "freed session is null");
}

/* Traffic between a start and a stop, compared with what was sent. */
static void check_traffic(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char *names[6] = {"shm_messages_sent", "shm_bytes_sent", "tcp_messages_sent",
                          "tcp_bytes_sent", "self_messages_sent", "self_bytes_sent"};
  MPI_T_pvar_session session;
  MPI_T_pvar_handle handles[7];
  int count;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  for (int i = 0; i < 6; ++i) {
    CHECK_T_OK(MPI_T_pvar_handle_alloc(session, mpit_pvar(names[i], MPI_T_PVAR_CLASS_COUNTER),
                                       NULL, &handles[i], &count));
  }
  CHECK_T_OK(MPI_T_pvar_handle_alloc(
      session, mpit_pvar("rendezvous_sends", MPI_T_PVAR_CLASS_COUNTER), NULL, &handles[6],
      &count));
  /* Allocated and not started: zero, and nothing counts. */
  for (int i = 0; i < 7; ++i) CHECK_INT(mpit_read_ull(session, handles[i]), 0, "handle %d", i);

  char *send = malloc(kLarge);
  char *recv = malloc((size_t)size * kMessages * kLarge);
  for (int i = 0; i < kLarge; ++i) send[i] = (char)mp_pattern_byte(rank, i, 1);
  MPI_Request *requests = malloc(sizeof(MPI_Request) * 2 * (size_t)size * kMessages);
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));

  CHECK_T_OK(MPI_T_pvar_start(session, MPI_T_PVAR_ALL_HANDLES));
  int n = 0;
  for (int peer = 0; peer < size; ++peer) {
    for (int m = 0; m < kMessages; ++m) {
      CHECK_MPI(MPI_Irecv(recv + ((size_t)peer * kMessages + (size_t)m) * kLarge,
                          (int)message_bytes(m), MPI_CHAR, peer, m, MPI_COMM_WORLD,
                          &requests[n++]));
    }
  }
  for (int peer = 0; peer < size; ++peer) {
    for (int m = 0; m < kMessages; ++m) {
      CHECK_MPI(MPI_Isend(send, (int)message_bytes(m), MPI_CHAR, peer, m, MPI_COMM_WORLD,
                          &requests[n++]));
    }
  }
  CHECK_MPI(MPI_Waitall(n, requests, MPI_STATUSES_IGNORE));
  CHECK_T_OK(MPI_T_pvar_stop(session, MPI_T_PVAR_ALL_HANDLES));
  for (int peer = 0; peer < size; ++peer) {
    for (int m = 0; m < kMessages; ++m) {
      const char *got = recv + ((size_t)peer * kMessages + (size_t)m) * kLarge;
      for (size_t i = 0; i < message_bytes(m); ++i) {
        CHECK_INT((unsigned char)got[i], mp_pattern_byte(peer, (long)i, 1),
                  "message %d from %d byte %zu", m, peer, i);
      }
    }
  }

  unsigned long long bytes_per_peer = 0;
  for (int m = 0; m < kMessages; ++m) bytes_per_peer += message_bytes(m);
  const char *transport = mpit_transport();
  const int shm = strcmp(transport, "tcp") != 0;  /* unforced: one host, so shm */
  const unsigned long long peers = (unsigned long long)(size - 1);
  unsigned long long expected[6] = {
      shm ? peers * kMessages : 0, shm ? peers * bytes_per_peer : 0,
      shm ? 0 : peers * kMessages, shm ? 0 : peers * bytes_per_peer,
      kMessages, bytes_per_peer};
  for (int i = 0; i < 6; ++i) {
    CHECK_INT(mpit_read_ull(session, handles[i]), expected[i], "%s over %s with %d ranks",
              names[i], transport, size);
  }
  CHECK_INT(mpit_read_ull(session, handles[6]), size, "rendezvous_sends: one large per peer");

  /* Stopped: traffic no longer counts. */
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  CHECK_INT(mpit_read_ull(session, handles[4]), expected[4], "stopped self counter");
  /* Write, then readreset returns it and starts over at zero. */
  unsigned long long set = 1234;
  CHECK_T_OK(MPI_T_pvar_write(session, handles[4], &set));
  unsigned long long got = 0;
  CHECK_T_OK(MPI_T_pvar_readreset(session, handles[4], &got));
  CHECK_INT(got, 1234, "readreset after write");
  CHECK_INT(mpit_read_ull(session, handles[4]), 0, "after readreset");
  CHECK_T_OK(MPI_T_pvar_reset(session, handles[5]));
  CHECK_INT(mpit_read_ull(session, handles[5]), 0, "after reset");

  /* A handle of another session is not a handle of this one; a freed session is gone. */
  MPI_T_pvar_session other;
  CHECK_T_OK(MPI_T_pvar_session_create(&other));
  CHECK_T(MPI_T_pvar_read(other, handles[0], &got), MPI_T_ERR_INVALID_HANDLE);
  CHECK_T(MPI_T_pvar_start(other, handles[0]), MPI_T_ERR_INVALID_HANDLE);
  MPI_T_pvar_session stale = other;
  CHECK_T_OK(MPI_T_pvar_session_free(&other));
  CHECK_T(MPI_T_pvar_read(stale, handles[0], &got), MPI_T_ERR_INVALID_SESSION);
  MPI_T_pvar_handle h;
  CHECK_T(MPI_T_pvar_handle_alloc(stale, 0, NULL, &h, &count), MPI_T_ERR_INVALID_SESSION);
  int num = 0;
  CHECK_T_OK(MPI_T_pvar_get_num(&num));
  CHECK_T(MPI_T_pvar_handle_alloc(session, num, NULL, &h, &count), MPI_T_ERR_INVALID_INDEX);
  CHECK_T(MPI_T_pvar_get_info(-1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                              NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
  CHECK_T(MPI_T_pvar_get_index("no_such_pvar", MPI_T_PVAR_CLASS_COUNTER, &num),
          MPI_T_ERR_INVALID_NAME);
  /* Freeing the session frees its handles. */
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
  free(requests);
  free(recv);
  free(send);
}

/* Rank 0 lets kUnexpected messages from each other rank wait in its unexpected queue. */
static void check_unexpected_queue(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_T_pvar_session session;
  MPI_T_pvar_handle length, mark, arrivals;
  int count;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  CHECK_T_OK(MPI_T_pvar_handle_alloc(
      session, mpit_pvar("unexpected_queue_length", MPI_T_PVAR_CLASS_LEVEL), NULL, &length,
      &count));
  CHECK_T_OK(MPI_T_pvar_handle_alloc(
      session, mpit_pvar("unexpected_queue_max", MPI_T_PVAR_CLASS_HIGHWATERMARK), NULL, &mark,
      &count));
  CHECK_T_OK(MPI_T_pvar_handle_alloc(
      session, mpit_pvar("unexpected_messages", MPI_T_PVAR_CLASS_COUNTER), NULL, &arrivals,
      &count));
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  const int expected = kUnexpected * (size - 1);
  if (rank == 0) {
    const unsigned long long before = mpit_read_ull(session, length);
    CHECK_INT(before, 0, "no message waits after a barrier");
    CHECK_T_OK(MPI_T_pvar_start(session, mark));
    CHECK_T_OK(MPI_T_pvar_start(session, arrivals));
    /* Tell the others to send, then let their messages arrive without receiving them. */
    for (int peer = 1; peer < size; ++peer) {
      CHECK_MPI(MPI_Send(NULL, 0, MPI_INT, peer, 99, MPI_COMM_WORLD));
    }
    int flag = 0;
    while (mpit_read_ull(session, length) < (unsigned long long)expected) {
      /* Progress without matching: probe a tag nobody uses. */
      CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, 12345, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE));
    }
    CHECK_INT(mpit_read_ull(session, length), expected, "queue length");
    CHECK_INT(mpit_read_ull(session, mark), expected, "high-water mark while full");
    for (int peer = 1; peer < size; ++peer) {
      for (int m = 0; m < kUnexpected; ++m) {
        int value = -1;
        CHECK_MPI(MPI_Recv(&value, 1, MPI_INT, peer, m, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK_INT(value, mp_pattern_int(peer, m, 2), "unexpected message %d from %d", m, peer);
      }
    }
    CHECK_INT(mpit_read_ull(session, length), 0, "queue drained");
    CHECK_INT(mpit_read_ull(session, mark), expected, "the mark outlives the queue");
    CHECK_INT(mpit_read_ull(session, arrivals), expected, "unexpected arrivals");
    unsigned long long got = 0;
    CHECK_T_OK(MPI_T_pvar_readreset(session, mark, &got));
    CHECK_INT(got, expected, "readreset of the mark");
    CHECK_INT(mpit_read_ull(session, mark), 0, "a reset mark starts at the current level");
    CHECK_T_OK(MPI_T_pvar_stop(session, mark));
    /* Only now may the others go on: nothing else of theirs must reach the queue above. */
    for (int peer = 1; peer < size; ++peer) {
      CHECK_MPI(MPI_Send(NULL, 0, MPI_INT, peer, 98, MPI_COMM_WORLD));
    }
  } else {
    CHECK_MPI(MPI_Recv(NULL, 0, MPI_INT, 0, 99, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    for (int m = 0; m < kUnexpected; ++m) {
      int value = mp_pattern_int(rank, m, 2);
      CHECK_MPI(MPI_Send(&value, 1, MPI_INT, 0, m, MPI_COMM_WORLD));
    }
    CHECK_MPI(MPI_Recv(NULL, 0, MPI_INT, 0, 98, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  }
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
}

/* A pvar bound to a communicator counts that communicator's collectives only. */
static void check_comm_binding(void) {
  MPI_Comm dup;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  MPI_T_pvar_session session;
  MPI_T_pvar_handle handle;
  int count;
  const int index = mpit_pvar("comm_collective_operations", MPI_T_PVAR_CLASS_COUNTER);
  int bind = -1;
  CHECK_T_OK(MPI_T_pvar_get_info(index, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &bind,
                                 NULL, NULL, NULL));
  CHECK_INT(bind, MPI_T_BIND_MPI_COMM, "comm_collective_operations binding");
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  MPI_Comm null_comm = MPI_COMM_NULL;
  CHECK_T(MPI_T_pvar_handle_alloc(session, index, &null_comm, &handle, &count),
          MPI_T_ERR_INVALID_HANDLE);
  CHECK_T_OK(MPI_T_pvar_handle_alloc(session, index, &dup, &handle, &count));
  CHECK_T_OK(MPI_T_pvar_start(session, handle));
  const int collectives = 6;
  for (int i = 0; i < collectives; ++i) {
    int in = i, out = -1;
    if (i % 2 == 0) {
      CHECK_MPI(MPI_Barrier(dup));
    } else {
      CHECK_MPI(MPI_Allreduce(&in, &out, 1, MPI_INT, MPI_MAX, dup));
      CHECK_INT(out, i, "allreduce on the duplicate");
    }
    CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));  /* another communicator: not counted */
  }
  CHECK_T_OK(MPI_T_pvar_stop(session, handle));
  CHECK_INT(mpit_read_ull(session, handle), collectives, "collectives on the duplicate");
  /* The handle keeps the communicator readable after MPI_Comm_free. */
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_INT(mpit_read_ull(session, handle), collectives, "after MPI_Comm_free");
  CHECK_T_OK(MPI_T_pvar_handle_free(session, &handle));
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
}

/* The eager limit, written on this rank, decides which of its sends use rendezvous. */
static void check_eager_limit_effect(void) {
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  MPI_T_cvar_handle limit;
  int count;
  CHECK_T_OK(MPI_T_cvar_handle_alloc(mpit_cvar("WEFT_EAGER_LIMIT"), NULL, &limit, &count));
  unsigned long long original = 0;
  CHECK_T_OK(MPI_T_cvar_read(limit, &original));
  MPI_T_pvar_session session;
  MPI_T_pvar_handle rendezvous;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  CHECK_T_OK(MPI_T_pvar_handle_alloc(
      session, mpit_pvar("rendezvous_sends", MPI_T_PVAR_CLASS_COUNTER), NULL, &rendezvous,
      &count));
  const unsigned long long limits[2] = {100, 100000};
  for (int l = 0; l < 2; ++l) {
    CHECK_T_OK(MPI_T_cvar_write(limit, &limits[l]));
    CHECK_T_OK(MPI_T_pvar_reset(session, rendezvous));
    CHECK_T_OK(MPI_T_pvar_start(session, rendezvous));
    char data[1000];
    char back[1000];
    memset(data, rank, sizeof data);
    const int right = (rank + 1) % size;
    const int left = (rank + size - 1) % size;
    CHECK_MPI(MPI_Sendrecv(data, (int)sizeof data, MPI_CHAR, right, 5, back, (int)sizeof back,
                           MPI_CHAR, left, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
    CHECK_T_OK(MPI_T_pvar_stop(session, rendezvous));
    CHECK_INT(back[999], left, "ring data with eager limit %llu", limits[l]);
    CHECK_INT(mpit_read_ull(session, rendezvous), limits[l] < 1000 ? 1 : 0,
              "1000-byte send with eager limit %llu", limits[l]);
  }
  CHECK_T_OK(MPI_T_cvar_write(limit, &original));
  CHECK_T_OK(MPI_T_cvar_handle_free(&limit));
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
}

/* The collective timer only grows while started, and stands still while stopped. */
static void check_timer(void) {
  MPI_T_pvar_session session;
  MPI_T_pvar_handle timer;
  int count;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  CHECK_T_OK(MPI_T_pvar_handle_alloc(session, mpit_pvar("coll_wait_time", MPI_T_PVAR_CLASS_TIMER),
                                     NULL, &timer, &count));
  double zero = -1;
  CHECK_T_OK(MPI_T_pvar_read(session, timer, &zero));
  CHECK_DOUBLE(zero, 0.0, "a timer starts at zero");
  CHECK_T_OK(MPI_T_pvar_start(session, timer));
  for (int i = 0; i < 3; ++i) CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  CHECK_T_OK(MPI_T_pvar_stop(session, timer));
  double first = -1;
  CHECK_T_OK(MPI_T_pvar_read(session, timer, &first));
  CHECK(first >= 0, "timer %g", first);
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  double second = -1;
  CHECK_T_OK(MPI_T_pvar_read(session, timer, &second));
  CHECK_DOUBLE(second, first, "a stopped timer stands still");
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
}

int main(int argc, char **argv) {
  MPIT_ONLY_UNDER_WEFT(argc, argv);
  int num = 0;
  MPI_T_pvar_session session;
  CHECK_T(MPI_T_pvar_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  CHECK_T(MPI_T_pvar_session_create(&session), MPI_T_ERR_NOT_INITIALIZED);
  int provided;
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
  check_all_pvars();  /* before MPI_Init */
  CHECK_MPI(MPI_Init(&argc, &argv));
  check_all_pvars();
  check_traffic();
  check_unexpected_queue();
  check_comm_binding();
  check_eager_limit_effect();
  check_timer();
  CHECK_MPI(MPI_Finalize());
  check_all_pvars();  /* after MPI_Finalize */
  /* A session left open is freed by the last MPI_T_finalize. */
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  CHECK_T_OK(MPI_T_finalize());
  CHECK_T(MPI_T_pvar_session_free(&session), MPI_T_ERR_NOT_INITIALIZED);
  return 0;
}
