// Start-up of the tcp transport: the listening socket published through the bootstrap,
// and the handshake that turns it into a full mesh of verified connections.
//
// Races are avoided by giving each pair of ranks exactly one direction: the higher rank
// connects, the lower rank accepts. The connecting side sends a Hello (magic, its world
// rank, the job key); the acceptor checks it and answers with its own Hello, which the
// connecting side checks in turn, so both ends know the connection belongs to this job
// and to the expected rank before it is used. A rejected connection is closed without a
// reply, which the connecting side reports as an error at once.
//
// Everything here runs on Boost.Asio inside one io_context, so all connects and accepts
// proceed together and one deadline bounds the whole start-up. The established sockets
// are then handed over as plain non-blocking file descriptors: the packet path does its
// own readiness polling (see TcpTransport::poll for why).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "transport/tcp/tcp_wire.h"

namespace weft::transport::tcp {

// WEFT_DEBUG: whether the tcp transport reports its connections on stderr (read once).
bool debug_enabled();

// Derives the job key from the text of WEFT_PMI_KEY: 32 hex digits are decoded as they
// are; any other non-empty text is hashed down to 16 bytes; empty text gives zeros (so
// processes started without a launcher still agree).
JobKey job_key_from_text(std::string_view text);

// Splits "ip:port" or "[ipv6]:port" as published under the key `tcp-addr`. Returns false
// when the text has no port.
bool split_address(std::string_view text, std::string& host, uint16_t& port);

struct MeshPlan {
  int local_rank = 0;
  JobKey job_key{};
  std::vector<std::pair<int, std::string>> connect_to;  // lower ranks and their addresses
  std::vector<int> accept_from;                         // higher ranks
  std::chrono::milliseconds timeout{60000};
};

// One established connection: its peer's world rank and the socket, non-blocking, with
// TCP_NODELAY and close-on-exec set. The receiver owns the descriptor.
struct MeshSocket {
  int rank;
  int fd;
};

class TcpListener {
 public:
  TcpListener();
  ~TcpListener();
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

  // Listens on an ephemeral port of `interface_text`: an IP address, or the name of a
  // network interface whose first address is used (IPv4 preferred).
  Status open(const std::string& interface_text);
  // "ip:port" (IPv6 in brackets) that peers connect to; valid after open().
  const std::string& address() const { return address_; }

  // Connects and accepts as `plan` says; returns when every connection exists, when
  // one fails for good, or at the deadline. On failure `sockets` is left empty.
  Status build_mesh(const MeshPlan& plan, std::vector<MeshSocket>& sockets);

  // Hands over the listening socket (non-blocking, close-on-exec) after build_mesh, so
  // processes met later can still connect; -1 when there is none.
  int release_listener();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string address_;
};

}  // namespace weft::transport::tcp
