// The PMI-1 server: one key-value space per job, a barrier over all ranks, and the
// init / finalize / abort events the job controller acts on.
//
// Two ways in:
//  - each rank's end of a socketpair, at PMI_FD in the rank; the connection is bound to
//    that rank from the start;
//  - a loopback TCP port (PMI_PORT=127.0.0.1:<port>) for processes weftrun did not fork
//    (reserved for spawned and remote processes). Such a connection is not a rank: it
//    may read and write the key-value space but not join barriers, finalize or abort.
// Spawned jobs: `mcmd=spawn` (PMI-1's multi-line form, one block per command, one reply
// after the last) asks the job controller to start a new job, whose ranks get their own
// key-value space, appnums and barrier. The reply (`cmd=spawn_result rc kvsname size
// errcodes`) is held until the children's second barrier completes (MPI_Init's: each has
// published its addresses and the children are connected among themselves, so a parent
// connecting to them cannot disturb their own start-up) or until one of them fails.
// `get` may name another job's space in kvsname= (parents and children read each other's
// addresses); `put` only the process's own.
//
// Ports and names (MPI_Open_port, MPI_Comm_accept/_connect, MPI_Publish_name; weft's own
// commands): `port_open` makes a port and answers its name, "weft-port#<PMI_PORT
// address>#<128-bit token in hex>", which says where the port lives and authorises whoever
// holds it; `port_close` closes it (waiters at it or its reply ports get rc=-1
// msg=port_closed). `port_post port= value=` leaves a message for a port (rc=-1
// msg=no_such_port when it is not open); `port_wait port=` answers `cmd=port_message
// value=` with the oldest message, once there is one (rc=-1 at once when the port is not
// open and nothing is left there). Replies go to "<port>!<tag>". A process of another
// universe comes in on PMI_PORT with `cmd=init port=<port name>` instead of the key (a
// guest): it may only post at that port and wait at its reply ports. `publish_name`,
// `lookup_name`, `unpublish_name` go to the host's name service (launcher/name_service.h).
// `get_port_address` gives PMI_PORT's address, where a process opens a second connection
// for a wait that must not hold up its first one.
//
// Failures between jobs: `cmd=process_failed kvsname= rank= msg=` is the one line the server
// sends unasked. It tells every process of the other jobs that a process of a spawned job
// died (notify_failure); the library reads it while it waits (docs/spawn.md).
//
// Either way the first request must be `cmd=init pmi_version=1 pmi_subversion=1
// key=<WEFT_PMI_KEY>`; anything else is answered with rc=-1 and the connection closed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <deque>
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

// One command of a spawn request, as the requester sent it.
struct SpawnApp {
  std::string execname;
  std::vector<std::string> argv;  // after the command
  int nprocs = 0;
  std::vector<std::pair<std::string, std::string>> info;
};

struct SpawnRequest {
  std::vector<SpawnApp> apps;
  std::vector<std::pair<std::string, std::string>> preput;
};

// The job controller's answer to a spawn request.
struct SpawnStart {
  bool started = false;   // every child is running; the reply waits for their barrier
  int job = -1;
  std::vector<int> failed;  // per child: 1 when it could not start
  std::string message;
};

// What the job controller learns from the ranks. `rank` is a process index over every job
// (the first job's ranks, then each spawned job's in turn).
class PmiEvents {
 public:
  // A rank asks for a new job (mcmd=spawn). The controller registers it (add_job), starts
  // its processes and attaches them, or says why not.
  virtual SpawnStart on_pmi_spawn(int rank, const SpawnRequest& request) = 0;
  virtual void on_pmi_init(int rank) = 0;
  virtual void on_pmi_finalize(int rank) = 0;
  virtual void on_pmi_abort(int rank, int exit_code, const std::string& message) = 0;
  // The rank's PMI connection closed (end of file, error, or refused init): everything
  // the rank sent before has been handled.
  virtual void on_pmi_closed(int rank) = 0;

 protected:
  ~PmiEvents() = default;
};

class NameService;

class PmiServer {
 public:
  PmiServer(boost::asio::io_context& io, PmiJobInfo info, PmiEvents& events);
  ~PmiServer();
  PmiServer(const PmiServer&) = delete;
  PmiServer& operator=(const PmiServer&) = delete;

  // Serves rank `rank` on `fd` (weftrun's end of the socketpair; ownership moves here).
  void attach_rank(int rank, int fd);

  // Registers a spawned job; its processes get the next indices. Returns the job number.
  int add_job(PmiJobInfo info);
  void preput(int job, const std::string& key, const std::string& value);
  int first_process(int job) const { return jobs_[static_cast<std::size_t>(job)].first; }
  int job_of(int process) const { return process_job_[static_cast<std::size_t>(process)]; }
  // A spawn whose reply is still held (its children have not all reached their barrier).
  [[nodiscard]] bool spawn_pending(int job) const;
  // Answers a held spawn with failure (a child died or could not start).
  void fail_spawn(int job, const std::vector<int>& failed, const std::string& message);

  // Tells every initialized, unfinalized rank outside `process`'s job that `process` died
  // (cmd=process_failed, `text` saying how).
  void notify_failure(int process, const std::string& text);

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
  void handle_spawn(Session& session, const std::vector<pmi::Message>& blocks);
  void handle_port(Session& session, const pmi::Message& message);
  struct Port {
    struct Message {
      std::string value;
      // A connect's request, left by a guest: dropped once the guest's connection closes
      // (it gave up or died), so an accept never takes a request nobody waits on.
      std::weak_ptr<Session> guest;
      bool from_guest = false;
    };
    std::deque<Message> messages;
    std::vector<std::weak_ptr<Session>> waiters;
    bool open = false;  // opened by MPI_Open_port (reply ports are implicit)
  };
  std::map<std::string, Port> ports_;
  std::unique_ptr<NameService> names_;
  struct Job {
    PmiJobInfo info;
    int first = 0;
    std::map<std::string, std::string> kvs;
    std::vector<bool> in_barrier;
    int barrier_count = 0;
    int barriers_done = 0;
    bool spawn_pending = false;
    std::weak_ptr<Session> requester;
  };
  Job& job_of_session(const Session& session);
  void forget(Session& session);
  void accept_next();
  std::string describe(const Session& session) const;

  boost::asio::io_context& io_;
  PmiJobInfo info_;
  PmiEvents& events_;
  std::vector<Job> jobs_;
  std::vector<int> process_job_;  // process index -> job
  std::vector<std::shared_ptr<Session>> rank_sessions_;
  std::set<std::shared_ptr<Session>> port_sessions_;
  struct Acceptor;
  std::unique_ptr<Acceptor> acceptor_;
  std::string port_address_;
  bool shut_down_ = false;
};

}  // namespace weft::launcher
