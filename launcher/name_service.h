// The name service behind MPI_Publish_name, MPI_Lookup_name and MPI_Unpublish_name,
// shared by every universe (weftrun, or a singleton's server) of one user on this host.
//
// Rendezvous: a directory only the user can enter (WEFT_NAME_SERVER, else
// $XDG_RUNTIME_DIR/weft, else /tmp/weft-<uid>; created with mode 0700, refused when another
// user owns it or others may enter it) holding `names.lock` and the unix socket
// `names.sock`. The launcher that holds an exclusive flock on names.lock serves the table
// on names.sock; every other launcher is its client over one connection. The lock goes with
// its holder's death (the kernel drops it), so a stale socket file is recognised (connect is
// refused) and replaced by whoever takes the lock next: there is no stale state to clean.
//
// A launcher joins lazily, at its first name request. Each entry of the table belongs to
// the universe that published it: the names of a client universe go when its connection
// closes (its ports died with it), and the server's go with the server. A client whose
// server ended elects a new one (connect, else take the lock, else retry briefly) and
// publishes its own names again, so names of universes that are still running survive the
// end of the one that happened to serve them. Requests in flight when the server ended are
// sent again to the new one.
//
// WEFT_NAME_SERVER=none keeps names within the universe (one table in this launcher).
//
// The wire is PMI-1's line format (base/pmi_wire.h): `cmd=init name_service=1`, then
// `publish_name service= port=`, `lookup_name service=`, `unpublish_name service=`,
// answered `publish_result`, `lookup_result port=`, `unpublish_result` with rc= and msg=
// (already_published, not_found, not_owner).
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/pmi_wire.h"

namespace weft::launcher {

class NameService {
 public:
  using Reply = std::function<void(const std::string& line)>;

  explicit NameService(boost::asio::io_context& io);
  ~NameService();
  NameService(const NameService&) = delete;
  NameService& operator=(const NameService&) = delete;

  // One publish_name / lookup_name / unpublish_name of a process of this universe; `reply`
  // gets the whole answer line (possibly later, from the io_context).
  void request(const pmi_wire::Message& message, Reply reply);

  // Stops serving and closes every connection (the universe ends).
  void shutdown();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The rendezvous directory WEFT_NAME_SERVER names or the default; empty with `why` set when
// names stay within the universe (WEFT_NAME_SERVER=none, or no usable directory).
std::string name_service_directory(std::string* why);

}  // namespace weft::launcher
