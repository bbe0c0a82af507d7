// Every collective algorithm, one coroutine per file under coll/<collective>/, and
// the one argument block they share. Algorithms move packed bytes: the entry layer
// (collectives.cc) has already turned user buffers, counts and datatypes into contiguous
// areas (the user's memory when the datatype is contiguous, staging buffers otherwise) and
// handled MPI_IN_PLACE, so an algorithm sees only the fields listed for its collective.
#pragma once

#include <cstddef>

#include "coll/task.h"

namespace weft::coll {

class Reduction;

struct Args {
  const char* send = nullptr;
  char* recv = nullptr;
  size_t bytes = 0;
  int root = 0;
  // Per-rank blocks of the v-variants, in bytes.
  const size_t* send_offsets = nullptr;
  const size_t* send_sizes = nullptr;
  const size_t* recv_offsets = nullptr;
  const size_t* recv_sizes = nullptr;
  // Reductions: `count` elements of op->unit() bytes; counts[] per rank for reduce_scatter.
  const Reduction* op = nullptr;
  size_t count = 0;
  const size_t* counts = nullptr;
  // Intercommunicator collectives (coll/inter/): one block of the remote group's data,
  // where it may differ from `bytes` (this process's own block).
  size_t remote_bytes = 0;
};

// What each collective reads from Args (p = communicator size, r = this rank):
//   barrier          nothing
//   bcast            recv: the buffer (holds the data at the root), bytes, root
//   gather           send: this rank's block, or nullptr at the root when it is already in
//                    place; recv: p blocks (root only); bytes: one block; root
//   scatter          send: p blocks (root only); recv: this rank's block, or nullptr at the
//                    root for in place; bytes; root
//   gatherv          send, bytes: this rank's block (nullptr at the root: in place);
//                    recv, recv_offsets, recv_sizes (root only); root
//   scatterv         send, send_offsets, send_sizes (root only); recv, bytes: this rank's
//                    block (nullptr at the root: in place); root
//   allgather        recv: p blocks, this rank's already at r*bytes; bytes
//   allgatherv       recv, recv_offsets, recv_sizes; this rank's block already in place
//   alltoall         send, recv: p blocks each; bytes: one block
//   alltoallv        send, send_offsets, send_sizes, recv, recv_offsets, recv_sizes
//   reduce           send: the input; recv: the result (root only; may equal send); count;
//                    op; root
//   allreduce        send: the input (equals recv when in place); recv: the result; count;
//                    op
//   reduce_scatter   send: sum(counts) elements; recv: counts[r] elements; counts; op
//   scan, exscan     send: the input; recv: the result (may equal send); count; op

using Algorithm = Task (*)(Context&, Args);

Task barrier_dissemination(Context& c, Args a);
Task barrier_linear(Context& c, Args a);

Task bcast_binomial(Context& c, Args a);
Task bcast_scatter_allgather(Context& c, Args a);
Task bcast_linear(Context& c, Args a);

Task gather_binomial(Context& c, Args a);
Task gather_linear(Context& c, Args a);
Task gatherv_linear(Context& c, Args a);
Task scatter_binomial(Context& c, Args a);
Task scatter_linear(Context& c, Args a);
Task scatterv_linear(Context& c, Args a);

Task allgather_ring(Context& c, Args a);
Task allgather_recursive_doubling(Context& c, Args a);
Task allgather_bruck(Context& c, Args a);
Task allgatherv_ring(Context& c, Args a);
Task allgatherv_linear(Context& c, Args a);

Task alltoall_pairwise(Context& c, Args a);
Task alltoall_bruck(Context& c, Args a);
Task alltoall_linear(Context& c, Args a);
Task alltoallv_pairwise(Context& c, Args a);
Task alltoallv_linear(Context& c, Args a);

Task reduce_binomial(Context& c, Args a);
Task reduce_rabenseifner(Context& c, Args a);

Task allreduce_recursive_doubling(Context& c, Args a);
Task allreduce_rabenseifner(Context& c, Args a);
Task allreduce_ring(Context& c, Args a);

Task reduce_scatter_recursive_halving(Context& c, Args a);
Task reduce_scatter_pairwise(Context& c, Args a);
Task reduce_scatter_reduce_scatterv(Context& c, Args a);

Task scan_recursive_doubling(Context& c, Args a);
Task exscan_recursive_doubling(Context& c, Args a);

// Bytes per segment of the pipelined ring allreduce (WEFT_COLL_SEGMENT_BYTES).
size_t ring_segment_bytes();

}  // namespace weft::coll
