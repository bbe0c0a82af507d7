// The collective operations behind the C entry points (api/coll_api.cc). Each one
// turns the user's buffers into packed byte areas (the user's memory when the datatype is
// contiguous, staging buffers packed before and unpacked after otherwise), handles
// MPI_IN_PLACE, builds the per-rank byte offsets of the v-variants, picks an algorithm
// (select.h) and runs it.
//
// Arguments arrive validated (handles resolved, counts non-negative, roots in range, op
// and datatype compatible); pointers may be MPI_IN_PLACE where the standard allows it.
// Datatypes that are insignificant on this rank may be nullptr. The engine lock is held.
// With `request` == nullptr the call runs to completion (the blocking form); otherwise
// *request receives a generic request (the user's reference) that completes with it.
// Counts are element counts of any size (the large-count `_c` calls pass MPI_Count values);
// the per-rank arrays of the v-variants are int or 64-bit (per_rank.h).
#pragma once

#include <cstddef>

#include "base/error.h"
#include "coll/per_rank.h"
#include "coll/reduction.h"
#include "coll/team.h"

namespace weft {
class Datatype;
class Request;
}  // namespace weft

namespace weft::coll {

Status barrier(const char* call, const CommView& comm, Request** request);

Status bcast(const char* call, const CommView& comm, void* buffer, size_t count, Datatype* type,
             int root, Request** request);

Status gather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
              Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype, int root,
              Request** request);
Status gatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
               Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
               Datatype* recvtype, int root, Request** request);
Status scatter(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
               Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype, int root,
               Request** request);
Status scatterv(const char* call, const CommView& comm, const void* sendbuf, PerRank sendcounts,
                PerRank displs, Datatype* sendtype, void* recvbuf, size_t recvcount,
                Datatype* recvtype, int root, Request** request);

Status allgather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                 Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                 Request** request);
Status allgatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                  Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
                  Datatype* recvtype, Request** request);

Status alltoall(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                Request** request);
Status alltoallv(const char* call, const CommView& comm, const void* sendbuf, PerRank sendcounts,
                 PerRank sdispls, Datatype* sendtype, void* recvbuf, PerRank recvcounts,
                 PerRank rdispls, Datatype* recvtype, Request** request);

Status reduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
              size_t count, Datatype* type, const OpView& op, int root, Request** request);
Status allreduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
                 size_t count, Datatype* type, const OpView& op, Request** request);
// MPI_Reduce_scatter (recvcounts per rank) and, with `block` set, MPI_Reduce_scatter_block
// (recvcounts[0] for every rank).
Status reduce_scatter(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
                      PerRank recvcounts, bool block, Datatype* type, const OpView& op,
                      Request** request);
// MPI_Scan, or MPI_Exscan with `exclusive`.
Status scan(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
            size_t count, Datatype* type, const OpView& op, bool exclusive, Request** request);

// MPI_Reduce_local: inoutbuf = inbuf op inoutbuf.
Status reduce_local(const char* call, const void* inbuf, void* inoutbuf, size_t count,
                    Datatype* type, const OpView& op);

}  // namespace weft::coll
