// Collectives on intercommunicators: the checks the standard adds for them (no MPI_IN_PLACE
// anywhere, op x datatype only where the reduction is significant). The rounds of
// api/coll_rounds.h call them from their check_<coll> functions and then run
// coll/inter/collectives_inter.h, so the blocking, nonblocking and persistent forms share
// them; the generated validation has already read roots and per-rank arrays as on an
// intercommunicator (api/kinds.h).
#include <cstddef>

#include "api/api.h"
#include "api/intercomm.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/op.h"

using weft::Comm;
using weft::Datatype;
using weft::Op;
using weft::Status;
namespace coll = weft::coll;

namespace weft::api::inter {

Status not_in_place(const char* call, const char* argument, const void* buffer) {
  if (buffer != MPI_IN_PLACE) return Status();
  return weft::error(MPI_ERR_BUFFER,
                     "%s: argument %s is MPI_IN_PLACE, which is not allowed on an "
                     "intercommunicator",
                     call, argument);
}

Status not_aliased(const char* call, const void* sendbuf, const void* recvbuf, size_t count) {
  if (sendbuf == recvbuf && sendbuf != nullptr && count > 0) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: arguments sendbuf and recvbuf are the same buffer %p (MPI_IN_PLACE "
                       "is not allowed on an intercommunicator either)",
                       call, recvbuf);
  }
  return Status();
}

Status check_gather(const char* call, const void* sendbuf, const void* recvbuf, int root) {
  if (root == MPI_ROOT) WEFT_TRY(not_in_place(call, "recvbuf", recvbuf));
  if (root >= 0) WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  return Status();
}

Status check_scatter(const char* call, const void* recvbuf, int root) {
  if (root >= 0) WEFT_TRY(not_in_place(call, "recvbuf", recvbuf));
  return Status();
}

Status check_reduce(const char* call, const void* sendbuf, void* recvbuf, Datatype* type, Op* op,
                    int root, coll::OpView* op_view) {
  if (root == MPI_PROC_NULL) return Status();
  WEFT_TRY(not_in_place(call, root == MPI_ROOT ? "recvbuf" : "sendbuf",
                        root == MPI_ROOT ? recvbuf : sendbuf));
  return weft::reduction_view(call, op, *type, op_view);
}

Status check_allreduce(const char* call, const void* sendbuf, void* recvbuf, size_t count,
                       Datatype* type, Op* op, coll::OpView* op_view) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, count));
  return weft::reduction_view(call, op, *type, op_view);
}

Status check_reduce_scatter(const char* call, const void* sendbuf, void* recvbuf, Datatype* type,
                            Op* op, coll::OpView* op_view) {
  WEFT_TRY(not_in_place(call, "sendbuf", sendbuf));
  WEFT_TRY(not_aliased(call, sendbuf, recvbuf, 1));
  return weft::reduction_view(call, op, *type, op_view);
}

Status not_on_intercomm(const char* call, const Comm* c) {
  return weft::error(MPI_ERR_COMM,
                     "%s: argument comm is an intercommunicator (%s); this collective is defined "
                     "on intracommunicators only",
                     call, c->name().c_str());
}

}  // namespace weft::api::inter
