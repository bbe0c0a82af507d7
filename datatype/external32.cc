// external32: the native packed stream of the datatype engine, converted value by value.
//
// Packing first packs natively (Datatype::pack: the basic values in type-map order), then
// walks the type's signature, the same basic types in the same order, converting each value
// to its external form; unpacking does the reverse. Most types only change byte order; the
// ones whose external size differs from this platform's are converted with a range check.
#include "datatype/external32.h"

#include <bit>
#include <cinttypes>
#include <cstring>
#include <limits>
#include <vector>

namespace weft {

using datatype_internal::SignatureNode;

namespace {

enum class Conversion {
  kSwap,      // the same size: byte order only (per part for complex types)
  kSigned,    // a signed integer narrower outside (MPI_LONG on LP64)
  kUnsigned,  // an unsigned integer narrower outside (MPI_UNSIGNED_LONG, MPI_WCHAR)
  kBool,      // one byte, 0 or 1
  kQuad,      // long double to and from IEEE binary128
};

struct Rule {
  Conversion conversion = Conversion::kSwap;
  uint32_t native = 0;    // bytes of one part here
  uint32_t external = 0;  // bytes of one part in external32
  uint32_t parts = 1;     // 2 for the complex types
};

bool is_complex(MPI_Datatype h) {
  for (MPI_Datatype c :
       {MPI_C_FLOAT_COMPLEX, MPI_C_DOUBLE_COMPLEX, MPI_C_LONG_DOUBLE_COMPLEX, MPI_CXX_FLOAT_COMPLEX,
        MPI_CXX_DOUBLE_COMPLEX, MPI_CXX_LONG_DOUBLE_COMPLEX, MPI_COMPLEX, MPI_DOUBLE_COMPLEX,
        MPI_COMPLEX4, MPI_COMPLEX8, MPI_COMPLEX16, MPI_COMPLEX32}) {
    if (h == c) return true;
  }
  return false;
}

Rule rule_for(const Datatype& basic) {
  const MPI_Datatype h = basic.handle();
  Rule rule;
  rule.parts = is_complex(h) ? 2 : 1;
  rule.native = static_cast<uint32_t>(basic.size() / rule.parts);
  rule.external = rule.native;
  if (h == MPI_LONG) {
    rule.conversion = Conversion::kSigned;
    rule.external = 4;
  } else if (h == MPI_UNSIGNED_LONG) {
    rule.conversion = Conversion::kUnsigned;
    rule.external = 4;
  } else if (h == MPI_WCHAR) {
    rule.conversion = Conversion::kUnsigned;
    rule.external = 2;
  } else if (h == MPI_C_BOOL || h == MPI_CXX_BOOL) {
    rule.conversion = Conversion::kBool;
    rule.external = 1;
  } else if (h == MPI_LONG_DOUBLE || h == MPI_C_LONG_DOUBLE_COMPLEX ||
             h == MPI_CXX_LONG_DOUBLE_COMPLEX) {
    rule.conversion = Conversion::kQuad;
    rule.external = 16;
  }
  if (rule.conversion != Conversion::kQuad && rule.conversion != Conversion::kBool &&
      rule.native == rule.external) {
    rule.conversion = Conversion::kSwap;  // e.g. MPI_LONG where long has 32 bits
  }
  return rule;
}

uint64_t external_bytes(const SignatureNode& node) {
  uint64_t bytes = 0;
  for (const auto& item : node.items) {
    if (item.child == nullptr) {
      const Rule rule = rule_for(*item.basic);
      bytes += item.count * rule.parts * rule.external;
    } else {
      bytes += item.count * external_bytes(*item.child);
    }
  }
  return bytes;
}

// Calls f(basic, n) for every run of n values of one basic type, in type-map order.
template <class F>
void each_run(const SignatureNode& node, uint64_t repetitions, F& f) {
  for (uint64_t r = 0; r < repetitions; ++r) {
    for (const auto& item : node.items) {
      if (item.child == nullptr) {
        f(*item.basic, item.count);
      } else {
        each_run(*item.child, item.count, f);
      }
    }
  }
}

constexpr bool kBigEndianHost = std::endian::native == std::endian::big;

// Copies n bytes, reversing them on a little-endian host (big-endian <-> native order).
void copy_ordered(unsigned char* to, const unsigned char* from, size_t n) {
  if (kBigEndianHost) {
    std::memcpy(to, from, n);
  } else {
    for (size_t i = 0; i < n; ++i) to[i] = from[n - 1 - i];
  }
}

// An unsigned integer of n <= 8 bytes in native order, widened.
uint64_t load_native(const unsigned char* p, size_t n) {
  uint64_t value = 0;
  unsigned char big[8] = {};
  copy_ordered(big + 8 - n, p, n);  // big-endian in the low n bytes
  for (unsigned char byte : big) value = value << 8 | byte;
  return value;
}

void store_native(unsigned char* p, size_t n, uint64_t value) {
  unsigned char big[8];
  for (int i = 7; i >= 0; --i, value >>= 8) big[i] = static_cast<unsigned char>(value);
  copy_ordered(p, big + 8 - n, n);
}

// long double <-> binary128, as (high, low) 64-bit halves of the 128-bit pattern.
constexpr int kLongDoubleDigits = std::numeric_limits<long double>::digits;
static_assert(kLongDoubleDigits == 64 || kLongDoubleDigits == 113,
              "external32 long double needs x87 extended or IEEE quad long double");

void quad_from_native(const unsigned char* p, uint64_t& high, uint64_t& low) {
  if constexpr (kLongDoubleDigits == 113) {
    uint64_t halves[2];
    std::memcpy(halves, p, 16);
    high = kBigEndianHost ? halves[0] : halves[1];
    low = kBigEndianHost ? halves[1] : halves[0];
  } else {
    // x87 extended: a 64-bit mantissa with an explicit integer bit, then sign and a 15-bit
    // exponent with the same bias as binary128. The 63 fraction bits head binary128's 112.
    uint64_t mantissa;
    uint16_t sign_exponent;
    std::memcpy(&mantissa, p, 8);
    std::memcpy(&sign_exponent, p + 8, 2);
    const uint64_t fraction = mantissa & ~(uint64_t{1} << 63);
    high = uint64_t{sign_exponent} << 48 | fraction >> 15;
    low = fraction << 49;
  }
}

void quad_to_native(uint64_t high, uint64_t low, unsigned char* p) {
  if constexpr (kLongDoubleDigits == 113) {
    const uint64_t halves[2] = {kBigEndianHost ? high : low, kBigEndianHost ? low : high};
    std::memcpy(p, halves, 16);
  } else {
    const auto sign_exponent = static_cast<uint16_t>(high >> 48);
    const uint64_t fraction = (high & 0xffffffffffffULL) << 15 | low >> 49;
    // The integer bit is explicit in x87: set for normal numbers, infinities and NaNs.
    const bool normal = (sign_exponent & 0x7fff) != 0;
    const uint64_t mantissa = fraction | (normal ? uint64_t{1} << 63 : 0);
    std::memset(p, 0, sizeof(long double));
    std::memcpy(p, &mantissa, 8);
    std::memcpy(p + 8, &sign_exponent, 2);
  }
}

class Converter {
 public:
  Converter(const char* call, unsigned char* native, unsigned char* external, bool to_external)
      : call_(call), native_(native), external_(external), to_external_(to_external) {}

  void operator()(const Datatype& basic, uint64_t count) {
    if (!status_.ok()) return;
    const Rule rule = rule_for(basic);
    const uint64_t values = count * rule.parts;
    for (uint64_t i = 0; i < values && status_.ok(); ++i) {
      convert(basic, rule);
      native_ += rule.native;
      external_ += rule.external;
      ++index_;
    }
  }

  const Status& status() const { return status_; }

 private:
  void convert(const Datatype& basic, const Rule& rule) {
    switch (rule.conversion) {
      case Conversion::kSwap:
        if (to_external_) {
          copy_ordered(external_, native_, rule.native);
        } else {
          copy_ordered(native_, external_, rule.native);
        }
        return;
      case Conversion::kBool:
        if (to_external_) {
          *external_ = *native_ != 0 ? 1 : 0;
        } else {
          *native_ = *external_ != 0 ? 1 : 0;
        }
        return;
      case Conversion::kSigned:
      case Conversion::kUnsigned:
        narrow(basic, rule);
        return;
      case Conversion::kQuad: {
        uint64_t high = 0, low = 0;
        if (to_external_) {
          quad_from_native(native_, high, low);
          copy_ordered(external_, reinterpret_cast<const unsigned char*>(&high), 8);
          copy_ordered(external_ + 8, reinterpret_cast<const unsigned char*>(&low), 8);
        } else {
          copy_ordered(reinterpret_cast<unsigned char*>(&high), external_, 8);
          copy_ordered(reinterpret_cast<unsigned char*>(&low), external_ + 8, 8);
          quad_to_native(high, low, native_);
        }
        return;
      }
    }
  }

  // An integer whose external form is narrower than the native one.
  void narrow(const Datatype& basic, const Rule& rule) {
    const bool is_signed = rule.conversion == Conversion::kSigned;
    const unsigned bits = rule.external * 8;
    if (to_external_) {
      const uint64_t raw = load_native(native_, rule.native);
      bool fits;
      if (is_signed) {
        const auto value =
            static_cast<int64_t>(raw << (64 - rule.native * 8)) >> (64 - rule.native * 8);
        const int64_t limit = int64_t{1} << (bits - 1);
        fits = value >= -limit && value < limit;
      } else {
        fits = raw >> bits == 0;
      }
      if (!fits) {
        status_ = error(MPI_ERR_CONVERSION,
                        "%s: value %" PRIu64 " of basic element %" PRIu64
                        " (%s) does not fit the %u bytes external32 gives it",
                        call_, raw, index_, basic.name().c_str(), rule.external);
        return;
      }
      unsigned char big[8];
      uint64_t value = raw;
      for (int i = 7; i >= 0; --i, value >>= 8) big[i] = static_cast<unsigned char>(value);
      std::memcpy(external_, big + 8 - rule.external, rule.external);
    } else {
      uint64_t value = 0;
      for (uint32_t i = 0; i < rule.external; ++i) value = value << 8 | external_[i];
      if (is_signed && (value >> (bits - 1)) != 0) value |= ~uint64_t{0} << bits;  // sign
      store_native(native_, rule.native, value);
    }
  }

  const char* call_;
  unsigned char* native_;
  unsigned char* external_;
  bool to_external_;
  uint64_t index_ = 0;
  Status status_;
};

}  // namespace

uint64_t external32_size(const Datatype& type, uint64_t count) {
  return count * external_bytes(*type.shape().signature);
}

Status pack_external32(const char* call, const void* buf, uint64_t count, const Datatype& type,
                       void* out) {
  std::vector<unsigned char> native(count * type.size());
  type.pack(buf, count, 0, native.data(), native.size());
  Converter converter(call, native.data(), static_cast<unsigned char*>(out), true);
  each_run(*type.shape().signature, count, converter);
  return converter.status();
}

Status unpack_external32(const char* call, const void* in, void* buf, uint64_t count,
                         const Datatype& type) {
  std::vector<unsigned char> native(count * type.size());
  Converter converter(call, native.data(), static_cast<unsigned char*>(const_cast<void*>(in)),
                      false);
  each_run(*type.shape().signature, count, converter);
  WEFT_TRY(converter.status());
  type.unpack(native.data(), native.size(), buf, count, 0);
  return Status::success();
}

}  // namespace weft
