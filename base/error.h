// The one error model of weft. Inside the library every fallible function returns a
// weft::Status; it is converted to an MPI error code only at the C boundary
// (api/api.h), where the communicator's error handler runs. A message always
// names the MPI call, the argument and the offending value.
#pragma once

#include <memory>
#include <string>
#include <utility>

namespace weft {

class [[nodiscard]] Status {
 public:
  Status() = default;  // success
  // A success is one int and a null pointer, so passing and dropping a Status on the hot
  // path costs next to nothing; the message only exists for failures.
  Status(int error_class, std::string message)
      : error_class_(error_class), message_(new std::string(std::move(message))) {}
  Status(const Status& other)
      : error_class_(other.error_class_),
        message_(other.message_ ? new std::string(*other.message_) : nullptr) {}
  Status(Status&& other) noexcept = default;
  Status& operator=(const Status& other) {
    if (this != &other) {
      error_class_ = other.error_class_;
      message_.reset(other.message_ ? new std::string(*other.message_) : nullptr);
    }
    return *this;
  }
  Status& operator=(Status&& other) noexcept = default;

  static Status success() { return Status(); }

  bool ok() const { return error_class_ == 0; }
  explicit operator bool() const { return ok(); }
  int error_class() const { return error_class_; }
  const std::string& message() const { return message_ ? *message_ : empty_message(); }

 private:
  static const std::string& empty_message() {
    static const std::string empty;
    return empty;
  }

  int error_class_ = 0;  // MPI_SUCCESS
  std::unique_ptr<std::string> message_;
};

// Builds a failed Status with a printf-style message, e.g.
//   return error(MPI_ERR_RANK, "MPI_Send: argument dest=%d is not a rank of a %d-process "
//                              "communicator", dest, size);
Status error(int error_class, const char* format, ...) __attribute__((format(printf, 2, 3)));

// The standard's short description of an error class ("MPI_ERR_RANK: invalid rank").
const char* error_class_text(int error_class);

// Propagates a failed Status out of the current function.
#define WEFT_TRY(expr)                  \
  do {                                  \
    ::weft::Status weft_status_ = (expr); \
    if (!weft_status_.ok()) return weft_status_; \
  } while (0)

}  // namespace weft

namespace weft {

// The predefined error classes of the standard ABI are MPI_SUCCESS .. MPI_ERR_ABI (0..62).
inline constexpr int kLastPredefinedErrorClass = 62;  // MPI_ERR_ABI
// The classes of the standard: MPI_SUCCESS..MPI_ERR_ABI and the tools interface's
// MPI_T_ERR_CANNOT_INIT..MPI_T_ERR_PVAR_NO_ATOMIC (1001..1018).
inline bool is_predefined_class(int code) {
  return (code >= 0 && code <= kLastPredefinedErrorClass) || (code >= 1001 && code <= 1018);
}

// Error classes and codes added by the program (MPI_Add_error_class/_code/_string).
// They are numbered above MPI_ERR_LASTCODE. Thread-safe.
int add_error_class();
bool add_error_code(int error_class, int* code);  // false: error_class unknown
bool set_error_string(int code, const std::string& text);  // false: code unknown/predefined
// MPI_Remove_error_class/_code/_string (MPI-4.1): nullptr once removed, else why not, as a
// phrase about the value ("still has error codes ..."). A class goes only when it has no
// codes left, a code only when its string is gone; the values are not handed out again.
const char* remove_error_class(int error_class);
const char* remove_error_code(int code);
const char* remove_error_string(int code);
// True when `code` is a predefined or added code; its class in *error_class.
bool error_code_class(int code, int* error_class);
// The program's string for an added code or class (nullptr when none).
const std::string* added_error_string(int code);
int last_used_error_code();

}  // namespace weft
