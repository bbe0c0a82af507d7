#include "transport/tcp/tcp_mesh.h"

#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "base/config.h"
#include "mpi.h"

namespace weft::transport::tcp {

namespace asio = boost::asio;
using asio::ip::tcp;

const config::Setting kDebug{"WEFT_DEBUG", config::Type::boolean, "0",
                             "Prints transport and protocol decisions to stderr when 1."};

bool debug_enabled() {
  static const bool enabled = kDebug.boolean();
  return enabled;
}

namespace {

constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string endpoint_text(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string host = address.to_string();
  if (address.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

// The first address of a network interface by name, IPv4 preferred; unspecified when
// there is no such interface.
asio::ip::address interface_address(const std::string& name) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {};
  asio::ip::address v4;
  asio::ip::address v6;
  for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || name != entry->ifa_name) continue;
    if (entry->ifa_addr->sa_family == AF_INET && v4.is_unspecified()) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), &in->sin_addr, bytes.size());
      v4 = asio::ip::address_v4(bytes);
    } else if (entry->ifa_addr->sa_family == AF_INET6 && v6.is_unspecified()) {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), &in6->sin6_addr, bytes.size());
      asio::ip::address_v6 candidate(bytes, in6->sin6_scope_id);
      // A link-local address is only meaningful with its scope, which the published text
      // cannot carry reliably to another host.
      if (!candidate.is_link_local()) v6 = candidate;
    }
  }
  ::freeifaddrs(list);
  if (!v4.is_unspecified()) return v4;
  return v6;
}

void set_close_on_exec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

Hello make_hello(const MeshPlan& plan) {
  Hello hello{};
  hello.magic = kHelloMagic;
  hello.rank = plan.local_rank;
  hello.job_key = plan.job_key;
  return hello;
}

// Checks a received hello; on failure says why in `reason`.
bool check_hello(const Hello& hello, const JobKey& key, std::string& reason) {
  if (hello.magic == __builtin_bswap32(kHelloMagic)) {
    reason = "the peer uses the other byte order; weft needs a job of one byte order";
    return false;
  }
  if (hello.magic != kHelloMagic) {
    char text[96];
    std::snprintf(text, sizeof text,
                  "bad magic 0x%08x (not a weft tcp connection, or another version)", hello.magic);
    reason = text;
    return false;
  }
  if (hello.job_key != key) {
    reason = "its job key differs (another job, or WEFT_PMI_KEY not shared)";
    return false;
  }
  return true;
}

}  // namespace

JobKey job_key_from_text(std::string_view text) {
  JobKey key{};
  if (text.empty()) return key;
  if (text.size() == 2 * key.size() &&
      std::all_of(text.begin(), text.end(), [](char c) { return hex_value(c) >= 0; })) {
    for (size_t i = 0; i < key.size(); ++i) {
      key[i] = static_cast<uint8_t>(hex_value(text[2 * i]) * 16 + hex_value(text[2 * i + 1]));
    }
    return key;
  }
  // Two 64-bit FNV-1a hashes with different starting values. The key only tells jobs
  // apart (it travels in clear text), so a non-cryptographic hash is enough.
  uint64_t first = 0xcbf29ce484222325ull;
  uint64_t second = 0x84222325cbf29ce4ull;
  for (char c : text) {
    first = (first ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
    second = (second ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  }
  std::memcpy(key.data(), &first, 8);
  std::memcpy(key.data() + 8, &second, 8);
  return key;
}

bool split_address(std::string_view text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return false;
  std::string_view host_part = text.substr(0, colon);
  if (host_part.size() >= 2 && host_part.front() == '[' && host_part.back() == ']') {
    host_part = host_part.substr(1, host_part.size() - 2);
  }
  unsigned value = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 65535) return false;
  }
  host.assign(host_part);
  port = static_cast<uint16_t>(value);
  return !host.empty();
}

// ---------------------------------------------------------------------------------------
// The handshake of one build_mesh call. Lives in TcpListener::Impl, declared before the
// io_context, so that coroutines still suspended when the io_context is destroyed never
// outlive it.
class MeshRun {
 public:
  MeshRun(asio::io_context& io, tcp::acceptor& acceptor, const MeshPlan& plan)
      : io_(io), acceptor_(acceptor), plan_(plan) {
    awaited_.insert(plan.accept_from.begin(), plan.accept_from.end());
  }

  size_t expected() const { return plan_.connect_to.size() + plan_.accept_from.size(); }
  bool complete() const { return established_.size() == expected(); }
  const Status& fatal() const { return fatal_; }
  std::map<int, tcp::socket>& established() { return established_; }

  void start() {
    for (const auto& [rank, address] : plan_.connect_to) {
      std::string host;
      uint16_t port = 0;
      boost::system::error_code ec;
      asio::ip::address ip;
      if (split_address(address, host, port)) ip = asio::ip::make_address(host, ec);
      if (port == 0 || ec || ip.is_unspecified()) {
        set_fatal(error(MPI_ERR_OTHER,
                        "tcp transport: rank %d published the address \"%s\", which is not "
                        "ip:port",
                        rank, address.c_str()));
        return;
      }
      asio::co_spawn(io_, connect_to(rank, tcp::endpoint(ip, port)), asio::detached);
    }
    if (!plan_.accept_from.empty()) asio::co_spawn(io_, accept_loop(), asio::detached);
    if (complete()) io_.stop();
  }

  // Names the ranks still missing and what was last seen of them.
  std::string missing_text() const {
    std::string ranks;
    std::string details;
    auto note = [&](int rank) {
      if (established_.count(rank) != 0) return;
      if (!ranks.empty()) ranks += ", ";
      ranks += std::to_string(rank);
      auto it = last_error_.find(rank);
      if (it != last_error_.end()) details += "; rank " + std::to_string(rank) + ": " + it->second;
    };
    for (const auto& entry : plan_.connect_to) note(entry.first);
    for (int rank : plan_.accept_from) note(rank);
    for (const auto& text : rejected_) details += "; rejected " + text;
    return ranks + details;
  }

 private:
  void set_fatal(Status status) {
    if (fatal_.ok()) fatal_ = std::move(status);
    io_.stop();
  }

  void add(int rank, tcp::socket socket) {
    established_.emplace(rank, std::move(socket));
    if (complete()) io_.stop();
  }

  asio::awaitable<void> connect_to(int rank, tcp::endpoint endpoint) {
    const std::string where = endpoint_text(endpoint);
    asio::steady_timer backoff(io_);
    auto delay = std::chrono::milliseconds(10);
    for (;;) {
      tcp::socket socket(io_);
      auto [connect_error] = co_await socket.async_connect(endpoint, kAwait);
      if (!connect_error) {
        socket.set_option(tcp::no_delay(true), connect_error);
        Hello hello = make_hello(plan_);
        auto [write_error, written] =
            co_await asio::async_write(socket, asio::buffer(&hello, sizeof hello), kAwait);
        (void)written;
        if (!write_error) {
          Hello reply{};
          auto [read_error, read] =
              co_await asio::async_read(socket, asio::buffer(&reply, sizeof reply), kAwait);
          (void)read;
          if (read_error) {
            // The acceptor closes a connection it does not want without replying.
            set_fatal(error(MPI_ERR_OTHER,
                            "tcp transport: rank %d at %s closed the connection from rank %d "
                            "during the handshake (%s): it rejected this process's job key "
                            "(WEFT_PMI_KEY) or rank, or it has exited",
                            rank, where.c_str(), plan_.local_rank, read_error.message().c_str()));
            co_return;
          }
          std::string reason;
          if (!check_hello(reply, plan_.job_key, reason)) {
            set_fatal(error(MPI_ERR_OTHER,
                            "tcp transport: the process at %s (rank %d) is not "
                            "a peer of this job: %s",
                            where.c_str(), rank, reason.c_str()));
            co_return;
          }
          if (reply.rank != rank) {
            set_fatal(error(MPI_ERR_OTHER,
                            "tcp transport: the process at %s answered as rank %d, expected "
                            "rank %d (stale address in the bootstrap?)",
                            where.c_str(), reply.rank, rank));
            co_return;
          }
          add(rank, std::move(socket));
          co_return;
        }
        last_error_[rank] = "sending the hello to " + where + ": " + write_error.message();
      } else {
        last_error_[rank] = "connecting to " + where + ": " + connect_error.message();
      }
      // The listener exists before any rank gets here (publish precedes the bootstrap
      // barrier), so a refusal means a full backlog or a transient failure: try again
      // until the deadline, which then reports the last error.
      backoff.expires_after(delay);
      co_await backoff.async_wait(kAwait);
      delay = std::min(delay * 2, std::chrono::milliseconds(200));
    }
  }

  asio::awaitable<void> accept_loop() {
    asio::steady_timer backoff(io_);
    for (;;) {
      auto [accept_error, socket] = co_await acceptor_.async_accept(kAwait);
      if (accept_error == asio::error::operation_aborted) co_return;
      if (accept_error) {
        // Out of descriptors and the like: pause rather than spin on the error.
        backoff.expires_after(std::chrono::milliseconds(20));
        co_await backoff.async_wait(kAwait);
        continue;
      }
      asio::co_spawn(io_, greet(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> greet(tcp::socket socket) {
    boost::system::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    const std::string from = ignored ? std::string("an unknown address") : endpoint_text(remote);
    Hello hello{};
    auto [read_error, read] =
        co_await asio::async_read(socket, asio::buffer(&hello, sizeof hello), kAwait);
    (void)read;
    if (read_error) co_return;  // a client that left before its hello: nothing to report
    std::string reason;
    if (check_hello(hello, plan_.job_key, reason)) {
      if (awaited_.count(hello.rank) == 0) {
        reason = "it claims rank " + std::to_string(hello.rank) +
                 ", which is not expected to connect here or is already connected";
      }
    }
    if (!reason.empty()) {
      reject(from, reason);
      co_return;  // closing the socket is the rejection
    }
    awaited_.erase(hello.rank);
    socket.set_option(tcp::no_delay(true), ignored);
    Hello reply = make_hello(plan_);
    auto [write_error, written] =
        co_await asio::async_write(socket, asio::buffer(&reply, sizeof reply), kAwait);
    (void)written;
    if (write_error) {
      // The connecting side will report the failure; keep waiting for a retry from it.
      awaited_.insert(hello.rank);
      last_error_[hello.rank] = "replying to the hello from " + from + ": " + write_error.message();
      co_return;
    }
    add(hello.rank, std::move(socket));
  }

  void reject(const std::string& from, const std::string& reason) {
    std::string text = "a connection from " + from + ": " + reason;
    if (debug_enabled()) {
      std::fprintf(stderr, "weft[tcp] rank %d: %s\n", plan_.local_rank, text.c_str());
    }
    // Keep a few for the timeout message; a port scanner must not grow this without end.
    if (rejected_.size() < 4) rejected_.push_back(std::move(text));
  }

  asio::io_context& io_;
  tcp::acceptor& acceptor_;
  const MeshPlan& plan_;
  std::set<int> awaited_;  // higher ranks whose hello has not been accepted yet
  std::map<int, tcp::socket> established_;
  std::map<int, std::string> last_error_;
  std::vector<std::string> rejected_;
  Status fatal_;
};

// ---------------------------------------------------------------------------------------

struct TcpListener::Impl {
  std::unique_ptr<MeshRun> run;  // destroyed after io, see MeshRun
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
};

TcpListener::TcpListener() : impl_(std::make_unique<Impl>()) {}
TcpListener::~TcpListener() = default;

Status TcpListener::open(const std::string& interface_text) {
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(interface_text, ec);
  if (ec) {
    address = interface_address(interface_text);
    if (address.is_unspecified()) {
      return error(MPI_ERR_OTHER,
                   "tcp transport: WEFT_TCP_INTERFACE=\"%s\" is neither an IP address nor a "
                   "network interface with an address",
                   interface_text.c_str());
    }
  } else if (address.is_unspecified()) {
    return error(MPI_ERR_OTHER,
                 "tcp transport: WEFT_TCP_INTERFACE=\"%s\" is a wildcard; give the address "
                 "other ranks should connect to",
                 interface_text.c_str());
  }

  tcp::acceptor& acceptor = impl_->acceptor;
  const tcp::endpoint endpoint(address, 0);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  tcp::endpoint bound;
  if (!ec) bound = acceptor.local_endpoint(ec);
  if (ec) {
    acceptor.close(ec);
    return error(MPI_ERR_OTHER,
                 "tcp transport: cannot listen on %s (WEFT_TCP_INTERFACE=\"%s\"): %s",
                 address.to_string().c_str(), interface_text.c_str(), ec.message().c_str());
  }
  set_close_on_exec(acceptor.native_handle());
  address_ = endpoint_text(bound);
  return Status::success();
}

Status TcpListener::build_mesh(const MeshPlan& plan, std::vector<MeshSocket>& sockets) {
  sockets.clear();
  if (!impl_->acceptor.is_open()) {
    return error(MPI_ERR_INTERN, "tcp transport: connect before a successful publish");
  }
  impl_->run = std::make_unique<MeshRun>(impl_->io, impl_->acceptor, plan);
  MeshRun& run = *impl_->run;
  run.start();
  if (!run.complete() && run.fatal().ok()) impl_->io.run_for(plan.timeout);

  if (!run.fatal().ok()) return run.fatal();
  if (!run.complete()) {
    const auto seconds = std::chrono::duration<double>(plan.timeout).count();
    return error(MPI_ERR_OTHER,
                 "tcp transport: rank %d timed out after %.1f s waiting for connections with "
                 "ranks %s",
                 plan.local_rank, seconds, run.missing_text().c_str());
  }

  for (auto& [rank, socket] : run.established()) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    int fd = socket.release(ec);
    if (ec) {
      for (const MeshSocket& taken : sockets) ::close(taken.fd);
      sockets.clear();
      return error(MPI_ERR_INTERN, "tcp transport: cannot take over the socket of rank %d: %s",
                   rank, ec.message().c_str());
    }
    // release() leaves the descriptor as it was; make its mode explicit for the packet path.
    int flags = ::fcntl(fd, F_GETFL);
    if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_close_on_exec(fd);
    sockets.push_back(MeshSocket{rank, fd});
  }
  run.established().clear();
  if (debug_enabled()) {
    std::fprintf(stderr, "weft[tcp] rank %d: connected to %zu peers\n", plan.local_rank,
                 sockets.size());
  }
  return Status::success();
}

int TcpListener::release_listener() {
  boost::system::error_code ec;
  if (!impl_->acceptor.is_open()) return -1;
  int fd = impl_->acceptor.release(ec);
  if (ec) return -1;
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  return fd;
}

}  // namespace weft::transport::tcp
