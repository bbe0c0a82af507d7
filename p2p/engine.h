// The point-to-point engine: MPI matching (posted and unexpected queues, in arrival
// order, so messages between a pair on one communicator never overtake each other), the
// eager and rendezvous protocols, and progress (spin, then sleep on the transports'
// wake-up descriptors).
//
// Protocols, by message size (packed bytes):
//   <= eager limit   EAGER  header + data; a synchronous send also asks for an ACK.
//   >  eager limit   RTS    header + the sender's buffer address. When the receiver can
//                           read the sender's memory (cross-memory attach, or self) and
//                           the message reaches the transport's single_copy_min(), it
//                           copies the data itself and answers FIN: one copy in total.
//                           Otherwise it answers CTS and the sender streams DATA
//                           fragments, paced by the transport's readiness.
//                           Single-copy messages with a transport that supports it use
//                           a shared copy: the receiver first sends HELP (a copy slot and
//                           its buffer address); both sides then copy chunks at once,
//                           and the receiver sends FIN when every chunk is done.
// All functions expect the engine lock (lock.h) to be held.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "base/error.h"
#include "base/intrusive_list.h"
#include "p2p/request.h"
#include "transport/transport.h"

namespace weft {

class PmiClient;

namespace p2p {

enum class PacketKind : uint8_t { kEager = 1, kRts, kCts, kData, kFin, kAck, kHelp };
inline constexpr uint8_t kFlagSync = 1;

struct Header {
  PacketKind kind;
  uint8_t flags;
  uint16_t unused;
  int32_t tag;
  uint32_t context;
  int32_t source;            // sender's rank in the communicator
  uint64_t size;             // packed bytes of the whole message
  uint64_t sender_request;   // sender's request id (rendezvous, synchronous sends)
  uint64_t receiver_request; // receiver's request id (CTS, DATA)
  uint64_t address;          // RTS: sender's data address; DATA: stream offset
};
// An eager packet carries only the matching fields (its size is the payload's length),
// so a message of up to 32 bytes fits one 64-byte shared-memory record; a synchronous
// eager packet adds size and sender_request for the ACK.
inline constexpr size_t kEagerHeaderBytes = offsetof(Header, size);
inline constexpr size_t kSyncEagerHeaderBytes = offsetof(Header, receiver_request);
static_assert(kEagerHeaderBytes == 16 && kSyncEagerHeaderBytes == 32, "header layout");

// A message that arrived before its receive was posted.
struct Unexpected {
  Header header;
  int process;             // world rank of the sender
  std::vector<char> data;  // eager payload
  Unexpected* list_prev = nullptr;
  Unexpected* list_next = nullptr;
};

class Engine final : public transport::PacketSink {
 public:
  Engine();
  ~Engine() override;

  Status start(PmiClient& pmi, const std::string& host);
  void stop();

  // Starts a send or receive described by the request's fields.
  Status start_send(Request* request);
  Status start_receive(Request* request);
  // A standard-mode send of `bytes` contiguous bytes that fits the eager protocol, without
  // a request: it is complete when this returns (the transport copied the data).
  Status send_eager(int process, int source, int tag, uint32_t context, const void* data,
                    size_t bytes);

  // Probing: finds the first unexpected message matching (source, tag, context).
  // With `take`, it is removed from the queue and handed to the caller (MPI_Mprobe).
  bool probe(int source, int tag, uint32_t context, MPI_Status* status,
             std::unique_ptr<Unexpected>* take);
  // Completes a receive from a message taken by probe (MPI_Mrecv).
  Status receive_taken(Request* request, std::unique_ptr<Unexpected> message);

  // Cancels a posted receive that has not matched; false when too late.
  bool cancel_receive(Request* request);

  // Makes progress once without blocking; true when anything happened.
  bool progress();
  // Progresses until done() holds: spins for a while, then sleeps on the transports.
  template <class Predicate>
  void wait_until(Predicate&& done) {
    if (done()) return;
    using Function = std::remove_reference_t<Predicate>;
    wait_loop(const_cast<void*>(static_cast<const void*>(&done)),
              [](void* state) { return (*static_cast<Function*>(state))(); });
  }

  void on_packet(int peer, const void* header, size_t header_len, const void* payload,
                 size_t payload_len) override;

  // Generic (collective) requests are advanced by progress() until they complete.
  void add_generic(Request* request);

  // Pushes out everything queued for sending (before the final barrier of MPI_Finalize).
  void drain();

  size_t eager_limit() const { return eager_limit_; }
  // WEFT_EAGER_LIMIT written at run time (MPI_T); the engine lock is held.
  void set_eager_limit(size_t bytes) { eager_limit_ = bytes; }
  bool local_peer(int process) const;  // on this host

  // ---- the process table ------------------------------------------------------------
  // Processes are numbered locally: the job's world ranks first, then every process met
  // later (spawned children, parents, a port's peer) in the order it was added. Each also
  // has a uid, the hash of its job's key/value space name and its rank there, which every
  // process that knows it computes alike (the transports name each other by it, and
  // orders that both sides must agree on use it).
  struct LateProcess {
    uint64_t uid = 0;
    std::map<std::string, std::string> card;  // "host" and the transports' published keys
    std::string key;  // met through a port or a join: the meeting's key (Transport::LatePeer)
  };
  static uint64_t uid_of(const std::string& kvsname, int rank);
  uint64_t uid(int process) const;
  int process_count() const { return static_cast<int>(routes_.size()); }
  // Makes this process reachable by processes met later: creates (and publishes) the
  // transports a process alone skipped at start-up. Idempotent.
  Status enable_late(PmiClient& pmi);
  // Reads what process `rank` of job `kvsname` published (its card).
  Status read_card(PmiClient& pmi, const std::string& kvsname, int rank, LateProcess* out);
  // Finds or adds each process and connects to the new ones through the first transport
  // that can reach it and connects at any time; (*ids)[i] is processes[i]'s number.
  Status add_processes(const std::vector<LateProcess>& processes, std::vector<int>* ids);

 private:
  void wait_loop(void* state, bool (*done)(void*));
  bool sleep_once(void* state, bool (*done)(void*));  // true once done() held
  transport::Transport& route(int process) { return *routes_[static_cast<size_t>(process)]; }
  Status send_packet(int process, const Header& header, size_t header_len, const void* payload,
                     size_t payload_len);
  void deliver_eager(Request* request, const Header& header, const void* payload, size_t length,
                     int process);
  void deliver_rts(Request* request, const Header& header, int process);
  void on_data(const Header& header, const void* payload, size_t length);
  void push_streams();
  bool finish_shared_copies();
  void complete(Request* request);
  void fail_request(Request* request, const Status& status);
  bool progress_generics();

  std::vector<std::unique_ptr<transport::Transport>> transports_;
  std::vector<transport::Transport*> routes_;  // per world rank
  std::vector<transport::Transport*> polled_;  // transports that reach at least one peer
  std::vector<bool> local_;                    // per world rank: on this host
  std::vector<std::vector<std::string>> published_keys_;  // per transport: its card keys
  PmiClient* pmi_ = nullptr;
  std::string host_;
  int self_ = 0;
  int world_n_ = 0;
  std::vector<uint64_t> late_uids_;     // per process past the world ranks
  std::map<uint64_t, int> uid_index_;   // uid -> process, filled when the first late one comes
  bool late_ready_ = false;
  void update_polled();
  Unexpected* new_unexpected();
  void recycle(Unexpected* message);

  IntrusiveList<Request> posted_;
  IntrusiveList<Unexpected> unexpected_;  // owned; unlinked ones go back to spare_
  IntrusiveList<Request> streams_;   // sends streaming DATA after a CTS
  IntrusiveList<Request> generics_;
  std::vector<Unexpected*> spare_;  // recycled Unexpected records (payload capacity kept)
  // Receives whose shared copy waits for chunks the sender is still copying.
  struct SharedCopyWait {
    Request* request;
    transport::Transport::SharedCopy copy;
    int process;
    uint64_t sender_request;
    Status status;  // the receiver's own part
  };
  std::vector<SharedCopyWait> shared_copies_;
  size_t eager_limit_ = 16384;
  size_t fragment_bytes_ = 65536;
  int64_t spin_ns_ = 100000;
  bool oversubscribed_ = false;
  bool started_ = false;
};

Engine& engine();

}  // namespace p2p
}  // namespace weft
