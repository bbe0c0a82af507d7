/* MPI_Alltoallw and MPI_Ialltoallw: every pair exchanges a block of its own length, sent
 * as plain ints and received either plainly (even sources) or spread out by a strided
 * vector type (odd sources), at byte displacements; then the in-place form. Every value is
 * checked against the sender's pattern computed here. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int value(int from, int to, int k) { return 1000000 * from + 1000 * to + k; }
static int length(int from, int to) { return (from + 2 * to) % 4 + 1; }

static int check(const char *what, int got, int expected, int rank) {
  if (got == expected) return 0;
  fprintf(stderr, "rank %d: %s: expected %d, got %d\n", rank, what, expected, got);
  return 1;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, p;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &p);
  int failures = 0;

  MPI_Datatype strided; /* one int, then a gap of one int */
  MPI_Type_create_resized(MPI_INT, 0, 2 * (MPI_Aint)sizeof(int), &strided);
  MPI_Type_commit(&strided);

  int *scounts = malloc(sizeof(int) * p), *sdispls = malloc(sizeof(int) * p);
  int *rcounts = malloc(sizeof(int) * p), *rdispls = malloc(sizeof(int) * p);
  MPI_Datatype *stypes = malloc(sizeof(MPI_Datatype) * p), *rtypes = malloc(sizeof(MPI_Datatype) * p);
  int send_total = 0, recv_slots = 0;
  for (int j = 0; j < p; ++j) {
    scounts[j] = length(rank, j);
    sdispls[j] = send_total * (int)sizeof(int);
    stypes[j] = MPI_INT;
    send_total += scounts[j];
    rcounts[j] = length(j, rank);
    rdispls[j] = recv_slots * (int)sizeof(int);
    rtypes[j] = (j % 2) ? strided : MPI_INT;
    recv_slots += (j % 2) ? 2 * rcounts[j] : rcounts[j];
  }
  int *sendbuf = malloc(sizeof(int) * (send_total + 1));
  int *recvbuf = malloc(sizeof(int) * (recv_slots + 1));
  for (int j = 0, at = 0; j < p; ++j) {
    for (int k = 0; k < scounts[j]; ++k) sendbuf[at++] = value(rank, j, k);
  }
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < recv_slots; ++i) recvbuf[i] = -7;
    if (round == 0) {
      MPI_Alltoallw(sendbuf, scounts, sdispls, stypes, recvbuf, rcounts, rdispls, rtypes, MPI_COMM_WORLD);
    } else {
      MPI_Request request;
      MPI_Ialltoallw(sendbuf, scounts, sdispls, stypes, recvbuf, rcounts, rdispls, rtypes, MPI_COMM_WORLD, &request);
      MPI_Wait(&request, MPI_STATUS_IGNORE);
    }
    for (int j = 0, at = 0; j < p; ++j) {
      for (int k = 0; k < rcounts[j]; ++k) {
        failures += check("received value", recvbuf[at], value(j, rank, k), rank);
        if (j % 2) failures += check("gap left untouched", recvbuf[at + 1], -7, rank);
        at += (j % 2) ? 2 : 1;
      }
    }
  }

  /* In place: block j of recvbuf (same layout as above) goes to rank j. Symmetric lengths
   * are needed in place, so every block has length(min, max). */
  int slots = 0;
  for (int j = 0; j < p; ++j) {
    int a = rank < j ? rank : j, b = rank < j ? j : rank;
    rcounts[j] = length(a, b);
    rdispls[j] = slots * (int)sizeof(int);
    slots += (j % 2) ? 2 * rcounts[j] : rcounts[j];
  }
  int *inplace = malloc(sizeof(int) * (slots + 1));
  for (int j = 0, at = 0; j < p; ++j) {
    for (int k = 0; k < rcounts[j]; ++k) {
      inplace[at] = value(rank, j, k);
      if (j % 2) inplace[at + 1] = -7;
      at += (j % 2) ? 2 : 1;
    }
  }
  MPI_Alltoallw(MPI_IN_PLACE, NULL, NULL, NULL, inplace, rcounts, rdispls, rtypes, MPI_COMM_WORLD);
  for (int j = 0, at = 0; j < p; ++j) {
    for (int k = 0; k < rcounts[j]; ++k) {
      failures += check("in-place value", inplace[at], value(j, rank, k), rank);
      at += (j % 2) ? 2 : 1;
    }
  }

  /* A NULL send buffer with data to send is reported, not dereferenced. */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rc = MPI_Alltoallw(NULL, scounts, sdispls, stypes, recvbuf, rcounts, rdispls, rtypes,
                         MPI_COMM_WORLD);
  int error_class = MPI_SUCCESS;
  MPI_Error_class(rc, &error_class);
  failures += check("error class of a NULL sendbuf", error_class, MPI_ERR_BUFFER, rank);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

  MPI_Type_free(&strided);
  free(scounts); free(sdispls); free(rcounts); free(rdispls); free(stypes); free(rtypes);
  free(sendbuf); free(recvbuf); free(inplace);
  int total = 0;
  MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Finalize();
  return total == 0 ? 0 : 1;
}
