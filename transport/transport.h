// The transport interface: how the point-to-point engine moves packets between
// processes. A packet is an engine header (opaque here) plus an optional payload.
// A transport only has to deliver the packets sent to one peer in the order they were
// sent; matching, protocols and flow control live in the engine (p2p/).
//
// A new transport is a new folder under transport/ implementing this class, and one entry
// in transport/registry.cc; the engine only asks the registry and the transports.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/error.h"
#include "base/mpit.h"
#include "mpi.h"

namespace weft::transport {

// Settings read both here and above (declared in registry.cc): the engine's protocol sizes,
// which the shm transport sizes its rings by, and the job key, which the PMI client
// presents to the launcher and the tcp transport to its peers.
extern const config::Setting kEagerLimit;   // WEFT_EAGER_LIMIT
extern const config::Setting kShmFragment;  // WEFT_SHM_FRAGMENT
extern const config::Setting kJobKey;       // WEFT_PMI_KEY

// The job-wide key/value store used to exchange addresses (backed by PMI).
class Bootstrap {
 public:
  virtual ~Bootstrap() = default;
  virtual int rank() const = 0;  // this process's index in the job (world rank)
  virtual int size() const = 0;  // processes in the job
  virtual Status put(const std::string& key, const std::string& value) = 0;
  virtual Status get(int from_rank, const std::string& key, std::string& value) = 0;
};

// The engine side: receives every packet a transport delivers.
class PacketSink {
 public:
  virtual ~PacketSink() = default;
  // `header` and `payload` are valid only during the call. The sink may call
  // Transport::send from inside (replies), but never Transport::poll.
  virtual void on_packet(int peer, const void* header, size_t header_len, const void* payload,
                         size_t payload_len) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  virtual const char* name() const = 0;

  // Whether this transport can carry packets to `peer` (a world rank; `same_host` when the
  // peer published this process's host name). The engine routes each peer to the first
  // transport of the registry that says yes; asked at start-up and when a process learned
  // later is added (then `peer` is past the world ranks).
  virtual bool can_reach(int peer, bool same_host) const = 0;

  // Phase 1 of start-up: create local resources and publish this process's address
  // through `bootstrap.put`. All processes then pass a PMI barrier.
  virtual Status publish(Bootstrap& bootstrap) = 0;
  // Phase 2: read the peers' addresses and connect to the peers in `peers` (world ranks
  // this transport was chosen for). May block until those peers reached phase 2 too.
  virtual Status connect(Bootstrap& bootstrap, const std::vector<int>& peers) = 0;

  // Copies header and payload out before returning (the caller may reuse both). When the
  // path to the peer is full, the transport queues the packet and sends it during later
  // poll() calls; packets to one peer stay in order. Fails only when the peer is gone.
  virtual Status send(int peer, const void* header, size_t header_len, const void* payload,
                      size_t payload_len) = 0;

  // True when nothing is queued toward `peer`, so a packet of `payload_len` bytes would be
  // written straight through. The engine uses it to pace large pipelined transfers.
  virtual bool ready_to_send(int peer, size_t payload_len) const = 0;

  // Delivers arrived packets to the sink and pushes out queued sends. Never blocks.
  // Returns the number of packets delivered.
  virtual int poll(PacketSink& sink) = 0;

  // --- blocking wait support ---------------------------------------------------------
  // File descriptors that become readable when this transport has work (sockets). The
  // engine polls them together with its doorbell while it sleeps.
  virtual void wait_fds(std::vector<int>& fds) const { (void)fds; }
  // True while packets are queued inside the transport waiting for room (the engine then
  // must not sleep for long).
  virtual bool has_pending_sends() const { return false; }
  // Called before the engine sleeps: the transport arranges to be woken (e.g. raises a
  // flag that senders check) and returns false when work already arrived, in which case
  // the engine polls instead of sleeping. end_sleep() undoes it after waking.
  virtual bool prepare_to_sleep() { return true; }
  virtual void end_sleep() {}

  // --- single copy --------------------------------------------------------------------
  // True when this process can read the memory of `peer` directly (cross-memory attach).
  virtual bool can_read_remote(int peer) const {
    (void)peer;
    return false;
  }
  // The smallest message worth reading from the peer's memory instead of streaming it
  // through the transport. (Cross-memory attach pins pages one at a time: on shared
  // memory a pipelined copy through the ring is faster until messages outgrow the caches.)
  virtual size_t single_copy_min(int peer) const {
    (void)peer;
    return 0;
  }
  virtual Status read_remote(int peer, uint64_t remote_address, void* local, size_t length) {
    (void)peer;
    (void)remote_address;
    (void)local;
    (void)length;
    return Status(MPI_ERR_INTERN, "read_remote is not supported by this transport");
  }

  // --- shared single copy ---------------------------------------------------------
  // For large messages both sides copy at once: the receiver opens a copy slot, tells the
  // sender about it, and both claim chunks of the message from the slot until none is
  // left: the receiver reads chunks out of the sender's buffer, the sender writes chunks
  // into the receiver's buffer. A side that is busy elsewhere simply claims nothing, so
  // the transfer never waits for the sender to call MPI.
  struct SharedCopy {
    int slot = -1;
    uint32_t generation = 0;
  };
  // True when both directions of cross-memory attach work with `peer`.
  virtual bool can_share_copy(int peer) const {
    (void)peer;
    return false;
  }
  // Receiver: reserves a slot for a message of `length` bytes; false when none is free.
  virtual bool open_shared_copy(size_t length, SharedCopy* copy) {
    (void)length;
    (void)copy;
    return false;
  }
  // Receiver: copies claimed chunks from the sender's buffer at `remote_address` into
  // `local` until no chunk is left to claim.
  virtual Status shared_copy_read(int peer, const SharedCopy& copy, uint64_t remote_address,
                                  void* local, size_t length) {
    (void)peer, (void)copy, (void)remote_address, (void)local, (void)length;
    return Status(MPI_ERR_INTERN, "shared copy is not supported by this transport");
  }
  // Sender: copies claimed chunks of `local` into the receiver's buffer at
  // `remote_address`, using the slot the receiver opened in its own memory.
  virtual Status shared_copy_write(int peer, const SharedCopy& copy, const void* local,
                                   uint64_t remote_address, size_t length) {
    (void)peer, (void)copy, (void)local, (void)remote_address, (void)length;
    return Status(MPI_ERR_INTERN, "shared copy is not supported by this transport");
  }
  // Receiver: 1 once every chunk has been copied, 0 while the sender still copies one,
  // -1 when the sender failed to write its part. The slot is closed once this is not 0.
  virtual int shared_copy_finished(const SharedCopy& copy) {
    (void)copy;
    return -1;
  }
  virtual void close_shared_copy(const SharedCopy& copy) { (void)copy; }

  // Called once every process has connected (after a job-wide barrier): resources that
  // were only needed to connect can go. A transport that connects at any time keeps
  // what a process learned later needs to reach this one (see below).
  virtual void connected_all() {}

  // --- connect at any time ----------------------------------------------------------
  // Processes met after start-up (spawned children, their parents, a port's peer) get an
  // index past the job's world ranks. `uid` names a process uniquely among all processes
  // that can ever meet (both sides compute it from the same name); `card` holds what the
  // peer's transports published (their Bootstrap::put keys, without the rank suffix).
  // `key` (32 hex digits) is what the two processes present to each other when they met
  // through a port or MPI_Comm_join (they may belong to universes with different job keys);
  // empty: the job key.
  struct LatePeer {
    int peer;
    uint64_t uid;
    const std::map<std::string, std::string>* card;
    std::string key;
  };
  // Whether connect_late/finish_late work (and the transport kept what they need).
  virtual bool connects_any_time() const { return false; }
  // Phase 1: starts connecting to `peers`. Never waits for a peer to do anything, so two
  // processes that add each other in any order cannot block each other. `self_uid` is this
  // process's uid.
  virtual Status connect_late(uint64_t self_uid, const std::vector<LatePeer>& peers) {
    (void)self_uid;
    (void)peers;
    return Status(MPI_ERR_INTERN, "this transport cannot connect after start-up");
  }
  // Phase 2: completes the connections; may wait (bounded) until each peer has run its
  // phase 1 toward this process.
  virtual Status finish_late(const std::vector<LatePeer>& peers) {
    (void)peers;
    return Status(MPI_ERR_INTERN, "this transport cannot connect after start-up");
  }

  // The engine is done with `peer`, a process met later, for good: it ended (`ended`), or
  // both sides disconnected. True when the transport let go of it (stops delivering from
  // it, releases what it held for it; a later connect to the same process starts afresh);
  // false when it keeps the connection as it is (the engine then keeps routing to it).
  virtual bool forget_peer(int peer, bool ended) {
    (void)peer;
    (void)ended;
    return false;
  }

  // Orderly shutdown after the final barrier of MPI_Finalize.
  virtual void close() {}

  // --- what it carried (MPI_T performance variables) ---------------------------------
  // The engine counts each message it sends (its packed bytes) on the transport that
  // reaches the destination; the registry gives each transport its counters.
  void set_traffic(mpit::Traffic* traffic) { traffic_ = traffic; }
  void count_sent(size_t bytes) {
    if (traffic_ != nullptr) traffic_->sent(bytes);
  }

 private:
  mpit::Traffic* traffic_ = nullptr;
};

}  // namespace weft::transport
