// Info objects (MPI-4.0 chapter 10): ordered (key, value) string pairs that carry hints to
// calls such as MPI_Comm_spawn. Keys keep the order in which they were first set, so
// MPI_Info_get_nthkey enumerates them predictably, and setting a present key replaces its
// value in place. Keys and values are case sensitive and compared exactly.
//
// Info calls are legal before MPI_Init and after MPI_Finalize, so nothing here touches the
// library's process state. The standard leaves concurrent use of one info object from
// several threads to the program, so objects carry no lock.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/object.h"
#include "mpi.h"

namespace weft {

class Info : public Object {
 public:
  static constexpr ObjectKind kKind = ObjectKind::kInfo;

  Info();
  ~Info() override;

  // Adds the key at the end, or replaces the value of a present key where it stands.
  void set(const std::string& key, const std::string& value);
  // False (and `value` untouched) when the key is absent.
  bool get(const std::string& key, std::string& value) const;
  // False when the key was absent.
  bool erase(const std::string& key);

  int size() const { return static_cast<int>(entries_.size()); }
  // The n-th key in insertion order; `n` must be in [0, size()).
  const std::string& key_at(int n) const { return entries_[n].first; }

  // A new object (one reference owned by the caller) with the same pairs in the same order.
  Info* clone() const;

  // MPI_INFO_ENV for the predefined environment object, else the object's address.
  MPI_Info handle();
  // True for MPI_INFO_ENV, which programs may read but not change or free.
  bool is_predefined() const;

 private:
  std::vector<std::pair<std::string, std::string>>::const_iterator find(
      const std::string& key) const;

  std::vector<std::pair<std::string, std::string>> entries_;
};

// MPI_INFO_ENV resolves to the environment object; MPI_INFO_NULL, other predefined values
// and handles of other kinds give nullptr.
Info* info_from_handle(MPI_Info handle);

// An info argument that carries hints (`info(null)` in api/mpi.api): MPI_INFO_NULL gives
// *out = nullptr (no hints); any other value must be a live info object [MPI_ERR_INFO].
Status resolve_hints(const char* call, MPI_Info handle, Info** out);

// The object behind MPI_INFO_ENV, built on first use (make_env_info of the process's own
// command line, from /proc/self/cmdline). Values longer than MPI_MAX_INFO_VAL - 1
// characters are truncated.
Info* env_info();

// What MPI_INFO_ENV and MPI_Info_create_env hold, built from `arguments` (argv[0] first;
// empty: the process's own command line): "command", "argv", "maxprocs" (the job's size as
// the launcher gave it in PMI_SIZE, 1 without a launcher), "host", "arch", "wdir". "soft",
// "file" and "thread_level" describe launch options weftrun does not take, so they are
// absent. The answer is the same before MPI_Init, while running and after MPI_Finalize.
// A new object, one reference owned by the caller.
Info* make_env_info(const std::vector<std::string>& arguments);

// Validation of C strings at the API boundary. Each reads at most one character past the
// longest legal string, so an unterminated buffer is not read beyond that, and on success
// stores the string in *out.
//   key: NULL, empty or longer than MPI_MAX_INFO_KEY - 1 characters -> MPI_ERR_INFO_KEY
//   value: NULL or longer than MPI_MAX_INFO_VAL - 1 characters     -> MPI_ERR_INFO_VALUE
Status read_info_key(const char* call, const char* key, std::string* out);
Status read_info_value(const char* call, const char* value, std::string* out);

// Copies `text` into `buffer`, which holds `capacity` bytes including the terminator:
// at most capacity - 1 characters, always terminated. Nothing is written when capacity
// is 0.
void copy_truncated(std::string_view text, char* buffer, size_t capacity);

}  // namespace weft
