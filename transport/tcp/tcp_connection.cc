#include "transport/tcp/tcp_connection.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "mpi.h"
#include "transport/tcp/tcp_wire.h"

namespace weft::transport::tcp {

namespace {

// The first read buffer of a connection: large enough that a typical eager packet
// (<= 64 KiB) and several small ones arrive in one read.
constexpr size_t kInitialReceiveBytes = 128 * 1024;
// Below this much free space at the end, move the partial frame to the front first rather
// than issue a tiny read.
constexpr size_t kMinReadRoom = 16 * 1024;
constexpr size_t kInitialQueueBytes = 64 * 1024;
// Buffers grown beyond this for an unusually large packet are returned once empty, so one
// huge message does not pin its size for the rest of the job.
constexpr size_t kKeepBufferBytes = 64 * 1024 * 1024;
// Reads from one connection in one receive() call: a busy peer must not starve the others.
constexpr int kMaxReadsPerReceive = 8;

// Source of the padding bytes after a header or payload.
constexpr char kZeros[kFrameAlign] = {};

size_t round_up(size_t value, size_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// ByteFifo

void ByteFifo::append(const iovec* pieces, int count, size_t skip) {
  size_t total = 0;
  for (int i = 0; i < count; ++i) total += pieces[i].iov_len;
  make_room(total - skip);
  for (int i = 0; i < count; ++i) {
    size_t length = pieces[i].iov_len;
    if (skip >= length) {
      skip -= length;
      continue;
    }
    std::memcpy(storage_.get() + tail_, static_cast<const char*>(pieces[i].iov_base) + skip,
                length - skip);
    tail_ += length - skip;
    skip = 0;
  }
}

void ByteFifo::consume(size_t bytes) {
  head_ += bytes;
  if (head_ == tail_) {
    head_ = tail_ = 0;
    if (capacity_ > kKeepBufferBytes) release();
  }
}

void ByteFifo::release() {
  storage_.reset();
  capacity_ = head_ = tail_ = 0;
}

void ByteFifo::make_room(size_t bytes) {
  if (capacity_ - tail_ >= bytes) return;
  size_t live = size();
  // Sliding the live bytes down is only worth it while they fill at most half of the
  // storage; otherwise grow, so each byte is moved a bounded number of times.
  if (storage_ && (live + bytes) * 2 <= capacity_) {
    std::memmove(storage_.get(), storage_.get() + head_, live);
  } else {
    size_t capacity =
        std::max({kInitialQueueBytes, capacity_ * 2, round_up((live + bytes) * 2, 4096)});
    auto storage = std::make_unique_for_overwrite<char[]>(capacity);
    if (live != 0) std::memcpy(storage.get(), storage_.get() + head_, live);
    storage_ = std::move(storage);
    capacity_ = capacity;
  }
  head_ = 0;
  tail_ = live;
}

// ---------------------------------------------------------------------------------------
// TcpConnection

TcpConnection::TcpConnection(int peer, int local_rank, int fd)
    : peer_(peer), local_rank_(local_rank), fd_(fd) {}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Status TcpConnection::status() const {
  switch (state_) {
    case State::kOpen:
      return Status::success();
    case State::kPeerFinished:
      return error(MPI_ERR_PROC_ABORTED,
                   "tcp transport: rank %d has finalized and closed its connection to rank %d",
                   peer_, local_rank_);
    case State::kFailed:
      break;
  }
  return Status(MPI_ERR_PROC_ABORTED, failure_);
}

void TcpConnection::fail(const char* what, int error_number) {
  if (state_ != State::kOpen) return;
  state_ = State::kFailed;
  char text[512];
  std::snprintf(text, sizeof text,
                "tcp transport: rank %d lost its connection to rank %d (%s%s%s); that process has "
                "probably exited or aborted",
                local_rank_, peer_, what, error_number != 0 ? ": " : "",
                error_number != 0 ? std::strerror(error_number) : "");
  failure_ = text;
  // Queued bytes can never be delivered now. The receive buffer stays: a delivery loop
  // further up the stack may still be reading from it.
  queue_.release();
}

Status TcpConnection::send(const void* header, size_t header_len, const void* payload,
                           size_t payload_len, uint32_t flags) {
  if (state_ != State::kOpen) return status();
  if (header_len > kMaxHeaderBytes || payload_len > kMaxPayloadBytes) {
    return error(MPI_ERR_INTERN,
                 "tcp transport: packet to rank %d too large (header %zu bytes, payload %zu "
                 "bytes; limits %u and %llu)",
                 peer_, header_len, payload_len, kMaxHeaderBytes,
                 static_cast<unsigned long long>(kMaxPayloadBytes));
  }

  FrameHeader frame{static_cast<uint32_t>(header_len), flags, payload_len};
  iovec pieces[5];
  int count = 0;
  auto add = [&](const void* base, size_t length) {
    if (length != 0) pieces[count++] = iovec{const_cast<void*>(base), length};
  };
  add(&frame, sizeof frame);
  add(header, header_len);
  add(kZeros, frame_padding(header_len));
  add(payload, payload_len);
  add(kZeros, frame_padding(payload_len));

  size_t written = 0;
  if (queue_.empty()) {
    const size_t total = frame_bytes(header_len, payload_len);
    msghdr message{};
    message.msg_iov = pieces;
    message.msg_iovlen = static_cast<size_t>(count);
    for (;;) {
      ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
      if (n >= 0) {
        written = static_cast<size_t>(n);
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      fail("write failed", errno);
      return status();
    }
    if (written == total) return Status::success();
  }
  // Either the socket is full or earlier packets wait: the rest goes behind them.
  queue_.append(pieces, count, written);
  return Status::success();
}

void TcpConnection::flush() {
  while (state_ == State::kOpen && !queue_.empty()) {
    ssize_t n = ::send(fd_, queue_.data(), queue_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      size_t had = queue_.size();
      queue_.consume(static_cast<size_t>(n));
      if (static_cast<size_t>(n) < had) return;  // the socket is full again
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    fail("write failed", n < 0 ? errno : 0);
  }
}

bool TcpConnection::make_read_room() {
  if (begin_ == end_) begin_ = end_ = 0;
  // Bytes the frame at begin_ needs in total (only its frame header while its size is
  // still unknown).
  size_t needed = pending_frame_bytes_ != 0 ? pending_frame_bytes_ : sizeof(FrameHeader);
  if (begin_ != 0 && (capacity_ - begin_ < needed || capacity_ - end_ < kMinReadRoom)) {
    std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (!buffer_ || needed > capacity_) {
    size_t capacity = std::max(kInitialReceiveBytes, round_up(needed, 64 * 1024));
    try {
      auto buffer = std::make_unique_for_overwrite<char[]>(capacity);
      if (end_ != 0) std::memcpy(buffer.get(), buffer_.get(), end_);
      buffer_ = std::move(buffer);
      capacity_ = capacity;
    } catch (const std::bad_alloc&) {
      fail("out of memory for an incoming packet", ENOMEM);
      return false;
    }
  }
  return true;
}

int TcpConnection::deliver(PacketSink& sink) {
  int delivered = 0;
  pending_frame_bytes_ = 0;
  while (end_ - begin_ >= sizeof(FrameHeader)) {
    FrameHeader frame;
    std::memcpy(&frame, buffer_.get() + begin_, sizeof frame);
    if (frame.header_len > kMaxHeaderBytes || frame.payload_len > kMaxPayloadBytes) {
      fail("corrupt frame header", 0);
      break;
    }
    uint64_t total = frame_bytes(frame.header_len, frame.payload_len);
    if (end_ - begin_ < total) {
      pending_frame_bytes_ = total;
      break;
    }
    const char* header = buffer_.get() + begin_ + sizeof frame;
    const char* payload = header + frame.header_len + frame_padding(frame.header_len);
    // Consume the frame before the call: the sink may send, and nothing it does can make
    // this loop see the frame again.
    begin_ += total;
    if ((frame.flags & kFrameGoodbye) != 0) {
      goodbye_received_ = true;
      continue;
    }
    sink.on_packet(peer_, header, frame.header_len, payload, frame.payload_len);
    ++delivered;
  }
  if (begin_ == end_) begin_ = end_ = 0;
  return delivered;
}

int TcpConnection::receive(PacketSink& sink) {
  int delivered = 0;
  for (int round = 0; round < kMaxReadsPerReceive && state_ == State::kOpen; ++round) {
    if (!make_read_room()) break;
    size_t room = capacity_ - end_;
    ssize_t n = ::recv(fd_, buffer_.get() + end_, room, 0);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      delivered += deliver(sink);
      if (static_cast<size_t>(n) < room) break;  // drained the socket
      continue;
    }
    if (n == 0) {
      if (goodbye_received_ && begin_ == end_) {
        state_ = State::kPeerFinished;
        queue_.release();
      } else {
        fail("end of file", 0);
      }
      break;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    fail("read failed", errno);
  }
  if (state_ != State::kOpen) {
    buffer_.reset();
    capacity_ = begin_ = end_ = 0;
    pending_frame_bytes_ = 0;
  } else if (begin_ == end_ && capacity_ > kKeepBufferBytes) {
    buffer_.reset();
    capacity_ = begin_ = end_ = 0;
  }
  return delivered;
}

bool TcpConnection::discard_input() {
  char scratch[16 * 1024];
  for (;;) {
    ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
    if (n > 0) continue;
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

void TcpConnection::shutdown_send() { ::shutdown(fd_, SHUT_WR); }

}  // namespace weft::transport::tcp
