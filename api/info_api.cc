// C entry points of the info calls (MPI-4.0 chapter 10). MPI-4 allows them before MPI_Init
// and after MPI_Finalize, so unlike the other entry points they do not require an
// initialized library.
#include <cstddef>
#include <string>
#include <vector>

#include "api/api.h"
#include "mpi.h"
#include "mpi/info.h"

namespace {

using weft::Info;
using weft::Status;

template <class Body>
int run(const char* call, Body body) {
  return weft::api::finish(call, nullptr, body());
}

Status resolve(const char* call, MPI_Info handle, Info** info) {
  Info* resolved = weft::info_from_handle(handle);
  if (resolved == nullptr) {
    if (handle == MPI_INFO_NULL) {
      return weft::error(MPI_ERR_INFO, "%s: argument info is MPI_INFO_NULL", call);
    }
    return weft::error(MPI_ERR_INFO, "%s: argument info=%p is not a valid info handle", call,
                       static_cast<void*>(handle));
  }
  *info = resolved;
  return Status::success();
}

// MPI_INFO_ENV describes how the process was started; it is shared by every part of the
// program, so changing it is refused rather than letting one library rewrite another's
// view of the environment. Programs that want to edit it duplicate it first.
Status resolve_mutable(const char* call, MPI_Info handle, Info** info) {
  WEFT_TRY(resolve(call, handle, info));
  if ((*info)->is_predefined()) {
    return weft::error(MPI_ERR_INFO,
                       "%s: argument info is MPI_INFO_ENV, which is predefined and cannot be "
                       "changed or freed (MPI_Info_dup makes an editable copy)",
                       call);
  }
  return Status::success();
}

Status require_pointer(const char* call, const char* argument, const void* pointer) {
  if (pointer == nullptr) {
    return weft::error(MPI_ERR_ARG, "%s: argument %s is NULL", call, argument);
  }
  return Status::success();
}

}  // namespace

extern "C" int PMPI_Info_create(MPI_Info* info) {
  constexpr const char* kCall = "MPI_Info_create";
  return run(kCall, [&]() -> Status {
    WEFT_TRY(require_pointer(kCall, "info", info));
    *info = (new Info())->handle();
    return Status::success();
  });
}

extern "C" int PMPI_Info_set(MPI_Info info, const char* key, const char* value) {
  constexpr const char* kCall = "MPI_Info_set";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve_mutable(kCall, info, &resolved));
    std::string key_text;
    std::string value_text;
    WEFT_TRY(weft::read_info_key(kCall, key, &key_text));
    WEFT_TRY(weft::read_info_value(kCall, value, &value_text));
    resolved->set(key_text, value_text);
    return Status::success();
  });
}

// Deprecated in MPI-4 in favour of MPI_Info_get_string, still widely used. `valuelen` is
// the number of characters the buffer holds besides the terminator.
extern "C" int PMPI_Info_get(MPI_Info info, const char* key, int valuelen, char* value, int* flag) {
  constexpr const char* kCall = "MPI_Info_get";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve(kCall, info, &resolved));
    std::string key_text;
    WEFT_TRY(weft::read_info_key(kCall, key, &key_text));
    if (valuelen < 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument valuelen=%d is negative", kCall, valuelen);
    }
    WEFT_TRY(require_pointer(kCall, "value", value));
    WEFT_TRY(require_pointer(kCall, "flag", flag));
    std::string found;
    if (!resolved->get(key_text, found)) {
      *flag = 0;
      return Status::success();
    }
    weft::copy_truncated(found, value, static_cast<size_t>(valuelen) + 1);
    *flag = 1;
    return Status::success();
  });
}

extern "C" int PMPI_Info_get_valuelen(MPI_Info info, const char* key, int* valuelen, int* flag) {
  constexpr const char* kCall = "MPI_Info_get_valuelen";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve(kCall, info, &resolved));
    std::string key_text;
    WEFT_TRY(weft::read_info_key(kCall, key, &key_text));
    WEFT_TRY(require_pointer(kCall, "valuelen", valuelen));
    WEFT_TRY(require_pointer(kCall, "flag", flag));
    std::string found;
    if (!resolved->get(key_text, found)) {
      *flag = 0;
      return Status::success();
    }
    *valuelen = static_cast<int>(found.size());
    *flag = 1;
    return Status::success();
  });
}

// MPI-4: *buflen is the buffer size including the terminator on entry and the size the
// whole value needs on return; a short buffer receives a truncated, terminated value, and
// a zero *buflen asks only for the size (value may then be NULL).
extern "C" int PMPI_Info_get_string(MPI_Info info, const char* key, int* buflen, char* value,
                                    int* flag) {
  constexpr const char* kCall = "MPI_Info_get_string";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve(kCall, info, &resolved));
    std::string key_text;
    WEFT_TRY(weft::read_info_key(kCall, key, &key_text));
    WEFT_TRY(require_pointer(kCall, "buflen", buflen));
    if (*buflen < 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument *buflen=%d is negative", kCall, *buflen);
    }
    if (*buflen > 0) WEFT_TRY(require_pointer(kCall, "value", value));
    WEFT_TRY(require_pointer(kCall, "flag", flag));
    std::string found;
    if (!resolved->get(key_text, found)) {
      *flag = 0;
      return Status::success();
    }
    weft::copy_truncated(found, value, static_cast<size_t>(*buflen));
    *buflen = static_cast<int>(found.size()) + 1;
    *flag = 1;
    return Status::success();
  });
}

extern "C" int PMPI_Info_delete(MPI_Info info, const char* key) {
  constexpr const char* kCall = "MPI_Info_delete";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve_mutable(kCall, info, &resolved));
    std::string key_text;
    WEFT_TRY(weft::read_info_key(kCall, key, &key_text));
    if (!resolved->erase(key_text)) {
      return weft::error(MPI_ERR_INFO_NOKEY, "%s: argument key=\"%s\" is not in the info object",
                         kCall, key_text.c_str());
    }
    return Status::success();
  });
}

extern "C" int PMPI_Info_get_nkeys(MPI_Info info, int* nkeys) {
  constexpr const char* kCall = "MPI_Info_get_nkeys";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve(kCall, info, &resolved));
    WEFT_TRY(require_pointer(kCall, "nkeys", nkeys));
    *nkeys = resolved->size();
    return Status::success();
  });
}

// `key` must hold MPI_MAX_INFO_KEY characters; every stored key fits, terminator included.
extern "C" int PMPI_Info_get_nthkey(MPI_Info info, int n, char* key) {
  constexpr const char* kCall = "MPI_Info_get_nthkey";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve(kCall, info, &resolved));
    if (n < 0 || n >= resolved->size()) {
      return weft::error(MPI_ERR_ARG,
                         "%s: argument n=%d is not in [0, %d), the number of keys of the info "
                         "object",
                         kCall, n, resolved->size());
    }
    WEFT_TRY(require_pointer(kCall, "key", key));
    weft::copy_truncated(resolved->key_at(n), key, MPI_MAX_INFO_KEY);
    return Status::success();
  });
}

extern "C" int PMPI_Info_dup(MPI_Info info, MPI_Info* newinfo) {
  constexpr const char* kCall = "MPI_Info_dup";
  return run(kCall, [&]() -> Status {
    Info* resolved = nullptr;
    WEFT_TRY(resolve(kCall, info, &resolved));
    WEFT_TRY(require_pointer(kCall, "newinfo", newinfo));
    *newinfo = resolved->clone()->handle();
    return Status::success();
  });
}

extern "C" int PMPI_Info_free(MPI_Info* info) {
  constexpr const char* kCall = "MPI_Info_free";
  return run(kCall, [&]() -> Status {
    WEFT_TRY(require_pointer(kCall, "info", info));
    Info* resolved = nullptr;
    WEFT_TRY(resolve_mutable(kCall, *info, &resolved));
    resolved->release();
    *info = MPI_INFO_NULL;
    return Status::success();
  });
}

// The standard ABI's own calls (MPI-5.0 chapter "Application Binary Interface"). Both may be
// called at any time, like MPI_Get_version: a program asks which ABI it runs on before it
// decides how to start.
extern "C" int PMPI_Abi_get_version(int* abi_major, int* abi_minor) {
  constexpr const char* kCall = "MPI_Abi_get_version";
  return run(kCall, [&]() -> Status {
    WEFT_TRY(require_pointer(kCall, "abi_major", abi_major));
    WEFT_TRY(require_pointer(kCall, "abi_minor", abi_minor));
    *abi_major = MPI_ABI_VERSION;
    *abi_minor = MPI_ABI_SUBVERSION;
    return Status::success();
  });
}

extern "C" int PMPI_Abi_get_info(MPI_Info* info) {
  constexpr const char* kCall = "MPI_Abi_get_info";
  return run(kCall, [&]() -> Status {
    WEFT_TRY(require_pointer(kCall, "info", info));
    auto* result = new Info();
    result->set("mpi_aint_size", std::to_string(sizeof(MPI_Aint)));
    result->set("mpi_count_size", std::to_string(sizeof(MPI_Count)));
    result->set("mpi_offset_size", std::to_string(sizeof(MPI_Offset)));
    *info = result->handle();
    return Status::success();
  });
}

// MPI-4.0: the MPI_INFO_ENV keys for a program that has not called MPI_Init yet (or
// started MPI through sessions), from the argc/argv it received (mpi/info.h lists them).
extern "C" int PMPI_Info_create_env(int argc, char* argv[], MPI_Info* info) {
  constexpr const char* kCall = "MPI_Info_create_env";
  return run(kCall, [&]() -> Status {
    WEFT_TRY(require_pointer(kCall, "info", info));
    if (argc < 0) {
      return weft::error(MPI_ERR_ARG, "%s: argument argc=%d is negative", kCall, argc);
    }
    std::vector<std::string> arguments;
    if (argv != nullptr) {
      for (int i = 0; i < argc && argv[i] != nullptr; ++i) arguments.emplace_back(argv[i]);
    }
    *info = weft::make_env_info(arguments)->handle();
    return Status::success();
  });
}
