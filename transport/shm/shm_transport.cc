#include "transport/shm/shm_transport.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <chrono>
#include <random>

#include "base/config.h"
#include "mpi.h"

namespace weft::transport {

namespace {

const config::Setting kRingBytes{"WEFT_SHM_RING_BYTES", config::Type::bytes, "1048576",
                                 "Size in bytes of each shared-memory ring between two ranks."};
const config::Setting kCma{
    "WEFT_SHM_CMA", config::Type::boolean, "1",
    "Use cross-memory attach (process_vm_readv) for large transfers when a run-time probe "
    "succeeds; 0 disables it."};
const config::Setting kSingleCopy{
    "WEFT_SHM_SINGLE_COPY", config::Type::bytes, "",
    "Rendezvous messages of at least this many bytes are read from the sender's memory "
    "(cross-memory attach); smaller ones are pipelined through the ring in WEFT_SHM_FRAGMENT "
    "pieces, which is faster while data fits the caches. 0 reads every rendezvous message. "
    "Empty chooses 16777216 when the ranks on a host fit its cores, 0 when they outnumber "
    "them (a pipelined copy needs both ranks on a CPU at once)."};
const config::Setting kSharedCopy{
    "WEFT_SHM_SHARED_COPY", config::Type::bytes, "",
    "Single-copy messages of at least this many bytes are copied by both sides at once (the "
    "receiver reads chunks, the sender writes chunks, with cross-memory attach); 0 disables "
    "it. Empty chooses 65536 when the ranks on a host fit its cores, 0 when they outnumber "
    "them (a helper descheduled in the middle of its chunk would stall the receiver)."};
const config::Setting kLateRings{
    "WEFT_SHM_LATE_RINGS", config::Type::integer, "64",
    "Rings each process's shared memory keeps for processes met after start-up (spawned "
    "children, parents, a port's peer) on the same host. Untouched rings cost address space "
    "only; a ring is free again once both sides have disconnected or its peer has ended, and "
    "while all are taken, more such peers on this host cannot connect."};
const config::Setting kCopyChunk{
    "WEFT_SHM_COPY_CHUNK", config::Type::bytes, "131072",
    "Most bytes each side claims at a time in a shared copy (a message smaller than twice "
    "this is split in two halves of at least 32 KiB)."};

constexpr uint64_t kSegmentMagic = 0x7765667473686d32ull;  // "weftshm2"
constexpr uint32_t kProducerDone = 1;
constexpr uint32_t kConsumerDone = 2;
constexpr uint32_t kWrapMarker = 0xffffffffu;
// A ring record: u64 stamp, u32 header_len, u32 payload_len, header, payload; records
// start on cache lines. The stamp is the record's ring position + 1, written last with
// release order: the consumer polls the stamp at its tail, so a small message travels in
// the one cache line that holds it (no separate `head` line to fetch). The consumer
// zeroes the first word of every line it consumed, so a line start holds either zero, a
// stamp from an earlier lap (a smaller number) or the stamp of a new record, never stale
// payload bytes that could pass for a stamp.
constexpr size_t kRecordHeader = 16;
constexpr size_t kLine = 64;
// The queue of records waiting for room keeps them as u32 header_len, u32 payload_len,
// header, payload.
constexpr size_t kPendingPrefix = 8;
// Consumed bytes whose release may wait for the next poll (see release_consumed).
constexpr uint64_t kDeferredReleaseBytes = 4096;

size_t align_line(size_t n) { return (n + kLine - 1) & ~(kLine - 1); }

uint64_t load_stamp(const char* record, std::memory_order order) {
  return std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(const_cast<char*>(record))).load(order);
}
void store_stamp(char* record, uint64_t stamp, std::memory_order order) {
  std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(record)).store(stamp, order);
}
size_t align_page(size_t n) { return (n + 4095) & ~size_t{4095}; }

// The value a peer reads through process_vm_readv to prove single copy works; it equals
// the probe value stored in our segment.
uint64_t g_probe_word = 0;

}  // namespace

struct ShmTransport::Ring {
  alignas(64) std::atomic<uint64_t> head;  // the producer's next position (its own use)
  // Late rings (past the world ranks): the uid of the producer that claimed it, 0 while free.
  std::atomic<uint64_t> owner;
  // Late rings: which side is done with it (kProducerDone, kConsumerDone); the side that
  // completes both resets the ring and frees it (release_late_ring).
  std::atomic<uint32_t> released;
  alignas(64) std::atomic<uint64_t> tail;  // written by the consumer
  // Raised by a producer about to sleep while its ring is more than half full; the
  // consumer that frees room clears it and rings the producer's doorbell. It shares the
  // consumer's line, which the producer only touches when the ring is full anyway.
  std::atomic<uint32_t> want_room;
  alignas(64) char data[1];                // ring_bytes follow
};

// A shared copy in progress (see the header). The receiver owns the slot; the sender
// touches it only through atomic operations that check the generation.
struct ShmTransport::CopySlot {
  alignas(64) std::atomic<uint64_t> claim;  // generation << kGenerationShift | next offset
  std::atomic<uint64_t> done;               // bytes copied, both sides together
  std::atomic<uint32_t> failed;             // the sender could not write a chunk it claimed
  uint32_t unused;
  std::atomic<uint64_t> chunk;              // bytes per claim
};

struct ShmTransport::Segment {
  uint64_t magic;
  uint64_t probe_value;
  uint64_t ring_bytes;
  int32_t world_size;
  int32_t owner;
  int32_t late_rings;                     // rings after the world's, for late peers
  std::atomic<uint32_t> late_claimed;     // late rings claimed at least once (a bound for scans)
  alignas(64) std::atomic<uint32_t> sleeping;
};

namespace {
constexpr size_t kSegmentHeaderBytes = 128;
constexpr int kCopySlots = 32;
constexpr size_t kCopySlotBytes = 64;
constexpr size_t kCopyAreaBytes = kCopySlots * kCopySlotBytes;
constexpr size_t kRingControlBytes = 128;  // head and tail lines
constexpr int kGenerationShift = 40;
constexpr uint64_t kOffsetMask = (uint64_t{1} << kGenerationShift) - 1;
constexpr uint32_t kGenerationMask = (1u << 24) - 1;
}  // namespace

ShmTransport::CopySlot* ShmTransport::slot_at(Segment* segment, int index) const {
  char* base = reinterpret_cast<char*>(segment) + kSegmentHeaderBytes;
  return reinterpret_cast<CopySlot*>(base + static_cast<size_t>(index) * kCopySlotBytes);
}

ShmTransport::Ring* ShmTransport::ring_at(Segment* segment, int index) const {
  char* base = reinterpret_cast<char*>(segment) + kSegmentHeaderBytes + kCopyAreaBytes;
  return reinterpret_cast<Ring*>(base + static_cast<size_t>(index) * (kRingControlBytes + ring_bytes_));
}

ShmTransport::ShmTransport() {
  static_assert(sizeof(Segment) <= kSegmentHeaderBytes, "segment header too large");
  static_assert(sizeof(CopySlot) <= kCopySlotBytes, "copy slot too large");
  static_assert(offsetof(Ring, data) == kRingControlBytes, "ring control layout");
}

ShmTransport::~ShmTransport() { close(); }

Status ShmTransport::publish(Bootstrap& bootstrap) {
  world_size_ = bootstrap.size();
  const int me = bootstrap.rank();
  // A record must fit in half a ring so the producer can always make progress.
  size_t largest =
      static_cast<size_t>(std::max<int64_t>(kEagerLimit.integer(), kShmFragment.integer()));
  ring_bytes_ = static_cast<size_t>(kRingBytes.integer());
  ring_bytes_ = std::max(ring_bytes_, 2 * (largest + 256));
  ring_bytes_ = align_page(ring_bytes_);
  cma_enabled_ = kCma.boolean();

  std::random_device random;
  uint64_t nonce = (static_cast<uint64_t>(random()) << 32) ^ random();
  char name[96];
  std::snprintf(name, sizeof name, "/weft-%d-%d-%016" PRIx64, static_cast<int>(getpid()), me, nonce);
  name_ = name;

  late_rings_ = static_cast<int>(std::clamp<int64_t>(kLateRings.integer(), 0, 1 << 16));
  segment_bytes_ = kSegmentHeaderBytes + kCopyAreaBytes +
                   static_cast<size_t>(world_size_ + late_rings_) * (kRingControlBytes + ring_bytes_);
  single_copy_auto_ = kSingleCopy.text().empty();
  single_copy_min_ = single_copy_auto_
                         ? 0
                         : static_cast<size_t>(std::max<int64_t>(0, kSingleCopy.integer()));
  shared_copy_auto_ = kSharedCopy.text().empty();
  shared_copy_bytes_ =
      static_cast<size_t>(std::max<int64_t>(0, kSharedCopy.integer()));
  copy_chunk_bytes_ =
      static_cast<size_t>(std::max<int64_t>(4096, kCopyChunk.integer()));
  free_slots_.clear();
  for (int i = kCopySlots - 1; i >= 0; --i) free_slots_.push_back(i);
  slot_generation_.assign(kCopySlots, 0);
  int fd = shm_open(name_.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    return error(MPI_ERR_OTHER, "MPI_Init: shm transport cannot create %s: %s", name_.c_str(),
                 std::strerror(errno));
  }
  // Sparse: pages of rings nobody writes to are never allocated.
  if (ftruncate(fd, static_cast<off_t>(segment_bytes_)) != 0) {
    int err = errno;
    ::close(fd);
    shm_unlink(name_.c_str());
    return error(MPI_ERR_OTHER, "MPI_Init: shm transport cannot size %s: %s", name_.c_str(),
                 std::strerror(err));
  }
  void* map = mmap(nullptr, segment_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  // The descriptor stays open: a process met later opens the segment through
  // /proc/<pid>/fd/<fd> once the name is gone from /dev/shm.
  segment_fd_ = fd;
  if (map == MAP_FAILED) {
    shm_unlink(name_.c_str());
    return error(MPI_ERR_OTHER, "MPI_Init: shm transport cannot map %s: %s", name_.c_str(),
                 std::strerror(errno));
  }
  own_ = static_cast<Segment*>(map);
  g_probe_word = nonce ^ 0x5a5a5a5a5a5a5a5aull;
  own_->probe_value = g_probe_word;
  own_->ring_bytes = ring_bytes_;
  own_->world_size = world_size_;
  own_->owner = me;
  own_->late_rings = late_rings_;
  own_->late_claimed.store(0, std::memory_order_relaxed);
  own_->sleeping.store(0, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  own_->magic = kSegmentMagic;

  // Siblings may read our memory (process_vm_readv) even under Yama ptrace_scope=1.
  prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);

  doorbell_fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  send_fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (doorbell_fd_ < 0 || send_fd_ < 0) {
    return error(MPI_ERR_OTHER, "MPI_Init: shm transport cannot create sockets: %s", std::strerror(errno));
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // Abstract socket name: "\0" + segment name; it disappears with the process.
  std::snprintf(address.sun_path + 1, sizeof address.sun_path - 1, "%s", name_.c_str());
  socklen_t length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name_.size());
  if (bind(doorbell_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    return error(MPI_ERR_OTHER, "MPI_Init: shm transport cannot bind its doorbell: %s", std::strerror(errno));
  }

  char card[160];
  std::snprintf(card, sizeof card, "%s,%d,%" PRIx64 ",%d", name_.c_str(), static_cast<int>(getpid()),
                static_cast<uint64_t>(reinterpret_cast<uintptr_t>(&g_probe_word)), segment_fd_);
  return bootstrap.put("shm", card);
}

Status ShmTransport::connect(Bootstrap& bootstrap, const std::vector<int>& peers) {
  peers_.resize(static_cast<size_t>(world_size_));
  // Automatic thresholds: pipelining and helping need sender and receiver running at
  // once; with more ranks than cores they take turns, and a copy the receiver pulls
  // alone is faster (docs/tuning.md).
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  const bool oversubscribed = cores > 0 && static_cast<long>(peers.size()) + 1 > cores;
  if (single_copy_auto_) single_copy_min_ = oversubscribed ? 0 : size_t{16} << 20;
  if (shared_copy_auto_) shared_copy_bytes_ = oversubscribed ? 0 : 65536;
  for (int rank : peers) {
    std::string card;
    WEFT_TRY(bootstrap.get(rank, "shm", card));
    char name[96] = {0};
    int pid = 0;
    uint64_t probe_address = 0;
    if (std::sscanf(card.c_str(), "%95[^,],%d,%" SCNx64, name, &pid, &probe_address) != 3) {
      return error(MPI_ERR_OTHER, "MPI_Init: malformed shm address '%s' from rank %d", card.c_str(), rank);
    }
    int fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
      return error(MPI_ERR_OTHER, "MPI_Init: cannot open the shared memory of rank %d (%s): %s",
                   rank, name, std::strerror(errno));
    }
    void* map = mmap(nullptr, segment_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
      return error(MPI_ERR_OTHER, "MPI_Init: cannot map the shared memory of rank %d: %s", rank,
                   std::strerror(errno));
    }
    Peer& peer = peers_[static_cast<size_t>(rank)];
    peer.segment = static_cast<Segment*>(map);
    peer.mapped_bytes = segment_bytes_;
    if (peer.segment->magic != kSegmentMagic || peer.segment->ring_bytes != ring_bytes_) {
      return error(MPI_ERR_OTHER,
                   "MPI_Init: the shared memory of rank %d has another layout (different "
                   "WEFT_SHM_RING_BYTES or weft version?)", rank);
    }
    peer.out = ring_at(peer.segment, bootstrap.rank());
    peer.in = ring_at(own_, rank);
    peer.pid = pid;
    peer.connected = true;
    peer.doorbell.sun_family = AF_UNIX;
    std::snprintf(peer.doorbell.sun_path + 1, sizeof peer.doorbell.sun_path - 1, "%s", name);
    peer.doorbell_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + std::strlen(name));
    if (cma_enabled_) {
      // Probe single copy for real: read the peer's probe word out of its memory.
      uint64_t value = 0;
      iovec local{&value, sizeof value};
      iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(probe_address)), sizeof value};
      ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
      peer.cma = n == static_cast<ssize_t>(sizeof value) && value == peer.segment->probe_value;
    }
    active_.push_back(rank);
  }
  return Status();
}

void ShmTransport::connected_all() {
  if (!name_.empty()) shm_unlink(name_.c_str());
}

bool ShmTransport::try_write(Peer& peer, const void* header, size_t header_len,
                             const void* payload, size_t payload_len) {
  Ring* ring = peer.out;
  const size_t total = align_line(kRecordHeader + header_len + payload_len);
  const uint64_t head = ring->head.load(std::memory_order_relaxed);
  const size_t offset = head % ring_bytes_;
  const size_t to_end = ring_bytes_ - offset;
  const size_t needed = total + (to_end < total ? to_end : 0);
  if (ring_bytes_ - (head - peer.cached_tail) < needed) {
    peer.cached_tail = ring->tail.load(std::memory_order_acquire);
    if (ring_bytes_ - (head - peer.cached_tail) < needed) return false;
  }
  uint64_t position = head;
  char* data = ring->data;
  if (to_end < total) {
    // Not enough room before the end: a wrap record sends the consumer to the next lap.
    char* wrap = data + offset;
    uint32_t marker[2] = {kWrapMarker, 0};
    std::memcpy(wrap + 8, marker, sizeof marker);
    store_stamp(wrap, position + 1, std::memory_order_release);
    position += to_end;
  }
  char* record = data + position % ring_bytes_;
  uint32_t lengths[2] = {static_cast<uint32_t>(header_len), static_cast<uint32_t>(payload_len)};
  std::memcpy(record + 8, lengths, sizeof lengths);
  std::memcpy(record + kRecordHeader, header, header_len);
  if (payload_len > 0) std::memcpy(record + kRecordHeader + header_len, payload, payload_len);
  // seq_cst: this store and the load of the receiver's `sleeping` flag in ring_doorbell
  // form the sender's half of the store/load handshake (see prepare_to_sleep). On x86 it
  // is one locked exchange instead of a store plus a separate fence.
  store_stamp(record, position + 1, std::memory_order_seq_cst);
  ring->head.store(position + total, std::memory_order_relaxed);
  return true;
}

// Rings are sparse, so a ring's first lap would take a page fault (and a zeroed page)
// every 4 KiB, in the middle of the transfers. Instead each side maps the pages ahead of the
// first lap, in steps that grow fourfold from 64 KiB, so pairs that only exchange small
// messages keep a small footprint. madvise(MADV_POPULATE_WRITE) is not enough everywhere:
// in some virtual machines (this one) the first access of each page through each mapping
// still costs a fault of 2 to 8 us after it, which made a 4 KiB ping-pong run at 15 us
// instead of 0.9 us until the ring had wrapped once. So each page is also accessed: the
// sender (`write`) writes the word at its start back unchanged with an atomic add of zero
// (it is the ring's only writer, so even a page holding records keeps them), the receiver
// reads it.
void ShmTransport::populate(Ring* ring, uint64_t position, uint64_t* populated, bool write) {
  if (*populated >= ring_bytes_ || position + 65536 <= *populated) return;
  uint64_t target = std::max<uint64_t>(65536, *populated * 4);
  while (target < position + 65536) target *= 4;
  target = std::min<uint64_t>(target, ring_bytes_);
  const uintptr_t base = reinterpret_cast<uintptr_t>(ring->data);
  const uintptr_t begin = (base + *populated) & ~uintptr_t{4095};
  const uintptr_t end = (base + target + 4095) & ~uintptr_t{4095};
#ifdef MADV_POPULATE_WRITE
  (void)madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
#endif
  // The ring's data starts 128 bytes into a page: touch the pages inside it.
  const uintptr_t first = std::max(begin, (base + 4095) & ~uintptr_t{4095});
  const uintptr_t last = std::min(end, base + ring_bytes_);
  for (uintptr_t page = first; page < last; page += 4096) {
    auto* word = reinterpret_cast<uint64_t*>(page);
    if (write) {
      __atomic_fetch_add(word, 0, __ATOMIC_RELAXED);
    } else {
      (void)__atomic_load_n(word, __ATOMIC_RELAXED);
    }
  }
  *populated = target;
}

void ShmTransport::ring_doorbell(Peer& peer) {
  // Called only after a successful try_write, whose seq_cst store of the stamp orders this
  // load after it (or after a shared-copy chunk, whose locked add to `done` does). Pairs
  // with prepare_to_sleep: either the sleeper sees our record, or we see its flag.
  if (peer.segment->sleeping.load(std::memory_order_seq_cst) != 0) {
    char byte = 1;
    sendto(send_fd_, &byte, 1, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&peer.doorbell),
           peer.doorbell_len);
  }
}

Status ShmTransport::send(int rank, const void* header, size_t header_len, const void* payload,
                          size_t payload_len) {
  Peer& peer = peers_[static_cast<size_t>(rank)];
  if (!peer.connected) {
    return error(MPI_ERR_INTERN, "shm transport: rank %d is not a shared-memory peer", rank);
  }
  if (peer.out_populated < ring_bytes_) {
    populate(peer.out, peer.out->head.load(std::memory_order_relaxed) + header_len + payload_len,
             &peer.out_populated, true);
  }
  if (peer.pending.empty() && try_write(peer, header, header_len, payload, payload_len)) {
    ring_doorbell(peer);
    return Status();
  }
  // No room (or older packets wait): keep a serialized copy, in order.
  std::vector<char> record(kPendingPrefix + header_len + payload_len);
  uint32_t lengths[2] = {static_cast<uint32_t>(header_len), static_cast<uint32_t>(payload_len)};
  std::memcpy(record.data(), lengths, sizeof lengths);
  std::memcpy(record.data() + kPendingPrefix, header, header_len);
  if (payload_len > 0) std::memcpy(record.data() + kPendingPrefix + header_len, payload, payload_len);
  if (peer.pending.empty()) ++pending_peers_;
  peer.pending.push_back(std::move(record));
  return Status();
}

void ShmTransport::flush(Peer& peer) {
  bool wrote = false;
  while (!peer.pending.empty()) {
    const std::vector<char>& record = peer.pending.front();
    uint32_t lengths[2];
    std::memcpy(lengths, record.data(), sizeof lengths);
    if (!try_write(peer, record.data() + kPendingPrefix, lengths[0],
                   record.data() + kPendingPrefix + lengths[0], lengths[1])) {
      break;
    }
    peer.pending.pop_front();
    wrote = true;
  }
  if (peer.pending.empty()) --pending_peers_;
  if (wrote) ring_doorbell(peer);
}

bool ShmTransport::ready_to_send(int rank, size_t payload_len) const {
  const Peer& peer = peers_[static_cast<size_t>(rank)];
  if (!peer.pending.empty()) return false;
  const size_t total = align_line(kRecordHeader + 64 + payload_len);
  const uint64_t head = peer.out->head.load(std::memory_order_relaxed);
  const uint64_t tail = peer.out->tail.load(std::memory_order_acquire);
  return ring_bytes_ - (head - tail) >= 2 * total;
}

// Hands the records delivered by earlier polls back to the producer: clears their line
// starts and publishes `tail`. Done at the start of the next poll (or before sleeping), not
// right after delivery, so the stores that take those lines back from the producer's cache
// stay off the path between a message's arrival and the program's next call.
void ShmTransport::release_consumed(Peer& peer) {
  Ring* ring = peer.in;
  const uint64_t published = ring->tail.load(std::memory_order_relaxed);
  if (published == peer.read_to) return;
  for (uint64_t position = published; position < peer.read_to;) {
    const size_t offset = position % ring_bytes_;
    const size_t span = std::min<uint64_t>(peer.read_to - position, ring_bytes_ - offset);
    char* base = ring->data + offset;
    for (size_t line = 0; line < span; line += kLine) std::memset(base + line, 0, sizeof(uint64_t));
    position += span;
  }
  ring->tail.store(peer.read_to, std::memory_order_release);
  if (ring->want_room.load(std::memory_order_relaxed) != 0) {
    // The producer sleeps waiting for room. (Should this load pass the tail store, the
    // producer's capped sleep still ends the wait.)
    ring->want_room.store(0, std::memory_order_relaxed);
    ring_doorbell(peer);
  }
}

int ShmTransport::poll(PacketSink& sink) {
  int delivered = 0;
  for (int rank : active_) {
    Peer& peer = peers_[static_cast<size_t>(rank)];
    if (!peer.pending.empty()) flush(peer);
    release_consumed(peer);
    Ring* ring = peer.in;
    uint64_t position = peer.read_to;
    // Bounded per peer so one busy sender cannot starve the others.
    for (int budget = 0; budget < 64; ++budget) {
      const char* record = ring->data + position % ring_bytes_;
      if (load_stamp(record, std::memory_order_acquire) != position + 1) break;
      if (peer.in_populated < ring_bytes_) populate(ring, position, &peer.in_populated, false);
      uint32_t lengths[2];
      std::memcpy(lengths, record + 8, sizeof lengths);
      if (lengths[0] == kWrapMarker) {
        position += ring_bytes_ - position % ring_bytes_;
        continue;
      }
      sink.on_packet(rank, record + kRecordHeader, lengths[0], record + kRecordHeader + lengths[0],
                     lengths[1]);
      position += align_line(kRecordHeader + lengths[0] + lengths[1]);
      ++delivered;
      // Only small records wait for the next poll: a producer streaming large ones needs
      // the room back at once, while this side copies the next record out.
      if (position - ring->tail.load(std::memory_order_relaxed) > kDeferredReleaseBytes) {
        peer.read_to = position;
        release_consumed(peer);
      }
    }
    peer.read_to = position;
  }
  return delivered;
}

void ShmTransport::wait_fds(std::vector<int>& fds) const {
  if (doorbell_fd_ >= 0) fds.push_back(doorbell_fd_);
}

bool ShmTransport::prepare_to_sleep() {
  if (own_ == nullptr) return true;
  own_->sleeping.store(1, std::memory_order_seq_cst);
  for (int rank : active_) {
    Peer& peer = peers_[static_cast<size_t>(rank)];
    release_consumed(peer);
    const uint64_t position = peer.read_to;
    if (load_stamp(peer.in->data + position % ring_bytes_, std::memory_order_seq_cst) == position + 1) {
      return false;
    }
  }
  if (pending_peers_ != 0) return false;
  // Producers waiting for room (a pipelined transfer paced by ready_to_send) ask the
  // consumer to ring when it frees some, then look once more.
  for (int rank : active_) {
    Ring* out = peers_[static_cast<size_t>(rank)].out;
    const uint64_t head = out->head.load(std::memory_order_relaxed);
    if (head - out->tail.load(std::memory_order_acquire) <= ring_bytes_ / 2) continue;
    out->want_room.store(1, std::memory_order_seq_cst);
    if (head - out->tail.load(std::memory_order_seq_cst) <= ring_bytes_ / 2) return false;
  }
  return true;
}

void ShmTransport::end_sleep() {
  if (own_ == nullptr) return;
  own_->sleeping.store(0, std::memory_order_relaxed);
  char buffer[64];
  while (recv(doorbell_fd_, buffer, sizeof buffer, MSG_DONTWAIT) > 0) {
  }
}

bool ShmTransport::can_read_remote(int rank) const {
  return peers_[static_cast<size_t>(rank)].cma;
}

// Copies `length` bytes between our `local` buffer and the peer's `remote_address` with
// cross-memory attach, in whichever direction; partial transfers continue where they
// stopped.
Status ShmTransport::cross_memory_copy(int rank, bool write, uint64_t remote_address, void* local,
                                       size_t length) {
  const Peer& peer = peers_[static_cast<size_t>(rank)];
  size_t done = 0;
  while (done < length) {
    iovec local_iov{static_cast<char*>(local) + done, length - done};
    iovec remote_iov{reinterpret_cast<void*>(static_cast<uintptr_t>(remote_address + done)), length - done};
    ssize_t n = write ? process_vm_writev(peer.pid, &local_iov, 1, &remote_iov, 1, 0)
                      : process_vm_readv(peer.pid, &local_iov, 1, &remote_iov, 1, 0);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return error(MPI_ERR_OTHER, "shm transport: %s %zu bytes %s rank %d (pid %d) failed: %s",
                   write ? "writing" : "reading", length, write ? "to" : "from", rank, peer.pid,
                   n < 0 ? std::strerror(errno) : "no progress");
    }
    done += static_cast<size_t>(n);
  }
  return Status();
}

Status ShmTransport::read_remote(int rank, uint64_t remote_address, void* local, size_t length) {
  return cross_memory_copy(rank, false, remote_address, local, length);
}

bool ShmTransport::can_share_copy(int rank) const {
  return shared_copy_bytes_ > 0 && peers_[static_cast<size_t>(rank)].cma;
}

bool ShmTransport::open_shared_copy(size_t length, SharedCopy* copy) {
  if (shared_copy_bytes_ == 0 || length < shared_copy_bytes_ || free_slots_.empty() ||
      own_ == nullptr || length > kOffsetMask) {
    return false;
  }
  const int index = free_slots_.back();
  free_slots_.pop_back();
  uint32_t& generation = slot_generation_[static_cast<size_t>(index)];
  generation = (generation + 1) & kGenerationMask;
  if (generation == 0) generation = 1;
  CopySlot* slot = slot_at(own_, index);
  slot->done.store(0, std::memory_order_relaxed);
  slot->failed.store(0, std::memory_order_relaxed);
  // Half the message per claim up to WEFT_SHM_COPY_CHUNK (and at least 32 KiB): a medium
  // message splits in two, a large one in chunks small enough to balance the two sides.
  const size_t chunk = std::max<size_t>(32768, std::min(copy_chunk_bytes_, (length / 2 + 4095) & ~size_t{4095}));
  slot->chunk.store(chunk, std::memory_order_relaxed);
  // Publishing the claim word opens the slot; everything above is visible to a sender
  // whose acquire load sees it.
  slot->claim.store(static_cast<uint64_t>(generation) << kGenerationShift,
                    std::memory_order_release);
  copy->slot = index;
  copy->generation = generation;
  return true;
}

template <class Move>
Status ShmTransport::claim_chunks(CopySlot* slot, const SharedCopy& copy, size_t length,
                                  Move&& move) {
  uint64_t word = slot->claim.load(std::memory_order_acquire);
  for (;;) {
    if ((word >> kGenerationShift) != copy.generation) return Status();  // closed and reused
    const uint64_t offset = word & kOffsetMask;
    if (offset >= length) return Status();  // nothing left to claim
    const uint64_t chunk =
        std::min<uint64_t>(slot->chunk.load(std::memory_order_relaxed), length - offset);
    if (!slot->claim.compare_exchange_weak(word, word + chunk, std::memory_order_acq_rel,
                                           std::memory_order_acquire)) {
      continue;  // `word` holds the current value
    }
    Status status = move(static_cast<size_t>(offset), static_cast<size_t>(chunk));
    if (!status.ok()) slot->failed.store(1, std::memory_order_relaxed);
    // The chunk counts as done either way, so the receiver never waits for it forever.
    slot->done.fetch_add(chunk, std::memory_order_acq_rel);
    if (!status.ok()) return status;
    word = slot->claim.load(std::memory_order_acquire);
  }
}

Status ShmTransport::shared_copy_read(int rank, const SharedCopy& copy, uint64_t remote_address,
                                      void* local, size_t length) {
  CopySlot* slot = slot_at(own_, copy.slot);
  char* destination = static_cast<char*>(local);
  return claim_chunks(slot, copy, length, [&](size_t offset, size_t chunk) {
    return read_remote(rank, remote_address + offset, destination + offset, chunk);
  });
}

Status ShmTransport::shared_copy_write(int rank, const SharedCopy& copy, const void* local,
                                       uint64_t remote_address, size_t length) {
  Peer& peer = peers_[static_cast<size_t>(rank)];
  // Helping is optional: without write access the receiver copies every chunk itself.
  if (!peer.connected || !peer.cma || copy.slot < 0 || copy.slot >= kCopySlots) return Status();
  CopySlot* slot = slot_at(peer.segment, copy.slot);
  const char* source = static_cast<const char*>(local);
  bool wrote = false;
  Status status = claim_chunks(slot, copy, length, [&](size_t offset, size_t chunk) {
    wrote = true;
    return cross_memory_copy(rank, true, remote_address + offset,
                             const_cast<char*>(source) + offset, chunk);
  });
  // The receiver may have gone to sleep waiting for our last chunk: the locked add to
  // `done` orders this check of its flag after it (see ring_doorbell).
  if (wrote) ring_doorbell(peer);
  return status;
}

int ShmTransport::shared_copy_finished(const SharedCopy& copy) {
  CopySlot* slot = slot_at(own_, copy.slot);
  const uint64_t word = slot->claim.load(std::memory_order_acquire);
  const uint64_t claimed = word & kOffsetMask;
  if (slot->done.load(std::memory_order_acquire) < claimed) return 0;
  return slot->failed.load(std::memory_order_relaxed) != 0 ? -1 : 1;
}

void ShmTransport::close_shared_copy(const SharedCopy& copy) {
  CopySlot* slot = slot_at(own_, copy.slot);
  // Retire the generation: a late sender's claim now fails its generation check.
  slot->claim.store(0, std::memory_order_release);
  free_slots_.push_back(copy.slot);
}

// ---- connect at any time ----------------------------------------------------------------
// A late peer's segment is opened through /proc/<pid>/fd/<fd> (its name is gone once the
// job connected); each side claims one of the late rings in the other's segment for its
// own packets (phase 1, an atomic increment there, never waiting) and then finds the ring
// the other side claimed in its own segment by the owner uid (phase 2, waits for the peer's
// phase 1). Nothing is added to the packet path: a late peer is one more entry of active_.

Status ShmTransport::connect_late(uint64_t self_uid, const std::vector<LatePeer>& peers) {
  if (own_ == nullptr) return error(MPI_ERR_INTERN, "shm transport: connect before publish");
  for (const LatePeer& late : peers) {
    auto found = late.card->find("shm");
    if (found == late.card->end()) {
      return error(MPI_ERR_OTHER, "shm transport: process %d published no shared-memory address",
                   late.peer);
    }
    char name[96] = {0};
    int pid = 0;
    int segment_fd = -1;
    uint64_t probe_address = 0;
    if (std::sscanf(found->second.c_str(), "%95[^,],%d,%" SCNx64 ",%d", name, &pid,
                    &probe_address, &segment_fd) != 4) {
      return error(MPI_ERR_OTHER, "shm transport: malformed address '%s' of process %d",
                   found->second.c_str(), late.peer);
    }
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/fd/%d", pid, segment_fd);
    int fd = ::open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) {
      return error(MPI_ERR_OTHER, "shm transport: cannot open the shared memory of pid %d (%s): %s",
                   pid, path, std::strerror(errno));
    }
    struct stat info {};
    if (fstat(fd, &info) != 0 || info.st_size < static_cast<off_t>(kSegmentHeaderBytes)) {
      ::close(fd);
      return error(MPI_ERR_OTHER, "shm transport: the shared memory of pid %d is too small", pid);
    }
    const size_t bytes = static_cast<size_t>(info.st_size);
    void* map = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ::close(fd);
    if (map == MAP_FAILED) {
      return error(MPI_ERR_OTHER, "shm transport: cannot map the shared memory of pid %d: %s", pid,
                   std::strerror(errno));
    }
    auto* segment = static_cast<Segment*>(map);
    if (segment->magic != kSegmentMagic || segment->ring_bytes != ring_bytes_) {
      munmap(map, bytes);
      return error(MPI_ERR_OTHER,
                   "shm transport: the shared memory of pid %d has another layout (different "
                   "WEFT_SHM_RING_BYTES or weft version?)", pid);
    }
    // A free ring (owner 0) is claimed by swapping our uid in; a ring is freed only once
    // both of its former users are done with it (release_late_ring).
    const int rings = segment->late_rings;
    int index = -1;
    for (int i = 0; i < rings && index < 0; ++i) {
      uint64_t expected = 0;
      if (ring_at(segment, segment->world_size + i)
              ->owner.compare_exchange_strong(expected, self_uid, std::memory_order_acq_rel)) {
        index = i;
      }
    }
    if (index < 0) {
      munmap(map, bytes);
      return error(MPI_ERR_OTHER,
                   "shm transport: pid %d has no free ring for another late peer (all %d of "
                   "its WEFT_SHM_LATE_RINGS are in use by processes it is connected to)",
                   pid, rings);
    }
    uint32_t high = segment->late_claimed.load(std::memory_order_relaxed);
    while (high < static_cast<uint32_t>(index) + 1 &&
           !segment->late_claimed.compare_exchange_weak(high, static_cast<uint32_t>(index) + 1,
                                                         std::memory_order_acq_rel)) {
    }
    if (peers_.size() <= static_cast<size_t>(late.peer)) peers_.resize(static_cast<size_t>(late.peer) + 1);
    Peer& peer = peers_[static_cast<size_t>(late.peer)];
    peer.segment = segment;
    peer.mapped_bytes = bytes;
    peer.out = ring_at(segment, segment->world_size + index);
    peer.cached_tail = peer.out->tail.load(std::memory_order_acquire);
    peer.in = nullptr;
    peer.pid = pid;
    peer.connected = true;
    peer.doorbell.sun_family = AF_UNIX;
    std::snprintf(peer.doorbell.sun_path + 1, sizeof peer.doorbell.sun_path - 1, "%s", name);
    peer.doorbell_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + std::strlen(name));
    if (cma_enabled_) {
      uint64_t value = 0;
      iovec local{&value, sizeof value};
      iovec remote{reinterpret_cast<void*>(static_cast<uintptr_t>(probe_address)), sizeof value};
      ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
      peer.cma = n == static_cast<ssize_t>(sizeof value) && value == segment->probe_value;
    }
  }
  return Status();
}

Status ShmTransport::finish_late(const std::vector<LatePeer>& peers) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const LatePeer& late : peers) {
    Peer& peer = peers_[static_cast<size_t>(late.peer)];
    for (;;) {
      const int claimed = static_cast<int>(std::min<uint32_t>(
          own_->late_claimed.load(std::memory_order_acquire), static_cast<uint32_t>(late_rings_)));
      for (int i = 0; i < claimed && peer.in == nullptr; ++i) {
        Ring* ring = ring_at(own_, world_size_ + i);
        // A ring the same process used before and has let go of is not this one.
        if (ring->owner.load(std::memory_order_acquire) == late.uid &&
            ring->released.load(std::memory_order_acquire) == 0) {
          peer.in = ring;
        }
      }
      if (peer.in != nullptr) break;
      if (::kill(peer.pid, 0) != 0 && errno == ESRCH) {
        return error(MPI_ERR_OTHER,
                     "shm transport: process %d (pid %d) ended before it connected back",
                     late.peer, peer.pid);
      }
      if (std::chrono::steady_clock::now() > deadline) {
        return error(MPI_ERR_OTHER,
                     "shm transport: process %d (pid %d) did not connect back within 60 s",
                     late.peer, peer.pid);
      }
      usleep(50);
    }
    // A reused ring starts where its last user stopped (release_late_ring).
    peer.read_to = peer.in->tail.load(std::memory_order_acquire);
    active_.push_back(late.peer);
  }
  return Status();
}

void ShmTransport::release_late_ring(Ring* ring, uint32_t done) {
  const uint32_t before = ring->released.fetch_or(done, std::memory_order_acq_rel);
  if ((before | done) != (kProducerDone | kConsumerDone) || (before & done) == done) return;
  // Both sides are done: no one writes or reads it any more. The next user starts one ring
  // length past the last position written, so no stamp left in the ring (stamps are
  // positions + 1) can pass for a record of the new user.
  const uint64_t start = ring->head.load(std::memory_order_acquire) + ring_bytes_;
  ring->head.store(start, std::memory_order_relaxed);
  ring->tail.store(start, std::memory_order_relaxed);
  ring->want_room.store(0, std::memory_order_relaxed);
  ring->released.store(0, std::memory_order_relaxed);
  ring->owner.store(0, std::memory_order_release);
}

bool ShmTransport::forget_peer(int rank, bool ended) {
  if (rank < world_size_ || static_cast<size_t>(rank) >= peers_.size()) return false;
  Peer& peer = peers_[static_cast<size_t>(rank)];
  if (!peer.connected) return false;
  active_.erase(std::remove(active_.begin(), active_.end(), rank), active_.end());
  if (!peer.pending.empty()) --pending_peers_;
  // Our ring in its segment: done writing (a process that ended reads nothing any more).
  if (peer.out != nullptr && !ended) release_late_ring(peer.out, kProducerDone);
  // Its ring in ours: done reading; a process that ended writes nothing any more either.
  if (peer.in != nullptr) release_late_ring(peer.in, ended ? kProducerDone | kConsumerDone : kConsumerDone);
  if (peer.segment != nullptr) munmap(peer.segment, peer.mapped_bytes);
  peer = Peer{};
  return true;
}

void ShmTransport::close() {
  for (Peer& peer : peers_) {
    if (peer.segment != nullptr) munmap(peer.segment, peer.mapped_bytes);
    peer.segment = nullptr;
    peer.connected = false;
  }
  active_.clear();
  if (own_ != nullptr) {
    munmap(own_, segment_bytes_);
    own_ = nullptr;
  }
  if (!name_.empty()) {
    shm_unlink(name_.c_str());
    name_.clear();
  }
  if (doorbell_fd_ >= 0) ::close(doorbell_fd_);
  if (send_fd_ >= 0) ::close(send_fd_);
  if (segment_fd_ >= 0) ::close(segment_fd_);
  doorbell_fd_ = send_fd_ = segment_fd_ = -1;
}

}  // namespace weft::transport
