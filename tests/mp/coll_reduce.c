/*
 * MPI_Reduce, MPI_Allreduce and their nonblocking forms over the predefined ops and types:
 * sums, products, min/max, logical and bitwise ops, MAXLOC/MINLOC (ties included) on the
 * pair types with and without padding, complex numbers, MPI_CHAR, MPI_C_BOOL, a strided
 * derived datatype; counts 0, 1, odd and above the eager limit, long vectors that reach the
 * bandwidth algorithms, MPI_IN_PLACE, every root, on the world and on a split communicator.
 * The reference is computed here, element by element, in rank order.
 */
#include <complex.h>
#include <stdint.h>
#include <string.h>

#include "coll_common.h"

typedef struct { int value; int index; } IntInt;
typedef struct { double value; int index; } DoubleInt;
typedef struct { short value; int index; } ShortInt;

typedef enum {
  kIntSum, kDoubleSum, kIntMax, kDoubleMin, kLongLongProd, kUcharSum, kCharSum, kIntLand,
  kIntLor, kIntLxor, kUnsignedBand, kUnsignedBor, kByteBxor, kIntIntMaxloc, kDoubleIntMinloc,
  kShortIntMaxloc, kFloatSum, kComplexProd, kFloatComplexSum, kBoolLor, kLongDoubleSum,
  kInt8Min, kCaseCount
} CaseId;

typedef struct {
  const char *name;
  MPI_Datatype type;
  MPI_Op op;
  size_t size;
} Case;

static Case case_of(CaseId id) {
  switch (id) {
    case kIntSum: return (Case){"MPI_INT/MPI_SUM", MPI_INT, MPI_SUM, sizeof(int)};
    case kDoubleSum: return (Case){"MPI_DOUBLE/MPI_SUM", MPI_DOUBLE, MPI_SUM, sizeof(double)};
    case kIntMax: return (Case){"MPI_INT/MPI_MAX", MPI_INT, MPI_MAX, sizeof(int)};
    case kDoubleMin: return (Case){"MPI_DOUBLE/MPI_MIN", MPI_DOUBLE, MPI_MIN, sizeof(double)};
    case kLongLongProd: return (Case){"MPI_LONG_LONG/MPI_PROD", MPI_LONG_LONG, MPI_PROD, sizeof(long long)};
    case kUcharSum: return (Case){"MPI_UNSIGNED_CHAR/MPI_SUM", MPI_UNSIGNED_CHAR, MPI_SUM, 1};
    case kCharSum: return (Case){"MPI_CHAR/MPI_SUM", MPI_CHAR, MPI_SUM, 1};
    case kIntLand: return (Case){"MPI_INT/MPI_LAND", MPI_INT, MPI_LAND, sizeof(int)};
    case kIntLor: return (Case){"MPI_INT/MPI_LOR", MPI_INT, MPI_LOR, sizeof(int)};
    case kIntLxor: return (Case){"MPI_INT/MPI_LXOR", MPI_INT, MPI_LXOR, sizeof(int)};
    case kUnsignedBand: return (Case){"MPI_UNSIGNED/MPI_BAND", MPI_UNSIGNED, MPI_BAND, sizeof(unsigned)};
    case kUnsignedBor: return (Case){"MPI_UNSIGNED/MPI_BOR", MPI_UNSIGNED, MPI_BOR, sizeof(unsigned)};
    case kByteBxor: return (Case){"MPI_BYTE/MPI_BXOR", MPI_BYTE, MPI_BXOR, 1};
    case kIntIntMaxloc: return (Case){"MPI_2INT/MPI_MAXLOC", MPI_2INT, MPI_MAXLOC, sizeof(IntInt)};
    case kDoubleIntMinloc: return (Case){"MPI_DOUBLE_INT/MPI_MINLOC", MPI_DOUBLE_INT, MPI_MINLOC, sizeof(DoubleInt)};
    case kShortIntMaxloc: return (Case){"MPI_SHORT_INT/MPI_MAXLOC", MPI_SHORT_INT, MPI_MAXLOC, sizeof(ShortInt)};
    case kFloatSum: return (Case){"MPI_FLOAT/MPI_SUM", MPI_FLOAT, MPI_SUM, sizeof(float)};
    case kComplexProd: return (Case){"MPI_C_DOUBLE_COMPLEX/MPI_PROD", MPI_C_DOUBLE_COMPLEX, MPI_PROD, sizeof(double _Complex)};
    case kFloatComplexSum: return (Case){"MPI_C_FLOAT_COMPLEX/MPI_SUM", MPI_C_FLOAT_COMPLEX, MPI_SUM, sizeof(float _Complex)};
    case kBoolLor: return (Case){"MPI_C_BOOL/MPI_LOR", MPI_C_BOOL, MPI_LOR, sizeof(_Bool)};
    case kLongDoubleSum: return (Case){"MPI_LONG_DOUBLE/MPI_SUM", MPI_LONG_DOUBLE, MPI_SUM, sizeof(long double)};
    case kInt8Min: return (Case){"MPI_INT8_T/MPI_MIN", MPI_INT8_T, MPI_MIN, 1};
    default: break;
  }
  return (Case){"?", MPI_DATATYPE_NULL, MPI_OP_NULL, 0};
}

/* Element `index` of rank `rank`'s input. Values keep every result exact. */
static void fill(CaseId id, void *element, int rank, long index, int salt) {
  const int pattern = mp_pattern_int(rank, index, salt);
  static const double _Complex units[5] = {1.0, 1.0 * I, -1.0, -1.0 * I, 1.0 + 1.0 * I};
  switch (id) {
    case kIntSum: *(int *)element = pattern % 100000 - 50000; break;
    case kDoubleSum: *(double *)element = (double)(pattern % 1000) - 300.0; break;
    case kIntMax: *(int *)element = pattern - 500000000; break;
    case kDoubleMin: *(double *)element = (double)(pattern % 5000) * 0.5; break;
    case kLongLongProd: *(long long *)element = (long long[]){1, 2, -1, 3, -2}[pattern % 5]; break;
    case kUcharSum: *(unsigned char *)element = (unsigned char)(pattern % 251); break;
    case kCharSum: *(char *)element = (char)(pattern % 6); break;
    case kIntLand: *(int *)element = pattern % 5 == 0 ? 0 : pattern % 9 + 1; break;
    case kIntLor: *(int *)element = pattern % 4 == 0 ? pattern % 3 : 0; break;
    case kIntLxor: *(int *)element = pattern % 3 == 0 ? 0 : pattern % 7 + 1; break;
    case kUnsignedBand: *(unsigned *)element = ~(1u << (pattern % 32)) | (unsigned)(index & 1); break;
    case kUnsignedBor: *(unsigned *)element = 1u << ((pattern + rank) % 32); break;
    case kByteBxor: *(unsigned char *)element = mp_pattern_byte(rank, index, salt); break;
    case kIntIntMaxloc: *(IntInt *)element = (IntInt){pattern % 3, rank}; break;
    case kDoubleIntMinloc: {
      DoubleInt v;
      memset(&v, 0xa5, sizeof v); /* padding bytes hold garbage, as in real programs */
      v.value = (double)(pattern % 3) - 1.0;
      v.index = 1000 - 3 * rank;  /* smaller indices on higher ranks: the tie rule shows */
      *(DoubleInt *)element = v;
      break;
    }
    case kShortIntMaxloc: {
      ShortInt v;
      memset(&v, 0x5a, sizeof v);
      v.value = (short)(pattern % 4);
      v.index = (rank * 7 + (int)index) % 11;
      *(ShortInt *)element = v;
      break;
    }
    case kFloatSum: *(float *)element = (float)(pattern % 2000) - 1000.0f; break;
    case kComplexProd: *(double _Complex *)element = units[pattern % 5]; break;
    case kFloatComplexSum: *(float _Complex *)element = (float)(pattern % 64) + (float)(pattern % 17) * I; break;
    case kBoolLor: *(_Bool *)element = pattern % 7 == 0; break;
    case kLongDoubleSum: *(long double *)element = (long double)(pattern % 3000); break;
    case kInt8Min: *(signed char *)element = (signed char)(pattern % 256 - 128); break;
    default: break;
  }
}

/* inout = in op inout for one element, written out by hand. */
static void combine(CaseId id, const void *in, void *inout) {
  switch (id) {
    case kIntSum: *(int *)inout += *(const int *)in; break;
    case kDoubleSum: *(double *)inout += *(const double *)in; break;
    case kIntMax: if (*(const int *)in > *(int *)inout) *(int *)inout = *(const int *)in; break;
    case kDoubleMin: if (*(const double *)in < *(double *)inout) *(double *)inout = *(const double *)in; break;
    case kLongLongProd: *(long long *)inout *= *(const long long *)in; break;
    case kUcharSum: *(unsigned char *)inout = (unsigned char)(*(unsigned char *)inout + *(const unsigned char *)in); break;
    case kCharSum: *(char *)inout = (char)(*(char *)inout + *(const char *)in); break;
    case kIntLand: *(int *)inout = *(const int *)in && *(int *)inout; break;
    case kIntLor: *(int *)inout = *(const int *)in || *(int *)inout; break;
    case kIntLxor: *(int *)inout = (*(const int *)in != 0) != (*(int *)inout != 0); break;
    case kUnsignedBand: *(unsigned *)inout &= *(const unsigned *)in; break;
    case kUnsignedBor: *(unsigned *)inout |= *(const unsigned *)in; break;
    case kByteBxor: *(unsigned char *)inout ^= *(const unsigned char *)in; break;
    case kIntIntMaxloc: {
      const IntInt a = *(const IntInt *)in;
      IntInt *b = (IntInt *)inout;
      if (a.value > b->value || (a.value == b->value && a.index < b->index)) *b = a;
      break;
    }
    case kDoubleIntMinloc: {
      const DoubleInt *a = (const DoubleInt *)in;
      DoubleInt *b = (DoubleInt *)inout;
      if (a->value < b->value || (a->value == b->value && a->index < b->index)) {
        b->value = a->value;
        b->index = a->index;
      }
      break;
    }
    case kShortIntMaxloc: {
      const ShortInt *a = (const ShortInt *)in;
      ShortInt *b = (ShortInt *)inout;
      if (a->value > b->value || (a->value == b->value && a->index < b->index)) {
        b->value = a->value;
        b->index = a->index;
      }
      break;
    }
    case kFloatSum: *(float *)inout += *(const float *)in; break;
    case kComplexProd: *(double _Complex *)inout = *(const double _Complex *)in * *(double _Complex *)inout; break;
    case kFloatComplexSum: *(float _Complex *)inout += *(const float _Complex *)in; break;
    case kBoolLor: *(_Bool *)inout = *(const _Bool *)in || *(_Bool *)inout; break;
    case kLongDoubleSum: *(long double *)inout += *(const long double *)in; break;
    case kInt8Min: if (*(const signed char *)in < *(signed char *)inout) *(signed char *)inout = *(const signed char *)in; break;
    default: break;
  }
}

/* Compares the data of two elements (not the padding of the pair types). */
static int same(CaseId id, const void *a, const void *b) {
  switch (id) {
    case kDoubleIntMinloc: {
      const DoubleInt *x = (const DoubleInt *)a, *y = (const DoubleInt *)b;
      return x->value == y->value && x->index == y->index;
    }
    case kShortIntMaxloc: {
      const ShortInt *x = (const ShortInt *)a, *y = (const ShortInt *)b;
      return x->value == y->value && x->index == y->index;
    }
    /* Floating values compare as numbers: the sign of a zero may depend on the order. */
    case kDoubleSum:
    case kDoubleMin: return *(const double *)a == *(const double *)b;
    case kFloatSum: return *(const float *)a == *(const float *)b;
    case kComplexProd: return *(const double _Complex *)a == *(const double _Complex *)b;
    case kFloatComplexSum: return *(const float _Complex *)a == *(const float _Complex *)b;
    case kLongDoubleSum: return *(const long double *)a == *(const long double *)b;
    case kBoolLor: return *(const _Bool *)a == *(const _Bool *)b;
    default: return memcmp(a, b, case_of(id).size) == 0;
  }
}

static char *input(CaseId id, long count, int rank, int salt) {
  const size_t size = case_of(id).size;
  char *buffer = (char *)mp_malloc(size * (size_t)(count > 0 ? count : 1));
  for (long i = 0; i < count; ++i) fill(id, buffer + size * (size_t)i, rank, i, salt);
  return buffer;
}

/* The reduction of ranks 0..size-1, folded from the highest rank down as in+inout. */
static char *reference(CaseId id, long count, int size, int salt) {
  const size_t bytes = case_of(id).size;
  char *result = input(id, count, size - 1, salt);
  union {
    long double aligned;
    double _Complex also_aligned;
    char bytes[64];
  } element;
  for (int rank = size - 2; rank >= 0; --rank) {
    for (long i = 0; i < count; ++i) {
      fill(id, element.bytes, rank, i, salt);
      combine(id, element.bytes, result + bytes * (size_t)i);
    }
  }
  return result;
}

static void compare(CaseId id, const char *got, const char *expected, long count, const char *what,
                    const CollComm *c, int root) {
  const size_t size = case_of(id).size;
  for (long i = 0; i < count; ++i) {
    if (!same(id, got + size * (size_t)i, expected + size * (size_t)i)) {
      mp_fail(__FILE__, __LINE__, "wrong result", "%s %s on %s (%d ranks), count %ld, root %d: element %ld differs",
              what, case_of(id).name, c->name, c->size, count, root, i);
    }
  }
}

static void check_case(const CollComm *c, CaseId id, long count, int salt) {
  const Case k = case_of(id);
  char *mine = input(id, count, c->rank, salt);
  char *expected = reference(id, count, c->size, salt);
  const size_t bytes = k.size * (size_t)(count > 0 ? count : 1);
  char *result = (char *)mp_malloc(bytes);
  const int n = (int)count;

  /* Allreduce: plain, in place, nonblocking. */
  memset(result, 0, bytes);
  CHECK_MPI(MPI_Allreduce(mine, result, n, k.type, k.op, c->comm));
  compare(id, result, expected, count, "MPI_Allreduce", c, -1);
  memcpy(result, mine, bytes);
  CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, result, n, k.type, k.op, c->comm));
  compare(id, result, expected, count, "MPI_Allreduce in place", c, -1);
  MPI_Request request;
  memset(result, 0, bytes);
  CHECK_MPI(MPI_Iallreduce(mine, result, n, k.type, k.op, c->comm, &request));
  coll_wait(&request, id % 2);
  compare(id, result, expected, count, "MPI_Iallreduce", c, -1);

  /* Reduce to every root, plain or in place (alternating), and nonblocking to one root. */
  int roots[3];
  const int nroots = coll_roots(c->size, roots);
  for (int ri = 0; ri < nroots; ++ri) {
    const int root = roots[ri];
    /* MPICH 4.0 crashes on MPI_IN_PLACE at a root other than 0 (pmodels/mpich#6540). */
    const int place = (ri + (int)id) % 2 == 1 && !(MP_MPICH_DEVIATION && root != 0);
    memset(result, 0, bytes);
    if (c->rank == root && place) memcpy(result, mine, bytes);
    const void *sendbuf = c->rank == root && place ? MPI_IN_PLACE : mine;
    CHECK_MPI(MPI_Reduce(sendbuf, c->rank == root ? result : NULL, n, k.type, k.op, root, c->comm));
    if (c->rank == root) compare(id, result, expected, count, place ? "MPI_Reduce in place" : "MPI_Reduce", c, root);
  }
  const int root = roots[nroots - 1];
  memset(result, 0, bytes);
  CHECK_MPI(MPI_Ireduce(mine, result, n, k.type, k.op, root, c->comm, &request));
  coll_wait(&request, 0);
  if (c->rank == root) compare(id, result, expected, count, "MPI_Ireduce", c, root);
  free(result);
  free(expected);
  free(mine);
}

/* MPI_SUM over a strided datatype: only every other int is data; the gaps stay untouched. */
static void check_strided(const CollComm *c, int count, MPI_Datatype strided) {
  const int salt = 41 + count;
  int *mine = coll_ints(2L * count, kCollSentinel);
  int *result = coll_ints(2L * count, kCollSentinel);
  for (long i = 0; i < count; ++i) mine[2 * i] = mp_pattern_int(c->rank, i, salt) % 1000;
  CHECK_MPI(MPI_Allreduce(mine, result, count, strided, MPI_SUM, c->comm));
  for (long i = 0; i < 2L * count; ++i) {
    int expected = kCollSentinel;
    if (i % 2 == 0) {
      expected = 0;
      for (int r = 0; r < c->size; ++r) expected += mp_pattern_int(r, i / 2, salt) % 1000;
    }
    CHECK_INT(result[i], expected, "%s strided MPI_Allreduce count %d slot %ld", c->name, count, i);
  }
  for (long i = 0; i < count; ++i) result[2 * i] = mine[2 * i];
  CHECK_MPI(MPI_Reduce(c->rank == 0 ? MPI_IN_PLACE : mine, result, count, strided, MPI_SUM, 0, c->comm));
  if (c->rank == 0) {
    for (long i = 0; i < 2L * count; i += 2) {
      int expected = 0;
      for (int r = 0; r < c->size; ++r) expected += mp_pattern_int(r, i / 2, salt) % 1000;
      CHECK_INT(result[i], expected, "%s strided MPI_Reduce in place count %d slot %ld", c->name, count, i);
      CHECK_INT(result[i + 1], kCollSentinel, "%s strided MPI_Reduce gap after slot %ld", c->name, i);
    }
  }
  free(mine);
  free(result);
}

/* Long vectors whose send and receive buffers sit at different offsets within a page:
 * some algorithms receive the peers' inputs straight into the result unless the offsets
 * would slow the copy, so both paths run here (the result must not depend on it). */
static void check_page_offsets(const CollComm *c) {
  static const size_t kOffsets[][2] = {{0, 16}, {16, 0}, {0, 40}, {24, 24}};
  const long count = 100003;
  const size_t bytes = sizeof(int) * (size_t)count;
  char *mine = input(kIntSum, count, c->rank, 9);
  char *expected = reference(kIntSum, count, c->size, 9);
  char *send_block = (char *)mp_malloc(bytes + 8192);
  char *recv_block = (char *)mp_malloc(bytes + 8192);
  for (size_t k = 0; k < sizeof kOffsets / sizeof kOffsets[0]; ++k) {
    char *send = send_block + (4096 - (size_t)((uintptr_t)send_block % 4096)) + kOffsets[k][0];
    char *recv = recv_block + (4096 - (size_t)((uintptr_t)recv_block % 4096)) + kOffsets[k][1];
    memcpy(send, mine, bytes);
    memset(recv, 0, bytes);
    CHECK_MPI(MPI_Allreduce(send, recv, (int)count, MPI_INT, MPI_SUM, c->comm));
    compare(kIntSum, recv, expected, count, "MPI_Allreduce (page offsets)", c, -1);
    memset(recv, 0, bytes);
    CHECK_MPI(MPI_Reduce(send, recv, (int)count, MPI_INT, MPI_SUM, c->size - 1, c->comm));
    if (c->rank == c->size - 1) compare(kIntSum, recv, expected, count, "MPI_Reduce (page offsets)", c, c->size - 1);
  }
  free(send_block);
  free(recv_block);
  free(mine);
  free(expected);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CollComm comms[2];
  const int n = coll_comms(comms);
  MPI_Datatype strided = coll_strided_int();
  for (int k = 0; k < n; ++k) {
    const CollComm *c = &comms[k];
    /* Every case at counts 0, 1 and 7 on the world, every third on the split
     * communicator; a few representative ones above the eager limit. */
    for (int id = 0; id < kCaseCount; ++id) {
      if (k == 1 && id % 3 != 0) continue;
      for (int ci = 0; ci < kCollCountCases - 1; ++ci) {
        check_case(c, (CaseId)id, kCollCounts[ci], id * 7 + ci);
      }
    }
    static const CaseId kLong[] = {kIntSum, kDoubleMin, kByteBxor, kShortIntMaxloc, kComplexProd, kBoolLor};
    for (size_t i = 0; i < sizeof kLong / sizeof kLong[0]; ++i) {
      check_case(c, kLong[i], kCollCounts[kCollCountCases - 1], 100 + (int)i);
    }
    /* MPICH rejects predefined ops on derived datatypes; the standard allows a datatype
     * made of one predefined type, as Open MPI does. */
    if (!MP_MPICH_DEVIATION) {
      for (int ci = 0; ci < kCollCountCases; ++ci) check_strided(c, kCollCounts[ci], strided);
    }
    /* Long vectors: past the short-message switch points, with odd counts that split
     * unevenly into blocks and segments. */
    check_case(c, kDoubleSum, 200003, 1);
    check_case(c, kIntSum, 70001, 2);
    check_case(c, kDoubleIntMinloc, 30001, 3);
    check_page_offsets(c);
  }
  MPI_Type_free(&strided);
  coll_free_comms(comms);
  mp_report_ok("coll_reduce");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
