// The datatype object, the layout and signature builders, and the pack/unpack walk.
#include "datatype/datatype.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace weft {

using datatype_internal::LayoutBuilder;
using datatype_internal::LayoutNode;
using datatype_internal::LayoutPiece;
using datatype_internal::Shape;
using datatype_internal::SignatureBuilder;
using datatype_internal::SignatureItem;
using datatype_internal::SignatureNode;

namespace {

// A node with at most this many pieces is copied into its parent when placed once, instead
// of being referenced: it keeps the walk flat for struct-of-struct types without letting a
// big indexed type be duplicated per use.
constexpr size_t kInlineLimit = 8;

// Address arithmetic is done on unsigned integers: displacements may be negative, buffers
// may be MPI_BOTTOM (address 0) with absolute displacements, and wrap-around is then the
// intended two's-complement result rather than undefined pointer overflow.
inline uint64_t wrap(MPI_Aint value) { return static_cast<uint64_t>(value); }

template <class Node>
const std::shared_ptr<const Node>& owner_of(const Node& parent, const Node* child) {
  for (const auto& owned : parent.children) {
    if (owned.get() == child) return owned;
  }
  // Every child pointer of a node is owned by that node (LayoutBuilder::add_piece).
  assert(false && "datatype layout child without owner");
  __builtin_unreachable();
}

}  // namespace

// ---- LayoutBuilder ------------------------------------------------------------------------

namespace datatype_internal {

LayoutBuilder::LayoutBuilder() : node_(std::make_shared<LayoutNode>()) {}

void LayoutBuilder::add_bytes(MPI_Aint disp, uint64_t count, MPI_Aint stride, uint64_t unit) {
  if (count == 0 || unit == 0) return;
  if (count > 1 && stride == static_cast<MPI_Aint>(unit)) {
    unit *= count;
    count = 1;
  }
  if (count == 1) stride = 0;
  add_piece(LayoutPiece{disp, stride, count, unit, 0, nullptr}, nullptr);
}

void LayoutBuilder::add(MPI_Aint disp, uint64_t count, MPI_Aint stride,
                        const std::shared_ptr<const LayoutNode>& node) {
  if (count == 0 || node->size == 0) return;
  const std::vector<LayoutPiece>& pieces = node->pieces;
  // Places `copies` copies of piece p, spaced `spacing`, at `at`.
  auto place = [&](const LayoutPiece& p, MPI_Aint at, uint64_t copies, MPI_Aint spacing) {
    if (p.child == nullptr) {
      add_bytes(at, copies, spacing, p.unit);
    } else {
      add(at, copies, spacing, owner_of(*node, p.child));
    }
  };
  if (pieces.size() == 1) {
    // A single piece repeated is still a single piece when the repetition lines up with the
    // piece's own spacing (a vector of vectors that tiles, a contiguous of a vector, ...).
    const LayoutPiece& p = pieces[0];
    const auto at = static_cast<MPI_Aint>(wrap(disp) + wrap(p.disp));
    if (count == 1) return place(p, at, p.count, p.stride);
    if (p.count == 1) return place(p, at, count, stride);
    if (wrap(stride) == p.count * wrap(p.stride)) return place(p, at, count * p.count, p.stride);
  }
  if (count == 1 && pieces.size() <= kInlineLimit) {
    for (const LayoutPiece& p : pieces) {
      place(p, static_cast<MPI_Aint>(wrap(disp) + wrap(p.disp)), p.count, p.stride);
    }
    return;
  }
  add_piece(LayoutPiece{disp, count == 1 ? 0 : stride, count, node->size, 0, node.get()}, node);
}

void LayoutBuilder::add_piece(LayoutPiece piece, const std::shared_ptr<const LayoutNode>& owner) {
  std::vector<LayoutPiece>& pieces = node_->pieces;
  if (!pieces.empty()) {
    LayoutPiece& last = pieces.back();
    if (last.child == nullptr && piece.child == nullptr && piece.count == 1) {
      // A run that starts where the last copy of the previous piece ends extends it.
      const uint64_t last_copy = wrap(last.disp) + (last.count - 1) * wrap(last.stride);
      if (last_copy + last.unit == wrap(piece.disp)) {
        if (last.count == 1) {
          last.unit += piece.unit;
        } else {
          // Take the last copy out of the regular piece and merge it with the new run.
          last.count -= 1;
          if (last.count == 1) last.stride = 0;
          pieces.push_back(LayoutPiece{static_cast<MPI_Aint>(last_copy), 0, 1,
                                       pieces.back().unit + piece.unit, 0, nullptr});
        }
        return;
      }
    }
    if (last.child == piece.child && last.unit == piece.unit) {
      // Equal pieces at equal spacing become one counted piece.
      const uint64_t gap = wrap(piece.disp) - wrap(last.disp);
      if (last.count == 1 && piece.count == 1) {
        last.stride = static_cast<MPI_Aint>(gap);
        last.count = 2;
        return;
      }
      if (last.count == 1 && gap == wrap(piece.stride)) {
        last.stride = piece.stride;
        last.count += piece.count;
        return;
      }
      if (last.count > 1 && (piece.count == 1 || piece.stride == last.stride) &&
          gap == last.count * wrap(last.stride)) {
        last.count += piece.count;
        return;
      }
    }
  }
  if (piece.child != nullptr &&
      (node_->children.empty() || node_->children.back().get() != piece.child)) {
    node_->children.push_back(owner);
  }
  pieces.push_back(piece);
}

std::shared_ptr<const LayoutNode> LayoutBuilder::finish() {
  uint64_t offset = 0;
  node_->flat = true;
  for (LayoutPiece& piece : node_->pieces) {
    piece.start = offset;
    offset += piece.count * piece.unit;
    if (piece.child != nullptr || piece.count != 1) node_->flat = false;
  }
  node_->size = offset;
  std::shared_ptr<const LayoutNode> result;
  const auto& pieces = node_->pieces;
  if (pieces.size() == 1 && pieces[0].child != nullptr && pieces[0].count == 1 &&
      pieces[0].disp == 0) {
    result = owner_of(*node_, pieces[0].child);  // a wrapper around one child is the child
  } else {
    result = std::move(node_);
  }
  node_ = std::make_shared<LayoutNode>();
  return result;
}

// ---- SignatureBuilder ---------------------------------------------------------------------

SignatureBuilder::SignatureBuilder() : node_(std::make_shared<SignatureNode>()) {}

void SignatureBuilder::add_basic(const Datatype* basic, uint64_t count) {
  if (count == 0) return;
  auto& items = node_->items;
  if (!items.empty() && items.back().child == nullptr && items.back().basic == basic) {
    items.back().count += count;
    return;
  }
  SignatureItem item;
  item.basic = basic;
  item.count = count;
  item.unit_bytes = basic->size();
  item.unit_elements = 1;
  items.push_back(item);
}

void SignatureBuilder::add(const std::shared_ptr<const SignatureNode>& node, uint64_t count) {
  if (count == 0 || node->elements == 0) return;
  auto place = [&](const SignatureItem& item, uint64_t times) {
    if (item.child == nullptr) {
      add_basic(item.basic, times);
    } else {
      add(owner_of(*node, item.child), times);
    }
  };
  if (node->items.size() == 1) return place(node->items[0], node->items[0].count * count);
  if (count == 1 && node->items.size() <= kInlineLimit) {
    for (const SignatureItem& item : node->items) place(item, item.count);
    return;
  }
  auto& items = node_->items;
  if (!items.empty() && items.back().child == node.get()) {
    items.back().count += count;
    return;
  }
  SignatureItem item;
  item.child = node.get();
  item.count = count;
  item.unit_bytes = node->bytes;
  item.unit_elements = node->elements;
  items.push_back(item);
  node_->children.push_back(node);
}

std::shared_ptr<const SignatureNode> SignatureBuilder::finish() {
  uint64_t bytes = 0;
  uint64_t elements = 0;
  for (SignatureItem& item : node_->items) {
    item.start_bytes = bytes;
    item.start_elements = elements;
    bytes += item.count * item.unit_bytes;
    elements += item.count * item.unit_elements;
  }
  node_->bytes = bytes;
  node_->elements = elements;
  std::shared_ptr<const SignatureNode> result = std::move(node_);
  node_ = std::make_shared<SignatureNode>();
  return result;
}

}  // namespace datatype_internal

// ---- Datatype -----------------------------------------------------------------------------

namespace {

bool layout_is_one_run(const Shape& shape) {
  if (shape.size == 0) return true;
  const auto& pieces = shape.layout->pieces;
  return pieces.size() == 1 && pieces[0].child == nullptr && pieces[0].count == 1;
}

}  // namespace

Datatype::Datatype(Shape shape) : Object(kKind), shape_(std::move(shape)) {
  contiguous_ = layout_is_one_run(shape_) &&
                (shape_.size == 0 || extent() == static_cast<MPI_Aint>(shape_.size));
}

Datatype::Datatype(Shape shape, MPI_Datatype predefined_handle, std::string name)
    : Datatype(std::move(shape)) {
  predefined_handle_ = predefined_handle;
  name_ = std::move(name);
  committed_ = true;
  make_permanent();
}

Datatype::~Datatype() {
  for (Datatype* type : contents_.types) {
    if (!type->is_predefined()) type->release();
  }
}

void Datatype::set_contents(datatype_internal::Contents contents) {
  for (Datatype* type : contents.types) {
    if (!type->is_predefined()) type->retain();
  }
  for (Datatype* type : contents_.types) {
    if (!type->is_predefined()) type->release();
  }
  contents_ = std::move(contents);
}

void Datatype::set_permanent() {
  permanent_ = true;
  committed_ = true;
  make_permanent();
}

MPI_Datatype Datatype::handle() const {
  if (predefined_handle_ != nullptr) return predefined_handle_;
  return to_handle<MPI_Datatype>(const_cast<Datatype*>(this));
}

uint64_t Datatype::basic_elements() const { return shape_.signature->elements; }

namespace {
bool signature_uses_unsupported(const SignatureNode& node) {
  for (const SignatureItem& item : node.items) {
    if (item.child != nullptr ? signature_uses_unsupported(*item.child)
                              : item.basic->is_unsupported()) {
      return true;
    }
  }
  return false;
}
}  // namespace

bool Datatype::uses_unsupported() const {
  return unsupported_ || (shape_.signature != nullptr && signature_uses_unsupported(*shape_.signature));
}

namespace {

// The copy loops take and return the stream position so that it stays in a register;
// kPack moves buffer → stream, otherwise stream → buffer.
template <bool kPack>
inline char* move_bytes(char* stream, uint64_t memory, uint64_t n) {
  void* at = reinterpret_cast<void*>(memory);
  if constexpr (kPack) {
    std::memcpy(stream, at, n);
  } else {
    std::memcpy(at, stream, n);
  }
  return stream + n;
}

// Fixed sizes let the compiler turn each copy into one load and one store.
template <bool kPack, size_t kUnit>
char* fixed_runs(char* stream, uint64_t at, uint64_t stride, uint64_t copies) {
  for (uint64_t i = 0; i < copies; ++i, at += stride) stream = move_bytes<kPack>(stream, at, kUnit);
  return stream;
}

// `copies` runs of `unit` bytes, `stride` apart.
template <bool kPack>
char* runs(char* stream, uint64_t at, uint64_t stride, uint64_t unit, uint64_t copies) {
  switch (unit) {
    case 1:
      return fixed_runs<kPack, 1>(stream, at, stride, copies);
    case 2:
      return fixed_runs<kPack, 2>(stream, at, stride, copies);
    case 4:
      return fixed_runs<kPack, 4>(stream, at, stride, copies);
    case 8:
      return fixed_runs<kPack, 8>(stream, at, stride, copies);
    case 12:
      return fixed_runs<kPack, 12>(stream, at, stride, copies);
    case 16:
      return fixed_runs<kPack, 16>(stream, at, stride, copies);
    default:
      for (uint64_t i = 0; i < copies; ++i, at += stride)
        stream = move_bytes<kPack>(stream, at, unit);
      return stream;
  }
}

template <bool kPack>
char* one_run(char* stream, uint64_t at, uint64_t unit) {
  switch (unit) {
    case 1:
      return move_bytes<kPack>(stream, at, 1);
    case 2:
      return move_bytes<kPack>(stream, at, 2);
    case 4:
      return move_bytes<kPack>(stream, at, 4);
    case 8:
      return move_bytes<kPack>(stream, at, 8);
    case 16:
      return move_bytes<kPack>(stream, at, 16);
    default:
      return move_bytes<kPack>(stream, at, unit);
  }
}

// One whole instance of `n` at `origin`: the common case, with no offsets to track.
template <bool kPack>
char* whole_node(const LayoutNode& n, uint64_t origin, char* stream) {
  for (const LayoutPiece& p : n.pieces) {
    uint64_t at = origin + wrap(p.disp);
    if (p.child == nullptr) {
      stream = p.count == 1 ? one_run<kPack>(stream, at, p.unit)
                            : runs<kPack>(stream, at, wrap(p.stride), p.unit, p.count);
    } else {
      for (uint64_t copy = 0; copy < p.count; ++copy, at += wrap(p.stride)) {
        stream = whole_node<kPack>(*p.child, at, stream);
      }
    }
  }
  return stream;
}

// Moves a window of the packed stream: `length` bytes from some stream offset on.
template <bool kPack>
class Mover {
 public:
  Mover(char* stream, uint64_t length) : stream_(stream), remaining_(length) {}

  bool done() const { return remaining_ == 0; }

  // Moves stream bytes of one piece whose node instance is at `origin`, starting `offset`
  // bytes into the piece's part of the stream, until the piece or the window ends.
  void piece(const LayoutPiece& p, uint64_t origin, uint64_t offset) {
    // Divisions cost more than the copy of a small piece: only a window that starts or
    // ends inside the piece divides.
    uint64_t copy = 0;
    uint64_t within = 0;
    if (offset != 0) {
      copy = offset / p.unit;
      within = offset % p.unit;
    }
    const uint64_t stride = wrap(p.stride);
    uint64_t at = origin + wrap(p.disp) + copy * stride;
    if (within != 0) {  // finish the copy the window starts in
      if (p.child != nullptr) {
        node(*p.child, at, within);
      } else {
        take(at + within, std::min(p.unit - within, remaining_));
      }
      ++copy;
      at += stride;
    }
    uint64_t whole = p.count - copy;
    if (whole * p.unit > remaining_) whole = remaining_ / p.unit;
    if (p.child != nullptr) {
      char* stream = stream_;
      if (p.child->flat) {
        // Small structs repeated many times: no call per copy.
        const LayoutPiece* runs_begin = p.child->pieces.data();
        const LayoutPiece* runs_end = runs_begin + p.child->pieces.size();
        for (uint64_t i = 0; i < whole; ++i, at += stride) {
          for (const LayoutPiece* run = runs_begin; run != runs_end; ++run) {
            stream = one_run<kPack>(stream, at + wrap(run->disp), run->unit);
          }
        }
      } else {
        for (uint64_t i = 0; i < whole; ++i, at += stride) {
          stream = whole_node<kPack>(*p.child, at, stream);
        }
      }
      stream_ = stream;
    } else {
      stream_ = runs<kPack>(stream_, at, stride, p.unit, whole);
      at += whole * stride;
    }
    remaining_ -= whole * p.unit;
    copy += whole;
    if (copy < p.count && remaining_ > 0) {  // the window ends inside this copy
      if (p.child != nullptr) {
        node(*p.child, at, 0);
      } else {
        take(at, remaining_);
      }
    }
  }

  // Moves stream bytes of one instance of `n` at `origin`, starting `skip` bytes into it.
  void node(const LayoutNode& n, uint64_t origin, uint64_t skip) {
    const auto& pieces = n.pieces;
    size_t index = 0;
    if (skip != 0 && pieces.size() > 1) {
      auto after =
          std::upper_bound(pieces.begin(), pieces.end(), skip,
                           [](uint64_t value, const LayoutPiece& p) { return value < p.start; });
      index = static_cast<size_t>(after - pieces.begin()) - 1;
    }
    if (index >= pieces.size()) return;
    uint64_t offset = skip - pieces[index].start;
    for (; index < pieces.size() && remaining_ > 0; ++index) {
      piece(pieces[index], origin, offset);
      offset = 0;
    }
  }

 private:
  void take(uint64_t memory, uint64_t n) {
    stream_ = move_bytes<kPack>(stream_, memory, n);
    remaining_ -= n;
  }

  char* stream_;
  uint64_t remaining_;
};

// Walks `count` elements as one virtual piece: consecutive elements one extent apart.
template <bool kPack>
void walk(const Datatype& type, uint64_t base, size_t count, uint64_t offset, char* stream,
          uint64_t length) {
  const Shape& shape = type.shape();
  Mover<kPack> mover(stream, length);
  LayoutPiece elements;
  elements.stride = type.extent();
  elements.count = count;
  elements.unit = shape.size;
  const auto& root = shape.layout->pieces;
  if (root.size() == 1 && root[0].child == nullptr && root[0].count == 1) {
    elements.disp = root[0].disp;  // one run per element: the elements are a strided run
  } else {
    elements.child = shape.layout.get();
  }
  mover.piece(elements, base, offset);
  assert(mover.done());
}

}  // namespace

void Datatype::pack(const void* buf, size_t count, size_t offset, void* out, size_t length) const {
  if (length == 0) return;
  assert(offset + length <= count * shape_.size);
  const uint64_t base = reinterpret_cast<uintptr_t>(buf);
  if (contiguous_) {
    std::memcpy(out, reinterpret_cast<const void*>(base + wrap(shape_.true_lb) + offset), length);
    return;
  }
  walk<true>(*this, base, count, offset, static_cast<char*>(out), length);
}

void Datatype::unpack(const void* in, size_t length, void* buf, size_t count, size_t offset) const {
  if (length == 0) return;
  assert(offset + length <= count * shape_.size);
  const uint64_t base = reinterpret_cast<uintptr_t>(buf);
  if (contiguous_) {
    std::memcpy(reinterpret_cast<void*>(base + wrap(shape_.true_lb) + offset), in, length);
    return;
  }
  // The walk only reads from the stream when unpacking.
  walk<false>(*this, base, count, offset, static_cast<char*>(const_cast<void*>(in)), length);
}

namespace {

// Basic elements in the first `bytes` (< node.bytes) bytes of one instance of `node`.
int64_t elements_within(const SignatureNode& node, uint64_t bytes) {
  const auto& items = node.items;
  auto after = std::upper_bound(
      items.begin(), items.end(), bytes,
      [](uint64_t value, const SignatureItem& item) { return value < item.start_bytes; });
  const SignatureItem& item = *(after - 1);
  const uint64_t within = bytes - item.start_bytes;
  const uint64_t rest = within % item.unit_bytes;
  uint64_t elements = item.start_elements + within / item.unit_bytes * item.unit_elements;
  if (rest != 0) {
    if (item.child == nullptr) return -1;  // ends inside a basic element
    const int64_t inner = elements_within(*item.child, rest);
    if (inner < 0) return -1;
    elements += static_cast<uint64_t>(inner);
  }
  return static_cast<int64_t>(elements);
}

// Stream bytes of the first `elements` (< node.elements) basic elements of `node`.
uint64_t bytes_within(const SignatureNode& node, uint64_t elements) {
  const auto& items = node.items;
  auto after = std::upper_bound(
      items.begin(), items.end(), elements,
      [](uint64_t value, const SignatureItem& item) { return value < item.start_elements; });
  const SignatureItem& item = *(after - 1);
  const uint64_t within = elements - item.start_elements;
  uint64_t bytes = item.start_bytes + within / item.unit_elements * item.unit_bytes;
  const uint64_t rest = within % item.unit_elements;
  if (rest != 0) bytes += bytes_within(*item.child, rest);  // basic items have unit 1
  return bytes;
}

}  // namespace

int64_t Datatype::count_basic_elements(int64_t bytes) const {
  if (bytes <= 0 || shape_.size == 0) return 0;
  const auto total = static_cast<uint64_t>(bytes);
  const uint64_t rest = total % shape_.size;
  int64_t partial = 0;
  if (rest != 0) {
    partial = elements_within(*shape_.signature, rest);
    if (partial < 0) return -1;
  }
  // Every basic element holds at least one byte, so the result fits in int64.
  return static_cast<int64_t>(total / shape_.size * basic_elements()) + partial;
}

int64_t Datatype::bytes_of_basic_elements(int64_t elements) const {
  if (elements <= 0) return 0;
  const uint64_t per_element = basic_elements();
  if (per_element == 0) return -1;
  const auto wanted = static_cast<uint64_t>(elements);
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(wanted / per_element, shape_.size, &bytes)) return -1;
  const uint64_t rest = wanted % per_element;
  if (rest != 0 && __builtin_add_overflow(bytes, bytes_within(*shape_.signature, rest), &bytes)) {
    return -1;
  }
  if (bytes > static_cast<uint64_t>(INT64_MAX)) return -1;
  return static_cast<int64_t>(bytes);
}

}  // namespace weft
