// PMI-1 wire-protocol client: how a process learns its rank and exchanges addresses
// with the others. Works with weftrun (PMI_FD or PMI_PORT, plus WEFT_PMI_KEY) and with
// MPICH's Hydra (mpiexec.mpich). Without any launcher the process is a singleton and the
// key/value store is local.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/pmi_wire.h"
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
  // Sends one request (built by pmi_wire::format_line) and reads the reply, which must name
  // `expected_cmd`.
  Status command(std::string_view request_cmd, const pmi_wire::Fields& fields,
                 std::string_view expected_cmd, pmi_wire::Message& reply);
  Status write_line(const std::string& line);  // a whole line, newline included
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

}  // namespace weft
