#include "pmi/pmi_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

}  // namespace

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

  pmi_wire::Fields init_fields = {{"pmi_version", "1"}, {"pmi_subversion", "1"}};
  const std::string key = transport::kJobKey.text();
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

Status PmiClient::command(std::string_view request_cmd, const pmi_wire::Fields& fields,
                          std::string_view expected_cmd, pmi_wire::Message& reply) {
  WEFT_TRY(write_line(pmi_wire::format_line(request_cmd, fields)));
  std::string answer;
  WEFT_TRY(read_line(answer));
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

Status PmiClient::barrier() {
  if (singleton()) return Status();
  pmi_wire::Message reply;
  return command("barrier_in", {}, "barrier_out", reply);
}

Status PmiClient::finalize() {
  if (singleton()) return Status();
  pmi_wire::Message reply;
  Status status = command("finalize", {}, "finalize_ack", reply);
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
