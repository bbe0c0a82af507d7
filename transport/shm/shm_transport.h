// Shared-memory transport for peers on the same host.
//
// Each process owns one segment in /dev/shm holding one single-producer/single-consumer
// byte ring per possible sender (indexed by the sender's world rank; the file is sparse,
// so only rings that are used take memory). A sender writes packet records into its ring
// in the receiver's segment; the receiver polls its rings. Nothing is locked: records
// start on cache lines and the producer publishes each one by storing its stamp (its
// position + 1) last, so the consumer polls the line the next record will occupy and a
// small message crosses between cores as one cache line; the consumer publishes `tail`
// after consuming a record (the producer reads it only when its ring looks full).
//
// Processes met after start-up (spawned children, parents) use the WEFT_SHM_LATE_RINGS
// rings that follow the world's in every segment: each side claims a free one in the
// other's segment by swapping its uid into the ring's owner word (connect_late /
// finish_late). Rings are reused: once the engine is done with a late peer (both sides
// disconnected, or the peer ended: forget_peer), each side marks itself done in the rings
// it used, and the second to do so resets the ring (its positions continue one ring length
// past the last one written, so no old record can look valid) and frees it.
//
// Sleeping: a receiver about to block raises `sleeping` in its segment and waits on a
// datagram socket (its doorbell); a sender that sees the flag after writing sends one
// byte to the doorbell. Both sides order their write before their check with seq_cst
// operations (the classic store/load handshake), so no wake-up is lost.
//
// Single copy: large messages are read directly from the sender's memory with
// process_vm_readv when a real probe read of the peer succeeded at start-up. From
// WEFT_SHM_SHARED_COPY bytes up, the copy is shared: the receiver opens a copy slot in its
// segment (an atomic claim word: generation and next offset, and a count of bytes done),
// and both sides claim WEFT_SHM_COPY_CHUNK-byte chunks from it; the sender writes its
// chunks with process_vm_writev. Two cores copy one message, and a sender that is not in
// MPI just claims nothing. The generation in the claim word stops a late sender from
// touching a slot that was closed and reused.
#pragma once

#include <sys/un.h>

#include <atomic>
#include <deque>
#include <string>
#include <vector>

#include "transport/transport.h"

namespace weft::transport {

class ShmTransport final : public Transport {
 public:
  ShmTransport();
  ~ShmTransport() override;

  const char* name() const override { return "shm"; }
  bool can_reach(int, bool same_host) const override { return same_host; }
  Status publish(Bootstrap& bootstrap) override;
  Status connect(Bootstrap& bootstrap, const std::vector<int>& peers) override;
  void connected_all() override;
  bool connects_any_time() const override { return true; }
  Status connect_late(uint64_t self_uid, const std::vector<LatePeer>& peers) override;
  Status finish_late(const std::vector<LatePeer>& peers) override;

  Status send(int peer, const void* header, size_t header_len, const void* payload,
              size_t payload_len) override;
  bool ready_to_send(int peer, size_t payload_len) const override;
  int poll(PacketSink& sink) override;

  void wait_fds(std::vector<int>& fds) const override;
  bool has_pending_sends() const override { return pending_peers_ > 0; }
  bool prepare_to_sleep() override;
  void end_sleep() override;

  bool can_read_remote(int peer) const override;
  size_t single_copy_min(int peer) const override {
    (void)peer;
    return single_copy_min_;
  }
  Status read_remote(int peer, uint64_t remote_address, void* local, size_t length) override;

  bool can_share_copy(int peer) const override;
  bool open_shared_copy(size_t length, SharedCopy* copy) override;
  Status shared_copy_read(int peer, const SharedCopy& copy, uint64_t remote_address, void* local,
                          size_t length) override;
  Status shared_copy_write(int peer, const SharedCopy& copy, const void* local,
                           uint64_t remote_address, size_t length) override;
  int shared_copy_finished(const SharedCopy& copy) override;
  void close_shared_copy(const SharedCopy& copy) override;

  bool forget_peer(int peer, bool ended) override;
  void close() override;

  struct Ring;
  struct Segment;
  struct CopySlot;

 private:
  struct Peer {
    bool connected = false;
    Segment* segment = nullptr;  // the peer's segment (we write into our ring there)
    size_t mapped_bytes = 0;
    Ring* out = nullptr;         // our ring inside the peer's segment
    Ring* in = nullptr;          // the peer's ring inside our segment
    int pid = 0;
    bool cma = false;
    sockaddr_un doorbell{};
    socklen_t doorbell_len = 0;
    uint64_t cached_tail = 0;    // producer's last view of out->tail
    uint64_t read_to = 0;        // consumer: records of `in` delivered up to here (>= tail)
    uint64_t out_populated = 0;  // bytes of `out` whose page tables are filled (see populate)
    uint64_t in_populated = 0;   // the same for `in`
    std::deque<std::vector<char>> pending;  // serialized records waiting for room
  };

  bool try_write(Peer& peer, const void* header, size_t header_len, const void* payload,
                 size_t payload_len);
  void ring_doorbell(Peer& peer);
  void flush(Peer& peer);
  void release_consumed(Peer& peer);
  void populate(Ring* ring, uint64_t position, uint64_t* populated, bool write);
  Status cross_memory_copy(int rank, bool write, uint64_t remote_address, void* local,
                           size_t length);
  Ring* ring_at(Segment* segment, int index) const;
  // Marks one side (`done`) finished with a late ring; the second side resets and frees it.
  void release_late_ring(Ring* ring, uint32_t done);
  CopySlot* slot_at(Segment* segment, int index) const;
  // Claims chunks of `copy` in `slot` and copies each with `move`; shared by both sides.
  template <class Move>
  Status claim_chunks(CopySlot* slot, const SharedCopy& copy, size_t length, Move&& move);

  std::string name_;
  Segment* own_ = nullptr;
  size_t segment_bytes_ = 0;
  size_t ring_bytes_ = 0;
  int world_size_ = 0;
  int late_rings_ = 0;
  int segment_fd_ = -1;     // our segment, kept open for late peers (/proc/<pid>/fd/<fd>)
  int doorbell_fd_ = -1;    // our doorbell (bound, abstract name)
  int send_fd_ = -1;        // unbound socket used to ring peers' doorbells
  bool cma_enabled_ = true;
  size_t single_copy_min_ = 0;
  bool single_copy_auto_ = true;  // WEFT_SHM_SINGLE_COPY empty: chosen in connect()
  bool shared_copy_auto_ = true;  // WEFT_SHM_SHARED_COPY empty: chosen in connect()
  size_t shared_copy_bytes_ = 0;  // 0: shared copy disabled
  size_t copy_chunk_bytes_ = 0;
  std::vector<int> free_slots_;
  std::vector<uint32_t> slot_generation_;
  std::vector<Peer> peers_;    // indexed by world rank
  std::vector<int> active_;    // world ranks of connected peers
  int pending_peers_ = 0;
};

}  // namespace weft::transport
