/*
 * Decoding datatypes and the types MPI builds from a description.
 *
 * - MPI_Type_get_envelope/MPI_Type_get_contents for every combiner: the recorded integers,
 *   addresses and datatypes are compared with the constructor's arguments, and each type is
 *   rebuilt from its contents alone (recursively); the rebuilt type must pack a patterned
 *   buffer to the same bytes and have the same size and bounds. Datatypes handed out by
 *   MPI_Type_get_contents stay usable after the original is freed.
 * - MPI_Type_create_darray (block, cyclic, none; default and explicit dargs; C and Fortran
 *   order) against a reference computed here: which global elements each process owns, in
 *   memory order. Across the job, every rank sends its part of a global array to rank 0,
 *   which receives each part with the sender's darray type: every element must arrive
 *   exactly once.
 * - MPI_Type_match_size, MPI_Type_get_value_index, MPI_Type_create_f90_integer/real/complex.
 */
#include "mp_check.h"

#include <string.h>

static int world_rank;
static int world_size;

/* ---- rebuilding a type from its contents ------------------------------------------------ */

static MPI_Datatype rebuild(MPI_Datatype type);

/* Frees the datatypes MPI_Type_get_contents handed out (the derived ones are new handles). */
static void free_contents_types(MPI_Datatype *types, int n) {
  for (int i = 0; i < n; ++i) {
    int ni, na, nd, combiner;
    CHECK_MPI(MPI_Type_get_envelope(types[i], &ni, &na, &nd, &combiner));
    if (combiner != MPI_COMBINER_NAMED && combiner != MPI_COMBINER_F90_REAL &&
        combiner != MPI_COMBINER_F90_COMPLEX && combiner != MPI_COMBINER_F90_INTEGER) {
      CHECK_MPI(MPI_Type_free(&types[i]));
    }
  }
}

static MPI_Datatype rebuild(MPI_Datatype type) {
  int ni = -1, na = -1, nd = -1, combiner = -1;
  CHECK_MPI(MPI_Type_get_envelope(type, &ni, &na, &nd, &combiner));
  if (combiner == MPI_COMBINER_NAMED) return type;
  int *ints = mp_malloc(sizeof(int) * (size_t)(ni + 1));
  MPI_Aint *adds = mp_malloc(sizeof(MPI_Aint) * (size_t)(na + 1));
  MPI_Datatype *types = mp_malloc(sizeof(MPI_Datatype) * (size_t)(nd + 1));
  CHECK_MPI(MPI_Type_get_contents(type, ni, na, nd, ints, adds, types));
  MPI_Datatype *inner = mp_malloc(sizeof(MPI_Datatype) * (size_t)(nd + 1));
  for (int i = 0; i < nd; ++i) inner[i] = rebuild(types[i]);
  MPI_Datatype made = MPI_DATATYPE_NULL;
  switch (combiner) {
    case MPI_COMBINER_DUP:
      CHECK_MPI(MPI_Type_dup(inner[0], &made));
      break;
    case MPI_COMBINER_CONTIGUOUS:
      CHECK_MPI(MPI_Type_contiguous(ints[0], inner[0], &made));
      break;
    case MPI_COMBINER_VECTOR:
      CHECK_MPI(MPI_Type_vector(ints[0], ints[1], ints[2], inner[0], &made));
      break;
    case MPI_COMBINER_HVECTOR:
      CHECK_MPI(MPI_Type_create_hvector(ints[0], ints[1], adds[0], inner[0], &made));
      break;
    case MPI_COMBINER_INDEXED:
      CHECK_MPI(MPI_Type_indexed(ints[0], ints + 1, ints + 1 + ints[0], inner[0], &made));
      break;
    case MPI_COMBINER_HINDEXED:
      CHECK_MPI(MPI_Type_create_hindexed(ints[0], ints + 1, adds, inner[0], &made));
      break;
    case MPI_COMBINER_INDEXED_BLOCK:
      CHECK_MPI(MPI_Type_create_indexed_block(ints[0], ints[1], ints + 2, inner[0], &made));
      break;
    case MPI_COMBINER_HINDEXED_BLOCK:
      CHECK_MPI(MPI_Type_create_hindexed_block(ints[0], ints[1], adds, inner[0], &made));
      break;
    case MPI_COMBINER_STRUCT:
      CHECK_MPI(MPI_Type_create_struct(ints[0], ints + 1, adds, inner, &made));
      break;
    case MPI_COMBINER_SUBARRAY: {
      int n = ints[0];
      CHECK_MPI(MPI_Type_create_subarray(n, ints + 1, ints + 1 + n, ints + 1 + 2 * n,
                                         ints[1 + 3 * n], inner[0], &made));
      break;
    }
    case MPI_COMBINER_DARRAY: {
      int n = ints[2];
      CHECK_MPI(MPI_Type_create_darray(ints[0], ints[1], n, ints + 3, ints + 3 + n,
                                       ints + 3 + 2 * n, ints + 3 + 3 * n, ints[3 + 4 * n],
                                       inner[0], &made));
      break;
    }
    case MPI_COMBINER_RESIZED:
      CHECK_MPI(MPI_Type_create_resized(inner[0], adds[0], adds[1], &made));
      break;
    case MPI_COMBINER_F90_REAL:
      CHECK_MPI(MPI_Type_create_f90_real(ints[0], ints[1], &made));
      break;
    case MPI_COMBINER_F90_COMPLEX:
      CHECK_MPI(MPI_Type_create_f90_complex(ints[0], ints[1], &made));
      break;
    case MPI_COMBINER_F90_INTEGER:
      CHECK_MPI(MPI_Type_create_f90_integer(ints[0], &made));
      break;
    default:
      CHECK(0, "unexpected combiner %d", combiner);
  }
  for (int i = 0; i < nd; ++i) {
    if (inner[i] != types[i]) CHECK_MPI(MPI_Type_free(&inner[i]));
  }
  free_contents_types(types, nd);
  free(inner);
  free(types);
  free(adds);
  free(ints);
  return made;
}

/* Packs `count` elements of `type` from a patterned buffer. The buffer covers every byte the
 * elements touch (true bounds at or above 0 for the types used here). */
static unsigned char *pack_pattern(MPI_Datatype type, int count, int *packed_size) {
  MPI_Aint lb, extent, true_lb, true_extent;
  CHECK_MPI(MPI_Type_get_extent(type, &lb, &extent));
  CHECK_MPI(MPI_Type_get_true_extent(type, &true_lb, &true_extent));
  CHECK(true_lb >= 0, "test types keep their data at non-negative offsets");
  size_t span = (size_t)(true_lb + true_extent + (count - 1) * (extent > 0 ? extent : 0)) + 1;
  unsigned char *buffer = mp_malloc(span);
  for (size_t i = 0; i < span; ++i) buffer[i] = mp_pattern_byte(world_rank, (long)i, 11);
  int size = 0;
  CHECK_MPI(MPI_Pack_size(count, type, MPI_COMM_WORLD, &size));
  unsigned char *packed = mp_malloc((size_t)size + 1);
  int position = 0;
  CHECK_MPI(MPI_Pack(buffer, count, type, packed, size, &position, MPI_COMM_WORLD));
  CHECK_INT(position, size, "MPI_Pack position");
  free(buffer);
  *packed_size = size;
  return packed;
}

static void check_same_type(MPI_Datatype a, MPI_Datatype b, const char *what) {
  int size_a, size_b;
  MPI_Aint lb_a, lb_b, ex_a, ex_b, tlb_a, tlb_b, tex_a, tex_b;
  CHECK_MPI(MPI_Type_size(a, &size_a));
  CHECK_MPI(MPI_Type_size(b, &size_b));
  CHECK_INT(size_b, size_a, "%s: rebuilt size", what);
  CHECK_MPI(MPI_Type_get_extent(a, &lb_a, &ex_a));
  CHECK_MPI(MPI_Type_get_extent(b, &lb_b, &ex_b));
  CHECK_INT(lb_b, lb_a, "%s: rebuilt lb", what);
  CHECK_INT(ex_b, ex_a, "%s: rebuilt extent", what);
  CHECK_MPI(MPI_Type_get_true_extent(a, &tlb_a, &tex_a));
  CHECK_MPI(MPI_Type_get_true_extent(b, &tlb_b, &tex_b));
  CHECK_INT(tlb_b, tlb_a, "%s: rebuilt true lb", what);
  CHECK_INT(tex_b, tex_a, "%s: rebuilt true extent", what);
  MPI_Datatype ca, cb;
  CHECK_MPI(MPI_Type_dup(a, &ca));
  CHECK_MPI(MPI_Type_dup(b, &cb));
  CHECK_MPI(MPI_Type_commit(&ca));
  CHECK_MPI(MPI_Type_commit(&cb));
  int na, nb;
  unsigned char *pa = pack_pattern(ca, 3, &na);
  unsigned char *pb = pack_pattern(cb, 3, &nb);
  CHECK_INT(nb, na, "%s: packed size of 3 elements", what);
  for (int i = 0; i < na; ++i) CHECK_INT(pb[i], pa[i], "%s: packed byte %d", what, i);
  free(pa);
  free(pb);
  CHECK_MPI(MPI_Type_free(&ca));
  CHECK_MPI(MPI_Type_free(&cb));
}

/* Checks the envelope and the contents of `type` against what the constructor was given. */
static void check_contents(MPI_Datatype type, const char *what, int combiner, int ni,
                           const int *ints, int na, const MPI_Aint *adds, int nd,
                           const MPI_Datatype *types) {
  int got_ni = -1, got_na = -1, got_nd = -1, got_combiner = -1;
  CHECK_MPI(MPI_Type_get_envelope(type, &got_ni, &got_na, &got_nd, &got_combiner));
  CHECK_INT(got_combiner, combiner, "%s: combiner", what);
  CHECK_INT(got_ni, ni, "%s: num_integers", what);
  CHECK_INT(got_na, na, "%s: num_addresses", what);
  CHECK_INT(got_nd, nd, "%s: num_datatypes", what);
  int got_ints[64];
  MPI_Aint got_adds[16];
  MPI_Datatype got_types[16];
  CHECK_MPI(MPI_Type_get_contents(type, 64, 16, 16, got_ints, got_adds, got_types));
  for (int i = 0; i < ni; ++i) CHECK_INT(got_ints[i], ints[i], "%s: integer %d", what, i);
  for (int i = 0; i < na; ++i) CHECK_INT(got_adds[i], adds[i], "%s: address %d", what, i);
  for (int i = 0; i < nd; ++i) {
    int ti, ta, td, tc;
    CHECK_MPI(MPI_Type_get_envelope(types[i], &ti, &ta, &td, &tc));
    if (tc == MPI_COMBINER_NAMED) {
      CHECK(got_types[i] == types[i], "%s: predefined datatype %d returned as itself", what, i);
    } else {
      check_same_type(types[i], got_types[i], what);
    }
  }
  free_contents_types(got_types, nd);

  MPI_Datatype again = rebuild(type);
  check_same_type(type, again, what);
  if (again != type) CHECK_MPI(MPI_Type_free(&again));
}

static void test_contents(void) {
  int ni, na, nd, combiner;
  CHECK_MPI(MPI_Type_get_envelope(MPI_FLOAT, &ni, &na, &nd, &combiner));
  CHECK_INT(combiner, MPI_COMBINER_NAMED, "MPI_FLOAT combiner");
  CHECK_INT(ni + na + nd, 0, "MPI_FLOAT has no contents");
  CHECK_MPI(MPI_Type_get_envelope(MPI_DOUBLE_INT, &ni, &na, &nd, &combiner));
  CHECK_INT(combiner, MPI_COMBINER_NAMED, "MPI_DOUBLE_INT combiner");
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  {
    int ints[1];
    MPI_Aint adds[1];
    MPI_Datatype types[1];
    int rc = MPI_Type_get_contents(MPI_INT, 1, 1, 1, ints, adds, types);
    CHECK_ERROR_CLASS(rc, MPI_ERR_TYPE, "MPI_Type_get_contents on a named type");
  }

  MPI_Datatype contig, vec, hvec, indexed, hindexed, iblock, hblock, st, sub, resized, dup;
  CHECK_MPI(MPI_Type_contiguous(3, MPI_INT, &contig));
  {
    int ints[] = {3};
    check_contents(contig, "contiguous", MPI_COMBINER_CONTIGUOUS, 1, ints, 0, NULL, 1,
                   (MPI_Datatype[]){MPI_INT});
  }
  CHECK_MPI(MPI_Type_vector(4, 2, 5, contig, &vec));
  {
    int ints[] = {4, 2, 5};
    check_contents(vec, "vector of contiguous", MPI_COMBINER_VECTOR, 3, ints, 0, NULL, 1,
                   &contig);
  }
  CHECK_MPI(MPI_Type_create_hvector(3, 1, 40, MPI_DOUBLE, &hvec));
  {
    int ints[] = {3, 1};
    MPI_Aint adds[] = {40};
    check_contents(hvec, "hvector", MPI_COMBINER_HVECTOR, 2, ints, 1, adds, 1,
                   (MPI_Datatype[]){MPI_DOUBLE});
  }
  {
    int lengths[] = {2, 0, 3};
    int disps[] = {7, 1, 0};
    CHECK_MPI(MPI_Type_indexed(3, lengths, disps, vec, &indexed));
    int ints[] = {3, 2, 0, 3, 7, 1, 0};
    check_contents(indexed, "indexed of vector", MPI_COMBINER_INDEXED, 7, ints, 0, NULL, 1, &vec);
  }
  {
    int lengths[] = {1, 4};
    MPI_Aint disps[] = {100, 8};
    CHECK_MPI(MPI_Type_create_hindexed(2, lengths, disps, MPI_SHORT, &hindexed));
    int ints[] = {2, 1, 4};
    check_contents(hindexed, "hindexed", MPI_COMBINER_HINDEXED, 3, ints, 2, disps, 1,
                   (MPI_Datatype[]){MPI_SHORT});
  }
  {
    int disps[] = {4, 0, 9, 2};
    CHECK_MPI(MPI_Type_create_indexed_block(4, 2, disps, MPI_CHAR, &iblock));
    int ints[] = {4, 2, 4, 0, 9, 2};
    check_contents(iblock, "indexed_block", MPI_COMBINER_INDEXED_BLOCK, 6, ints, 0, NULL, 1,
                   (MPI_Datatype[]){MPI_CHAR});
  }
  {
    MPI_Aint disps[] = {0, 64, 32};
    CHECK_MPI(MPI_Type_create_hindexed_block(3, 1, disps, hvec, &hblock));
    int ints[] = {3, 1};
    check_contents(hblock, "hindexed_block of hvector", MPI_COMBINER_HINDEXED_BLOCK, 2, ints, 3,
                   disps, 1, &hvec);
  }
  {
    int lengths[] = {1, 2, 1};
    MPI_Aint disps[] = {0, 16, 200};
    MPI_Datatype types[] = {MPI_DOUBLE, iblock, hindexed};
    CHECK_MPI(MPI_Type_create_struct(3, lengths, disps, types, &st));
    int ints[] = {3, 1, 2, 1};
    check_contents(st, "struct", MPI_COMBINER_STRUCT, 4, ints, 3, disps, 3, types);
  }
  {
    int sizes[] = {6, 7, 5}, subsizes[] = {2, 3, 4}, starts[] = {1, 4, 0};
    CHECK_MPI(
        MPI_Type_create_subarray(3, sizes, subsizes, starts, MPI_ORDER_FORTRAN, MPI_INT, &sub));
    int ints[] = {3, 6, 7, 5, 2, 3, 4, 1, 4, 0, MPI_ORDER_FORTRAN};
    check_contents(sub, "subarray", MPI_COMBINER_SUBARRAY, 11, ints, 0, NULL, 1,
                   (MPI_Datatype[]){MPI_INT});
  }
  CHECK_MPI(MPI_Type_create_resized(st, 4, 400, &resized));
  {
    MPI_Aint adds[] = {4, 400};
    check_contents(resized, "resized struct", MPI_COMBINER_RESIZED, 0, NULL, 2, adds, 1, &st);
  }
  CHECK_MPI(MPI_Type_dup(resized, &dup));
  check_contents(dup, "dup", MPI_COMBINER_DUP, 0, NULL, 0, NULL, 1, &resized);
  {
    int gsizes[] = {9, 10}, distribs[] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK};
    int dargs[] = {2, MPI_DISTRIBUTE_DFLT_DARG}, psizes[] = {3, 2};
    MPI_Datatype darray;
    CHECK_MPI(MPI_Type_create_darray(6, 4, 2, gsizes, distribs, dargs, psizes, MPI_ORDER_C,
                                     contig, &darray));
    int ints[] = {6, 4, 2, 9, 10, MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK, 2,
                  MPI_DISTRIBUTE_DFLT_DARG, 3, 2, MPI_ORDER_C};
    check_contents(darray, "darray", MPI_COMBINER_DARRAY, 12, ints, 0, NULL, 1, &contig);
    CHECK_MPI(MPI_Type_free(&darray));
  }

  /* Types handed out by MPI_Type_get_contents outlive the original's handle. */
  {
    MPI_Datatype inner;
    CHECK_MPI(MPI_Type_vector(2, 1, 3, MPI_INT, &inner));
    MPI_Datatype outer;
    CHECK_MPI(MPI_Type_contiguous(2, inner, &outer));
    CHECK_MPI(MPI_Type_free(&inner));
    int ints[1];
    MPI_Datatype types[1];
    CHECK_MPI(MPI_Type_get_contents(outer, 1, 0, 1, ints, NULL, types));
    CHECK_MPI(MPI_Type_free(&outer));
    int size;
    MPI_Aint lb, extent;
    CHECK_MPI(MPI_Type_size(types[0], &size));
    CHECK_MPI(MPI_Type_get_extent(types[0], &lb, &extent));
    CHECK_INT(size, 2 * (int)sizeof(int), "inner vector size after its users are freed");
    CHECK_INT(extent, 4 * (MPI_Aint)sizeof(int), "inner vector extent after its users are freed");
    CHECK_MPI(MPI_Type_free(&types[0]));
  }
  /* Too small arrays are refused. */
  {
    int ints[2];
    MPI_Datatype types[1];
    int rc = MPI_Type_get_contents(vec, 2, 0, 1, ints, NULL, types);
    /* The standard names no class for this; weft says MPI_ERR_ARG. */
    CHECK(rc != MPI_SUCCESS, "MPI_Type_get_contents with max_integers too small");
  }

  MPI_Datatype all[] = {contig, vec, hvec, indexed, hindexed, iblock, hblock, st, sub, resized, dup};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) CHECK_MPI(MPI_Type_free(&all[i]));
}

/* ---- MPI_Type_create_darray ------------------------------------------------------------- */

typedef struct {
  int ndims;
  int gsizes[3];
  int distribs[3];
  int dargs[3];
  int psizes[3];
  int order;
} DarrayCase;

/* Does process coordinate `coord` own index `i` of a dimension? */
static int owns(const DarrayCase *c, int d, int coord, int i) {
  int g = c->gsizes[d], p = c->psizes[d], darg = c->dargs[d];
  switch (c->distribs[d]) {
    case MPI_DISTRIBUTE_NONE:
      return 1;
    case MPI_DISTRIBUTE_BLOCK: {
      int block = darg == MPI_DISTRIBUTE_DFLT_DARG ? (g + p - 1) / p : darg;
      return i / block == coord;
    }
    default: {
      int block = darg == MPI_DISTRIBUTE_DFLT_DARG ? 1 : darg;
      return (i / block) % p == coord;
    }
  }
}

/* The linear offsets (in elements) that `rank` owns, in increasing order; returns how many. */
static int darray_reference(const DarrayCase *c, int rank, int *offsets) {
  int coords[3];
  int left = rank;
  for (int d = c->ndims - 1; d >= 0; --d) { /* row-major process grid */
    coords[d] = left % c->psizes[d];
    left /= c->psizes[d];
  }
  int total = 1;
  for (int d = 0; d < c->ndims; ++d) total *= c->gsizes[d];
  int n = 0;
  for (int linear = 0; linear < total; ++linear) {
    int index[3];
    int rest = linear;
    if (c->order == MPI_ORDER_C) {
      for (int d = c->ndims - 1; d >= 0; --d) {
        index[d] = rest % c->gsizes[d];
        rest /= c->gsizes[d];
      }
    } else {
      for (int d = 0; d < c->ndims; ++d) {
        index[d] = rest % c->gsizes[d];
        rest /= c->gsizes[d];
      }
    }
    int mine = 1;
    for (int d = 0; d < c->ndims; ++d) mine = mine && owns(c, d, coords[d], index[d]);
    if (mine) offsets[n++] = linear;
  }
  return n;
}

static const DarrayCase kDarrayCases[] = {
    {1, {17}, {MPI_DISTRIBUTE_BLOCK}, {MPI_DISTRIBUTE_DFLT_DARG}, {4}, MPI_ORDER_C},
    {1, {17}, {MPI_DISTRIBUTE_BLOCK}, {6}, {3}, MPI_ORDER_FORTRAN},
    {1, {20}, {MPI_DISTRIBUTE_CYCLIC}, {MPI_DISTRIBUTE_DFLT_DARG}, {3}, MPI_ORDER_C},
    {1, {23}, {MPI_DISTRIBUTE_CYCLIC}, {3}, {4}, MPI_ORDER_C},
    {2,
     {7, 9},
     {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
     {MPI_DISTRIBUTE_DFLT_DARG, 2},
     {2, 3},
     MPI_ORDER_C},
    {2,
     {7, 9},
     {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
     {MPI_DISTRIBUTE_DFLT_DARG, 2},
     {2, 3},
     MPI_ORDER_FORTRAN},
    {3,
     {5, 4, 6},
     {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_NONE, MPI_DISTRIBUTE_BLOCK},
     {2, MPI_DISTRIBUTE_DFLT_DARG, 4},
     {2, 1, 2},
     MPI_ORDER_FORTRAN},
    {3,
     {4, 3, 8},
     {MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_BLOCK, MPI_DISTRIBUTE_CYCLIC},
     {MPI_DISTRIBUTE_DFLT_DARG, MPI_DISTRIBUTE_DFLT_DARG, 3},
     {1, 3, 2},
     MPI_ORDER_C},
};

static void check_darray_case(const DarrayCase *c, int index) {
  int size = 1, total = 1;
  for (int d = 0; d < c->ndims; ++d) {
    size *= c->psizes[d];
    total *= c->gsizes[d];
  }
  int *global = mp_malloc(sizeof(int) * (size_t)total);
  for (int i = 0; i < total; ++i) global[i] = i;
  int *expected = mp_malloc(sizeof(int) * (size_t)total);
  int *packed = mp_malloc(sizeof(int) * (size_t)total + 1);
  for (int rank = 0; rank < size; ++rank) {
    MPI_Datatype type;
    CHECK_MPI(MPI_Type_create_darray(size, rank, c->ndims, c->gsizes, c->distribs, c->dargs,
                                     c->psizes, c->order, MPI_INT, &type));
    CHECK_MPI(MPI_Type_commit(&type));
    int n = darray_reference(c, rank, expected);
    int type_size;
    MPI_Aint lb, extent;
    CHECK_MPI(MPI_Type_size(type, &type_size));
    CHECK_INT(type_size, n * (int)sizeof(int), "darray case %d rank %d: size", index, rank);
    CHECK_MPI(MPI_Type_get_extent(type, &lb, &extent));
    CHECK_INT(lb, 0, "darray case %d rank %d: lb", index, rank);
    CHECK_INT(extent, total * (MPI_Aint)sizeof(int), "darray case %d rank %d: extent", index, rank);
    int position = 0;
    CHECK_MPI(MPI_Pack(global, 1, type, packed, total * (int)sizeof(int), &position,
                       MPI_COMM_WORLD));
    for (int k = 0; k < n; ++k) {
      CHECK_INT(packed[k], expected[k], "darray case %d rank %d: element %d", index, rank, k);
    }
    CHECK_MPI(MPI_Type_free(&type));
  }
  free(packed);
  free(expected);
  free(global);
}

/* Every rank sends its block-cyclic part of a global 2-D array to rank 0, which receives each
 * part straight into its place with the sender's darray type. */
static void darray_gather(int order) {
  int psizes[2] = {1, world_size}; /* the most balanced two-factor grid */
  for (int a = 1; a * a <= world_size; ++a) {
    if (world_size % a == 0) {
      psizes[0] = world_size / a;
      psizes[1] = a;
    }
  }
  int gsizes[2] = {11, 7};
  int distribs[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK};
  int dargs[2] = {2, MPI_DISTRIBUTE_DFLT_DARG};
  const int total = gsizes[0] * gsizes[1];
  MPI_Datatype mine;
  CHECK_MPI(MPI_Type_create_darray(world_size, world_rank, 2, gsizes, distribs, dargs, psizes,
                                   order, MPI_INT, &mine));
  CHECK_MPI(MPI_Type_commit(&mine));
  int my_size;
  CHECK_MPI(MPI_Type_size(mine, &my_size));
  int source[11 * 7];
  for (int i = 0; i < total; ++i) source[i] = mp_pattern_int(0, i, 23);
  MPI_Request request;
  CHECK_MPI(MPI_Isend(source, 1, mine, 0, 5, MPI_COMM_WORLD, &request));
  if (world_rank == 0) {
    int global[11 * 7];
    for (int i = 0; i < total; ++i) global[i] = -1;
    for (int r = 0; r < world_size; ++r) {
      MPI_Datatype theirs;
      CHECK_MPI(MPI_Type_create_darray(world_size, r, 2, gsizes, distribs, dargs, psizes, order,
                                       MPI_INT, &theirs));
      CHECK_MPI(MPI_Type_commit(&theirs));
      int scratch[11 * 7];
      for (int i = 0; i < total; ++i) scratch[i] = -1;
      CHECK_MPI(MPI_Recv(scratch, 1, theirs, r, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
      for (int i = 0; i < total; ++i) {
        if (scratch[i] == -1) continue;
        CHECK_INT(global[i], -1, "darray gather: element %d owned by two ranks (second %d)", i, r);
        global[i] = scratch[i];
      }
      CHECK_MPI(MPI_Type_free(&theirs));
    }
    for (int i = 0; i < total; ++i) {
      CHECK_INT(global[i], mp_pattern_int(0, i, 23), "darray gather: element %d", i);
    }
  }
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  CHECK_MPI(MPI_Type_free(&mine));
}

static void test_darray(void) {
  for (size_t i = 0; i < sizeof kDarrayCases / sizeof kDarrayCases[0]; ++i) {
    check_darray_case(&kDarrayCases[i], (int)i);
  }
  darray_gather(MPI_ORDER_C);
  darray_gather(MPI_ORDER_FORTRAN);

  /* Arguments the standard rules out. */
  int gsizes[] = {10}, psizes[] = {3}, block[] = {MPI_DISTRIBUTE_BLOCK}, dargs[] = {3};
  MPI_Datatype type;
  int rc = MPI_Type_create_darray(3, 0, 1, gsizes, block, dargs, psizes, MPI_ORDER_C, MPI_INT,
                                  &type);
  CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "darray block of 3 over 3 processes for 10 elements");
  rc = MPI_Type_create_darray(4, 0, 1, gsizes, block, dargs, psizes, MPI_ORDER_C, MPI_INT, &type);
  CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "darray grid of 3 for size 4");
  if (!MP_MPICH_DEVIATION) { /* MPICH crashes on these */
    int unknown[] = {12345};
    rc = MPI_Type_create_darray(3, 0, 1, gsizes, unknown, dargs, psizes, MPI_ORDER_C, MPI_INT,
                                &type);
    CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "darray with an unknown distribution");
    rc = MPI_Type_create_darray(3, 0, 1, gsizes, block, dargs, psizes, 77, MPI_INT, &type);
    CHECK_ERROR_CLASS(rc, MPI_ERR_ARG, "darray with an unknown order");
  }
  CHECK_ERROR_CLASS(MPI_Type_get_envelope(MPI_DATATYPE_NULL, &rc, &rc, &rc, &rc), MPI_ERR_TYPE,
                    "MPI_Type_get_envelope of MPI_DATATYPE_NULL");
}

/* ---- types found by description --------------------------------------------------------- */

static void test_lookup(void) {
  struct {
    int typeclass, size;
    MPI_Datatype expected;
  } sizes[] = {
      {MPI_TYPECLASS_INTEGER, 1, MPI_INTEGER1}, {MPI_TYPECLASS_INTEGER, 4, MPI_INTEGER4},
      {MPI_TYPECLASS_INTEGER, 8, MPI_INTEGER8}, {MPI_TYPECLASS_REAL, 4, MPI_REAL4},
      {MPI_TYPECLASS_REAL, 8, MPI_REAL8},       {MPI_TYPECLASS_COMPLEX, 8, MPI_COMPLEX8},
      {MPI_TYPECLASS_COMPLEX, 16, MPI_COMPLEX16},
  };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
    MPI_Datatype found = MPI_DATATYPE_NULL;
    CHECK_MPI(MPI_Type_match_size(sizes[i].typeclass, sizes[i].size, &found));
    CHECK(found == sizes[i].expected, "MPI_Type_match_size(%d, %d)", sizes[i].typeclass,
          sizes[i].size);
  }
  MPI_Datatype found;
  CHECK_ERROR_CLASS(MPI_Type_match_size(MPI_TYPECLASS_REAL, 5, &found), MPI_ERR_ARG,
                    "MPI_Type_match_size of a 5-byte real");
  CHECK_ERROR_CLASS(MPI_Type_match_size(12345, 4, &found), MPI_ERR_ARG,
                    "MPI_Type_match_size of an unknown class");

#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1) /* MPI-4.1 added it */
  struct {
    MPI_Datatype value, index, pair;
  } pairs[] = {
      {MPI_FLOAT, MPI_INT, MPI_FLOAT_INT},
      {MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT},
      {MPI_LONG, MPI_INT, MPI_LONG_INT},
      {MPI_INT, MPI_INT, MPI_2INT},
      {MPI_SHORT, MPI_INT, MPI_SHORT_INT},
      {MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT},
      {MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER},
      {MPI_REAL, MPI_REAL, MPI_2REAL},
      {MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION},
      {MPI_INT, MPI_LONG, MPI_DATATYPE_NULL},
      {MPI_CHAR, MPI_INT, MPI_DATATYPE_NULL},
  };
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; ++i) {
    MPI_Datatype pair = MPI_BYTE;
    CHECK_MPI(MPI_Type_get_value_index(pairs[i].value, pairs[i].index, &pair));
    CHECK(pair == pairs[i].pair, "MPI_Type_get_value_index case %zu", i);
  }
#endif

  /* Fortran kinds: the smallest kind that holds the precision and range. */
  struct {
    int combiner, p, r, size;
  } kinds[] = {
      {MPI_COMBINER_F90_INTEGER, 0, 2, 1},    {MPI_COMBINER_F90_INTEGER, 0, 4, 2},
      {MPI_COMBINER_F90_INTEGER, 0, 9, 4},    {MPI_COMBINER_F90_INTEGER, 0, 18, 8},
      {MPI_COMBINER_F90_REAL, 6, 37, 4},      {MPI_COMBINER_F90_REAL, 7, MPI_UNDEFINED, 8},
      {MPI_COMBINER_F90_REAL, MPI_UNDEFINED, 300, 8},
      {MPI_COMBINER_F90_COMPLEX, 6, MPI_UNDEFINED, 8}, {MPI_COMBINER_F90_COMPLEX, 15, 307, 16},
  };
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; ++i) {
    MPI_Datatype a, b;
    if (kinds[i].combiner == MPI_COMBINER_F90_INTEGER) {
      CHECK_MPI(MPI_Type_create_f90_integer(kinds[i].r, &a));
      CHECK_MPI(MPI_Type_create_f90_integer(kinds[i].r, &b));
    } else if (kinds[i].combiner == MPI_COMBINER_F90_REAL) {
      CHECK_MPI(MPI_Type_create_f90_real(kinds[i].p, kinds[i].r, &a));
      CHECK_MPI(MPI_Type_create_f90_real(kinds[i].p, kinds[i].r, &b));
    } else {
      CHECK_MPI(MPI_Type_create_f90_complex(kinds[i].p, kinds[i].r, &a));
      CHECK_MPI(MPI_Type_create_f90_complex(kinds[i].p, kinds[i].r, &b));
    }
    CHECK(a == b, "f90 case %zu: the same arguments give the same handle", i);
    int size;
    CHECK_MPI(MPI_Type_size(a, &size));
    CHECK_INT(size, kinds[i].size, "f90 case %zu: size", i);
    int ni, na, nd, combiner, ints[2];
    CHECK_MPI(MPI_Type_get_envelope(a, &ni, &na, &nd, &combiner));
    CHECK_INT(combiner, kinds[i].combiner, "f90 case %zu: combiner", i);
    CHECK_INT(na + nd, 0, "f90 case %zu: no addresses or datatypes", i);
    CHECK_INT(ni, combiner == MPI_COMBINER_F90_INTEGER ? 1 : 2, "f90 case %zu: integers", i);
    CHECK_MPI(MPI_Type_get_contents(a, 2, 0, 0, ints, NULL, NULL));
    if (combiner == MPI_COMBINER_F90_INTEGER) {
      CHECK_INT(ints[0], kinds[i].r, "f90 case %zu: r", i);
    } else {
      CHECK_INT(ints[0], kinds[i].p, "f90 case %zu: p", i);
      CHECK_INT(ints[1], kinds[i].r, "f90 case %zu: r", i);
    }
  }
  /* Such a type carries data like any other. */
  {
    MPI_Datatype real8;
    CHECK_MPI(MPI_Type_create_f90_real(15, MPI_UNDEFINED, &real8));
    double out[3], in[3];
    for (int i = 0; i < 3; ++i) out[i] = mp_pattern_double(world_rank, i, 31);
    CHECK_MPI(MPI_Sendrecv(out, 3, real8, mp_right(world_rank, world_size), 8, in, 3, real8,
                           mp_left(world_rank, world_size), 8, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE));
    for (int i = 0; i < 3; ++i) {
      CHECK_DOUBLE(in[i], mp_pattern_double(mp_left(world_rank, world_size), i, 31),
                   "f90 real exchange element %d", i);
    }
  }
  MPI_Datatype none;
  /* Erroneous by the standard ("p or r, but not both, may be omitted"); MPICH accepts it. */
  if (!MP_MPICH_DEVIATION) {
    CHECK_ERROR_CLASS(MPI_Type_create_f90_real(MPI_UNDEFINED, MPI_UNDEFINED, &none), MPI_ERR_ARG,
                      "MPI_Type_create_f90_real with neither p nor r");
  }
  /* No class is named for kinds the compiler lacks; weft says MPI_ERR_ARG. */
  CHECK(MPI_Type_create_f90_real(40, 10, &none) != MPI_SUCCESS,
        "MPI_Type_create_f90_real beyond every kind");
  CHECK(MPI_Type_create_f90_integer(39, &none) != MPI_SUCCESS,
        "MPI_Type_create_f90_integer beyond every kind");
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));
  test_contents();
  test_darray();
  test_lookup();
  mp_report_ok("datatype_contents");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
