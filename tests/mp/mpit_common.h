/*
 * Helpers shared by the MPI tool information interface tests (mpit_*.c): checks of MPI_T
 * return codes and lookups by name.
 */
#ifndef WEFT_TESTS_MP_MPIT_COMMON_H
#define WEFT_TESTS_MP_MPIT_COMMON_H

#include "mp_check.h"

/* An MPI_T call that must return `expected` (MPI_T calls return classes directly). */
#define CHECK_T(call, expected)                                                     \
  do {                                                                              \
    int mp_t_rc_ = (call);                                                          \
    if (mp_t_rc_ != (expected)) {                                                   \
      char mp_t_text_[MPI_MAX_ERROR_STRING + 64];                                   \
      char mp_t_detail_[MPI_MAX_ERROR_STRING + 256];                                \
      snprintf(mp_t_detail_, sizeof mp_t_detail_, "expected %s (%d), got %s", #expected, \
               (int)(expected), mp_error_text(mp_t_rc_, mp_t_text_, sizeof mp_t_text_)); \
      mp_fail(__FILE__, __LINE__, mp_t_detail_, "%s", #call);                        \
    }                                                                               \
  } while (0)

#define CHECK_T_OK(call) CHECK_T(call, MPI_SUCCESS)

/* Index of the control variable `name`; fails the test when there is none. */
static inline int mpit_cvar(const char *name) {
  int index = -1;
  CHECK_T_OK(MPI_T_cvar_get_index(name, &index));
  return index;
}

static inline int mpit_pvar(const char *name, int var_class) {
  int index = -1;
  CHECK_T_OK(MPI_T_pvar_get_index(name, var_class, &index));
  return index;
}

/* Reads one unsigned long long performance variable through its handle. */
static inline unsigned long long mpit_read_ull(MPI_T_pvar_session session,
                                               MPI_T_pvar_handle handle) {
  unsigned long long value = 0;
  CHECK_T_OK(MPI_T_pvar_read(session, handle, &value));
  return value;
}

/* The transport that weftrun's WEFT_TRANSPORT forces, or "" (MPICH and Open MPI runs). */
static inline const char *mpit_transport(void) {
  const char *forced = getenv("WEFT_TRANSPORT");
  return forced != NULL ? forced : "";
}

/* Returns from main at once when built against another MPI: the variables, categories and
 * events are weft's own (MPI_T leaves them to each implementation), so there is nothing of
 * them to check there. */
#if MP_MPICH_DEVIATION
#define MPIT_ONLY_UNDER_WEFT(argc, argv) \
  do {                                   \
    (void)(argc), (void)(argv);          \
    return 0;                            \
  } while (0)
#else
#define MPIT_ONLY_UNDER_WEFT(argc, argv) \
  do {                                   \
  } while (0)
#endif

#endif
