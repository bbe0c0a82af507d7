// PMI-1 wire-protocol client: how a process learns its rank and exchanges addresses
// with the others. Works with weftrun (PMI_FD or PMI_PORT, plus WEFT_PMI_KEY) and with
// MPICH's Hydra (mpiexec.mpich). Without any launcher the process is a singleton and the
// key/value store is local.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/pmi_wire.h"
#include "transport/transport.h"

namespace weft {

// One command of a spawn request (PMI-1 `mcmd=spawn`, one block per command).
struct SpawnCommand {
  std::string command;
  std::vector<std::string> argv;  // arguments after the command
  int maxprocs = 0;
  std::vector<std::pair<std::string, std::string>> info;  // keys the launcher acts on
};

// The launcher's answer once every child published its addresses, or one failed.
struct SpawnOutcome {
  bool ok = false;
  std::string kvsname;        // the children's key/value space (their job)
  int size = 0;               // children started
  std::vector<int> failed;    // per process asked for: nonzero when it did not start
  std::string message;        // why, when !ok
};

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
  const std::string& kvsname() const { return kvsname_; }
  // A process that the launcher started through a spawn request (PMI_SPAWNED).
  bool spawned() const { return spawned_; }

  // A singleton has no launcher to spawn through: this starts one behind the scenes
  // (weftrun in server mode, found next to the library or named by WEFT_WEFTRUN), which
  // adopts this process as rank 0 of a job of one. No-op when a launcher is present.
  Status ensure_server();

  // Keys are made per process ("<key>-<rank>") so any rank can read any other's value.
  Status put(const std::string& key, const std::string& value) override;
  Status get(int from_rank, const std::string& key, std::string& value) override;
  Status barrier();
  // A value another process published with put(), read from its job's key/value space.
  Status get_in(const std::string& kvsname, int from_rank, const std::string& key,
                std::string& value);
  // A value put into this job's space by the launcher (spawn preput: no rank suffix).
  Status get_preput(const std::string& key, std::string& value);
  // Starts the processes of `commands` as one new job; `preput` lands in its key/value
  // space. Returns once every child published its addresses (or one failed to start).
  // One request of weft's port and name commands (launcher/pmi_server.h), answered by
  // `expected_cmd`.
  Status call(std::string_view request_cmd, const pmi_wire::Fields& fields,
              std::string_view expected_cmd, pmi_wire::Message& reply) {
    return command(request_cmd, fields, expected_cmd, reply);
  }
  // The launcher's PMI_PORT address, for wait_port.
  Status port_address(std::string& address);
  // Waits for a message left at `port`, on a connection of its own to `address` (so this
  // one stays free for other threads meanwhile).
  // MPI_ERR_PORT after `timeout_seconds` (-1: waits as long as it takes).
  Status wait_port(const std::string& address, const std::string& port, std::string& value,
                   int timeout_seconds = -1);
  // MPI_Comm_connect's exchange with the launcher at `address` that holds `port`, which may
  // be another universe's: a connection of its own that presents the port name instead of
  // a job key, leaves `offer` at the port and waits for the answer at `reply_port`.
  // MPI_ERR_PORT, saying why, when the port is not open, closes meanwhile or its job ended.
  static Status port_exchange(const std::string& address, const std::string& port,
                              const std::string& offer, const std::string& reply_port,
                              int timeout_seconds, std::string& answer);
  Status spawn(const std::vector<SpawnCommand>& commands,
               const std::vector<std::pair<std::string, std::string>>& preput,
               SpawnOutcome& outcome);
  Status finalize();
  void abort(int code, const std::string& message);

  // Failures the launcher reports unasked (cmd=process_failed: a process of another job
  // died). notice_fd() is readable when one may have arrived (-1 without a launcher);
  // take_notices() reads what is there without blocking and hands over every notice seen
  // so far, also those that arrived while a request waited for its reply. It skips the
  // read when another thread is inside a request (that request keeps what it reads).
  struct FailureNotice {
    std::string kvsname;
    int rank = 0;
    std::string message;
  };
  int notice_fd() const { return fd_; }
  bool notices_waiting() const { return notices_waiting_.load(std::memory_order_relaxed); }
  void take_notices(std::vector<FailureNotice>& out);

 private:
  // Sends one request (built by pmi_wire::format_line) and reads the reply, which must name
  // `expected_cmd`.
  Status command(std::string_view request_cmd, const pmi_wire::Fields& fields,
                 std::string_view expected_cmd, pmi_wire::Message& reply);
  Status write_line(const std::string& line);  // a whole line, newline included
  Status handshake(const std::string& key);
  Status read_line(std::string& line);
  // The next line that is not a failure notice (those are kept for take_notices).
  Status read_reply(std::string& line);
  // Keeps `line` when it is a failure notice.
  bool keep_notice(const std::string& line);

  int fd_ = -1;
  std::string key_;  // the job key presented at init
  int rank_ = 0;
  int size_ = 1;
  int appnum_ = 0;
  int universe_size_ = -1;
  bool spawned_ = false;
  std::string kvsname_;
  std::string read_buffer_;
  std::map<std::string, std::string> local_store_;  // singleton mode
  std::mutex io_mutex_;  // held for a whole request and its reply
  std::mutex notice_mutex_;
  std::vector<FailureNotice> notices_;
  std::atomic<bool> notices_waiting_{false};
};

}  // namespace weft
