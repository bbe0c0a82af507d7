// One round of each collective, shared by its three entry points: the blocking call, the
// nonblocking MPI_I<coll> and the persistent MPI_<Coll>_init (whose MPI_Start runs one
// round each time). Arguments arrive validated: the generated validation has run, then the
// check_<coll> below, which adds what depends on several arguments (MPI_IN_PLACE only at
// the root, aliased buffers, op x datatype). A persistent request runs its checks once, at
// init, and keeps what they resolved.
//
// A round's messages carry a tag made of a collective sequence number. The blocking and
// nonblocking forms take the communicator's next one per call (members call collectives in
// the same order). A persistent request takes one at init, when the standard orders the
// calls, and passes it in `persistent` to every round: members may start different
// persistent requests in different orders (MPI-4.1, 7.13), and the rounds of one request
// follow one another on every member, so one number serves all of them. The first round
// also records its algorithm there for the next ones. The engine lock is held.
// Counts arrive as size_t (validated non-negative: an int of the standard call or an
// MPI_Count of its _c twin) and per-rank arrays as coll::PerRank (int, or MPI_Count and
// MPI_Aint), so one round serves both forms.
// `request` == nullptr runs the round to completion (the blocking form); otherwise
// *request receives a kGeneric request (one reference) that completes with it.
//
// Behaviour that depends on the kind of communicator belongs in these functions, so the
// three forms get it at once: on an intercommunicator the checks are those of
// api/intercomm.h (roots MPI_ROOT / MPI_PROC_NULL / a remote rank, no MPI_IN_PLACE) and the
// rounds run coll/inter/ with the same sequence number rules; MPI_Scan and MPI_Exscan are
// refused there (MPI_ERR_COMM).
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "coll/per_rank.h"
#include "coll/reduction.h"
#include "coll/team.h"
#include "mpi.h"

namespace weft {
class Comm;
class Datatype;
class Op;
class Request;
namespace coll {
struct AlltoallwArgs;
}
}  // namespace weft

namespace weft::api::rounds {

// A count argument of the standard call (int) or of its _c twin (MPI_Count), validated
// non-negative, as the checks and rounds take it.
template <typename Count>
size_t elements(Count count) {
  return static_cast<size_t>(count);
}

// ---- checks beyond the generated validation ----------------------------------------------

// Gather(v): MPI_IN_PLACE as sendbuf only at the root.
Status check_gather(const char* call, const void* sendbuf, const void* recvbuf, int root,
                    Comm* c);
// Scatter(v): MPI_IN_PLACE as recvbuf only at the root.
Status check_scatter(const char* call, const void* recvbuf, int root, Comm* c);
// Allgather(v), alltoall(v): MPI_IN_PLACE as sendbuf only on an intracommunicator.
Status check_allgather(const char* call, const void* sendbuf, Comm* c);
// The reductions: the op reduces the datatype (`op_view` is what the round needs of both),
// sendbuf and recvbuf are not one buffer, MPI_IN_PLACE only where allowed.
Status check_reduce(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                    Datatype* type, Op* op, int root, Comm* c, coll::OpView* op_view);
Status check_allreduce(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                       Datatype* type, Op* op, Comm* c, coll::OpView* op_view);
// recvcounts given: MPI_Reduce_scatter; empty: MPI_Reduce_scatter_block with recvcount.
Status check_reduce_scatter(const char* call, const void* sendbuf, void* recvbuf,
                            coll::PerRank recvcounts, size_t recvcount, Datatype* type, Op* op,
                            Comm* c, coll::OpView* op_view);
// Also refuses an intercommunicator (MPI_ERR_COMM).
Status check_scan(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                  Datatype* type, Op* op, Comm* c, coll::OpView* op_view);
// MPI_Alltoallw: every argument (no generated validation covers arrays of datatypes).
Status check_alltoallw(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                       coll::PerRank sdispls, const MPI_Datatype sendtypes[], void* recvbuf,
                       coll::PerRank recvcounts, coll::PerRank rdispls,
                       const MPI_Datatype recvtypes[], Comm* c, coll::AlltoallwArgs* args);

// ---- one round ---------------------------------------------------------------------------

Status barrier(const char* call, Comm* c, Request** request,
               coll::PersistentState* persistent = nullptr);
Status bcast(const char* call, void* buffer, size_t count, Datatype* type, int root, Comm* c,
             Request** request, coll::PersistentState* persistent = nullptr);
Status gather(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
              void* recvbuf, size_t recvcount, Datatype* rtype, int root, Comm* c,
              Request** request, coll::PersistentState* persistent = nullptr);
Status gatherv(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
               void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs, Datatype* rtype,
               int root, Comm* c, Request** request, coll::PersistentState* persistent = nullptr);
Status scatter(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
               void* recvbuf, size_t recvcount, Datatype* rtype, int root, Comm* c,
               Request** request, coll::PersistentState* persistent = nullptr);
Status scatterv(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                coll::PerRank displs, Datatype* stype, void* recvbuf, size_t recvcount,
                Datatype* rtype, int root, Comm* c, Request** request,
                coll::PersistentState* persistent = nullptr);
Status allgather(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                 void* recvbuf, size_t recvcount, Datatype* rtype, Comm* c, Request** request,
                 coll::PersistentState* persistent = nullptr);
Status allgatherv(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                  void* recvbuf, coll::PerRank recvcounts, coll::PerRank displs, Datatype* rtype,
                  Comm* c, Request** request, coll::PersistentState* persistent = nullptr);
Status alltoall(const char* call, const void* sendbuf, size_t sendcount, Datatype* stype,
                void* recvbuf, size_t recvcount, Datatype* rtype, Comm* c, Request** request,
                coll::PersistentState* persistent = nullptr);
Status alltoallv(const char* call, const void* sendbuf, coll::PerRank sendcounts,
                 coll::PerRank sdispls, Datatype* stype, void* recvbuf, coll::PerRank recvcounts,
                 coll::PerRank rdispls, Datatype* rtype, Comm* c, Request** request,
                 coll::PersistentState* persistent = nullptr);
Status alltoallw(const char* call, const coll::AlltoallwArgs& args, Comm* c, Request** request,
                 coll::PersistentState* persistent = nullptr);
Status reduce(const char* call, const void* sendbuf, void* recvbuf, size_t count, Datatype* type,
              const coll::OpView& op, int root, Comm* c, Request** request,
              coll::PersistentState* persistent = nullptr);
Status allreduce(const char* call, const void* sendbuf, void* recvbuf, size_t count, Datatype* type,
                 const coll::OpView& op, Comm* c, Request** request,
                 coll::PersistentState* persistent = nullptr);
// `recvcounts` has one entry per rank, or with `block` one entry for every rank.
Status reduce_scatter(const char* call, const void* sendbuf, void* recvbuf,
                      coll::PerRank recvcounts, bool block, Datatype* type, const coll::OpView& op,
                      Comm* c, Request** request, coll::PersistentState* persistent = nullptr);
Status scan(const char* call, const void* sendbuf, void* recvbuf, size_t count, Datatype* type,
            const coll::OpView& op, bool exclusive, Comm* c, Request** request,
            coll::PersistentState* persistent = nullptr);

}  // namespace weft::api::rounds
