/*
 * Checking helpers shared by the multi-process test programs.
 *
 * The programs use only the standard <mpi.h>, so the same source runs against weft, MPICH
 * and Open MPI. A failed check prints one line naming the file, line, rank, what was
 * checked, and the expected and actual values, then aborts the whole job: a failing rank
 * must never leave its peers blocked in a receive that will not be matched.
 */
#ifndef WEFT_TESTS_MP_CHECK_H
#define WEFT_TESTS_MP_CHECK_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* World rank, or -1 when MPI is not usable (before Init or after Finalize). */
static inline int mp_world_rank(void) {
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  int rank = -1;
  if (initialized && !finalized) {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  }
  return rank;
}

static inline int mp_world_size(void) {
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return size;
}

/* MPICH is the reference the tests are validated against before weft runs them. Where
 * MPICH departs from the standard, a test accepts MPICH's result only when built against
 * MPICH (MP_MPICH_DEVIATION) and stays strict everywhere else. */
#if defined(MPICH_VERSION) || defined(MPICH)
#define MP_MPICH_DEVIATION 1
#else
#define MP_MPICH_DEVIATION 0
#endif

/* Ends the job after a failed check; MPI_Abort when MPI is usable, exit otherwise. */
static inline void mp_terminate(void) {
  fflush(stdout);
  fflush(stderr);
  int initialized = 0;
  int finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (initialized && !finalized) {
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  exit(1);
}

/* Prints "FAIL file:line rank R: <detail>: <context>" and ends the job. */
static inline void mp_fail(const char *file, int line, const char *detail, const char *fmt,
                           ...) {
  char context[2048];
  va_list args;
  va_start(args, fmt);
  vsnprintf(context, sizeof context, fmt, args);
  va_end(args);
  fprintf(stderr, "FAIL %s:%d rank %d: %s: %s\n", file, line, mp_world_rank(), detail,
          context);
  mp_terminate();
}

/* Text for an MPI return code, safe to call with any value. */
static inline const char *mp_error_text(int code, char *text, size_t capacity) {
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, message, &length) != MPI_SUCCESS) {
    snprintf(text, capacity, "code %d (no error string)", code);
  } else {
    snprintf(text, capacity, "code %d \"%s\"", code, message);
  }
  return text;
}

/* CHECK(condition, "context %d", value): the context names what was being tested. */
#define CHECK(cond, ...)                                                            \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      mp_fail(__FILE__, __LINE__, "check `" #cond "` failed", __VA_ARGS__);         \
    }                                                                               \
  } while (0)

/* Integer comparison that prints both values. */
#define CHECK_INT(got, expected, ...)                                               \
  do {                                                                              \
    long long mp_got_ = (long long)(got);                                           \
    long long mp_expected_ = (long long)(expected);                                 \
    if (mp_got_ != mp_expected_) {                                                  \
      char mp_detail_[256];                                                         \
      snprintf(mp_detail_, sizeof mp_detail_, "%s: expected %lld, got %lld", #got,  \
               mp_expected_, mp_got_);                                              \
      mp_fail(__FILE__, __LINE__, mp_detail_, __VA_ARGS__);                         \
    }                                                                               \
  } while (0)

/* Floating-point comparison for values that must be reproduced exactly. */
#define CHECK_DOUBLE(got, expected, ...)                                            \
  do {                                                                              \
    double mp_got_ = (double)(got);                                                 \
    double mp_expected_ = (double)(expected);                                       \
    if (mp_got_ != mp_expected_) {                                                  \
      char mp_detail_[256];                                                         \
      snprintf(mp_detail_, sizeof mp_detail_, "%s: expected %.17g, got %.17g", #got, \
               mp_expected_, mp_got_);                                              \
      mp_fail(__FILE__, __LINE__, mp_detail_, __VA_ARGS__);                         \
    }                                                                               \
  } while (0)

#define CHECK_STR(got, expected, ...)                                               \
  do {                                                                              \
    const char *mp_got_ = (got);                                                    \
    const char *mp_expected_ = (expected);                                          \
    if (strcmp(mp_got_, mp_expected_) != 0) {                                       \
      char mp_detail_[2048];                                                         \
      snprintf(mp_detail_, sizeof mp_detail_, "%s: expected \"%s\", got \"%s\"",    \
               #got, mp_expected_, mp_got_);                                        \
      mp_fail(__FILE__, __LINE__, mp_detail_, __VA_ARGS__);                         \
    }                                                                               \
  } while (0)

/* An MPI call that must succeed. */
#define CHECK_MPI(call)                                                             \
  do {                                                                              \
    int mp_rc_ = (call);                                                            \
    if (mp_rc_ != MPI_SUCCESS) {                                                    \
      char mp_text_[MPI_MAX_ERROR_STRING + 64];                                     \
      mp_fail(__FILE__, __LINE__, "MPI call failed", "%s returned %s", #call,       \
              mp_error_text(mp_rc_, mp_text_, sizeof mp_text_));                    \
    }                                                                               \
  } while (0)

/* Status fields of a completed receive. */
#define CHECK_STATUS(status, source, tag, datatype, count, ...)                     \
  do {                                                                              \
    const MPI_Status *mp_status_ = &(status);                                       \
    int mp_count_ = -12345;                                                         \
    CHECK_INT(mp_status_->MPI_SOURCE, (source), __VA_ARGS__);                       \
    CHECK_INT(mp_status_->MPI_TAG, (tag), __VA_ARGS__);                             \
    CHECK_MPI(MPI_Get_count(mp_status_, (datatype), &mp_count_));                   \
    CHECK_INT(mp_count_, (count), __VA_ARGS__);                                     \
  } while (0)

/* Error class of a return code that must have failed with one of two classes (pass the
 * same class twice when only one is acceptable). Also requires a non-empty error string. */
#define CHECK_ERROR_CLASS2(rc, class_a, class_b, ...)                               \
  do {                                                                              \
    int mp_code_ = (rc);                                                              \
    int mp_class_ = -1;                                                             \
    char mp_text_[MPI_MAX_ERROR_STRING + 64];                                       \
    if (mp_code_ == MPI_SUCCESS) {                                                    \
      mp_fail(__FILE__, __LINE__, "call succeeded but must fail", __VA_ARGS__);     \
    }                                                                               \
    CHECK_MPI(MPI_Error_class(mp_code_, &mp_class_));                                 \
    if (mp_class_ != (class_a) && mp_class_ != (class_b)) {                         \
      char mp_detail_[MPI_MAX_ERROR_STRING + 256];                                  \
      snprintf(mp_detail_, sizeof mp_detail_,                                       \
               "error class: expected %s (%d), got %d from %s", #class_a,          \
               (int)(class_a), mp_class_,                                           \
               mp_error_text(mp_code_, mp_text_, sizeof mp_text_));                   \
      mp_fail(__FILE__, __LINE__, mp_detail_, __VA_ARGS__);                         \
    }                                                                               \
    char mp_string_[MPI_MAX_ERROR_STRING];                                          \
    int mp_length_ = -1;                                                            \
    CHECK_MPI(MPI_Error_string(mp_code_, mp_string_, &mp_length_));                   \
    CHECK(mp_length_ > 0 && mp_length_ < MPI_MAX_ERROR_STRING &&                    \
              strlen(mp_string_) == (size_t)mp_length_,                             \
          "error string of code %d", mp_code_);                                       \
  } while (0)

#define CHECK_ERROR_CLASS(rc, error_class, ...)                                     \
  CHECK_ERROR_CLASS2(rc, error_class, error_class, __VA_ARGS__)

/* Value that depends on who produced it and where, so a misrouted or misplaced element
 * never looks right by accident. */
static inline int mp_pattern_int(int rank, long index, int salt) {
  return (int)((rank + 1) * 1000003L + index * 7919L + salt * 104729L) & 0x3fffffff;
}

static inline double mp_pattern_double(int rank, long index, int salt) {
  return (double)(rank + 1) * 1048576.0 + (double)index * 0.5 + (double)salt * 0.25;
}

static inline unsigned char mp_pattern_byte(int rank, long index, int salt) {
  return (unsigned char)((rank * 29 + index * 11 + salt * 5 + 3) & 0xff);
}

/* Allocation that cannot fail silently. */
static inline void *mp_malloc(size_t bytes) {
  void *memory = malloc(bytes == 0 ? 1 : bytes);
  if (memory == NULL) {
    mp_fail(__FILE__, __LINE__, "out of memory", "malloc(%zu)", bytes);
  }
  return memory;
}

/* Programs that need more ranks than they were given end cleanly with a note. Returns 1
 * when the caller should finalize and exit 0. */
static inline int mp_skip_unless_ranks(int minimum, const char *program) {
  int size = mp_world_size();
  if (size >= minimum) {
    return 0;
  }
  if (mp_world_rank() == 0) {
    printf("%s: skipped, needs at least %d ranks (have %d)\n", program, minimum, size);
  }
  return 1;
}

/* One line from rank 0 on success, so logs show the program ran to the end. */
static inline void mp_report_ok(const char *program) {
  if (mp_world_rank() == 0) {
    printf("%s: ok (%d ranks)\n", program, mp_world_size());
    fflush(stdout);
  }
}

/* A barrier made of point-to-point messages on a reserved tag, for the point-to-point
 * tests that must not depend on the collectives. Call it only where no wildcard receive
 * that could match the tag is pending. */
enum { kMpBarrierTag = 32001 };

static inline void mp_p2p_barrier(MPI_Comm comm) {
  int rank = 0;
  int size = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  if (rank == 0) {
    for (int i = 1; i < size; ++i) {
      if (MPI_Recv(NULL, 0, MPI_BYTE, i, kMpBarrierTag, comm, MPI_STATUS_IGNORE) !=
          MPI_SUCCESS) {
        mp_fail(__FILE__, __LINE__, "barrier", "receive from rank %d failed", i);
      }
    }
    for (int i = 1; i < size; ++i) {
      if (MPI_Send(NULL, 0, MPI_BYTE, i, kMpBarrierTag, comm) != MPI_SUCCESS) {
        mp_fail(__FILE__, __LINE__, "barrier", "release of rank %d failed", i);
      }
    }
  } else if (MPI_Send(NULL, 0, MPI_BYTE, 0, kMpBarrierTag, comm) != MPI_SUCCESS ||
             MPI_Recv(NULL, 0, MPI_BYTE, 0, kMpBarrierTag, comm, MPI_STATUS_IGNORE) !=
                 MPI_SUCCESS) {
    mp_fail(__FILE__, __LINE__, "barrier", "exchange with rank 0 failed");
  }
}

/* Ring neighbours in a communicator. */
static inline int mp_right(int rank, int size) { return (rank + 1) % size; }
static inline int mp_left(int rank, int size) { return (rank + size - 1) % size; }

#endif
