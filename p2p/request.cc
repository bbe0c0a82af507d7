#include "p2p/request.h"

#include "base/block_cache.h"
#include "base/status_util.h"
#include "datatype/datatype.h"
#include "p2p/bsend.h"
#include "p2p/engine.h"

namespace weft {

namespace {
// A thread keeps a window's worth of requests: the bandwidth benchmarks keep 64 in flight.
using RequestBlocks = BlockCache<sizeof(Request), 128>;
static_assert(alignof(Request) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__,
              "blocks come from plain operator new");
}  // namespace

void* Request::operator new(size_t bytes) {
  return bytes == sizeof(Request) ? RequestBlocks::take() : ::operator new(bytes);
}

void Request::operator delete(void* block, size_t bytes) {
  if (bytes == sizeof(Request)) {
    RequestBlocks::give(block);
  } else {
    ::operator delete(block);
  }
}

Request::~Request() {
  if (!borrowed) {
    if (comm != nullptr) comm->release();
    if (datatype != nullptr) datatype->release();
  }
  if (buffered_pool != nullptr) bsend_release(this);
}

void Request::bind(Object* new_comm, Datatype* new_datatype) {
  if (new_comm != nullptr) new_comm->retain();
  if (new_datatype != nullptr) new_datatype->retain();
  if (!borrowed) {
    if (comm != nullptr) comm->release();
    if (datatype != nullptr) datatype->release();
  }
  borrowed = false;
  comm = new_comm;
  datatype = new_datatype;
}

Request* request_from_handle(MPI_Request handle) { return dynamic_object<Request>(handle); }

}  // namespace weft

namespace weft::p2p {

Status outcome(const char* call, const Request* request) {
  if (request->error == MPI_SUCCESS) return Status();
  if (request->error == MPI_ERR_TRUNCATE) {
    return error(MPI_ERR_TRUNCATE,
                 "%s: a message of %zu bytes from rank %d (tag %d) does not fit the receive "
                 "buffer of %zu bytes (count %zu)",
                 call, request->message_bytes, request->status.MPI_SOURCE, request->status.MPI_TAG,
                 request->capacity_bytes, request->count);
  }
  if (request->error == MPI_ERR_COUNT) {
    // Only a partitioned receive ends so: its sender described fewer bytes.
    return error(MPI_ERR_COUNT,
                 "%s: the partitioned message from rank %d (tag %d) holds %zu bytes, fewer than "
                 "the %zu of the receive buffer; both sides must describe the same total",
                 call, request->status.MPI_SOURCE, request->status.MPI_TAG,
                 request->message_bytes, request->capacity_bytes);
  }
  if (request->error == MPI_ERR_PROC_ABORTED) {
    if (const std::string* text = engine().failure_text(request->peer_process)) {
      return error(MPI_ERR_PROC_ABORTED, "%s: a process this operation involves failed: %s", call,
                   text->c_str());
    }
  }
  return error(request->error, "%s: the operation with rank %d failed (peer process gone?)", call,
               request->peer);
}

void copy_status(const Request* request, MPI_Status* status) {
  if (status == MPI_STATUS_IGNORE) return;
  // Calls that return one status never write its MPI_ERROR field (MPI-4.1, 3.2.5); those
  // that return several write it themselves when they return MPI_ERR_IN_STATUS.
  const int error_field = status->MPI_ERROR;
  if (request->kind != RequestKind::kSend || request->cancelled) {
    *status = request->status;
  } else {
    status_set_empty(status);
  }
  status->MPI_ERROR = error_field;
}

}  // namespace weft::p2p
