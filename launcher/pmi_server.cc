#include "launcher/pmi_server.h"

#include <sys/random.h>
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

#include "launcher/name_service.h"
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
constexpr std::string_view kPortPrefix = "weft-port#";

// 128 random bits in hex: a port's token, which authorises whoever knows the port name.
std::string random_token() {
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("getrandom failed for a port token");
    got += static_cast<std::size_t>(n);
  }
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

// "<port>!<tag>" -> "<port>"
std::string base_port(const std::string& port) {
  const auto bang = port.find('!');
  return bang == std::string::npos ? port : port.substr(0, bang);
}
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
  // A process of another universe that came through a port: it may only leave a message
  // at that port and wait for the answer at "<port>!<tag>".
  std::string guest_port;
  // A multi-line command in progress (mcmd=spawn ... endcmd), and the blocks of a spawn
  // with several commands.
  bool in_block = false;
  pmi::Message block;
  std::vector<pmi::Message> spawn_blocks;

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
    : io_(io), info_(info), events_(events) {
  names_ = std::make_unique<NameService>(io);
  add_job(std::move(info));
}

int PmiServer::add_job(PmiJobInfo info) {
  Job job;
  job.first = static_cast<int>(rank_sessions_.size());
  job.in_barrier.assign(static_cast<std::size_t>(info.size), false);
  job.info = std::move(info);
  const int number = static_cast<int>(jobs_.size());
  rank_sessions_.resize(rank_sessions_.size() + static_cast<std::size_t>(job.info.size));
  process_job_.resize(rank_sessions_.size(), number);
  jobs_.push_back(std::move(job));
  return number;
}

void PmiServer::preput(int job, const std::string& key, const std::string& value) {
  jobs_[static_cast<std::size_t>(job)].kvs[key] = value;
}

bool PmiServer::spawn_pending(int job) const {
  return jobs_[static_cast<std::size_t>(job)].spawn_pending;
}

void PmiServer::fail_spawn(int job, const std::vector<int>& failed, const std::string& message) {
  Job& spawned = jobs_[static_cast<std::size_t>(job)];
  if (!spawned.spawn_pending) return;
  spawned.spawn_pending = false;
  std::string codes;
  for (int code : failed) codes += (codes.empty() ? "" : ",") + std::to_string(code);
  if (auto requester = spawned.requester.lock()) {
    requester->send(format_line("spawn_result", {{"rc", "-1"}, {"size", "0"},
                                                 {"errcodes", codes}, {"msg", message}}));
  }
}

void PmiServer::notify_failure(int process, const std::string& text) {
  const int job_number = process_job_[static_cast<std::size_t>(process)];
  const Job& job = jobs_[static_cast<std::size_t>(job_number)];
  const std::string line = format_line(
      "process_failed", {{"kvsname", job.info.kvs_name},
                         {"rank", std::to_string(process - job.first)},
                         {"msg", text}});
  for (const auto& session : rank_sessions_) {
    if (!session || session->closed() || !session->initialized || session->finalized) continue;
    if (process_job_[static_cast<std::size_t>(session->rank())] == job_number) continue;
    session->send(line);
  }
}

PmiServer::Job& PmiServer::job_of_session(const Session& session) {
  if (!session.is_rank()) return jobs_.front();
  return jobs_[static_cast<std::size_t>(process_job_[static_cast<std::size_t>(session.rank())])];
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
  names_->shutdown();
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
  if (session.in_block) {
    // Inside mcmd=spawn: one key=value per line, the value running to the line's end.
    std::string text = line;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text != "endcmd") {
      const auto equals = text.find('=');
      if (equals != std::string::npos && equals > 0) {
        session.block.fields[text.substr(0, equals)] = text.substr(equals + 1);
      }
      return;
    }
    session.in_block = false;
    session.spawn_blocks.push_back(std::move(session.block));
    const pmi::Message& last = session.spawn_blocks.back();
    if (last.get("spawnssofar", "1") != last.get("totspawns", "1")) return;
    std::vector<pmi::Message> blocks = std::move(session.spawn_blocks);
    session.spawn_blocks.clear();
    handle_spawn(session, blocks);
    return;
  }
  if (session.initialized && line.rfind("mcmd=", 0) == 0) {
    session.in_block = true;
    session.block = pmi::Message{};
    std::string name = line.substr(5);
    while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
    session.block.command = name;
    session.block.multi_line = true;
    return;
  }
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
  if (!session.guest_port.empty()) {
    const std::string port = message.get("port");
    const bool allowed = (command == "port_post" && port == session.guest_port) ||
                         (command == "port_wait" && port.find('!') != std::string::npos &&
                          base_port(port) == session.guest_port);
    if (!allowed) {
      session.send(format_line(command + "_result", {{"rc", "-1"}, {"msg", "not_allowed"}}));
      return;
    }
    handle_port(session, message);
    return;
  }
  auto not_a_rank = [&](std::string_view reply) {
    session.send(format_line(reply, {{"rc", "-1"}, {"msg", "not_a_rank"}}));
  };

  if (command == "init") {
    handle_init(session, message);
  } else if (command == "get_maxes") {
    session.send(format_line("maxes", {{"kvsname_max", std::to_string(pmi::kKvsNameMax)},
                                       {"keylen_max", std::to_string(pmi::kKeyMax)},
                                       {"vallen_max", std::to_string(pmi::kValueMax)},
                                       {"rc", "0"}}));
  } else if (command == "get_appnum") {
    if (!session.is_rank()) return not_a_rank("appnum");
    const Job& job = job_of_session(session);
    session.send(format_line(
        "appnum",
        {{"appnum", std::to_string(job.info.appnums[static_cast<std::size_t>(session.rank() - job.first)])},
         {"rc", "0"}}));
  } else if (command == "get_my_kvsname") {
    session.send(format_line("my_kvsname", {{"kvsname", job_of_session(session).info.kvs_name}, {"rc", "0"}}));
  } else if (command == "get_universe_size") {
    // Each job's own: a spawned job's counts the processes it joined (job_control.cc).
    session.send(format_line(
        "universe_size",
        {{"size", std::to_string(job_of_session(session).info.universe_size.value_or(-1))},
         {"rc", "0"}}));
  } else if (command.rfind("port_", 0) == 0 || command == "publish_name" ||
             command == "lookup_name" || command == "unpublish_name" ||
             command == "get_port_address") {
    handle_port(session, message);
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
  if (!session.is_rank() && !session.initialized && message.has("port") && !message.has("key")) {
    // A guest: the port name (its token) is the authorisation. Refused quietly when the
    // port is not open: connecting to a closed port is the caller's error to report.
    const std::string port = message.get("port");
    auto found = ports_.find(port);
    if (port.find('!') != std::string::npos || found == ports_.end() || !found->second.open) {
      session.send(std::string("cmd=response_to_init ") + std::string(kVersionFields) +
                   " rc=-1 msg=no_such_port\n");
      session.close_after_sending();
      return;
    }
    session.guest_port = port;
    session.initialized = true;
    session.send(std::string("cmd=response_to_init ") + std::string(kVersionFields) + " rc=0\n");
    return;
  }
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
  Job& job = job_of_session(session);
  if (message.has("kvsname") && message.get("kvsname") != job.info.kvs_name)
    return refuse("unknown_kvsname");
  if (!message.has("key") || message.get("key").empty()) return refuse("missing_key");
  if (!message.has("value")) return refuse("missing_value");
  std::string key = message.get("key");
  std::string value = message.get("value");
  if (key.size() > pmi::kKeyMax) return refuse("key_too_long");
  if (value.size() > pmi::kValueMax) return refuse("value_too_long");
  if (!job.kvs.emplace(std::move(key), std::move(value)).second) return refuse("duplicate_key");
  session.send(format_line("put_result", {{"rc", "0"}}));
}

void PmiServer::handle_get(Session& session, const pmi::Message& message) {
  auto refuse = [&](std::string_view why) {
    session.send(
        format_line("get_result", {{"rc", "-1"}, {"msg", std::string(why)}, {"value", ""}}));
  };
  const Job* job = &job_of_session(session);
  if (message.has("kvsname") && message.get("kvsname") != job->info.kvs_name) {
    job = nullptr;
    for (const Job& other : jobs_) {
      if (other.info.kvs_name == message.get("kvsname")) job = &other;
    }
    if (job == nullptr) return refuse("unknown_kvsname");
  }
  if (!message.has("key") || message.get("key").empty()) return refuse("missing_key");
  auto it = job->kvs.find(message.get("key"));
  if (it == job->kvs.end()) return refuse("key_not_found");
  session.send(format_line("get_result", {{"rc", "0"}, {"value", it->second}}));
}

void PmiServer::handle_barrier(Session& session) {
  Job& job = job_of_session(session);
  auto index = static_cast<std::size_t>(session.rank() - job.first);
  if (job.in_barrier[index]) {
    print_message("warning: rank " + std::to_string(session.rank()) +
                  " entered the PMI barrier twice without leaving it");
    session.send(format_line("barrier_out", {{"rc", "-1"}, {"msg", "already_in_barrier"}}));
    return;
  }
  job.in_barrier[index] = true;
  if (++job.barrier_count < job.info.size) return;
  job.barrier_count = 0;
  job.in_barrier.assign(job.in_barrier.size(), false);
  std::string release = format_line("barrier_out", {{"rc", "0"}});
  for (int r = 0; r < job.info.size; ++r) {
    auto& rank_session = rank_sessions_[static_cast<std::size_t>(job.first + r)];
    if (rank_session) rank_session->send(release);
  }
  if (job.spawn_pending && ++job.barriers_done == 2) {
    // The children are started and connected among themselves: the spawn can complete.
    job.spawn_pending = false;
    std::string codes;
    for (int r = 0; r < job.info.size; ++r) codes += r == 0 ? "0" : ",0";
    if (auto requester = job.requester.lock()) {
      requester->send(format_line("spawn_result", {{"rc", "0"},
                                                   {"kvsname", job.info.kvs_name},
                                                   {"size", std::to_string(job.info.size)},
                                                   {"errcodes", codes}}));
    }
  }
}

void PmiServer::handle_port(Session& session, const pmi::Message& message) {
  const std::string& command = message.command;
  const std::string port = message.get("port");
  auto reply = [&](std::string_view cmd, Fields fields) { session.send(format_line(cmd, fields)); };
  if (command == "get_port_address") {
    return reply("port_address", {{"address", port_address_}, {"rc", port_address_.empty() ? "-1" : "0"}});
  }
  if (command == "port_open") {
    // The name carries where this launcher listens and a fresh token, so a process of
    // another universe can come here with it (a guest init, handle_init).
    if (port_address_.empty()) {
      return reply("port_open_result", {{"rc", "-1"}, {"msg", "no_loopback_port"}});
    }
    std::string name = std::string(kPortPrefix) + port_address_ + "#" + random_token();
    ports_[name].open = true;
    return reply("port_open_result", {{"rc", "0"}, {"port", name}});
  }
  if (command == "port_close") {
    auto opened = ports_.find(port);
    if (opened == ports_.end() || !opened->second.open) {
      return reply("port_close_result", {{"rc", "-1"}, {"msg", "no_such_port"}});
    }
    // Whoever still waits at the port or at one of its reply ports with nothing to take
    // learns that it closed; answers already left there stay until they are taken.
    const std::string closed = format_line("port_message", {{"rc", "-1"}, {"msg", "port_closed"}});
    for (auto it = ports_.lower_bound(port); it != ports_.end() && base_port(it->first) == port;) {
      if (it->first != port && !it->second.messages.empty()) {
        ++it;
        continue;
      }
      for (auto& waiter : it->second.waiters) {
        if (auto alive = waiter.lock()) alive->send(closed);
      }
      it = ports_.erase(it);
    }
    return reply("port_close_result", {{"rc", "0"}});
  }
  if (command == "port_post") {
    // A connect names a port opened with MPI_Open_port; replies go to ports derived from
    // it ("<port>!<tag>"), which exist once someone waits or posts.
    const std::string base = base_port(port);
    auto opened = ports_.find(base);
    if (opened == ports_.end() || !opened->second.open) {
      return reply("port_post_result", {{"rc", "-1"}, {"msg", "no_such_port"}});
    }
    Port& target = ports_[port];
    while (!target.waiters.empty()) {
      auto waiter = target.waiters.front().lock();
      target.waiters.erase(target.waiters.begin());
      if (waiter && !waiter->closed()) {
        waiter->send(format_line("port_message", {{"value", message.get("value")}, {"rc", "0"}}));
        if (port != base && target.messages.empty() && target.waiters.empty()) ports_.erase(port);
        return reply("port_post_result", {{"rc", "0"}});
      }
    }
    Port::Message left{message.get("value"), {}, !session.guest_port.empty()};
    if (left.from_guest) left.guest = session.shared_from_this();
    target.messages.push_back(std::move(left));
    return reply("port_post_result", {{"rc", "0"}});
  }
  if (command == "port_wait") {
    auto found = ports_.find(port);
    if (found != ports_.end()) {
      auto& messages = found->second.messages;
      while (!messages.empty() && messages.front().from_guest) {
        auto guest = messages.front().guest.lock();
        if (guest && !guest->closed()) break;
        messages.pop_front();
      }
    }
    if (found != ports_.end() && !found->second.messages.empty()) {
      std::string value = std::move(found->second.messages.front().value);
      found->second.messages.pop_front();
      if (port != base_port(port) && found->second.messages.empty() && found->second.waiters.empty()) {
        ports_.erase(found);
      }
      return reply("port_message", {{"value", value}, {"rc", "0"}});
    }
    auto opened = ports_.find(base_port(port));
    if (opened == ports_.end() || !opened->second.open) {
      return reply("port_message", {{"rc", "-1"}, {"msg", "no_such_port"}});
    }
    ports_[port].waiters.push_back(session.shared_from_this());
    return;
  }
  if (command == "publish_name" || command == "lookup_name" || command == "unpublish_name") {
    // Shared with the other universes of this host (launcher/name_service.h).
    names_->request(message, [weak = session.weak_from_this()](const std::string& line) {
      if (auto alive = weak.lock()) alive->send(line);
    });
    return;
  }
  reply(command + "_result", {{"rc", "-1"}, {"msg", "unknown_command"}});
}

void PmiServer::handle_spawn(Session& session, const std::vector<pmi::Message>& blocks) {
  auto refuse = [&](const std::string& why) {
    session.send(format_line("spawn_result", {{"rc", "-1"}, {"size", "0"}, {"msg", why}}));
  };
  if (!session.is_rank()) return refuse("only a rank of the job may spawn");
  SpawnRequest request;
  for (const pmi::Message& block : blocks) {
    SpawnApp app;
    app.execname = block.get("execname");
    app.nprocs = std::atoi(block.get("nprocs", "0").c_str());
    const int args = std::atoi(block.get("argcnt", "0").c_str());
    for (int a = 1; a <= args; ++a) app.argv.push_back(block.get("arg" + std::to_string(a)));
    const int infos = std::atoi(block.get("info_num", "0").c_str());
    for (int i = 0; i < infos; ++i) {
      app.info.emplace_back(block.get("info_key_" + std::to_string(i)),
                            block.get("info_val_" + std::to_string(i)));
    }
    if (request.apps.empty()) {
      const int preputs = std::atoi(block.get("preput_num", "0").c_str());
      for (int p = 0; p < preputs; ++p) {
        request.preput.emplace_back(block.get("preput_key_" + std::to_string(p)),
                                    block.get("preput_val_" + std::to_string(p)));
      }
    }
    if (app.execname.empty() || app.nprocs <= 0) {
      return refuse("a spawn command needs execname= and nprocs= of at least 1");
    }
    request.apps.push_back(std::move(app));
  }
  SpawnStart start = events_.on_pmi_spawn(session.rank(), request);
  if (!start.started) {
    std::string codes;
    for (int code : start.failed) codes += (codes.empty() ? "" : ",") + std::to_string(code);
    session.send(format_line("spawn_result", {{"rc", "-1"}, {"size", "0"}, {"errcodes", codes},
                                              {"msg", start.message}}));
    return;
  }
  Job& job = jobs_[static_cast<std::size_t>(start.job)];
  job.spawn_pending = true;
  job.requester = session.shared_from_this();
}

}  // namespace weft::launcher
