#include "coll/collectives.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <vector>

#include "coll/operation.h"
#include "coll/select.h"
#include "coll/staging.h"
#include "datatype/datatype.h"
#include "mpi.h"

namespace weft::coll {

namespace {

bool in_place(const void* buffer) { return buffer == MPI_IN_PLACE; }

// A rank's own block must have the same size on both sides (equal type signatures).
Status check_own_block(const char* call, size_t send_bytes, size_t recv_bytes) {
  if (send_bytes == recv_bytes) return Status();
  return error(send_bytes > recv_bytes ? MPI_ERR_TRUNCATE : MPI_ERR_ARG,
               "%s: this rank sends %zu bytes to itself (sendcount x size of sendtype) but "
               "receives %zu (recvcount x size of recvtype); the type signatures must match",
               call, send_bytes, recv_bytes);
}

Status launch(OperationHandle& operation, const CommView& comm, Collective collective,
              const Features& features, const Args& args, bool nothing_to_exchange,
              Request** request) {
  Algorithm algorithm = nullptr;
  if (!nothing_to_exchange) {
    // A persistent collective selects once: its arguments, hence its features, are fixed.
    const AlgorithmInfo* chosen =
        comm.persistent != nullptr ? comm.persistent->algorithm : nullptr;
    if (chosen == nullptr) {
      WEFT_TRY(select_algorithm(operation->call(), collective, features, comm.rank, &chosen));
      if (comm.persistent != nullptr) comm.persistent->algorithm = chosen;
    }
    algorithm = chosen->run;
  }
  return coll::launch(operation, comm, algorithm, args, request);
}

Features features_of(const CommView& comm, size_t bytes) {
  Features f;
  f.size = comm.size;
  f.bytes = bytes;
  return f;
}

}  // namespace

Status barrier(const char* call, const CommView& comm, Request** request) {
  auto operation = make_operation(call, comm, request);
  return launch(operation, comm, Collective::kBarrier, features_of(comm, 0), Args{},
                comm.size == 1, request);
}

Status bcast(const char* call, const CommView& comm, void* buffer, size_t count, Datatype* type,
             int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  const bool at_root = comm.rank == root;
  Args a;
  a.bytes = count * type->size();
  a.root = root;
  a.recv = stage(*operation, buffer, count, type, at_root, !at_root);
  return launch(operation, comm, Collective::kBcast, features_of(comm, a.bytes), a,
                a.bytes == 0 || comm.size == 1, request);
}

Status gather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
              Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype, int root,
              Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int p = comm.size;
  const int r = comm.rank;
  Args a;
  a.root = root;
  if (r == root) {
    a.bytes = recvcount * recvtype->size();
    a.recv = stage(op, recvbuf, static_cast<size_t>(p) * recvcount, recvtype, false, true);
    if (in_place(sendbuf)) {
      if (!recvtype->is_contiguous()) {
        pack_into(a.recv + static_cast<size_t>(r) * a.bytes,
                  element(recvbuf, *recvtype, static_cast<size_t>(r) * recvcount), recvcount, *recvtype);
      }
    } else {
      WEFT_TRY(check_own_block(call, sendcount * sendtype->size(), a.bytes));
      a.send = stage(op, sendbuf, sendcount, sendtype, true, false);
    }
  } else {
    a.bytes = sendcount * sendtype->size();
    a.send = stage(op, sendbuf, sendcount, sendtype, true, false);
  }
  return launch(operation, comm, Collective::kGather,
                features_of(comm, a.bytes * static_cast<size_t>(p)), a, a.bytes == 0, request);
}

Status gatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
               Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
               Datatype* recvtype, int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int r = comm.rank;
  Args a;
  a.root = root;
  if (r == root) {
    const bool keep_own = in_place(sendbuf);
    Blocks blocks = stage_blocks(op, recvbuf, recvcounts, displs, recvtype, false,
                                 keep_own ? r : -1, true, false);
    a.recv = blocks.base;
    a.recv_offsets = blocks.offsets;
    a.recv_sizes = blocks.sizes;
    a.bytes = blocks.sizes[r];
    if (!keep_own) {
      WEFT_TRY(check_own_block(call, sendcount * sendtype->size(), a.bytes));
      a.send = stage(op, sendbuf, sendcount, sendtype, true, false);
    }
  } else {
    a.bytes = sendcount * sendtype->size();
    a.send = stage(op, sendbuf, sendcount, sendtype, true, false);
  }
  return launch(operation, comm, Collective::kGatherv, features_of(comm, 0), a, false, request);
}

Status scatter(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
               Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype, int root,
               Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int p = comm.size;
  Args a;
  a.root = root;
  if (comm.rank == root) {
    a.bytes = sendcount * sendtype->size();
    a.send = stage(op, sendbuf, static_cast<size_t>(p) * sendcount, sendtype, true, false);
    if (!in_place(recvbuf)) {
      WEFT_TRY(check_own_block(call, a.bytes, recvcount * recvtype->size()));
      a.recv = stage(op, recvbuf, recvcount, recvtype, false, true);
    }
  } else {
    a.bytes = recvcount * recvtype->size();
    a.recv = stage(op, recvbuf, recvcount, recvtype, false, true);
  }
  return launch(operation, comm, Collective::kScatter,
                features_of(comm, a.bytes * static_cast<size_t>(p)), a, a.bytes == 0, request);
}

Status scatterv(const char* call, const CommView& comm, const void* sendbuf, PerRank sendcounts,
                PerRank displs, Datatype* sendtype, void* recvbuf, size_t recvcount,
                Datatype* recvtype, int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int r = comm.rank;
  Args a;
  a.root = root;
  if (r == root) {
    Blocks blocks = stage_blocks(op, sendbuf, sendcounts, displs, sendtype, true, -1, false, false);
    a.send = blocks.base;
    a.send_offsets = blocks.offsets;
    a.send_sizes = blocks.sizes;
    a.bytes = blocks.sizes[r];
    if (!in_place(recvbuf)) {
      WEFT_TRY(check_own_block(call, a.bytes, recvcount * recvtype->size()));
      a.recv = stage(op, recvbuf, recvcount, recvtype, false, true);
    }
  } else {
    a.bytes = recvcount * recvtype->size();
    a.recv = stage(op, recvbuf, recvcount, recvtype, false, true);
  }
  return launch(operation, comm, Collective::kScatterv, features_of(comm, 0), a, false, request);
}

Status allgather(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                 Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                 Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int p = comm.size;
  const size_t r = static_cast<size_t>(comm.rank);
  Args a;
  a.bytes = recvcount * recvtype->size();
  a.recv = stage(op, recvbuf, static_cast<size_t>(p) * recvcount, recvtype, false, true);
  if (in_place(sendbuf)) {
    if (!recvtype->is_contiguous()) {
      pack_into(a.recv + r * a.bytes, element(recvbuf, *recvtype, r * recvcount), recvcount, *recvtype);
    }
  } else {
    WEFT_TRY(check_own_block(call, sendcount * sendtype->size(), a.bytes));
    pack_into(a.recv + r * a.bytes, sendbuf, sendcount, *sendtype);
  }
  return launch(operation, comm, Collective::kAllgather,
                features_of(comm, a.bytes * static_cast<size_t>(p)), a,
                a.bytes == 0 || p == 1, request);
}

Status allgatherv(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                  Datatype* sendtype, void* recvbuf, PerRank recvcounts, PerRank displs,
                  Datatype* recvtype, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int r = comm.rank;
  const bool keep_own = in_place(sendbuf);
  Blocks blocks = stage_blocks(op, recvbuf, recvcounts, displs, recvtype, false,
                               keep_own ? r : -1, true, false);
  if (!keep_own) {
    WEFT_TRY(check_own_block(call, sendcount * sendtype->size(), blocks.sizes[r]));
    pack_into(blocks.base + blocks.offsets[r], sendbuf, sendcount, *sendtype);
  }
  Args a;
  a.recv = blocks.base;
  a.recv_offsets = blocks.offsets;
  a.recv_sizes = blocks.sizes;
  return launch(operation, comm, Collective::kAllgatherv, features_of(comm, blocks.total), a,
                blocks.total == 0 || comm.size == 1, request);
}

Status alltoall(const char* call, const CommView& comm, const void* sendbuf, size_t sendcount,
                Datatype* sendtype, void* recvbuf, size_t recvcount, Datatype* recvtype,
                Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const size_t p = static_cast<size_t>(comm.size);
  Args a;
  a.bytes = recvcount * recvtype->size();
  if (in_place(sendbuf)) {
    // The blocks are replaced as they arrive: send from a private copy.
    char* copy = op.buffer(p * a.bytes);
    pack_into(copy, recvbuf, p * recvcount, *recvtype);
    a.send = copy;
  } else {
    WEFT_TRY(check_own_block(call, sendcount * sendtype->size(), a.bytes));
    a.send = stage(op, sendbuf, p * sendcount, sendtype, true, false);
  }
  a.recv = stage(op, recvbuf, p * recvcount, recvtype, false, true);
  return launch(operation, comm, Collective::kAlltoall, features_of(comm, a.bytes), a,
                a.bytes == 0, request);
}

Status alltoallv(const char* call, const CommView& comm, const void* sendbuf, PerRank sendcounts,
                 PerRank sdispls, Datatype* sendtype, void* recvbuf, PerRank recvcounts,
                 PerRank rdispls, Datatype* recvtype, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& op = *operation;
  const int r = comm.rank;
  Blocks send = in_place(sendbuf)
                    ? stage_blocks(op, recvbuf, recvcounts, rdispls, recvtype, true, -1, false, true)
                    : stage_blocks(op, sendbuf, sendcounts, sdispls, sendtype, true, -1, false, false);
  Blocks recv = stage_blocks(op, recvbuf, recvcounts, rdispls, recvtype, false, -1, true, false);
  WEFT_TRY(check_own_block(call, send.sizes[r], recv.sizes[r]));
  Args a;
  a.send = send.base;
  a.send_offsets = send.offsets;
  a.send_sizes = send.sizes;
  a.recv = recv.base;
  a.recv_offsets = recv.offsets;
  a.recv_sizes = recv.sizes;
  return launch(operation, comm, Collective::kAlltoallv, features_of(comm, 0), a, false, request);
}

Status reduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
              size_t count, Datatype* type, const OpView& op, int root, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& o = *operation;
  Args a;
  a.root = root;
  a.op = &o.reduction();
  a.count = setup_reduction(o, op, type, count);
  if (comm.rank == root) {
    a.recv = stage(o, recvbuf, count, type, false, true);
    a.send = stage(o, in_place(sendbuf) ? recvbuf : sendbuf, count, type, true, false);
  } else {
    a.send = stage(o, sendbuf, count, type, true, false);
  }
  Features f = features_of(comm, count * type->size());
  f.count = a.count;
  f.commutative = op.commutative;
  return launch(operation, comm, Collective::kReduce, f, a, a.count == 0, request);
}

Status allreduce(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
                 size_t count, Datatype* type, const OpView& op, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& o = *operation;
  Args a;
  a.op = &o.reduction();
  a.count = setup_reduction(o, op, type, count);
  const bool keep = in_place(sendbuf);
  a.recv = stage(o, recvbuf, count, type, keep, true);
  // The algorithms read the input where it lies: copying it into the result first would
  // cost a pass over memory that most of them do not need.
  a.send = keep ? a.recv : stage(o, sendbuf, count, type, true, false);
  const bool alone = comm.size == 1;
  if (alone && a.send != a.recv) std::memcpy(a.recv, a.send, count * type->size());
  Features f = features_of(comm, count * type->size());
  f.count = a.count;
  f.commutative = op.commutative;
  return launch(operation, comm, Collective::kAllreduce, f, a, a.count == 0 || alone, request);
}

Status reduce_scatter(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
                      PerRank recvcounts, bool block, Datatype* type, const OpView& op,
                      Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& o = *operation;
  const int p = comm.size;
  const int r = comm.rank;
  size_t total = 0;
  for (int i = 0; i < p; ++i) total += static_cast<size_t>(block ? recvcounts[0] : recvcounts[i]);
  const size_t mine = static_cast<size_t>(block ? recvcounts[0] : recvcounts[r]);

  Args a;
  a.op = &o.reduction();
  const size_t elements = setup_reduction(o, op, type, total);
  const size_t per_item = total == 0 ? 0 : elements / total;
  size_t* counts = o.array(static_cast<size_t>(p));
  for (int i = 0; i < p; ++i) {
    counts[i] = static_cast<size_t>(block ? recvcounts[0] : recvcounts[i]) * per_item;
  }
  a.counts = counts;
  a.count = elements;
  a.send = stage(o, in_place(sendbuf) ? recvbuf : sendbuf, total, type, true, false);
  a.recv = stage(o, recvbuf, mine, type, false, true);
  Features f = features_of(comm, total * type->size());
  f.count = elements;
  f.commutative = op.commutative;
  return launch(operation, comm, block ? Collective::kReduceScatterBlock : Collective::kReduceScatter,
                f, a, elements == 0, request);
}

Status scan(const char* call, const CommView& comm, const void* sendbuf, void* recvbuf,
            size_t count, Datatype* type, const OpView& op, bool exclusive, Request** request) {
  auto operation = make_operation(call, comm, request);
  Operation& o = *operation;
  Args a;
  a.op = &o.reduction();
  a.count = setup_reduction(o, op, type, count);
  const bool keep = in_place(sendbuf);
  // Exscan leaves rank 0's receive buffer alone: the standard leaves it undefined.
  const bool store = !(exclusive && comm.rank == 0);
  a.recv = stage(o, recvbuf, count, type, keep, store);
  a.send = keep ? a.recv : stage(o, sendbuf, count, type, true, false);
  Features f = features_of(comm, count * type->size());
  f.count = a.count;
  f.commutative = op.commutative;
  return launch(operation, comm, exclusive ? Collective::kExscan : Collective::kScan, f, a,
                a.count == 0, request);
}

Status reduce_local(const char* call, const void* inbuf, void* inoutbuf, size_t count,
                    Datatype* type, const OpView& op) {
  if (count == 0 || type->size() == 0) return Status();
  (void)call;  // the entry point checked the op and datatype (OpView)
  if (op.function) {
    // The user function takes the user's buffers and datatype as they are.
    op.function.call(const_cast<void*>(inbuf), inoutbuf, count, type->handle(), type->extent());
    return Status();
  }
  const size_t elements = count * type->size() / op.basic->size();
  if (type->is_contiguous()) {
    op.kernel(bytes_of(inbuf) + type->true_lb(), bytes_of(inoutbuf) + type->true_lb(), elements);
    return Status();
  }
  const size_t bytes = count * type->size();
  std::unique_ptr<char[]> in(new char[bytes]);
  std::unique_ptr<char[]> inout(new char[bytes]);
  type->pack(inbuf, count, 0, in.get(), bytes);
  type->pack(inoutbuf, count, 0, inout.get(), bytes);
  op.kernel(in.get(), inout.get(), elements);
  type->unpack(inout.get(), bytes, inoutbuf, count, 0);
  return Status();
}

}  // namespace weft::coll
