// What the tcp transport puts on the wire: the start-up hello and the frame around each
// packet. Both are in host byte order: a job is homogeneous, and the hello's magic number
// detects a peer of the other byte order so that mistake is reported, not misread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace weft::transport::tcp {

// 16 bytes that every connection of one job presents, so that a stray client or a
// process of another job is turned away during start-up (see job_key_from_text).
using JobKey = std::array<uint8_t, 16>;

// "WFT1" in memory on a little-endian host; the trailing digit is the protocol version.
inline constexpr uint32_t kHelloMagic = 0x31544657;

// Sent by the connecting (higher) rank first, then by the accepting rank as the reply.
struct Hello {
  uint32_t magic;
  int32_t rank;  // world rank of the sender
  JobKey job_key;
};
static_assert(sizeof(Hello) == 24, "the hello has a fixed size on the wire");

// A connection made after start-up (to a spawned child, a parent, a port's peer): sent
// once by the connecting side, which is the one with the smaller uid; no reply. The
// acceptor checks the key and files the socket under the sender's uid.
inline constexpr uint32_t kLateHelloMagic = 0x4c544657;  // "WFTL"
struct LateHello {
  uint32_t magic;
  uint32_t unused;
  uint64_t uid;
  JobKey job_key;
};
static_assert(sizeof(LateHello) == 32, "the late hello has a fixed size on the wire");

// Precedes every packet: then come header_len header bytes, zero padding to the next
// multiple of kFrameAlign, payload_len payload bytes, and padding again. The padding
// keeps every frame at an 8-byte-aligned offset of the stream, so a receive buffer that
// starts aligned hands out aligned headers and payloads (the engine may read its header
// as a struct without a copy, and UBSan's alignment check stays quiet).
struct FrameHeader {
  uint32_t header_len;
  uint32_t flags;
  uint64_t payload_len;
};
static_assert(sizeof(FrameHeader) == 16, "the frame header has a fixed size on the wire");

// Flags of a frame.
inline constexpr uint32_t kFrameGoodbye = 1;  // sender is closing in order; EOF follows

inline constexpr size_t kFrameAlign = 8;
inline constexpr size_t frame_padding(size_t length) {
  return (kFrameAlign - length % kFrameAlign) % kFrameAlign;
}

// Bounds a receiver enforces before it trusts a frame header: anything larger is a
// corrupt stream, not a packet (the engine pipelines big messages in chunks of a few MiB).
inline constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
inline constexpr uint64_t kMaxPayloadBytes = uint64_t{1} << 32;

// Whole size of a frame on the wire, padding included.
inline constexpr uint64_t frame_bytes(uint64_t header_len, uint64_t payload_len) {
  return sizeof(FrameHeader) + header_len + frame_padding(header_len) + payload_len +
         frame_padding(payload_len);
}

}  // namespace weft::transport::tcp
