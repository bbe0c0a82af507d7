// The PMI-1 server: one key-value space per job, a barrier over all ranks, and the
// init / finalize / abort events the job controller acts on.
//
// Two ways in:
//  - each rank's end of a socketpair, at PMI_FD in the rank; the connection is bound to
//    that rank from the start;
//  - a loopback TCP port (PMI_PORT=127.0.0.1:<port>) for processes weftrun did not fork
//    (reserved for spawned and remote processes). Such a connection is not a rank: it
//    may read and write the key-value space but not join barriers, finalize or abort.
// Either way the first request must be `cmd=init pmi_version=1 pmi_subversion=1
// key=<WEFT_PMI_KEY>`; anything else is answered with rc=-1 and the connection closed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/pmi_wire.h"

namespace weft::launcher {

namespace pmi = weft::pmi_wire;

struct PmiJobInfo {
  int size = 0;
  std::vector<int> appnums;          // per rank
  std::optional<int> universe_size;  // reported as -1 when unset
  std::string key;                   // WEFT_PMI_KEY
  std::string kvs_name;
};

// What the job controller learns from the ranks.
class PmiEvents {
 public:
  virtual void on_pmi_init(int rank) = 0;
  virtual void on_pmi_finalize(int rank) = 0;
  virtual void on_pmi_abort(int rank, int exit_code, const std::string& message) = 0;
  // The rank's PMI connection closed (end of file, error, or refused init): everything
  // the rank sent before has been handled.
  virtual void on_pmi_closed(int rank) = 0;

 protected:
  ~PmiEvents() = default;
};

class PmiServer {
 public:
  PmiServer(boost::asio::io_context& io, PmiJobInfo info, PmiEvents& events);
  ~PmiServer();
  PmiServer(const PmiServer&) = delete;
  PmiServer& operator=(const PmiServer&) = delete;

  // Serves rank `rank` on `fd` (weftrun's end of the socketpair; ownership moves here).
  void attach_rank(int rank, int fd);

  // Opens the loopback port; returns "127.0.0.1:<port>". Throws boost::system::system_error.
  std::string listen_loopback();

  // Closes every connection and the port.
  void shutdown();

  // Whether rank `rank`'s connection is still open (requests may still be in flight).
  [[nodiscard]] bool rank_connected(int rank) const;

  class Session;

 private:
  friend class Session;
  void handle(Session& session, const std::string& line);
  void handle_init(Session& session, const pmi::Message& message);
  void handle_put(Session& session, const pmi::Message& message);
  void handle_get(Session& session, const pmi::Message& message);
  void handle_barrier(Session& session);
  void forget(Session& session);
  void accept_next();
  std::string describe(const Session& session) const;

  boost::asio::io_context& io_;
  PmiJobInfo info_;
  PmiEvents& events_;
  std::map<std::string, std::string> kvs_;
  std::vector<bool> in_barrier_;
  int barrier_count_ = 0;
  std::vector<std::shared_ptr<Session>> rank_sessions_;
  std::set<std::shared_ptr<Session>> port_sessions_;
  struct Acceptor;
  std::unique_ptr<Acceptor> acceptor_;
  std::string port_address_;
  bool shut_down_ = false;
};

}  // namespace weft::launcher
