/*
 * A derived datatype for a C struct, the way tutorials build one: MPI_Type_create_struct
 * with offsetof displacements, resized to sizeof the struct so arrays work. Rank 0 hands
 * each process a batch of particles, each process moves its particles and sends them back,
 * and rank 0 checks every field.
 */
#include <mpi.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PARTICLES_PER_RANK 6

typedef struct {
  double position[3];
  double mass;
  int id;
  char name[8];
} Particle;

static void make_particle(Particle *particle, int id) {
  memset(particle, 0, sizeof *particle);
  particle->position[0] = id * 1.5;
  particle->position[1] = id * -2.25;
  particle->position[2] = 100.0 + id;
  particle->mass = 1.0 + id * 0.125;
  particle->id = id;
  snprintf(particle->name, sizeof particle->name, "p%d", id % 100000);
}

/* What a worker does to each particle. */
static void move(Particle *particle, int worker) {
  particle->position[0] += 1.0;
  particle->position[2] *= 2.0;
  particle->mass += worker;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank;
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);

  int block_lengths[4] = {3, 1, 1, 8};
  MPI_Aint displacements[4] = {offsetof(Particle, position), offsetof(Particle, mass),
                               offsetof(Particle, id), offsetof(Particle, name)};
  MPI_Datatype types[4] = {MPI_DOUBLE, MPI_DOUBLE, MPI_INT, MPI_CHAR};
  MPI_Datatype particle_struct;
  MPI_Datatype particle_type;
  MPI_Type_create_struct(4, block_lengths, displacements, types, &particle_struct);
  MPI_Type_create_resized(particle_struct, 0, sizeof(Particle), &particle_type);
  MPI_Type_commit(&particle_type);
  MPI_Type_free(&particle_struct);

  Particle batch[PARTICLES_PER_RANK];
  if (rank == 0) {
    for (int worker = 1; worker < size; ++worker) {
      for (int i = 0; i < PARTICLES_PER_RANK; ++i) {
        make_particle(&batch[i], worker * PARTICLES_PER_RANK + i);
      }
      MPI_Send(batch, PARTICLES_PER_RANK, particle_type, worker, 0, MPI_COMM_WORLD);
    }
    int errors = 0;
    for (int worker = 0; worker < size; ++worker) {
      if (worker == 0) {
        for (int i = 0; i < PARTICLES_PER_RANK; ++i) {
          make_particle(&batch[i], i);
          move(&batch[i], 0);
        }
      } else {
        MPI_Recv(batch, PARTICLES_PER_RANK, particle_type, worker, 1, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
      }
      for (int i = 0; i < PARTICLES_PER_RANK; ++i) {
        Particle expected;
        make_particle(&expected, worker * PARTICLES_PER_RANK + i);
        move(&expected, worker);
        const Particle *got = &batch[i];
        if (got->id != expected.id || got->mass != expected.mass ||
            got->position[0] != expected.position[0] ||
            got->position[1] != expected.position[1] ||
            got->position[2] != expected.position[2] || strcmp(got->name, expected.name) != 0) {
          fprintf(stderr, "struct: particle %d from worker %d: got id %d mass %g name %.8s\n",
                  expected.id, worker, got->id, got->mass, got->name);
          ++errors;
        }
      }
    }
    if (errors) {
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
    printf("struct: %d particles moved by %d processes and checked\n", size * PARTICLES_PER_RANK,
           size);
  } else {
    MPI_Recv(batch, PARTICLES_PER_RANK, particle_type, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int i = 0; i < PARTICLES_PER_RANK; ++i) {
      move(&batch[i], rank);
    }
    MPI_Send(batch, PARTICLES_PER_RANK, particle_type, 0, 1, MPI_COMM_WORLD);
  }

  MPI_Type_free(&particle_type);
  MPI_Finalize();
  return 0;
}
