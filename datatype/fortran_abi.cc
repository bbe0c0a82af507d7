// The Fortran ABI registration: validation, the registered state and the seal. The datatypes
// and kernels that follow it are re-pointed by datatype_predefined.cc and reduce_ops.cc.
#include "datatype/fortran_abi.h"

#include <bit>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace weft::fortran_abi {

const OptionalType kOptional[kOptionalTypes] = {
    {"mpi_logical1_supported", MPI_LOGICAL1},   {"mpi_logical2_supported", MPI_LOGICAL2},
    {"mpi_logical4_supported", MPI_LOGICAL4},   {"mpi_logical8_supported", MPI_LOGICAL8},
    {"mpi_logical16_supported", MPI_LOGICAL16}, {"mpi_integer1_supported", MPI_INTEGER1},
    {"mpi_integer2_supported", MPI_INTEGER2},   {"mpi_integer4_supported", MPI_INTEGER4},
    {"mpi_integer8_supported", MPI_INTEGER8},   {"mpi_integer16_supported", MPI_INTEGER16},
    {"mpi_real2_supported", MPI_REAL2},         {"mpi_real4_supported", MPI_REAL4},
    {"mpi_real8_supported", MPI_REAL8},         {"mpi_real16_supported", MPI_REAL16},
    {"mpi_complex4_supported", MPI_COMPLEX4},   {"mpi_complex8_supported", MPI_COMPLEX8},
    {"mpi_complex16_supported", MPI_COMPLEX16}, {"mpi_complex32_supported", MPI_COMPLEX32},
    {"mpi_double_complex_supported", MPI_DOUBLE_COMPLEX},
};

namespace internal {
std::atomic<int64_t> g_true[4] = {1, 1, 1, 1};
std::atomic<int64_t> g_false[4] = {0, 0, 0, 0};
}  // namespace internal

namespace {

constexpr size_t kMaxLogicalSize = 16;

struct Booleans {
  unsigned char true_bytes[kMaxLogicalSize] = {};
  unsigned char false_bytes[kMaxLogicalSize] = {};
  bool is_set = false;
};

// Everything below is guarded by g_mutex. Readers on hot paths never take it: they read the
// datatypes and kernels, which change only before the seal.
std::mutex g_mutex;
Description g_description;
bool g_registered = false;
bool g_sealed = false;
Booleans g_booleans[5];  // by log2 of the size: 1, 2, 4, 8, 16 bytes

struct SizeKey {
  const char* key;
  int Description::*field;
  const char* allowed;  // for messages
  bool (*valid)(long);
};

bool integer_size_valid(long n) { return n == 1 || n == 2 || n == 4 || n == 8 || n == 16; }
bool real_size_valid(long n) { return n == 2 || n == 4 || n == 8 || n == 16; }

// LOGICAL and INTEGER take the sizes of weft's LOGICALn/INTEGERn, REAL and DOUBLE PRECISION
// those of its REALn (REAL2 and REAL16 move data but have no C arithmetic).
const SizeKey kSizeKeys[] = {
    {"mpi_logical_size", &Description::logical_size, "1, 2, 4, 8 or 16", integer_size_valid},
    {"mpi_integer_size", &Description::integer_size, "1, 2, 4, 8 or 16", integer_size_valid},
    {"mpi_real_size", &Description::real_size, "2, 4, 8 or 16", real_size_valid},
    {"mpi_double_precision_size", &Description::double_precision_size, "2, 4, 8 or 16",
     real_size_valid},
};

std::string trimmed(const std::string& text) {
  const char* spaces = " \t\n\r\f\v";
  const size_t first = text.find_first_not_of(spaces);
  if (first == std::string::npos) return std::string();
  const size_t last = text.find_last_not_of(spaces);
  return text.substr(first, last - first + 1);
}

bool parse_size(const std::string& text, long* out) {
  const std::string value = trimmed(text);
  if (value.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = n;
  return true;
}

bool parse_flag(const std::string& text, bool* out) {
  std::string value = trimmed(text);
  for (char& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (value == "true") {
    *out = true;
    return true;
  }
  if (value == "false") {
    *out = false;
    return true;
  }
  return false;
}

Status closed_error(const char* call) {
  return error(MPI_ERR_ABI,
               "%s: MPI is already initialized (MPI_Init, MPI_Init_thread or MPI_Session_init "
               "ran): the Fortran datatypes are fixed once communication can start, so the "
               "Fortran ABI must be registered before (MPI_Abi_get_fortran_info returns the "
               "properties in force)",
               call);
}

// Index into g_booleans, or -1 when the size is not a power of two in 1..16.
int booleans_slot(int size) {
  switch (size) {
    case 1: return 0;
    case 2: return 1;
    case 4: return 2;
    case 8: return 3;
    case 16: return 4;
    default: return -1;
  }
}

Status check_logical_size(const char* call, int size) {
  if (size <= 0 || (size & (size - 1)) != 0) {
    return error(MPI_ERR_ARG, "%s: argument logical_size=%d is not a power of two", call, size);
  }
  if (booleans_slot(size) < 0) {
    return error(MPI_ERR_ARG,
                 "%s: argument logical_size=%d: weft's Fortran LOGICAL kinds have 1, 2, 4, 8 or "
                 "16 bytes",
                 call, size);
  }
  return Status::success();
}

// The bit pattern of a LOGICAL of `size` bytes (1..8) as a sign-extended integer.
int64_t as_integer(const unsigned char* bytes, int size) {
  switch (size) {
    case 1: { int8_t v; std::memcpy(&v, bytes, 1); return v; }
    case 2: { int16_t v; std::memcpy(&v, bytes, 2); return v; }
    case 4: { int32_t v; std::memcpy(&v, bytes, 4); return v; }
    default: { int64_t v; std::memcpy(&v, bytes, 8); return v; }
  }
}

}  // namespace

Status set(const char* call, const Lookup& lookup) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_registered) {
    return error(MPI_ERR_ABI,
                 "%s: the Fortran ABI is already registered by an earlier call; only the first "
                 "call takes effect (MPI_Abi_get_fortran_info returns what it set)",
                 call);
  }
  if (g_sealed) return closed_error(call);
  // Validate everything before changing anything.
  Description next = g_description;
  std::string value;
  for (const SizeKey& key : kSizeKeys) {
    if (!lookup(key.key, &value)) continue;
    long n = 0;
    if (!parse_size(value, &n) || !key.valid(n)) {
      return error(MPI_ERR_INFO_VALUE,
                   "%s: info key %s has value \"%s\": the size in bytes must be %s", call, key.key,
                   value.c_str(), key.allowed);
    }
    next.*key.field = static_cast<int>(n);
  }
  for (size_t i = 0; i < kOptionalTypes; ++i) {
    if (!lookup(kOptional[i].key, &value)) continue;
    bool flag = false;
    if (!parse_flag(value, &flag)) {
      return error(MPI_ERR_INFO_VALUE, "%s: info key %s has value \"%s\": must be \"true\" or "
                   "\"false\"", call, kOptional[i].key, value.c_str());
    }
    next.supported[i] = flag;
  }
  datatype_internal::repoint_fortran_types(next);
  datatype_internal::repoint_fortran_kernels(next);
  g_description = next;
  g_registered = true;
  return Status::success();
}

std::optional<std::vector<std::pair<std::string, std::string>>> describe() {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_registered && !g_sealed) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> entries;
  for (const SizeKey& key : kSizeKeys) {
    entries.emplace_back(key.key, std::to_string(g_description.*key.field));
  }
  for (size_t i = 0; i < kOptionalTypes; ++i) {
    entries.emplace_back(kOptional[i].key, g_description.supported[i] ? "true" : "false");
  }
  return entries;
}

void seal() {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_sealed = true;
}

Status set_booleans(const char* call, int logical_size, const void* logical_true,
                    const void* logical_false) {
  WEFT_TRY(check_logical_size(call, logical_size));
  if (logical_true == nullptr) return error(MPI_ERR_ARG, "%s: argument logical_true is NULL", call);
  if (logical_false == nullptr) {
    return error(MPI_ERR_ARG, "%s: argument logical_false is NULL", call);
  }
  const size_t size = static_cast<size_t>(logical_size);
  if (std::memcmp(logical_true, logical_false, size) == 0) {
    return error(MPI_ERR_ARG,
                 "%s: arguments logical_true and logical_false hold the same %d-byte value; "
                 ".TRUE. and .FALSE. must differ",
                 call, logical_size);
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  Booleans& slot = g_booleans[booleans_slot(logical_size)];
  if (slot.is_set) {
    if (std::memcmp(slot.true_bytes, logical_true, size) == 0 &&
        std::memcmp(slot.false_bytes, logical_false, size) == 0) {
      return Status::success();  // the same registration again (e.g. from a second module)
    }
    return error(MPI_ERR_ABI,
                 "%s: the literals of a %d-byte LOGICAL are already registered with other "
                 "values; each size is registered once",
                 call, logical_size);
  }
  if (g_sealed) return closed_error(call);
  std::memcpy(slot.true_bytes, logical_true, size);
  std::memcpy(slot.false_bytes, logical_false, size);
  slot.is_set = true;
  if (logical_size <= 8) {
    const int kernel_slot = internal::slot_of(size);
    internal::g_true[kernel_slot].store(as_integer(slot.true_bytes, logical_size),
                                        std::memory_order_relaxed);
    internal::g_false[kernel_slot].store(as_integer(slot.false_bytes, logical_size),
                                         std::memory_order_relaxed);
  }
  return Status::success();
}

Status get_booleans(const char* call, int logical_size, void* logical_true, void* logical_false,
                    int* is_set) {
  WEFT_TRY(check_logical_size(call, logical_size));
  if (logical_true == nullptr) return error(MPI_ERR_ARG, "%s: argument logical_true is NULL", call);
  if (logical_false == nullptr) {
    return error(MPI_ERR_ARG, "%s: argument logical_false is NULL", call);
  }
  if (is_set == nullptr) return error(MPI_ERR_ARG, "%s: argument is_set is NULL", call);
  const size_t size = static_cast<size_t>(logical_size);
  std::lock_guard<std::mutex> lock(g_mutex);
  const Booleans& slot = g_booleans[booleans_slot(logical_size)];
  if (slot.is_set) {
    std::memcpy(logical_true, slot.true_bytes, size);
    std::memcpy(logical_false, slot.false_bytes, size);
  } else {
    // The literals weft uses until told otherwise: 1 and 0 in the host's byte order.
    std::memset(logical_true, 0, size);
    std::memset(logical_false, 0, size);
    const unsigned char one = 1;
    std::memcpy(static_cast<unsigned char*>(logical_true) +
                    (std::endian::native == std::endian::little ? 0 : size - 1),
                &one, 1);
  }
  *is_set = slot.is_set ? 1 : 0;
  return Status::success();
}

}  // namespace weft::fortran_abi
