#include "launcher/pmi_server.h"

#include <sys/socket.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <deque>

#include "launcher/stdio_forward.h"

namespace weft::launcher {

namespace asio = boost::asio;
using pmi::Fields;
using pmi::format_line;

namespace {
// A port connection that has not presented the key by then is dropped, so idle
// connections cannot pile up.
constexpr std::chrono::seconds kInitDeadline{10};
constexpr std::string_view kVersionFields = "pmi_version=1 pmi_subversion=1";
}  // namespace

class PmiServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(PmiServer& server, asio::generic::stream_protocol::socket socket, int rank)
      : server_(server),
        socket_(std::move(socket)),
        input_(pmi::kLineMax),
        deadline_(socket_.get_executor()),
        rank_(rank) {}

  void start() {
    if (rank_ < 0) {
      deadline_.expires_after(kInitDeadline);
      deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
        if (error || self->initialized || self->closed_) return;
        print_message("warning: closed a PMI connection on " + self->server_.port_address_ +
                      " that sent no init within " + std::to_string(kInitDeadline.count()) + " s");
        self->close();
      });
    }
    read_next();
  }

  void send(std::string line) {
    if (closed_ || closing_) return;
    output_.push_back(std::move(line));
    if (!writing_) write_next();
  }

  // Sends what is queued, then closes (used after refusing an init).
  void close_after_sending() {
    if (closed_) return;
    closing_ = true;
    if (!writing_) close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    deadline_.cancel();
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    server_.forget(*this);
  }

  [[nodiscard]] bool closed() const { return closed_; }
  [[nodiscard]] int rank() const { return rank_; }
  [[nodiscard]] bool is_rank() const { return rank_ >= 0; }

  bool initialized = false;
  bool finalized = false;

 private:
  void read_next() {
    asio::async_read_until(
        socket_, input_, '\n',
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t length) {
          if (self->closed_) return;
          if (error) {
            if (error == asio::error::not_found) {
              print_message("warning: " + self->server_.describe(*self) +
                            " sent a PMI line longer than " + std::to_string(pmi::kLineMax) +
                            " bytes; connection closed");
            }
            // End of file or a reset. A rank's death is learned from SIGCHLD; the close tells
            // the job controller that everything the rank sent has been handled.
            self->close();
            return;
          }
          auto data = self->input_.data();
          std::string line(asio::buffers_begin(data),
                           asio::buffers_begin(data) + static_cast<std::ptrdiff_t>(length));
          self->input_.consume(length);
          self->server_.handle(*self, line);
          if (!self->closed_ && !self->closing_) self->read_next();
        });
  }

  void write_next() {
    writing_ = true;
    asio::async_write(
        socket_, asio::buffer(output_.front()),
        [self = shared_from_this()](const boost::system::error_code& error, std::size_t) {
          self->writing_ = false;
          if (self->closed_) return;
          if (error) {
            self->close();
            return;
          }
          self->output_.pop_front();
          if (!self->output_.empty()) {
            self->write_next();
          } else if (self->closing_) {
            self->close();
          }
        });
  }

  PmiServer& server_;
  asio::generic::stream_protocol::socket socket_;
  asio::streambuf input_;
  asio::steady_timer deadline_;
  std::deque<std::string> output_;
  int rank_;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

struct PmiServer::Acceptor {
  explicit Acceptor(asio::io_context& io) : acceptor(io) {}
  asio::ip::tcp::acceptor acceptor;
};

PmiServer::PmiServer(asio::io_context& io, PmiJobInfo info, PmiEvents& events)
    : io_(io), info_(std::move(info)), events_(events) {
  in_barrier_.assign(static_cast<std::size_t>(info_.size), false);
  rank_sessions_.resize(static_cast<std::size_t>(info_.size));
}

PmiServer::~PmiServer() { shutdown(); }

void PmiServer::attach_rank(int rank, int fd) {
  asio::generic::stream_protocol::socket socket(io_);
  socket.assign(asio::generic::stream_protocol(AF_UNIX, 0), fd);
  auto session = std::make_shared<Session>(*this, std::move(socket), rank);
  rank_sessions_[static_cast<std::size_t>(rank)] = session;
  session->start();
}

std::string PmiServer::listen_loopback() {
  acceptor_ = std::make_unique<Acceptor>(io_);
  asio::ip::tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
  acceptor_->acceptor.open(endpoint.protocol());
  acceptor_->acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor_->acceptor.bind(endpoint);
  acceptor_->acceptor.listen();
  port_address_ = "127.0.0.1:" + std::to_string(acceptor_->acceptor.local_endpoint().port());
  accept_next();
  return port_address_;
}

void PmiServer::accept_next() {
  acceptor_->acceptor.async_accept(
      [this](const boost::system::error_code& error, asio::ip::tcp::socket peer) {
        if (shut_down_) return;
        if (!error) {
          boost::system::error_code ignored;
          peer.set_option(asio::ip::tcp::no_delay(true), ignored);
          asio::generic::stream_protocol::socket socket(io_);
          socket.assign(asio::generic::stream_protocol(AF_INET, IPPROTO_TCP), peer.release());
          auto session = std::make_shared<Session>(*this, std::move(socket), -1);
          port_sessions_.insert(session);
          session->start();
        } else if (error == asio::error::operation_aborted) {
          return;
        }
        // Other accept errors (EMFILE, a reset before accept) are transient: keep serving.
        accept_next();
      });
}

void PmiServer::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  if (acceptor_) {
    boost::system::error_code ignored;
    acceptor_->acceptor.close(ignored);
  }
  for (auto& session : rank_sessions_) {
    if (session) session->close();
  }
  auto port_sessions = port_sessions_;
  for (const auto& session : port_sessions) session->close();
}

bool PmiServer::rank_connected(int rank) const {
  const auto& session = rank_sessions_[static_cast<std::size_t>(rank)];
  return session && !session->closed();
}

void PmiServer::forget(Session& session) {
  if (session.is_rank()) {
    // Rank sessions stay, closed, for the job's lifetime.
    if (!shut_down_) events_.on_pmi_closed(session.rank());
    return;
  }
  for (auto it = port_sessions_.begin(); it != port_sessions_.end(); ++it) {
    if (it->get() == &session) {
      port_sessions_.erase(it);
      return;
    }
  }
}

std::string PmiServer::describe(const Session& session) const {
  if (session.is_rank()) return "rank " + std::to_string(session.rank());
  return "a connection on PMI_PORT " + port_address_;
}

void PmiServer::handle(Session& session, const std::string& line) {
  pmi::ParseResult parsed = pmi::parse_line(line);
  if (!session.initialized) {
    if (parsed.ok && parsed.message.command == "init") {
      handle_init(session, parsed.message);
      return;
    }
    print_message("warning: refused " + describe(session) +
                  ": its first PMI request must be cmd=init with the job key");
    session.send(std::string("cmd=response_to_init ") + std::string(kVersionFields) +
                 " rc=-1 msg=init_required\n");
    session.close_after_sending();
    return;
  }
  if (!parsed.ok) {
    print_message("warning: " + describe(session) + " sent a malformed PMI line (" + parsed.error +
                  ")");
    session.send(format_line("error", {{"rc", "-1"}, {"msg", "malformed_line"}}));
    return;
  }
  const pmi::Message& message = parsed.message;
  const std::string& command = message.command;
  auto not_a_rank = [&](std::string_view reply) {
    session.send(format_line(reply, {{"rc", "-1"}, {"msg", "not_a_rank"}}));
  };

  if (message.multi_line) {
    // mcmd=spawn (and any other multi-line command) is not served yet.
    session.send(format_line(command + "_result", {{"rc", "-1"}, {"msg", "unknown_command"}}));
  } else if (command == "init") {
    handle_init(session, message);
  } else if (command == "get_maxes") {
    session.send(format_line("maxes", {{"kvsname_max", std::to_string(pmi::kKvsNameMax)},
                                       {"keylen_max", std::to_string(pmi::kKeyMax)},
                                       {"vallen_max", std::to_string(pmi::kValueMax)},
                                       {"rc", "0"}}));
  } else if (command == "get_appnum") {
    if (!session.is_rank()) return not_a_rank("appnum");
    session.send(format_line(
        "appnum",
        {{"appnum", std::to_string(info_.appnums[static_cast<std::size_t>(session.rank())])},
         {"rc", "0"}}));
  } else if (command == "get_my_kvsname") {
    session.send(format_line("my_kvsname", {{"kvsname", info_.kvs_name}, {"rc", "0"}}));
  } else if (command == "get_universe_size") {
    session.send(
        format_line("universe_size",
                    {{"size", std::to_string(info_.universe_size.value_or(-1))}, {"rc", "0"}}));
  } else if (command == "put") {
    handle_put(session, message);
  } else if (command == "get") {
    handle_get(session, message);
  } else if (command == "barrier_in") {
    if (!session.is_rank()) return not_a_rank("barrier_out");
    handle_barrier(session);
  } else if (command == "finalize") {
    if (!session.is_rank()) return not_a_rank("finalize_ack");
    session.finalized = true;
    session.send(format_line("finalize_ack", {{"rc", "0"}}));
    events_.on_pmi_finalize(session.rank());
  } else if (command == "abort") {
    if (!session.is_rank()) return not_a_rank("abort_result");
    std::string code_text = message.get("exitcode", "1");
    char* end = nullptr;
    errno = 0;
    long code = std::strtol(code_text.c_str(), &end, 10);
    if (code_text.empty() || *end != '\0' || errno != 0 || code < INT_MIN || code > INT_MAX)
      code = 1;
    events_.on_pmi_abort(session.rank(), static_cast<int>(code), message.get("msg"));
  } else {
    session.send(format_line(command + "_result", {{"rc", "-1"}, {"msg", "unknown_command"}}));
  }
}

void PmiServer::handle_init(Session& session, const pmi::Message& message) {
  std::string refusal;
  std::string reason;
  if (!message.has("key")) {
    refusal = "missing_key";
    reason = "it presented no key";
  } else if (!pmi::keys_equal(info_.key, message.get("key"))) {
    refusal = "wrong_key";
    reason = "it presented a wrong key";
  } else if (message.get("pmi_version", "1") != "1") {
    refusal = "unsupported_version";
    reason = "it asks for PMI version " + message.get("pmi_version") + "; weftrun serves version 1";
  }
  if (!refusal.empty()) {
    print_message("warning: refused PMI init from " + describe(session) + ": " + reason +
                  "; connection closed");
    session.send(std::string("cmd=response_to_init ") + std::string(kVersionFields) +
                 " rc=-1 msg=" + refusal + "\n");
    session.close_after_sending();
    return;
  }
  session.send(std::string("cmd=response_to_init ") + std::string(kVersionFields) + " rc=0\n");
  if (!session.initialized) {
    session.initialized = true;
    if (session.is_rank()) events_.on_pmi_init(session.rank());
  }
}

void PmiServer::handle_put(Session& session, const pmi::Message& message) {
  auto refuse = [&](std::string_view why) {
    session.send(format_line("put_result", {{"rc", "-1"}, {"msg", std::string(why)}}));
  };
  if (message.has("kvsname") && message.get("kvsname") != info_.kvs_name)
    return refuse("unknown_kvsname");
  if (!message.has("key") || message.get("key").empty()) return refuse("missing_key");
  if (!message.has("value")) return refuse("missing_value");
  std::string key = message.get("key");
  std::string value = message.get("value");
  if (key.size() > pmi::kKeyMax) return refuse("key_too_long");
  if (value.size() > pmi::kValueMax) return refuse("value_too_long");
  if (!kvs_.emplace(std::move(key), std::move(value)).second) return refuse("duplicate_key");
  session.send(format_line("put_result", {{"rc", "0"}}));
}

void PmiServer::handle_get(Session& session, const pmi::Message& message) {
  auto refuse = [&](std::string_view why) {
    session.send(
        format_line("get_result", {{"rc", "-1"}, {"msg", std::string(why)}, {"value", ""}}));
  };
  if (message.has("kvsname") && message.get("kvsname") != info_.kvs_name)
    return refuse("unknown_kvsname");
  if (!message.has("key") || message.get("key").empty()) return refuse("missing_key");
  auto it = kvs_.find(message.get("key"));
  if (it == kvs_.end()) return refuse("key_not_found");
  session.send(format_line("get_result", {{"rc", "0"}, {"value", it->second}}));
}

void PmiServer::handle_barrier(Session& session) {
  auto index = static_cast<std::size_t>(session.rank());
  if (in_barrier_[index]) {
    print_message("warning: rank " + std::to_string(session.rank()) +
                  " entered the PMI barrier twice without leaving it");
    session.send(format_line("barrier_out", {{"rc", "-1"}, {"msg", "already_in_barrier"}}));
    return;
  }
  in_barrier_[index] = true;
  if (++barrier_count_ < info_.size) return;
  barrier_count_ = 0;
  in_barrier_.assign(in_barrier_.size(), false);
  std::string release = format_line("barrier_out", {{"rc", "0"}});
  for (auto& rank_session : rank_sessions_) {
    if (rank_session) rank_session->send(release);
  }
}

}  // namespace weft::launcher
