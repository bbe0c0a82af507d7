#include "p2p/bsend.h"

#include "mpi.h"
#include "p2p/engine.h"

namespace weft {

namespace {
// Guarded by the engine lock.
void* g_buffer = nullptr;
size_t g_size = 0;
size_t g_used = 0;
}  // namespace

Status bsend_attach(const char* call, void* buffer, size_t size) {
  if (g_buffer != nullptr) {
    return error(MPI_ERR_BUFFER, "%s: a buffer of %zu bytes is already attached", call, g_size);
  }
  if (buffer == nullptr) return error(MPI_ERR_BUFFER, "%s: argument buffer is NULL", call);
  g_buffer = buffer;
  g_size = size;
  return Status();
}

Status bsend_detach(const char* call, void** buffer, size_t* size) {
  if (g_buffer == nullptr) {
    return error(MPI_ERR_BUFFER, "%s: no buffer is attached", call);
  }
  p2p::engine().wait_until([] { return g_used == 0; });
  *buffer = g_buffer;
  *size = g_size;
  g_buffer = nullptr;
  g_size = 0;
  return Status();
}

Status bsend_reserve(const char* call, size_t bytes, size_t* reserved) {
  const size_t need = bytes + MPI_BSEND_OVERHEAD;
  if (g_buffer == nullptr) {
    return error(MPI_ERR_BUFFER, "%s: no buffer is attached (MPI_Buffer_attach) for a buffered "
                                 "send of %zu bytes", call, bytes);
  }
  if (g_used + need > g_size) {
    return error(MPI_ERR_BUFFER,
                 "%s: the attached buffer of %zu bytes has %zu bytes free; this message needs %zu "
                 "(%zu + MPI_BSEND_OVERHEAD)", call, g_size, g_size - g_used, need, bytes);
  }
  g_used += need;
  *reserved = need;
  return Status();
}

void bsend_release(size_t reserved) { g_used -= reserved; }

}  // namespace weft
