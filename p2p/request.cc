#include "p2p/request.h"

#include "datatype/datatype.h"
#include "p2p/bsend.h"

namespace weft {

Request::~Request() {
  if (!borrowed) {
    if (comm != nullptr) comm->release();
    if (datatype != nullptr) datatype->release();
  }
  if (buffered_bytes > 0) bsend_release(buffered_bytes);
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
