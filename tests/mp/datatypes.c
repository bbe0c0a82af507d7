/*
 * Derived datatypes. Sender and receiver describe the same type signature with different
 * layouts (vector against contiguous, indexed against struct, subarray against subarray,
 * a resized column type against a transposed matrix), and the test computes, independently
 * of MPI, which source element must land in which destination slot; every other slot must
 * keep its sentinel. Also: size/extent/true extent of every constructor, names,
 * MPI_Get_count and MPI_Get_elements (including a partial element), MPI_Pack/MPI_Unpack and
 * MPI_PACKED messages, and the predefined pair types.
 */
#include "mp_check.h"

#include <stddef.h>

enum { kSentinel = -7 };

static int world_rank;
static int world_size;

/* A buffer layout seen as ints: `positions[k]` is the index in the buffer of the k-th int
 * of the type signature (count repetitions of type, starting at buffer + base). */
typedef struct {
  MPI_Datatype type;
  int count;
  int base;
  int length;
  const int *positions;
} IntLayout;

static int *identity_positions(int n) {
  int *positions = mp_malloc(sizeof(int) * (size_t)n);
  for (int i = 0; i < n; ++i) {
    positions[i] = i;
  }
  return positions;
}

/* Sends with one layout to the right, receives with another from the left, and checks the
 * destination slot of every int plus the sentinels everywhere else. */
static void int_exchange(const char *what, IntLayout send, IntLayout receive, int n, int tag) {
  int left = mp_left(world_rank, world_size);
  int *source = mp_malloc(sizeof(int) * (size_t)send.length);
  for (int i = 0; i < send.length; ++i) {
    source[i] = mp_pattern_int(world_rank, i, tag);
  }
  int *destination = mp_malloc(sizeof(int) * (size_t)receive.length);
  for (int i = 0; i < receive.length; ++i) {
    destination[i] = kSentinel;
  }
  MPI_Status status;
  int right = mp_right(world_rank, world_size);
  CHECK_MPI(MPI_Sendrecv(source + send.base, send.count, send.type, right, tag,
                         destination + receive.base, receive.count, receive.type, left, tag,
                         MPI_COMM_WORLD, &status));

  int *expected = mp_malloc(sizeof(int) * (size_t)receive.length);
  for (int i = 0; i < receive.length; ++i) {
    expected[i] = kSentinel;
  }
  for (int k = 0; k < n; ++k) {
    expected[receive.positions[k]] = mp_pattern_int(left, send.positions[k], tag);
  }
  for (int i = 0; i < receive.length; ++i) {
    CHECK_INT(destination[i], expected[i], "%s: destination slot %d", what, i);
  }
  int elements = -1;
  CHECK_MPI(MPI_Get_elements(&status, receive.type, &elements));
  CHECK_INT(elements, n, "%s: MPI_Get_elements", what);
  free(expected);
  free(destination);
  free(source);
}

static void check_layout(MPI_Datatype type, const char *what, int size, MPI_Aint lb,
                         MPI_Aint extent, MPI_Aint true_lb, MPI_Aint true_extent) {
  int got_size = -1;
  MPI_Aint got_lb = -1;
  MPI_Aint got_extent = -1;
  CHECK_MPI(MPI_Type_size(type, &got_size));
  CHECK_INT(got_size, size, "%s: MPI_Type_size", what);
  CHECK_MPI(MPI_Type_get_extent(type, &got_lb, &got_extent));
  CHECK_INT(got_lb, lb, "%s: lower bound", what);
  CHECK_INT(got_extent, extent, "%s: extent", what);
  CHECK_MPI(MPI_Type_get_true_extent(type, &got_lb, &got_extent));
  CHECK_INT(got_lb, true_lb, "%s: true lower bound", what);
  CHECK_INT(got_extent, true_extent, "%s: true extent", what);
}

static void commit(MPI_Datatype *type) { CHECK_MPI(MPI_Type_commit(type)); }

static void contiguous_case(void) {
  MPI_Datatype five;
  CHECK_MPI(MPI_Type_contiguous(5, MPI_INT, &five));
  commit(&five);
  const int size = (int)sizeof(int);
  check_layout(five, "contiguous(5, int)", 5 * size, 0, 5 * size, 0, 5 * size);

  int *identity = identity_positions(15);
  IntLayout as_contiguous = {five, 3, 0, 15, identity};
  IntLayout as_ints = {MPI_INT, 15, 0, 15, identity};
  int_exchange("contiguous type to ints", as_contiguous, as_ints, 15, 1);
  int_exchange("ints to contiguous type", as_ints, as_contiguous, 15, 2);
  free(identity);
  CHECK_MPI(MPI_Type_free(&five));
  CHECK(five == MPI_DATATYPE_NULL, "MPI_Type_free sets MPI_DATATYPE_NULL");
}

static void vector_case(void) {
  /* vector(4, 3, 5): blocks of 3 ints every 5 ints. */
  MPI_Datatype vector;
  CHECK_MPI(MPI_Type_vector(4, 3, 5, MPI_INT, &vector));
  commit(&vector);
  const int size = (int)sizeof(int);
  check_layout(vector, "vector(4, 3, 5, int)", 12 * size, 0, 18 * size, 0, 18 * size);

  int vector_positions[24];
  for (int k = 0; k < 24; ++k) {
    /* Two repetitions: the second starts one extent (18 ints) after the first. */
    vector_positions[k] = (k / 12) * 18 + ((k % 12) / 3) * 5 + k % 3;
  }
  int *identity = identity_positions(24);
  IntLayout one_vector = {vector, 1, 0, 20, vector_positions};
  IntLayout two_vectors = {vector, 2, 0, 36, vector_positions};
  int_exchange("vector to ints", one_vector, (IntLayout){MPI_INT, 12, 0, 12, identity}, 12, 3);
  int_exchange("ints to vector", (IntLayout){MPI_INT, 12, 0, 12, identity}, one_vector, 12, 4);
  int_exchange("two vectors to ints", two_vectors, (IntLayout){MPI_INT, 24, 0, 24, identity}, 24,
               5);

  /* hvector: blocks of 2 ints every 40 bytes (10 ints). */
  MPI_Datatype hvector;
  CHECK_MPI(MPI_Type_create_hvector(3, 2, 10 * sizeof(int), MPI_INT, &hvector));
  commit(&hvector);
  check_layout(hvector, "hvector(3, 2, 40 bytes, int)", 6 * size, 0, 22 * size, 0, 22 * size);
  int hvector_positions[6];
  for (int k = 0; k < 6; ++k) {
    hvector_positions[k] = (k / 2) * 10 + k % 2;
  }
  /* The receiver uses a vector with a different stride and the same signature. */
  MPI_Datatype receive_vector;
  CHECK_MPI(MPI_Type_vector(3, 2, 3, MPI_INT, &receive_vector));
  commit(&receive_vector);
  int receive_positions[6];
  for (int k = 0; k < 6; ++k) {
    receive_positions[k] = (k / 2) * 3 + k % 2;
  }
  int_exchange("hvector to vector", (IntLayout){hvector, 1, 0, 22, hvector_positions},
               (IntLayout){receive_vector, 1, 0, 8, receive_positions}, 6, 6);

  /* A negative stride walks backwards from the buffer start. */
  MPI_Datatype backwards;
  CHECK_MPI(MPI_Type_vector(3, 1, -2, MPI_INT, &backwards));
  commit(&backwards);
  check_layout(backwards, "vector(3, 1, -2, int)", 3 * size, -4 * size, 5 * size, -4 * size,
               5 * size);
  int backwards_positions[3] = {4, 2, 0};
  int_exchange("backwards vector to ints", (IntLayout){backwards, 1, 4, 5, backwards_positions},
               (IntLayout){MPI_INT, 3, 0, 3, identity}, 3, 7);

  free(identity);
  CHECK_MPI(MPI_Type_free(&vector));
  CHECK_MPI(MPI_Type_free(&hvector));
  CHECK_MPI(MPI_Type_free(&receive_vector));
  CHECK_MPI(MPI_Type_free(&backwards));
}

static void indexed_case(void) {
  const int size = (int)sizeof(int);
  /* indexed: blocks {2, 1, 3} at {0, 5, 9} ints. */
  int lengths[3] = {2, 1, 3};
  int displacements[3] = {0, 5, 9};
  MPI_Datatype indexed;
  CHECK_MPI(MPI_Type_indexed(3, lengths, displacements, MPI_INT, &indexed));
  commit(&indexed);
  check_layout(indexed, "indexed", 6 * size, 0, 12 * size, 0, 12 * size);
  int indexed_positions[6] = {0, 1, 5, 9, 10, 11};

  /* struct of ints: blocks {1, 4, 1} at byte offsets {4, 16, 40} -> ints 1, 4..7, 10. */
  int struct_lengths[3] = {1, 4, 1};
  MPI_Aint struct_displacements[3] = {1 * size, 4 * size, 10 * size};
  MPI_Datatype struct_types[3] = {MPI_INT, MPI_INT, MPI_INT};
  MPI_Datatype structure;
  CHECK_MPI(MPI_Type_create_struct(3, struct_lengths, struct_displacements, struct_types,
                                   &structure));
  commit(&structure);
  check_layout(structure, "struct of ints", 6 * size, size, 10 * size, size, 10 * size);
  int struct_positions[6] = {1, 4, 5, 6, 7, 10};

  int_exchange("indexed to struct", (IntLayout){indexed, 1, 0, 12, indexed_positions},
               (IntLayout){structure, 1, 0, 12, struct_positions}, 6, 10);
  int_exchange("struct to indexed", (IntLayout){structure, 1, 0, 12, struct_positions},
               (IntLayout){indexed, 1, 0, 12, indexed_positions}, 6, 11);

  /* indexed_block(3 blocks of 2 at {1, 4, 7}) against vector(3, 2, 3). */
  int block_displacements[3] = {1, 4, 7};
  MPI_Datatype blocks;
  CHECK_MPI(MPI_Type_create_indexed_block(3, 2, block_displacements, MPI_INT, &blocks));
  commit(&blocks);
  check_layout(blocks, "indexed_block", 6 * size, size, 8 * size, size, 8 * size);
  int block_positions[6] = {1, 2, 4, 5, 7, 8};
  MPI_Datatype vector;
  CHECK_MPI(MPI_Type_vector(3, 2, 3, MPI_INT, &vector));
  commit(&vector);
  int vector_positions[6] = {0, 1, 3, 4, 6, 7};
  int_exchange("indexed_block to vector", (IntLayout){blocks, 1, 0, 9, block_positions},
               (IntLayout){vector, 1, 0, 8, vector_positions}, 6, 12);

  /* hindexed of doubles against doubles, checked byte-exactly through an int view is not
   * possible, so it gets its own check. */
  int hlengths[2] = {1, 2};
  MPI_Aint hdisplacements[2] = {1 * sizeof(double), 3 * sizeof(double)};
  MPI_Datatype hindexed;
  CHECK_MPI(MPI_Type_create_hindexed(2, hlengths, hdisplacements, MPI_DOUBLE, &hindexed));
  commit(&hindexed);
  const int dsize = (int)sizeof(double);
  check_layout(hindexed, "hindexed of doubles", 3 * dsize, dsize, 4 * dsize, dsize, 4 * dsize);
  double source[6];
  for (int i = 0; i < 6; ++i) {
    source[i] = mp_pattern_double(world_rank, i, 13);
  }
  double received[4] = {-1.0, -1.0, -1.0, -1.0};
  MPI_Status status;
  int left = mp_left(world_rank, world_size);
  CHECK_MPI(MPI_Sendrecv(source, 1, hindexed, mp_right(world_rank, world_size), 13, received, 4,
                         MPI_DOUBLE, left, 13, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, left, 13, MPI_DOUBLE, 3, "hindexed to doubles");
  const int hpositions[3] = {1, 3, 4};
  for (int k = 0; k < 3; ++k) {
    CHECK_DOUBLE(received[k], mp_pattern_double(left, hpositions[k], 13), "hindexed element %d",
                 k);
  }
  CHECK_DOUBLE(received[3], -1.0, "hindexed: slot past the message");

  CHECK_MPI(MPI_Type_free(&indexed));
  CHECK_MPI(MPI_Type_free(&structure));
  CHECK_MPI(MPI_Type_free(&blocks));
  CHECK_MPI(MPI_Type_free(&vector));
  CHECK_MPI(MPI_Type_free(&hindexed));
}

static void subarray_case(void) {
  const int size = (int)sizeof(int);
  /* C order: a 3x4 block at (2, 3) of a 6x8 array. */
  int sizes[2] = {6, 8};
  int subsizes[2] = {3, 4};
  int starts[2] = {2, 3};
  MPI_Datatype c_block;
  CHECK_MPI(MPI_Type_create_subarray(2, sizes, subsizes, starts, MPI_ORDER_C, MPI_INT, &c_block));
  commit(&c_block);
  check_layout(c_block, "C subarray", 12 * size, 0, 48 * size, (2 * 8 + 3) * size,
               ((4 * 8 + 6) - (2 * 8 + 3) + 1) * size);
  int c_positions[12];
  for (int k = 0; k < 12; ++k) {
    c_positions[k] = (2 + k / 4) * 8 + 3 + k % 4;
  }
  int *identity = identity_positions(12);
  int_exchange("C subarray to ints", (IntLayout){c_block, 1, 0, 48, c_positions},
               (IntLayout){MPI_INT, 12, 0, 12, identity}, 12, 20);

  /* Fortran order: the first dimension varies fastest; a 3x4 block at (1, 2) of a 6x8
   * array puts element (i0, i1) at i0 + 6 * i1. */
  int f_starts[2] = {1, 2};
  MPI_Datatype f_block;
  CHECK_MPI(MPI_Type_create_subarray(2, sizes, subsizes, f_starts, MPI_ORDER_FORTRAN, MPI_INT,
                                     &f_block));
  commit(&f_block);
  int f_positions[12];
  for (int k = 0; k < 12; ++k) {
    f_positions[k] = (1 + k % 3) + (2 + k / 3) * 6;
  }
  check_layout(f_block, "Fortran subarray", 12 * size, 0, 48 * size, f_positions[0] * size,
               (f_positions[11] - f_positions[0] + 1) * size);
  int_exchange("Fortran subarray to ints", (IntLayout){f_block, 1, 0, 48, f_positions},
               (IntLayout){MPI_INT, 12, 0, 12, identity}, 12, 21);

  /* Subarray to a subarray of another shape: a 3x4 block at (1, 0) of a 5x5 array. */
  int other_sizes[2] = {5, 5};
  int other_starts[2] = {1, 0};
  MPI_Datatype other_block;
  CHECK_MPI(MPI_Type_create_subarray(2, other_sizes, subsizes, other_starts, MPI_ORDER_C, MPI_INT,
                                     &other_block));
  commit(&other_block);
  int other_positions[12];
  for (int k = 0; k < 12; ++k) {
    other_positions[k] = (1 + k / 4) * 5 + k % 4;
  }
  int_exchange("C subarray to another subarray", (IntLayout){c_block, 1, 0, 48, c_positions},
               (IntLayout){other_block, 1, 0, 25, other_positions}, 12, 22);
  int_exchange("Fortran subarray to C subarray", (IntLayout){f_block, 1, 0, 48, f_positions},
               (IntLayout){other_block, 1, 0, 25, other_positions}, 12, 23);

  free(identity);
  CHECK_MPI(MPI_Type_free(&c_block));
  CHECK_MPI(MPI_Type_free(&f_block));
  CHECK_MPI(MPI_Type_free(&other_block));
}

static void resized_case(void) {
  const int size = (int)sizeof(int);
  /* A column of a 4x5 matrix, resized to one int so that consecutive columns start one
   * int apart: sending 5 of them sends the matrix transposed. */
  MPI_Datatype column;
  MPI_Datatype column_resized;
  CHECK_MPI(MPI_Type_vector(4, 1, 5, MPI_INT, &column));
  CHECK_MPI(MPI_Type_create_resized(column, 0, size, &column_resized));
  commit(&column_resized);
  check_layout(column_resized, "resized column", 4 * size, 0, size, 0, (3 * 5 + 1) * size);
  int transposed[20];
  for (int k = 0; k < 20; ++k) {
    transposed[k] = (k % 4) * 5 + k / 4;
  }
  int *identity = identity_positions(20);
  int_exchange("resized columns to ints", (IntLayout){column_resized, 5, 0, 20, transposed},
               (IntLayout){MPI_INT, 20, 0, 20, identity}, 20, 30);
  int_exchange("ints to resized columns", (IntLayout){MPI_INT, 20, 0, 20, identity},
               (IntLayout){column_resized, 5, 0, 20, transposed}, 20, 31);

  /* A lower bound below the data: lb -4 bytes, extent 12 bytes, so repetitions are three
   * ints apart, starting at the buffer address itself. */
  MPI_Datatype shifted;
  CHECK_MPI(MPI_Type_create_resized(MPI_INT, -size, 3 * size, &shifted));
  commit(&shifted);
  check_layout(shifted, "resized int with negative lb", size, -size, 3 * size, 0, size);
  int shifted_positions[3] = {1, 4, 7};
  int_exchange("shifted resized ints", (IntLayout){shifted, 3, 1, 8, shifted_positions},
               (IntLayout){MPI_INT, 3, 0, 3, identity}, 3, 32);

  /* MPI_Type_dup keeps the layout; the copy and the original are interchangeable. */
  MPI_Datatype copy;
  CHECK_MPI(MPI_Type_dup(column_resized, &copy));
  /* A dup of a committed type is committed already; committing again is harmless. */
  commit(&copy);
  check_layout(copy, "dup of resized column", 4 * size, 0, size, 0, (3 * 5 + 1) * size);
  int_exchange("dup to original", (IntLayout){copy, 5, 0, 20, transposed},
               (IntLayout){column_resized, 5, 0, 20, transposed}, 20, 33);

  free(identity);
  CHECK_MPI(MPI_Type_free(&column));
  CHECK_MPI(MPI_Type_free(&column_resized));
  CHECK_MPI(MPI_Type_free(&shifted));
  CHECK_MPI(MPI_Type_free(&copy));
}

/* Mixed-type records: the sender's struct and the receiver's struct order their fields
 * differently in memory, but both type maps list int, 2 doubles, 3 chars in that order. */
typedef struct {
  int id;
  double position[2];
  char label[3];
} Particle;

typedef struct {
  double position[2];
  char pad[5];
  char label[3];
  int id;
} Record;

static MPI_Datatype particle_type(void) {
  int lengths[3] = {1, 2, 3};
  MPI_Aint displacements[3] = {offsetof(Particle, id), offsetof(Particle, position),
                               offsetof(Particle, label)};
  MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
  MPI_Datatype raw;
  MPI_Datatype resized;
  CHECK_MPI(MPI_Type_create_struct(3, lengths, displacements, types, &raw));
  CHECK_MPI(MPI_Type_create_resized(raw, 0, sizeof(Particle), &resized));
  CHECK_MPI(MPI_Type_free(&raw));
  commit(&resized);
  return resized;
}

static MPI_Datatype record_type(void) {
  int lengths[3] = {1, 2, 3};
  MPI_Aint displacements[3] = {offsetof(Record, id), offsetof(Record, position),
                               offsetof(Record, label)};
  MPI_Datatype types[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
  MPI_Datatype raw;
  MPI_Datatype resized;
  CHECK_MPI(MPI_Type_create_struct(3, lengths, displacements, types, &raw));
  CHECK_MPI(MPI_Type_create_resized(raw, 0, sizeof(Record), &resized));
  CHECK_MPI(MPI_Type_free(&raw));
  commit(&resized);
  return resized;
}

static Particle make_particle(int rank, int index) {
  Particle particle;
  memset(&particle, 0, sizeof particle);
  particle.id = mp_pattern_int(rank, index, 40);
  particle.position[0] = mp_pattern_double(rank, index, 1);
  particle.position[1] = mp_pattern_double(rank, index, 2);
  for (int c = 0; c < 3; ++c) {
    particle.label[c] = (char)('a' + (rank * 3 + index + c) % 26);
  }
  return particle;
}

static void check_record(const Record *record, int rank, int index, const char *what) {
  Particle expected = make_particle(rank, index);
  CHECK_INT(record->id, expected.id, "%s record %d id", what, index);
  CHECK_DOUBLE(record->position[0], expected.position[0], "%s record %d x", what, index);
  CHECK_DOUBLE(record->position[1], expected.position[1], "%s record %d y", what, index);
  for (int c = 0; c < 3; ++c) {
    CHECK_INT(record->label[c], expected.label[c], "%s record %d label[%d]", what, index, c);
  }
  for (int c = 0; c < 5; ++c) {
    CHECK_INT(record->pad[c], 'z', "%s record %d padding byte %d was written", what, index, c);
  }
}

static void struct_case(void) {
  enum { kRecords = 4 };
  MPI_Datatype particle = particle_type();
  MPI_Datatype record = record_type();
  int signature_bytes = (int)(sizeof(int) + 2 * sizeof(double) + 3);
  check_layout(particle, "particle struct", signature_bytes, 0, sizeof(Particle), 0,
               offsetof(Particle, label) + 3);

  Particle particles[kRecords];
  for (int i = 0; i < kRecords; ++i) {
    particles[i] = make_particle(world_rank, i);
  }
  Record records[kRecords + 1];
  memset(records, 'z', sizeof records);
  int left = mp_left(world_rank, world_size);
  MPI_Status status;
  CHECK_MPI(MPI_Sendrecv(particles, kRecords, particle, mp_right(world_rank, world_size), 50,
                         records, kRecords + 1, record, left, 50, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, left, 50, record, kRecords, "particles received as records");
  int elements = -1;
  CHECK_MPI(MPI_Get_elements(&status, record, &elements));
  CHECK_INT(elements, kRecords * 6, "MPI_Get_elements of mixed-type records");
  for (int i = 0; i < kRecords; ++i) {
    check_record(&records[i], left, i, "struct exchange");
  }
  const unsigned char *spare = (const unsigned char *)&records[kRecords];
  for (size_t b = 0; b < sizeof(Record); ++b) {
    CHECK_INT(spare[b], 'z', "struct exchange wrote into the spare record (byte %zu)", b);
  }
  CHECK_MPI(MPI_Type_free(&particle));
  CHECK_MPI(MPI_Type_free(&record));
}

static void check_name(MPI_Datatype type, const char *expected, const char *what) {
  char name[MPI_MAX_OBJECT_NAME];
  int length = -1;
  CHECK_MPI(MPI_Type_get_name(type, name, &length));
  CHECK_STR(name, expected, "%s", what);
  CHECK_INT(length, strlen(expected), "%s: name length", what);
}

static void names_case(void) {
  check_name(MPI_INT, "MPI_INT", "predefined MPI_INT");
  check_name(MPI_DATATYPE_NULL, "MPI_DATATYPE_NULL", "MPI_DATATYPE_NULL (MPI 4.1)");
  check_name(MPI_DOUBLE, "MPI_DOUBLE", "predefined MPI_DOUBLE");
  check_name(MPI_CHAR, "MPI_CHAR", "predefined MPI_CHAR");
  check_name(MPI_BYTE, "MPI_BYTE", "predefined MPI_BYTE");

  MPI_Datatype vector;
  CHECK_MPI(MPI_Type_vector(2, 1, 2, MPI_INT, &vector));
  check_name(vector, "", "derived type without a name");
  CHECK_MPI(MPI_Type_set_name(vector, "weft test vector"));
  check_name(vector, "weft test vector", "derived type after MPI_Type_set_name");
  CHECK_MPI(MPI_Type_set_name(vector, "renamed"));
  check_name(vector, "renamed", "derived type renamed");
  CHECK_MPI(MPI_Type_free(&vector));
}

/* A message of 7 ints received as triples: 2 whole triples and one partial. */
static void count_and_elements_case(void) {
  MPI_Datatype triple;
  CHECK_MPI(MPI_Type_contiguous(3, MPI_INT, &triple));
  commit(&triple);
  int left = mp_left(world_rank, world_size);
  int right = mp_right(world_rank, world_size);
  int source[9];
  for (int i = 0; i < 9; ++i) {
    source[i] = mp_pattern_int(world_rank, i, 60);
  }
  int received[9];
  MPI_Status status;

  CHECK_MPI(MPI_Sendrecv(source, 7, MPI_INT, right, 60, received, 3, triple, left, 60,
                         MPI_COMM_WORLD, &status));
  int count = 0;
  CHECK_MPI(MPI_Get_count(&status, triple, &count));
  CHECK_INT(count, MPI_UNDEFINED, "MPI_Get_count with a partial element");
  int elements = -1;
  CHECK_MPI(MPI_Get_elements(&status, triple, &elements));
  CHECK_INT(elements, 7, "MPI_Get_elements with a partial element");
  MPI_Count elements_x = -1;
  CHECK_MPI(MPI_Get_elements_x(&status, triple, &elements_x));
  CHECK_INT(elements_x, 7, "MPI_Get_elements_x with a partial element");
  for (int i = 0; i < 7; ++i) {
    CHECK_INT(received[i], mp_pattern_int(left, i, 60), "partial triples element %d", i);
  }

  CHECK_MPI(MPI_Sendrecv(source, 6, MPI_INT, right, 61, received, 3, triple, left, 61,
                         MPI_COMM_WORLD, &status));
  CHECK_MPI(MPI_Get_count(&status, triple, &count));
  CHECK_INT(count, 2, "MPI_Get_count of whole triples");
  CHECK_MPI(MPI_Get_elements(&status, triple, &elements));
  CHECK_INT(elements, 6, "MPI_Get_elements of whole triples");

  CHECK_MPI(MPI_Sendrecv(source, 0, MPI_INT, right, 62, received, 3, triple, left, 62,
                         MPI_COMM_WORLD, &status));
  CHECK_MPI(MPI_Get_count(&status, triple, &count));
  CHECK_INT(count, 0, "MPI_Get_count of an empty message");
  CHECK_MPI(MPI_Get_elements(&status, triple, &elements));
  CHECK_INT(elements, 0, "MPI_Get_elements of an empty message");
  CHECK_MPI(MPI_Type_free(&triple));
}

static void pack_case(void) {
  int left = mp_left(world_rank, world_size);
  int right = mp_right(world_rank, world_size);
  MPI_Datatype particle = particle_type();
  MPI_Datatype record = record_type();
  MPI_Datatype vector;
  CHECK_MPI(MPI_Type_vector(3, 2, 4, MPI_INT, &vector));
  commit(&vector);

  /* A count, a strided block of ints, then particles. */
  enum { kParticles = 3 };
  int header = 1000 + world_rank;
  int strided[12];
  for (int i = 0; i < 12; ++i) {
    strided[i] = mp_pattern_int(world_rank, i, 70);
  }
  Particle particles[kParticles];
  for (int i = 0; i < kParticles; ++i) {
    particles[i] = make_particle(world_rank, i);
  }
  int header_bytes = 0;
  int vector_bytes = 0;
  int particle_bytes = 0;
  CHECK_MPI(MPI_Pack_size(1, MPI_INT, MPI_COMM_WORLD, &header_bytes));
  CHECK_MPI(MPI_Pack_size(1, vector, MPI_COMM_WORLD, &vector_bytes));
  CHECK_MPI(MPI_Pack_size(kParticles, particle, MPI_COMM_WORLD, &particle_bytes));
  int capacity = header_bytes + vector_bytes + particle_bytes;
  char *packed = mp_malloc((size_t)capacity);
  int position = 0;
  CHECK_MPI(MPI_Pack(&header, 1, MPI_INT, packed, capacity, &position, MPI_COMM_WORLD));
  CHECK(position > 0 && position <= header_bytes, "position %d after packing an int", position);
  CHECK_MPI(MPI_Pack(strided, 1, vector, packed, capacity, &position, MPI_COMM_WORLD));
  CHECK_MPI(MPI_Pack(particles, kParticles, particle, packed, capacity, &position,
                     MPI_COMM_WORLD));
  CHECK(position <= capacity, "packed %d bytes, MPI_Pack_size promised %d", position, capacity);

  /* Local round trip into other layouts: the vector's ints land contiguously, the
   * particles become records. */
  int unpack_position = 0;
  int header_copy = -1;
  int contiguous[6];
  Record records[kParticles];
  memset(records, 'z', sizeof records);
  CHECK_MPI(MPI_Unpack(packed, position, &unpack_position, &header_copy, 1, MPI_INT,
                       MPI_COMM_WORLD));
  CHECK_MPI(MPI_Unpack(packed, position, &unpack_position, contiguous, 6, MPI_INT,
                       MPI_COMM_WORLD));
  CHECK_MPI(MPI_Unpack(packed, position, &unpack_position, records, kParticles, record,
                       MPI_COMM_WORLD));
  CHECK_INT(unpack_position, position, "MPI_Unpack consumed what MPI_Pack produced");
  CHECK_INT(header_copy, header, "local unpack of the header");
  for (int k = 0; k < 6; ++k) {
    CHECK_INT(contiguous[k], strided[(k / 2) * 4 + k % 2], "local unpack of vector element %d",
              k);
  }
  for (int i = 0; i < kParticles; ++i) {
    check_record(&records[i], world_rank, i, "local unpack");
  }

  /* The packed buffer as an MPI_PACKED message; the receiver learns its size by probing. */
  MPI_Request request;
  CHECK_MPI(MPI_Isend(packed, position, MPI_PACKED, right, 80, MPI_COMM_WORLD, &request));
  MPI_Status status;
  CHECK_MPI(MPI_Probe(left, 80, MPI_COMM_WORLD, &status));
  int incoming = -1;
  CHECK_MPI(MPI_Get_count(&status, MPI_PACKED, &incoming));
  char *received = mp_malloc((size_t)incoming);
  CHECK_MPI(MPI_Recv(received, incoming, MPI_PACKED, left, 80, MPI_COMM_WORLD, &status));
  CHECK_MPI(MPI_Wait(&request, MPI_STATUS_IGNORE));
  unpack_position = 0;
  CHECK_MPI(MPI_Unpack(received, incoming, &unpack_position, &header_copy, 1, MPI_INT,
                       MPI_COMM_WORLD));
  CHECK_INT(header_copy, 1000 + left, "header of the packed message from the left");
  int strided_copy[12];
  for (int i = 0; i < 12; ++i) {
    strided_copy[i] = kSentinel;
  }
  CHECK_MPI(MPI_Unpack(received, incoming, &unpack_position, strided_copy, 1, vector,
                       MPI_COMM_WORLD));
  for (int i = 0; i < 12; ++i) {
    int in_vector = i % 4 < 2 && i < 10;
    CHECK_INT(strided_copy[i], in_vector ? mp_pattern_int(left, i, 70) : kSentinel,
              "unpacked vector slot %d", i);
  }
  memset(records, 'z', sizeof records);
  CHECK_MPI(MPI_Unpack(received, incoming, &unpack_position, records, kParticles, record,
                       MPI_COMM_WORLD));
  for (int i = 0; i < kParticles; ++i) {
    check_record(&records[i], left, i, "unpack of the received packed message");
  }

  /* A typed message received as MPI_PACKED, then unpacked. */
  int packed_bytes = 0;
  CHECK_MPI(MPI_Pack_size(kParticles, particle, MPI_COMM_WORLD, &packed_bytes));
  char *typed_in = mp_malloc((size_t)packed_bytes);
  CHECK_MPI(MPI_Sendrecv(particles, kParticles, particle, right, 81, typed_in, packed_bytes,
                         MPI_PACKED, left, 81, MPI_COMM_WORLD, &status));
  CHECK_MPI(MPI_Get_count(&status, MPI_PACKED, &incoming));
  unpack_position = 0;
  memset(records, 'z', sizeof records);
  CHECK_MPI(MPI_Unpack(typed_in, incoming, &unpack_position, records, kParticles, record,
                       MPI_COMM_WORLD));
  for (int i = 0; i < kParticles; ++i) {
    check_record(&records[i], left, i, "typed message received as MPI_PACKED");
  }

  /* A packed message received with a type whose signature matches the packed values. */
  char ints_packed[64];
  int ints_position = 0;
  int three[3] = {mp_pattern_int(world_rank, 0, 82), mp_pattern_int(world_rank, 1, 82),
                  mp_pattern_int(world_rank, 2, 82)};
  CHECK_MPI(MPI_Pack(three, 3, MPI_INT, ints_packed, sizeof ints_packed, &ints_position,
                     MPI_COMM_WORLD));
  int three_in[3] = {kSentinel, kSentinel, kSentinel};
  CHECK_MPI(MPI_Sendrecv(ints_packed, ints_position, MPI_PACKED, right, 82, three_in, 3, MPI_INT,
                         left, 82, MPI_COMM_WORLD, &status));
  CHECK_STATUS(status, left, 82, MPI_INT, 3, "packed ints received as MPI_INT");
  for (int i = 0; i < 3; ++i) {
    CHECK_INT(three_in[i], mp_pattern_int(left, i, 82), "packed int %d received as MPI_INT", i);
  }

  free(typed_in);
  free(received);
  free(packed);
  CHECK_MPI(MPI_Type_free(&vector));
  CHECK_MPI(MPI_Type_free(&particle));
  CHECK_MPI(MPI_Type_free(&record));
}

/* The predefined value-index pair types, laid out as the C structs the standard names. */
typedef struct {
  int value;
  int index;
} IntPair;
typedef struct {
  double value;
  int index;
} DoubleIntPair;
typedef struct {
  float value;
  int index;
} FloatIntPair;
typedef struct {
  long value;
  int index;
} LongIntPair;
typedef struct {
  short value;
  int index;
} ShortIntPair;
typedef struct {
  long double value;
  int index;
} LongDoubleIntPair;

#define PAIR_CASE(struct_type, mpi_type, value_expression, tag)                                  \
  do {                                                                                           \
    enum { kPairs = 5 };                                                                         \
    struct_type send[kPairs];                                                                    \
    struct_type receive[kPairs + 1];                                                             \
    memset(send, 0, sizeof send);                                                                \
    memset(receive, 0, sizeof receive);                                                          \
    for (int i = 0; i < kPairs; ++i) {                                                           \
      int r = world_rank;                                                                        \
      send[i].value = (value_expression);                                                        \
      send[i].index = mp_pattern_int(r, i, tag);                                                 \
    }                                                                                            \
    int left = mp_left(world_rank, world_size);                                                  \
    int type_size = -1;                                                                          \
    MPI_Aint lb = -1;                                                                            \
    MPI_Aint extent = -1;                                                                        \
    CHECK_MPI(MPI_Type_size(mpi_type, &type_size));                                              \
    CHECK_INT(type_size, sizeof send[0].value + sizeof(int), "MPI_Type_size of " #mpi_type);     \
    CHECK_MPI(MPI_Type_get_extent(mpi_type, &lb, &extent));                                      \
    CHECK_INT(lb, 0, "lower bound of " #mpi_type);                                               \
    CHECK_INT(extent, sizeof(struct_type), "extent of " #mpi_type);                              \
    MPI_Status status;                                                                           \
    CHECK_MPI(MPI_Sendrecv(send, kPairs, mpi_type, mp_right(world_rank, world_size), tag,        \
                           receive, kPairs + 1, mpi_type, left, tag, MPI_COMM_WORLD, &status));  \
    CHECK_STATUS(status, left, tag, mpi_type, kPairs, #mpi_type " exchange");                    \
    for (int i = 0; i < kPairs; ++i) {                                                           \
      int r = left;                                                                              \
      CHECK(receive[i].value == (value_expression), #mpi_type " value %d", i);                   \
      CHECK_INT(receive[i].index, mp_pattern_int(r, i, tag), #mpi_type " index %d", i);          \
    }                                                                                            \
    CHECK(receive[kPairs].index == 0, #mpi_type " wrote past the message");                      \
  } while (0)

static void pair_types_case(void) {
  PAIR_CASE(IntPair, MPI_2INT, mp_pattern_int(r, i, 1), 90);
  PAIR_CASE(DoubleIntPair, MPI_DOUBLE_INT, mp_pattern_double(r, i, 2), 91);
  PAIR_CASE(FloatIntPair, MPI_FLOAT_INT, (float)(r * 100 + i) + 0.5f, 92);
  PAIR_CASE(LongIntPair, MPI_LONG_INT, (long)mp_pattern_int(r, i, 3) * 3L, 93);
  PAIR_CASE(ShortIntPair, MPI_SHORT_INT, (short)(r * 100 + i), 94);
  PAIR_CASE(LongDoubleIntPair, MPI_LONG_DOUBLE_INT, (long double)mp_pattern_double(r, i, 4), 95);
}

int main(int argc, char **argv) {
  CHECK_MPI(MPI_Init(&argc, &argv));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &world_rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &world_size));

  contiguous_case();
  vector_case();
  indexed_case();
  subarray_case();
  resized_case();
  struct_case();
  names_case();
  count_and_elements_case();
  pack_case();
  pair_types_case();

  mp_report_ok("datatypes");
  CHECK_MPI(MPI_Finalize());
  return 0;
}
