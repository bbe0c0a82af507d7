// Constructors of derived datatypes: bounds per the standard, layout and signature.
//
// Bounds (MPI-4.1 §5.1): lb is the lowest displacement of the type map and ub the highest
// end, except that explicit markers (set by MPI_Type_create_resized, and by subarray, which
// is defined through one) win wherever they occur: lb becomes the lowest lb marker, ub the
// highest ub marker. The true bounds always come from the data alone. Only
// MPI_Type_create_struct rounds the extent up to the largest alignment of its components
// (the standard's epsilon), and only when no ub marker is present; the other constructors
// take bounds from the extents of their old type, which already carry its padding. This is
// what MPICH does, so programs that size buffers by extent behave the same on both.
#include <algorithm>
#include <cinttypes>
#include <vector>

#include "datatype/datatype.h"

namespace weft {

using datatype_internal::LayoutBuilder;
using datatype_internal::Shape;
using datatype_internal::SignatureBuilder;

namespace {

// Bounds are accumulated with 128 bits so that no combination of int counts and MPI_Aint
// displacements can overflow before it is checked against MPI_Aint.
__extension__ typedef __int128 Wide;

constexpr Wide kAintMin = static_cast<Wide>(INT64_MIN);
constexpr Wide kAintMax = static_cast<Wide>(INT64_MAX);

class Bounds {
 public:
  // Copies of `type` whose origins lie between `lowest` and `highest` (both included).
  void add(Wide lowest, Wide highest, const Datatype& type) {
    const Shape& s = type.shape();
    if (s.size == 0 && !s.explicit_lb && !s.explicit_ub) return;  // an empty type map
    merge_lb(lowest + s.lb, s.explicit_lb);
    merge_ub(highest + s.ub, s.explicit_ub);
    if (s.size > 0) {
      const Wide data_lb = lowest + s.true_lb;
      const Wide data_ub = highest + s.true_ub;
      true_lb_ = have_data_ ? std::min(true_lb_, data_lb) : data_lb;
      true_ub_ = have_data_ ? std::max(true_ub_, data_ub) : data_ub;
      have_data_ = true;
    }
    alignment_ = std::max(alignment_, s.alignment);
  }

  // `blocklength` copies of `type` one extent apart, the first at `disp`.
  void add_block(Wide disp, int64_t blocklength, const Datatype& type) {
    if (blocklength == 0) return;
    const Wide last = disp + static_cast<Wide>(blocklength - 1) * type.extent();
    add(std::min(disp, last), std::max(disp, last), type);
  }

  // Writes the bounds into `shape`; `pad` applies the struct alignment rule.
  Status finish(const char* call, bool pad, Shape& shape) const {
    Wide lb = have_lb_ ? lb_ : 0;
    Wide ub = have_ub_ ? ub_ : 0;
    if (pad && have_ub_ && !explicit_ub_) {
      const Wide extent = ub - lb;
      const Wide alignment = static_cast<Wide>(alignment_);
      if (extent > 0 && extent % alignment != 0) ub += alignment - extent % alignment;
    }
    const Wide true_lb = have_data_ ? true_lb_ : 0;
    const Wide true_ub = have_data_ ? true_ub_ : 0;
    for (Wide value : {lb, ub, true_lb, true_ub, ub - lb, true_ub - true_lb}) {
      if (value < kAintMin || value > kAintMax) {
        return error(MPI_ERR_ARG,
                     "%s: the displacements and extents of the new datatype do not fit in "
                     "MPI_Aint",
                     call);
      }
    }
    shape.lb = static_cast<MPI_Aint>(lb);
    shape.ub = static_cast<MPI_Aint>(ub);
    shape.true_lb = static_cast<MPI_Aint>(true_lb);
    shape.true_ub = static_cast<MPI_Aint>(true_ub);
    shape.explicit_lb = explicit_lb_;
    shape.explicit_ub = explicit_ub_;
    shape.alignment = alignment_;
    return Status::success();
  }

 private:
  void merge_lb(Wide value, bool marker) {
    if (marker && !explicit_lb_) {  // the first marker overrides every data bound so far
      explicit_lb_ = true;
      lb_ = value;
    } else if (marker == explicit_lb_) {
      lb_ = have_lb_ ? std::min(lb_, value) : value;
    }
    have_lb_ = true;
  }
  void merge_ub(Wide value, bool marker) {
    if (marker && !explicit_ub_) {
      explicit_ub_ = true;
      ub_ = value;
    } else if (marker == explicit_ub_) {
      ub_ = have_ub_ ? std::max(ub_, value) : value;
    }
    have_ub_ = true;
  }

  bool have_lb_ = false, have_ub_ = false, have_data_ = false;
  bool explicit_lb_ = false, explicit_ub_ = false;
  Wide lb_ = 0, ub_ = 0, true_lb_ = 0, true_ub_ = 0;
  uint64_t alignment_ = 1;
};

// Size of a type holding `copies` elements of `type`, or an error when it overflows.
Status add_size(const char* call, Wide copies, const Datatype& type, Wide& size) {
  size += copies * static_cast<Wide>(type.size());
  if (size > kAintMax) {
    return error(MPI_ERR_ARG, "%s: the size of the new datatype exceeds %" PRId64 " bytes", call,
                 INT64_MAX);
  }
  return Status::success();
}

Status check_count(const char* call, const char* argument, int64_t count) {
  if (count < 0) {
    return error(MPI_ERR_COUNT, "%s: argument %s=%" PRId64 " is negative", call, argument, count);
  }
  return Status::success();
}

Status check_blocklength(const char* call, const char* argument, size_t index, int64_t value) {
  if (value < 0) {
    return error(MPI_ERR_ARG, "%s: argument %s[%zu]=%" PRId64 " is negative", call, argument, index,
                 value);
  }
  return Status::success();
}

// Element displacement (in extents of `old`) to bytes.
Status scale(const char* call, const char* argument, size_t index, int64_t elements,
             const Datatype& old, MPI_Aint& bytes) {
  const Wide value = static_cast<Wide>(elements) * old.extent();
  if (value < kAintMin || value > kAintMax) {
    return error(MPI_ERR_ARG,
                 "%s: argument %s[%zu]=%" PRId64 " times the old type's extent %" PRId64
                 " does not fit in MPI_Aint",
                 call, argument, index, elements, static_cast<int64_t>(old.extent()));
  }
  bytes = static_cast<MPI_Aint>(value);
  return Status::success();
}

Datatype* make(Shape shape) { return new Datatype(std::move(shape)); }

// An hvector (contiguous and vector are hvectors in disguise); the caller records the contents.
Status build_hvector(const char* call, int64_t count, int64_t blocklength, MPI_Aint stride,
                     const Datatype& old, Datatype** out) {
  WEFT_TRY(check_count(call, "count", count));
  if (blocklength < 0) {
    return error(MPI_ERR_ARG, "%s: argument blocklength=%" PRId64 " is negative", call,
                 blocklength);
  }
  Shape shape;
  Wide size = 0;
  WEFT_TRY(add_size(call, static_cast<Wide>(count) * blocklength, old, size));
  shape.size = static_cast<uint64_t>(size);

  Bounds bounds;
  if (count > 0 && blocklength > 0) {
    const Wide last_block = static_cast<Wide>(count - 1) * stride;
    const Wide last_copy = static_cast<Wide>(blocklength - 1) * old.extent();
    bounds.add(std::min<Wide>(0, last_block) + std::min<Wide>(0, last_copy),
               std::max<Wide>(0, last_block) + std::max<Wide>(0, last_copy), old);
  }
  WEFT_TRY(bounds.finish(call, false, shape));

  LayoutBuilder block;
  block.add(0, static_cast<uint64_t>(blocklength), old.extent(), old.shape().layout);
  LayoutBuilder layout;
  layout.add(0, static_cast<uint64_t>(count), stride, block.finish());
  shape.layout = layout.finish();

  SignatureBuilder signature;
  signature.add(old.shape().signature, static_cast<uint64_t>(count) * blocklength);
  shape.signature = signature.finish();

  shape.uniform = old.uniform_basic_type();
  *out = make(std::move(shape));
  return Status::success();
}

// An hindexed (indexed, indexed_block and hindexed_block reduce to it).
// `blocklengths` has one entry, used for every block, or one per displacement.
Status build_hindexed(const char* call, std::span<const int64_t> blocklengths,
                      std::span<const MPI_Aint> displacements, const Datatype& old,
                      Datatype** out) {
  const bool one_length = blocklengths.size() == 1 && displacements.size() != 1;
  auto length_of = [&](size_t i) { return one_length ? blocklengths[0] : blocklengths[i]; };
  Shape shape;
  Wide size = 0;
  Bounds bounds;
  LayoutBuilder layout;
  Wide elements = 0;
  for (size_t i = 0; i < displacements.size(); ++i) {
    const int64_t length = length_of(i);
    elements += length;
    bounds.add_block(displacements[i], length, old);
    layout.add(displacements[i], static_cast<uint64_t>(length), old.extent(), old.shape().layout);
  }
  WEFT_TRY(add_size(call, elements, old, size));
  shape.size = static_cast<uint64_t>(size);
  WEFT_TRY(bounds.finish(call, false, shape));
  shape.layout = layout.finish();
  SignatureBuilder signature;
  signature.add(old.shape().signature, static_cast<uint64_t>(elements));
  shape.signature = signature.finish();
  shape.uniform = old.uniform_basic_type();
  *out = make(std::move(shape));
  return Status::success();
}

Status check_blocklengths(const char* call, std::span<const int64_t> blocklengths) {
  for (size_t i = 0; i < blocklengths.size(); ++i) {
    WEFT_TRY(check_blocklength(call, "array_of_blocklengths", i, blocklengths[i]));
  }
  return Status::success();
}

Status check_same_length(const char* call, size_t blocklengths, size_t displacements) {
  if (blocklengths != displacements) {
    return error(MPI_ERR_ARG,
                 "%s: %zu block lengths were given for %zu displacements (internal error)", call,
                 blocklengths, displacements);
  }
  return Status::success();
}

// Values given to a constructor as int (the non-_c bindings), for MPI_Type_get_contents.
int narrow(int64_t value) { return static_cast<int>(value); }

void append(std::vector<int>& integers, std::span<const int64_t> values) {
  for (int64_t value : values) integers.push_back(narrow(value));
}

// Records the constructor's arguments on the type it made (when it made one).
Status record(Status status, Datatype** out, int combiner, std::vector<int> integers,
              std::vector<MPI_Aint> addresses, std::vector<Datatype*> types) {
  if (status.ok()) {
    datatype_internal::Contents contents;
    contents.combiner = combiner;
    contents.integers = std::move(integers);
    contents.addresses = std::move(addresses);
    contents.types = std::move(types);
    (*out)->set_contents(std::move(contents));
  }
  return status;
}

Datatype* mutable_type(const Datatype& type) { return const_cast<Datatype*>(&type); }

// A copy of `old` with explicit bounds; MPI_Type_create_resized records its contents.
Status resize(const char* call, const Datatype& old, MPI_Aint lb, MPI_Aint extent, Datatype** out) {
  MPI_Aint ub = 0;
  if (__builtin_add_overflow(lb, extent, &ub)) {
    return error(MPI_ERR_ARG,
                 "%s: argument lb=%" PRId64 " plus argument extent=%" PRId64
                 " does not fit in MPI_Aint",
                 call, static_cast<int64_t>(lb), static_cast<int64_t>(extent));
  }
  Shape shape = old.shape();
  shape.lb = lb;
  shape.ub = ub;
  shape.explicit_lb = true;
  shape.explicit_ub = true;
  *out = make(std::move(shape));
  return Status::success();
}

}  // namespace

Status type_contiguous(const char* call, int64_t count, const Datatype& old, Datatype** out) {
  WEFT_TRY(check_count(call, "count", count));
  return record(build_hvector(call, count, 1, old.extent(), old, out), out, MPI_COMBINER_CONTIGUOUS,
                {narrow(count)}, {}, {mutable_type(old)});
}

Status type_vector(const char* call, int64_t count, int64_t blocklength, int64_t stride,
                   const Datatype& old, Datatype** out) {
  const Wide bytes = static_cast<Wide>(stride) * old.extent();
  if (bytes < kAintMin || bytes > kAintMax) {
    return error(MPI_ERR_ARG,
                 "%s: argument stride=%" PRId64
                 " times the old type's extent does not fit "
                 "in MPI_Aint",
                 call, stride);
  }
  return record(build_hvector(call, count, blocklength, static_cast<MPI_Aint>(bytes), old, out),
                out, MPI_COMBINER_VECTOR, {narrow(count), narrow(blocklength), narrow(stride)}, {},
                {mutable_type(old)});
}

Status type_hvector(const char* call, int64_t count, int64_t blocklength, MPI_Aint stride,
                    const Datatype& old, Datatype** out) {
  return record(build_hvector(call, count, blocklength, stride, old, out), out,
                MPI_COMBINER_HVECTOR, {narrow(count), narrow(blocklength)}, {stride},
                {mutable_type(old)});
}

Status type_indexed(const char* call, std::span<const int64_t> blocklengths,
                    std::span<const int64_t> displacements, const Datatype& old, Datatype** out) {
  WEFT_TRY(check_same_length(call, blocklengths.size(), displacements.size()));
  WEFT_TRY(check_blocklengths(call, blocklengths));
  std::vector<MPI_Aint> bytes(displacements.size());
  for (size_t i = 0; i < displacements.size(); ++i) {
    WEFT_TRY(scale(call, "array_of_displacements", i, displacements[i], old, bytes[i]));
  }
  std::vector<int> integers{narrow(static_cast<int64_t>(displacements.size()))};
  append(integers, blocklengths);
  append(integers, displacements);
  return record(build_hindexed(call, blocklengths, bytes, old, out), out, MPI_COMBINER_INDEXED,
                std::move(integers), {}, {mutable_type(old)});
}

Status type_hindexed(const char* call, std::span<const int64_t> blocklengths,
                     std::span<const MPI_Aint> displacements, const Datatype& old, Datatype** out) {
  WEFT_TRY(check_same_length(call, blocklengths.size(), displacements.size()));
  WEFT_TRY(check_blocklengths(call, blocklengths));
  std::vector<int> integers{narrow(static_cast<int64_t>(displacements.size()))};
  append(integers, blocklengths);
  return record(build_hindexed(call, blocklengths, displacements, old, out), out,
                MPI_COMBINER_HINDEXED, std::move(integers),
                std::vector<MPI_Aint>(displacements.begin(), displacements.end()),
                {mutable_type(old)});
}

Status type_indexed_block(const char* call, int64_t blocklength,
                          std::span<const int64_t> displacements, const Datatype& old,
                          Datatype** out) {
  if (blocklength < 0) {
    return error(MPI_ERR_ARG, "%s: argument blocklength=%" PRId64 " is negative", call,
                 blocklength);
  }
  std::vector<MPI_Aint> bytes(displacements.size());
  for (size_t i = 0; i < displacements.size(); ++i) {
    WEFT_TRY(scale(call, "array_of_displacements", i, displacements[i], old, bytes[i]));
  }
  const int64_t lengths[1] = {blocklength};
  std::vector<int> integers{narrow(static_cast<int64_t>(displacements.size())),
                            narrow(blocklength)};
  append(integers, displacements);
  return record(build_hindexed(call, lengths, bytes, old, out), out, MPI_COMBINER_INDEXED_BLOCK,
                std::move(integers), {}, {mutable_type(old)});
}

Status type_hindexed_block(const char* call, int64_t blocklength,
                           std::span<const MPI_Aint> displacements, const Datatype& old,
                           Datatype** out) {
  if (blocklength < 0) {
    return error(MPI_ERR_ARG, "%s: argument blocklength=%" PRId64 " is negative", call,
                 blocklength);
  }
  const int64_t lengths[1] = {blocklength};
  return record(
      build_hindexed(call, lengths, displacements, old, out), out, MPI_COMBINER_HINDEXED_BLOCK,
      {narrow(static_cast<int64_t>(displacements.size())), narrow(blocklength)},
      std::vector<MPI_Aint>(displacements.begin(), displacements.end()), {mutable_type(old)});
}

Status type_struct(const char* call, std::span<const int64_t> blocklengths,
                   std::span<const MPI_Aint> displacements, std::span<const Datatype* const> types,
                   Datatype** out) {
  WEFT_TRY(check_same_length(call, blocklengths.size(), displacements.size()));
  WEFT_TRY(check_same_length(call, blocklengths.size(), types.size()));
  WEFT_TRY(check_blocklengths(call, blocklengths));
  Shape shape;
  Wide size = 0;
  Bounds bounds;
  LayoutBuilder layout;
  SignatureBuilder signature;
  const Datatype* uniform = nullptr;
  bool mixed = false;
  for (size_t i = 0; i < types.size(); ++i) {
    const Datatype& type = *types[i];
    const int64_t length = blocklengths[i];
    WEFT_TRY(add_size(call, length, type, size));
    bounds.add_block(displacements[i], length, type);
    layout.add(displacements[i], static_cast<uint64_t>(length), type.extent(), type.shape().layout);
    signature.add(type.shape().signature, static_cast<uint64_t>(length));
    if (length > 0 && type.size() > 0) {
      if (uniform == nullptr) uniform = type.uniform_basic_type();
      if (type.uniform_basic_type() != uniform) mixed = true;
    }
  }
  shape.size = static_cast<uint64_t>(size);
  WEFT_TRY(bounds.finish(call, true, shape));
  shape.layout = layout.finish();
  shape.signature = signature.finish();
  shape.uniform = mixed ? nullptr : uniform;
  *out = make(std::move(shape));
  std::vector<int> integers{narrow(static_cast<int64_t>(types.size()))};
  append(integers, blocklengths);
  std::vector<Datatype*> inputs;
  for (const Datatype* type : types) inputs.push_back(mutable_type(*type));
  return record(Status::success(), out, MPI_COMBINER_STRUCT, std::move(integers),
                std::vector<MPI_Aint>(displacements.begin(), displacements.end()),
                std::move(inputs));
}

Status type_subarray(const char* call, std::span<const int64_t> sizes,
                     std::span<const int64_t> subsizes, std::span<const int64_t> starts, int order,
                     const Datatype& old, Datatype** out) {
  const size_t ndims = sizes.size();
  if (ndims == 0) {
    return error(MPI_ERR_ARG, "%s: argument ndims=0 must be positive", call);
  }
  if (subsizes.size() != ndims || starts.size() != ndims) {
    return error(MPI_ERR_ARG, "%s: array lengths differ from ndims=%zu (internal error)", call,
                 ndims);
  }
  if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN) {
    return error(MPI_ERR_ARG, "%s: argument order=%d is neither MPI_ORDER_C nor MPI_ORDER_FORTRAN",
                 call, order);
  }
  for (size_t i = 0; i < ndims; ++i) {
    if (sizes[i] <= 0) {
      return error(MPI_ERR_ARG, "%s: argument array_of_sizes[%zu]=%" PRId64 " must be positive",
                   call, i, sizes[i]);
    }
    if (subsizes[i] < 0 || subsizes[i] > sizes[i]) {
      return error(MPI_ERR_ARG,
                   "%s: argument array_of_subsizes[%zu]=%" PRId64 " is outside [0, %" PRId64
                   "] (array_of_sizes[%zu])",
                   call, i, subsizes[i], sizes[i], i);
    }
    if (starts[i] < 0 || starts[i] > sizes[i] - subsizes[i]) {
      return error(MPI_ERR_ARG,
                   "%s: argument array_of_starts[%zu]=%" PRId64 " is outside [0, %" PRId64
                   "] (array_of_sizes[%zu] - array_of_subsizes[%zu])",
                   call, i, starts[i], sizes[i] - subsizes[i], i, i);
    }
  }
  // Walk the dimensions from the fastest-varying one: the last in C order, the first in
  // Fortran order. Each step places `subsizes[d]` copies of the type built so far one
  // row of the full array apart, exactly as the standard defines the subarray type.
  std::vector<size_t> fastest_first(ndims);
  for (size_t i = 0; i < ndims; ++i) fastest_first[i] = order == MPI_ORDER_C ? ndims - 1 - i : i;

  Wide row = old.extent();  // bytes between consecutive indices of the current dimension
  Wide offset = 0;          // bytes from the array origin to the first selected element
  Datatype* current = nullptr;
  auto replace = [&](Datatype* next) {
    if (current != nullptr) current->release();
    current = next;
  };
  Status status;
  for (size_t step = 0; step < ndims && status.ok(); ++step) {
    const size_t d = fastest_first[step];
    offset += static_cast<Wide>(starts[d]) * row;
    Datatype* next = nullptr;
    if (step == 0) {
      status = build_hvector(call, subsizes[d], 1, old.extent(), old, &next);
    } else {
      status = build_hvector(call, subsizes[d], 1, static_cast<MPI_Aint>(row), *current, &next);
    }
    if (status.ok()) replace(next);
    row *= sizes[d];
    if (row > kAintMax || row < kAintMin || offset > kAintMax || offset < kAintMin) {
      status = error(MPI_ERR_ARG, "%s: the array of %zu dimensions is too large for MPI_Aint", call,
                     ndims);
    }
  }
  if (status.ok()) {
    const int64_t one[1] = {1};
    const MPI_Aint at[1] = {static_cast<MPI_Aint>(offset)};
    Datatype* placed = nullptr;
    status = build_hindexed(call, one, at, *current, &placed);
    if (status.ok()) replace(placed);
  }
  if (status.ok()) {
    // The subarray spans the whole array: lb 0, extent = the full array's extent.
    Datatype* resized = nullptr;
    status = resize(call, *current, 0, static_cast<MPI_Aint>(row), &resized);
    if (status.ok()) replace(resized);
  }
  if (!status.ok()) {
    replace(nullptr);
    return status;
  }
  Shape shape = current->shape();
  replace(nullptr);
  *out = make(std::move(shape));
  std::vector<int> integers{narrow(static_cast<int64_t>(ndims))};
  append(integers, sizes);
  append(integers, subsizes);
  append(integers, starts);
  integers.push_back(order);
  return record(Status::success(), out, MPI_COMBINER_SUBARRAY, std::move(integers), {},
                {mutable_type(old)});
}

namespace {

// The indices one process owns along one dimension of a distributed array, in increasing
// order: `full` blocks of `block` indices, `spacing` indices apart, the first at `first`,
// then possibly a shorter last block of `tail` indices at `tail_first`. Kept regular so that
// a cyclic distribution of a long dimension costs no memory per block.
struct Owned {
  int64_t first = 0;
  int64_t block = 0;
  int64_t spacing = 0;
  int64_t full = 0;
  int64_t tail_first = 0;
  int64_t tail = 0;
};

Status darray_owned(const char* call, size_t dim, int64_t gsize, int distrib, int darg, int psize,
                    int coord, Owned& owned) {
  owned = Owned{};
  switch (distrib) {
    case MPI_DISTRIBUTE_NONE:
      // Every process along the dimension holds all of it; a grid wider than one process
      // there is accepted as MPICH accepts it.
      owned = Owned{0, gsize, gsize, 1, 0, 0};
      return Status::success();
    case MPI_DISTRIBUTE_BLOCK: {
      // The default block is the smallest that covers the dimension: ceil(gsize / psize).
      int64_t block = (gsize + psize - 1) / psize;
      if (darg != MPI_DISTRIBUTE_DFLT_DARG) {
        if (darg <= 0 || static_cast<int64_t>(darg) * psize < gsize) {
          return error(MPI_ERR_ARG,
                       "%s: argument array_of_dargs[%zu]=%d is not a block size that covers "
                       "array_of_gsizes[%zu]=%" PRId64 " over array_of_psizes[%zu]=%d processes",
                       call, dim, darg, dim, gsize, dim, psize);
        }
        block = darg;
      }
      const int64_t first = block * coord;
      const int64_t length = std::min(block, gsize - first);
      if (length > 0) owned = Owned{first, length, length, 1, 0, 0};
      return Status::success();
    }
    case MPI_DISTRIBUTE_CYCLIC: {
      int64_t block = 1;
      if (darg != MPI_DISTRIBUTE_DFLT_DARG) {
        if (darg <= 0) {
          return error(MPI_ERR_ARG,
                       "%s: argument array_of_dargs[%zu]=%d must be positive or "
                       "MPI_DISTRIBUTE_DFLT_DARG",
                       call, dim, darg);
        }
        block = darg;
      }
      // Blocks go round the processes; the last block of the dimension may be short.
      const int64_t first = block * coord;
      if (first >= gsize) return Status::success();
      const int64_t spacing = block * psize;
      const int64_t blocks = (gsize - 1 - first) / spacing + 1;
      const int64_t last = first + (blocks - 1) * spacing;
      owned = Owned{first, block, spacing, blocks, 0, 0};
      if (gsize - last < block) {
        owned.full = blocks - 1;
        owned.tail_first = last;
        owned.tail = gsize - last;
      }
      return Status::success();
    }
    default:
      return error(MPI_ERR_ARG,
                   "%s: argument array_of_distribs[%zu]=%d is not MPI_DISTRIBUTE_BLOCK, "
                   "MPI_DISTRIBUTE_CYCLIC or MPI_DISTRIBUTE_NONE",
                   call, dim, distrib);
  }
}

}  // namespace

// The standard defines the darray type dimension by dimension, from the fastest-varying one:
// each step takes the blocks this process owns of the type built so far (one full row of the
// faster dimensions) and resizes the result to a full row of this dimension. The type map
// thus lists the owned elements in increasing memory order, lb is 0 and the extent is the
// whole array's.
Status type_darray(const char* call, int size, int rank, std::span<const int64_t> gsizes,
                   std::span<const int> distribs, std::span<const int> dargs,
                   std::span<const int> psizes, int order, const Datatype& old, Datatype** out) {
  const size_t ndims = gsizes.size();
  if (ndims == 0) return error(MPI_ERR_ARG, "%s: argument ndims=0 must be positive", call);
  if (distribs.size() != ndims || dargs.size() != ndims || psizes.size() != ndims) {
    return error(MPI_ERR_ARG, "%s: array lengths differ from ndims=%zu (internal error)", call,
                 ndims);
  }
  if (size <= 0) return error(MPI_ERR_ARG, "%s: argument size=%d must be positive", call, size);
  if (rank < 0 || rank >= size) {
    return error(MPI_ERR_RANK, "%s: argument rank=%d is outside [0, size=%d)", call, rank, size);
  }
  if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN) {
    return error(MPI_ERR_ARG, "%s: argument order=%d is neither MPI_ORDER_C nor MPI_ORDER_FORTRAN",
                 call, order);
  }
  int64_t grid = 1;
  for (size_t i = 0; i < ndims; ++i) {
    if (gsizes[i] <= 0) {
      return error(MPI_ERR_ARG, "%s: argument array_of_gsizes[%zu]=%" PRId64 " must be positive",
                   call, i, gsizes[i]);
    }
    if (psizes[i] <= 0) {
      return error(MPI_ERR_ARG, "%s: argument array_of_psizes[%zu]=%d must be positive", call, i,
                   psizes[i]);
    }
    grid *= psizes[i];
    if (grid > size) break;
  }
  if (grid != size) {
    return error(MPI_ERR_ARG,
                 "%s: the process grid array_of_psizes does not hold size=%d processes "
                 "(their product must equal size)",
                 call, size);
  }
  // Processes are numbered row-major over the grid whatever the array's order.
  std::vector<int> coords(ndims);
  for (size_t i = ndims, left = static_cast<size_t>(rank); i-- > 0;) {
    coords[i] = static_cast<int>(left % static_cast<size_t>(psizes[i]));
    left /= static_cast<size_t>(psizes[i]);
  }

  Wide row = old.extent();
  Datatype* current = nullptr;
  auto replace = [&](Datatype* next) {
    if (current != nullptr) current->release();
    current = next;
  };
  Status status;
  for (size_t step = 0; step < ndims && status.ok(); ++step) {
    const size_t d = order == MPI_ORDER_C ? ndims - 1 - step : step;
    Owned owned;
    status = darray_owned(call, d, gsizes[d], distribs[d], dargs[d], psizes[d], coords[d], owned);
    if (!status.ok()) break;
    const Datatype& unit = current != nullptr ? *current : old;
    // Every displacement below is smaller than a full row of this dimension.
    const Wide next_row = row * gsizes[d];
    if (next_row > kAintMax || next_row < kAintMin) {
      status = error(MPI_ERR_ARG, "%s: the array of %zu dimensions is too large for MPI_Aint", call,
                     ndims);
      break;
    }
    // The regular blocks as one hvector, then the short last block, if any.
    Datatype* blocks = nullptr;
    if (owned.full > 0) {
      status = build_hvector(call, owned.full, owned.block,
                             static_cast<MPI_Aint>(owned.spacing * row), unit, &blocks);
      if (!status.ok()) break;
    }
    std::vector<int64_t> lengths;
    std::vector<MPI_Aint> at;
    std::vector<const Datatype*> parts;
    if (blocks != nullptr) {
      lengths.push_back(1);
      at.push_back(static_cast<MPI_Aint>(owned.first * row));
      parts.push_back(blocks);
    }
    if (owned.tail > 0) {
      lengths.push_back(owned.tail);
      at.push_back(static_cast<MPI_Aint>(owned.tail_first * row));
      parts.push_back(&unit);
    }
    Datatype* mine = nullptr;
    status = type_struct(call, lengths, at, parts, &mine);
    if (blocks != nullptr) blocks->release();
    if (!status.ok()) break;
    Datatype* resized = nullptr;
    status = resize(call, *mine, 0, static_cast<MPI_Aint>(next_row), &resized);
    mine->release();
    if (status.ok()) replace(resized);
    row = next_row;
  }
  if (!status.ok()) {
    replace(nullptr);
    return status;
  }
  Shape shape = current->shape();
  replace(nullptr);
  *out = make(std::move(shape));
  std::vector<int> integers{size, rank, narrow(static_cast<int64_t>(ndims))};
  append(integers, gsizes);
  integers.insert(integers.end(), distribs.begin(), distribs.end());
  integers.insert(integers.end(), dargs.begin(), dargs.end());
  integers.insert(integers.end(), psizes.begin(), psizes.end());
  integers.push_back(order);
  return record(Status::success(), out, MPI_COMBINER_DARRAY, std::move(integers), {},
                {mutable_type(old)});
}

Status type_resized(const char* call, const Datatype& old, MPI_Aint lb, MPI_Aint extent,
                    Datatype** out) {
  return record(resize(call, old, lb, extent, out), out, MPI_COMBINER_RESIZED, {}, {lb, extent},
                {mutable_type(old)});
}

Datatype* type_copy(const Datatype& type) {
  Datatype* copy = make(type.shape());
  copy->set_contents(type.contents());
  if (type.committed()) copy->commit();
  return copy;
}

Status type_dup(const char* /*call*/, const Datatype& old, Datatype** out) {
  Shape shape = old.shape();
  Datatype* type = make(std::move(shape));
  if (old.committed()) type->commit();  // a duplicate keeps the committed state
  *out = type;
  return record(Status::success(), out, MPI_COMBINER_DUP, {}, {}, {mutable_type(old)});
}

}  // namespace weft
