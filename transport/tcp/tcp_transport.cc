#include "transport/tcp/tcp_transport.h"

#include <poll.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/config.h"
#include "mpi.h"
#include "transport/tcp/tcp_connection.h"
#include "transport/tcp/tcp_mesh.h"
#include "transport/tcp/tcp_wire.h"

namespace weft::transport {

using tcp::TcpConnection;

namespace {

// Readiness events taken per poll(); with more ready sockets the rest come next time
// (level-triggered), which also bounds the work of one poll().
constexpr int kMaxEventsPerPoll = 32;

// Accepted late connections waiting to be claimed by a finish_late (see there).
constexpr size_t kMaxParked = 256;

const config::Setting kInterface{
    "WEFT_TCP_INTERFACE", config::Type::string, "127.0.0.1",
    "Address (or interface name, e.g. eth0) the tcp transport listens on and publishes to "
    "peers."};

}  // namespace

TcpTransport::TcpTransport() : TcpTransport(Options{}) {}

TcpTransport::TcpTransport(Options options) : options_(std::move(options)) {
  job_key_ = options_.job_key ? *options_.job_key
                              : tcp::job_key_from_text(kJobKey.text());
}

TcpTransport::~TcpTransport() {
  connections_.clear();  // closes the sockets
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

Status TcpTransport::publish(Bootstrap& bootstrap) {
  if (listener_ || connected_) {
    return error(MPI_ERR_INTERN, "tcp transport: publish called twice");
  }
  rank_ = bootstrap.rank();
  const std::string interface =
      options_.interface.empty() ? kInterface.text() : options_.interface;
  auto listener = std::make_unique<tcp::TcpListener>();
  WEFT_TRY(listener->open(interface));
  WEFT_TRY(bootstrap.put("tcp-addr", listener->address()));
  address_ = listener->address();
  listener_ = std::move(listener);
  if (tcp::debug_enabled()) {
    std::fprintf(stderr, "weft[tcp] rank %d: listening on %s\n", rank_, address_.c_str());
  }
  return Status::success();
}

Status TcpTransport::connect(Bootstrap& bootstrap, const std::vector<int>& peers) {
  if (!listener_) {
    return error(MPI_ERR_INTERN, "tcp transport: connect called %s",
                 connected_ ? "twice" : "before publish");
  }
  const int size = bootstrap.size();
  std::vector<int> sorted(peers);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());

  tcp::MeshPlan plan;
  plan.local_rank = rank_;
  plan.job_key = job_key_;
  plan.timeout = options_.connect_timeout;
  for (int peer : sorted) {
    if (peer < 0 || peer >= size) {
      return error(MPI_ERR_INTERN, "tcp transport: peer rank %d is outside the job of %d", peer,
                   size);
    }
    if (peer == rank_) continue;
    if (peer > rank_) {
      plan.accept_from.push_back(peer);
      continue;
    }
    std::string address;
    Status got = bootstrap.get(peer, "tcp-addr", address);
    if (!got.ok()) {
      return Status(got.error_class(), "tcp transport: no address of rank " + std::to_string(peer) +
                                           ": " + got.message());
    }
    plan.connect_to.emplace_back(peer, std::move(address));
  }

  std::vector<tcp::MeshSocket> sockets;
  Status built = listener_->build_mesh(plan, sockets);
  // The port stays open for processes met later (connect_late); its backlog holds their
  // connections until finish_late accepts them.
  if (built.ok()) listen_fd_ = listener_->release_listener();
  listener_.reset();
  connected_ = true;
  if (!built.ok()) return built;

  world_size_ = size;
  by_rank_.assign(static_cast<size_t>(size), nullptr);
  registered_.assign(static_cast<size_t>(size), false);
  if (!sockets.empty() || listen_fd_ >= 0) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) {
      for (const auto& socket : sockets) ::close(socket.fd);
      return error(MPI_ERR_OTHER, "tcp transport: epoll_create1 failed: %s", std::strerror(errno));
    }
  }
  std::sort(sockets.begin(), sockets.end(),
            [](const tcp::MeshSocket& a, const tcp::MeshSocket& b) { return a.rank < b.rank; });
  for (const auto& socket : sockets) {
    connections_.push_back(std::make_unique<TcpConnection>(socket.rank, rank_, socket.fd));
  }
  for (const auto& owned : connections_) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = owned.get();
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, owned->fd(), &event) != 0) {
      return error(MPI_ERR_OTHER, "tcp transport: epoll_ctl failed for rank %d: %s", owned->peer(),
                   std::strerror(errno));
    }
    by_rank_[static_cast<size_t>(owned->peer())] = owned.get();
    registered_[static_cast<size_t>(owned->peer())] = true;
  }
  return Status::success();
}

Status TcpTransport::add_connection(int peer, int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const auto index = static_cast<size_t>(peer);
  if (by_rank_.size() <= index) {
    by_rank_.resize(index + 1, nullptr);
    registered_.resize(index + 1, false);
  }
  connections_.push_back(std::make_unique<TcpConnection>(peer, rank_, fd));
  TcpConnection* added = connections_.back().get();
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = added;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    return error(MPI_ERR_OTHER, "tcp transport: epoll_ctl failed for process %d: %s", peer,
                 std::strerror(errno));
  }
  by_rank_[index] = added;
  registered_[index] = true;
  return Status();
}

namespace {

// Writes or reads exactly `length` bytes on a blocking-style loop over a socket that may be
// non-blocking, waiting at most until `deadline`.
bool move_exactly(int fd, bool write, void* data, size_t length,
                  std::chrono::steady_clock::time_point deadline) {
  char* bytes = static_cast<char*>(data);
  size_t done = 0;
  while (done < length) {
    ssize_t n = write ? ::send(fd, bytes + done, length - done, MSG_NOSIGNAL)
                      : ::recv(fd, bytes + done, length - done, 0);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd wait{fd, static_cast<short>(write ? POLLOUT : POLLIN), 0};
    ::poll(&wait, 1, static_cast<int>(left.count()) + 1);
  }
  return true;
}

}  // namespace

Status TcpTransport::connect_late(uint64_t self_uid, const std::vector<LatePeer>& peers) {
  uid_ = self_uid;
  for (const LatePeer& late : peers) {
    if (late.uid < self_uid) continue;  // it connects to us (finish_late)
    auto found = late.card->find("tcp-addr");
    std::string host;
    uint16_t port = 0;
    if (found == late.card->end() || !tcp::split_address(found->second, host, port)) {
      return error(MPI_ERR_OTHER, "tcp transport: process %d published no tcp address", late.peer);
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* result = nullptr;
    const std::string port_text = std::to_string(port);
    if (::getaddrinfo(host.c_str(), port_text.c_str(), &hints, &result) != 0 || result == nullptr) {
      return error(MPI_ERR_OTHER, "tcp transport: cannot resolve %s of process %d",
                   found->second.c_str(), late.peer);
    }
    int fd = ::socket(result->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool connected = fd >= 0 && ::connect(fd, result->ai_addr, result->ai_addrlen) == 0;
    const int reason = errno;
    ::freeaddrinfo(result);
    if (!connected) {
      if (fd >= 0) ::close(fd);
      return error(MPI_ERR_OTHER, "tcp transport: cannot connect to process %d at %s: %s",
                   late.peer, found->second.c_str(), std::strerror(reason));
    }
    tcp::LateHello hello{};
    hello.magic = tcp::kLateHelloMagic;
    hello.uid = self_uid;
    hello.job_key = late.key.empty() ? job_key_ : tcp::job_key_from_text(late.key);
    if (!move_exactly(fd, true, &hello, sizeof hello,
                      std::chrono::steady_clock::now() + std::chrono::seconds(10))) {
      ::close(fd);
      return error(MPI_ERR_OTHER, "tcp transport: cannot greet process %d at %s", late.peer,
                   found->second.c_str());
    }
    if (epoll_fd_ < 0) epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    WEFT_TRY(add_connection(late.peer, fd));
  }
  return Status();
}

Status TcpTransport::finish_late(const std::vector<LatePeer>& peers) {
  const auto deadline = std::chrono::steady_clock::now() + options_.connect_timeout;
  for (const LatePeer& late : peers) {
    if (late.uid > uid_) continue;  // we connected in connect_late
    // The key this peer presents: the job's, or the one of the port or join it came by.
    const tcp::JobKey expected = late.key.empty() ? job_key_ : tcp::job_key_from_text(late.key);
    for (;;) {
      auto parked = std::find_if(parked_.begin(), parked_.end(), [&](const Parked& entry) {
        return entry.uid == late.uid && entry.key == expected;
      });
      if (parked != parked_.end()) {
        const int fd = parked->fd;
        parked_.erase(parked);
        WEFT_TRY(add_connection(late.peer, fd));
        break;
      }
      if (listen_fd_ < 0) {
        return error(MPI_ERR_OTHER, "tcp transport: no listening socket for process %d", late.peer);
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        return error(MPI_ERR_OTHER,
                     "tcp transport: process %d did not connect within %.0f s", late.peer,
                     std::chrono::duration<double>(options_.connect_timeout).count());
      }
      pollfd wait{listen_fd_, POLLIN, 0};
      if (::poll(&wait, 1, static_cast<int>(std::min<int64_t>(left.count(), 100))) <= 0) continue;
      int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) continue;
      tcp::LateHello hello{};
      if (!move_exactly(fd, false, &hello, sizeof hello,
                        std::chrono::steady_clock::now() + std::chrono::seconds(10)) ||
          hello.magic != tcp::kLateHelloMagic) {
        ::close(fd);  // a stray client, or a peer that went away
        continue;
      }
      // Filed with its key, which is checked when the peer is claimed: a peer met through a
      // port may connect before this process has learned that meeting's key. A connection
      // never claimed (a wrong key, another job) goes once too many wait here.
      if (parked_.size() >= kMaxParked) {
        ::close(parked_.front().fd);
        parked_.erase(parked_.begin());
      }
      parked_.push_back(Parked{hello.uid, hello.job_key, fd});
    }
  }
  return Status();
}

TcpConnection* TcpTransport::connection(int peer) const {
  if (peer < 0 || static_cast<size_t>(peer) >= by_rank_.size()) return nullptr;
  return by_rank_[static_cast<size_t>(peer)];
}

void TcpTransport::retire(TcpConnection& connection) {
  const auto index = static_cast<size_t>(connection.peer());
  if (!registered_[index]) return;
  registered_[index] = false;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection.fd(), nullptr);
  if (tcp::debug_enabled()) {
    Status why = connection.status();
    std::fprintf(stderr, "weft[tcp] rank %d: %s\n", rank_, why.message().c_str());
  }
}

Status TcpTransport::peer_status(int peer) const {
  const TcpConnection* target = connection(peer);
  if (target == nullptr) {
    return error(MPI_ERR_INTERN, "tcp transport: rank %d has no tcp connection to rank %d", rank_,
                 peer);
  }
  return target->status();
}

Status TcpTransport::send(int peer, const void* header, size_t header_len, const void* payload,
                          size_t payload_len) {
  TcpConnection* target = connection(peer);
  if (target == nullptr) {
    return error(MPI_ERR_INTERN, "tcp transport: rank %d has no tcp connection to rank %d", rank_,
                 peer);
  }
  Status sent = target->send(header, header_len, payload, payload_len);
  if (!target->open()) retire(*target);
  return sent;
}

bool TcpTransport::ready_to_send(int peer, size_t payload_len) const {
  (void)payload_len;
  const TcpConnection* target = connection(peer);
  // A gone peer is "ready": the engine's next send then returns the error at once
  // instead of waiting for room that will never come.
  return target == nullptr || !target->open() || !target->has_queued();
}

int TcpTransport::poll(PacketSink& sink) {
  if (epoll_fd_ < 0) return 0;
  for (const auto& owned : connections_) {
    if (owned->has_queued()) {
      owned->flush();
      if (!owned->open()) retire(*owned);
    }
  }

  epoll_event events[kMaxEventsPerPoll];
  int ready = ::epoll_wait(epoll_fd_, events, kMaxEventsPerPoll, 0);
  int delivered = 0;
  for (int i = 0; i < ready; ++i) {
    auto* source = static_cast<TcpConnection*>(events[i].data.ptr);
    // A re-entrant send from the sink may have failed this connection meanwhile.
    if (!source->open()) continue;
    delivered += source->receive(sink);
    if (!source->open()) retire(*source);
  }
  return delivered;
}

void TcpTransport::wait_fds(std::vector<int>& fds) const {
  for (const auto& owned : connections_) {
    if (owned->open()) fds.push_back(owned->fd());
  }
}

bool TcpTransport::has_pending_sends() const {
  return std::any_of(connections_.begin(), connections_.end(),
                     [](const auto& owned) { return owned->has_queued(); });
}

void TcpTransport::close() {
  if (closed_) return;
  closed_ = true;
  listener_.reset();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  for (const auto& entry : parked_) ::close(entry.fd);
  parked_.clear();

  // Goodbye frames go behind anything still queued (the last packets of the final
  // barrier may be among it), so the peers read everything before the expected EOF.
  struct Closing {
    TcpConnection* connection;
    bool sending;  // goodbye not yet fully written, or our side not yet shut down
    bool reading;  // peer's end of stream not yet seen
  };
  std::vector<Closing> closing;
  for (const auto& owned : connections_) {
    if (!owned->open()) continue;
    (void)owned->send(nullptr, 0, nullptr, 0, tcp::kFrameGoodbye);
    // A process met later (a parent, a disconnected child) may go on for long after this
    // one finalizes: its end of stream is not waited for, only our goodbye is delivered.
    const bool late = owned->peer() >= world_size_;
    closing.push_back(Closing{owned.get(), true, !late});
  }

  // Wait for the queues to drain and for every peer's end of stream, reading and
  // discarding meanwhile: two ranks pushing out large queues to each other must not
  // stall on full buffers, and closing a socket with unread input would reset it.
  const auto deadline = std::chrono::steady_clock::now() + options_.close_timeout;
  std::vector<pollfd> fds;
  for (;;) {
    fds.clear();
    for (auto& entry : closing) {
      TcpConnection& c = *entry.connection;
      if (entry.sending && !c.has_queued()) {
        if (c.open()) c.shutdown_send();
        entry.sending = false;
      }
      if (entry.sending && !c.open()) entry.sending = false;
      short events = 0;
      if (entry.sending) events |= POLLOUT;
      if (entry.reading) events |= POLLIN;
      if (events != 0) fds.push_back(pollfd{c.fd(), events, 0});
    }
    if (fds.empty()) break;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()) + 1);
    if (ready < 0 && errno != EINTR) break;
    for (auto& entry : closing) {
      TcpConnection& c = *entry.connection;
      if (entry.sending) c.flush();
      if (entry.reading && !c.discard_input()) entry.reading = false;
    }
  }

  connections_.clear();
  by_rank_.assign(by_rank_.size(), nullptr);
  registered_.assign(registered_.size(), false);
  if (epoll_fd_ >= 0) {
    ::close(epoll_fd_);
    epoll_fd_ = -1;
  }
}

}  // namespace weft::transport
