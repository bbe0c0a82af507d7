#include "transport/registry.h"

#include "transport/self/self_transport.h"
#include "transport/shm/shm_transport.h"
#include "transport/tcp/tcp_transport.h"

namespace weft::transport {

const config::Setting kEagerLimit{
    "WEFT_EAGER_LIMIT", config::Type::bytes, "16384",
    "Largest message (bytes) sent eagerly; larger ones use the rendezvous protocol.",
    config::Write::any_time_local};
const config::Setting kShmFragment{
    "WEFT_SHM_FRAGMENT", config::Type::bytes, "65536",
    "Fragment size in bytes of a rendezvous message pipelined through the ring (below "
    "WEFT_SHM_SINGLE_COPY, or when single copy is unavailable)."};
const config::Setting kJobKey{
    "WEFT_PMI_KEY", config::Type::string, "",
    "Job key set by weftrun; every PMI connection must present it (set by the launcher, not "
    "by users)."};

namespace {

// What each transport carried: messages the engine sent (every MPI message, point-to-point
// or inside a collective, once) and their packed bytes.
mpit::Traffic g_self_traffic{
    "self_messages_sent", "Messages this process sent to itself (the self transport).",
    "self_bytes_sent", "Bytes of the messages this process sent to itself."};
mpit::Traffic g_shm_traffic{
    "shm_messages_sent", "Messages sent to processes on this host over shared memory.",
    "shm_bytes_sent", "Bytes of the messages sent over shared memory."};
mpit::Traffic g_tcp_traffic{
    "tcp_messages_sent", "Messages sent over TCP.", "tcp_bytes_sent",
    "Bytes of the messages sent over TCP."};

template <class T>
std::unique_ptr<Transport> counted(std::unique_ptr<T> transport, mpit::Traffic* traffic) {
  transport->set_traffic(traffic);
  return transport;
}

}  // namespace

// A table here rather than self-registering objects in each transport's file: a static
// library drops objects nothing refers to, and a registration lost that way would go
// unnoticed. The libfabric (ofi) transport will sit between shm and tcp.
const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = {
      {"self", true, [](int self) -> std::unique_ptr<Transport> {
         return counted(std::make_unique<SelfTransport>(self), &g_self_traffic);
       }},
      {"shm", false, [](int) -> std::unique_ptr<Transport> {
         return counted(std::make_unique<ShmTransport>(), &g_shm_traffic);
       }},
      {"tcp", false, [](int) -> std::unique_ptr<Transport> {
         return counted(std::make_unique<TcpTransport>(), &g_tcp_traffic);
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
