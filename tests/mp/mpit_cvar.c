/*
 * MPI tool information interface: control variables, enumerations and categories.
 *
 * - Every MPI_T call fails with MPI_T_ERR_NOT_INITIALIZED before MPI_T_init_thread and after
 *   the last MPI_T_finalize; MPI_T works before MPI_Init and after MPI_Finalize, and
 *   MPI_T_init_thread/MPI_T_finalize nest.
 * - Every control variable's information is consistent: its name finds it again, the string
 *   convention (NULL buffer or zero length asks for the length; truncation keeps the null;
 *   a NULL length leaves the buffer alone) holds, its datatype is one MPI_T allows, an
 *   enumeration's items are distinct, and it sits in exactly one category whose lists say so.
 * - The reference for values is the environment the test itself reads: WEFT_EAGER_LIMIT
 *   reads as the environment's value (or the documented default).
 * - Writing: a fixed variable refuses (MPI_T_ERR_CVAR_SET_NEVER); the eager limit written
 *   before MPI_Init is read back; the allreduce algorithm written on every rank makes each
 *   following allreduce run that algorithm (the allreduce_algorithm state variable says
 *   which ran) and still compute the sum the test computes itself.
 * - Bad indices, names, handles and items get their MPI_T error classes.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpit_common.h"

static void check_strings_convention(int index) {
  char name[256];
  char desc[1024];
  int full_name = 0;
  int full_desc = 0;
  /* NULL buffers: only the lengths. */
  full_name = 5;
  full_desc = 5;
  CHECK_T_OK(MPI_T_cvar_get_info(index, NULL, &full_name, NULL, NULL, NULL, NULL, &full_desc,
                                 NULL, NULL));
  CHECK(full_name > 1 && full_desc > 1, "cvar %d: lengths %d %d", index, full_name, full_desc);
  /* Zero lengths: the buffers stay untouched, the lengths come back. */
  int name_len = 0;
  int desc_len = 0;
  memset(name, 'x', sizeof name);
  CHECK_T_OK(MPI_T_cvar_get_info(index, name, &name_len, NULL, NULL, NULL, desc, &desc_len, NULL,
                                 NULL));
  CHECK_INT(name_len, full_name, "cvar %d: zero length returns the full length", index);
  CHECK_INT(desc_len, full_desc, "cvar %d", index);
  CHECK(name[0] == 'x', "cvar %d: a zero length must not write the buffer", index);
  /* Full buffers: the whole string, length = strlen + 1. */
  name_len = sizeof name;
  desc_len = sizeof desc;
  CHECK_T_OK(MPI_T_cvar_get_info(index, name, &name_len, NULL, NULL, NULL, desc, &desc_len, NULL,
                                 NULL));
  CHECK_INT((int)strlen(name) + 1, full_name, "cvar %d", index);
  CHECK_INT(name_len, full_name, "cvar %d", index);
  CHECK_INT((int)strlen(desc) + 1, full_desc, "cvar %d", index);
  /* Truncation: 4 bytes hold 3 characters and the null; the length is still the full one. */
  char small[8];
  memset(small, 'z', sizeof small);
  int small_len = 4;
  CHECK_T_OK(MPI_T_cvar_get_info(index, small, &small_len, NULL, NULL, NULL, NULL, NULL, NULL,
                                 NULL));
  CHECK_INT((int)strlen(small), 3, "cvar %d: truncated name", index);
  CHECK(strncmp(small, name, 3) == 0, "cvar %d: truncated prefix", index);
  CHECK(small[4] == 'z', "cvar %d: wrote past the given length", index);
  CHECK_INT(small_len, full_name, "cvar %d: truncation returns the full length", index);
  /* NULL length: the buffer is ignored. */
  memset(small, 'q', sizeof small);
  CHECK_T_OK(MPI_T_cvar_get_info(index, small, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK(small[0] == 'q', "cvar %d: a NULL length must leave the buffer alone", index);
}

static void check_enum(MPI_T_enum enumtype, const char *cvar) {
  int num = -1;
  char name[128];
  int name_len = sizeof name;
  CHECK_T_OK(MPI_T_enum_get_info(enumtype, &num, name, &name_len));
  CHECK(num >= 2, "enumeration of %s has %d items", cvar, num);
  for (int i = 0; i < num; ++i) {
    int value = -1;
    char item[128];
    int item_len = sizeof item;
    CHECK_T_OK(MPI_T_enum_get_item(enumtype, i, &value, item, &item_len));
    CHECK_INT(item_len, (int)strlen(item) + 1, "%s item %d", cvar, i);
    for (int j = 0; j < i; ++j) {
      int other = -1;
      char other_name[128];
      int other_len = sizeof other_name;
      CHECK_T_OK(MPI_T_enum_get_item(enumtype, j, &other, other_name, &other_len));
      CHECK(other != value && strcmp(other_name, item) != 0, "%s items %d and %d repeat", cvar,
            i, j);
    }
  }
  int value = 0;
  char item[16];
  int item_len = sizeof item;
  CHECK_T(MPI_T_enum_get_item(enumtype, num, &value, item, &item_len), MPI_T_ERR_INVALID_ITEM);
  CHECK_T(MPI_T_enum_get_item(enumtype, -1, &value, item, &item_len), MPI_T_ERR_INVALID_ITEM);
}

/* Every variable once in exactly one category, and category lists agree with their counts. */
static void check_categories(int num_cvar) {
  int num_cat = 0;
  CHECK_T_OK(MPI_T_category_get_num(&num_cat));
  CHECK(num_cat >= 2, "%d categories", num_cat);
  int *seen = calloc((size_t)num_cvar, sizeof *seen);
  int subcategories = 0;
  for (int c = 0; c < num_cat; ++c) {
    char name[128];
    int name_len = sizeof name;
    char desc[512];
    int desc_len = sizeof desc;
    int ncvars = -1;
    int npvars = -1;
    int ncats = -1;
    CHECK_T_OK(MPI_T_category_get_info(c, name, &name_len, desc, &desc_len, &ncvars, &npvars,
                                       &ncats));
    CHECK(desc_len > 1, "category %s has no description", name);
    int index = -1;
    CHECK_T_OK(MPI_T_category_get_index(name, &index));
    CHECK_INT(index, c, "category %s", name);
    int *list = calloc((size_t)ncvars + 1, sizeof *list);
    CHECK_T_OK(MPI_T_category_get_cvars(c, ncvars, list));
    for (int i = 0; i < ncvars; ++i) {
      CHECK(list[i] >= 0 && list[i] < num_cvar, "category %s lists cvar %d", name, list[i]);
      seen[list[i]]++;
    }
    free(list);
    int *cats = calloc((size_t)ncats + 1, sizeof *cats);
    CHECK_T_OK(MPI_T_category_get_categories(c, ncats, cats));
    for (int i = 0; i < ncats; ++i) {
      CHECK(cats[i] >= 0 && cats[i] < num_cat && cats[i] != c, "category %s lists %d", name,
            cats[i]);
    }
    subcategories += ncats;
    free(cats);
    int nevents = -1;
    CHECK_T_OK(MPI_T_category_get_num_events(c, &nevents));
    CHECK(nevents >= 0, "category %s events", name);
    /* A shorter list is filled only as far as asked. */
    int one[2] = {-7, -7};
    if (ncvars >= 2) {
      CHECK_T_OK(MPI_T_category_get_cvars(c, 1, one));
      CHECK(one[1] == -7, "category %s: get_cvars wrote past len", name);
    }
  }
  for (int i = 0; i < num_cvar; ++i) {
    CHECK_INT(seen[i], 1, "cvar %d must be in exactly one category", i);
  }
  CHECK(subcategories >= 1, "the categories nest (%d subcategories)", subcategories);
  free(seen);
  int update = -1;
  CHECK_T_OK(MPI_T_category_changed(&update));
  int again = -2;
  CHECK_T_OK(MPI_T_category_changed(&again));
  CHECK_INT(again, update, "nothing was added between two calls");
  int index = 0;
  CHECK_T(MPI_T_category_get_index("no such category", &index), MPI_T_ERR_INVALID_NAME);
  CHECK_T(MPI_T_category_get_info(num_cat, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
  CHECK_T(MPI_T_category_get_cvars(-1, 0, NULL), MPI_T_ERR_INVALID_INDEX);
}

/* Every control variable: consistent information, readable through a handle. */
static int check_all_cvars(void) {
  int num_cvar = 0;
  CHECK_T_OK(MPI_T_cvar_get_num(&num_cvar));
  CHECK(num_cvar >= 20, "only %d control variables", num_cvar);
  int writable = 0;
  for (int i = 0; i < num_cvar; ++i) {
    char name[256];
    int name_len = sizeof name;
    int verbosity = -1;
    MPI_Datatype datatype = MPI_DATATYPE_NULL;
    MPI_T_enum enumtype = (MPI_T_enum)0x31415926;
    int bind = -1;
    int scope = -1;
    CHECK_T_OK(MPI_T_cvar_get_info(i, name, &name_len, &verbosity, &datatype, &enumtype, NULL,
                                   NULL, &bind, &scope));
    CHECK(strncmp(name, "WEFT_", 5) == 0, "cvar %d is called %s", i, name);
    int index = -1;
    CHECK_T_OK(MPI_T_cvar_get_index(name, &index));
    CHECK_INT(index, i, "%s", name);
    CHECK(verbosity >= MPI_T_VERBOSITY_USER_BASIC && verbosity <= MPI_T_VERBOSITY_MPIDEV_ALL,
          "%s verbosity %d", name, verbosity);
    CHECK(datatype == MPI_INT || datatype == MPI_UNSIGNED_LONG_LONG || datatype == MPI_CHAR,
          "%s has an unexpected datatype", name);
    CHECK_INT(bind, MPI_T_BIND_NO_OBJECT, "%s", name);
    CHECK(scope >= MPI_T_SCOPE_CONSTANT && scope <= MPI_T_SCOPE_ALL_EQ, "%s scope %d", name,
          scope);
    if (scope != MPI_T_SCOPE_CONSTANT && scope != MPI_T_SCOPE_READONLY) ++writable;
    if (enumtype != MPI_T_ENUM_NULL) {
      CHECK(datatype == MPI_INT, "%s: an enumeration needs MPI_INT", name);
      check_enum(enumtype, name);
    }
    check_strings_convention(i);

    MPI_T_cvar_handle handle = MPI_T_CVAR_HANDLE_NULL;
    int count = 0;
    CHECK_T_OK(MPI_T_cvar_handle_alloc(i, NULL, &handle, &count));
    CHECK(count >= 1, "%s count %d", name, count);
    void *value = calloc((size_t)count, datatype == MPI_CHAR ? 1 : 8);
    CHECK_T_OK(MPI_T_cvar_read(handle, value));
    if (datatype == MPI_CHAR) {
      CHECK((int)strlen(value) < count, "%s: string not terminated within count", name);
      const char *env = getenv(name);
      if (env != NULL) CHECK_STR((const char *)value, env, "%s reads the environment", name);
    }
    free(value);
    CHECK_T_OK(MPI_T_cvar_handle_free(&handle));
    CHECK(handle == MPI_T_CVAR_HANDLE_NULL, "%s: handle_free sets the handle to null", name);
  }
  CHECK(writable >= 18, "only %d writable control variables", writable);
  check_categories(num_cvar);
  return num_cvar;
}

/* The eager limit reads as the environment says (or the default), and can be written. */
static void check_eager_limit_write(void) {
  MPI_T_cvar_handle handle;
  int count = 0;
  CHECK_T_OK(MPI_T_cvar_handle_alloc(mpit_cvar("WEFT_EAGER_LIMIT"), NULL, &handle, &count));
  unsigned long long limit = 0;
  CHECK_T_OK(MPI_T_cvar_read(handle, &limit));
  const char *env = getenv("WEFT_EAGER_LIMIT");
  unsigned long long expected = env != NULL ? strtoull(env, NULL, 0) : 16384;
  CHECK_INT(limit, expected, "WEFT_EAGER_LIMIT before any write");
  unsigned long long written = 4000;
  CHECK_T_OK(MPI_T_cvar_write(handle, &written));
  CHECK_T_OK(MPI_T_cvar_read(handle, &limit));
  CHECK_INT(limit, 4000, "WEFT_EAGER_LIMIT after the write");
  CHECK_T_OK(MPI_T_cvar_handle_free(&handle));
}

static void check_fixed_refuses(void) {
  MPI_T_cvar_handle handle;
  int count = 0;
  CHECK_T_OK(MPI_T_cvar_handle_alloc(mpit_cvar("WEFT_SHM_RING_BYTES"), NULL, &handle, &count));
  unsigned long long value = 0;
  CHECK_T_OK(MPI_T_cvar_read(handle, &value));
  unsigned long long other = value + 4096;
  CHECK_T(MPI_T_cvar_write(handle, &other), MPI_T_ERR_CVAR_SET_NEVER);
  unsigned long long again = 0;
  CHECK_T_OK(MPI_T_cvar_read(handle, &again));
  CHECK_INT(again, value, "a refused write changes nothing");
  CHECK_T_OK(MPI_T_cvar_handle_free(&handle));
}

static void check_errors(int num_cvar) {
  int index = 0;
  CHECK_T(MPI_T_cvar_get_index("WEFT_NO_SUCH_VARIABLE", &index), MPI_T_ERR_INVALID_NAME);
  CHECK_T(MPI_T_cvar_get_info(num_cvar, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
  CHECK_T(MPI_T_cvar_get_info(-1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
          MPI_T_ERR_INVALID_INDEX);
  MPI_T_cvar_handle handle;
  int count;
  CHECK_T(MPI_T_cvar_handle_alloc(num_cvar, NULL, &handle, &count), MPI_T_ERR_INVALID_INDEX);
  CHECK_T_OK(MPI_T_cvar_handle_alloc(0, NULL, &handle, &count));
  MPI_T_cvar_handle stale = handle;
  CHECK_T_OK(MPI_T_cvar_handle_free(&handle));
  char buffer[8192];
  CHECK_T(MPI_T_cvar_read(stale, buffer), MPI_T_ERR_INVALID_HANDLE);
  CHECK_T(MPI_T_cvar_write(stale, buffer), MPI_T_ERR_INVALID_HANDLE);
  CHECK_T(MPI_T_cvar_handle_free(&stale), MPI_T_ERR_INVALID_HANDLE);
  int num = 0;
  CHECK_T(MPI_T_enum_get_info(MPI_T_ENUM_NULL, &num, NULL, NULL), MPI_T_ERR_INVALID_HANDLE);
  CHECK_T(MPI_T_init_thread(12345, &num), MPI_T_ERR_INVALID);
}

/* Writes each allreduce algorithm on every rank and checks the next allreduce ran it. */
static void check_algorithm_write(void) {
  int rank = 0;
  int size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const int cvar = mpit_cvar("WEFT_ALLREDUCE_ALGORITHM");
  MPI_T_enum enumtype = MPI_T_ENUM_NULL;
  MPI_Datatype datatype;
  int scope = -1;
  CHECK_T_OK(MPI_T_cvar_get_info(cvar, NULL, NULL, NULL, &datatype, &enumtype, NULL, NULL, NULL,
                                 &scope));
  CHECK(enumtype != MPI_T_ENUM_NULL && datatype == MPI_INT, "the algorithm is an enumeration");
  CHECK_INT(scope, MPI_T_SCOPE_ALL_EQ, "every rank must choose alike");
  MPI_T_cvar_handle handle;
  int count;
  CHECK_T_OK(MPI_T_cvar_handle_alloc(cvar, NULL, &handle, &count));
  int original = -1;
  CHECK_T_OK(MPI_T_cvar_read(handle, &original));

  MPI_T_pvar_session session;
  MPI_T_pvar_handle state;
  CHECK_T_OK(MPI_T_pvar_session_create(&session));
  const int pvar = mpit_pvar("allreduce_algorithm", MPI_T_PVAR_CLASS_STATE);
  MPI_T_enum state_enum = MPI_T_ENUM_NULL;
  CHECK_T_OK(MPI_T_pvar_get_info(pvar, NULL, NULL, NULL, NULL, NULL, &state_enum, NULL, NULL,
                                 NULL, NULL, NULL, NULL));
  CHECK_T_OK(MPI_T_pvar_handle_alloc(session, pvar, NULL, &state, &count));

  int items = 0;
  CHECK_T_OK(MPI_T_enum_get_info(enumtype, &items, NULL, NULL));
  for (int i = 0; i < items; ++i) {
    int value = -1;
    char algorithm[64];
    int length = sizeof algorithm;
    CHECK_T_OK(MPI_T_enum_get_item(enumtype, i, &value, algorithm, &length));
    if (strcmp(algorithm, "auto") == 0) continue;
    CHECK_T_OK(MPI_T_cvar_write(handle, &value));
    int back = -1;
    CHECK_T_OK(MPI_T_cvar_read(handle, &back));
    CHECK_INT(back, value, "%s read back", algorithm);
    /* 257 elements: every algorithm can run it (the rules would pick by size otherwise). */
    enum { kCount = 257 };
    long long in[kCount];
    long long out[kCount];
    for (int k = 0; k < kCount; ++k) in[k] = (long long)(rank + 1) * (k + 3) + value;
    CHECK_MPI(MPI_Allreduce(in, out, kCount, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD));
    for (int k = 0; k < kCount; ++k) {
      long long expected = 0;
      for (int r = 0; r < size; ++r) expected += (long long)(r + 1) * (k + 3) + value;
      CHECK_INT(out[k], expected, "allreduce with %s, element %d", algorithm, k);
    }
    int ran = -1;
    CHECK_T_OK(MPI_T_pvar_read(session, state, &ran));
    if (size > 1) {
      /* The state's enumeration names the algorithm that ran. */
      char ran_name[64];
      int ran_length = sizeof ran_name;
      int ran_value = -1;
      int state_items = 0;
      CHECK_T_OK(MPI_T_enum_get_info(state_enum, &state_items, NULL, NULL));
      int found = 0;
      for (int s = 0; s < state_items; ++s) {
        ran_length = sizeof ran_name;
        CHECK_T_OK(MPI_T_enum_get_item(state_enum, s, &ran_value, ran_name, &ran_length));
        if (ran_value == ran) {
          CHECK_STR(ran_name, algorithm, "the allreduce after writing %s", algorithm);
          found = 1;
        }
      }
      CHECK(found, "state value %d is an item", ran);
    }
  }
  CHECK_T_OK(MPI_T_cvar_write(handle, &original));
  CHECK_T_OK(MPI_T_pvar_handle_free(session, &state));
  CHECK_T_OK(MPI_T_pvar_session_free(&session));
  CHECK_T_OK(MPI_T_cvar_handle_free(&handle));
}

int main(int argc, char **argv) {
  MPIT_ONLY_UNDER_WEFT(argc, argv);
  int num = 0;
  int provided = -1;
  CHECK_T(MPI_T_cvar_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  CHECK_T(MPI_T_finalize(), MPI_T_ERR_NOT_INITIALIZED);
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided));
  CHECK(provided >= MPI_THREAD_SINGLE && provided <= MPI_THREAD_MULTIPLE, "provided %d",
        provided);
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));  /* nested */

  /* Before MPI_Init. */
  const int num_cvar = check_all_cvars();
  check_eager_limit_write();
  check_fixed_refuses();
  check_errors(num_cvar);

  CHECK_MPI(MPI_Init(&argc, &argv));
  check_algorithm_write();
  CHECK_T_OK(MPI_T_finalize());  /* the nested one: still initialized */
  CHECK_T_OK(MPI_T_cvar_get_num(&num));
  CHECK_INT(num, num_cvar, "cvar count during MPI");
  CHECK_MPI(MPI_Barrier(MPI_COMM_WORLD));
  CHECK_MPI(MPI_Finalize());

  /* After MPI_Finalize. */
  CHECK_T_OK(MPI_T_cvar_get_num(&num));
  CHECK_INT(num, num_cvar, "cvar count after MPI_Finalize");
  check_all_cvars();
  CHECK_T_OK(MPI_T_finalize());
  CHECK_T(MPI_T_cvar_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  CHECK_T(MPI_T_category_get_num(&num), MPI_T_ERR_NOT_INITIALIZED);
  CHECK_T(MPI_T_finalize(), MPI_T_ERR_NOT_INITIALIZED);
  /* And again: MPI_T can start over. */
  CHECK_T_OK(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided));
  CHECK_T_OK(MPI_T_cvar_get_num(&num));
  CHECK_T_OK(MPI_T_finalize());
  return 0;
}
