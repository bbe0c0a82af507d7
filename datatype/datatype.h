// The datatype engine: predefined and derived MPI datatypes, their bounds, and packing.
//
// A datatype is stored flattened, not as the tree of constructor calls that made it:
//   * a layout: where the data bytes of one element lie, as pieces in type-map order (MPI
//     packs in type-map order, so pieces are never sorted). A piece is `count` copies, spaced
//     `stride` bytes apart, of either a run of contiguous bytes or a shared child layout.
//     Repetition stays a count instead of being unrolled, so a vector of 10^6 blocks is one
//     piece and nested types cost memory in proportion to their constructor arguments.
//   * a signature: the sequence of basic (predefined) types of one element, run-length
//     encoded the same way, for MPI_Get_elements.
// Pack and unpack walk the layout with memcpy; a type whose elements form one gap-free run
// is moved with a single memcpy. See docs/datatypes.md for the rules behind the bounds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "mpi.h"

namespace weft {

class Datatype;

namespace datatype_internal {

struct LayoutNode;
struct PredefinedTable;

// `count` copies of the same thing; copy i begins at disp + i * stride from the origin of
// the node that holds the piece. Pieces never hold zero bytes.
struct LayoutPiece {
  MPI_Aint disp = 0;
  MPI_Aint stride = 0;  // meaningless when count == 1
  uint64_t count = 1;
  uint64_t unit = 0;                  // packed bytes of one copy
  uint64_t start = 0;                 // packed offset of the piece within one instance of its node
  const LayoutNode* child = nullptr;  // nullptr: a copy is `unit` contiguous bytes
};

struct LayoutNode {
  std::vector<LayoutPiece> pieces;
  // Owns the children that pieces point to (a few per node; shared between types).
  std::vector<std::shared_ptr<const LayoutNode>> children;
  uint64_t size = 0;  // packed bytes of one instance
  bool flat = false;  // every piece is a single run: walked by the tightest loop
};

struct SignatureNode;

// `count` repetitions of one basic type or of a child signature.
struct SignatureItem {
  const Datatype* basic = nullptr;  // set when child == nullptr
  const SignatureNode* child = nullptr;
  uint64_t count = 0;
  uint64_t unit_bytes = 0;     // packed bytes of one repetition
  uint64_t unit_elements = 0;  // basic elements in one repetition
  uint64_t start_bytes = 0;    // where the item begins within one instance of its node
  uint64_t start_elements = 0;
};

struct SignatureNode {
  std::vector<SignatureItem> items;
  std::vector<std::shared_ptr<const SignatureNode>> children;
  uint64_t bytes = 0;
  uint64_t elements = 0;
};

// Builds a layout from pieces given in type-map order, folding as it goes: adjacent runs
// merge, equally spaced equal pieces become one counted piece, and small or single-piece
// children are inlined, so the walk in pack/unpack stays short and shallow.
class LayoutBuilder {
 public:
  LayoutBuilder();
  // `count` copies of `unit` contiguous bytes at disp + i * stride.
  void add_bytes(MPI_Aint disp, uint64_t count, MPI_Aint stride, uint64_t unit);
  // `count` copies of one instance of `node` at disp + i * stride.
  void add(MPI_Aint disp, uint64_t count, MPI_Aint stride,
           const std::shared_ptr<const LayoutNode>& node);
  std::shared_ptr<const LayoutNode> finish();

 private:
  void add_piece(LayoutPiece piece, const std::shared_ptr<const LayoutNode>& owner);
  std::shared_ptr<LayoutNode> node_;
};

// The same folding for signatures: repeated basic types become one counted item.
class SignatureBuilder {
 public:
  SignatureBuilder();
  void add_basic(const Datatype* basic, uint64_t count);
  void add(const std::shared_ptr<const SignatureNode>& node, uint64_t count);
  std::shared_ptr<const SignatureNode> finish();

 private:
  std::shared_ptr<SignatureNode> node_;
};

// Everything a constructor computes about a type; MPI_Type_dup copies it whole.
struct Shape {
  uint64_t size = 0;
  MPI_Aint lb = 0, ub = 0;
  MPI_Aint true_lb = 0, true_ub = 0;
  // Bounds set by MPI_Type_create_resized (the standard's lb/ub markers). They are sticky:
  // a type built from such a type takes its bounds from the markers, not from its data.
  bool explicit_lb = false, explicit_ub = false;
  uint64_t alignment = 1;  // largest alignment of its basic types (struct padding)
  std::shared_ptr<const LayoutNode> layout;
  std::shared_ptr<const SignatureNode> signature;
  const Datatype* uniform = nullptr;
};

// The arguments of the call that made a type, as MPI_Type_get_contents returns them: the
// integers, addresses and datatypes in the order the standard lists for each combiner. A type
// made by a large-count constructor (MPI_Type_vector_c, ...) keeps its MPI_Count arguments in
// `large_counts` and only its int ones in `integers` (MPI_Type_get_contents_c); the int
// decoding calls refuse such a type.
struct Contents {
  int combiner = MPI_COMBINER_NAMED;
  std::vector<int> integers;
  std::vector<MPI_Aint> addresses;
  std::vector<MPI_Count> large_counts;
  std::vector<Datatype*> types;  // the type holds a reference on each of them
};

}  // namespace datatype_internal

class Datatype : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kDatatype;

  // A derived type (uncommitted, one reference: the handle given to the user).
  explicit Datatype(datatype_internal::Shape shape);
  // A predefined type; it lives for the whole process.
  Datatype(datatype_internal::Shape shape, MPI_Datatype predefined_handle, std::string name);
  ~Datatype() override;

  size_t size() const { return shape_.size; }  // MPI_Type_size: data bytes of one element
  MPI_Aint lb() const { return shape_.lb; }
  MPI_Aint extent() const { return shape_.ub - shape_.lb; }
  MPI_Aint true_lb() const { return shape_.true_lb; }
  MPI_Aint true_extent() const { return shape_.true_ub - shape_.true_lb; }
  bool committed() const { return committed_; }
  bool is_predefined() const { return predefined_handle_ != nullptr; }
  void commit() { committed_ = true; }
  // An optional predefined Fortran type that the registered Fortran compiler lacks
  // (MPI_Abi_set_fortran_info, datatype/fortran_abi.h): MPI_Type_size gives MPI_UNDEFINED,
  // it is never committed (so communication refuses it) and cannot be committed.
  bool is_unsupported() const { return unsupported_; }
  // True when this type or one it is built from is unsupported (walks the signature).
  bool uses_unsupported() const;

  // True when `count` elements of this type are one gap-free run of count*size() bytes
  // starting at buf + true_lb(). Every predefined type except the pair types with padding
  // (MPI_SHORT_INT, MPI_DOUBLE_INT, MPI_LONG_INT, MPI_LONG_DOUBLE_INT) is contiguous.
  bool is_contiguous() const { return contiguous_; }

  // Partial pack/unpack over the packed byte stream of `count` elements, for pipelined
  // transfers: pack copies bytes [offset, offset+length) of the stream into `out`; unpack
  // writes `length` stream bytes starting at stream position `offset` into buf.
  // offset + length must not exceed count * size().
  void pack(const void* buf, size_t count, size_t offset, void* out, size_t length) const;
  void unpack(const void* in, size_t length, void* buf, size_t count, size_t offset) const;

  // Number of basic (predefined) elements in the first `bytes` bytes of the packed stream,
  // or -1 when `bytes` ends in the middle of a basic element (MPI_Get_elements →
  // MPI_UNDEFINED). The pair types count as two basic elements each.
  int64_t count_basic_elements(int64_t bytes) const;
  // The inverse, for MPI_Status_set_elements: the stream bytes holding the first
  // `elements` basic elements. -1 when the type has no basic elements but `elements` > 0.
  int64_t bytes_of_basic_elements(int64_t elements) const;
  // Basic elements in one element of this type.
  uint64_t basic_elements() const;

  // The one predefined type this type is built from if it is made of a single predefined
  // type (e.g. contiguous of MPI_INT → MPI_INT's Datatype), else nullptr. The pair types
  // (MPI_2INT, MPI_DOUBLE_INT, ...) count as one predefined type here, for MINLOC/MAXLOC.
  const Datatype* uniform_basic_type() const { return shape_.uniform; }

  MPI_Datatype handle() const;  // its MPI handle (predefined value or pointer)
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  int combiner() const { return contents_.combiner; }
  // The constructor's arguments (MPI_Type_get_contents). The type keeps each datatype in
  // `contents.types` alive (one reference each) until it is deleted itself, so the user may
  // free the types a derived type was built from.
  void set_contents(datatype_internal::Contents contents);
  const datatype_internal::Contents& contents() const { return contents_; }
  // Types that live for the whole process although their handles are not in the predefined
  // range: those of MPI_Type_create_f90_*, which the standard calls predefined (committed;
  // MPI_Type_free only clears the caller's handle).
  bool is_permanent() const { return permanent_; }
  void set_permanent();

  // Attribute values by key (MPI_Type_set_attr); datatype/type_attributes.h runs the
  // callbacks.
  std::map<int, void*>& attributes() { return attributes_; }

  uint64_t alignment() const { return shape_.alignment; }
  bool has_explicit_lb() const { return shape_.explicit_lb; }
  bool has_explicit_ub() const { return shape_.explicit_ub; }
  const datatype_internal::Shape& shape() const { return shape_; }

 private:
  friend struct datatype_internal::PredefinedTable;  // completes the basic types' signatures

  datatype_internal::Shape shape_;
  MPI_Datatype predefined_handle_ = nullptr;
  std::string name_;
  datatype_internal::Contents contents_;
  std::map<int, void*> attributes_;
  bool committed_ = false;
  bool unsupported_ = false;
  bool contiguous_ = false;
  bool permanent_ = false;
};

// The Datatype behind a handle: nullptr for MPI_DATATYPE_NULL or an invalid handle.
Datatype* datatype_from_handle(MPI_Datatype handle);

// Validation used by every communication call: fails with MPI_ERR_TYPE and a message that
// names the call, the argument and the value when the handle is MPI_DATATYPE_NULL, invalid
// or not committed.
Status check_datatype(const char* call, const char* argument, MPI_Datatype handle, Datatype** out);
// The same without the commit requirement (type constructors, queries).
Status find_datatype(const char* call, const char* argument, MPI_Datatype handle, Datatype** out);

// ---- constructors of derived types ------------------------------------------------------
// Each checks the values of its arguments (negative counts, sizes that overflow) with
// messages naming `call`, and on success stores a new uncommitted type holding one reference
// in *out. Strides and displacements of the h-forms are in bytes, the others in extents of
// `old`.
Status type_contiguous(const char* call, int64_t count, const Datatype& old, Datatype** out);
Status type_vector(const char* call, int64_t count, int64_t blocklength, int64_t stride,
                   const Datatype& old, Datatype** out);
Status type_hvector(const char* call, int64_t count, int64_t blocklength, MPI_Aint stride,
                    const Datatype& old, Datatype** out);
Status type_indexed(const char* call, std::span<const int64_t> blocklengths,
                    std::span<const int64_t> displacements, const Datatype& old, Datatype** out);
Status type_hindexed(const char* call, std::span<const int64_t> blocklengths,
                     std::span<const MPI_Aint> displacements, const Datatype& old, Datatype** out);
Status type_indexed_block(const char* call, int64_t blocklength,
                          std::span<const int64_t> displacements, const Datatype& old,
                          Datatype** out);
Status type_hindexed_block(const char* call, int64_t blocklength,
                           std::span<const MPI_Aint> displacements, const Datatype& old,
                           Datatype** out);
Status type_struct(const char* call, std::span<const int64_t> blocklengths,
                   std::span<const MPI_Aint> displacements, std::span<const Datatype* const> types,
                   Datatype** out);
// order is MPI_ORDER_C or MPI_ORDER_FORTRAN.
Status type_subarray(const char* call, std::span<const int64_t> sizes,
                     std::span<const int64_t> subsizes, std::span<const int64_t> starts, int order,
                     const Datatype& old, Datatype** out);
Status type_resized(const char* call, const Datatype& old, MPI_Aint lb, MPI_Aint extent,
                    Datatype** out);
Status type_dup(const char* call, const Datatype& old, Datatype** out);
// A new type equal to `type` (same layout, contents and committed state), without its name
// and attributes: what MPI_Type_get_contents hands out for a derived type.
Datatype* type_copy(const Datatype& type);
// MPI_Type_create_darray: the part of a `gsizes` array of `old` that process `rank` of `size`
// owns, with the array distributed over a row-major grid of `psizes` processes. distribs
// are MPI_DISTRIBUTE_BLOCK, _CYCLIC or _NONE; dargs a positive block size or
// MPI_DISTRIBUTE_DFLT_DARG; order MPI_ORDER_C or MPI_ORDER_FORTRAN.
Status type_darray(const char* call, int size, int rank, std::span<const int64_t> gsizes,
                   std::span<const int> distribs, std::span<const int> dargs,
                   std::span<const int> psizes, int order, const Datatype& old, Datatype** out);

// MPI_Type_create_f90_integer/real/complex (combiner MPI_COMBINER_F90_*; p is ignored for
// integers): the same permanent type for the same arguments.
Status type_f90(const char* call, int combiner, int p, int r, Datatype** out);
// MPI_Type_match_size: the predefined Fortran type of `typeclass` with `size` bytes.
Status type_match_size(const char* call, int typeclass, int size, const Datatype** out);
// MPI_Type_get_value_index: the predefined pair type of (value, index), or MPI_DATATYPE_NULL.
MPI_Datatype value_index_type(MPI_Datatype value, MPI_Datatype index);

// The predefined type behind a handle value in 0x201..0x2ff (the standard ABI's datatype
// range), or nullptr.
const Datatype* predefined_datatype(MPI_Datatype handle);

}  // namespace weft
