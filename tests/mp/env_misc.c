/*
 * The remaining environment calls: MPI_Info_create_env (before MPI_Init, during, after
 * MPI_Finalize: the same keys each time), the standard ABI's handle conversions
 * (MPI_<Kind>_toint / _fromint: predefined handles keep their ABI values, user handles
 * round-trip, null handles of every kind convert), MPI_Alloc_mem / MPI_Free_mem with the
 * alignment hint, MPI_Pcontrol, MPI_Get_hw_resource_info, MPI_Remove_error_class / _code /
 * _string (MPI-4.1 order rules), the MPI-1 attribute calls (MPI_Keyval_create,
 * MPI_Attr_put/get/delete, MPI_Keyval_free) with the communicator attribute calls on the
 * same keys, and freed keys still serving the attributes that use them.
 */
#include <stdint.h>

#include "mp_check.h"

static int world_rank;
static int world_size;

/* ---- MPI_Info_create_env ---------------------------------------------------------------- */

static const char *kEnvKeys[] = {"command", "argv", "maxprocs", "soft", "host",
                                 "arch",    "wdir", "file",     "thread_level"};
enum { kEnvKeyCount = 9 };

struct EnvSnapshot {
  int present[kEnvKeyCount];
  char value[kEnvKeyCount][256];
};

static void snapshot_env(int argc, char **argv, struct EnvSnapshot *out) {
  MPI_Info info;
  CHECK_MPI(MPI_Info_create_env(argc, argv, &info));
  for (int i = 0; i < kEnvKeyCount; ++i) {
    int length = (int)sizeof out->value[i];
    CHECK_MPI(MPI_Info_get_string(info, kEnvKeys[i], &length, out->value[i], &out->present[i]));
  }
  CHECK_MPI(MPI_Info_free(&info));
}

static void check_same_env(const struct EnvSnapshot *a, const struct EnvSnapshot *b,
                           const char *when) {
  for (int i = 0; i < kEnvKeyCount; ++i) {
    CHECK_INT(b->present[i], a->present[i], "%s: key %s present", when, kEnvKeys[i]);
    if (a->present[i]) CHECK_STR(b->value[i], a->value[i], "%s: key %s", when, kEnvKeys[i]);
  }
}

/* Calls newer than the MPI library the tests are checked against first (MPICH 4.0) are
 * compiled only where the header declares them. */
#define MP_HAVE_MPI_4_1 (MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1))
#define MP_HAVE_MPI_5_0 (MPI_VERSION >= 5)

/* ---- handle conversions ----------------------------------------------------------------- */
#if MP_HAVE_MPI_5_0

static void unused_op(void *in, void *inout, int *count, MPI_Datatype *type) {
  (void)in;
  (void)inout;
  (void)count;
  (void)type;
}

static void handle_conversions(void) {
  /* Predefined handles convert to the same integer everywhere (their ABI values), so the
   * integers of world must agree between ranks; null handles convert both ways. */
  int world_int = MPI_Comm_toint(MPI_COMM_WORLD);
  int root_int = world_int;
  CHECK_MPI(MPI_Bcast(&root_int, 1, MPI_INT, 0, MPI_COMM_WORLD));
  CHECK_INT(world_int, root_int, "MPI_COMM_WORLD's integer on every rank");
  CHECK(MPI_Comm_fromint(MPI_Comm_toint(MPI_COMM_NULL)) == MPI_COMM_NULL, "comm null");
  CHECK(MPI_Type_fromint(MPI_Type_toint(MPI_INT)) == MPI_INT, "MPI_INT");
  CHECK(MPI_Type_fromint(MPI_Type_toint(MPI_DATATYPE_NULL)) == MPI_DATATYPE_NULL, "type null");
  CHECK(MPI_Type_toint(MPI_INT) != MPI_Type_toint(MPI_DOUBLE), "MPI_INT and MPI_DOUBLE differ");
  CHECK(MPI_Op_fromint(MPI_Op_toint(MPI_SUM)) == MPI_SUM, "MPI_SUM");
  CHECK(MPI_Op_fromint(MPI_Op_toint(MPI_OP_NULL)) == MPI_OP_NULL, "op null");
  CHECK(MPI_Group_fromint(MPI_Group_toint(MPI_GROUP_EMPTY)) == MPI_GROUP_EMPTY, "group empty");
  CHECK(MPI_Group_fromint(MPI_Group_toint(MPI_GROUP_NULL)) == MPI_GROUP_NULL, "group null");
  CHECK(MPI_Errhandler_fromint(MPI_Errhandler_toint(MPI_ERRORS_RETURN)) == MPI_ERRORS_RETURN,
        "MPI_ERRORS_RETURN");
  CHECK(MPI_Errhandler_fromint(MPI_Errhandler_toint(MPI_ERRHANDLER_NULL)) == MPI_ERRHANDLER_NULL,
        "errhandler null");
  CHECK(MPI_Info_fromint(MPI_Info_toint(MPI_INFO_ENV)) == MPI_INFO_ENV, "MPI_INFO_ENV");
  CHECK(MPI_Info_fromint(MPI_Info_toint(MPI_INFO_NULL)) == MPI_INFO_NULL, "info null");
  CHECK(MPI_Request_fromint(MPI_Request_toint(MPI_REQUEST_NULL)) == MPI_REQUEST_NULL, "request null");
  CHECK(MPI_Message_fromint(MPI_Message_toint(MPI_MESSAGE_NULL)) == MPI_MESSAGE_NULL, "message null");
  CHECK(MPI_Message_fromint(MPI_Message_toint(MPI_MESSAGE_NO_PROC)) == MPI_MESSAGE_NO_PROC,
        "message no proc");
  CHECK(MPI_Win_fromint(MPI_Win_toint(MPI_WIN_NULL)) == MPI_WIN_NULL, "win null");
  CHECK(MPI_File_fromint(MPI_File_toint(MPI_FILE_NULL)) == MPI_FILE_NULL, "file null");
  CHECK(MPI_Session_fromint(MPI_Session_toint(MPI_SESSION_NULL)) == MPI_SESSION_NULL,
        "session null");

  /* Handles the program made: each converts to one integer, distinct from the others and
   * from the predefined ones, and back. */
  MPI_Datatype type;
  CHECK_MPI(MPI_Type_contiguous(3, MPI_INT, &type));
  MPI_Op op;
  CHECK_MPI(MPI_Op_create(unused_op, 1, &op));
  MPI_Group group;
  CHECK_MPI(MPI_Comm_group(MPI_COMM_WORLD, &group));
  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  MPI_Request request;
  int token = 0;
  CHECK_MPI(MPI_Irecv(&token, 1, MPI_INT, world_rank, 9, MPI_COMM_WORLD, &request));

  int ints[6] = {MPI_Type_toint(type), MPI_Op_toint(op), MPI_Group_toint(group),
                 MPI_Info_toint(info), MPI_Comm_toint(comm), MPI_Request_toint(request)};
  int predefined[] = {MPI_Type_toint(MPI_INT), MPI_Op_toint(MPI_SUM), MPI_Comm_toint(MPI_COMM_SELF),
                      MPI_Group_toint(MPI_GROUP_EMPTY), MPI_Info_toint(MPI_INFO_NULL)};
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < i; ++j) CHECK(ints[i] != ints[j], "user handles %d and %d share an integer", i, j);
    for (int j = 0; j < 5; ++j) CHECK(ints[i] != predefined[j], "user handle %d takes a predefined integer", i);
  }
  CHECK_INT(MPI_Type_toint(type), ints[0], "the same integer again");
  CHECK(MPI_Type_fromint(ints[0]) == type, "datatype round trip");
  CHECK(MPI_Op_fromint(ints[1]) == op, "op round trip");
  CHECK(MPI_Group_fromint(ints[2]) == group, "group round trip");
  CHECK(MPI_Info_fromint(ints[3]) == info, "info round trip");
  CHECK(MPI_Comm_fromint(ints[4]) == comm, "comm round trip");
  CHECK(MPI_Request_fromint(ints[5]) == request, "request round trip");

  /* The converted handles work. */
  MPI_Datatype back = MPI_Type_fromint(ints[0]);
  CHECK_MPI(MPI_Type_commit(&back));
  int size = 0;
  CHECK_MPI(MPI_Type_size(back, &size));
  CHECK_INT(size, 3 * (int)sizeof(int), "size of a converted datatype");
  token = -1;
  int sent = mp_pattern_int(world_rank, 0, 90);
  CHECK_MPI(MPI_Send(&sent, 1, MPI_INT, world_rank, 9, MPI_COMM_WORLD));
  MPI_Request converted = MPI_Request_fromint(ints[5]);
  CHECK_MPI(MPI_Wait(&converted, MPI_STATUS_IGNORE));
  CHECK_INT(token, sent, "receive completed through a converted request");

  CHECK_MPI(MPI_Type_free(&back));
  CHECK_MPI(MPI_Op_free(&op));
  CHECK_MPI(MPI_Group_free(&group));
  CHECK_MPI(MPI_Info_free(&info));
  CHECK_MPI(MPI_Comm_free(&comm));
}

#endif

/* ---- memory ----------------------------------------------------------------------------- */

static void memory(void) {
  void *plain = NULL;
  CHECK_MPI(MPI_Alloc_mem(1000, MPI_INFO_NULL, &plain));
  CHECK(plain != NULL, "MPI_Alloc_mem returned memory");
  memset(plain, 0x5a, 1000);

  MPI_Info info;
  CHECK_MPI(MPI_Info_create(&info));
  CHECK_MPI(MPI_Info_set(info, "mpi_minimum_memory_alignment", "4096"));
  void *aligned[4];
  for (int i = 0; i < 4; ++i) {
    CHECK_MPI(MPI_Alloc_mem(100 + i * 3000, info, &aligned[i]));
    CHECK_INT((uintptr_t)aligned[i] % 4096, 0, "mpi_minimum_memory_alignment=4096, block %d", i);
    memset(aligned[i], i, (size_t)(100 + i * 3000));
  }
  /* A hint that is not a power of two is ignored; size 0 is allowed. */
  CHECK_MPI(MPI_Info_set(info, "mpi_minimum_memory_alignment", "3000"));
  void *odd = NULL;
  CHECK_MPI(MPI_Alloc_mem(0, info, &odd));
  /* The buffers serve as message buffers. */
  int *ring = NULL;
  CHECK_MPI(MPI_Alloc_mem(4 * sizeof(int), MPI_INFO_NULL, &ring));
  int right = (world_rank + 1) % world_size;
  int left = (world_rank - 1 + world_size) % world_size;
  ring[0] = mp_pattern_int(world_rank, 0, 91);
  CHECK_MPI(MPI_Sendrecv(&ring[0], 1, MPI_INT, right, 4, &ring[1], 1, MPI_INT, left, 4,
                         MPI_COMM_WORLD, MPI_STATUS_IGNORE));
  CHECK_INT(ring[1], mp_pattern_int(left, 0, 91), "ring through MPI_Alloc_mem memory");

  for (int i = 0; i < 4; ++i) CHECK_MPI(MPI_Free_mem(aligned[i]));
  CHECK_MPI(MPI_Free_mem(odd));
  CHECK_MPI(MPI_Free_mem(ring));
  CHECK_MPI(MPI_Free_mem(plain));
  CHECK_MPI(MPI_Info_free(&info));

  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  void *none = NULL;
  CHECK_ERROR_CLASS2(MPI_Alloc_mem(-1, MPI_INFO_NULL, &none), MPI_ERR_ARG, MPI_ERR_SIZE,
                     "MPI_Alloc_mem of a negative size");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
}

/* ---- small calls ------------------------------------------------------------------------ */

static void pcontrol_and_hardware(void) {
  CHECK_MPI(MPI_Pcontrol(0));
  CHECK_MPI(MPI_Pcontrol(1));
  CHECK_MPI(MPI_Pcontrol(2, "extra", 3));
#if MP_HAVE_MPI_4_1
  MPI_Info hw;
  CHECK_MPI(MPI_Get_hw_resource_info(&hw));
  int nkeys = -1;
  CHECK_MPI(MPI_Info_get_nkeys(hw, &nkeys));
  CHECK(nkeys >= 0, "hardware info keys");
  /* Every value is readable. */
  for (int i = 0; i < nkeys; ++i) {
    char key[MPI_MAX_INFO_KEY];
    char value[MPI_MAX_INFO_VAL];
    int length = MPI_MAX_INFO_VAL;
    int flag = 0;
    CHECK_MPI(MPI_Info_get_nthkey(hw, i, key));
    CHECK_MPI(MPI_Info_get_string(hw, key, &length, value, &flag));
    CHECK(flag, "hardware info key %s has a value", key);
  }
  CHECK_MPI(MPI_Info_free(&hw));
#endif
}

/* ---- removing error classes, codes and strings ------------------------------------------ */
#if MP_HAVE_MPI_4_1

static void remove_errors(void) {
  int error_class = -1;
  int code = -1;
  CHECK_MPI(MPI_Add_error_class(&error_class));
  CHECK_MPI(MPI_Add_error_code(error_class, &code));
  CHECK_MPI(MPI_Add_error_string(code, "weft test code"));
  CHECK_MPI(MPI_Add_error_string(error_class, "weft test class"));

  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  /* A class with a code left, a code with a string left, predefined values: refused. */
  CHECK_ERROR_CLASS(MPI_Remove_error_class(error_class), MPI_ERR_ARG, "class with a code");
  CHECK_ERROR_CLASS(MPI_Remove_error_code(code), MPI_ERR_ARG, "code with a string");
  CHECK_ERROR_CLASS(MPI_Remove_error_class(MPI_ERR_RANK), MPI_ERR_ARG, "predefined class");
  CHECK_ERROR_CLASS(MPI_Remove_error_code(MPI_ERR_RANK), MPI_ERR_ARG, "predefined code");
  CHECK_ERROR_CLASS(MPI_Remove_error_string(MPI_ERR_RANK), MPI_ERR_ARG, "predefined string");
  CHECK_ERROR_CLASS(MPI_Remove_error_code(error_class), MPI_ERR_ARG, "a class as a code");

  /* In order: the code's string, the code, the class's string, the class. */
  CHECK_MPI(MPI_Remove_error_string(code));
  CHECK_ERROR_CLASS(MPI_Remove_error_string(code), MPI_ERR_ARG, "string removed twice");
  char text[MPI_MAX_ERROR_STRING];
  int length = -1;
  CHECK_MPI(MPI_Error_string(code, text, &length));
  CHECK_INT(length, 0, "the code's string after removal");
  CHECK_MPI(MPI_Remove_error_code(code));
  int got = -1;
  CHECK_ERROR_CLASS(MPI_Error_class(code, &got), MPI_ERR_ARG, "removed code is no error code");
  CHECK_MPI(MPI_Remove_error_string(error_class));
  CHECK_MPI(MPI_Remove_error_class(error_class));
  CHECK_ERROR_CLASS(MPI_Remove_error_class(error_class), MPI_ERR_ARG, "class removed twice");
  CHECK_ERROR_CLASS(MPI_Add_error_code(error_class, &got), MPI_ERR_ARG, "code of a removed class");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));

  /* Values are not handed out again. */
  int next = -1;
  CHECK_MPI(MPI_Add_error_class(&next));
  CHECK(next != error_class && next != code, "a new class takes a fresh value (%d)", next);
}

#endif

/* ---- MPI-1 attribute calls -------------------------------------------------------------- */

static int copies;
static int deletes;
static int copy_fn(MPI_Comm comm, int keyval, void *extra, void *in, void *out, int *flag) {
  (void)comm;
  (void)keyval;
  CHECK_INT((intptr_t)extra, 77, "extra_state reaches the copy callback");
  ++copies;
  *(void **)out = (void *)((intptr_t)in * 2);
  *flag = 1;
  return MPI_SUCCESS;
}
static int delete_fn(MPI_Comm comm, int keyval, void *value, void *extra) {
  (void)comm;
  (void)keyval;
  (void)value;
  CHECK_INT((intptr_t)extra, 77, "extra_state reaches the delete callback");
  ++deletes;
  return MPI_SUCCESS;
}

static void mpi1_attributes(void) {
  int keyval = MPI_KEYVAL_INVALID;
  CHECK_MPI(MPI_Keyval_create(copy_fn, delete_fn, &keyval, (void *)(intptr_t)77));
  CHECK(keyval != MPI_KEYVAL_INVALID, "MPI_Keyval_create made a key");
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &comm));
  copies = deletes = 0;
  CHECK_MPI(MPI_Attr_put(comm, keyval, (void *)(intptr_t)21));
  void *value = NULL;
  int flag = 0;
  CHECK_MPI(MPI_Attr_get(comm, keyval, &value, &flag));
  CHECK(flag && (intptr_t)value == 21, "MPI_Attr_get after MPI_Attr_put");
  CHECK_MPI(MPI_Comm_get_attr(comm, keyval, &value, &flag));
  CHECK(flag && (intptr_t)value == 21, "MPI_Comm_get_attr sees the MPI-1 attribute");
  /* Replacing a value runs the delete callback on the old one. */
  CHECK_MPI(MPI_Comm_set_attr(comm, keyval, (void *)(intptr_t)22));
  CHECK_INT(deletes, 1, "delete callback when replacing");

  MPI_Comm dup;
  CHECK_MPI(MPI_Comm_dup(comm, &dup));
  CHECK_INT(copies, 1, "copy callback on dup");
  CHECK_MPI(MPI_Attr_get(dup, keyval, &value, &flag));
  CHECK(flag && (intptr_t)value == 44, "copied value (got %ld)", (long)(intptr_t)value);

  /* Predefined attributes through the MPI-1 call. */
  int *tag_ub = NULL;
  CHECK_MPI(MPI_Attr_get(MPI_COMM_WORLD, MPI_TAG_UB, &tag_ub, &flag));
  CHECK(flag && *tag_ub >= 32767, "MPI_TAG_UB through MPI_Attr_get");

  /* Freeing the key leaves the attributes working; their callbacks still run. */
  int saved = keyval;
  CHECK_MPI(MPI_Keyval_free(&keyval));
  CHECK_INT(keyval, MPI_KEYVAL_INVALID, "MPI_Keyval_free resets the key");
  CHECK_MPI(MPI_Attr_get(dup, saved, &value, &flag));
  CHECK(flag && (intptr_t)value == 44, "attribute of a freed key");
  CHECK_MPI(MPI_Attr_delete(comm, saved));
  CHECK_INT(deletes, 2, "delete callback of MPI_Attr_delete");
  CHECK_MPI(MPI_Attr_get(comm, saved, &value, &flag));
  CHECK(!flag, "no attribute after MPI_Attr_delete");
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_INT(deletes, 3, "delete callback when the communicator is freed");
  CHECK_MPI(MPI_Comm_free(&comm));

  /* The predefined MPI-1 callbacks: MPI_DUP_FN copies the value, MPI_NULL_COPY_FN does
   * not copy, MPI_NULL_DELETE_FN does nothing. */
  int dup_key = MPI_KEYVAL_INVALID;
  int null_key = MPI_KEYVAL_INVALID;
  CHECK_MPI(MPI_Keyval_create(MPI_DUP_FN, MPI_NULL_DELETE_FN, &dup_key, NULL));
  CHECK_MPI(MPI_Keyval_create(MPI_NULL_COPY_FN, MPI_NULL_DELETE_FN, &null_key, NULL));
  CHECK_MPI(MPI_Attr_put(MPI_COMM_WORLD, dup_key, (void *)(intptr_t)31));
  CHECK_MPI(MPI_Attr_put(MPI_COMM_WORLD, null_key, (void *)(intptr_t)32));
  CHECK_MPI(MPI_Comm_dup(MPI_COMM_WORLD, &dup));
  CHECK_MPI(MPI_Attr_get(dup, dup_key, &value, &flag));
  CHECK(flag && (intptr_t)value == 31, "MPI_DUP_FN copies the value");
  CHECK_MPI(MPI_Attr_get(dup, null_key, &value, &flag));
  CHECK(!flag, "MPI_NULL_COPY_FN does not copy");
  CHECK_MPI(MPI_Comm_free(&dup));
  CHECK_MPI(MPI_Attr_delete(MPI_COMM_WORLD, dup_key));
  CHECK_MPI(MPI_Attr_delete(MPI_COMM_WORLD, null_key));
  CHECK_MPI(MPI_Keyval_free(&dup_key));
  CHECK_MPI(MPI_Keyval_free(&null_key));

  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN));
  CHECK_ERROR_CLASS(MPI_Attr_put(MPI_COMM_WORLD, MPI_KEYVAL_INVALID, NULL), MPI_ERR_KEYVAL,
                    "MPI_Attr_put with MPI_KEYVAL_INVALID");
  CHECK_ERROR_CLASS(MPI_Attr_put(MPI_COMM_WORLD, MPI_TAG_UB, NULL), MPI_ERR_KEYVAL,
                    "MPI_Attr_put on a predefined key");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv) {
  struct EnvSnapshot before;
  struct EnvSnapshot during;
  struct EnvSnapshot after;
  /* Which keys are there is the implementation's choice; that they do not change is not. */
  snapshot_env(argc, argv, &before);

  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  snapshot_env(argc, argv, &during);
  check_same_env(&before, &during, "during");
  if (during.present[2]) CHECK_INT(atoi(during.value[2]), world_size, "maxprocs is the job's size");

#if MP_HAVE_MPI_5_0
  handle_conversions();
#endif
  memory();
  pcontrol_and_hardware();
#if MP_HAVE_MPI_4_1
  remove_errors();
#endif
  mpi1_attributes();
  mp_report_ok("env_misc");
  CHECK_MPI(MPI_Finalize());

  snapshot_env(argc, argv, &after);
  check_same_env(&before, &after, "after MPI_Finalize");
  return 0;
}
