#include "transport/registry.h"

#include "transport/self/self_transport.h"
#include "transport/shm/shm_transport.h"
#include "transport/tcp/tcp_transport.h"

namespace weft::transport {

const config::Setting kEagerLimit{
    "WEFT_EAGER_LIMIT", config::Type::bytes, "16384",
    "Largest message (bytes) sent eagerly; larger ones use the rendezvous protocol."};
const config::Setting kShmFragment{
    "WEFT_SHM_FRAGMENT", config::Type::bytes, "65536",
    "Fragment size in bytes of a rendezvous message pipelined through the ring (below "
    "WEFT_SHM_SINGLE_COPY, or when single copy is unavailable)."};
const config::Setting kJobKey{
    "WEFT_PMI_KEY", config::Type::string, "",
    "Job key set by weftrun; every PMI connection must present it (set by the launcher, not "
    "by users)."};

// A table here rather than self-registering objects in each transport's file: a static
// library drops objects nothing refers to, and a registration lost that way would go
// unnoticed. The libfabric (ofi) transport will sit between shm and tcp.
const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"self", true, [](int self) -> std::unique_ptr<Transport> {
         return std::make_unique<SelfTransport>(self);
       }},
      {"shm", false, [](int) -> std::unique_ptr<Transport> {
         return std::make_unique<ShmTransport>();
       }},
      {"tcp", false, [](int) -> std::unique_ptr<Transport> {
         return std::make_unique<TcpTransport>();
       }},
  };
  return entries;
}

std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const Entry& entry : registry()) out.emplace_back(entry.name);
  return out;
}

}  // namespace weft::transport
