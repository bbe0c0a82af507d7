#include "p2p/partitioned.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "base/config.h"
#include "base/status_util.h"
#include "datatype/datatype.h"
#include "mpi.h"
#include "p2p/engine.h"

namespace weft::p2p {

namespace {

const config::Setting kMessageBytes{
    "WEFT_PART_MESSAGE_BYTES", config::Type::bytes, "4096",
    "A partitioned send holds back a run of consecutive ready partitions smaller than this "
    "that can still grow, until the engine next progresses; 0 sends every run at once."};

// SETUP travels on the communicator's context with bit 29 and the user's tag; REPLY with
// bit 28 and the sender's request number as tag; data with bit 31, the receiver's pair
// number above the communicator's context, and the first partition as tag. Communicator
// contexts stay below 1 << kPartitionedContextBits (api/partitioned_api.cc checks it), and
// no other traffic sets bits 28, 29 or 31 of a context.
constexpr uint32_t kSetupContextBit = 1u << 29;
constexpr uint32_t kReplyContextBit = 1u << 28;
constexpr uint32_t kDataContextBit = 1u << 31;
constexpr uint32_t kContextMask = (1u << kPartitionedContextBits) - 1;
constexpr uint64_t kSetupMagic = 0x7765667470617274ull;  // "weftpart"
constexpr uint64_t kReplyMagic = 0x7765667470726c79ull;  // "weftprly"

struct SetupPayload {
  uint64_t magic;
  uint64_t partitions;
  uint64_t partition_bytes;
  uint64_t sender_number;
};

struct ReplyPayload {
  uint64_t magic;
  uint64_t pair;
};

// Per send request: the tag its REPLY comes with (wraps after 2^31 inits).
uint32_t g_next_sender_number = 0;
// Per receive request, for its life: the pair number its data is addressed by.
std::vector<uint32_t> g_free_pairs;
uint32_t g_next_pair = 0;

bool take_pair(uint32_t* pair) {
  if (!g_free_pairs.empty()) {
    *pair = g_free_pairs.back();
    g_free_pairs.pop_back();
    return true;
  }
  if (g_next_pair >= kMaxPairs) return false;
  *pair = g_next_pair++;
  return true;
}

Datatype* byte_type() { return datatype_from_handle(MPI_BYTE); }

size_t message_min_bytes() {
  static const size_t bytes =
      static_cast<size_t>(std::max<int64_t>(0, kMessageBytes.integer()));
  return bytes;
}

// A request the engine may still hold (posted, streaming): it drops it when it completes.
void drop(Request* request) {
  if (request == nullptr) return;
  if (request->active && !request->is_complete()) {
    request->user_freed = true;
  } else {
    request->release();
  }
}

Request* internal_request(RequestKind kind, int peer, int self_rank, int tag, uint32_t context,
                          int peer_process) {
  auto* request = new Request(kind);
  request->bind(nullptr, byte_type());
  request->peer = peer;
  request->self_rank = self_rank;
  request->tag = tag;
  request->context = context;
  request->peer_process = peer_process;
  return request;
}

// A small control message (SETUP, REPLY) from the request's own copy of `payload`.
template <typename Payload>
Request* control_send(const Payload& payload, int peer, int self_rank, int tag, uint32_t context,
                      int peer_process, Status* status) {
  Request* request = internal_request(RequestKind::kSend, peer, self_rank, tag, context,
                                      peer_process);
  request->packed.resize(sizeof payload);
  std::memcpy(request->packed.data(), &payload, sizeof payload);
  request->buffer = request->packed.data();
  request->count = sizeof payload;
  *status = engine().start_send(request);
  if (!status->ok()) request->active = false;  // never left: nothing holds it
  return request;
}

template <typename Payload>
Request* control_receive(int peer, int self_rank, int tag, uint32_t context, Status* status) {
  Request* request = internal_request(RequestKind::kRecv, peer, self_rank, tag, context, -1);
  request->packed.resize(sizeof(Payload));
  request->buffer = request->packed.data();
  request->count = sizeof(Payload);
  *status = engine().start_receive(request);
  return request;
}

// The payload of a completed control receive, false when it is not one.
template <typename Payload>
bool read_payload(const Request* request, uint64_t magic, Payload* out) {
  if (request->error != MPI_SUCCESS || request->message_bytes != sizeof(Payload)) return false;
  std::memcpy(out, request->packed.data(), sizeof(Payload));
  return out->magic == magic;
}

// Partition states of the send side.
constexpr uint8_t kNotReady = 0;
constexpr uint8_t kReady = 1;    // marked ready, not yet sent
constexpr uint8_t kMarking = 2;  // being marked by the current call
constexpr uint8_t kSent = 3;

}  // namespace

PartitionedRequest::PartitionedRequest(const Description& d)
    : Request(RequestKind::kGeneric),
      side_(d.side),
      partitions_(d.partitions),
      partition_bytes_(d.count * d.datatype->size()),
      total_bytes_(d.partitions * d.count * d.datatype->size()),
      peer_process_(d.peer_process),
      comm_context_(d.comm_context & kContextMask) {}

PartitionedRequest::~PartitionedRequest() {
  drop(setup_);
  drop(reply_);
  for (const Piece& piece : in_flight_) drop(piece.request);
  for (Request* request : spare_) request->release();
  // Every round was complete, so nothing more is addressed to the pair number.
  if (side_ == Side::kReceive && !proc_null_) g_free_pairs.push_back(pair_);
}

Status PartitionedRequest::create(const char* call, const Description& d,
                                  PartitionedRequest** out) {
  uint32_t pair = 0;
  if (d.side == Side::kReceive && d.peer != MPI_PROC_NULL && !take_pair(&pair)) {
    return weft::error(MPI_ERR_OTHER,
                       "%s: this process already holds %u partitioned receive requests, the "
                       "most it can; free some first",
                       call, kMaxPairs);
  }
  auto* r = new PartitionedRequest(d);
  r->bind(d.comm, d.datatype);
  r->persistent = true;
  r->buffer = d.buffer;
  r->count = d.partitions * d.count;
  r->peer = d.peer;
  r->self_rank = d.self_rank;
  r->tag = d.tag;
  r->context = d.comm_context;
  status_set_empty(&r->status);
  r->start_round = [](Request& self) {
    return static_cast<PartitionedRequest&>(self).start_round_now();
  };
  if (d.side == Side::kSend) {
    r->state_.assign(r->partitions_, kNotReady);
  } else {
    r->arrived_bytes_.assign(r->partitions_, 0);
  }
  if (d.peer == MPI_PROC_NULL) {
    r->proc_null_ = true;
    *out = r;
    return Status();
  }
  Status status;
  if (d.side == Side::kSend) {
    r->sender_number_ = g_next_sender_number++ & 0x7fffffffu;
    r->sender_partitions_ = r->partitions_;
    r->sender_partition_bytes_ = r->partition_bytes_;
    r->sender_bytes_ = r->total_bytes_;
    r->staged_ = !d.datatype->is_contiguous();
    if (r->staged_) r->staging_.resize(r->total_bytes_);
    r->reply_ = control_receive<ReplyPayload>(d.peer, d.self_rank,
                                              static_cast<int>(r->sender_number_),
                                              r->comm_context_ | kReplyContextBit, &status);
    if (status.ok()) {
      SetupPayload payload{kSetupMagic, r->partitions_, r->partition_bytes_, r->sender_number_};
      r->setup_ = control_send(payload, d.peer, d.self_rank, d.tag,
                               r->comm_context_ | kSetupContextBit, d.peer_process, &status);
    }
  } else {
    r->pair_ = pair;
    r->setup_ = control_receive<SetupPayload>(d.peer, d.self_rank, d.tag,
                                              r->comm_context_ | kSetupContextBit, &status);
  }
  if (!status.ok()) {
    r->release();
    return weft::error(status.error_class(), "%s: could not reach rank %d: %s", call, d.peer,
                       status.message().c_str());
  }
  *out = r;
  return Status();
}

uint32_t PartitionedRequest::data_context() const {
  return kDataContextBit | (pair_ << kPartitionedContextBits) | comm_context_;
}

Request* PartitionedRequest::spare_request(RequestKind kind) {
  if (!spare_.empty()) {
    Request* request = spare_.back();
    spare_.pop_back();
    return request;
  }
  return internal_request(kind, peer, self_rank, 0, data_context(), peer_process_);
}

void PartitionedRequest::fail_round(int error_class) {
  if (round_error_ == MPI_SUCCESS) round_error_ = error_class;
}

Status PartitionedRequest::start_round_now() {
  error = MPI_SUCCESS;
  status_set_empty(&status);
  round_error_ = link_error_;
  std::fill(state_.begin(), state_.end(), kNotReady);
  std::fill(arrived_bytes_.begin(), arrived_bytes_.end(), 0);
  ready_unsent_ = 0;
  partitions_sent_ = 0;
  empty_sent_ = false;
  bytes_taken_ = 0;
  bytes_landed_ = 0;
  empty_taken_ = false;
  if (proc_null_) {
    // Completes at once, with the standard's status for MPI_PROC_NULL; MPI_Pready calls
    // are still checked until a Wait or Test completes it.
    status.MPI_SOURCE = MPI_PROC_NULL;
    progress = [] { return true; };
  } else if (side_ == Side::kSend) {
    progress = [this] { return progress_send(); };
  } else {
    progress = [this] { return progress_receive(); };
  }
  engine().add_generic(this);
  return Status();
}

// ---- the send side ----------------------------------------------------------------------

Status PartitionedRequest::mark(const char* call, const char* argument, int index,
                                int list_position) {
  char name[64];
  if (list_position >= 0) {
    std::snprintf(name, sizeof name, "%s[%d]", argument, list_position);
    argument = name;
  }
  if (index < 0 || static_cast<size_t>(index) >= partitions_) {
    return weft::error(MPI_ERR_ARG,
                       "%s: argument %s=%d is not a partition of the request (it has %zu: "
                       "0..%lld)",
                       call, argument, index, partitions_,
                       static_cast<long long>(partitions_) - 1);
  }
  uint8_t& state = state_[static_cast<size_t>(index)];
  if (state == kMarking) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s=%d names a partition listed before", call,
                       argument, index);
  }
  if (state != kNotReady) {
    return weft::error(MPI_ERR_ARG,
                       "%s: argument %s=%d names a partition already marked ready in this "
                       "round (MPI_Start begins the next)",
                       call, argument, index);
  }
  state = kMarking;
  return Status();
}

namespace {
Status not_open(const char* call, bool send_side) {
  if (!send_side) {
    return error(MPI_ERR_REQUEST,
                 "%s: argument request is a partitioned receive request; only the send side "
                 "marks partitions ready",
                 call);
  }
  return error(MPI_ERR_REQUEST,
               "%s: argument request is not active: call MPI_Start before marking partitions "
               "ready (and again after each Wait or Test that completed it)",
               call);
}
}  // namespace

Status PartitionedRequest::ready_list(const char* call, const char* argument, bool listed,
                                      const int* indices, size_t n) {
  if (side_ != Side::kSend || !round_open()) return not_open(call, side_ == Side::kSend);
  for (size_t i = 0; i < n; ++i) {
    Status s = mark(call, argument, indices[i], listed ? static_cast<int>(i) : -1);
    if (!s.ok()) {
      for (size_t k = 0; k < i; ++k) state_[static_cast<size_t>(indices[k])] = kNotReady;
      return s;
    }
  }
  if (n == 0) return Status();
  return after_marking(call, indices, n, 0, -1);
}

Status PartitionedRequest::ready_range(const char* call, int low, int high) {
  if (side_ != Side::kSend || !round_open()) return not_open(call, side_ == Side::kSend);
  for (const auto& [name, value] :
       {std::pair{"partition_low", low}, std::pair{"partition_high", high}}) {
    if (value < 0 || static_cast<size_t>(value) >= partitions_) {
      return weft::error(MPI_ERR_ARG,
                         "%s: argument %s=%d is not a partition of the request (it has %zu: "
                         "0..%lld)",
                         call, name, value, partitions_,
                         static_cast<long long>(partitions_) - 1);
    }
  }
  if (low > high) {
    return weft::error(MPI_ERR_ARG, "%s: argument partition_low=%d is above partition_high=%d",
                       call, low, high);
  }
  for (int i = low; i <= high; ++i) {
    if (state_[static_cast<size_t>(i)] != kNotReady) {
      for (int k = low; k < i; ++k) state_[static_cast<size_t>(k)] = kNotReady;
      return weft::error(MPI_ERR_ARG,
                         "%s: partition %d of the range partition_low=%d..partition_high=%d "
                         "is already marked ready in this round (MPI_Start begins the next)",
                         call, i, low, high);
    }
    state_[static_cast<size_t>(i)] = kMarking;
  }
  return after_marking(call, nullptr, 0, low, high);
}

Status PartitionedRequest::after_marking(const char* call, const int* indices, size_t n, int low,
                                         int high) {
  size_t first = partitions_;
  size_t last = 0;
  auto one = [&](size_t index) {
    state_[index] = kReady;
    ++ready_unsent_;
    first = std::min(first, index);
    last = std::max(last, index);
  };
  if (indices != nullptr) {
    for (size_t i = 0; i < n; ++i) one(static_cast<size_t>(indices[i]));
  } else {
    for (int i = low; i <= high; ++i) one(static_cast<size_t>(i));
  }
  if (proc_null_) {
    // Nothing travels; the partitions only count as handed over.
    for (size_t i = first; i <= last; ++i) {
      if (state_[i] == kReady) state_[i] = kSent;
    }
    partitions_sent_ += ready_unsent_;
    ready_unsent_ = 0;
    return Status();
  }
  if (!learn_reply()) return Status();  // they leave once the receiver has answered
  const int before = round_error_;
  Status s = flush(false, first, last);
  if (!s.ok() || (round_error_ != MPI_SUCCESS && before == MPI_SUCCESS)) {
    return weft::error(s.ok() ? round_error_ : s.error_class(),
                       "%s: sending the ready partitions to rank %d failed%s%s", call, peer,
                       s.ok() ? "" : ": ", s.message().c_str());
  }
  return Status();
}

bool PartitionedRequest::learn_reply() {
  if (matched_) return true;
  if (!reply_->is_complete()) return false;
  ReplyPayload payload{};
  const bool good = read_payload(reply_, kReplyMagic, &payload) && payload.pair < kMaxPairs;
  reply_->release();
  reply_ = nullptr;
  matched_ = true;
  if (good) {
    pair_ = static_cast<uint32_t>(payload.pair);
  } else {
    // No usable answer (the receiver is gone): every round fails from now on.
    link_error_ = MPI_ERR_OTHER;
    fail_round(link_error_);
  }
  return true;
}

// Sends the runs of consecutive ready partitions: with `everything`, all of them; else the
// runs touching partitions first..last that cannot grow any more or are large enough.
Status PartitionedRequest::flush(bool everything, size_t first, size_t last) {
  if (round_error_ != MPI_SUCCESS) return Status();
  if (sender_bytes_ == 0) {
    // A message without bytes is one empty message, once every partition is ready.
    if (!empty_sent_ && ready_unsent_ + partitions_sent_ == partitions_) {
      empty_sent_ = true;
      partitions_sent_ = partitions_;
      ready_unsent_ = 0;
      std::fill(state_.begin(), state_.end(), kSent);
      return send_run(0, partitions_);  // [0, partitions) of zero bytes
    }
    return Status();
  }
  if (everything) {
    first = 0;
    last = partitions_ - 1;
  }
  for (size_t i = first; i <= last && ready_unsent_ > 0; ++i) {
    if (state_[i] != kReady) continue;
    size_t begin = i;
    size_t end = i + 1;
    while (begin > 0 && state_[begin - 1] == kReady) --begin;
    while (end < partitions_ && state_[end] == kReady) ++end;
    const bool can_grow = (begin > 0 && state_[begin - 1] == kNotReady) ||
                          (end < partitions_ && state_[end] == kNotReady);
    if (everything || !can_grow || (end - begin) * partition_bytes_ >= message_min_bytes()) {
      WEFT_TRY(send_run(begin, end));
    }
    i = end - 1;
  }
  return Status();
}

// Sends partitions [begin, end) as one message.
Status PartitionedRequest::send_run(size_t begin, size_t end) {
  const size_t byte_begin = begin * partition_bytes_;
  const size_t bytes = (end - begin) * partition_bytes_;
  if (bytes > 0) {
    for (size_t i = begin; i < end; ++i) state_[i] = kSent;
    ready_unsent_ -= end - begin;
    partitions_sent_ += end - begin;
  }
  Request* r = spare_request(RequestKind::kSend);
  char* data = nullptr;
  if (bytes > 0 && staged_) {
    datatype->pack(buffer, count, byte_begin, staging_.data() + byte_begin, bytes);
    data = staging_.data() + byte_begin;
  } else if (bytes > 0) {
    data = static_cast<char*>(buffer) + datatype->true_lb() + byte_begin;
  }
  r->buffer = data;
  r->count = bytes;
  r->tag = static_cast<int>(bytes > 0 ? begin : 0);
  r->context = data_context();
  Status status = engine().start_send(r);
  if (!status.ok()) {
    r->active = false;
    spare_.push_back(r);
    fail_round(status.error_class());
    return status;
  }
  in_flight_.push_back(Piece{r, byte_begin, byte_begin + bytes});
  return Status();
}

bool PartitionedRequest::progress_send() {
  // The engine progresses: nothing ready waits any longer.
  if (learn_reply() && (ready_unsent_ > 0 || (sender_bytes_ == 0 && !empty_sent_))) {
    (void)flush(true, 0, 0);
  }
  for (size_t i = 0; i < in_flight_.size();) {
    Request* r = in_flight_[i].request;
    if (!r->is_complete()) {
      ++i;
      continue;
    }
    if (r->error != MPI_SUCCESS) fail_round(r->error);
    spare_.push_back(r);
    in_flight_[i] = in_flight_.back();
    in_flight_.pop_back();
  }
  if (!in_flight_.empty()) return false;
  const bool all_sent = sender_bytes_ == 0 ? empty_sent_ : partitions_sent_ == partitions_;
  if (!all_sent && round_error_ == MPI_SUCCESS) return false;
  error = round_error_;
  status.MPI_ERROR = round_error_;
  return true;
}

// ---- the receive side -------------------------------------------------------------------

bool PartitionedRequest::learn_setup() {
  if (matched_) return true;
  if (!setup_->is_complete()) return false;
  SetupPayload payload{};
  const bool good = read_payload(setup_, kSetupMagic, &payload) &&
                    payload.sender_number <= 0x7fffffffu &&
                    (payload.partition_bytes == 0 ||
                     payload.partitions <= SIZE_MAX / payload.partition_bytes);
  setup_->release();
  setup_ = nullptr;
  matched_ = true;
  if (!good) {
    link_error_ = MPI_ERR_OTHER;
    fail_round(link_error_);
    return true;
  }
  sender_number_ = static_cast<uint32_t>(payload.sender_number);
  sender_partitions_ = payload.partitions;
  sender_partition_bytes_ = payload.partition_bytes;
  sender_bytes_ = sender_partitions_ * sender_partition_bytes_;
  // A contiguous buffer receives in place; a datatype with holes, or more bytes than the
  // buffer holds (the receive then fails with MPI_ERR_TRUNCATE, nothing written past it),
  // go through a packed copy.
  staged_ = !datatype->is_contiguous() || sender_bytes_ > total_bytes_;
  if (staged_) staging_.resize(sender_bytes_);
  Status status;
  ReplyPayload payload_out{kReplyMagic, pair_};
  reply_ = control_send(payload_out, peer, self_rank, static_cast<int>(sender_number_),
                        comm_context_ | kReplyContextBit, peer_process_, &status);
  if (!status.ok()) {
    link_error_ = status.error_class();
    fail_round(link_error_);
  }
  return true;
}

// Takes this round's messages that have arrived (they come in order, so a round takes
// exactly its own) and starts landing each in place.
void PartitionedRequest::take_messages() {
  while (round_error_ == MPI_SUCCESS &&
         (sender_bytes_ == 0 ? !empty_taken_ : bytes_taken_ < sender_bytes_)) {
    MPI_Status found;
    std::unique_ptr<Unexpected> message;
    if (!engine().probe(peer, MPI_ANY_TAG, data_context(), &found, &message)) return;
    const size_t bytes = message->header.size;
    const size_t first = static_cast<size_t>(message->header.tag);
    const size_t begin = first * sender_partition_bytes_;
    if (sender_bytes_ == 0) {
      empty_taken_ = true;
      if (bytes != 0) fail_round(MPI_ERR_OTHER);
    } else if (bytes == 0 || first >= sender_partitions_ || bytes % sender_partition_bytes_ != 0 ||
               begin + bytes > sender_bytes_) {
      fail_round(MPI_ERR_OTHER);  // not a message of this pair's layout
      return;
    }
    Request* r = spare_request(RequestKind::kRecv);
    char* target = nullptr;
    if (bytes > 0) {
      target = staged_ ? staging_.data() + begin
                       : static_cast<char*>(buffer) + datatype->true_lb() + begin;
    }
    r->buffer = target;
    r->count = bytes;
    r->tag = message->header.tag;
    r->context = data_context();
    (void)engine().receive_taken(r, std::move(message));
    in_flight_.push_back(Piece{r, begin, begin + bytes});
    bytes_taken_ += bytes;
  }
}

// A message that has landed: into the user's buffer if staged, then counted per partition.
void PartitionedRequest::land(const Piece& piece) {
  Request* r = piece.request;
  if (r->error != MPI_SUCCESS) fail_round(r->error);
  const size_t begin = std::min(piece.begin, total_bytes_);
  const size_t end = std::min(piece.end, total_bytes_);
  if (staged_ && end > begin) {
    if (datatype->is_contiguous()) {
      std::memcpy(static_cast<char*>(buffer) + datatype->true_lb() + begin,
                  staging_.data() + begin, end - begin);
    } else {
      datatype->unpack(staging_.data() + begin, end - begin, buffer, count, begin);
    }
  }
  if (end > begin && partition_bytes_ > 0) {
    for (size_t j = begin / partition_bytes_; j < partitions_ && j * partition_bytes_ < end; ++j) {
      const size_t from = std::max(begin, j * partition_bytes_);
      const size_t to = std::min(end, (j + 1) * partition_bytes_);
      arrived_bytes_[j] += to - from;
    }
  }
  bytes_landed_ += piece.end - piece.begin;
  spare_.push_back(r);
}

void PartitionedRequest::land_completed() {
  for (size_t i = 0; i < in_flight_.size();) {
    if (!in_flight_[i].request->is_complete()) {
      ++i;
      continue;
    }
    land(in_flight_[i]);
    in_flight_[i] = in_flight_.back();
    in_flight_.pop_back();
  }
}

bool PartitionedRequest::progress_receive() {
  if (!learn_setup()) return false;
  take_messages();
  land_completed();
  if (!in_flight_.empty()) return false;
  const bool all = sender_bytes_ == 0 ? empty_taken_ : bytes_landed_ == sender_bytes_;
  if (!all && round_error_ == MPI_SUCCESS) return false;
  finish_receive();
  return true;
}

void PartitionedRequest::finish_receive() {
  const size_t received = std::min(sender_bytes_, total_bytes_);
  message_bytes = sender_bytes_;
  capacity_bytes = total_bytes_;
  // The two sides must describe the same number of bytes: more is MPI_ERR_TRUNCATE (nothing
  // written past the buffer), fewer MPI_ERR_COUNT (the partitions past them never fill).
  int outcome = round_error_;
  if (outcome == MPI_SUCCESS && sender_bytes_ > total_bytes_) outcome = MPI_ERR_TRUNCATE;
  if (outcome == MPI_SUCCESS && sender_bytes_ < total_bytes_) outcome = MPI_ERR_COUNT;
  error = outcome;
  status.MPI_SOURCE = peer;
  status.MPI_TAG = tag;
  status.MPI_ERROR = outcome;
  status_set_bytes(&status, static_cast<int64_t>(received));
  status_set_cancelled(&status, false);
}

bool PartitionedRequest::arrived(size_t partition) {
  if (proc_null_ || is_complete() || partition_bytes_ == 0) return true;
  auto check = [this, partition] {
    if (!learn_setup()) return false;
    // The partition's bytes that the message holds; none (beyond a shorter message): there
    // is nothing to wait for.
    const size_t begin = std::min(partition * partition_bytes_, sender_bytes_);
    const size_t end = std::min((partition + 1) * partition_bytes_, sender_bytes_);
    if (arrived_bytes_[partition] >= end - begin) return true;
    take_messages();
    land_completed();
    return arrived_bytes_[partition] >= end - begin;
  };
  if (check()) return true;
  engine().progress();
  return is_complete() || check();
}

}  // namespace weft::p2p
