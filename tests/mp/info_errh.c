/*
 * Info objects and error handling. Info: set/get/delete, key enumeration, MPI-4.0
 * MPI_Info_get_string buffer-length rules (query with 0, truncation, missing keys), the
 * older MPI_Info_get/MPI_Info_get_valuelen, dup independence, free. Errors: the default and
 * predefined handlers, a user handler that records each call (from a real error and from
 * MPI_Comm_call_errhandler), inheritance by MPI_Comm_dup, every predefined error class with
 * its string, and user-defined classes, codes and strings.
 */
#include "mp_check.h"

enum { kValueCapacity = 256 };

static void check_get_string(MPI_Info info, const char *key, const char *expected,
                             const char *what) {
  char value[kValueCapacity];
  int buflen = kValueCapacity;
  int flag = -1;
  CHECK_MPI(MPI_Info_get_string(info, key, &buflen, value, &flag));
  CHECK_INT(flag, 1, "%s: key \"%s\" present", what, key);
  CHECK_STR(value, expected, "%s: value of \"%s\"", what, key);
  CHECK_INT(buflen, strlen(expected) + 1, "%s: buflen returned for \"%s\"", what, key);
}

static void check_missing(MPI_Info info, const char *key, const char *what) {
  char value[8] = "keep";
  int buflen = (int)sizeof value;
  int flag = -1;
  CHECK_MPI(MPI_Info_get_string(info, key, &buflen, value, &flag));
  CHECK_INT(flag, 0, "%s: key \"%s\" must be absent", what, key);
  CHECK_STR(value, "keep", "%s: value buffer must be left alone for a missing key", what);
}

/* The keys of `info`, in whatever order it numbers them, must be exactly `keys`. */
static void check_keys(MPI_Info info, const char *const *keys, int count, const char *what) {
  int nkeys = -1;
  CHECK_MPI(MPI_Info_get_nkeys(info, &nkeys));
  CHECK_INT(nkeys, count, "%s: MPI_Info_get_nkeys", what);
  int seen[8] = {0};
  for (int n = 0; n < nkeys; ++n) {
    char key[MPI_MAX_INFO_KEY + 1];
    CHECK_MPI(MPI_Info_get_nthkey(info, n, key));
    int found = -1;
    for (int k = 0; k < count; ++k) {
      if (strcmp(key, keys[k]) == 0) {
        found = k;
      }
    }
    CHECK(found >= 0, "%s: unexpected key \"%s\" at position %d", what, key, n);
    CHECK(!seen[found], "%s: key \"%s\" listed twice", what, key);
    seen[found] = 1;
  }
}

static void info_objects(void) {
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK(info != MPI_INFO_NULL, "MPI_Info_create");
  check_keys(info, NULL, 0, "new info");

  const char *long_value = "a value with spaces, punctuation = and more";
  CHECK_MPI(MPI_Info_set(info, "weft_alpha", long_value));
  CHECK_MPI(MPI_Info_set(info, "weft_beta", "b"));
  CHECK_MPI(MPI_Info_set(info, "host", "localhost"));
  const char *three[3] = {"weft_alpha", "weft_beta", "host"};
  check_keys(info, three, 3, "info with three keys");
  check_get_string(info, "weft_alpha", long_value, "after set");
  check_get_string(info, "weft_beta", "b", "after set");
  check_missing(info, "weft_gamma", "never set");

  /* buflen 0 asks for the length only and leaves the buffer alone. */
  char value[kValueCapacity];
  strcpy(value, "untouched");
  int buflen = 0;
  int flag = -1;
  CHECK_MPI(MPI_Info_get_string(info, "weft_alpha", &buflen, value, &flag));
  CHECK_INT(flag, 1, "length query finds the key");
  CHECK_INT(buflen, strlen(long_value) + 1, "length query returns the needed size");
  CHECK_STR(value, "untouched", "a length query must not write the buffer");

  /* A short buffer gets a truncated, terminated value and the full size back. */
  memset(value, 'x', sizeof value);
  buflen = 6;
  CHECK_MPI(MPI_Info_get_string(info, "weft_alpha", &buflen, value, &flag));
  CHECK_INT(flag, 1, "truncated get finds the key");
  CHECK_INT(buflen, strlen(long_value) + 1, "truncated get returns the needed size");
  CHECK(memcmp(value, long_value, 5) == 0 && value[5] == '\0',
        "truncated value must be the first 5 characters and a terminator, got \"%.6s\"", value);
  CHECK_INT(value[6], 'x', "truncated get wrote past its buffer");

  /* The older calls, which count without the terminator. */
  int valuelen = -1;
  CHECK_MPI(MPI_Info_get_valuelen(info, "weft_alpha", &valuelen, &flag));
  CHECK_INT(flag, 1, "MPI_Info_get_valuelen finds the key");
  CHECK_INT(valuelen, strlen(long_value), "MPI_Info_get_valuelen");
  memset(value, 0, sizeof value);
  CHECK_MPI(MPI_Info_get(info, "host", kValueCapacity - 1, value, &flag));
  CHECK_INT(flag, 1, "MPI_Info_get finds the key");
  CHECK_STR(value, "localhost", "MPI_Info_get");
  CHECK_MPI(MPI_Info_get_valuelen(info, "weft_gamma", &valuelen, &flag));
  CHECK_INT(flag, 0, "MPI_Info_get_valuelen of a missing key");

  /* Setting an existing key replaces its value and adds no key. */
  CHECK_MPI(MPI_Info_set(info, "weft_beta", "replaced"));
  check_keys(info, three, 3, "after replacing a value");
  check_get_string(info, "weft_beta", "replaced", "after replacing");

  /* A dup is independent of its original in both directions. */
  MPI_Info copy;
  CHECK_MPI(MPI_Info_dup(info, &copy));
  check_keys(copy, three, 3, "dup");
  check_get_string(copy, "weft_alpha", long_value, "dup");
  CHECK_MPI(MPI_Info_set(copy, "weft_alpha", "changed in the copy"));
  CHECK_MPI(MPI_Info_set(copy, "weft_delta", "only in the copy"));
  CHECK_MPI(MPI_Info_delete(info, "host"));
  check_get_string(info, "weft_alpha", long_value, "original after changing the dup");
  check_missing(info, "weft_delta", "original after adding to the dup");
  check_get_string(copy, "host", "localhost", "dup after deleting from the original");
  const char *two[2] = {"weft_alpha", "weft_beta"};
  check_keys(info, two, 2, "after a delete");
  const char *four[4] = {"weft_alpha", "weft_beta", "host", "weft_delta"};
  check_keys(copy, four, 4, "dup after an addition");

  /* Deleting a key that is not there is an error of class MPI_ERR_INFO_NOKEY. Errors on
   * info objects are raised on MPI_COMM_SELF (MPI 4.0) or MPI_COMM_WORLD (earlier). */
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_ERROR_CLASS(MPI_Info_delete(info, "host"), MPI_ERR_INFO_NOKEY,
                    "MPI_Info_delete of a missing key");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));

  CHECK_MPI(MPI_Info_free(&info));
  CHECK(info == MPI_INFO_NULL, "MPI_Info_free sets MPI_INFO_NULL");
  CHECK_MPI(MPI_Info_free(&copy));

  /* MPI_INFO_ENV always exists and can be read. */
  int env_keys = -1;
  CHECK_MPI(MPI_Info_get_nkeys(MPI_INFO_ENV, &env_keys));
  CHECK(env_keys >= 0, "MPI_INFO_ENV key count %d", env_keys);
}

/* What the user handler saw. */
static int handler_calls;
static int handler_last_code;
static MPI_Comm handler_last_comm;

static void recording_handler(MPI_Comm *comm, int *code, ...) {
  ++handler_calls;
  handler_last_code = *code;
  handler_last_comm = *comm;
}

static void error_handlers(int rank, int size) {
  /* The default on world is MPI_ERRORS_ARE_FATAL. */
  MPI_Errhandler current;
  CHECK_MPI(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &current));
  CHECK(current == MPI_ERRORS_ARE_FATAL, "default error handler of MPI_COMM_WORLD");
  CHECK_MPI(MPI_Errhandler_free(&current));

  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  CHECK_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_get_errhandler(comm, &current));
  CHECK(current == MPI_ERRORS_RETURN, "MPI_Comm_get_errhandler after setting ERRORS_RETURN");
  CHECK_MPI(MPI_Errhandler_free(&current));

  /* With MPI_ERRORS_RETURN a bad call returns its code and nothing else happens. */
  int value = 1;
  CHECK_ERROR_CLASS(MPI_Send(&value, 1, MPI_INT, size, 0, comm), MPI_ERR_RANK,
                    "send to rank %d with MPI_ERRORS_RETURN", size);

  /* A user handler is called with the communicator and the code, then the call returns. */
  MPI_Errhandler recorder;
  CHECK_MPI(MPI_Comm_create_errhandler(recording_handler, &recorder));
  CHECK_MPI(MPI_Comm_set_errhandler(comm, recorder));
  handler_calls = 0;
  int rc = MPI_Send(&value, 1, MPI_INT, size + 3, 0, comm);
  CHECK_INT(handler_calls, 1, "user handler calls after an invalid rank");
  CHECK(handler_last_comm == comm, "user handler must receive the failing communicator");
  int error_class = -1;
  CHECK_MPI(MPI_Error_class(handler_last_code, &error_class));
  CHECK_INT(error_class, MPI_ERR_RANK, "class of the code passed to the user handler");
  CHECK(rc != MPI_SUCCESS, "the call returns an error after the user handler returns");

  CHECK_MPI(MPI_Comm_call_errhandler(comm, MPI_ERR_OTHER));
  CHECK_INT(handler_calls, 2, "user handler calls after MPI_Comm_call_errhandler");
  CHECK_INT(handler_last_code, MPI_ERR_OTHER, "code passed by MPI_Comm_call_errhandler");
  CHECK(handler_last_comm == comm, "communicator passed by MPI_Comm_call_errhandler");

  /* Freeing the handler while attached keeps it working; a dup inherits it. */
  CHECK_MPI(MPI_Errhandler_free(&recorder));
  CHECK(recorder == MPI_ERRHANDLER_NULL, "MPI_Errhandler_free sets MPI_ERRHANDLER_NULL");
  MPI_Comm inherited;
  CHECK_MPI(MPI_Comm_dup(comm, &inherited));
  CHECK_MPI(MPI_Comm_call_errhandler(inherited, MPI_ERR_ARG));
  CHECK_INT(handler_calls, 3, "user handler inherited by MPI_Comm_dup");
  CHECK(handler_last_comm == inherited, "inherited handler gets the dup");
  CHECK_INT(handler_last_code, MPI_ERR_ARG, "inherited handler code");
  CHECK_MPI(MPI_Comm_call_errhandler(comm, MPI_ERR_TAG));
  CHECK_INT(handler_calls, 4, "handler still attached after MPI_Errhandler_free");

  /* MPI_Comm_call_errhandler with ERRORS_RETURN returns success once the handler ran. */
  CHECK_MPI(MPI_Comm_set_errhandler(inherited, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_call_errhandler(inherited, MPI_ERR_OTHER));
  CHECK_INT(handler_calls, 4, "replaced handler must not be called");

  /* Communication still works on both communicators. */
  int left = mp_left(rank, size);
  int sent = mp_pattern_int(rank, 0, 9);
  int received = -1;
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(&sent, 1, MPI_INT, mp_right(rank, size), 9, &received, 1, MPI_INT, left,
                         9, inherited, &status));
  CHECK_INT(received, mp_pattern_int(left, 0, 9), "exchange after handled errors");
  CHECK_MPI(MPI_Comm_free(&inherited));
  CHECK_MPI(MPI_Comm_free(&comm));
}

static void error_classes(void) {
  static const struct {
    int code;
    const char *name;
  } classes[] = {
      {MPI_SUCCESS, "MPI_SUCCESS"},
      {MPI_ERR_BUFFER, "MPI_ERR_BUFFER"},
      {MPI_ERR_COUNT, "MPI_ERR_COUNT"},
      {MPI_ERR_TYPE, "MPI_ERR_TYPE"},
      {MPI_ERR_TAG, "MPI_ERR_TAG"},
      {MPI_ERR_COMM, "MPI_ERR_COMM"},
      {MPI_ERR_RANK, "MPI_ERR_RANK"},
      {MPI_ERR_REQUEST, "MPI_ERR_REQUEST"},
      {MPI_ERR_ROOT, "MPI_ERR_ROOT"},
      {MPI_ERR_GROUP, "MPI_ERR_GROUP"},
      {MPI_ERR_OP, "MPI_ERR_OP"},
      {MPI_ERR_TOPOLOGY, "MPI_ERR_TOPOLOGY"},
      {MPI_ERR_DIMS, "MPI_ERR_DIMS"},
      {MPI_ERR_ARG, "MPI_ERR_ARG"},
      {MPI_ERR_UNKNOWN, "MPI_ERR_UNKNOWN"},
      {MPI_ERR_TRUNCATE, "MPI_ERR_TRUNCATE"},
      {MPI_ERR_OTHER, "MPI_ERR_OTHER"},
      {MPI_ERR_INTERN, "MPI_ERR_INTERN"},
      {MPI_ERR_IN_STATUS, "MPI_ERR_IN_STATUS"},
      {MPI_ERR_PENDING, "MPI_ERR_PENDING"},
      {MPI_ERR_KEYVAL, "MPI_ERR_KEYVAL"},
      {MPI_ERR_NO_MEM, "MPI_ERR_NO_MEM"},
      {MPI_ERR_BASE, "MPI_ERR_BASE"},
      {MPI_ERR_INFO_KEY, "MPI_ERR_INFO_KEY"},
      {MPI_ERR_INFO_VALUE, "MPI_ERR_INFO_VALUE"},
      {MPI_ERR_INFO_NOKEY, "MPI_ERR_INFO_NOKEY"},
      {MPI_ERR_SPAWN, "MPI_ERR_SPAWN"},
      {MPI_ERR_PORT, "MPI_ERR_PORT"},
      {MPI_ERR_SERVICE, "MPI_ERR_SERVICE"},
      {MPI_ERR_NAME, "MPI_ERR_NAME"},
      {MPI_ERR_WIN, "MPI_ERR_WIN"},
      {MPI_ERR_SIZE, "MPI_ERR_SIZE"},
      {MPI_ERR_DISP, "MPI_ERR_DISP"},
      {MPI_ERR_INFO, "MPI_ERR_INFO"},
      {MPI_ERR_LOCKTYPE, "MPI_ERR_LOCKTYPE"},
      {MPI_ERR_ASSERT, "MPI_ERR_ASSERT"},
      {MPI_ERR_RMA_CONFLICT, "MPI_ERR_RMA_CONFLICT"},
      {MPI_ERR_RMA_SYNC, "MPI_ERR_RMA_SYNC"},
      {MPI_ERR_FILE, "MPI_ERR_FILE"},
      {MPI_ERR_NOT_SAME, "MPI_ERR_NOT_SAME"},
      {MPI_ERR_AMODE, "MPI_ERR_AMODE"},
      {MPI_ERR_UNSUPPORTED_DATAREP, "MPI_ERR_UNSUPPORTED_DATAREP"},
      {MPI_ERR_UNSUPPORTED_OPERATION, "MPI_ERR_UNSUPPORTED_OPERATION"},
      {MPI_ERR_NO_SUCH_FILE, "MPI_ERR_NO_SUCH_FILE"},
      {MPI_ERR_FILE_EXISTS, "MPI_ERR_FILE_EXISTS"},
      {MPI_ERR_BAD_FILE, "MPI_ERR_BAD_FILE"},
      {MPI_ERR_ACCESS, "MPI_ERR_ACCESS"},
      {MPI_ERR_NO_SPACE, "MPI_ERR_NO_SPACE"},
      {MPI_ERR_QUOTA, "MPI_ERR_QUOTA"},
      {MPI_ERR_READ_ONLY, "MPI_ERR_READ_ONLY"},
      {MPI_ERR_FILE_IN_USE, "MPI_ERR_FILE_IN_USE"},
      {MPI_ERR_DUP_DATAREP, "MPI_ERR_DUP_DATAREP"},
      {MPI_ERR_CONVERSION, "MPI_ERR_CONVERSION"},
      {MPI_ERR_IO, "MPI_ERR_IO"},
      {MPI_ERR_RMA_RANGE, "MPI_ERR_RMA_RANGE"},
      {MPI_ERR_RMA_ATTACH, "MPI_ERR_RMA_ATTACH"},
      {MPI_ERR_RMA_SHARED, "MPI_ERR_RMA_SHARED"},
      {MPI_ERR_RMA_FLAVOR, "MPI_ERR_RMA_FLAVOR"},
      {MPI_ERR_PROC_ABORTED, "MPI_ERR_PROC_ABORTED"},
      {MPI_ERR_VALUE_TOO_LARGE, "MPI_ERR_VALUE_TOO_LARGE"},
      {MPI_ERR_SESSION, "MPI_ERR_SESSION"},
      {MPI_ERR_ERRHANDLER, "MPI_ERR_ERRHANDLER"},
      {MPI_ERR_ABI, "MPI_ERR_ABI"},
  };
  const int count = (int)(sizeof classes / sizeof classes[0]);
  CHECK_INT(MPI_SUCCESS, 0, "MPI_SUCCESS is zero");
  for (int i = 0; i < count; ++i) {
    int error_class = -1;
    CHECK_MPI(MPI_Error_class(classes[i].code, &error_class));
    CHECK_INT(error_class, classes[i].code, "MPI_Error_class of %s", classes[i].name);
    CHECK(classes[i].code <= MPI_ERR_LASTCODE, "%s above MPI_ERR_LASTCODE", classes[i].name);
    for (int j = 0; j < i; ++j) {
      CHECK(classes[i].code != classes[j].code, "%s and %s share a value", classes[i].name,
            classes[j].name);
    }
    char text[MPI_MAX_ERROR_STRING];
    int length = -1;
    CHECK_MPI(MPI_Error_string(classes[i].code, text, &length));
    CHECK(length > 0 && length < MPI_MAX_ERROR_STRING && strlen(text) == (size_t)length,
          "MPI_Error_string of %s: length %d", classes[i].name, length);
  }

  /* User-defined class, codes and strings. */
  int user_class = -1;
  CHECK_MPI(MPI_Add_error_class(&user_class));
  for (int i = 0; i < count; ++i) {
    CHECK(user_class != classes[i].code, "added class %d reuses %s", user_class, classes[i].name);
  }
  int code_a = -1;
  int code_b = -1;
  CHECK_MPI(MPI_Add_error_code(user_class, &code_a));
  CHECK_MPI(MPI_Add_error_code(user_class, &code_b));
  CHECK(code_a != code_b, "two added codes must differ");
  CHECK(user_class >= MPI_ERR_LASTCODE && code_a >= MPI_ERR_LASTCODE &&
            code_b >= MPI_ERR_LASTCODE,
        "added class %d and codes %d %d must not be below MPI_ERR_LASTCODE %d", user_class,
        code_a, code_b, MPI_ERR_LASTCODE);
  int error_class = -1;
  CHECK_MPI(MPI_Error_class(code_a, &error_class));
  CHECK_INT(error_class, user_class, "class of an added code");
  CHECK_MPI(MPI_Error_class(code_b, &error_class));
  CHECK_INT(error_class, user_class, "class of the second added code");
  CHECK_MPI(MPI_Add_error_string(user_class, "weft test: user class"));
  CHECK_MPI(MPI_Add_error_string(code_a, "weft test: first user code"));
  char text[MPI_MAX_ERROR_STRING];
  int length = -1;
  CHECK_MPI(MPI_Error_string(code_a, text, &length));
  CHECK_STR(text, "weft test: first user code", "string of an added code");
  CHECK_INT(length, strlen("weft test: first user code"), "length of an added code's string");
  CHECK_MPI(MPI_Error_string(user_class, text, &length));
  CHECK_STR(text, "weft test: user class", "string of an added class");

  void *attribute = NULL;
  int flag = 0;
  CHECK_MPI(MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &attribute, &flag));
  CHECK(flag, "MPI_LASTUSEDCODE must be present");
  int last_used = *(int *)attribute;
  /* The attribute bounds every class and code in use. MPICH 4.0 updates it for new classes
   * only (its codes encode the class in the low bits), so there only the class is checked. */
  CHECK(last_used >= user_class, "MPI_LASTUSEDCODE %d below the added class %d", last_used,
        user_class);
  if (!MP_MPICH_DEVIATION) {
    CHECK(last_used >= code_a && last_used >= code_b,
          "MPI_LASTUSEDCODE %d below the added codes %d %d", last_used, code_a, code_b);
  }

  /* A user code travels through a user handler like a predefined one. */
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  MPI_Errhandler recorder;
  CHECK_MPI(MPI_Comm_create_errhandler(recording_handler, &recorder));
  CHECK_MPI(MPI_Comm_set_errhandler(comm, recorder));
  handler_calls = 0;
  CHECK_MPI(MPI_Comm_call_errhandler(comm, code_b));
  CHECK_INT(handler_calls, 1, "user handler with a user code");
  CHECK_INT(handler_last_code, code_b, "user code passed to the handler");
  CHECK_MPI(MPI_Errhandler_free(&recorder));
  CHECK_MPI(MPI_Comm_free(&comm));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  int rank = 0;
  int size = 0;
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));

  info_objects();
  error_handlers(rank, size);
  error_classes();

  mp_report_ok("info_errh");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
