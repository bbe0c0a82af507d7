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

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <mutex>
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

  // ---- failures of processes of other jobs (docs/spawn.md) ----------------------------
  // The launcher reports a process of another job that died (PmiClient notices, read while
  // this process waits: a blocked wait sleeps on the PMI connection too, and progress()
  // looks every 1024 calls once another job's process was added). From then on every
  // operation that involves the process ends with MPI_ERR_PROC_ABORTED and a message
  // naming it: sends to it (its route becomes a transport that refuses them), pending and
  // later receives from it, MPI_ANY_SOURCE receives on a communicator that includes it,
  // transfers in flight with it, and every receive on the collective contexts of the
  // communicators that include it (so no member of a collective waits forever for one
  // that gave up). Messages that arrived before the failure are still received.
  // The layer above answers what the engine cannot know of a communicator.
  struct CommQueries {
    int (*peer_process)(const Object* comm, int rank);         // process of a peer rank
    bool (*has_peer)(const Object* comm, int process);         // among the peers
    void (*coll_contexts_with)(int process, std::vector<uint32_t>* out);
  };
  void set_comm_queries(const CommQueries& queries) { comm_queries_ = queries; }
  // Both sides disconnected and no communicator refers to `process` (a process met later)
  // any more: what is queued for it goes out, then its transport may release what it held
  // for it (shm rings are reused), and a later meeting connects afresh.
  void disconnected(int process);
  // The collective contexts of a communicator being freed: a communicator made later with
  // them starts with no failed member. Needs no engine lock.
  void forget_contexts(std::initializer_list<uint32_t> contexts);
  // Takes the launcher's notices now (cheap when none came).
  void check_failures();
  bool any_failed() const { return any_failed_; }
  // The failed process that a receive from `source` (or MPI_ANY_SOURCE) on `comm` would
  // wait for; -1 when none.
  int failed_source(const Object* comm, int source) const;
  // The failed process that broke collective context `context` (a member of its
  // communicator), -1 when none.
  int broken_by(uint32_t context) const;
  // How `process` failed (the launcher's words); nullptr while it lives.
  const std::string* failure_text(int process) const;
  // MPI_ERR_PROC_ABORTED for `call`, naming the failed process.
  Status failure(const char* call, int process) const;

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
  void await_peer(Request* request) {
    request->awaiting = true;
    awaiting_.push_back(request);
  }
  void stop_awaiting(Request* request) {
    if (!request->awaiting) return;
    request->awaiting = false;
    awaiting_.erase(request);
  }
  void mark_failed(int process, const std::string& text);
  int receive_blocked(const Request* request) const;  // the failed process, or -1
  void fail_with(Request* request, int process);
  // Drops a message that arrived on a broken context, answering what its sender waits for.
  void discard(const Header& header, int process);
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
  IntrusiveList<Request> awaiting_;  // transfers waiting for the peer (Request::awaiting)
  std::map<int, std::string> failed_;          // failed process -> how
  std::map<uint32_t, int> broken_contexts_;    // collective context -> a failed member
  mutable std::mutex broken_mutex_;           // broken_contexts_ (forget_contexts is unlocked)
  std::vector<uint64_t> failed_uids_;          // reported before this process added them
  std::unique_ptr<transport::Transport> refusing_;  // the route of failed processes
  CommQueries comm_queries_{};
  bool any_failed_ = false;
  bool watching_ = false;  // added a process of another job: the notices concern us
  uint32_t progress_rounds_ = 0;
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

// Whether a process this one knows has failed (Engine::any_failed), read without finding
// the engine: the collectives ask it for every transfer they start.
inline std::atomic<bool> g_failure_seen{false};
inline bool failure_seen() { return g_failure_seen.load(std::memory_order_relaxed); }

}  // namespace p2p
}  // namespace weft
