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
#include <sstream>

#include "mpi.h"

namespace weft {

std::map<std::string, std::string> parse_pmi_line(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream in(line);
  std::string token;
  while (in >> token) {
    auto eq = token.find('=');
    if (eq == std::string::npos) {
      fields[token] = "";
    } else {
      fields[token.substr(0, eq)] = token.substr(eq + 1);
    }
  }
  return fields;
}

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

  std::string init_line = "cmd=init pmi_version=1 pmi_subversion=1";
  const char* key = std::getenv("WEFT_PMI_KEY");
  if (key != nullptr && *key != '\0') init_line += std::string(" key=") + key;
  std::map<std::string, std::string> reply;
  WEFT_TRY(command(init_line, "response_to_init", reply));
  if (reply["rc"] != "0") {
    return error(MPI_ERR_OTHER, "MPI_Init: the launcher refused this process (PMI init rc=%s)",
                 reply["rc"].c_str());
  }
  WEFT_TRY(command("cmd=get_my_kvsname", "my_kvsname", reply));
  kvsname_ = reply["kvsname"];
  if (command("cmd=get_appnum", "appnum", reply).ok() && !reply["appnum"].empty()) {
    appnum_ = std::atoi(reply["appnum"].c_str());
  }
  if (command("cmd=get_universe_size", "universe_size", reply).ok() && !reply["size"].empty()) {
    universe_size_ = std::atoi(reply["size"].c_str());
  }
  // Hydra reports the job size as the universe size when the user gave none; weft only
  // sets MPI_UNIVERSE_SIZE when the user asked for one (weftrun passes -1 then).
  return Status();
}

Status PmiClient::write_line(const std::string& line) {
  std::string data = line + "\n";
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

Status PmiClient::command(const std::string& line, const std::string& expected_cmd,
                          std::map<std::string, std::string>& reply) {
  WEFT_TRY(write_line(line));
  std::string answer;
  WEFT_TRY(read_line(answer));
  reply = parse_pmi_line(answer);
  if (reply["cmd"] != expected_cmd) {
    return error(MPI_ERR_OTHER, "PMI: expected cmd=%s from the launcher, got '%s'",
                 expected_cmd.c_str(), answer.c_str());
  }
  return Status();
}

Status PmiClient::put(const std::string& key, const std::string& value) {
  std::string full_key = key + "-" + std::to_string(rank_);
  if (singleton()) {
    local_store_[full_key] = value;
    return Status();
  }
  std::map<std::string, std::string> reply;
  WEFT_TRY(command("cmd=put kvsname=" + kvsname_ + " key=" + full_key + " value=" + value,
                   "put_result", reply));
  if (reply["rc"] != "0") {
    return error(MPI_ERR_OTHER, "PMI: put of key %s failed (%s)", full_key.c_str(),
                 reply["msg"].c_str());
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
  std::map<std::string, std::string> reply;
  WEFT_TRY(command("cmd=get kvsname=" + kvsname_ + " key=" + full_key, "get_result", reply));
  if (reply["rc"] != "0") {
    return error(MPI_ERR_OTHER, "PMI: key %s not found", full_key.c_str());
  }
  value = reply["value"];
  return Status();
}

Status PmiClient::barrier() {
  if (singleton()) return Status();
  std::map<std::string, std::string> reply;
  return command("cmd=barrier_in", "barrier_out", reply);
}

Status PmiClient::finalize() {
  if (singleton()) return Status();
  std::map<std::string, std::string> reply;
  Status status = command("cmd=finalize", "finalize_ack", reply);
  close(fd_);
  fd_ = -1;
  return status;
}

void PmiClient::abort(int code, const std::string& message) {
  if (singleton()) return;
  // msg= runs to the end of the line, so only newlines need replacing.
  std::string text;
  for (char c : message) text += c == '\n' ? ' ' : c;
  if (text.size() > 900) text.resize(900);
  // Best effort: the process exits right after, whatever the launcher answers.
  (void)write_line("cmd=abort exitcode=" + std::to_string(code) + " msg=" + text);
}

}  // namespace weft
