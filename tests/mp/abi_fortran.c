/*
 * The Fortran ABI registration of the standard ABI (MPI-5.0 §21.4.1): MPI_Abi_get/
 * set_fortran_info and MPI_Abi_get/set_fortran_booleans, as a Fortran layer on top of the
 * C library would call them.
 *
 *   abi_fortran register  before MPI_Init: "get" reports nothing; bad values are refused and
 *                         change nothing; a valid registration (INTEGER 8, REAL 8, LOGICAL 1
 *                         and some optional types unsupported) takes effect once; .TRUE. of
 *                         a 1-byte LOGICAL is -1. After MPI_Init: the default types have the
 *                         registered sizes and reduce as such (checked against references
 *                         computed here), unsupported types have size MPI_UNDEFINED and
 *                         communication refuses them with MPI_ERR_TYPE.
 *   abi_fortran default   no registration: after MPI_Init "get" reports weft's defaults and
 *                         a registration is refused (MPI_ERR_ABI).
 *   abi_fortran session   four threads race to register (exactly one wins), then the sessions
 *                         model starts (no MPI_Init): MPI_INTEGER is 2 bytes in a reduction
 *                         over a communicator made from mpi://WORLD, and a registration
 *                         after MPI_Session_init is refused (returned: no world model).
 */
#include <mpi.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mp_check.h"

#ifdef MPI_ABI_VERSION

static MPI_Info make_info(const char *const *pairs) {
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  for (int i = 0; pairs[i] != NULL; i += 2) CHECK_MPI(MPI_Info_set(info, pairs[i], pairs[i + 1]));
  return info;
}

/* The value of `key` in `info` (which must hold it). */
static const char *value_of(MPI_Info info, const char *key) {
  static char value[64];
  int length = (int)sizeof value;
  int flag = 0;
  CHECK_MPI(MPI_Info_get_string(info, key, &length, value, &flag));
  CHECK(flag, "key %s in the Fortran ABI info", key);
  return value;
}

static void check_no_info(const char *when) {
  MPI_Info info = (MPI_Info)123;
  CHECK_MPI(MPI_Abi_get_fortran_info(&info));
  CHECK(info == MPI_INFO_NULL, "MPI_Abi_get_fortran_info %s returns MPI_INFO_NULL", when);
}

/* The registered (or default) sizes and flags, as MPI_Abi_get_fortran_info reports them. */
static void check_info(const char *sizes[4], const char *const *unsupported, const char *when) {
  static const char *const kSizeKeys[4] = {"mpi_logical_size", "mpi_integer_size",
                                           "mpi_real_size", "mpi_double_precision_size"};
  static const char *const kTypes[19] = {
      "logical1", "logical2", "logical4",  "logical8",  "logical16", "integer1", "integer2",
      "integer4", "integer8", "integer16", "real2",     "real4",     "real8",    "real16",
      "complex4", "complex8", "complex16", "complex32", "double_complex"};
  MPI_Info info = MPI_INFO_NULL;
  CHECK_MPI(MPI_Abi_get_fortran_info(&info));
  CHECK(info != MPI_INFO_NULL, "MPI_Abi_get_fortran_info %s returns an info object", when);
  int nkeys = 0;
  CHECK_MPI(MPI_Info_get_nkeys(info, &nkeys));
  CHECK_INT(nkeys, 23, "keys of the Fortran ABI info %s", when);
  for (int i = 0; i < 4; ++i) CHECK_STR(value_of(info, kSizeKeys[i]), sizes[i], "%s", when);
  for (int i = 0; i < 19; ++i) {
    char key[64];
    snprintf(key, sizeof key, "mpi_%s_supported", kTypes[i]);
    const char *expected = "true";
    for (int j = 0; unsupported[j] != NULL; ++j) {
      if (strcmp(unsupported[j], kTypes[i]) == 0) expected = "false";
    }
    CHECK_STR(value_of(info, key), expected, "%s %s", key, when);
  }
  CHECK_MPI(MPI_Info_free(&info));
}

static void check_size(MPI_Datatype type, int expected, const char *name) {
  int size = -7;
  CHECK_MPI(MPI_Type_size(type, &size));
  CHECK_INT(size, expected, "MPI_Type_size(%s)", name);
  MPI_Count size_c = -7;
  CHECK_MPI(MPI_Type_size_c(type, &size_c));
  CHECK_INT(size_c, expected, "MPI_Type_size_c(%s)", name);
}

static void check_extent(MPI_Datatype type, MPI_Aint expected, const char *name) {
  MPI_Aint lb = -1, extent = -1;
  CHECK_MPI(MPI_Type_get_extent(type, &lb, &extent));
  CHECK_INT(lb, 0, "lower bound of %s", name);
  CHECK_INT(extent, expected, "extent of %s", name);
}

/* Element i of rank r's contribution to the logical reductions: true, false, or a value
 * that is neither literal (only the registered false literal is false). */
static int8_t logical_input(int r, int i, int8_t true_value) {
  switch ((r * 7 + i * 3 + (i / 5)) % 4) {
    case 0: return 0;
    case 1: return true_value;
    case 2: return (int8_t)(5 + r);  /* true too */
    default: return i % 2 == 0 ? 0 : true_value;
  }
}

static void run_registered(void) {
  /* Before MPI_Init: nothing registered, nothing known. */
  check_no_info("before any registration");
  int8_t t1 = 42, f1 = 42;
  int is_set = -1;
  CHECK_MPI(MPI_Abi_get_fortran_booleans(1, &t1, &f1, &is_set));
  CHECK_INT(is_set, 0, "1-byte LOGICAL literals before registration");
  CHECK_INT(t1, 1, "default .TRUE.");
  CHECK_INT(f1, 0, "default .FALSE.");

  /* Bad input before MPI_Init is returned, not fatal, and changes nothing. */
  int64_t t8 = -1, f8 = 0;
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(3, &t8, &f8), MPI_ERR_ARG, "logical_size 3");
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(0, &t8, &f8), MPI_ERR_ARG, "logical_size 0");
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(-4, &t8, &f8), MPI_ERR_ARG, "logical_size -4");
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(32, &t8, &f8), MPI_ERR_ARG, "logical_size 32");
  CHECK_ERROR_CLASS(MPI_Abi_get_fortran_booleans(6, &t8, &f8, &is_set), MPI_ERR_ARG,
                    "get with logical_size 6");
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(8, &t8, &t8), MPI_ERR_ARG, "true == false");
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(MPI_INFO_NULL), MPI_ERR_INFO, "MPI_INFO_NULL");
  {
    const char *bad_integer[] = {"mpi_integer_size", "3", NULL};
    const char *bad_real[] = {"mpi_integer_size", "8", "mpi_real_size", "eight", NULL};
    const char *bad_logical[] = {"mpi_logical_size", "32", NULL};
    const char *bad_flag[] = {"mpi_integer_size", "8", "mpi_integer8_supported", "maybe", NULL};
    const char *const *bad[] = {bad_integer, bad_real, bad_logical, bad_flag};
    for (int i = 0; i < 4; ++i) {
      MPI_Info info = make_info(bad[i]);
      CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(info), MPI_ERR_INFO_VALUE, "bad info %d", i);
      CHECK_MPI(MPI_Info_free(&info));
      check_no_info("after a refused registration");
    }
  }

  /* The registration: mpi_double_precision_size is not given and keeps its 8 bytes; an
   * unknown key is ignored. */
  const char *registration[] = {"mpi_integer_size", "8", "mpi_logical_size", " 1 ",
                                "mpi_real_size", "8",
                                "mpi_integer16_supported", "false",
                                "mpi_logical16_supported", "FALSE",
                                "mpi_real2_supported", "false",
                                "mpi_real16_supported", "false",
                                "mpi_complex4_supported", "false",
                                "mpi_complex32_supported", "false",
                                "mpi_integer8_supported", "true",
                                "x_unrelated_key", "ignored", NULL};
  MPI_Info info = make_info(registration);
  CHECK_MPI(MPI_Abi_set_fortran_info(info));
  const char *sizes[4] = {"1", "8", "8", "8"};
  const char *unsupported[] = {"integer16", "logical16", "real2", "real16", "complex4",
                               "complex32", NULL};
  check_info(sizes, unsupported, "after the registration");
  /* Only the first call counts, even with the same content. */
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(info), MPI_ERR_ABI, "second registration");
  CHECK_MPI(MPI_Info_free(&info));
  {
    const char *other[] = {"mpi_integer_size", "4", NULL};
    MPI_Info again = make_info(other);
    CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(again), MPI_ERR_ABI, "third registration");
    CHECK_MPI(MPI_Info_free(&again));
  }
  check_info(sizes, unsupported, "after refused later registrations");

  /* .TRUE. is -1 for the 1-byte LOGICAL (as some compilers have it). */
  const int8_t true1 = -1, false1 = 0;
  CHECK_MPI(MPI_Abi_set_fortran_booleans(1, (void *)&true1, (void *)&false1));
  CHECK_MPI(MPI_Abi_set_fortran_booleans(1, (void *)&true1, (void *)&false1)); /* same again */
  const int8_t other_true = 1;
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(1, (void *)&other_true, (void *)&false1),
                    MPI_ERR_ABI, "other literals for a registered size");
  CHECK_MPI(MPI_Abi_get_fortran_booleans(1, &t1, &f1, &is_set));
  CHECK_INT(is_set, 1, "1-byte LOGICAL literals after registration");
  CHECK_INT(t1, -1, "registered .TRUE.");
  CHECK_INT(f1, 0, "registered .FALSE.");
  int32_t t4 = 9, f4 = 9;
  CHECK_MPI(MPI_Abi_get_fortran_booleans(4, &t4, &f4, &is_set));
  CHECK_INT(is_set, 0, "4-byte LOGICAL literals (not registered)");
  CHECK_INT(t4, 1, "4-byte .TRUE.");
  CHECK_INT(f4, 0, "4-byte .FALSE.");

  CHECK_MPI(MPI_Init(NULL, NULL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  const int rank = mp_world_rank();
  const int size = mp_world_size();

  check_info(sizes, unsupported, "after MPI_Init");
  {
    const char *late[] = {"mpi_integer_size", "8", NULL};
    MPI_Info again = make_info(late);
    CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(again), MPI_ERR_ABI, "registration after init");
    CHECK_MPI(MPI_Info_free(&again));
  }
  const int16_t true2 = -1, false2 = 0;
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_booleans(2, (void *)&true2, (void *)&false2),
                    MPI_ERR_ABI, "booleans after init");

  /* The default types have the registered sizes; their companions follow. */
  check_size(MPI_INTEGER, 8, "MPI_INTEGER");
  check_size(MPI_LOGICAL, 1, "MPI_LOGICAL");
  check_size(MPI_REAL, 8, "MPI_REAL");
  check_size(MPI_DOUBLE_PRECISION, 8, "MPI_DOUBLE_PRECISION");
  check_size(MPI_COMPLEX, 16, "MPI_COMPLEX");
  check_size(MPI_DOUBLE_COMPLEX, 16, "MPI_DOUBLE_COMPLEX");
  check_size(MPI_2INTEGER, 16, "MPI_2INTEGER");
  check_size(MPI_2REAL, 16, "MPI_2REAL");
  check_size(MPI_INTEGER8, 8, "MPI_INTEGER8");
  check_size(MPI_INTEGER4, 4, "MPI_INTEGER4");
  check_extent(MPI_INTEGER, 8, "MPI_INTEGER");
  check_extent(MPI_2INTEGER, 16, "MPI_2INTEGER");
  check_extent(MPI_LOGICAL, 1, "MPI_LOGICAL");
  {
    int typeclass_size = 0;
    MPI_Datatype matched;
    CHECK_MPI(MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 8, &matched));
    CHECK_MPI(MPI_Type_size(matched, &typeclass_size));
    CHECK_INT(typeclass_size, 8, "MPI_Type_match_size(INTEGER, 8)");
  }

  /* Unsupported types: no size, refused in communication and in commits. */
  {
    const MPI_Datatype types[] = {MPI_INTEGER16, MPI_LOGICAL16, MPI_REAL2,
                                  MPI_REAL16,    MPI_COMPLEX4,  MPI_COMPLEX32};
    const char *names[] = {"MPI_INTEGER16", "MPI_LOGICAL16", "MPI_REAL2",
                           "MPI_REAL16",    "MPI_COMPLEX4",  "MPI_COMPLEX32"};
    for (int i = 0; i < 6; ++i) check_size(types[i], MPI_UNDEFINED, names[i]);
    char buffer[64] = {0};
    char receive[64] = {0};
    CHECK_ERROR_CLASS(MPI_Send(buffer, 1, MPI_INTEGER16, rank, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                      "MPI_Send of MPI_INTEGER16");
    MPI_Request request;
    CHECK_ERROR_CLASS(MPI_Irecv(receive, 1, MPI_REAL2, rank, 0, MPI_COMM_WORLD, &request),
                      MPI_ERR_TYPE, "MPI_Irecv of MPI_REAL2");
    CHECK_ERROR_CLASS(MPI_Allreduce(buffer, receive, 1, MPI_COMPLEX32, MPI_SUM, MPI_COMM_WORLD),
                      MPI_ERR_TYPE, "MPI_Allreduce of MPI_COMPLEX32");
    CHECK_ERROR_CLASS(MPI_Bcast(buffer, 2, MPI_REAL16, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                      "MPI_Bcast of MPI_REAL16");
    MPI_Datatype derived;
    CHECK_MPI(MPI_Type_contiguous(2, MPI_INTEGER16, &derived));
    CHECK_ERROR_CLASS(MPI_Type_commit(&derived), MPI_ERR_TYPE, "commit of a type of MPI_INTEGER16");
    CHECK_MPI(MPI_Type_free(&derived));
    MPI_Datatype predefined = MPI_LOGICAL16;
    CHECK_ERROR_CLASS(MPI_Type_commit(&predefined), MPI_ERR_TYPE, "commit of MPI_LOGICAL16");
    CHECK_ERROR_CLASS(MPI_Send(buffer, 1, MPI_LOGICAL16, rank, 0, MPI_COMM_WORLD), MPI_ERR_TYPE,
                      "MPI_Send of MPI_LOGICAL16 after a refused commit");
    MPI_Datatype matched;
    CHECK_ERROR_CLASS(MPI_Type_match_size(MPI_TYPECLASS_INTEGER, 16, &matched), MPI_ERR_ARG,
                      "MPI_Type_match_size(INTEGER, 16)");
    CHECK_ERROR_CLASS(MPI_Type_create_f90_integer(30, &matched), MPI_ERR_ARG,
                      "MPI_Type_create_f90_integer(30) selects INTEGER16");
  }

  /* MPI_SUM on MPI_INTEGER with values beyond 32 bits. */
  enum { kCount = 37 };
  int64_t integers[kCount], integer_sum[kCount];
  for (int i = 0; i < kCount; ++i) integers[i] = ((int64_t)(rank + 1) << 33) + i * (rank + 3);
  CHECK_MPI(MPI_Allreduce(integers, integer_sum, kCount, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD));
  for (int i = 0; i < kCount; ++i) {
    int64_t expected = 0;
    for (int r = 0; r < size; ++r) expected += ((int64_t)(r + 1) << 33) + i * (r + 3);
    CHECK_INT(integer_sum[i], expected, "MPI_SUM on 8-byte MPI_INTEGER, element %d", i);
  }
  /* MPI_MAX on MPI_REAL with 8-byte reals, MAXLOC on MPI_2INTEGER with 8-byte pairs. */
  double reals[kCount], real_max[kCount];
  for (int i = 0; i < kCount; ++i) reals[i] = (double)((rank * 13 + i * 7) % 11) + 0.25 * rank;
  CHECK_MPI(MPI_Allreduce(reals, real_max, kCount, MPI_REAL, MPI_MAX, MPI_COMM_WORLD));
  for (int i = 0; i < kCount; ++i) {
    double expected = -1;
    for (int r = 0; r < size; ++r) {
      double v = (double)((r * 13 + i * 7) % 11) + 0.25 * r;
      if (v > expected) expected = v;
    }
    CHECK_DOUBLE(real_max[i], expected, "MPI_MAX on 8-byte MPI_REAL, element %d", i);
  }
  int64_t pairs[2 * kCount], pair_max[2 * kCount];
  for (int i = 0; i < kCount; ++i) {
    pairs[2 * i] = ((int64_t)((rank + i) % 3) << 40);
    pairs[2 * i + 1] = rank;
  }
  CHECK_MPI(MPI_Allreduce(pairs, pair_max, kCount, MPI_2INTEGER, MPI_MAXLOC, MPI_COMM_WORLD));
  for (int i = 0; i < kCount; ++i) {
    int64_t best = -1, where = -1;
    for (int r = 0; r < size; ++r) {
      int64_t v = ((int64_t)((r + i) % 3) << 40);
      if (v > best) best = v, where = r;
    }
    CHECK_INT(pair_max[2 * i], best, "MAXLOC value on MPI_2INTEGER, element %d", i);
    CHECK_INT(pair_max[2 * i + 1], where, "MAXLOC index on MPI_2INTEGER, element %d", i);
  }

  /* LAND, LOR, LXOR on the 1-byte MPI_LOGICAL with .TRUE. = -1: results are the registered
   * literals; every value but 0 counts as true. */
  int8_t logicals[kCount], result[kCount];
  for (int i = 0; i < kCount; ++i) logicals[i] = logical_input(rank, i, true1);
  const MPI_Op ops[3] = {MPI_LAND, MPI_LOR, MPI_LXOR};
  const char *op_names[3] = {"MPI_LAND", "MPI_LOR", "MPI_LXOR"};
  for (int o = 0; o < 3; ++o) {
    const MPI_Datatype types[2] = {MPI_LOGICAL, MPI_LOGICAL1};
    for (int t = 0; t < 2; ++t) {
      memset(result, 0x55, sizeof result);
      CHECK_MPI(MPI_Allreduce(logicals, result, kCount, types[t], ops[o], MPI_COMM_WORLD));
      for (int i = 0; i < kCount; ++i) {
        int expected = o == 0 ? 1 : 0;
        for (int r = 0; r < size; ++r) {
          int value = logical_input(r, i, true1) != false1;
          if (o == 0) expected = expected && value;
          if (o == 1) expected = expected || value;
          if (o == 2) expected = expected ^ value;
        }
        /* One process applies no op: its value comes back as it was. */
        const int8_t reference = size == 1 ? logicals[i] : (expected ? true1 : false1);
        CHECK_INT(result[i], reference, "%s on %s, element %d", op_names[o],
                  t == 0 ? "MPI_LOGICAL" : "MPI_LOGICAL1", i);
      }
    }
  }
  /* A rooted reduction too, at a root that is not 0 when there are several ranks. */
  const int root = size - 1;
  memset(result, 0x55, sizeof result);
  CHECK_MPI(MPI_Reduce(logicals, result, kCount, MPI_LOGICAL, MPI_LOR, root, MPI_COMM_WORLD));
  if (rank == root) {
    for (int i = 0; i < kCount; ++i) {
      int expected = 0;
      for (int r = 0; r < size; ++r) expected = expected || logical_input(r, i, true1) != 0;
      CHECK_INT(result[i], size == 1 ? logicals[i] : (expected ? true1 : false1),
                "MPI_Reduce LOR element %d", i);
    }
  }

  /* Point-to-point moves 8 bytes per MPI_INTEGER: around a ring. */
  int64_t outgoing[kCount], incoming[kCount];
  for (int i = 0; i < kCount; ++i) outgoing[i] = ((int64_t)rank << 36) | (int64_t)i;
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(outgoing, kCount, MPI_INTEGER, (rank + 1) % size, 7, incoming, kCount,
                         MPI_INTEGER, (rank + size - 1) % size, 7, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, (rank + size - 1) % size, 7, MPI_INTEGER, kCount, "ring of MPI_INTEGER");
  for (int i = 0; i < kCount; ++i) {
    CHECK_INT(incoming[i], ((int64_t)((rank + size - 1) % size) << 36) | (int64_t)i,
              "ring element %d", i);
  }

  CHECK_MPI(MPI_Finalize());
  /* After MPI_Finalize: still answered, still closed. */
  check_info(sizes, unsupported, "after MPI_Finalize");
  info = make_info(registration);
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(info), MPI_ERR_ABI, "registration after finalize");
  CHECK_MPI(MPI_Info_free(&info));
}

static void run_default(void) {
  check_no_info("before MPI_Init");
  CHECK_MPI(MPI_Init(NULL, NULL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  const int rank = mp_world_rank();
  const int size = mp_world_size();

  /* Fixed at MPI_Init without a registration: weft's defaults are reported. */
  const char *sizes[4] = {"4", "4", "4", "8"};
  const char *none[] = {NULL};
  check_info(sizes, none, "after MPI_Init without a registration");
  const char *late[] = {"mpi_integer_size", "8", NULL};
  MPI_Info info = make_info(late);
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(info), MPI_ERR_ABI, "registration after init");
  CHECK_MPI(MPI_Info_free(&info));
  check_size(MPI_INTEGER, 4, "MPI_INTEGER");
  check_size(MPI_LOGICAL, 4, "MPI_LOGICAL");
  check_size(MPI_DOUBLE_COMPLEX, 16, "MPI_DOUBLE_COMPLEX");
  check_size(MPI_INTEGER16, 16, "MPI_INTEGER16");
  check_size(MPI_REAL2, 2, "MPI_REAL2");
  int32_t t4 = 9, f4 = 9;
  int is_set = -1;
  CHECK_MPI(MPI_Abi_get_fortran_booleans(4, &t4, &f4, &is_set));
  CHECK_INT(is_set, 0, "4-byte literals without registration");
  CHECK_INT(t4, 1, "default .TRUE.");
  CHECK_INT(f4, 0, "default .FALSE.");

  /* The default literals: 1 and 0; any non-zero value is true. */
  enum { kCount = 19 };
  int32_t logicals[kCount], result[kCount];
  for (int i = 0; i < kCount; ++i) logicals[i] = (rank + i) % 3 == 0 ? 0 : (rank + i) % 3 * 7;
  CHECK_MPI(MPI_Allreduce(logicals, result, kCount, MPI_LOGICAL, MPI_LXOR, MPI_COMM_WORLD));
  for (int i = 0; i < kCount; ++i) {
    int expected = 0;
    for (int r = 0; r < size; ++r) expected ^= (r + i) % 3 != 0;
    CHECK_INT(result[i], size == 1 ? logicals[i] : expected, "MPI_LXOR on MPI_LOGICAL, element %d",
              i);
  }
  int32_t integers[kCount], sum[kCount];
  for (int i = 0; i < kCount; ++i) integers[i] = rank * 1000 + i;
  CHECK_MPI(MPI_Allreduce(integers, sum, kCount, MPI_INTEGER, MPI_SUM, MPI_COMM_WORLD));
  for (int i = 0; i < kCount; ++i) {
    int32_t expected = 0;
    for (int r = 0; r < size; ++r) expected += r * 1000 + i;
    CHECK_INT(sum[i], expected, "MPI_SUM on MPI_INTEGER, element %d", i);
  }
  CHECK_MPI(MPI_Finalize());
}

enum { kRacers = 4 };

static MPI_Info g_race_info;
static int g_race_results[kRacers];

static void *race_to_register(void *argument) {
  const int index = (int)(intptr_t)argument;
  g_race_results[index] = MPI_Abi_set_fortran_info(g_race_info);
  return NULL;
}

static void run_session(void) {
  check_no_info("before the race");
  const char *registration[] = {"mpi_integer_size", "2", "mpi_double_complex_supported",
                                "false", NULL};
  g_race_info = make_info(registration);
  pthread_t threads[kRacers];
  for (int i = 0; i < kRacers; ++i) {
    CHECK(pthread_create(&threads[i], NULL, race_to_register, (void *)(intptr_t)i) == 0,
          "thread %d", i);
  }
  for (int i = 0; i < kRacers; ++i) CHECK(pthread_join(threads[i], NULL) == 0, "join %d", i);
  int winners = 0;
  for (int i = 0; i < kRacers; ++i) {
    if (g_race_results[i] == MPI_SUCCESS) {
      ++winners;
    } else {
      CHECK_ERROR_CLASS(g_race_results[i], MPI_ERR_ABI, "losing racer %d", i);
    }
  }
  CHECK_INT(winners, 1, "registrations that took effect");
  CHECK_MPI(MPI_Info_free(&g_race_info));
  const char *sizes[4] = {"4", "2", "4", "8"};
  const char *unsupported[] = {"double_complex", NULL};
  check_info(sizes, unsupported, "after the race");

  MPI_Session session;
  CHECK_MPI(MPI_Session_init(MPI_INFO_NULL, MPI_ERRORS_RETURN, &session));
  MPI_Group group;
  CHECK_MPI(MPI_Group_from_session_pset(session, "mpi://WORLD", &group));
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_create_from_group(group, "weft.test.abi_fortran", MPI_INFO_NULL,
                                       MPI_ERRORS_RETURN, &comm));
  int rank = -1, size = 0;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  check_size(MPI_INTEGER, 2, "MPI_INTEGER");
  check_size(MPI_2INTEGER, 4, "MPI_2INTEGER");
  check_size(MPI_DOUBLE_COMPLEX, MPI_UNDEFINED, "MPI_DOUBLE_COMPLEX");
  enum { kCount = 23 };
  int16_t values[kCount], sum[kCount];
  for (int i = 0; i < kCount; ++i) values[i] = (int16_t)(rank * 301 + i * 17 - 1000);
  CHECK_MPI(MPI_Allreduce(values, sum, kCount, MPI_INTEGER, MPI_SUM, comm));
  for (int i = 0; i < kCount; ++i) {
    int16_t expected = 0;
    for (int r = 0; r < size; ++r) expected = (int16_t)(expected + (r * 301 + i * 17 - 1000));
    CHECK_INT(sum[i], expected, "MPI_SUM on 2-byte MPI_INTEGER, element %d", i);
  }
  double complex_values[4] = {1, 2, 3, 4};
  double complex_sum[4];
  CHECK_ERROR_CLASS(MPI_Allreduce(complex_values, complex_sum, 2, MPI_DOUBLE_COMPLEX, MPI_SUM, comm),
                    MPI_ERR_TYPE, "MPI_Allreduce of the unsupported MPI_DOUBLE_COMPLEX");
  const char *late[] = {"mpi_integer_size", "4", NULL};
  MPI_Info info = make_info(late);
  CHECK_ERROR_CLASS(MPI_Abi_set_fortran_info(info), MPI_ERR_ABI, "registration after a session");
  CHECK_MPI(MPI_Info_free(&info));
  CHECK_MPI(MPI_Comm_free(&comm));
  CHECK_MPI(MPI_Group_free(&group));
  CHECK_MPI(MPI_Session_finalize(&session));
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "default") == 0) {
    run_default();
  } else if (argc > 1 && strcmp(argv[1], "session") == 0) {
    run_session();
  } else {
    run_registered();
  }
  return 0;
}

#else
/* A library without the standard ABI (MPICH's own ABI, when tests/mp/run_with_mpich.sh
 * validates the tests) has none of these calls: nothing to test. weft always has it. */
int main(void) {
  printf("abi_fortran: this MPI library has no standard ABI (MPI_ABI_VERSION); skipped\n");
  return 0;
}
#endif
