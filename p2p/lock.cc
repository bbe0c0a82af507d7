#include "p2p/lock.h"

namespace weft {

namespace state_internal {
bool g_engine_locking = false;
}

std::mutex& engine_lock() {
  static std::mutex lock;
  return lock;
}

}  // namespace weft
