#include "pmi/pmi_client.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>

#include "base/config.h"
#include "mpi.h"
#include "transport/transport.h"

namespace weft {

namespace {

int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  return std::atoi(text);
}

Status connect_port(const std::string& host_port, int& fd_out) {
  auto colon = host_port.rfind(':');
  if (colon == std::string::npos) {
    return error(MPI_ERR_OTHER, "MPI_Init: PMI_PORT=%s is not host:port", host_port.c_str());
  }
  std::string host = host_port.substr(0, colon);
  std::string port = host_port.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* result = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &result) != 0 || result == nullptr) {
    return error(MPI_ERR_OTHER, "MPI_Init: cannot resolve PMI_PORT=%s", host_port.c_str());
  }
  int fd = -1;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(result);
  if (fd < 0) {
    return error(MPI_ERR_OTHER, "MPI_Init: cannot connect to the launcher at PMI_PORT=%s: %s",
                 host_port.c_str(), std::strerror(errno));
  }
  fd_out = fd;
  return Status();
}

const config::Setting kWeftrun{
    "WEFT_WEFTRUN", config::Type::string, "",
    "The weftrun a process started without a launcher runs (in server mode) when it first "
    "spawns; empty looks next to libweft (the build tree's launcher/, ../bin/), then in PATH."};

bool executable(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// weftrun for a singleton's server: WEFT_WEFTRUN, else beside the library, else PATH.
std::string find_weftrun() {
  std::string forced = kWeftrun.text();
  if (!forced.empty()) return forced;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&find_weftrun), &info) != 0 && info.dli_fname != nullptr) {
    std::string library = info.dli_fname;
    std::string dir = library.substr(0, library.rfind('/') + 1);
    if (dir.empty()) dir = "./";
    for (const char* relative : {"launcher/weftrun", "weftrun", "../bin/weftrun"}) {
      if (executable(dir + relative)) return dir + relative;
    }
  }
  return "weftrun";  // execvp searches PATH
}

std::string random_key() {
  std::random_device random;
  static const char kHex[] = "0123456789abcdef";
  std::string key;
  for (int i = 0; i < 32; ++i) key += kHex[random() & 15];
  return key;
}

}  // namespace

Status PmiClient::ensure_server() {
  if (!singleton()) return Status();
  const std::string weftrun = find_weftrun();
  const std::string key = random_key();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    return error(MPI_ERR_SPAWN, "MPI_Comm_spawn: cannot create a socket for the launcher: %s",
                 std::strerror(errno));
  }
  // The key reaches the server through its environment; this process presents it, and the
  // transports created from now on derive their job key from it like the children's.
  setenv("WEFT_PMI_KEY", key.c_str(), 1);
  const std::string fd_text = std::to_string(pair[1]);
  pid_t pid = fork();
  if (pid == 0) {
    fcntl(pair[1], F_SETFD, 0);  // the one descriptor the server inherits on purpose
    const char* argv[] = {weftrun.c_str(), "--singleton-server", fd_text.c_str(), nullptr};
    execvp(argv[0], const_cast<char* const*>(argv));
    const char* text = "weft: cannot run weftrun for MPI_Comm_spawn (set WEFT_WEFTRUN)\n";
    (void)!::write(2, text, std::strlen(text));
    _exit(127);
  }
  ::close(pair[1]);
  if (pid < 0) {
    ::close(pair[0]);
    return error(MPI_ERR_SPAWN, "MPI_Comm_spawn: cannot fork the launcher: %s",
                 std::strerror(errno));
  }
  fd_ = pair[0];
  Status status = handshake(key);
  if (!status.ok()) {
    ::close(fd_);
    fd_ = -1;
    return error(MPI_ERR_SPAWN,
                 "MPI_Comm_spawn: the launcher %s started for this process did not answer (%s)",
                 weftrun.c_str(), status.message().c_str());
  }
  // What was published while alone goes to the launcher's space, where others read it.
  std::map<std::string, std::string> local = std::move(local_store_);
  local_store_.clear();
  for (const auto& [full_key, value] : local) {
    pmi_wire::Message reply;
    WEFT_TRY(command("put", {{"kvsname", kvsname_}, {"key", full_key}, {"value", value}},
                     "put_result", reply));
  }
  return Status();
}

PmiClient::~PmiClient() {
  if (fd_ >= 0) close(fd_);
}

Status PmiClient::init() {
  const char* fd_text = std::getenv("PMI_FD");
  const char* port_text = std::getenv("PMI_PORT");
  if (fd_text != nullptr && *fd_text != '\0') {
    fd_ = std::atoi(fd_text);
    // Programs this rank starts must not inherit the launcher connection.
    fcntl(fd_, F_SETFD, FD_CLOEXEC);
  } else if (port_text != nullptr && *port_text != '\0') {
    WEFT_TRY(connect_port(port_text, fd_));
  } else {
    // No launcher: a singleton job of one process.
    rank_ = 0;
    size_ = 1;
    return Status();
  }
  rank_ = env_int("PMI_RANK", 0);
  size_ = env_int("PMI_SIZE", 1);
  spawned_ = env_int("PMI_SPAWNED", 0) != 0;
  return handshake(transport::kJobKey.text());
}

Status PmiClient::handshake(const std::string& key) {
  key_ = key;
  pmi_wire::Fields init_fields = {{"pmi_version", "1"}, {"pmi_subversion", "1"}};
  if (!key.empty()) init_fields.emplace_back("key", key);
  pmi_wire::Message reply;
  WEFT_TRY(command("init", init_fields, "response_to_init", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_OTHER, "MPI_Init: the launcher refused this process (PMI init rc=%s)",
                 reply.get("rc").c_str());
  }
  WEFT_TRY(command("get_my_kvsname", {}, "my_kvsname", reply));
  kvsname_ = reply.get("kvsname");
  if (command("get_appnum", {}, "appnum", reply).ok() && !reply.get("appnum").empty()) {
    appnum_ = std::atoi(reply.get("appnum").c_str());
  }
  if (command("get_universe_size", {}, "universe_size", reply).ok() &&
      !reply.get("size").empty()) {
    universe_size_ = std::atoi(reply.get("size").c_str());
  }
  // Hydra reports the job size as the universe size when the user gave none; weft only
  // sets MPI_UNIVERSE_SIZE when the user asked for one (weftrun passes -1 then).
  return Status();
}

Status PmiClient::write_line(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return error(MPI_ERR_OTHER, "PMI: lost the connection to the launcher: %s",
                   std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status();
}

Status PmiClient::read_line(std::string& line) {
  for (;;) {
    auto newline = read_buffer_.find('\n');
    if (newline != std::string::npos) {
      line = read_buffer_.substr(0, newline);
      read_buffer_.erase(0, newline + 1);
      return Status();
    }
    char chunk[4096];
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return error(MPI_ERR_OTHER, "PMI: the launcher closed the connection");
    }
    read_buffer_.append(chunk, static_cast<size_t>(n));
  }
}

bool PmiClient::keep_notice(const std::string& line) {
  if (line.rfind("cmd=process_failed ", 0) != 0) return false;
  pmi_wire::ParseResult parsed = pmi_wire::parse_line(line + "\n");
  if (!parsed.ok) return true;
  FailureNotice notice;
  notice.kvsname = parsed.message.get("kvsname");
  notice.rank = std::atoi(parsed.message.get("rank", "-1").c_str());
  notice.message = parsed.message.get("msg");
  std::lock_guard<std::mutex> lock(notice_mutex_);
  notices_.push_back(std::move(notice));
  notices_waiting_.store(true, std::memory_order_relaxed);
  return true;
}

Status PmiClient::read_reply(std::string& line) {
  for (;;) {
    WEFT_TRY(read_line(line));
    if (!keep_notice(line)) return Status();
  }
}

void PmiClient::take_notices(std::vector<FailureNotice>& out) {
  if (fd_ >= 0 && io_mutex_.try_lock()) {
    std::lock_guard<std::mutex> io(io_mutex_, std::adopt_lock);
    for (;;) {
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      read_buffer_.append(chunk, static_cast<size_t>(n));
    }
    // Whole notice lines at the front; anything else stays for the next request.
    for (;;) {
      auto newline = read_buffer_.find('\n');
      if (newline == std::string::npos) break;
      std::string line = read_buffer_.substr(0, newline);
      if (!keep_notice(line)) break;
      read_buffer_.erase(0, newline + 1);
    }
  }
  std::lock_guard<std::mutex> lock(notice_mutex_);
  for (FailureNotice& notice : notices_) out.push_back(std::move(notice));
  notices_.clear();
  notices_waiting_.store(false, std::memory_order_relaxed);
}

Status PmiClient::command(std::string_view request_cmd, const pmi_wire::Fields& fields,
                          std::string_view expected_cmd, pmi_wire::Message& reply) {
  std::lock_guard<std::mutex> io(io_mutex_);
  WEFT_TRY(write_line(pmi_wire::format_line(request_cmd, fields)));
  std::string answer;
  WEFT_TRY(read_reply(answer));
  pmi_wire::ParseResult parsed = pmi_wire::parse_line(answer);
  if (!parsed.ok) {
    return error(MPI_ERR_OTHER, "PMI: cannot read the launcher's reply '%s': %s", answer.c_str(),
                 parsed.error.c_str());
  }
  if (parsed.message.command != expected_cmd) {
    return error(MPI_ERR_OTHER, "PMI: expected cmd=%.*s from the launcher, got '%s'",
                 static_cast<int>(expected_cmd.size()), expected_cmd.data(), answer.c_str());
  }
  reply = std::move(parsed.message);
  return Status();
}

Status PmiClient::put(const std::string& key, const std::string& value) {
  std::string full_key = key + "-" + std::to_string(rank_);
  if (singleton()) {
    local_store_[full_key] = value;
    return Status();
  }
  pmi_wire::Message reply;
  WEFT_TRY(command("put", {{"kvsname", kvsname_}, {"key", full_key}, {"value", value}},
                   "put_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_OTHER, "PMI: put of key %s failed (%s)", full_key.c_str(),
                 reply.get("msg").c_str());
  }
  return Status();
}

Status PmiClient::get(int from_rank, const std::string& key, std::string& value) {
  std::string full_key = key + "-" + std::to_string(from_rank);
  if (singleton()) {
    auto it = local_store_.find(full_key);
    if (it == local_store_.end()) {
      return error(MPI_ERR_OTHER, "PMI: key %s not found", full_key.c_str());
    }
    value = it->second;
    return Status();
  }
  pmi_wire::Message reply;
  WEFT_TRY(command("get", {{"kvsname", kvsname_}, {"key", full_key}}, "get_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_OTHER, "PMI: key %s not found", full_key.c_str());
  }
  value = reply.get("value");
  return Status();
}

Status PmiClient::get_in(const std::string& kvsname, int from_rank, const std::string& key,
                         std::string& value) {
  if (kvsname == kvsname_) return get(from_rank, key, value);
  std::string full_key = key + "-" + std::to_string(from_rank);
  pmi_wire::Message reply;
  WEFT_TRY(command("get", {{"kvsname", kvsname}, {"key", full_key}}, "get_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_OTHER, "PMI: key %s not found in %s", full_key.c_str(), kvsname.c_str());
  }
  value = reply.get("value");
  return Status();
}

Status PmiClient::get_preput(const std::string& key, std::string& value) {
  if (singleton()) return error(MPI_ERR_OTHER, "PMI: key %s not found", key.c_str());
  pmi_wire::Message reply;
  WEFT_TRY(command("get", {{"kvsname", kvsname_}, {"key", key}}, "get_result", reply));
  if (reply.get("rc") != "0") return error(MPI_ERR_OTHER, "PMI: key %s not found", key.c_str());
  value = reply.get("value");
  return Status();
}

Status PmiClient::spawn(const std::vector<SpawnCommand>& commands,
                        const std::vector<std::pair<std::string, std::string>>& preput,
                        SpawnOutcome& outcome) {
  if (singleton()) return error(MPI_ERR_SPAWN, "PMI: no launcher to spawn through");
  std::lock_guard<std::mutex> io(io_mutex_);
  // PMI-1's multi-line form: one block per command, each line one key=value whose value
  // runs to the end of the line; one reply after the last block.
  auto check = [](const std::string& text) {
    return text.find('\n') == std::string::npos && text.find('\r') == std::string::npos;
  };
  for (size_t c = 0; c < commands.size(); ++c) {
    const SpawnCommand& spawn = commands[c];
    std::string block = "mcmd=spawn\n";
    block += "nprocs=" + std::to_string(spawn.maxprocs) + "\n";
    block += "execname=" + spawn.command + "\n";
    block += "totspawns=" + std::to_string(commands.size()) + "\n";
    block += "spawnssofar=" + std::to_string(c + 1) + "\n";
    block += "argcnt=" + std::to_string(spawn.argv.size()) + "\n";
    bool clean = check(spawn.command);
    for (size_t a = 0; a < spawn.argv.size(); ++a) {
      block += "arg" + std::to_string(a + 1) + "=" + spawn.argv[a] + "\n";
      clean = clean && check(spawn.argv[a]);
    }
    block += "preput_num=" + std::to_string(preput.size()) + "\n";
    for (size_t p = 0; p < preput.size(); ++p) {
      block += "preput_key_" + std::to_string(p) + "=" + preput[p].first + "\n";
      block += "preput_val_" + std::to_string(p) + "=" + preput[p].second + "\n";
    }
    block += "info_num=" + std::to_string(spawn.info.size()) + "\n";
    for (size_t i = 0; i < spawn.info.size(); ++i) {
      block += "info_key_" + std::to_string(i) + "=" + spawn.info[i].first + "\n";
      block += "info_val_" + std::to_string(i) + "=" + spawn.info[i].second + "\n";
      clean = clean && check(spawn.info[i].first) && check(spawn.info[i].second);
    }
    block += "endcmd\n";
    if (!clean) {
      return error(MPI_ERR_SPAWN,
                   "PMI: command %zu of the spawn has a line break in its name, arguments or "
                   "info values, which the launcher protocol cannot carry", c);
    }
    WEFT_TRY(write_line(block));
  }
  std::string answer;
  WEFT_TRY(read_reply(answer));
  pmi_wire::ParseResult parsed = pmi_wire::parse_line(answer);
  if (!parsed.ok || parsed.message.command != "spawn_result") {
    return error(MPI_ERR_SPAWN, "PMI: unexpected reply to spawn: '%s'", answer.c_str());
  }
  const pmi_wire::Message& reply = parsed.message;
  outcome.ok = reply.get("rc") == "0";
  outcome.kvsname = reply.get("kvsname");
  outcome.size = std::atoi(reply.get("size", "0").c_str());
  outcome.message = reply.get("msg");
  outcome.failed.clear();
  const std::string codes = reply.get("errcodes");
  for (size_t at = 0; at < codes.size();) {
    size_t comma = codes.find(',', at);
    if (comma == std::string::npos) comma = codes.size();
    outcome.failed.push_back(std::atoi(codes.substr(at, comma - at).c_str()));
    at = comma + 1;
  }
  return Status();
}

Status PmiClient::port_address(std::string& address) {
  pmi_wire::Message reply;
  WEFT_TRY(command("get_port_address", {}, "port_address", reply));
  if (reply.get("rc") != "0" || reply.get("address").empty()) {
    return error(MPI_ERR_PORT, "PMI: the launcher offers no port for a second connection");
  }
  address = reply.get("address");
  return Status();
}

namespace {

// A wait on a connection of its own that gives up after `seconds` (-1: never): reads then
// fail with EAGAIN, and closing the connection withdraws the wait (or a connect's request)
// at the launcher.
void limit_wait(int fd, int seconds) {
  if (seconds <= 0) return;
  timeval limit{};
  limit.tv_sec = seconds;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
}

bool waited_out(std::chrono::steady_clock::time_point start, int seconds) {
  return seconds > 0 && std::chrono::steady_clock::now() - start >= std::chrono::seconds(seconds);
}

}  // namespace

Status PmiClient::wait_port(const std::string& address, const std::string& port,
                            std::string& value, int timeout_seconds) {
  PmiClient side;
  WEFT_TRY(connect_port(address, side.fd_));
  WEFT_TRY(side.handshake(key_));
  pmi_wire::Message reply;
  const auto start = std::chrono::steady_clock::now();
  limit_wait(side.fd_, timeout_seconds);
  Status waited = side.command("port_wait", {{"port", port}}, "port_message", reply);
  if (!waited.ok() && waited_out(start, timeout_seconds)) {
    return error(MPI_ERR_PORT, "no process connected to port %s within %d s (info key timeout)",
                 port.c_str(), timeout_seconds);
  }
  WEFT_TRY(waited);
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_PORT, "port %s %s", port.c_str(),
                 reply.get("msg") == "port_closed" ? "was closed while this process waited at it"
                                                   : "is not open");
  }
  value = reply.get("value");
  return Status();
}

Status PmiClient::port_exchange(const std::string& address, const std::string& port,
                                const std::string& offer, const std::string& reply_port,
                                int timeout_seconds, std::string& answer) {
  PmiClient guest;
  if (!connect_port(address, guest.fd_).ok()) {
    return error(MPI_ERR_PORT, "no job serves port %s any more (nothing listens at %s: the job "
                 "that opened it has ended)", port.c_str(), address.c_str());
  }
  pmi_wire::Message reply;
  Status status = guest.command("init", {{"pmi_version", "1"}, {"pmi_subversion", "1"}, {"port", port}},
                                "response_to_init", reply);
  if (status.ok() && reply.get("rc") != "0") {
    return error(MPI_ERR_PORT, "port %s is not open (it was closed, or never opened)", port.c_str());
  }
  if (status.ok()) {
    status = guest.command("port_post", {{"port", port}, {"value", offer}}, "port_post_result", reply);
  }
  if (status.ok() && reply.get("rc") != "0") {
    return error(MPI_ERR_PORT, "port %s was closed before this process reached it", port.c_str());
  }
  const auto start = std::chrono::steady_clock::now();
  limit_wait(guest.fd_, timeout_seconds);
  if (status.ok()) status = guest.command("port_wait", {{"port", reply_port}}, "port_message", reply);
  if (!status.ok() && waited_out(start, timeout_seconds)) {
    return error(MPI_ERR_PORT, "no MPI_Comm_accept took the request at port %s within %d s "
                 "(info key timeout)", port.c_str(), timeout_seconds);
  }
  if (!status.ok()) {
    return error(MPI_ERR_PORT, "the job serving port %s ended before answering (%s)", port.c_str(),
                 status.message().c_str());
  }
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_PORT, "port %s was closed before an MPI_Comm_accept took this request",
                 port.c_str());
  }
  answer = reply.get("value");
  return Status();
}

Status PmiClient::barrier() {
  if (singleton()) return Status();
  pmi_wire::Message reply;
  return command("barrier_in", {}, "barrier_out", reply);
}

Status PmiClient::finalize() {
  if (singleton()) return Status();
  pmi_wire::Message reply;
  Status status = command("finalize", {}, "finalize_ack", reply);
  std::lock_guard<std::mutex> io(io_mutex_);
  close(fd_);
  fd_ = -1;
  return status;
}

void PmiClient::abort(int code, const std::string& message) {
  if (singleton()) return;
  // msg= comes last and runs to the end of the line (format_line turns newlines into
  // spaces), so the message may hold spaces.
  std::string text = message.substr(0, 900);
  // Best effort: the process exits right after, whatever the launcher answers.
  (void)write_line(
      pmi_wire::format_line("abort", {{"exitcode", std::to_string(code)}, {"msg", text}}));
}

}  // namespace weft
