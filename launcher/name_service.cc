#include "launcher/name_service.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <thread>

#include "launcher/stdio_forward.h"

namespace weft::launcher {

namespace asio = boost::asio;
namespace pmi = weft::pmi_wire;
using local_socket = asio::local::stream_protocol::socket;

namespace {

// How long a launcher looks for the server (or the lock) before it keeps names to itself:
// the holder of the lock binds the socket right after taking it, so this only runs out
// when something else is wrong (a full disk, a socket file someone else replaced).
constexpr int kElectionTries = 200;
constexpr std::chrono::milliseconds kElectionPause{10};

// One line-oriented connection: reads lines, queues writes.
class LineChannel : public std::enable_shared_from_this<LineChannel> {
 public:
  using OnLine = std::function<void(const std::string&)>;
  using OnClose = std::function<void()>;

  explicit LineChannel(local_socket socket) : socket_(std::move(socket)), input_(pmi::kLineMax) {}

  void start(OnLine on_line, OnClose on_close) {
    on_line_ = std::move(on_line);
    on_close_ = std::move(on_close);
    read_next();
  }

  void send(std::string line) {
    if (closed_) return;
    output_.push_back(std::move(line));
    if (!writing_) write_next();
  }

  // Closes without calling on_close (the owner is the one closing).
  void close_quietly() {
    on_close_ = nullptr;
    on_line_ = nullptr;
    close();
  }

 private:
  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
    if (auto on_close = std::move(on_close_)) on_close();
    on_line_ = nullptr;
  }

  void read_next() {
    asio::async_read_until(socket_, input_, '\n',
                           [self = shared_from_this()](const boost::system::error_code& error,
                                                       std::size_t length) {
                             if (self->closed_) return;
                             if (error) return self->close();
                             auto data = self->input_.data();
                             std::string line(asio::buffers_begin(data),
                                              asio::buffers_begin(data) +
                                                  static_cast<std::ptrdiff_t>(length));
                             self->input_.consume(length);
                             if (self->on_line_) self->on_line_(line);
                             if (!self->closed_) self->read_next();
                           });
  }

  void write_next() {
    writing_ = true;
    asio::async_write(socket_, asio::buffer(output_.front()),
                      [self = shared_from_this()](const boost::system::error_code& error,
                                                  std::size_t) {
                        self->writing_ = false;
                        if (self->closed_) return;
                        if (error) return self->close();
                        self->output_.pop_front();
                        if (!self->output_.empty()) self->write_next();
                      });
  }

  local_socket socket_;
  asio::streambuf input_;
  std::deque<std::string> output_;
  OnLine on_line_;
  OnClose on_close_;
  bool writing_ = false;
  bool closed_ = false;
};

std::string reply_command(const std::string& command) {
  if (command == "publish_name") return "publish_result";
  if (command == "lookup_name") return "lookup_result";
  if (command == "unpublish_name") return "unpublish_result";
  return command + "_result";
}

bool usable_directory(const std::string& path, std::string* why) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    *why = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    *why = path + " is not a directory";
    return false;
  }
  if (info.st_uid != ::geteuid()) {
    *why = path + " belongs to another user";
    return false;
  }
  if ((info.st_mode & 077) != 0) {
    *why = path + " may be entered by other users (it must have mode 0700)";
    return false;
  }
  return true;
}

}  // namespace

std::string name_service_directory(std::string* why) {
  const char* forced = std::getenv("WEFT_NAME_SERVER");
  std::string directory;
  if (forced != nullptr && *forced != '\0') {
    if (std::strcmp(forced, "none") == 0) {
      *why = "WEFT_NAME_SERVER=none";
      return "";
    }
    directory = forced;
  } else {
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    struct stat info {};
    if (runtime != nullptr && *runtime == '/' && ::stat(runtime, &info) == 0 && S_ISDIR(info.st_mode) &&
        ::access(runtime, W_OK) == 0) {
      directory = std::string(runtime) + "/weft";
    } else {
      directory = "/tmp/weft-" + std::to_string(::geteuid());
    }
  }
  if (!usable_directory(directory, why)) return "";
  if (directory.size() + sizeof "/names.sock" > sizeof(sockaddr_un{}.sun_path)) {
    *why = "the path " + directory + "/names.sock is too long for a unix socket";
    return "";
  }
  return directory;
}

class NameService::Impl {
 public:
  explicit Impl(asio::io_context& io) : io_(io), acceptor_(io) {}
  ~Impl() { shutdown(); }

  void request(const pmi::Message& message, Reply reply) {
    if (shut_down_) {
      reply(pmi::format_line(reply_command(message.command),
                             {{"rc", "-1"}, {"msg", "name_service_closed"}}));
      return;
    }
    if (mode_ == Mode::kUnjoined) join();
    if (mode_ != Mode::kClient) {
      reply(apply(message, 0));
      return;
    }
    const std::string line = pmi::format_line(message.command, fields_of(message));
    pending_.push_back(Pending{line, std::move(reply)});
    client_->send(line);
  }

  void shutdown() {
    if (shut_down_) return;
    shut_down_ = true;
    if (client_) client_->close_quietly();
    client_.reset();
    for (auto& [id, session] : sessions_) session->close_quietly();
    sessions_.clear();
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    if (lock_fd_ >= 0) {
      // The socket goes before the lock, so the next server finds a clean directory.
      ::unlink((directory_ + "/names.sock").c_str());
      ::close(lock_fd_);
      lock_fd_ = -1;
    }
    for (Pending& pending : pending_) {
      if (!pending.reply) continue;
      pmi::ParseResult parsed = pmi::parse_line(pending.line);
      pending.reply(pmi::format_line(reply_command(parsed.ok ? parsed.message.command : ""),
                                     {{"rc", "-1"}, {"msg", "name_service_closed"}}));
    }
    pending_.clear();
  }

 private:
  enum class Mode { kUnjoined, kLocal, kServer, kClient };
  struct Entry {
    std::string port;
    int owner = 0;  // 0: this universe; else the client connection's id
  };
  struct Pending {
    std::string line;
    Reply reply;  // empty for a name published again after a new server was elected
  };

  static pmi::Fields fields_of(const pmi::Message& message) {
    pmi::Fields fields;
    for (const char* key : {"service", "port"}) {
      if (message.has(key)) fields.emplace_back(key, message.get(key));
    }
    return fields;
  }

  std::string apply(const pmi::Message& message, int owner) {
    const std::string& command = message.command;
    const std::string service = message.get("service");
    const std::string result = reply_command(command);
    auto fail = [&](const char* why) { return pmi::format_line(result, {{"rc", "-1"}, {"msg", why}}); };
    if (command == "publish_name") {
      const std::string port = message.get("port");
      if (service.empty() || port.empty()) return fail("missing_field");
      if (!table_.emplace(service, Entry{port, owner}).second) return fail("already_published");
      return pmi::format_line(result, {{"rc", "0"}});
    }
    if (command == "lookup_name") {
      auto found = table_.find(service);
      if (found == table_.end()) return fail("not_found");
      return pmi::format_line(result, {{"rc", "0"}, {"port", found->second.port}});
    }
    if (command == "unpublish_name") {
      auto found = table_.find(service);
      if (found == table_.end()) return fail("not_found");
      if (found->second.owner != owner) return fail("not_owner");
      table_.erase(found);
      return pmi::format_line(result, {{"rc", "0"}});
    }
    return fail("unknown_command");
  }

  // Finds the server, or becomes it; names stay local when neither works.
  void join() {
    std::string why;
    directory_ = name_service_directory(&why);
    if (directory_.empty()) {
      if (why != "WEFT_NAME_SERVER=none") {
        print_message("warning: names published in this job stay within it: " + why);
      }
      mode_ = Mode::kLocal;
      return;
    }
    const std::string socket_path = directory_ + "/names.sock";
    const std::string lock_path = directory_ + "/names.lock";
    for (int attempt = 0; attempt < kElectionTries; ++attempt) {
      local_socket socket(io_);
      boost::system::error_code error;
      socket.connect(asio::local::stream_protocol::endpoint(socket_path), error);
      if (!error) {
        become_client(std::move(socket));
        return;
      }
      if (become_server(socket_path, lock_path)) return;
      std::this_thread::sleep_for(kElectionPause);
    }
    print_message("warning: no name server answers at " + socket_path +
                  " and its lock is held; names published in this job stay within it");
    mode_ = Mode::kLocal;
  }

  bool become_server(const std::string& socket_path, const std::string& lock_path) {
    const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return false;
    }
    // Holding the lock, this launcher owns the socket path: whatever is there is stale.
    ::unlink(socket_path.c_str());
    boost::system::error_code error;
    acceptor_.open(asio::local::stream_protocol(), error);
    if (!error) acceptor_.bind(asio::local::stream_protocol::endpoint(socket_path), error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      ::close(fd);
      print_message("warning: cannot serve names at " + socket_path + ": " + error.message());
      return false;
    }
    lock_fd_ = fd;
    mode_ = Mode::kServer;
    // This universe's names (published while another launcher served) move here.
    for (const auto& [service, port] : own_) table_.emplace(service, Entry{port, 0});
    accept_next();
    return true;
  }

  void accept_next() {
    acceptor_.async_accept([this](const boost::system::error_code& error, local_socket peer) {
      if (shut_down_ || error == asio::error::operation_aborted) return;
      if (!error) {
        const int id = ++last_session_;
        auto session = std::make_shared<LineChannel>(std::move(peer));
        sessions_[id] = session;
        auto initialized = std::make_shared<bool>(false);
        session->start(
            [this, id, initialized](const std::string& line) {
              auto session = sessions_.find(id);
              if (session == sessions_.end()) return;
              pmi::ParseResult parsed = pmi::parse_line(line);
              if (!*initialized) {
                const bool ok = parsed.ok && parsed.message.command == "init" &&
                                parsed.message.get("name_service") == "1";
                session->second->send(pmi::format_line(
                    "response_to_init", {{"rc", ok ? "0" : "-1"}, {"msg", ok ? "" : "version"}}));
                *initialized = ok;
                return;
              }
              if (!parsed.ok) {
                session->second->send(pmi::format_line("error", {{"rc", "-1"}, {"msg", "malformed_line"}}));
                return;
              }
              session->second->send(apply(parsed.message, id));
            },
            [this, id] { forget_session(id); });
      }
      accept_next();
    });
  }

  // A client universe ended: its names go with it.
  void forget_session(int id) {
    sessions_.erase(id);
    for (auto it = table_.begin(); it != table_.end();) {
      it = it->second.owner == id ? table_.erase(it) : std::next(it);
    }
  }

  void become_client(local_socket socket) {
    mode_ = Mode::kClient;
    client_ = std::make_shared<LineChannel>(std::move(socket));
    awaiting_init_ = true;
    client_->start([this](const std::string& line) { on_reply(line); },
                   [this] { on_server_lost(); });
    client_->send(pmi::format_line("init", {{"name_service", "1"}}));
  }

  void on_reply(const std::string& line) {
    if (awaiting_init_) {
      awaiting_init_ = false;
      pmi::ParseResult parsed = pmi::parse_line(line);
      if (!parsed.ok || parsed.message.get("rc") != "0") {
        print_message("warning: the name server in " + directory_ +
                      " speaks another version; names published in this job stay within it");
        client_->close_quietly();
        client_.reset();
        mode_ = Mode::kLocal;
        for (const auto& [service, port] : own_) table_.emplace(service, Entry{port, 0});
        answer_locally(std::move(pending_));
      }
      return;
    }
    if (pending_.empty()) return;
    Pending done = std::move(pending_.front());
    pending_.pop_front();
    pmi::ParseResult parsed = pmi::parse_line(line);
    pmi::ParseResult asked = pmi::parse_line(done.line);
    if (parsed.ok && asked.ok && parsed.message.get("rc") == "0") {
      const std::string service = asked.message.get("service");
      if (asked.message.command == "publish_name") own_[service] = asked.message.get("port");
      if (asked.message.command == "unpublish_name") own_.erase(service);
    } else if (!done.reply && asked.ok) {
      print_message("warning: service " + asked.message.get("service") +
                    " was published again elsewhere while the name server changed; this job's "
                    "entry is dropped");
      own_.erase(asked.message.get("service"));
    }
    if (done.reply) done.reply(line);
  }

  // Requests that cannot go to a server any more are answered from the local table.
  void answer_locally(std::deque<Pending> requests) {
    for (Pending& pending : requests) {
      if (!pending.reply) continue;
      pmi::ParseResult parsed = pmi::parse_line(pending.line);
      if (parsed.ok) pending.reply(apply(parsed.message, 0));
    }
  }

  // The server's universe ended: elect a new server, publish this universe's names there
  // and send what was in flight again.
  void on_server_lost() {
    client_.reset();
    if (shut_down_) return;
    std::deque<Pending> in_flight = std::move(pending_);
    pending_.clear();
    mode_ = Mode::kUnjoined;
    join();
    if (mode_ != Mode::kClient) {
      answer_locally(std::move(in_flight));
      return;
    }
    for (const auto& [service, port] : own_) {
      const std::string line = pmi::format_line("publish_name", {{"service", service}, {"port", port}});
      pending_.push_back(Pending{line, nullptr});
      client_->send(line);
    }
    for (Pending& pending : in_flight) {
      client_->send(pending.line);
      pending_.push_back(std::move(pending));
    }
  }

  asio::io_context& io_;
  Mode mode_ = Mode::kUnjoined;
  std::string directory_;
  int lock_fd_ = -1;
  asio::local::stream_protocol::acceptor acceptor_;
  std::map<std::string, Entry> table_;
  std::map<int, std::shared_ptr<LineChannel>> sessions_;
  int last_session_ = 0;
  std::map<std::string, std::string> own_;  // names this universe published (client mode)
  std::shared_ptr<LineChannel> client_;
  std::deque<Pending> pending_;
  bool awaiting_init_ = false;
  bool shut_down_ = false;
};

NameService::NameService(asio::io_context& io) : impl_(std::make_unique<Impl>(io)) {}
NameService::~NameService() = default;

void NameService::request(const pmi::Message& message, Reply reply) {
  impl_->request(message, std::move(reply));
}

void NameService::shutdown() { impl_->shutdown(); }

}  // namespace weft::launcher
