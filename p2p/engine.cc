#include "p2p/engine.h"

#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstring>

#include "base/config.h"
#include "base/mpit.h"
#include "base/status_util.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "p2p/bsend.h"
#include "p2p/lock.h"
#include "pmi/pmi_client.h"
#include "transport/registry.h"

namespace weft::p2p {

namespace {

const config::Setting kForcedTransport{
    "WEFT_TRANSPORT", config::Type::string, "",
    "Forces one transport for every peer (shm or tcp); empty picks per peer: self, then shm "
    "on the same host, then tcp."};
const config::Setting kSpinMicroseconds{
    "WEFT_SPIN_US", config::Type::integer, "",
    "Microseconds a waiting rank polls before it blocks; empty chooses 100 when ranks fit "
    "the cores, 20 (yielding the core) when they outnumber them."};

// What the engine measures (MPI_T performance variables and events; base/mpit.h).
mpit::Level g_unexpected{
    "unexpected_queue_length", "unexpected_queue_max", mpit::Category::p2p,
    "Messages that arrived before a matching receive was posted and wait for one now.",
    "The longest the unexpected-message queue has been since the handle was started or "
    "reset."};
mpit::Counter g_unexpected_messages{
    "unexpected_messages", mpit::Category::p2p,
    "Messages (eager or rendezvous requests) that arrived before a matching receive was "
    "posted."};
mpit::Counter g_rendezvous_sends{
    "rendezvous_sends", mpit::Category::p2p,
    "Messages sent with the rendezvous protocol (larger than WEFT_EAGER_LIMIT)."};

// The data of the unexpected-message event.
struct UnexpectedEvent {
  int32_t source;    // the sender's rank in the communicator
  int32_t tag;
  uint32_t context;  // the communicator's point-to-point context id
  int64_t bytes;     // the message's packed size
};
mpit::EventType g_unexpected_event{
    "unexpected_message", mpit::Category::p2p,
    "A message arrived before a matching receive was posted and joined the unexpected queue. "
    "Elements: source rank in the communicator (MPI_INT), tag (MPI_INT), context id "
    "(MPI_UNSIGNED), size in bytes (MPI_COUNT).",
    {{MPI_INT, offsetof(UnexpectedEvent, source), sizeof(int32_t)},
     {MPI_INT, offsetof(UnexpectedEvent, tag), sizeof(int32_t)},
     {MPI_UNSIGNED, offsetof(UnexpectedEvent, context), sizeof(uint32_t)},
     {MPI_COUNT, offsetof(UnexpectedEvent, bytes), sizeof(int64_t)}}};

// WEFT_EAGER_LIMIT may be written at run time (MPI_T): the engine applies it to the next
// send. The receiver follows whichever protocol the sender chose, so the processes need
// not agree.
const bool g_eager_limit_listens = [] {
  transport::kEagerLimit.on_write([](const config::Setting& setting) {
    engine().set_eager_limit(static_cast<size_t>(std::max<int64_t>(0, setting.integer())));
  });
  return true;
}();

bool matches(const Request* request, const Header& header) {
  return header.context == request->context &&
         (request->peer == MPI_ANY_SOURCE || request->peer == header.source) &&
         (request->tag == MPI_ANY_TAG || request->tag == header.tag);
}

bool matches(int source, int tag, uint32_t context, const Header& header) {
  return header.context == context && (source == MPI_ANY_SOURCE || source == header.source) &&
         (tag == MPI_ANY_TAG || tag == header.tag);
}

Request* request_of(uint64_t id) { return reinterpret_cast<Request*>(static_cast<uintptr_t>(id)); }
uint64_t id_of(const Request* request) {
  return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(request));
}

// Where the receive buffer's data starts when its datatype is contiguous.
char* contiguous_base(Request* request) {
  return static_cast<char*>(request->buffer) + request->datatype->true_lb();
}

void write_stream(Request* request, size_t offset, const void* data, size_t length) {
  if (length == 0) return;
  if (request->datatype->is_contiguous()) {
    std::memcpy(contiguous_base(request) + offset, data, length);
  } else {
    request->datatype->unpack(data, length, request->buffer, request->count, offset);
  }
}

int64_t monotonic_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Passes a transport's puts through and notes their keys: a process met later reads the
// same keys to connect (Engine::read_card).
class RecordingBootstrap final : public transport::Bootstrap {
 public:
  RecordingBootstrap(transport::Bootstrap& inner, std::vector<std::string>& keys)
      : inner_(inner), keys_(keys) {}
  int rank() const override { return inner_.rank(); }
  int size() const override { return inner_.size(); }
  Status put(const std::string& key, const std::string& value) override {
    keys_.push_back(key);
    return inner_.put(key, value);
  }
  Status get(int from_rank, const std::string& key, std::string& value) override {
    return inner_.get(from_rank, key, value);
  }

 private:
  transport::Bootstrap& inner_;
  std::vector<std::string>& keys_;
};

// The route of a failed process: every packet toward it is refused with the failure.
class RefusingTransport final : public transport::Transport {
 public:
  explicit RefusingTransport(const std::map<int, std::string>& failed) : failed_(failed) {}
  const char* name() const override { return "failed"; }
  bool can_reach(int, bool) const override { return false; }
  Status publish(transport::Bootstrap&) override { return Status(); }
  Status connect(transport::Bootstrap&, const std::vector<int>&) override { return Status(); }
  Status send(int peer, const void*, size_t, const void*, size_t) override {
    auto it = failed_.find(peer);
    if (it == failed_.end()) {
      return error(MPI_ERR_OTHER, "the destination process was disconnected from this one");
    }
    return error(MPI_ERR_PROC_ABORTED, "the destination process failed: %s", it->second.c_str());
  }
  bool ready_to_send(int, size_t) const override { return true; }
  int poll(transport::PacketSink&) override { return 0; }

 private:
  const std::map<int, std::string>& failed_;
};

}  // namespace

Engine& engine() {
  static Engine* instance = new Engine();  // lives until exit: requests may outlive Finalize
  return *instance;
}

Engine::Engine() = default;
Engine::~Engine() = default;

bool Engine::local_peer(int process) const {
  return process >= 0 && static_cast<size_t>(process) < local_.size() &&
         local_[static_cast<size_t>(process)];
}

Status Engine::start(PmiClient& pmi, const std::string& host) {
  const int me = pmi.rank();
  const int n = pmi.size();
  eager_limit_ = static_cast<size_t>(std::max<int64_t>(0, transport::kEagerLimit.integer()));
  fragment_bytes_ =
      static_cast<size_t>(std::max<int64_t>(4096, transport::kShmFragment.integer()));
  std::string forced = kForcedTransport.text();
  std::string choices;
  bool known = forced.empty();
  for (const transport::Entry& entry : transport::registry()) {
    if (entry.always) continue;
    choices += choices.empty() ? entry.name : std::string(" or ") + entry.name;
    known = known || forced == entry.name;
  }
  if (!known) {
    return error(MPI_ERR_OTHER, "MPI_Init: WEFT_TRANSPORT=%s is not a transport (use %s)",
                 forced.c_str(), choices.c_str());
  }

  // A process alone needs only the transports every process has (self); enable_late adds
  // the others when it first meets another process.
  for (const transport::Entry& entry : transport::registry()) {
    // A spawned process alone still publishes every transport before its first barrier:
    // its parents read its addresses as soon as its start-up completes.
    if (!entry.always && ((n == 1 && !pmi.spawned()) || (!forced.empty() && forced != entry.name))) continue;
    transports_.push_back(entry.create(me));
  }
  pmi_ = &pmi;
  host_ = host;
  self_ = me;
  world_n_ = n;
  late_ready_ = n > 1 || pmi.spawned();

  WEFT_TRY(pmi.put("host", host));
  published_keys_.assign(transports_.size(), {});
  for (size_t t = 0; t < transports_.size(); ++t) {
    RecordingBootstrap recording(pmi, published_keys_[t]);
    WEFT_TRY(transports_[t]->publish(recording));
  }
  WEFT_TRY(pmi.barrier());

  routes_.assign(static_cast<size_t>(n), nullptr);
  local_.assign(static_cast<size_t>(n), false);
  std::vector<std::vector<int>> peers_of(transports_.size());
  int local_count = 0;
  for (int peer = 0; peer < n; ++peer) {
    std::string peer_host;
    if (peer == me) {
      peer_host = host;
    } else {
      WEFT_TRY(pmi.get(peer, "host", peer_host));
    }
    bool same_host = peer_host == host;
    local_[static_cast<size_t>(peer)] = same_host;
    if (same_host) ++local_count;
    size_t chosen = 0;
    while (chosen < transports_.size() && !transports_[chosen]->can_reach(peer, same_host)) {
      ++chosen;
    }
    if (chosen == transports_.size()) {
      return error(MPI_ERR_OTHER,
                   "MPI_Init: rank %d on host %s cannot reach rank %d on host %s with "
                   "WEFT_TRANSPORT=%s",
                   me, host.c_str(), peer, peer_host.c_str(), forced.c_str());
    }
    routes_[static_cast<size_t>(peer)] = transports_[chosen].get();
    if (peer != me) peers_of[chosen].push_back(peer);
  }
  // Every transport connects, even to no peer: connecting may take part in job-wide steps.
  for (size_t t = 0; t < transports_.size(); ++t) {
    WEFT_TRY(transports_[t]->connect(pmi, peers_of[t]));
  }
  WEFT_TRY(pmi.barrier());
  for (auto& t : transports_) t->connected_all();
  update_polled();

  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  oversubscribed_ = cores > 0 && local_count > cores;
  int64_t spin_us =
      kSpinMicroseconds.text().empty() ? (oversubscribed_ ? 20 : 100) : kSpinMicroseconds.integer();
  spin_ns_ = std::max<int64_t>(0, spin_us) * 1000;
  started_ = true;
  return Status();
}

// Only transports that reach someone are polled (an idle tcp listener costs syscalls).
void Engine::update_polled() {
  polled_.clear();
  for (auto& t : transports_) {
    if (std::find(routes_.begin(), routes_.end(), t.get()) != routes_.end()) polled_.push_back(t.get());
  }
}

uint64_t Engine::uid_of(const std::string& kvsname, int rank) {
  // FNV-1a over "<kvsname>#<rank>"; 0 is kept for "no owner" in the transports.
  std::string name = kvsname + "#" + std::to_string(rank);
  uint64_t hash = 14695981039346656037ull;
  for (char c : name) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash == 0 ? 1 : hash;
}

uint64_t Engine::uid(int process) const {
  if (process < world_n_) return uid_of(pmi_->kvsname(), process);
  return late_uids_[static_cast<size_t>(process - world_n_)];
}

Status Engine::enable_late(PmiClient& pmi) {
  if (late_ready_) return Status();
  const std::string forced = kForcedTransport.text();
  for (const transport::Entry& entry : transport::registry()) {
    if (entry.always || (!forced.empty() && forced != entry.name)) continue;
    bool present = false;
    for (auto& t : transports_) present = present || std::strcmp(t->name(), entry.name) == 0;
    if (present) continue;
    std::unique_ptr<transport::Transport> created = entry.create(self_);
    std::vector<std::string> keys;
    RecordingBootstrap recording(pmi, keys);
    WEFT_TRY(created->publish(recording));
    WEFT_TRY(created->connect(recording, {}));
    created->connected_all();
    transports_.push_back(std::move(created));
    published_keys_.push_back(std::move(keys));
  }
  late_ready_ = true;
  return Status();
}

Status Engine::read_card(PmiClient& pmi, const std::string& kvsname, int rank,
                         LateProcess* out) {
  out->uid = uid_of(kvsname, rank);
  out->card.clear();
  std::string value;
  WEFT_TRY(pmi.get_in(kvsname, rank, "host", value));
  out->card["host"] = value;
  for (const auto& keys : published_keys_) {
    for (const std::string& key : keys) {
      // A key the peer did not publish means its transport of that name is missing.
      if (pmi.get_in(kvsname, rank, key, value).ok()) out->card[key] = value;
    }
  }
  return Status();
}

Status Engine::add_processes(const std::vector<LateProcess>& processes, std::vector<int>* ids) {
  ids->clear();
  if (uid_index_.empty()) {
    for (int p = 0; p < process_count(); ++p) uid_index_[uid(p)] = p;
  }
  std::vector<std::vector<transport::Transport::LatePeer>> batches(transports_.size());
  std::vector<int> added;
  auto undo = [&](Status status) {
    // The new entries stay in the table (numbers are never reused) but lead nowhere, and
    // their uids are forgotten so a later attempt starts afresh.
    for (int id : added) uid_index_.erase(late_uids_[static_cast<size_t>(id - world_n_)]);
    return status;
  };
  for (const LateProcess& process : processes) {
    auto known = uid_index_.find(process.uid);
    if (known != uid_index_.end()) {
      ids->push_back(known->second);
      continue;
    }
    auto host = process.card.find("host");
    const bool same_host = host != process.card.end() && host->second == host_;
    const int id = process_count();
    size_t chosen = transports_.size();
    for (size_t t = 0; t < transports_.size() && chosen == transports_.size(); ++t) {
      if (!transports_[t]->connects_any_time()) continue;
      bool published = !published_keys_[t].empty();
      for (const std::string& key : published_keys_[t]) {
        published = published && process.card.count(key) != 0;
      }
      if (published && transports_[t]->can_reach(id, same_host)) chosen = t;
    }
    if (chosen == transports_.size()) {
      return undo(error(MPI_ERR_OTHER,
                        "no transport reaches the process on host %s (WEFT_TRANSPORT=%s)",
                        host != process.card.end() ? host->second.c_str() : "?",
                        kForcedTransport.text().c_str()));
    }
    watching_ = true;
    routes_.push_back(transports_[chosen].get());
    local_.push_back(same_host);
    late_uids_.push_back(process.uid);
    uid_index_[process.uid] = id;
    added.push_back(id);
    batches[chosen].push_back(transport::Transport::LatePeer{id, process.uid, &process.card, process.key});
    ids->push_back(id);
  }
  const uint64_t self_uid = uid(self_);
  // Every transport starts connecting before any waits for the other side: two processes
  // adding each other through different transports cannot block each other.
  for (size_t t = 0; t < transports_.size(); ++t) {
    if (!batches[t].empty()) {
      Status status = transports_[t]->connect_late(self_uid, batches[t]);
      if (!status.ok()) return undo(status);
    }
  }
  for (size_t t = 0; t < transports_.size(); ++t) {
    if (!batches[t].empty()) {
      Status status = transports_[t]->finish_late(batches[t]);
      if (!status.ok()) return undo(status);
    }
  }
  update_polled();
  if (!failed_uids_.empty()) {
    // Reported dead before this process added it.
    for (int id : added) {
      const uint64_t id_uid = late_uids_[static_cast<size_t>(id - world_n_)];
      if (std::find(failed_uids_.begin(), failed_uids_.end(), id_uid) != failed_uids_.end()) {
        mark_failed(id, "the process failed before it was reached");
      }
    }
  }
  return Status();
}

void Engine::check_failures() {
  if (pmi_ == nullptr || !watching_) return;
  std::vector<PmiClient::FailureNotice> notices;
  pmi_->take_notices(notices);
  for (const PmiClient::FailureNotice& notice : notices) {
    const uint64_t id_uid = uid_of(notice.kvsname, notice.rank);
    auto known = uid_index_.find(id_uid);
    if (known == uid_index_.end()) {
      if (failed_uids_.size() < 4096) failed_uids_.push_back(id_uid);
      continue;
    }
    mark_failed(known->second, notice.message);
  }
}

void Engine::mark_failed(int process, const std::string& text) {
  if (process == self_ || failed_.count(process) != 0) return;
  // What the process sent before it died is still delivered: drain the transports first.
  for (int round = 0; round < 10000; ++round) {
    int delivered = 0;
    for (transport::Transport* t : polled_) delivered += t->poll(*this);
    if (delivered == 0) break;
  }
  failed_[process] = text;
  any_failed_ = true;
  g_failure_seen.store(true, std::memory_order_relaxed);
  if (!refusing_) refusing_ = std::make_unique<RefusingTransport>(failed_);
  transport::Transport* path = routes_[static_cast<size_t>(process)];
  // Shared copies with it end on the transport that opened them.
  for (size_t i = 0; i < shared_copies_.size();) {
    if (shared_copies_[i].process != process) {
      ++i;
      continue;
    }
    SharedCopyWait wait = std::move(shared_copies_[i]);
    shared_copies_.erase(shared_copies_.begin() + static_cast<std::ptrdiff_t>(i));
    path->close_shared_copy(wait.copy);
    fail_with(wait.request, process);
  }
  routes_[static_cast<size_t>(process)] = refusing_.get();
  (void)path->forget_peer(process, true);
  update_polled();
  if (comm_queries_.coll_contexts_with != nullptr) {
    std::vector<uint32_t> contexts;
    comm_queries_.coll_contexts_with(process, &contexts);
    std::lock_guard<std::mutex> lock(broken_mutex_);
    for (uint32_t context : contexts) broken_contexts_.emplace(context, process);
  }
  for (Unexpected* message = unexpected_.front(); message != nullptr;) {
    Unexpected* following = IntrusiveList<Unexpected>::next(message);
    if (broken_by(message->header.context) >= 0) {
      unexpected_.erase(message);
      discard(message->header, message->process);
      recycle(message);
    }
    message = following;
  }
  for (Request* request = posted_.front(); request != nullptr;) {
    Request* following = IntrusiveList<Request>::next(request);
    const int failed = receive_blocked(request);
    if (failed >= 0) {
      posted_.erase(request);
      fail_with(request, failed);
    }
    request = following;
  }
  for (IntrusiveList<Request>* list : {&awaiting_, &streams_}) {
    for (Request* request = list->front(); request != nullptr;) {
      Request* following = IntrusiveList<Request>::next(request);
      if (request->peer_process == process) {
        if (list == &streams_) streams_.erase(request);
        fail_with(request, process);
      }
      request = following;
    }
  }
}

void Engine::disconnected(int process) {
  if (process < world_n_ || process >= process_count() || failed_.count(process) != 0) return;
  transport::Transport* path = routes_[static_cast<size_t>(process)];
  if (path == refusing_.get()) return;
  drain();
  if (!path->forget_peer(process, false)) return;
  if (!refusing_) refusing_ = std::make_unique<RefusingTransport>(failed_);
  routes_[static_cast<size_t>(process)] = refusing_.get();
  uid_index_.erase(uid(process));
  update_polled();
}

int Engine::receive_blocked(const Request* request) const {
  if (request->comm != nullptr && comm_queries_.peer_process != nullptr) {
    const int failed = failed_source(request->comm, request->peer);
    if (failed >= 0) return failed;
  } else if (request->peer_process >= 0 && failed_.count(request->peer_process) != 0) {
    return request->peer_process;
  }
  std::lock_guard<std::mutex> lock(broken_mutex_);
  auto broken = broken_contexts_.find(request->context);
  return broken != broken_contexts_.end() ? broken->second : -1;
}

int Engine::broken_by(uint32_t context) const {
  std::lock_guard<std::mutex> lock(broken_mutex_);
  auto broken = broken_contexts_.find(context);
  return broken != broken_contexts_.end() ? broken->second : -1;
}

void Engine::discard(const Header& header, int process) {
  Header answer{};
  answer.sender_request = header.sender_request;
  if (header.kind == PacketKind::kRts) {
    answer.kind = PacketKind::kFin;
  } else if ((header.flags & kFlagSync) != 0) {
    answer.kind = PacketKind::kAck;
  } else {
    return;
  }
  (void)send_packet(process, answer, sizeof answer, nullptr, 0);
}

void Engine::forget_contexts(std::initializer_list<uint32_t> contexts) {
  if (!any_failed_) return;
  std::lock_guard<std::mutex> lock(broken_mutex_);
  for (uint32_t context : contexts) broken_contexts_.erase(context);
}

int Engine::failed_source(const Object* comm, int source) const {
  if (!any_failed_ || comm == nullptr || comm_queries_.peer_process == nullptr) return -1;
  if (source == MPI_ANY_SOURCE) {
    for (const auto& [process, text] : failed_) {
      if (comm_queries_.has_peer(comm, process)) return process;
    }
    return -1;
  }
  if (source < 0) return -1;
  const int process = comm_queries_.peer_process(comm, source);
  return failed_.count(process) != 0 ? process : -1;
}

const std::string* Engine::failure_text(int process) const {
  auto it = failed_.find(process);
  return it != failed_.end() ? &it->second : nullptr;
}

Status Engine::failure(const char* call, int process) const {
  const std::string* text = failure_text(process);
  return error(MPI_ERR_PROC_ABORTED, "%s: a process this operation involves failed: %s", call,
               text != nullptr ? text->c_str() : "(no details)");
}

void Engine::fail_with(Request* request, int process) {
  request->peer_process = process;
  request->error = MPI_ERR_PROC_ABORTED;
  request->status.MPI_ERROR = MPI_ERR_PROC_ABORTED;
  stop_awaiting(request);
  complete(request);
}

void Engine::drain() {
  wait_until([this] {
    if (!streams_.empty()) return false;
    for (transport::Transport* t : polled_) {
      if (t->has_pending_sends()) return false;
    }
    return true;
  });
}

void Engine::stop() {
  for (auto& t : transports_) t->close();
  polled_.clear();
  transports_.clear();
  published_keys_.clear();
  routes_.clear();
  late_uids_.clear();
  uid_index_.clear();
  failed_.clear();
  {
    std::lock_guard<std::mutex> lock(broken_mutex_);
    broken_contexts_.clear();
  }
  failed_uids_.clear();
  any_failed_ = false;
  g_failure_seen.store(false, std::memory_order_relaxed);
  watching_ = false;
  late_ready_ = false;
  started_ = false;
}

Status Engine::send_packet(int process, const Header& header, size_t header_len,
                           const void* payload, size_t payload_len) {
  return route(process).send(process, &header, header_len, payload, payload_len);
}

Unexpected* Engine::new_unexpected() {
  if (spare_.empty()) return new Unexpected();
  Unexpected* message = spare_.back();
  spare_.pop_back();
  return message;
}

void Engine::recycle(Unexpected* message) {
  // Keep a few records with their payload capacity; a burst beyond that is freed.
  if (spare_.size() < 64 && message->data.capacity() <= 2 * eager_limit_ + 64) {
    message->data.clear();
    spare_.push_back(message);
  } else {
    delete message;
  }
}

Status Engine::send_eager(int process, int source, int tag, uint32_t context, const void* data,
                          size_t bytes) {
  Header header;
  header.kind = PacketKind::kEager;
  header.flags = 0;
  header.unused = 0;
  header.tag = tag;
  header.context = context;
  header.source = source;
  header.size = bytes;
  header.sender_request = 0;
  route(process).count_sent(bytes);
  return send_packet(process, header, kEagerHeaderBytes, data, bytes);
}

Status Engine::start_send(Request* request) {
  Datatype* type = request->datatype;
  const int process = request->peer_process;
  const size_t bytes = request->count * type->size();
  request->message_bytes = bytes;
  request->complete.store(false, std::memory_order_relaxed);
  request->active = true;
  request->error = MPI_SUCCESS;
  status_set_empty(&request->status);

  if (request->mode == SendMode::kBuffered || !type->is_contiguous()) {
    request->packed.resize(bytes);
    if (bytes > 0) type->pack(request->buffer, request->count, 0, request->packed.data(), bytes);
    request->send_data = request->packed.data();
  } else {
    request->send_data = static_cast<const char*>(request->buffer) + type->true_lb();
  }

  Header header{};
  header.tag = request->tag;
  header.context = request->context;
  header.source = request->self_rank;
  header.size = bytes;
  header.sender_request = id_of(request);
  route(process).count_sent(bytes);
  if (bytes <= eager_limit_) {
    header.kind = PacketKind::kEager;
    const bool sync = request->mode == SendMode::kSync;
    if (!sync) {
      Status status = send_packet(process, header, kEagerHeaderBytes, request->send_data, bytes);
      if (!status.ok()) return status;
      complete(request);
      return Status();
    }
    // A synchronous send completes when the receiver's ACK arrives (which the self
    // transport may deliver before send_packet returns).
    header.flags = kFlagSync;
    await_peer(request);
    Status status =
        send_packet(process, header, kSyncEagerHeaderBytes, request->send_data, bytes);
    if (!status.ok()) stop_awaiting(request);
    return status;
  }
  header.kind = PacketKind::kRts;
  g_rendezvous_sends.add(1);
  header.address = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(request->send_data));
  await_peer(request);
  Status status = send_packet(process, header, sizeof header, nullptr, 0);
  if (!status.ok()) stop_awaiting(request);
  return status;
}

Status Engine::start_receive(Request* request) {
  request->capacity_bytes = request->count * request->datatype->size();
  request->complete.store(false, std::memory_order_relaxed);
  request->active = true;
  request->error = MPI_SUCCESS;
  request->bytes_done = 0;
  for (Unexpected* message = unexpected_.front(); message != nullptr;
       message = IntrusiveList<Unexpected>::next(message)) {
    if (!matches(request, message->header)) continue;
    unexpected_.erase(message);
    g_unexpected.decrease();
    if (message->header.kind == PacketKind::kEager) {
      deliver_eager(request, message->header, message->data.data(), message->data.size(),
                    message->process);
    } else {
      deliver_rts(request, message->header, message->process);
    }
    recycle(message);
    return Status();
  }
  if (any_failed_) {
    // Nothing arrived, and the process it waits for is gone: it would wait forever.
    const int failed = receive_blocked(request);
    if (failed >= 0) {
      fail_with(request, failed);
      return Status();
    }
  }
  posted_.push_back(request);
  return Status();
}

bool Engine::probe(int source, int tag, uint32_t context, MPI_Status* status,
                   std::unique_ptr<Unexpected>* take) {
  for (Unexpected* message = unexpected_.front(); message != nullptr;
       message = IntrusiveList<Unexpected>::next(message)) {
    const Header& header = message->header;
    if (!matches(source, tag, context, header)) continue;
    if (status != nullptr) {
      status->MPI_SOURCE = header.source;
      status->MPI_TAG = header.tag;
      status->MPI_ERROR = MPI_SUCCESS;
      status_set_bytes(status, static_cast<int64_t>(header.size));
      status_set_cancelled(status, false);
    }
    if (take != nullptr) {
      unexpected_.erase(message);
      g_unexpected.decrease();
      take->reset(message);
    }
    return true;
  }
  return false;
}

Status Engine::receive_taken(Request* request, std::unique_ptr<Unexpected> message) {
  request->capacity_bytes = request->count * request->datatype->size();
  request->complete.store(false, std::memory_order_relaxed);
  request->active = true;
  request->bytes_done = 0;
  if (message->header.kind == PacketKind::kEager) {
    deliver_eager(request, message->header, message->data.data(), message->data.size(),
                  message->process);
  } else {
    deliver_rts(request, message->header, message->process);
  }
  return Status();
}

bool Engine::cancel_receive(Request* request) {
  if (!request->active || request->kind != RequestKind::kRecv || !posted_.contains(request)) {
    return false;
  }
  posted_.erase(request);
  request->cancelled = true;
  status_set_empty(&request->status);
  status_set_cancelled(&request->status, true);
  complete(request);
  return true;
}

void Engine::on_packet(int process, const void* raw_header, size_t header_len,
                       const void* payload, size_t payload_len) {
  Header header{};
  std::memcpy(&header, raw_header, std::min(header_len, sizeof header));
  if (header.kind == PacketKind::kEager) header.size = payload_len;
  switch (header.kind) {
    case PacketKind::kEager:
    case PacketKind::kRts: {
      for (Request* request = posted_.front(); request != nullptr;
           request = IntrusiveList<Request>::next(request)) {
        if (!matches(request, header)) continue;
        posted_.erase(request);
        if (header.kind == PacketKind::kEager) {
          deliver_eager(request, header, payload, payload_len, process);
        } else {
          deliver_rts(request, header, process);
        }
        return;
      }
      if (any_failed_ && broken_by(header.context) >= 0) {
        // Nobody will receive it: its communicator lost a member.
        discard(header, process);
        return;
      }
      Unexpected* message = new_unexpected();
      message->header = header;
      message->process = process;
      if (header.kind == PacketKind::kEager && payload_len > 0) {
        const char* bytes = static_cast<const char*>(payload);
        message->data.assign(bytes, bytes + payload_len);
      }
      unexpected_.push_back(message);
      g_unexpected.increase();
      g_unexpected_messages.add(1);
      if (g_unexpected_event.active()) [[unlikely]] {
        const UnexpectedEvent data{header.source, header.tag, header.context,
                                   static_cast<int64_t>(header.size)};
        g_unexpected_event.raise(&data, sizeof data);
      }
      return;
    }
    case PacketKind::kCts: {
      Request* request = request_of(header.sender_request);
      stop_awaiting(request);
      request->remote_request = header.receiver_request;
      request->bytes_done = 0;
      streams_.push_back(request);
      push_streams();
      return;
    }
    case PacketKind::kData:
      on_data(header, payload, payload_len);
      return;
    case PacketKind::kHelp: {
      Request* request = request_of(header.sender_request);
      transport::Transport::SharedCopy copy;
      copy.slot = header.tag;
      copy.generation = header.context;
      Status status = route(process).shared_copy_write(process, copy, request->send_data,
                                                       header.address, header.size);
      if (!status.ok()) {
        // The receiver learns it through the slot and fails its receive; FIN still comes.
        request->error = status.error_class();
        request->status.MPI_ERROR = status.error_class();
      }
      return;
    }
    case PacketKind::kFin:
    case PacketKind::kAck: {
      Request* request = request_of(header.sender_request);
      stop_awaiting(request);
      complete(request);
      return;
    }
  }
}

void Engine::deliver_eager(Request* request, const Header& header, const void* payload,
                           size_t length, int process) {
  const size_t n = std::min(length, request->capacity_bytes);
  request->message_bytes = length;
  write_stream(request, 0, payload, n);
  request->status.MPI_SOURCE = header.source;
  request->status.MPI_TAG = header.tag;
  request->error = length > request->capacity_bytes ? MPI_ERR_TRUNCATE : MPI_SUCCESS;
  request->status.MPI_ERROR = request->error;
  status_set_bytes(&request->status, static_cast<int64_t>(n));
  status_set_cancelled(&request->status, false);
  if (header.flags & kFlagSync) {
    Header ack{};
    ack.kind = PacketKind::kAck;
    ack.sender_request = header.sender_request;
    Status status = send_packet(process, ack, sizeof ack, nullptr, 0);
    if (!status.ok()) {
      fail_request(request, status);
      return;
    }
  }
  complete(request);
}

void Engine::deliver_rts(Request* request, const Header& header, int process) {
  const size_t n = std::min<size_t>(header.size, request->capacity_bytes);
  request->message_bytes = header.size;
  request->peer_process = process;
  request->status.MPI_SOURCE = header.source;
  request->status.MPI_TAG = header.tag;
  request->error = header.size > request->capacity_bytes ? MPI_ERR_TRUNCATE : MPI_SUCCESS;
  request->status.MPI_ERROR = request->error;
  status_set_bytes(&request->status, static_cast<int64_t>(n));
  status_set_cancelled(&request->status, false);

  transport::Transport& path = route(process);
  transport::Transport::SharedCopy copy;
  const bool single_copy = path.can_read_remote(process) && n >= path.single_copy_min(process);
  if (n > 0 && single_copy && request->datatype->is_contiguous() &&
      path.can_share_copy(process) && path.open_shared_copy(n, &copy)) {
    // Shared single copy: the sender joins in when it sees HELP; FIN follows once every
    // chunk is done (finish_shared_copies).
    Header help{};
    help.kind = PacketKind::kHelp;
    help.tag = copy.slot;
    help.context = copy.generation;
    help.size = n;
    help.address = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(contiguous_base(request)));
    help.sender_request = header.sender_request;
    Status status = send_packet(process, help, sizeof help, nullptr, 0);
    if (status.ok()) status = path.shared_copy_read(process, copy, header.address, contiguous_base(request), n);
    shared_copies_.push_back(SharedCopyWait{request, copy, process, header.sender_request, std::move(status)});
    finish_shared_copies();
    return;
  }
  if (single_copy) {
    // Single copy: read straight from the sender's buffer, then release the sender.
    Status status;
    if (n > 0) {
      if (request->datatype->is_contiguous()) {
        status = path.read_remote(process, header.address, contiguous_base(request), n);
      } else {
        std::vector<char> staging(n);
        status = path.read_remote(process, header.address, staging.data(), n);
        if (status.ok()) request->datatype->unpack(staging.data(), n, request->buffer, request->count, 0);
      }
    }
    Header fin{};
    fin.kind = PacketKind::kFin;
    fin.sender_request = header.sender_request;
    Status sent = send_packet(process, fin, sizeof fin, nullptr, 0);
    if (!status.ok()) {
      fail_request(request, status);
      return;
    }
    if (!sent.ok()) {
      fail_request(request, sent);
      return;
    }
    complete(request);
    return;
  }
  Header cts{};
  cts.kind = PacketKind::kCts;
  cts.sender_request = header.sender_request;
  cts.receiver_request = id_of(request);
  request->bytes_done = 0;
  await_peer(request);
  Status status = send_packet(process, cts, sizeof cts, nullptr, 0);
  if (!status.ok()) fail_request(request, status);
}

void Engine::on_data(const Header& header, const void* payload, size_t length) {
  Request* request = request_of(header.receiver_request);
  const size_t offset = header.address;
  if (offset < request->capacity_bytes) {
    write_stream(request, offset, payload, std::min(length, request->capacity_bytes - offset));
  }
  request->bytes_done += length;
  if (request->bytes_done >= request->message_bytes) {
    stop_awaiting(request);
    complete(request);
  }
}

void Engine::push_streams() {
  for (Request* request = streams_.front(); request != nullptr;) {
    Request* following = IntrusiveList<Request>::next(request);
    const int process = request->peer_process;
    transport::Transport& path = route(process);
    Status failure;
    while (request->bytes_done < request->message_bytes &&
           path.ready_to_send(process, fragment_bytes_)) {
      size_t n = std::min(fragment_bytes_, request->message_bytes - request->bytes_done);
      Header data{};
      data.kind = PacketKind::kData;
      data.receiver_request = request->remote_request;
      data.address = request->bytes_done;
      Status status = send_packet(process, data, sizeof data, request->send_data + request->bytes_done, n);
      if (!status.ok()) {
        failure = std::move(status);
        break;
      }
      request->bytes_done += n;
    }
    // Unlinked before completing: completion may free a request the user already freed.
    if (!failure.ok()) {
      streams_.erase(request);
      fail_request(request, failure);
    } else if (request->bytes_done >= request->message_bytes) {
      streams_.erase(request);
      complete(request);
    }
    request = following;
  }
}

bool Engine::finish_shared_copies() {
  bool any = false;
  for (size_t i = 0; i < shared_copies_.size();) {
    transport::Transport& path = route(shared_copies_[i].process);
    const int state = path.shared_copy_finished(shared_copies_[i].copy);
    if (state == 0) {
      ++i;
      continue;
    }
    SharedCopyWait wait = std::move(shared_copies_[i]);
    shared_copies_.erase(shared_copies_.begin() + static_cast<std::ptrdiff_t>(i));
    path.close_shared_copy(wait.copy);
    any = true;
    Status status = std::move(wait.status);
    if (state < 0 && status.ok()) {
      status = error(MPI_ERR_OTHER, "rank %d could not write its part of a %zu-byte message",
                     wait.request->status.MPI_SOURCE, wait.request->message_bytes);
    }
    Header fin{};
    fin.kind = PacketKind::kFin;
    fin.sender_request = wait.sender_request;
    Status sent = send_packet(wait.process, fin, sizeof fin, nullptr, 0);
    if (!status.ok()) {
      fail_request(wait.request, status);
    } else if (!sent.ok()) {
      fail_request(wait.request, sent);
    } else {
      complete(wait.request);
    }
  }
  return any;
}

void Engine::complete(Request* request) {
  request->active = false;
  // A buffered send's data has left the attach buffer once the send completes: give its
  // space back now, not when the request dies. A persistent MPI_Bsend_init request may stay
  // allocated (inactive) for long after, and MPI_Buffer_detach waits for the space.
  if (request->buffered_pool != nullptr) bsend_release(request);
  const bool release = request->user_freed;
  request->complete.store(true, std::memory_order_release);
  if (release) request->release();
}

void Engine::fail_request(Request* request, const Status& status) {
  stop_awaiting(request);
  request->error = status.error_class();
  request->status.MPI_ERROR = status.error_class();
  complete(request);
}

void Engine::add_generic(Request* request) {
  request->active = true;
  request->complete.store(false, std::memory_order_relaxed);
  if (request->progress()) {
    complete(request);
    return;
  }
  generics_.push_back(request);
}

bool Engine::progress_generics() {
  bool any = false;
  for (Request* request = generics_.front(); request != nullptr;) {
    // progress() may add generic requests (appended at the tail); this one stays linked
    // until it completes, so its successor is read after the call.
    const bool done = request->progress();
    Request* following = IntrusiveList<Request>::next(request);
    if (done) {
      generics_.erase(request);
      complete(request);
      any = true;
    }
    request = following;
  }
  return any;
}

bool Engine::progress() {
  // Once another job's process was added, its failure may be reported: a loop of tests
  // (MPI_Test, MPI_Iprobe) that never sleeps looks now and then.
  if (watching_ && (++progress_rounds_ & 1023) == 0) check_failures();
  bool any = false;
  for (transport::Transport* t : polled_) any |= t->poll(*this) > 0;
  if (!streams_.empty()) push_streams();
  if (!shared_copies_.empty()) any |= finish_shared_copies();
  if (!generics_.empty()) any |= progress_generics();
  return any;
}

void Engine::wait_loop(void* state, bool (*done)(void*)) {
  int64_t start = monotonic_ns();
  int rounds = 0;
  for (;;) {
    progress();
    if (done(state)) return;
    if (oversubscribed_) sched_yield();
    // The clock is read once every 32 rounds: a round is far shorter than a clock read.
    if ((++rounds & 31) != 0 || monotonic_ns() - start < spin_ns_) continue;
    if (sleep_once(state, done)) return;
    // Woken up: more traffic tends to follow (the next step of a collective, the rest of a
    // window), so spin again before the next sleep.
    start = monotonic_ns();
    rounds = 0;
  }
}

// Predicates may have side effects (a matched probe takes the message it finds), so once
// done() has returned true it is never called again for the same wait.
bool Engine::sleep_once(void* state, bool (*done)(void*)) {
  bool can_sleep = true;
  for (transport::Transport* t : polled_) can_sleep = t->prepare_to_sleep() && can_sleep;
  progress();
  if (done(state)) {
    for (transport::Transport* t : polled_) t->end_sleep();
    return true;
  }
  // done() may have started new operations (a collective's next step, a send to self):
  // ask again whether anything is already waiting.
  for (transport::Transport* t : polled_) can_sleep = t->prepare_to_sleep() && can_sleep;
  bool busy_sending = !streams_.empty() || !shared_copies_.empty();
  for (transport::Transport* t : polled_) busy_sending = busy_sending || t->has_pending_sends();
  if (can_sleep) {
    std::vector<int> fds;
    for (transport::Transport* t : polled_) t->wait_fds(fds);
    // The launcher's failure notices wake a blocked wait too.
    const int notice_fd = watching_ && pmi_ != nullptr ? pmi_->notice_fd() : -1;
    if (notice_fd >= 0) fds.push_back(notice_fd);
    std::vector<pollfd> polls(fds.size());
    for (size_t i = 0; i < fds.size(); ++i) polls[i] = pollfd{fds[i], POLLIN, 0};
    // Sends waiting for room and other threads' completions are not signalled through
    // the descriptors: cap the sleep so they are noticed promptly.
    int timeout_ms = busy_sending || engine_locking() || !generics_.empty() ? 1 : 100;
    const bool locked = engine_locking();
    if (locked) engine_lock().unlock();
    ::poll(polls.data(), polls.size(), timeout_ms);
    if (locked) engine_lock().lock();
    if (notice_fd >= 0 && ((polls.back().revents & (POLLIN | POLLHUP)) != 0 || pmi_->notices_waiting())) {
      check_failures();
    }
  }
  for (transport::Transport* t : polled_) t->end_sleep();
  return false;
}

}  // namespace weft::p2p
