#include "coll/inter/collectives_inter.h"

#include <memory>

#include "coll/inter/inter_algorithms.h"
#include "coll/operation.h"
#include "coll/staging.h"
#include "datatype/datatype.h"
#include "mpi.h"

namespace weft::coll::inter {

namespace {

size_t bytes_of(size_t count, const Datatype* type) { return count * type->size(); }

}  // namespace

Status barrier(const char* call, const CommView& comm, Request** request) {
  auto operation = make_operation(call, comm, request);
  return launch(operation, comm, barrier_inter, Args{}, request);
}

Status bcast(const char* call, const CommView& comm, void* buffer, size_t count, Datatype* type,
             int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  if (root == MPI_PROC_NULL) return launch(operation, comm, nullptr, Args{}, request);
  const bool at_root = root == MPI_ROOT;
  Args a;
  a.root = root;
  a.bytes = bytes_of(count, type);
  a.recv = stage(*operation, buffer, count, type, at_root, !at_root);
  return launch(operation, comm, bcast_inter, a, request);
}

Status gather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
              Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype, int root,
              Request** request) {
  auto operation = make_operation(call, comm, request);
  if (root == MPI_PROC_NULL) return launch(operation, comm, nullptr, Args{}, request);
  Args a;
  a.root = root;
  if (root == MPI_ROOT) {
    a.bytes = bytes_of(recvcount, recvtype);
    a.recv = stage(*operation, recvbuf, static_cast<size_t>(comm.remote.size) * recvcount,
                   recvtype, false, true);
  } else {
    a.bytes = bytes_of(sendcount, sendtype);
    a.send = stage(*operation, sendbuf, sendcount, sendtype, true, false);
  }
  return launch(operation, comm, gather_inter, a, request);
}

Status gatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
               Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
               Datatype* recvtype, int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  if (root == MPI_PROC_NULL) return launch(operation, comm, nullptr, Args{}, request);
  Args a;
  a.root = root;
  if (root == MPI_ROOT) {
    Blocks blocks = stage_blocks(*operation, recvbuf, recvcounts, displs, recvtype, false, -1,
                                 true, false, comm.remote.size);
    a.recv = blocks.base;
    a.recv_offsets = blocks.offsets;
    a.recv_sizes = blocks.sizes;
  } else {
    a.bytes = bytes_of(sendcount, sendtype);
    a.send = stage(*operation, sendbuf, sendcount, sendtype, true, false);
  }
  return launch(operation, comm, gatherv_inter, a, request);
}

Status scatter(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
               Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype, int root,
               Request** request) {
  auto operation = make_operation(call, comm, request);
  if (root == MPI_PROC_NULL) return launch(operation, comm, nullptr, Args{}, request);
  Args a;
  a.root = root;
  if (root == MPI_ROOT) {
    a.bytes = bytes_of(sendcount, sendtype);
    a.send = stage(*operation, sendbuf, static_cast<size_t>(comm.remote.size) * sendcount,
                   sendtype, true, false);
  } else {
    a.bytes = bytes_of(recvcount, recvtype);
    a.recv = stage(*operation, recvbuf, recvcount, recvtype, false, true);
  }
  return launch(operation, comm, scatter_inter, a, request);
}

Status scatterv(const char* call, const CommView& comm, const void* sendbuf,
                PerRank sendcounts, PerRank displs, Datatype* sendtype, void* recvbuf,
                size_t recvcount, Datatype* recvtype, int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  if (root == MPI_PROC_NULL) return launch(operation, comm, nullptr, Args{}, request);
  Args a;
  a.root = root;
  if (root == MPI_ROOT) {
    Blocks blocks = stage_blocks(*operation, sendbuf, sendcounts, displs, sendtype, true, -1,
                                 false, false, comm.remote.size);
    a.send = blocks.base;
    a.send_offsets = blocks.offsets;
    a.send_sizes = blocks.sizes;
  } else {
    a.bytes = bytes_of(recvcount, recvtype);
    a.recv = stage(*operation, recvbuf, recvcount, recvtype, false, true);
  }
  return launch(operation, comm, scatterv_inter, a, request);
}

Status allgather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                 Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                 Request** request) {
  auto operation = make_operation(call, comm, request);
  Args a;
  a.bytes = bytes_of(sendcount, sendtype);
  a.send = stage(*operation, sendbuf, sendcount, sendtype, true, false);
  a.remote_bytes = bytes_of(recvcount, recvtype);
  a.recv = stage(*operation, recvbuf, static_cast<size_t>(comm.remote.size) * recvcount, recvtype,
                 false, true);
  return launch(operation, comm, allgather_inter, a, request);
}

Status allgatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                  Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
                  Datatype* recvtype, Request** request) {
  auto operation = make_operation(call, comm, request);
  Args a;
  a.bytes = bytes_of(sendcount, sendtype);
  a.send = stage(*operation, sendbuf, sendcount, sendtype, true, false);
  Blocks blocks = stage_blocks(*operation, recvbuf, recvcounts, displs, recvtype, false, -1, true,
                               false, comm.remote.size);
  a.recv = blocks.base;
  a.recv_offsets = blocks.offsets;
  a.recv_sizes = blocks.sizes;
  return launch(operation, comm, allgatherv_inter, a, request);
}

Status alltoall(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                Request** request) {
  auto operation = make_operation(call, comm, request);
  const size_t q = static_cast<size_t>(comm.remote.size);
  Args a;
  a.bytes = bytes_of(sendcount, sendtype);
  a.send = stage(*operation, sendbuf, q * sendcount, sendtype, true, false);
  a.remote_bytes = bytes_of(recvcount, recvtype);
  a.recv = stage(*operation, recvbuf, q * recvcount, recvtype, false, true);
  return launch(operation, comm, alltoall_inter, a, request);
}

Status alltoallv(const char* call, const CommView& comm, const void* sendbuf,
                 PerRank sendcounts, PerRank sdispls, Datatype* sendtype, void* recvbuf,
                 PerRank recvcounts, PerRank rdispls, Datatype* recvtype,
                 Request** request) {
  auto operation = make_operation(call, comm, request);
  const int q = comm.remote.size;
  Blocks send = stage_blocks(*operation, sendbuf, sendcounts, sdispls, sendtype, true, -1, false,
                             false, q);
  Blocks recv = stage_blocks(*operation, recvbuf, recvcounts, rdispls, recvtype, false, -1, true,
                             false, q);
  Args a;
  a.send = send.base;
  a.send_offsets = send.offsets;
  a.send_sizes = send.sizes;
  a.recv = recv.base;
  a.recv_offsets = recv.offsets;
  a.recv_sizes = recv.sizes;
  return launch(operation, comm, alltoallv_inter, a, request);
}

Status reduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
              size_t count, Datatype* type, const OpView& op, int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  if (root == MPI_PROC_NULL) return launch(operation, comm, nullptr, Args{}, request);
  Args a;
  a.root = root;
  a.op = &operation->reduction();
  a.count = setup_reduction(*operation, op, type, count);
  if (root == MPI_ROOT) {
    a.recv = stage(*operation, recvbuf, count, type, false, true);
  } else {
    a.send = stage(*operation, sendbuf, count, type, true, false);
  }
  return launch(operation, comm, a.count == 0 ? nullptr : reduce_inter, a, request);
}

Status allreduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
                 size_t count, Datatype* type, const OpView& op, Request** request) {
  auto operation = make_operation(call, comm, request);
  Args a;
  a.op = &operation->reduction();
  a.count = setup_reduction(*operation, op, type, count);
  a.send = stage(*operation, sendbuf, count, type, true, false);
  a.recv = stage(*operation, recvbuf, count, type, false, true);
  return launch(operation, comm, a.count == 0 ? nullptr : allreduce_inter, a, request);
}

Status reduce_scatter(const char* call, const CommView& comm, const void* sendbuf,
                      void* recvbuf, PerRank recvcounts, bool block, Datatype* type,
                      const OpView& op, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& o = *operation;
  const int p = comm.size;
  size_t total = 0;
  for (int i = 0; i < p; ++i) total += static_cast<size_t>(block ? recvcounts[0] : recvcounts[i]);
  const size_t mine = static_cast<size_t>(block ? recvcounts[0] : recvcounts[comm.rank]);
  Args a;
  a.op = &o.reduction();
  a.count = setup_reduction(o, op, type, total);
  const size_t per_item = total == 0 ? 0 : a.count / total;
  size_t* counts = o.array(static_cast<size_t>(p));
  for (int i = 0; i < p; ++i) {
    counts[i] = static_cast<size_t>(block ? recvcounts[0] : recvcounts[i]) * per_item;
  }
  a.counts = counts;
  a.send = stage(o, sendbuf, total, type, true, false);
  a.recv = stage(o, recvbuf, mine, type, false, true);
  return launch(operation, comm, a.count == 0 ? nullptr : reduce_scatter_inter, a, request);
}

}  // namespace weft::coll::inter
