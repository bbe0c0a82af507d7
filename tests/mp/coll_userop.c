/*
 * User-defined reduction ops (MPI_Op_create): a non-commutative op (2x2 matrix products,
 * which must be combined strictly in rank order) through every reduction collective; a
 * commutative user op on long vectors; user ops on non-contiguous datatypes (a struct with
 * padding); MPI_Op_commutative, MPI_Op_free while a reduction is in flight,
 * MPI_Reduce_local; and the error classes of invalid reduction calls (MPI_ERR_OP for an op
 * the datatype does not allow, MPI_ERR_ROOT, MPI_ERR_COUNT, MPI_ERR_TYPE, MPI_ERR_COMM),
 * after which the communicator still works.
 */
#include <stddef.h>

#include "coll_common.h"

enum { kModulus = 1000003 };

typedef struct { int m[4]; } Matrix; /* row-major 2x2, entries mod kModulus */

static Matrix multiply(Matrix a, Matrix b) {
  Matrix c;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      long long sum = 0;
      for (int k = 0; k < 2; ++k) sum += (long long)a.m[2 * i + k] * b.m[2 * k + j];
      c.m[2 * i + j] = (int)(sum % kModulus);
    }
  }
  return c;
}

/* inout = in * inout: the lower ranks' product on the left. */
static void matrix_product(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  Matrix *a = (Matrix *)in;
  Matrix *b = (Matrix *)inout;
  for (int i = 0; i < *len; ++i) b[i] = multiply(a[i], b[i]);
}

static Matrix matrix_of(int rank, long index, int salt) {
  Matrix x;
  for (int k = 0; k < 4; ++k) x.m[k] = mp_pattern_int(rank, index * 4 + k, salt) % kModulus;
  return x;
}

/* The product over ranks [first, last] of element i. */
static Matrix product_range(int first, int last, long index, int salt) {
  Matrix acc = matrix_of(first, index, salt);
  for (int r = first + 1; r <= last; ++r) acc = multiply(acc, matrix_of(r, index, salt));
  return acc;
}

static void expect_matrix(const Matrix *got, long index, Matrix want, const char *what,
                          const CollComm *c, int count) {
  for (int k = 0; k < 4; ++k) {
    if (got[index].m[k] != want.m[k]) {
      mp_fail(__FILE__, __LINE__, "wrong product", "%s on %s (%d ranks), count %d: matrix %ld entry %d is %d, expected %d",
              what, c->name, c->size, count, index, k, got[index].m[k], want.m[k]);
    }
  }
}

static Matrix *matrices(int rank, int count, int salt) {
  Matrix *v = (Matrix *)mp_malloc(sizeof(Matrix) * (size_t)(count > 0 ? count : 1));
  for (int i = 0; i < count; ++i) v[i] = matrix_of(rank, i, salt);
  return v;
}

static void check_noncommutative(const CollComm *c, MPI_Op op, MPI_Datatype type, int count) {
  const int salt = count;
  Matrix *mine = matrices(c->rank, count, salt);
  Matrix *result = matrices(c->rank, count, salt);
  const size_t bytes = sizeof(Matrix) * (size_t)(count > 0 ? count : 1);

  CHECK_MPI(MPI_Allreduce(mine, result, count, type, op, c->comm));
  for (int i = 0; i < count; ++i) expect_matrix(result, i, product_range(0, c->size - 1, i, salt), "MPI_Allreduce", c, count);

  memcpy(result, mine, bytes);
  MPI_Request request;
  CHECK_MPI(MPI_Iallreduce(MPI_IN_PLACE, result, count, type, op, c->comm, &request));
  coll_wait(&request, 1);
  for (int i = 0; i < count; ++i) expect_matrix(result, i, product_range(0, c->size - 1, i, salt), "MPI_Iallreduce in place", c, count);

  int roots[3];
  const int nroots = coll_roots(c->size, roots);
  for (int ri = 0; ri < nroots; ++ri) {
    const int root = roots[ri];
    const int place = ri == 1 && !MP_MPICH_DEVIATION; /* pmodels/mpich#6540 */
    memcpy(result, mine, bytes);
    const void *sendbuf = c->rank == root && place ? MPI_IN_PLACE : mine;
    CHECK_MPI(MPI_Reduce(sendbuf, result, count, type, op, root, c->comm));
    if (c->rank == root) {
      for (int i = 0; i < count; ++i) expect_matrix(result, i, product_range(0, c->size - 1, i, salt), "MPI_Reduce", c, count);
    }
  }

  CHECK_MPI(MPI_Scan(mine, result, count, type, op, c->comm));
  for (int i = 0; i < count; ++i) expect_matrix(result, i, product_range(0, c->rank, i, salt), "MPI_Scan", c, count);
  CHECK_MPI(MPI_Exscan(mine, result, count, type, op, c->comm));
  if (c->rank > 0) {
    for (int i = 0; i < count; ++i) expect_matrix(result, i, product_range(0, c->rank - 1, i, salt), "MPI_Exscan", c, count);
  }

  /* Reduce_scatter_block: rank r gets elements [r*count, (r+1)*count) of the product. */
  Matrix *all = matrices(c->rank, count * c->size, salt);
  CHECK_MPI(MPI_Reduce_scatter_block(all, result, count, type, op, c->comm));
  for (int i = 0; i < count; ++i) {
    expect_matrix(result, i, product_range(0, c->size - 1, (long)c->rank * count + i, salt), "MPI_Reduce_scatter_block", c, count);
  }
  int *counts = coll_ints(c->size, 0);
  int before = 0;
  int mine_count = 0;
  for (int r = 0; r < c->size; ++r) {
    counts[r] = r % 3 == 1 ? 0 : r % 3 == 2 ? count / 2 : count;
    if (r < c->rank) before += counts[r];
    if (r == c->rank) mine_count = counts[r];
  }
  CHECK_MPI(MPI_Reduce_scatter(all, result, counts, type, op, c->comm));
  for (int i = 0; i < mine_count; ++i) {
    expect_matrix(result, i, product_range(0, c->size - 1, before + i, salt), "MPI_Reduce_scatter", c, count);
  }
  free(counts);
  free(all);
  free(mine);
  free(result);
}

/* A commutative user op: wrapping int sum. */
static void int_sum(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  const int *a = (const int *)in;
  int *b = (int *)inout;
  for (int i = 0; i < *len; ++i) b[i] = (int)((unsigned)a[i] + (unsigned)b[i]);
}

static void check_commutative(const CollComm *c, MPI_Op op, int count) {
  int *mine = coll_ints(count, 0);
  int *result = coll_ints(count, 0);
  for (int i = 0; i < count; ++i) mine[i] = mp_pattern_int(c->rank, i, 77) % 100000;
  CHECK_MPI(MPI_Allreduce(mine, result, count, MPI_INT, op, c->comm));
  for (int i = 0; i < count; ++i) {
    int expected = 0;
    for (int r = 0; r < c->size; ++r) expected += mp_pattern_int(r, i, 77) % 100000;
    CHECK_INT(result[i], expected, "%s commutative user op MPI_Allreduce count %d element %d", c->name, count, i);
  }
  free(mine);
  free(result);
}

/* A struct with padding (non-contiguous): the user function sees the struct layout. */
typedef struct { int count; double weight; } Tally;

static void tally_sum(void *in, void *inout, int *len, MPI_Datatype *type) {
  (void)type;
  const Tally *a = (const Tally *)in;
  Tally *b = (Tally *)inout;
  for (int i = 0; i < *len; ++i) {
    b[i].count += a[i].count;
    b[i].weight += a[i].weight;
  }
}

static MPI_Datatype tally_type(void) {
  int lengths[2] = {1, 1};
  MPI_Aint displs[2] = {offsetof(Tally, count), offsetof(Tally, weight)};
  MPI_Datatype types[2] = {MPI_INT, MPI_DOUBLE};
  MPI_Datatype type;
  CHECK_MPI(MPI_Type_create_struct(2, lengths, displs, types, &type));
  CHECK_MPI(MPI_Type_commit(&type));
  return type;
}

static void check_struct(const CollComm *c, MPI_Op op, MPI_Datatype type, int count) {
  Tally *mine = (Tally *)mp_malloc(sizeof(Tally) * (size_t)(count > 0 ? count : 1));
  Tally *result = (Tally *)mp_malloc(sizeof(Tally) * (size_t)(count > 0 ? count : 1));
  for (int i = 0; i < count; ++i) {
    mine[i].count = c->rank + i;
    mine[i].weight = 0.5 * (c->rank + 1) + i;
  }
  CHECK_MPI(MPI_Allreduce(mine, result, count, type, op, c->comm));
  for (int i = 0; i < count; ++i) {
    const int p = c->size;
    CHECK_INT(result[i].count, p * (p - 1) / 2 + p * i, "%s struct user op count field, element %d", c->name, i);
    CHECK_DOUBLE(result[i].weight, 0.25 * p * (p + 1) + (double)p * i, "%s struct user op weight field, element %d", c->name, i);
  }
  free(mine);
  free(result);
}

static void check_reduce_local(MPI_Op product) {
  int in[5] = {1, 2, 3, 4, 5};
  int inout[5] = {10, 20, 30, 40, 50};
  CHECK_MPI(MPI_Reduce_local(in, inout, 5, MPI_INT, MPI_SUM));
  for (int i = 0; i < 5; ++i) CHECK_INT(inout[i], 11 * (i + 1), "MPI_Reduce_local MPI_SUM element %d", i);
  struct { double value; int index; } a[3] = {{1.0, 4}, {2.0, 1}, {3.0, 9}}, b[3] = {{1.0, 2}, {5.0, 0}, {3.0, 3}};
  CHECK_MPI(MPI_Reduce_local(a, b, 3, MPI_DOUBLE_INT, MPI_MAXLOC));
  CHECK_DOUBLE(b[0].value, 1.0, "MAXLOC tie value");
  CHECK_INT(b[0].index, 2, "MAXLOC tie keeps the smaller index");
  CHECK_DOUBLE(b[1].value, 5.0, "MAXLOC larger value");
  CHECK_INT(b[1].index, 0, "MAXLOC index of the larger value");
  CHECK_INT(b[2].index, 3, "MAXLOC tie keeps the smaller index");
  Matrix x = matrix_of(1, 0, 5), y = matrix_of(2, 0, 5);
  const Matrix expected = multiply(x, y);
  MPI_Datatype type;
  CHECK_MPI(MPI_Type_contiguous(4, MPI_INT, &type));
  CHECK_MPI(MPI_Type_commit(&type));
  CHECK_MPI(MPI_Reduce_local(&x, &y, 1, type, product));
  for (int k = 0; k < 4; ++k) CHECK_INT(y.m[k], expected.m[k], "MPI_Reduce_local user op: inoutbuf = inbuf op inoutbuf, entry %d", k);
  MPI_Type_free(&type);
}

static void check_errors(const CollComm *c) {
  MPI_Comm comm;
  CHECK_MPI(MPI_Comm_dup(c->comm, &comm));
  CHECK_MPI(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN));
  int value = c->rank;
  int result = 0;
  double real = 1.0;
  int rc = MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_MAXLOC, comm);
  CHECK_ERROR_CLASS(rc, MPI_ERR_OP, "MPI_MAXLOC on MPI_INT");
  if (!MP_MPICH_DEVIATION) {
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    CHECK_MPI(MPI_Error_string(rc, text, &length));
    CHECK(strstr(text, "MPI_Allreduce") != NULL && strstr(text, "MPI_MAXLOC") != NULL &&
              strstr(text, "MPI_INT") != NULL,
          "the message names call, op and datatype: \"%s\"", text);
  }
  CHECK_ERROR_CLASS(MPI_Allreduce(&real, &result, 1, MPI_DOUBLE, MPI_BAND, comm), MPI_ERR_OP, "MPI_BAND on MPI_DOUBLE");
  CHECK_ERROR_CLASS(MPI_Reduce(&value, &result, 1, MPI_INT, MPI_OP_NULL, 0, comm), MPI_ERR_OP, "MPI_OP_NULL");
  CHECK_ERROR_CLASS(MPI_Reduce(&value, &result, 1, MPI_INT, MPI_SUM, c->size, comm), MPI_ERR_ROOT, "root = size");
  CHECK_ERROR_CLASS(MPI_Bcast(&value, 1, MPI_INT, -1, comm), MPI_ERR_ROOT, "root = -1");
  CHECK_ERROR_CLASS(MPI_Bcast(&value, -1, MPI_INT, 0, comm), MPI_ERR_COUNT, "count = -1");
  /* MPICH checks the op against the datatype first and reports MPI_ERR_OP. */
  CHECK_ERROR_CLASS2(MPI_Allreduce(&value, &result, 1, MPI_DATATYPE_NULL, MPI_SUM, comm), MPI_ERR_TYPE,
                     MP_MPICH_DEVIATION ? MPI_ERR_OP : MPI_ERR_TYPE, "MPI_DATATYPE_NULL");
  /* Errors outside a communicator go to MPI_COMM_WORLD's handler. */
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
  MPI_Op sum = MPI_SUM;
  CHECK_ERROR_CLASS2(MPI_Op_free(&sum), MPI_ERR_OP, MPI_ERR_ARG, "freeing MPI_SUM");
  CHECK_MPI(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
  /* The communicator still works after the failed calls. */
  CHECK_MPI(MPI_Allreduce(&value, &result, 1, MPI_INT, MPI_SUM, comm));
  CHECK_INT(result, c->size * (c->size - 1) / 2, "%s allreduce after errors", c->name);
  CHECK_MPI(MPI_Comm_free(&comm));
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  MPI_Op product;
  MPI_Op sum;
  MPI_Op tally;
  CHECK_MPI(MPI_Op_create(matrix_product, 0, &product));
  CHECK_MPI(MPI_Op_create(int_sum, 1, &sum));
  CHECK_MPI(MPI_Op_create(tally_sum, 1, &tally));
  int commute = -1;
  CHECK_MPI(MPI_Op_commutative(product, &commute));
  CHECK_INT(commute, 0, "MPI_Op_commutative of a non-commutative op");
  CHECK_MPI(MPI_Op_commutative(sum, &commute));
  CHECK_INT(commute, 1, "MPI_Op_commutative of a commutative op");
  CHECK_MPI(MPI_Op_commutative(MPI_SUM, &commute));
  CHECK_INT(commute, 1, "MPI_Op_commutative(MPI_SUM)");
  MPI_Datatype matrix;
  CHECK_MPI(MPI_Type_contiguous(4, MPI_INT, &matrix));
  CHECK_MPI(MPI_Type_commit(&matrix));
  MPI_Datatype tally_t = tally_type();

  CollComm comms[2];
  const int n = coll_comms(comms);
  for (int k = 0; k < n; ++k) {
    const CollComm *c = &comms[k];
    static const int kCounts[] = {0, 1, 7, 3000};
    for (int i = 0; i < 4; ++i) check_noncommutative(c, product, matrix, kCounts[i]);
    check_commutative(c, sum, 1);
    check_commutative(c, sum, 40000);
    check_struct(c, tally, tally_t, 5);
    check_struct(c, tally, tally_t, 2000);
    check_errors(c);
  }
  check_reduce_local(product);

  /* An op freed while a reduction using it is in flight stays valid until it completes. */
  MPI_Op late;
  CHECK_MPI(MPI_Op_create(matrix_product, 0, &late));
  Matrix mine = matrix_of(comms[0].rank, 0, 99);
  Matrix result;
  MPI_Request request;
  CHECK_MPI(MPI_Iallreduce(&mine, &result, 1, matrix, late, MPI_COMM_WORLD, &request));
  CHECK_MPI(MPI_Op_free(&late));
  CHECK(late == MPI_OP_NULL, "MPI_Op_free sets the handle to MPI_OP_NULL");
  coll_wait(&request, 0);
  expect_matrix(&result, 0, product_range(0, comms[0].size - 1, 0, 99), "MPI_Iallreduce after MPI_Op_free", &comms[0], 1);

  coll_free_comms(comms);
  MPI_Type_free(&matrix);
  MPI_Type_free(&tally_t);
  CHECK_MPI(MPI_Op_free(&product));
  CHECK_MPI(MPI_Op_free(&sum));
  CHECK_MPI(MPI_Op_free(&tally));
  mp_report_ok("coll_userop");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
