// The tcp transport: one plain TCP connection per peer, for peers no faster transport
// reaches (or for every peer under WEFT_TRANSPORT=tcp).
//
// Start-up (tcp_mesh.*) uses Boost.Asio; the packet path works on the raw non-blocking
// sockets: send() writes a packet with one sendmsg (frame header, engine header,
// payload as a gather list) and queues only what the socket does not take; poll() asks
// one epoll instance which sockets are readable, with a zero timeout, and reads only
// those. Measured on the 2-core development machine with idle loopback connections, one
// zero-timeout epoll_wait costs ~0.2 us for 1-8 sockets, poll(2) ~0.6-1 us, and one
// non-blocking recv per socket ~0.5 us each; so an idle poll() is one cheap system call
// whatever the number of peers, and a busy one adds one read per ready socket.
//
// Failure model: a peer whose connection ends without its goodbye frame (it exited or
// crashed), resets, or sends a corrupt stream is marked failed; its socket leaves the
// readiness set (so poll() does not spin on it) and send() to it returns
// MPI_ERR_PROC_ABORTED naming it. After close() has been called by both ends (after the
// final barrier) the end of the stream is expected and reported as finalized instead.
//
// Not thread-safe: the engine serializes every call into a transport.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "transport/transport.h"

namespace weft::transport {

namespace tcp {
class TcpConnection;
class TcpListener;
}  // namespace tcp

class TcpTransport final : public Transport {
 public:
  struct Options {
    // Address or interface name to listen on; empty reads WEFT_TCP_INTERFACE.
    std::string interface;
    // The 16-byte job key presented in the handshake; empty derives it from WEFT_PMI_KEY.
    std::optional<std::array<uint8_t, 16>> job_key;
    // How long connect() waits for the whole mesh before it names the missing peers.
    std::chrono::milliseconds connect_timeout{60000};
    // How long close() may spend pushing out queued packets and waiting for the peers'
    // end of stream.
    std::chrono::milliseconds close_timeout{5000};
  };

  TcpTransport();
  explicit TcpTransport(Options options);
  ~TcpTransport() override;
  TcpTransport(const TcpTransport&) = delete;
  TcpTransport& operator=(const TcpTransport&) = delete;

  const char* name() const override { return "tcp"; }
  bool can_reach(int, bool) const override { return true; }

  Status publish(Bootstrap& bootstrap) override;
  Status connect(Bootstrap& bootstrap, const std::vector<int>& peers) override;

  Status send(int peer, const void* header, size_t header_len, const void* payload,
              size_t payload_len) override;
  bool ready_to_send(int peer, size_t payload_len) const override;
  int poll(PacketSink& sink) override;

  void wait_fds(std::vector<int>& fds) const override;
  bool has_pending_sends() const override;

  // Late peers: the side with the smaller uid connects to the other's listening socket
  // (kept open after start-up, outside the readiness set so it costs the packet path
  // nothing) and sends a LateHello; the other side accepts in finish_late, filing
  // connections from peers it does not expect yet until they are added.
  bool connects_any_time() const override { return listen_fd_ >= 0; }
  Status connect_late(uint64_t self_uid, const std::vector<LatePeer>& peers) override;
  Status finish_late(const std::vector<LatePeer>& peers) override;

  // Orderly shutdown after the final barrier: sends each peer a goodbye frame behind
  // anything still queued, drains the queues and waits (at most close_timeout) for every
  // peer's end of stream. Destroying the transport without close() drops the connections
  // abruptly, which the peers report as a lost process.
  void close() override;

  // Success while the connection to `peer` is usable; otherwise the error send() returns.
  Status peer_status(int peer) const;
  // The "ip:port" published under `tcp-addr` (empty before publish()).
  const std::string& address() const { return address_; }

 private:
  tcp::TcpConnection* connection(int peer) const;
  Status add_connection(int peer, int fd);
  // Takes a connection that stopped being open out of the readiness set.
  void retire(tcp::TcpConnection& connection);

  Options options_;
  std::array<uint8_t, 16> job_key_{};
  int rank_ = -1;
  std::string address_;
  std::unique_ptr<tcp::TcpListener> listener_;  // between publish() and connect()
  bool connected_ = false;
  bool closed_ = false;

  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<tcp::TcpConnection>> connections_;  // by ascending rank
  std::vector<tcp::TcpConnection*> by_rank_;                      // world rank -> connection
  std::vector<bool> registered_;                                  // by world rank: in epoll
  int listen_fd_ = -1;             // kept after start-up for late peers
  int world_size_ = 0;             // peers from here on were met after start-up
  uint64_t uid_ = 0;
  struct Parked {
    uint64_t uid;
    std::array<uint8_t, 16> key;  // the key its hello presented
    int fd;
  };
  std::vector<Parked> parked_;  // accepted late sockets not yet claimed
};

}  // namespace weft::transport
