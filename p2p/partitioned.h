// Partitioned point-to-point communication (MPI-4.1 chapter 4): a persistent request whose
// send side hands its buffer over partition by partition (MPI_Pready*) and whose receive
// side sees partitions as they land (MPI_Parrived). docs/partitioned.md tells the story;
// in short, it rides on the engine's ordinary messages:
//
//  * Matching, once per pair of requests. MPI_Psend_init sends SETUP (the sender's layout
//    and its request number) on the communicator's partitioned setup context with the
//    user's tag; MPI_Precv_init posts the receive for it. Both happen in init order and
//    messages between two processes on one context never overtake each other, so the n-th
//    Psend_init to (dest, tag, comm) meets the n-th Precv_init from (source, tag, comm), as
//    the standard requires, whatever order rounds are later started in. No wildcards.
//  * The receiver, once it has SETUP, answers REPLY with its pair number: a number it
//    holds for the life of its request, so data for it can never be meant for anything
//    else. Until REPLY arrives the sender keeps ready partitions; afterwards they leave at
//    once.
//  * Data. Each run of consecutive ready partitions leaves as one ordinary message on a
//    context made of the pair number and the communicator's context, tagged with its first
//    partition. Runs smaller than WEFT_PART_UNIT_BYTES that may still grow wait for their
//    neighbours, but only until the engine next progresses (any Wait, Test, Parrived or
//    blocking call), so a ready partition is never held back indefinitely.
//  * The receiver takes the messages of its pair in arrival order (a round's messages all
//    come before the next round's) and lands each in place — a rendezvous message straight
//    into the user's buffer when its datatype is contiguous, else through a packed copy. A
//    receive partition has arrived once every byte of it has, so the two sides may cut the
//    buffer differently.
//
// A later one-sided path (registered memory, device buffers) can replace the data
// messages: SETUP and REPLY are where the two sides would exchange keys.
//
// All functions expect the engine lock (lock.h) to be held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/error.h"
#include "p2p/request.h"

namespace weft {
class Datatype;
}

namespace weft::p2p {

// Communicator contexts the partitioned message contexts are derived from fit in this many
// bits; pair numbers in 31 - kPartitionedContextBits.
inline constexpr int kPartitionedContextBits = 12;
inline constexpr uint32_t kMaxPairs = 1u << (31 - kPartitionedContextBits);

class PartitionedRequest final : public Request {
 public:
  enum class Side : uint8_t { kSend, kReceive };

  // What the init call describes. `comm` and `datatype` are retained by the request;
  // `peer` is a rank of the communicator's peer group or MPI_PROC_NULL.
  struct Description {
    Side side = Side::kSend;
    Object* comm = nullptr;
    Datatype* datatype = nullptr;
    void* buffer = nullptr;
    size_t partitions = 0;
    size_t count = 0;          // elements of `datatype` per partition
    int peer = 0;
    int peer_process = -1;     // the peer's process number (ignored for MPI_PROC_NULL)
    int self_rank = 0;         // this process's rank, the source of its messages
    int tag = 0;
    uint32_t comm_context = 0; // the communicator's point-to-point context
  };

  // Makes the (inactive) request and takes part in matching: a send side sends SETUP and
  // posts the receive for REPLY, a receive side posts the receive for SETUP. The caller
  // owns one reference.
  static Status create(const char* call, const Description& description,
                       PartitionedRequest** out);
  ~PartitionedRequest() override;

  Side side() const { return side_; }
  size_t partitions() const { return partitions_; }
  // Started and not yet completed by a Wait/Test (or completed and not yet retired).
  bool round_open() const { return active || is_complete(); }

  // MPI_Pready / _list (`argument` names the indices in messages; `listed`: an array, so
  // with positions) and _range: checks every index (in range, not yet ready this round,
  // not twice in one call) before marking any.
  Status ready_list(const char* call, const char* argument, bool listed, const int* indices,
                    size_t n);
  Status ready_range(const char* call, int low, int high);

  // MPI_Parrived on an open receive round: whether every byte of `partition` is in the
  // user's buffer (progresses once when it is not).
  bool arrived(size_t partition);

 private:
  // A data message in flight: the engine request and the stream bytes it carries.
  struct Piece {
    Request* request;
    size_t begin;
    size_t end;
  };

  explicit PartitionedRequest(const Description& description);
  Status start_round_now();
  Status mark(const char* call, const char* argument, int index, int list_position);
  Status after_marking(const char* call, const int* indices, size_t n, int low, int high);
  bool learn_reply();
  Status flush(bool everything, size_t around_begin, size_t around_end);
  Status send_run(size_t first, size_t last);
  bool progress_send();
  bool learn_setup();
  void take_messages();
  void land(const Piece& piece);
  // Lands every message in flight that has completed.
  void land_completed();
  bool progress_receive();
  void finish_receive();
  Request* spare_request(RequestKind kind);
  uint32_t data_context() const;
  void fail_round(int error_class);

  const Side side_;
  const size_t partitions_;
  const size_t partition_bytes_;
  const size_t total_bytes_;  // this side's bytes
  const int peer_process_;
  const uint32_t comm_context_;
  bool proc_null_ = false;

  // The pair. The sender knows its layout at once and the receiver's pair number once
  // REPLY came; the receiver holds its pair number from init and learns the sender's layout
  // from SETUP.
  bool matched_ = false;
  uint32_t pair_ = 0;             // the receiver's pair number
  uint32_t sender_number_ = 0;    // the sender's request number (REPLY's tag)
  size_t sender_partition_bytes_ = 0;
  size_t sender_partitions_ = 0;
  size_t sender_bytes_ = 0;       // the message: the sender's partitions * partition bytes
  Request* setup_ = nullptr;      // SETUP sent or received
  Request* reply_ = nullptr;      // REPLY received or sent

  // Per round.
  std::vector<uint8_t> state_;    // send: per partition (see partitioned.cc)
  size_t ready_unsent_ = 0;       // send: partitions marked ready, not yet sent
  size_t partitions_sent_ = 0;    // send
  bool empty_sent_ = false;       // send: the empty message of a message without bytes
  std::vector<size_t> arrived_bytes_;  // receive: per partition
  size_t bytes_taken_ = 0;        // receive: bytes of the messages taken this round
  size_t bytes_landed_ = 0;       // receive: of those, bytes in the user's buffer
  bool empty_taken_ = false;      // receive: the empty message of a message without bytes
  std::vector<Piece> in_flight_;
  std::vector<Request*> spare_;   // engine requests for the next messages
  int round_error_ = MPI_SUCCESS;
  int link_error_ = MPI_SUCCESS;  // the pair could not be set up: every round fails
  std::vector<char> staging_;     // packed copy for non-contiguous types or truncation
  bool staged_ = false;
};

// The request as a partitioned one, or nullptr.
inline PartitionedRequest* as_partitioned(Request* request) {
  return request != nullptr && request->kind == RequestKind::kGeneric
             ? dynamic_cast<PartitionedRequest*>(request)
             : nullptr;
}

}  // namespace weft::p2p
