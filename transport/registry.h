// The transports built into this library, in the order they are tried for a peer. The
// point-to-point engine creates them from this list and routes each peer to the first one
// that can reach it (Transport::can_reach); it never names a transport. A new transport
// adds its entry in registry.cc.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "transport/transport.h"

namespace weft::transport {

struct Entry {
  const char* name;
  // Created in every process, alone or not, whatever WEFT_TRANSPORT forces (self).
  bool always;
  std::unique_ptr<Transport> (*create)(int self_process);
};

const std::vector<Entry>& registry();

// The names of the entries, in order (`weftrun --info`).
std::vector<std::string> names();

}  // namespace weft::transport
