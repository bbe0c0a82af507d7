// PMI-1 wire-protocol client: how a process learns its rank and exchanges addresses
// with the others. Works with weftrun (PMI_FD or PMI_PORT, plus WEFT_PMI_KEY) and with
// MPICH's Hydra (mpiexec.mpich). Without any launcher the process is a singleton and the
// key/value store is local.
#pragma once

#include <map>
#include <string>

#include "base/error.h"
#include "transport/transport.h"

namespace weft {

class PmiClient final : public transport::Bootstrap {
 public:
  PmiClient() = default;
  ~PmiClient() override;

  Status init();
  bool singleton() const { return fd_ < 0; }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int appnum() const { return appnum_; }
  int universe_size() const { return universe_size_; }  // -1: not given by the user

  // Keys are made per process ("<key>-<rank>") so any rank can read any other's value.
  Status put(const std::string& key, const std::string& value) override;
  Status get(int from_rank, const std::string& key, std::string& value) override;
  Status barrier();
  Status finalize();
  void abort(int code, const std::string& message);

 private:
  Status command(const std::string& line, const std::string& expected_cmd,
                 std::map<std::string, std::string>& reply);
  Status write_line(const std::string& line);
  Status read_line(std::string& line);

  int fd_ = -1;
  int rank_ = 0;
  int size_ = 1;
  int appnum_ = 0;
  int universe_size_ = -1;
  std::string kvsname_;
  std::string read_buffer_;
  std::map<std::string, std::string> local_store_;  // singleton mode
};

// Splits "cmd=put key=a value=b" into its fields. Exposed for unit tests.
std::map<std::string, std::string> parse_pmi_line(const std::string& line);

}  // namespace weft
