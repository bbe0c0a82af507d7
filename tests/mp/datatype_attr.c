/*
 * Attributes cached on datatypes: MPI_Type_create_keyval / free_keyval / set_attr / get_attr /
 * delete_attr, the copy callbacks MPI_Type_dup runs (user callback, MPI_TYPE_DUP_FN,
 * MPI_TYPE_NULL_COPY_FN, a callback declining the copy) and the delete callbacks run on
 * replace, delete and MPI_Type_free. Every callback records what it saw; the test compares
 * the record with what must have happened. Values differ per rank (attributes are local).
 */
#include "mp_check.h"

#include <stdint.h>
#include <string.h>

static int world_rank;

enum { kMaxEvents = 64 };

typedef struct {
  char kind; /* 'c' copy, 'd' delete */
  MPI_Datatype type;
  int keyval;
  intptr_t value;
  void *extra;
} Event;

static Event events[kMaxEvents];
static int event_count;
static int copy_calls_until_failure = -1; /* a negative value: never fail */
static int fail_deletes;

static void record(char kind, MPI_Datatype type, int keyval, void *value, void *extra) {
  CHECK(event_count < kMaxEvents, "too many callback events");
  events[event_count++] = (Event){kind, type, keyval, (intptr_t)value, extra};
}

/* Copies the value plus 1000; declines odd values. */
static int copy_fn(MPI_Datatype oldtype, int keyval, void *extra, void *in, void *out,
                   int *flag) {
  record('c', oldtype, keyval, in, extra);
  if (copy_calls_until_failure == 0) return MPI_ERR_OTHER;
  if (copy_calls_until_failure > 0) --copy_calls_until_failure;
  intptr_t value = (intptr_t)in;
  if (value % 2 != 0) {
    *flag = 0;
    return MPI_SUCCESS;
  }
  *(void **)out = (void *)(value + 1000);
  *flag = 1;
  return MPI_SUCCESS;
}

static int delete_fn(MPI_Datatype type, int keyval, void *value, void *extra) {
  record('d', type, keyval, value, extra);
  return fail_deletes ? MPI_ERR_OTHER : MPI_SUCCESS;
}

static intptr_t value_of(int salt) { return (intptr_t)(2 * (world_rank * 100 + salt)); }

static void expect_events(int expected, const char *what) {
  CHECK_INT(event_count, expected, "%s: callback events", what);
}

static void expect_event(int index, char kind, MPI_Datatype type, int keyval, intptr_t value,
                         const char *what) {
  CHECK(index < event_count, "%s: event %d missing", what, index);
  CHECK_INT(events[index].kind, kind, "%s: event %d kind", what, index);
  CHECK(events[index].type == type, "%s: event %d datatype", what, index);
  CHECK_INT(events[index].keyval, keyval, "%s: event %d keyval", what, index);
  CHECK_INT(events[index].value, value, "%s: event %d value", what, index);
}

static void expect_attr(MPI_Datatype type, int keyval, int present, intptr_t value,
                        const char *what) {
  void *got = NULL;
  int flag = -1;
  CHECK_MPI(MPI_Type_get_attr(type, keyval, &got, &flag));
  CHECK_INT(flag, present, "%s: flag", what);
  if (present) CHECK_INT((intptr_t)got, value, "%s: value", what);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int extra = 42;

  int user_key, dup_key, null_key;
  CHECK_MPI(MPI_Type_create_keyval(copy_fn, delete_fn, &user_key, &extra));
  CHECK_MPI(MPI_Type_create_keyval(MPI_TYPE_DUP_FN, delete_fn, &dup_key, &extra));
  CHECK_MPI(MPI_Type_create_keyval(MPI_TYPE_NULL_COPY_FN, MPI_TYPE_NULL_DELETE_FN, &null_key,
                                   NULL));
  CHECK(user_key != dup_key && dup_key != null_key, "distinct keys");

  MPI_Datatype type;
  CHECK_MPI(MPI_Type_vector(3, 2, 4, MPI_INT, &type));
  expect_attr(type, user_key, 0, 0, "no attribute yet");

  /* set, get, replace (the old value's delete callback runs) */
  CHECK_MPI(MPI_Type_set_attr(type, user_key, (void *)value_of(1)));
  CHECK_MPI(MPI_Type_set_attr(type, dup_key, (void *)value_of(2)));
  CHECK_MPI(MPI_Type_set_attr(type, null_key, (void *)value_of(3)));
  expect_attr(type, user_key, 1, value_of(1), "user key");
  expect_attr(type, dup_key, 1, value_of(2), "dup key");
  expect_attr(type, null_key, 1, value_of(3), "null key");
  expect_events(0, "setting new attributes");
  CHECK_MPI(MPI_Type_set_attr(type, user_key, (void *)value_of(4)));
  expect_events(1, "replacing an attribute");
  expect_event(0, 'd', type, user_key, value_of(1), "replace");
  CHECK(events[0].extra == &extra, "the delete callback gets extra_state");
  expect_attr(type, user_key, 1, value_of(4), "replaced value");
  event_count = 0;

  /* dup: the user callback copies (value + 1000), DUP_FN copies as is, NULL_COPY_FN not */
  MPI_Datatype copy;
  CHECK_MPI(MPI_Type_dup(type, &copy));
  expect_events(1, "MPI_Type_dup");
  expect_event(0, 'c', type, user_key, value_of(4), "dup");
  CHECK(events[0].extra == &extra, "the copy callback gets extra_state");
  expect_attr(copy, user_key, 1, value_of(4) + 1000, "copied by the callback");
  expect_attr(copy, dup_key, 1, value_of(2), "copied by MPI_TYPE_DUP_FN");
  expect_attr(copy, null_key, 0, 0, "not copied by MPI_TYPE_NULL_COPY_FN");
  expect_attr(type, user_key, 1, value_of(4), "original keeps its value");
  event_count = 0;

  /* a callback may decline the copy */
  CHECK_MPI(MPI_Type_set_attr(type, user_key, (void *)(value_of(5) + 1)));
  event_count = 0;
  MPI_Datatype declined;
  CHECK_MPI(MPI_Type_dup(type, &declined));
  expect_attr(declined, user_key, 0, 0, "declined copy");
  expect_attr(declined, dup_key, 1, value_of(2), "DUP_FN copy next to a declined one");
  MPI_Datatype declined_handle = declined;
  CHECK_MPI(MPI_Type_free(&declined));
  expect_events(2, "dup + free of the declined copy");
  expect_event(1, 'd', declined_handle, dup_key, value_of(2), "free of the declined copy");
  event_count = 0;

  /* a failing copy callback makes MPI_Type_dup fail */
  copy_calls_until_failure = 0;
  MPI_Datatype failed = MPI_INT;
  int rc = MPI_Type_dup(type, &failed);
  CHECK(rc != MPI_SUCCESS, "MPI_Type_dup with a failing copy callback");
  CHECK(failed == MPI_DATATYPE_NULL, "newtype after a failed MPI_Type_dup");
  copy_calls_until_failure = -1;
  event_count = 0;

  /* delete: the callback runs, the attribute is gone; deleting again is harmless */
  CHECK_MPI(MPI_Type_delete_attr(copy, user_key));
  expect_events(1, "MPI_Type_delete_attr");
  expect_event(0, 'd', copy, user_key, value_of(4) + 1000, "delete");
  expect_attr(copy, user_key, 0, 0, "deleted attribute");
  event_count = 0;

  /* a failing delete callback makes the call fail and keeps the attribute */
  fail_deletes = 1;
  rc = MPI_Type_delete_attr(copy, dup_key);
  CHECK(rc != MPI_SUCCESS, "MPI_Type_delete_attr with a failing delete callback");
  fail_deletes = 0;
  expect_attr(copy, dup_key, 1, value_of(2), "attribute kept after a failed delete");
  event_count = 0;

  /* free runs the delete callback of every attribute (NULL_DELETE_FN runs nothing) */
  MPI_Datatype freed = copy;
  CHECK_MPI(MPI_Type_free(&copy));
  expect_events(1, "MPI_Type_free of the copy");
  expect_event(0, 'd', freed, dup_key, value_of(2), "free");
  event_count = 0;

  /* a freed key stays usable by the attributes that hold it, their callbacks included */
  int old_key = user_key;
  CHECK_MPI(MPI_Type_free_keyval(&user_key));
  CHECK_INT(user_key, MPI_KEYVAL_INVALID, "MPI_Type_free_keyval resets the key");
  void *value;
  int flag;
  /* Using a freed key is erroneous; MPICH does not detect it while attributes hold the key. */
  if (!MP_MPICH_DEVIATION) {
    rc = MPI_Type_get_attr(MPI_INT, old_key, &value, &flag);
    CHECK_ERROR_CLASS(rc, MPI_ERR_KEYVAL, "a freed key in MPI_Type_get_attr");
  }
  freed = type;
  CHECK_MPI(MPI_Type_free(&type));
  expect_events(2, "MPI_Type_free with a freed key");
  int saw_user = 0, saw_dup = 0;
  for (int i = 0; i < 2; ++i) {
    CHECK(events[i].kind == 'd' && events[i].type == freed, "free events are deletes");
    if (events[i].keyval == old_key) saw_user = events[i].value == value_of(5) + 1;
    if (events[i].keyval == dup_key) saw_dup = events[i].value == value_of(2);
  }
  CHECK(saw_user && saw_dup, "both attributes deleted on free");
  event_count = 0;

  /* predefined types cache attributes too */
  CHECK_MPI(MPI_Type_set_attr(MPI_DOUBLE, dup_key, (void *)value_of(6)));
  expect_attr(MPI_DOUBLE, dup_key, 1, value_of(6), "attribute on MPI_DOUBLE");
  expect_attr(MPI_FLOAT, dup_key, 0, 0, "no attribute on MPI_FLOAT");
  CHECK_MPI(MPI_Type_delete_attr(MPI_DOUBLE, dup_key));
  expect_events(1, "delete on MPI_DOUBLE");
  event_count = 0;

  /* types handed out by MPI_Type_get_contents do not carry the original's attributes */
  {
    MPI_Datatype inner, outer;
    CHECK_MPI(MPI_Type_contiguous(2, MPI_INT, &inner));
    CHECK_MPI(MPI_Type_set_attr(inner, dup_key, (void *)value_of(7)));
    CHECK_MPI(MPI_Type_contiguous(3, inner, &outer));
    int ints[1];
    MPI_Datatype types[1];
    CHECK_MPI(MPI_Type_get_contents(outer, 1, 0, 1, ints, NULL, types));
    CHECK_MPI(MPI_Type_free(&types[0]));
    expect_events(0, "freeing a type from MPI_Type_get_contents");
    expect_attr(inner, dup_key, 1, value_of(7), "the original keeps its attribute");
    CHECK_MPI(MPI_Type_free(&outer));
    CHECK_MPI(MPI_Type_free(&inner));
    expect_events(1, "freeing the original");
    event_count = 0;
  }

  /* bad datatypes */
  CHECK_ERROR_CLASS(MPI_Type_set_attr(MPI_DATATYPE_NULL, dup_key, NULL), MPI_ERR_TYPE,
                    "MPI_Type_set_attr on MPI_DATATYPE_NULL");
  CHECK_ERROR_CLASS(MPI_Type_get_attr(MPI_DATATYPE_NULL, dup_key, &value, &flag), MPI_ERR_TYPE,
                    "MPI_Type_get_attr on MPI_DATATYPE_NULL");
  CHECK_ERROR_CLASS(MPI_Type_delete_attr(MPI_DATATYPE_NULL, dup_key), MPI_ERR_TYPE,
                    "MPI_Type_delete_attr on MPI_DATATYPE_NULL");

  /* bad keys */
  rc = MPI_Type_set_attr(MPI_INT, MPI_KEYVAL_INVALID, NULL);
  CHECK_ERROR_CLASS(rc, MPI_ERR_KEYVAL, "MPI_KEYVAL_INVALID in MPI_Type_set_attr");
  int comm_key;
  CHECK_MPI(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, MPI_COMM_NULL_DELETE_FN, &comm_key,
                                   NULL));
  rc = MPI_Type_get_attr(MPI_INT, comm_key, &value, &flag);
  CHECK_ERROR_CLASS(rc, MPI_ERR_KEYVAL, "a communicator key in MPI_Type_get_attr");
  CHECK_MPI(MPI_Comm_free_keyval(&comm_key));

  CHECK_MPI(MPI_Type_free_keyval(&dup_key));
  CHECK_MPI(MPI_Type_free_keyval(&null_key));
  mp_report_ok("datatype_attr");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
