#include "runtime/error.h"

#include <cstdarg>
#include <cstdio>

#include "mpi.h"

namespace weft {

Status error(int error_class, const char* format, ...) {
  char buffer[1024];
  va_list args;
  va_start(args, format);
  std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return Status(error_class, buffer);
}

const char* error_class_text(int error_class) {
  switch (error_class) {
    case MPI_SUCCESS: return "MPI_SUCCESS: no error";
    case MPI_ERR_BUFFER: return "MPI_ERR_BUFFER: invalid buffer pointer";
    case MPI_ERR_COUNT: return "MPI_ERR_COUNT: invalid count argument";
    case MPI_ERR_TYPE: return "MPI_ERR_TYPE: invalid datatype";
    case MPI_ERR_TAG: return "MPI_ERR_TAG: invalid tag";
    case MPI_ERR_COMM: return "MPI_ERR_COMM: invalid communicator";
    case MPI_ERR_RANK: return "MPI_ERR_RANK: invalid rank";
    case MPI_ERR_REQUEST: return "MPI_ERR_REQUEST: invalid request";
    case MPI_ERR_ROOT: return "MPI_ERR_ROOT: invalid root";
    case MPI_ERR_GROUP: return "MPI_ERR_GROUP: invalid group";
    case MPI_ERR_OP: return "MPI_ERR_OP: invalid operation";
    case MPI_ERR_TOPOLOGY: return "MPI_ERR_TOPOLOGY: invalid topology";
    case MPI_ERR_DIMS: return "MPI_ERR_DIMS: invalid dimension argument";
    case MPI_ERR_ARG: return "MPI_ERR_ARG: invalid argument of some other kind";
    case MPI_ERR_UNKNOWN: return "MPI_ERR_UNKNOWN: unknown error";
    case MPI_ERR_TRUNCATE: return "MPI_ERR_TRUNCATE: message truncated on receive";
    case MPI_ERR_OTHER: return "MPI_ERR_OTHER: known error not in this list";
    case MPI_ERR_INTERN: return "MPI_ERR_INTERN: internal MPI (implementation) error";
    case MPI_ERR_PENDING: return "MPI_ERR_PENDING: pending request";
    case MPI_ERR_IN_STATUS: return "MPI_ERR_IN_STATUS: error code is in status";
    case MPI_ERR_INFO_KEY: return "MPI_ERR_INFO_KEY: key longer than MPI_MAX_INFO_KEY";
    case MPI_ERR_INFO_NOKEY: return "MPI_ERR_INFO_NOKEY: invalid key passed to MPI_INFO_DELETE";
    case MPI_ERR_INFO_VALUE: return "MPI_ERR_INFO_VALUE: value longer than MPI_MAX_INFO_VAL";
    case MPI_ERR_INFO: return "MPI_ERR_INFO: invalid info argument";
    case MPI_ERR_KEYVAL: return "MPI_ERR_KEYVAL: invalid key value";
    case MPI_ERR_NAME: return "MPI_ERR_NAME: invalid service name";
    case MPI_ERR_NO_MEM: return "MPI_ERR_NO_MEM: out of memory";
    case MPI_ERR_NOT_SAME: return "MPI_ERR_NOT_SAME: collective argument not identical on all processes";
    case MPI_ERR_PORT: return "MPI_ERR_PORT: invalid port name";
    case MPI_ERR_PROC_ABORTED: return "MPI_ERR_PROC_ABORTED: operation failed because a peer process aborted";
    case MPI_ERR_SERVICE: return "MPI_ERR_SERVICE: invalid service name";
    case MPI_ERR_SIZE: return "MPI_ERR_SIZE: invalid size argument";
    case MPI_ERR_SPAWN: return "MPI_ERR_SPAWN: error in spawning processes";
    case MPI_ERR_UNSUPPORTED_OPERATION: return "MPI_ERR_UNSUPPORTED_OPERATION: unsupported operation";
    case MPI_ERR_VALUE_TOO_LARGE: return "MPI_ERR_VALUE_TOO_LARGE: value is too large to store";
    case MPI_ERR_ERRHANDLER: return "MPI_ERR_ERRHANDLER: invalid error handler";
    default: return "MPI error class with no description";
  }
}

}  // namespace weft

#include <map>
#include <mutex>

namespace weft {

namespace {
struct AddedCode {
  int error_class;
  std::string text;
};
std::mutex g_added_mutex;
std::map<int, AddedCode> g_added;  // code -> class (a class maps to itself)
int g_last_code = MPI_ERR_LASTCODE;
}  // namespace

int add_error_class() {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  int code = ++g_last_code;
  g_added[code] = AddedCode{code, ""};
  return code;
}

bool add_error_code(int error_class, int* code) {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  bool predefined = error_class >= MPI_SUCCESS && error_class <= MPI_ERR_ERRHANDLER;
  auto it = g_added.find(error_class);
  if (!predefined && (it == g_added.end() || it->second.error_class != error_class)) return false;
  *code = ++g_last_code;
  g_added[*code] = AddedCode{error_class, ""};
  return true;
}

bool set_error_string(int code, const std::string& text) {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  auto it = g_added.find(code);
  if (it == g_added.end()) return false;
  it->second.text = text;
  return true;
}

bool error_code_class(int code, int* error_class) {
  if (code >= MPI_SUCCESS && code <= MPI_ERR_ERRHANDLER) {
    *error_class = code;
    return true;
  }
  std::lock_guard<std::mutex> lock(g_added_mutex);
  auto it = g_added.find(code);
  if (it == g_added.end()) return false;
  *error_class = it->second.error_class;
  return true;
}

const std::string* added_error_string(int code) {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  auto it = g_added.find(code);
  return it == g_added.end() ? nullptr : &it->second.text;
}

int last_used_error_code() {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  return g_last_code;
}

}  // namespace weft
