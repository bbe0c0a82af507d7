// Moving bytes between weftrun's own stdio and the ranks' pipes.
//
// Output: each rank's stdout and stderr arrive on their own pipe. Bytes are cut into
// lines, and weftrun writes only whole lines (one write() for all the lines that one
// read completed), so lines of two ranks never interleave mid-line. A line longer than
// kMaxHeldLine is passed on in pieces rather than held without bound. A last line
// without '\n' is written when its pipe closes, as it is; with --tag-output a '\n' is
// added so the next rank's line still starts a fresh line.
//
// Input: weftrun's stdin goes to rank 0 only. A pipe, FIFO or terminal is reopened
// through /proc/self/fd/0 (so O_NONBLOCK never leaks into the caller's shared file
// description) and copied by the io_context; a regular file or a device such as
// /dev/null is handed to rank 0 directly.
//
// Writes to weftrun's own stdout/stderr block: a consumer that stops reading stops the
// job's output, which is the backpressure a pipeline expects.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace weft::launcher {

// Writes all of `data` to `fd`, retrying on EINTR and waiting out EAGAIN. After EPIPE the
// reader is gone: the data is dropped, and so is everything later sent to that fd.
void write_all(int fd, std::string_view data);

// Prints "weftrun: <text>\n" to stderr in one write.
void print_message(std::string_view text);

inline constexpr std::size_t kMaxHeldLine = 64 * 1024;

class OutputForwarder {
 public:
  // `on_all_closed` runs once every added pipe has reached end of file.
  OutputForwarder(boost::asio::io_context& io, bool tag_output,
                  std::function<void()> on_all_closed);
  ~OutputForwarder();
  OutputForwarder(const OutputForwarder&) = delete;
  OutputForwarder& operator=(const OutputForwarder&) = delete;

  // Takes ownership of `pipe_fd` (the read end) and forwards it to `target_fd` (1 or 2).
  void add(int rank, int pipe_fd, int target_fd);

  [[nodiscard]] std::size_t open_count() const { return open_count_; }

  // Stops reading and writes every held partial line (used when the job ends before all
  // pipes closed, e.g. a rank left a child process holding its stdout).
  void close_all();

 private:
  struct Stream;
  void read_more(Stream& stream);
  void consume(Stream& stream, std::size_t bytes);
  void flush_partial(Stream& stream);
  void stream_closed(Stream& stream);
  std::string prefix(const Stream& stream) const;

  boost::asio::io_context& io_;
  bool tag_output_;
  std::function<void()> on_all_closed_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::size_t open_count_ = 0;
};

enum class StdinMode {
  forward,  // copy through a pipe (source is a pipe, FIFO or terminal)
  inherit,  // rank 0 gets weftrun's fd 0 itself (regular file, /dev/null, socket)
  null,     // rank 0 gets /dev/null (weftrun's stdin is a terminal it does not own)
};

// Decides how rank 0 gets its stdin; for `forward`, `reopened_fd` receives a private,
// non-blocking descriptor of weftrun's stdin.
[[nodiscard]] StdinMode choose_stdin_mode(int& reopened_fd);

class StdinForwarder {
 public:
  // Takes ownership of both fds: `source_fd` from choose_stdin_mode, `rank0_fd` the write
  // end of rank 0's stdin pipe.
  StdinForwarder(boost::asio::io_context& io, int source_fd, int rank0_fd);
  ~StdinForwarder();
  StdinForwarder(const StdinForwarder&) = delete;
  StdinForwarder& operator=(const StdinForwarder&) = delete;

  void start();
  // Closes both ends; rank 0 sees end of file.
  void stop();

 private:
  void read_more();

  boost::asio::posix::stream_descriptor source_;
  boost::asio::posix::stream_descriptor rank0_;
  std::array<char, 16384> buffer_{};
  bool stopped_ = false;
};

}  // namespace weft::launcher
