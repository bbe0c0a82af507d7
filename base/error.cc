#include "base/error.h"

#include <cstdarg>
#include <cstdio>

#include "mpi.h"

namespace weft {

static_assert(kLastPredefinedErrorClass == MPI_ERR_ABI);

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
    case MPI_ERR_ACCESS: return "MPI_ERR_ACCESS: permission denied";
    case MPI_ERR_AMODE: return "MPI_ERR_AMODE: invalid file access mode";
    case MPI_ERR_ASSERT: return "MPI_ERR_ASSERT: invalid assertion argument";
    case MPI_ERR_BAD_FILE: return "MPI_ERR_BAD_FILE: invalid file name";
    case MPI_ERR_BASE: return "MPI_ERR_BASE: invalid base argument";
    case MPI_ERR_CONVERSION: return "MPI_ERR_CONVERSION: error in a data conversion function";
    case MPI_ERR_DISP: return "MPI_ERR_DISP: invalid displacement argument";
    case MPI_ERR_DUP_DATAREP: return "MPI_ERR_DUP_DATAREP: data representation already defined";
    case MPI_ERR_FILE_EXISTS: return "MPI_ERR_FILE_EXISTS: file exists";
    case MPI_ERR_FILE_IN_USE: return "MPI_ERR_FILE_IN_USE: file operation failed because the file is in use";
    case MPI_ERR_FILE: return "MPI_ERR_FILE: invalid file handle";
    case MPI_ERR_INFO_KEY: return "MPI_ERR_INFO_KEY: key longer than MPI_MAX_INFO_KEY";
    case MPI_ERR_INFO_NOKEY: return "MPI_ERR_INFO_NOKEY: invalid key passed to MPI_INFO_DELETE";
    case MPI_ERR_INFO_VALUE: return "MPI_ERR_INFO_VALUE: value longer than MPI_MAX_INFO_VAL";
    case MPI_ERR_INFO: return "MPI_ERR_INFO: invalid info argument";
    case MPI_ERR_IO: return "MPI_ERR_IO: other I/O error";
    case MPI_ERR_KEYVAL: return "MPI_ERR_KEYVAL: invalid key value";
    case MPI_ERR_LOCKTYPE: return "MPI_ERR_LOCKTYPE: invalid lock type";
    case MPI_ERR_NAME: return "MPI_ERR_NAME: invalid service name";
    case MPI_ERR_NO_MEM: return "MPI_ERR_NO_MEM: out of memory";
    case MPI_ERR_NOT_SAME: return "MPI_ERR_NOT_SAME: collective argument not identical on all processes";
    case MPI_ERR_NO_SPACE: return "MPI_ERR_NO_SPACE: not enough space";
    case MPI_ERR_NO_SUCH_FILE: return "MPI_ERR_NO_SUCH_FILE: file does not exist";
    case MPI_ERR_PORT: return "MPI_ERR_PORT: invalid port name";
    case MPI_ERR_QUOTA: return "MPI_ERR_QUOTA: quota exceeded";
    case MPI_ERR_READ_ONLY: return "MPI_ERR_READ_ONLY: read-only file or file system";
    case MPI_ERR_RMA_ATTACH: return "MPI_ERR_RMA_ATTACH: memory cannot be attached";
    case MPI_ERR_RMA_CONFLICT: return "MPI_ERR_RMA_CONFLICT: conflicting accesses to a window";
    case MPI_ERR_RMA_RANGE: return "MPI_ERR_RMA_RANGE: target memory is not part of the window";
    case MPI_ERR_RMA_SHARED: return "MPI_ERR_RMA_SHARED: memory cannot be shared";
    case MPI_ERR_RMA_SYNC: return "MPI_ERR_RMA_SYNC: wrong synchronization of RMA calls";
    case MPI_ERR_SERVICE: return "MPI_ERR_SERVICE: invalid service name";
    case MPI_ERR_SIZE: return "MPI_ERR_SIZE: invalid size argument";
    case MPI_ERR_SPAWN: return "MPI_ERR_SPAWN: error in spawning processes";
    case MPI_ERR_UNSUPPORTED_DATAREP: return "MPI_ERR_UNSUPPORTED_DATAREP: unsupported data representation";
    case MPI_ERR_UNSUPPORTED_OPERATION: return "MPI_ERR_UNSUPPORTED_OPERATION: unsupported operation";
    case MPI_ERR_WIN: return "MPI_ERR_WIN: invalid window";
    case MPI_ERR_RMA_FLAVOR: return "MPI_ERR_RMA_FLAVOR: wrong window flavor";
    case MPI_ERR_PROC_ABORTED: return "MPI_ERR_PROC_ABORTED: operation failed because a peer process aborted";
    case MPI_ERR_VALUE_TOO_LARGE: return "MPI_ERR_VALUE_TOO_LARGE: value is too large to store";
    case MPI_ERR_SESSION: return "MPI_ERR_SESSION: invalid session";
    case MPI_ERR_ERRHANDLER: return "MPI_ERR_ERRHANDLER: invalid error handler";
    case MPI_ERR_ABI: return "MPI_ERR_ABI: the library and the program disagree on the ABI";
    case MPI_T_ERR_CANNOT_INIT: return "MPI_T_ERR_CANNOT_INIT: the tools interface cannot be initialized";
    case MPI_T_ERR_NOT_ACCESSIBLE: return "MPI_T_ERR_NOT_ACCESSIBLE: the tools interface is not accessible now";
    case MPI_T_ERR_NOT_INITIALIZED: return "MPI_T_ERR_NOT_INITIALIZED: the tools interface is not initialized (MPI_T_init_thread)";
    case MPI_T_ERR_NOT_SUPPORTED: return "MPI_T_ERR_NOT_SUPPORTED: requested functionality not supported";
    case MPI_T_ERR_MEMORY: return "MPI_T_ERR_MEMORY: out of memory";
    case MPI_T_ERR_INVALID: return "MPI_T_ERR_INVALID: invalid use of the tools interface or bad parameter value";
    case MPI_T_ERR_INVALID_INDEX: return "MPI_T_ERR_INVALID_INDEX: index out of range";
    case MPI_T_ERR_INVALID_ITEM: return "MPI_T_ERR_INVALID_ITEM: item index of an enumeration out of range";
    case MPI_T_ERR_INVALID_SESSION: return "MPI_T_ERR_INVALID_SESSION: invalid performance variable session";
    case MPI_T_ERR_INVALID_HANDLE: return "MPI_T_ERR_INVALID_HANDLE: invalid tools interface handle";
    case MPI_T_ERR_INVALID_NAME: return "MPI_T_ERR_INVALID_NAME: no variable, category or event has this name";
    case MPI_T_ERR_OUT_OF_HANDLES: return "MPI_T_ERR_OUT_OF_HANDLES: no more handles available";
    case MPI_T_ERR_OUT_OF_SESSIONS: return "MPI_T_ERR_OUT_OF_SESSIONS: no more sessions available";
    case MPI_T_ERR_CVAR_SET_NOT_NOW: return "MPI_T_ERR_CVAR_SET_NOT_NOW: the control variable cannot be set now";
    case MPI_T_ERR_CVAR_SET_NEVER: return "MPI_T_ERR_CVAR_SET_NEVER: the control variable is fixed for the run";
    case MPI_T_ERR_PVAR_NO_WRITE: return "MPI_T_ERR_PVAR_NO_WRITE: the performance variable cannot be written or reset";
    case MPI_T_ERR_PVAR_NO_STARTSTOP: return "MPI_T_ERR_PVAR_NO_STARTSTOP: the performance variable cannot be started or stopped";
    case MPI_T_ERR_PVAR_NO_ATOMIC: return "MPI_T_ERR_PVAR_NO_ATOMIC: the performance variable cannot be read and reset atomically";
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
  bool has_text = false;  // MPI_Add_error_string was called (and not undone)
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
  bool predefined = is_predefined_class(error_class);
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
  it->second.has_text = true;
  return true;
}

const char* remove_error_class(int error_class) {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  auto it = g_added.find(error_class);
  if (it == g_added.end() || it->second.error_class != error_class) {
    return "is not an error class added by MPI_Add_error_class";
  }
  for (auto& [code, added] : g_added) {
    if (code != error_class && added.error_class == error_class) {
      return "still has error codes (remove them with MPI_Remove_error_code first)";
    }
  }
  g_added.erase(it);
  return nullptr;
}

const char* remove_error_code(int code) {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  auto it = g_added.find(code);
  if (it == g_added.end() || it->second.error_class == code) {
    return "is not an error code added by MPI_Add_error_code";
  }
  if (it->second.has_text) {
    return "still has an error string (remove it with MPI_Remove_error_string first)";
  }
  g_added.erase(it);
  return nullptr;
}

const char* remove_error_string(int code) {
  std::lock_guard<std::mutex> lock(g_added_mutex);
  auto it = g_added.find(code);
  if (it == g_added.end()) return "is not an error code or class added by the program";
  if (!it->second.has_text) return "has no error string added by MPI_Add_error_string";
  it->second.text.clear();
  it->second.has_text = false;
  return nullptr;
}

bool error_code_class(int code, int* error_class) {
  if (is_predefined_class(code)) {
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
