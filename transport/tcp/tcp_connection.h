// One established, non-blocking TCP connection to a peer: frames packets out (straight to
// the socket, or through an ordered queue when the socket is full) and frames them back in
// from a reusable receive buffer. It knows nothing about other peers; TcpTransport
// multiplexes the connections and owns their readiness set.
//
// Not thread-safe: the engine serializes every call into a transport.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/error.h"
#include "transport/transport.h"

struct iovec;

namespace weft::transport::tcp {

// A growable byte buffer used as a FIFO: bytes are appended at the tail and consumed at
// the head. Its storage is kept between uses, so the steady state allocates nothing.
class ByteFifo {
 public:
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }
  char* data() { return storage_.get() + head_; }
  const char* data() const { return storage_.get() + head_; }

  // Appends the bytes of `pieces` after skipping the first `skip` of them.
  void append(const iovec* pieces, int count, size_t skip);
  void consume(size_t bytes);
  // Drops the contents and the storage.
  void release();

 private:
  void make_room(size_t bytes);

  std::unique_ptr<char[]> storage_;
  size_t capacity_ = 0;
  size_t head_ = 0;
  size_t tail_ = 0;
};

class TcpConnection {
 public:
  enum class State {
    kOpen,
    kPeerFinished,  // the peer said goodbye and closed: the expected end after finalize
    kFailed,        // EOF without goodbye, a reset, or a corrupt stream
  };

  // Takes ownership of `fd`, a connected stream socket already set non-blocking.
  TcpConnection(int peer, int local_rank, int fd);
  ~TcpConnection();
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  int peer() const { return peer_; }
  int fd() const { return fd_; }
  State state() const { return state_; }
  bool open() const { return state_ == State::kOpen; }
  bool has_queued() const { return !queue_.empty(); }
  size_t queued_bytes() const { return queue_.size(); }

  // Why the connection is unusable, as the Status a send to the peer returns; success
  // while it is open.
  Status status() const;

  // Frames one packet and writes it now, or queues what the socket does not take (after
  // anything already queued, so packets stay in order). Fails only when not open.
  Status send(const void* header, size_t header_len, const void* payload, size_t payload_len,
              uint32_t flags = 0);

  // Writes as much of the queue as the socket takes. Never blocks.
  void flush();

  // Reads what the socket holds and hands each complete packet to `sink` (which may call
  // send on this or any connection). Never blocks. Returns the packets delivered.
  int receive(PacketSink& sink);

  // Reads and throws away whatever arrives (used only while closing, after the final
  // barrier). Returns false once the peer's end of stream has been seen.
  bool discard_input();

  // Half-closes our direction after the queue has drained.
  void shutdown_send();

 private:
  int deliver(PacketSink& sink);
  bool make_read_room();
  void fail(const char* what, int error_number);

  int peer_;
  int local_rank_;
  int fd_;
  State state_ = State::kOpen;
  bool goodbye_received_ = false;
  std::string failure_;

  ByteFifo queue_;

  // Receive buffer: bytes [begin_, end_) are received but not yet delivered. begin_ is
  // always a frame boundary and therefore a multiple of kFrameAlign.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  // Size of the frame at begin_ once its frame header has arrived, else 0.
  uint64_t pending_frame_bytes_ = 0;
};

}  // namespace weft::transport::tcp
