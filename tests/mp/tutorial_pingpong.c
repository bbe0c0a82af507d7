/*
 * Ping-pong between ranks 0 and 1 with timing, as in the usual latency/bandwidth tutorial:
 * rank 0 sends a buffer, rank 1 checks it, adds one to every byte and sends it back, and
 * rank 0 checks the reply. Prints the round-trip time per size. Other ranks idle; with a
 * single process there is nobody to play with, which is reported and not an error.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static void fail(const char *what, int size, int index, int expected, int got) {
  fprintf(stderr, "pingpong: %s, %d-byte message, byte %d: expected %d, got %d\n", what, size,
          index, expected, got);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int world_rank;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  int world_size;
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);

  if (world_size < 2) {
    printf("pingpong: needs two processes, skipping\n");
    MPI_Finalize();
    return 0;
  }

  static const int sizes[] = {1, 8, 1024, 65536, 1 << 20};
  const int count = (int)(sizeof sizes / sizeof sizes[0]);
  unsigned char *buffer = malloc(1 << 20);

  for (int s = 0; s < count; ++s) {
    int size = sizes[s];
    int iterations = size >= 65536 ? 5 : 50;
    double start = MPI_Wtime();
    for (int iteration = 0; iteration < iterations; ++iteration) {
      unsigned char seed = (unsigned char)(iteration * 7 + s);
      if (world_rank == 0) {
        for (int i = 0; i < size; ++i) {
          buffer[i] = (unsigned char)(seed + i);
        }
        MPI_Send(buffer, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(buffer, size, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < size; ++i) {
          if (buffer[i] != (unsigned char)(seed + i + 1)) {
            fail("reply", size, i, (unsigned char)(seed + i + 1), buffer[i]);
          }
        }
      } else if (world_rank == 1) {
        MPI_Status status;
        MPI_Recv(buffer, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD, &status);
        int received;
        MPI_Get_count(&status, MPI_BYTE, &received);
        if (received != size) {
          fail("received length", size, -1, size, received);
        }
        for (int i = 0; i < size; ++i) {
          if (buffer[i] != (unsigned char)(seed + i)) {
            fail("ping", size, i, (unsigned char)(seed + i), buffer[i]);
          }
          buffer[i] = (unsigned char)(buffer[i] + 1);
        }
        MPI_Send(buffer, size, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
      }
    }
    double elapsed = MPI_Wtime() - start;
    if (world_rank == 0) {
      double round_trip = elapsed / iterations;
      printf("%8d bytes: %10.2f us round trip, %8.1f MB/s\n", size, round_trip * 1e6,
             2.0 * size / round_trip / 1e6);
    }
  }

  free(buffer);
  MPI_Finalize();
  return 0;
}
