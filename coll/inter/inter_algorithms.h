// The collectives on intercommunicators, one algorithm per file under coll/inter/. Each is
// composed of transfers between the two groups (Context::send_remote / recv_remote: ranks
// of the remote group, on the intercommunicator's collective context) and intracommunicator
// algorithms run on the local group (Context::send / recv on the local intracommunicator's
// context), all under the call's one tag. Rank 0 of each group is its leader. The steps
// inside a group (leader_phases.h) run the algorithms the selection rules choose for them;
// the costs in the files assume the binomial ones, which the rules take for short messages.
//
// What each reads from Args (p = local group size, q = remote group size, r = local rank).
// Rooted collectives take `root` as the caller gave it: MPI_ROOT at the root, MPI_PROC_NULL
// at the other members of the root's group (they get no algorithm at all: they take no
// part), the root's rank in the remote group everywhere in the other group.
//   barrier          nothing
//   bcast            recv, bytes: the buffer (the data at MPI_ROOT); root
//   gather           MPI_ROOT: recv, q blocks of bytes; others: send, bytes (own block)
//   gatherv          MPI_ROOT: recv, recv_offsets, recv_sizes (q blocks); others: send, bytes
//   scatter          MPI_ROOT: send, q blocks of bytes; others: recv, bytes
//   scatterv         MPI_ROOT: send, send_offsets, send_sizes (q blocks); others: recv, bytes
//   allgather        send, bytes: own block; recv: q blocks of remote_bytes
//   allgatherv       send, bytes: own block; recv, recv_offsets, recv_sizes: q blocks
//   alltoall         send: q blocks of bytes; recv: q blocks of remote_bytes
//   alltoallv        send, send_offsets, send_sizes; recv, recv_offsets, recv_sizes (q each)
//   reduce           MPI_ROOT: recv; others: send; count, op (the remote group's data is
//                    reduced in its rank order)
//   allreduce        send: own input; recv: the reduction of the remote group's inputs;
//                    count, op
//   reduce_scatter   send: count elements (the sum of the local group's counts); recv:
//                    counts[r] elements of the reduction of the remote group's inputs;
//                    counts (p of them), op
#pragma once

#include "coll/algorithms.h"

namespace weft::coll {

Task barrier_inter(Context& c, Args a);
Task bcast_inter(Context& c, Args a);
Task gather_inter(Context& c, Args a);
Task gatherv_inter(Context& c, Args a);
Task scatter_inter(Context& c, Args a);
Task scatterv_inter(Context& c, Args a);
Task allgather_inter(Context& c, Args a);
Task allgatherv_inter(Context& c, Args a);
Task alltoall_inter(Context& c, Args a);
Task alltoallv_inter(Context& c, Args a);
Task reduce_inter(Context& c, Args a);
Task allreduce_inter(Context& c, Args a);
Task reduce_scatter_inter(Context& c, Args a);

}  // namespace weft::coll
