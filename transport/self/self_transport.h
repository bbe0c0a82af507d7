// Messages a process sends to itself: queued in order and delivered by poll(). Large
// self-messages take the single-copy path (the "remote" memory is our own).
#pragma once

#include <cstring>
#include <deque>
#include <vector>

#include "transport/transport.h"

namespace weft::transport {

class SelfTransport final : public Transport {
 public:
  explicit SelfTransport(int self) : self_(self) {}

  const char* name() const override { return "self"; }
  bool can_reach(int peer, bool) const override { return peer == self_; }
  Status publish(Bootstrap&) override { return Status(); }
  Status connect(Bootstrap&, const std::vector<int>&) override { return Status(); }

  Status send(int, const void* header, size_t header_len, const void* payload,
              size_t payload_len) override {
    Packet packet;
    packet.header_len = header_len;
    packet.bytes.resize(header_len + payload_len);
    std::memcpy(packet.bytes.data(), header, header_len);
    if (payload_len > 0) std::memcpy(packet.bytes.data() + header_len, payload, payload_len);
    queue_.push_back(std::move(packet));
    return Status();
  }

  bool ready_to_send(int, size_t) const override { return true; }

  int poll(PacketSink& sink) override {
    // Only what is queued now: packets sent from inside on_packet wait for the next poll.
    size_t n = queue_.size();
    for (size_t i = 0; i < n; ++i) {
      Packet packet = std::move(queue_.front());
      queue_.pop_front();
      sink.on_packet(self_, packet.bytes.data(), packet.header_len,
                     packet.bytes.data() + packet.header_len,
                     packet.bytes.size() - packet.header_len);
    }
    return static_cast<int>(n);
  }

  bool prepare_to_sleep() override { return queue_.empty(); }

  bool can_read_remote(int) const override { return true; }
  Status read_remote(int, uint64_t remote_address, void* local, size_t length) override {
    std::memcpy(local, reinterpret_cast<const void*>(static_cast<uintptr_t>(remote_address)),
                length);
    return Status();
  }

 private:
  struct Packet {
    size_t header_len = 0;
    std::vector<char> bytes;
  };
  int self_;
  std::deque<Packet> queue_;
};

}  // namespace weft::transport
