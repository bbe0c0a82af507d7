// The collective operations on intercommunicators behind the C entry points: the
// counterparts of coll/collectives.h for a CommView with a remote group. The same buffer
// handling (coll/staging.h), then one algorithm per collective (coll/inter/), run blocking
// or as a generic request exactly like the intracommunicator collectives.
//
// Arguments arrive validated as on an intercommunicator: `root` is MPI_ROOT, MPI_PROC_NULL
// or a rank of the remote group; arguments that are not significant here (the receive side
// at a sending process, everything at MPI_PROC_NULL) may be nullptr; per-rank arrays have
// one entry per remote process (reduce_scatter's counts: per local process); no buffer is
// MPI_IN_PLACE. Every member of both groups takes the call's sequence number, MPI_PROC_NULL
// included, so the groups keep agreeing on the tags of later calls. The engine lock is
// held; `request` as in coll/collectives.h.
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

namespace weft::coll::inter {

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
Status scatterv(const char* call, const CommView& comm, const void* sendbuf,
                PerRank sendcounts, PerRank displs, Datatype* sendtype, void* recvbuf,
                size_t recvcount, Datatype* recvtype, int root, Request** request);
Status allgather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                 Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                 Request** request);
Status allgatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                  Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
                  Datatype* recvtype, Request** request);
Status alltoall(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                Request** request);
Status alltoallv(const char* call, const CommView& comm, const void* sendbuf,
                 PerRank sendcounts, PerRank sdispls, Datatype* sendtype, void* recvbuf,
                 PerRank recvcounts, PerRank rdispls, Datatype* recvtype,
                 Request** request);
Status reduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
              size_t count, Datatype* type, const OpView& op, int root, Request** request);
Status allreduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
                 size_t count, Datatype* type, const OpView& op, Request** request);
// MPI_Reduce_scatter (recvcounts per local rank) and, with `block`, MPI_Reduce_scatter_block
// (recvcounts[0] for every local rank).
Status reduce_scatter(const char* call, const CommView& comm, const void* sendbuf,
                      void* recvbuf, PerRank recvcounts, bool block, Datatype* type,
                      const OpView& op, Request** request);

}  // namespace weft::coll::inter
