// Algorithm: pipelined ring allreduce: ring reduce-scatter, then ring allgather, each block
// cut into segments that flow around the ring one behind the other (Patarasuk and Yuan
// 2009; the ring of NCCL and Horovod).
//
// Restrictions: commutative ops (each block is combined in ring order starting at a
// different rank).
//
// Steps: the vector is cut into p blocks and each block into segments of
// WEFT_COLL_SEGMENT_BYTES (rounded down to whole elements, at least one).
//   1. Reduce-scatter, steps s = 0..p-2: rank r receives block r - s - 1 from r - 1 and
//      adds it to its own copy, and sends block r - s to r + 1. Segment by segment: as
//      soon as segment j of block r - s - 1 is received and added, it is sent on as part of
//      step s + 1, while later segments are still in flight. Receives of the next step are
//      posted into a second staging buffer before the current step is consumed, so
//      arrivals never wait in the unexpected queue. Rank r ends with block r + 1 reduced.
//   2. Allgather, steps s = 0..p-2: rank r receives block r - s straight into place and
//      forwards each segment of it as soon as it arrives; every receive of the phase is
//      posted at its start.
// Blocks may be empty when the count is below p: they then carry no messages at all.
//
// Cost: 2 (p-1) α + 2 (p-1)/p n β + (p-1)/p n γ, with the combine of one segment
// overlapping the transfer of the next. Every rank talks to its two neighbours only,
// which suits long vectors and makes the reduction bandwidth-optimal at any p.
#include <algorithm>
#include <cstring>
#include <vector>

#include "base/config.h"
#include "coll/algorithms.h"
#include "coll/rank_math.h"
#include "coll/reduction.h"

namespace weft::coll {

const config::Setting kSegmentBytes{"WEFT_COLL_SEGMENT_BYTES", config::Type::bytes, "262144",
                                    "Segment size in bytes of the pipelined ring allreduce."};

size_t ring_segment_bytes() {
  static const size_t bytes = [] {
    const int64_t value = kSegmentBytes.integer();
    return value > 0 ? static_cast<size_t>(value) : size_t{262144};
  }();
  return bytes;
}

Task allreduce_ring(Context& c, Args a) {
  const Reduction& op = *a.op;
  const size_t unit = op.unit();
  const int p = c.size();
  const int r = c.rank();
  const int right = ranks::ring_right(r, p);
  const int left = ranks::ring_left(r, p);
  const size_t segment = std::max<size_t>(1, ring_segment_bytes() / unit);  // elements
  char* data = a.recv;

  auto block_at = [&](int b) { return ranks::block_offset(a.count, p, b); };
  auto block_elements = [&](int b) { return block_at(b + 1) - block_at(b); };
  auto segments_of = [&](int b) { return (block_elements(b) + segment - 1) / segment; };
  auto segment_elements = [&](int b, size_t j) {
    return std::min(segment, block_elements(b) - j * segment);
  };
  auto segment_data = [&](int b, size_t j) { return data + (block_at(b) + j * segment) * unit; };

  // 1. Reduce-scatter. When the input lies apart from the result, each arriving segment
  // goes straight into its place in `data` and the input is added to it there: no staging
  // and no copy of the input. In place (or when the buffers' page offsets would slow the
  // peer's copy) arrivals are staged, in two buffers so that the next step's receives can
  // be posted before the current step is consumed.
  const bool input_apart = a.send != data && copies_fast(a.send, data);
  if (a.send != data && !input_apart) std::memcpy(data, a.send, a.count * unit);
  const char* input = input_apart ? a.send : data;
  const size_t largest = ranks::block_size(a.count, p, 0) * unit;
  Scratch staging[2];
  char* staged_at[2] = {nullptr, nullptr};
  std::vector<Context::Ticket> current;
  std::vector<Context::Ticket> next;
  auto post_step_receives = [&](int step, std::vector<Context::Ticket>& tickets) {
    const int b = ranks::ring_add(r, -step - 1, p);
    char* into = segment_data(b, 0);
    if (!input_apart) {
      // Staged like the block's place in `data`, where the left neighbour sends it from.
      into = scratch_like(staging[step % 2], largest, segment_data(b, 0));
    }
    staged_at[step % 2] = into;
    tickets.clear();
    for (size_t j = 0; j < segments_of(b); ++j) {
      tickets.push_back(c.recv(left, into + j * segment * unit, segment_elements(b, j) * unit));
    }
  };
  post_step_receives(0, current);
  for (size_t j = 0; j < segments_of(r); ++j) {
    c.send(right, input + (block_at(r) + j * segment) * unit, segment_elements(r, j) * unit);
  }
  for (int step = 0; step < p - 1; ++step) {
    const int b = ranks::ring_add(r, -step - 1, p);
    const bool forward = step + 1 < p - 1;
    if (forward) post_step_receives(step + 1, next);
    const char* staged = staged_at[step % 2];
    const char* own = input + block_at(b) * unit;
    for (size_t j = 0; j < current.size(); ++j) {
      co_await c.done(current[j]);
      const size_t elements = segment_elements(b, j);
      if (input_apart) {
        op.apply(own + j * segment * unit, segment_data(b, j), elements);  // commutative
      } else {
        op.apply(staged + j * segment * unit, segment_data(b, j), elements);
      }
      if (forward) c.send(right, segment_data(b, j), elements * unit);
    }
    std::swap(current, next);
  }

  // 2. Allgather; rank r starts with block r + 1.
  std::vector<Context::Ticket> arrivals;
  for (int step = 0; step < p - 1; ++step) {
    const int b = ranks::ring_add(r, -step, p);
    for (size_t j = 0; j < segments_of(b); ++j) {
      arrivals.push_back(c.recv(left, segment_data(b, j), segment_elements(b, j) * unit));
    }
  }
  const int reduced = ranks::ring_add(r, 1, p);
  for (size_t j = 0; j < segments_of(reduced); ++j) {
    c.send(right, segment_data(reduced, j), segment_elements(reduced, j) * unit);
  }
  size_t arrived = 0;
  for (int step = 0; step < p - 1; ++step) {
    const int b = ranks::ring_add(r, -step, p);
    const bool forward = step + 1 < p - 1;
    for (size_t j = 0; j < segments_of(b); ++j) {
      co_await c.done(arrivals[arrived++]);
      if (forward) c.send(right, segment_data(b, j), segment_elements(b, j) * unit);
    }
  }
  co_await c.all();
  co_return Status();
}

}  // namespace weft::coll
