#include "launcher/stdio_forward.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>

namespace weft::launcher {

namespace asio = boost::asio;

namespace {
// Set once a write to fd 1 or 2 fails with EPIPE: the reader is gone for good.
bool reader_gone[3] = {false, false, false};
}  // namespace

void write_all(int fd, std::string_view data) {
  if (fd >= 0 && fd < 3 && reader_gone[fd]) return;
  while (!data.empty()) {
    ssize_t written = write(fd, data.data(), data.size());
    if (written > 0) {
      data.remove_prefix(static_cast<std::size_t>(written));
      continue;
    }
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && errno == EAGAIN) {
      // The caller's descriptor is non-blocking (set by whoever shares it): wait for room.
      pollfd wait_for{fd, POLLOUT, 0};
      poll(&wait_for, 1, -1);
      continue;
    }
    if (fd >= 0 && fd < 3) reader_gone[fd] = true;
    return;
  }
}

void print_message(std::string_view text) {
  std::string line = "weftrun: ";
  line += text;
  line += '\n';
  write_all(STDERR_FILENO, line);
}

struct OutputForwarder::Stream {
  Stream(asio::io_context& io, int rank_, int pipe_fd, int target_)
      : pipe(io, pipe_fd), rank(rank_), target(target_) {}
  asio::posix::stream_descriptor pipe;
  int rank;
  int target;
  std::string held;       // bytes of the current line not yet written
  bool mid_line = false;  // part of the current line was already written (long line)
  bool open = true;
  std::array<char, 65536> buffer{};
};

OutputForwarder::OutputForwarder(asio::io_context& io, bool tag_output,
                                 std::function<void()> on_all_closed)
    : io_(io), tag_output_(tag_output), on_all_closed_(std::move(on_all_closed)) {}

OutputForwarder::~OutputForwarder() = default;

void OutputForwarder::add(int rank, int pipe_fd, int target_fd) {
  streams_.push_back(std::make_unique<Stream>(io_, rank, pipe_fd, target_fd));
  ++open_count_;
  read_more(*streams_.back());
}

std::string OutputForwarder::prefix(const Stream& stream) const {
  if (!tag_output_ || stream.mid_line) return {};
  // Built with append rather than "[" + std::string&&: GCC 12 at -O3 warns (-Wrestrict) on
  // that form with a false overlap, which breaks release builds with warnings as errors.
  std::string text = "[";
  text += std::to_string(stream.rank);
  text += "] ";
  return text;
}

void OutputForwarder::read_more(Stream& stream) {
  stream.pipe.async_read_some(
      asio::buffer(stream.buffer),
      [this, &stream](const boost::system::error_code& error, std::size_t n) {
        if (n > 0) consume(stream, n);
        if (error == asio::error::operation_aborted || !stream.open) return;
        if (error) {
          stream_closed(stream);
          return;
        }
        read_more(stream);
      });
}

void OutputForwarder::consume(Stream& stream, std::size_t bytes) {
  std::string_view data(stream.buffer.data(), bytes);
  std::string out;
  while (!data.empty()) {
    std::size_t newline = data.find('\n');
    if (newline == std::string_view::npos) {
      stream.held.append(data);
      break;
    }
    out += prefix(stream);
    out += stream.held;
    out.append(data.substr(0, newline + 1));
    stream.held.clear();
    stream.mid_line = false;
    data.remove_prefix(newline + 1);
  }
  if (stream.held.size() > kMaxHeldLine) {
    out += prefix(stream);
    out += stream.held;
    stream.held.clear();
    stream.mid_line = true;
  }
  if (!out.empty()) write_all(stream.target, out);
}

void OutputForwarder::flush_partial(Stream& stream) {
  if (stream.held.empty() && !stream.mid_line) return;
  std::string out = prefix(stream) + stream.held;
  if (tag_output_) out += '\n';
  stream.held.clear();
  stream.mid_line = false;
  write_all(stream.target, out);
}

void OutputForwarder::stream_closed(Stream& stream) {
  flush_partial(stream);
  stream.open = false;
  boost::system::error_code ignored;
  stream.pipe.close(ignored);
  if (--open_count_ == 0 && on_all_closed_) on_all_closed_();
}

void OutputForwarder::close_all() {
  for (auto& stream : streams_) {
    if (!stream->open) continue;
    // Take what is already in the pipe: it was written before the job ended.
    int fd = stream->pipe.native_handle();
    while (true) {
      ssize_t n = read(fd, stream->buffer.data(), stream->buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      consume(*stream, static_cast<std::size_t>(n));
    }
    flush_partial(*stream);
    stream->open = false;
    boost::system::error_code ignored;
    stream->pipe.close(ignored);
  }
  open_count_ = 0;
}

StdinMode choose_stdin_mode(int& reopened_fd) {
  reopened_fd = -1;
  struct stat info {};
  if (fstat(STDIN_FILENO, &info) != 0) return StdinMode::null;
  bool terminal = isatty(STDIN_FILENO) != 0;
  if (terminal && tcgetpgrp(STDIN_FILENO) != getpgrp()) {
    // Reading a terminal from the background would stop weftrun with SIGTTIN.
    return StdinMode::null;
  }
  if (!(S_ISFIFO(info.st_mode) || terminal)) return StdinMode::inherit;
  // O_NONBLOCK also keeps open() from waiting for a writer on a pipe whose writer left.
  reopened_fd = open("/proc/self/fd/0", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  return reopened_fd >= 0 ? StdinMode::forward : StdinMode::inherit;
}

StdinForwarder::StdinForwarder(asio::io_context& io, int source_fd, int rank0_fd)
    : source_(io, source_fd), rank0_(io, rank0_fd) {}

StdinForwarder::~StdinForwarder() = default;

void StdinForwarder::start() { read_more(); }

void StdinForwarder::read_more() {
  source_.async_read_some(
      asio::buffer(buffer_), [this](const boost::system::error_code& error, std::size_t n) {
        if (stopped_) return;
        if (error || n == 0) {
          stop();
          return;
        }
        asio::async_write(rank0_, asio::buffer(buffer_.data(), n),
                          [this](const boost::system::error_code& write_error, std::size_t) {
                            if (stopped_) return;
                            if (write_error) {
                              stop();  // rank 0 closed its stdin or exited
                              return;
                            }
                            read_more();
                          });
      });
}

void StdinForwarder::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ignored;
  source_.close(ignored);
  rank0_.close(ignored);
}

}  // namespace weft::launcher
