// Partitioned point-to-point entry points (MPI-4.1 chapter 4): MPI_Psend_init,
// MPI_Precv_init, MPI_Pready, MPI_Pready_range, MPI_Pready_list, MPI_Parrived. Every
// argument is checked here, by hand (the init calls take no wildcards, which the generated
// rank and tag checks would word differently); the engine is p2p/partitioned.h. Starting,
// completing and freeing go through api/request_api.cc like every persistent request.
#include <climits>

#include "api/api.h"
#include "api/kinds.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/p2p_operations.h"
#include "p2p/partitioned.h"

using weft::Comm;
using weft::Datatype;
using weft::EngineGuard;
using weft::Request;
using weft::Status;
using weft::api::finish;
using weft::p2p::PartitionedRequest;
using Side = weft::p2p::PartitionedRequest::Side;

// Unit messages carry the communicator's context in kPartitionedContextBits bits.
static_assert(weft::kContextMaskWords * 32 * 2 <= (1 << weft::p2p::kPartitionedContextBits),
              "communicator contexts must fit the partitioned message contexts");

namespace {

Status init_arguments(const char* call, Side side, const void* buf, int partitions,
                      MPI_Count count, MPI_Datatype datatype, int peer, int tag, MPI_Comm comm,
                      MPI_Info info, MPI_Request* request, Comm** c, Datatype** type) {
  WEFT_TRY(weft::api::enter_comm(call, comm, c));
  // MPI-4.1 section 4.2.1: a partitions value below 1 is erroneous. It counts partitions,
  // not elements: MPI_ERR_ARG, as MPICH answers too.
  if (partitions < 1) {
    return weft::error(MPI_ERR_ARG, "%s: argument partitions=%d must be positive", call,
                       partitions);
  }
  if (count < 0) {
    return weft::error(MPI_ERR_COUNT, "%s: argument count=%lld is negative", call,
                       static_cast<long long>(count));
  }
  WEFT_TRY(weft::check_datatype(call, "datatype", datatype, type));
  uint64_t elements = 0;
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(partitions), static_cast<uint64_t>(count),
                             &elements) ||
      __builtin_mul_overflow(elements, static_cast<uint64_t>((*type)->size()), &bytes) ||
      bytes > static_cast<uint64_t>(LLONG_MAX)) {
    return weft::error(MPI_ERR_COUNT,
                       "%s: partitions=%d times count=%lld elements of %zu bytes do not fit in "
                       "memory",
                       call, partitions, static_cast<long long>(count), (*type)->size());
  }
  if (buf == MPI_IN_PLACE) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: argument buf is MPI_IN_PLACE, which this call does not accept", call);
  }
  // Partitions are located from the buffer's address, so MPI_BOTTOM (NULL) with absolute
  // displacements is not supported (MPI-4.1 section 4.2.3).
  if (buf == nullptr && bytes > 0) {
    return weft::error(MPI_ERR_BUFFER,
                       "%s: argument buf is NULL with partitions=%d and count=%lld (%llu bytes); "
                       "partitioned communication does not take MPI_BOTTOM",
                       call, partitions, static_cast<long long>(count),
                       static_cast<unsigned long long>(bytes));
  }
  const char* peer_name = side == Side::kSend ? "dest" : "source";
  if (peer == MPI_ANY_SOURCE) {
    return weft::error(MPI_ERR_RANK,
                       "%s: argument %s is MPI_ANY_SOURCE; partitioned communication takes no "
                       "wildcards",
                       call, peer_name);
  }
  if (!((peer >= 0 && peer < (*c)->peer_size()) || peer == MPI_PROC_NULL)) {
    return weft::error(MPI_ERR_RANK,
                       "%s: argument %s=%d is not a rank of %scommunicator %s (size %d) nor "
                       "MPI_PROC_NULL",
                       call, peer_name, peer, (*c)->is_inter() ? "the remote group of inter" : "",
                       (*c)->name().c_str(), (*c)->peer_size());
  }
  if (tag == MPI_ANY_TAG) {
    return weft::error(MPI_ERR_TAG,
                       "%s: argument tag is MPI_ANY_TAG; partitioned communication takes no "
                       "wildcards",
                       call);
  }
  if (tag < 0 || tag > weft::p2p::kTagUpperBound) {
    return weft::error(MPI_ERR_TAG, "%s: argument tag=%d is invalid (valid: 0..%d)", call, tag,
                       weft::p2p::kTagUpperBound);
  }
  WEFT_TRY(weft::api::kinds::info_or_null(call, "info", info));
  if (request == nullptr) return weft::api::null_argument(call, "request");
  return Status();
}

int partitioned_init(const char* call, Side side, const void* buf, int partitions,
                     MPI_Count count, MPI_Datatype datatype, int peer, int tag, MPI_Comm comm,
                     MPI_Info info, MPI_Request* request) {
  Comm* c = nullptr;
  Datatype* type = nullptr;
  Status s = init_arguments(call, side, buf, partitions, count, datatype, peer, tag, comm, info,
                            request, &c, &type);
  if (s.ok()) {
    PartitionedRequest::Description d;
    d.side = side;
    d.comm = c;
    d.datatype = type;
    d.buffer = const_cast<void*>(buf);
    d.partitions = static_cast<size_t>(partitions);
    d.count = static_cast<size_t>(count);
    d.peer = peer;
    d.peer_process = peer == MPI_PROC_NULL ? -1 : c->peer_process(peer);
    d.self_rank = c->rank();
    d.tag = tag;
    d.comm_context = c->context();
    PartitionedRequest* made = nullptr;
    EngineGuard guard;
    s = PartitionedRequest::create(call, d, &made);
    if (s.ok()) *request = made->handle();
  }
  return finish(call, c, s);
}

// The partitioned request `handle` names (MPI_ERR_REQUEST for anything else).
Status find(const char* call, MPI_Request handle, PartitionedRequest** out) {
  WEFT_TRY(weft::api::check_initialized(call));
  if (handle == MPI_REQUEST_NULL) {
    return weft::error(MPI_ERR_REQUEST, "%s: argument request is MPI_REQUEST_NULL", call);
  }
  Request* r = weft::request_from_handle(handle);
  if (r == nullptr) {
    return weft::error(MPI_ERR_REQUEST, "%s: argument request=%p is not a valid request", call,
                       static_cast<void*>(handle));
  }
  *out = weft::p2p::as_partitioned(r);
  if (*out == nullptr) {
    return weft::error(MPI_ERR_REQUEST,
                       "%s: argument request=%p is not a partitioned request (one made by "
                       "MPI_Psend_init or MPI_Precv_init)",
                       call, static_cast<void*>(handle));
  }
  return Status();
}

Comm* comm_of(const PartitionedRequest* r) {
  return r == nullptr ? nullptr : static_cast<Comm*>(r->comm);
}

}  // namespace

extern "C" int PMPI_Psend_init(const void* buf, int partitions, MPI_Count count,
                               MPI_Datatype datatype, int dest, int tag, MPI_Comm comm,
                               MPI_Info info, MPI_Request* request) {
  return partitioned_init("MPI_Psend_init", Side::kSend, buf, partitions, count, datatype, dest,
                          tag, comm, info, request);
}

extern "C" int PMPI_Precv_init(void* buf, int partitions, MPI_Count count, MPI_Datatype datatype,
                               int source, int tag, MPI_Comm comm, MPI_Info info,
                               MPI_Request* request) {
  return partitioned_init("MPI_Precv_init", Side::kReceive, buf, partitions, count, datatype,
                          source, tag, comm, info, request);
}

extern "C" int PMPI_Pready(int partition, MPI_Request request) {
  const char* call = "MPI_Pready";
  PartitionedRequest* r = nullptr;
  Status s = find(call, request, &r);
  if (s.ok()) {
    EngineGuard guard;
    s = r->ready_list(call, "partition", false, &partition, 1);
  }
  return finish(call, comm_of(r), s);
}

extern "C" int PMPI_Pready_range(int partition_low, int partition_high, MPI_Request request) {
  const char* call = "MPI_Pready_range";
  PartitionedRequest* r = nullptr;
  Status s = find(call, request, &r);
  if (s.ok()) {
    EngineGuard guard;
    s = r->ready_range(call, partition_low, partition_high);
  }
  return finish(call, comm_of(r), s);
}

extern "C" int PMPI_Pready_list(int length, const int array_of_partitions[],
                                MPI_Request request) {
  const char* call = "MPI_Pready_list";
  PartitionedRequest* r = nullptr;
  Status s = find(call, request, &r);
  if (s.ok() && length < 0) {
    s = weft::error(MPI_ERR_ARG, "%s: argument length=%d is negative", call, length);
  }
  if (s.ok() && length > 0 && array_of_partitions == nullptr) {
    s = weft::error(MPI_ERR_ARG, "%s: argument array_of_partitions is NULL but length=%d", call,
                    length);
  }
  if (s.ok()) {
    EngineGuard guard;
    s = r->ready_list(call, "array_of_partitions", true, array_of_partitions,
                      static_cast<size_t>(length));
  }
  return finish(call, comm_of(r), s);
}

extern "C" int PMPI_Parrived(MPI_Request request, int partition, int* flag) {
  const char* call = "MPI_Parrived";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && flag == nullptr) s = weft::api::null_argument(call, "flag");
  if (s.ok() && partition < 0) {
    s = weft::error(MPI_ERR_ARG, "%s: argument partition=%d is negative", call, partition);
  }
  if (!s.ok()) return finish(call, nullptr, s);
  // A null request has nothing pending: every partition counts as arrived.
  if (request == MPI_REQUEST_NULL) {
    *flag = 1;
    return MPI_SUCCESS;
  }
  PartitionedRequest* r = nullptr;
  s = find(call, request, &r);
  if (s.ok() && r->side() != Side::kReceive) {
    s = weft::error(MPI_ERR_REQUEST,
                    "%s: argument request is a partitioned send request; MPI_Parrived tests "
                    "partitioned receives",
                    call);
  }
  if (s.ok() && static_cast<size_t>(partition) >= r->partitions()) {
    s = weft::error(MPI_ERR_ARG,
                    "%s: argument partition=%d is not a partition of the request (it has %zu: "
                    "0..%lld)",
                    call, partition, r->partitions(),
                    static_cast<long long>(r->partitions()) - 1);
  }
  if (s.ok()) {
    EngineGuard guard;
    // An inactive request (never started, or completed by a Wait or Test) has nothing
    // pending either (MPI-4.1 section 4.2.2).
    *flag = !r->round_open() || r->arrived(static_cast<size_t>(partition)) ? 1 : 0;
  }
  return finish(call, comm_of(r), s);
}
