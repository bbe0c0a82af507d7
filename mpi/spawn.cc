#include "mpi/spawn.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "coll/collectives.h"
#include "coll/inter/collectives_inter.h"
#include "coll/team.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/comm_create.h"
#include "mpi/errhandler.h"
#include "mpi/group.h"
#include "mpi/info.h"
#include "mpi/state.h"
#include "p2p/engine.h"
#include "pmi/pmi_client.h"

namespace weft {

namespace {

Comm* g_parent = nullptr;
// The PMI connection is one line-oriented stream: requests from several threads (two
// spawns at once under MPI_THREAD_MULTIPLE) must not interleave.
std::mutex g_pmi_mutex;
std::atomic<uint32_t> g_handshakes{0};

// A process's name in the universe: its job's key/value space and its rank there.
using Name = std::pair<std::string, int>;

// What every member contributes to the root: its name and whether it is reachable.
struct NameRecord {
  char name[248];
  int32_t ok;
  int32_t unused;
};

// The root's answer, broadcast to the members.
struct Answer {
  int32_t ok;
  int32_t size;
  int32_t tag;
  int32_t unused;
  char kvsname[256];
  char message[1024];
};

// Parents travel to the children as runs of consecutive ranks of one job, in the order of
// the parent communicator: "kvs:first-last;kvs:first-last".
std::string encode_names(const std::vector<Name>& names) {
  std::string text;
  for (size_t i = 0; i < names.size();) {
    size_t j = i;
    while (j + 1 < names.size() && names[j + 1].first == names[i].first &&
           names[j + 1].second == names[j].second + 1) {
      ++j;
    }
    if (!text.empty()) text += ';';
    text += names[i].first + ":" + std::to_string(names[i].second) + "-" +
            std::to_string(names[j].second);
    i = j + 1;
  }
  return text;
}

bool decode_names(const std::string& text, std::vector<Name>* names) {
  std::stringstream runs(text);
  std::string run;
  while (std::getline(runs, run, ';')) {
    const auto colon = run.rfind(':');
    const auto dash = run.rfind('-');
    if (colon == std::string::npos || dash == std::string::npos || dash < colon) return false;
    const int first = std::atoi(run.substr(colon + 1, dash - colon - 1).c_str());
    const int last = std::atoi(run.substr(dash + 1).c_str());
    if (first < 0 || last < first) return false;
    for (int r = first; r <= last; ++r) names->emplace_back(run.substr(0, colon), r);
  }
  return !names->empty();
}

bool local_host(const std::string& host) {
  if (host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1") return true;
  if (host == host_name()) return true;
  char buffer[256] = {0};
  gethostname(buffer, sizeof buffer - 1);
  std::string mine = buffer;
  // A short name matches its fully qualified form and the other way round.
  auto short_of = [](const std::string& name) { return name.substr(0, name.find('.')); };
  return host == mine || short_of(host) == short_of(mine);
}

// The counts MPI's `soft` key allows: a comma-separated list of a, a:b and a:b:c (from a
// to b in steps of c).
Status parse_soft(const char* call, int command, const std::string& text, std::set<int>* allowed) {
  std::stringstream parts(text);
  std::string part;
  auto bad = [&] {
    return error(MPI_ERR_INFO_VALUE,
                 "%s: info key soft=\"%s\" of command %d is not a list of a, a:b or a:b:c", call,
                 text.c_str(), command);
  };
  while (std::getline(parts, part, ',')) {
    int fields[3] = {0, 0, 1};
    int n = 0;
    std::stringstream numbers(part);
    std::string number;
    while (std::getline(numbers, number, ':')) {
      if (n == 3 || number.empty()) return bad();
      char* end = nullptr;
      long value = std::strtol(number.c_str(), &end, 10);
      if (*end != '\0' || value < INT_MIN || value > INT_MAX) return bad();
      fields[n++] = static_cast<int>(value);
    }
    if (n == 0) return bad();
    if (n == 1) fields[1] = fields[0];
    if (fields[2] == 0) return bad();
    if (fields[2] > 0) {
      for (int v = fields[0]; v <= fields[1]; v += fields[2]) allowed->insert(v);
    } else {
      for (int v = fields[0]; v >= fields[1]; v += fields[2]) allowed->insert(v);
    }
  }
  if (allowed->empty()) return bad();
  return Status();
}

// Turns one command's info into what the launcher acts on, and the number of processes to
// start (maxprocs, or the largest count `soft` allows).
Status prepare_command(const char* call, int index, const SpawnSpec& spec, SpawnCommand* out,
                       int* count) {
  out->command = spec.command;
  out->argv = spec.argv;
  *count = spec.maxprocs;
  char cwd[4096] = {0};
  std::string here = getcwd(cwd, sizeof cwd - 1) != nullptr ? cwd : ".";
  bool have_wdir = false;
  const Info* info = spec.info;
  for (int i = 0; info != nullptr && i < info->size(); ++i) {
    const std::string& key = info->key_at(i);
    std::string value;
    info->get(key, value);
    if (key == "host") {
      if (!local_host(value)) {
        return error(MPI_ERR_SPAWN,
                     "%s: info key host=%s of command %d is not this host (%s); spawning on "
                     "other hosts is not supported yet", call, value.c_str(), index,
                     host_name().c_str());
      }
    } else if (key == "hostfile") {
      std::ifstream file(value);
      if (!file) {
        return error(MPI_ERR_SPAWN, "%s: info key hostfile=%s of command %d: cannot read it: %s",
                     call, value.c_str(), index, std::strerror(errno));
      }
      std::string line;
      while (std::getline(file, line)) {
        std::stringstream words(line);
        std::string host;
        if (!(words >> host) || host[0] == '#') continue;
        if (!local_host(host)) {
          return error(MPI_ERR_SPAWN,
                       "%s: hostfile %s of command %d names host %s, which is not this host "
                       "(%s); spawning on other hosts is not supported yet", call, value.c_str(),
                       index, host.c_str(), host_name().c_str());
        }
      }
    } else if (key == "wdir") {
      have_wdir = true;
      out->info.emplace_back("wdir", !value.empty() && value[0] == '/' ? value : here + "/" + value);
    } else if (key == "path") {
      out->info.emplace_back("path", value);
    } else if (key == "env") {
      // One variable per line: NAME=VALUE sets it, a bare NAME passes this process's value.
      std::stringstream lines(value);
      std::string line;
      while (std::getline(lines, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
        size_t start = line.find_first_not_of(' ');
        if (start == std::string::npos) continue;
        line = line.substr(start);
        if (line.find('=') == std::string::npos) {
          const char* inherited = std::getenv(line.c_str());
          if (inherited == nullptr) continue;
          line += std::string("=") + inherited;
        } else if (line[0] == '=') {
          return error(MPI_ERR_INFO_VALUE, "%s: info key env of command %d has a line without "
                       "a name: \"%s\"", call, index, line.c_str());
        }
        out->info.emplace_back("env", line);
      }
    } else if (key == "bind_to") {
      if (value != "none" && value != "core") {
        return error(MPI_ERR_INFO_VALUE,
                     "%s: info key bind_to=%s of command %d is not none or core", call,
                     value.c_str(), index);
      }
      out->info.emplace_back("bind_to", value);
    } else if (key == "soft") {
      std::set<int> allowed;
      WEFT_TRY(parse_soft(call, index, value, &allowed));
      // Nothing limits the processes weft starts, so the largest count allowed is taken.
      auto best = allowed.upper_bound(spec.maxprocs);
      if (best == allowed.begin() || *std::prev(best) < 1) {
        return error(MPI_ERR_SPAWN,
                     "%s: info key soft=\"%s\" of command %d allows no count between 1 and "
                     "maxprocs=%d", call, value.c_str(), index, spec.maxprocs);
      }
      *count = *std::prev(best);
    }
    // Other keys are ignored, as the standard allows.
  }
  // Children start where the caller is, unless told otherwise.
  if (!have_wdir) out->info.emplace_back("wdir", here);
  // A relative path to the program (./worker) means the caller's directory when the
  // program is there, whatever wdir says; the launcher may run elsewhere.
  if (out->command[0] != '/' && out->command.find('/') != std::string::npos &&
      access((here + "/" + out->command).c_str(), X_OK) == 0) {
    out->command = here + "/" + out->command;
  }
  out->maxprocs = *count;
  return Status();
}

Comm* build_inter(const std::vector<int>& local, const std::vector<int>& remote,
                  uint32_t context, Errhandler* errhandler, const char* name) {
  auto* local_group = new Group(local);
  auto* remote_group = new Group(remote);
  auto* comm = new Comm(local_group, remote_group, context, name);
  local_group->release();
  remote_group->release();
  comm->set_errhandler(errhandler);
  return comm;
}

// Adds the processes named by `names` to the process table (reading their cards through
// PMI), giving their process numbers in order.
Status add_named(const std::vector<Name>& names, std::vector<int>* ids) {
  std::vector<p2p::Engine::LateProcess> processes(names.size());
  {
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    for (size_t i = 0; i < names.size(); ++i) {
      WEFT_TRY(p2p::engine().read_card(pmi(), names[i].first, names[i].second, &processes[i]));
    }
  }
  EngineGuard guard;
  return p2p::engine().add_processes(processes, ids);
}

Status make_reachable() {
  {
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    WEFT_TRY(pmi().ensure_server());
  }
  EngineGuard guard;
  return p2p::engine().enable_late(pmi());
}

}  // namespace

Status comm_spawn(const char* call, Comm* comm, int root, const std::vector<SpawnSpec>& specs,
                  const Status& root_check, Comm** intercomm, std::vector<int>* errcodes) {
  const coll::Team team = comm->coll_team();
  const bool is_root = comm->rank() == root;
  std::vector<SpawnCommand> commands;
  std::vector<int> counts;
  Status prepared = is_root ? root_check : Status();
  if (is_root) {
    for (size_t i = 0; i < specs.size() && prepared.ok(); ++i) {
      SpawnCommand command;
      int count = 0;
      prepared = prepare_command(call, static_cast<int>(i), specs[i], &command, &count);
      commands.push_back(std::move(command));
      counts.push_back(count);
    }
  }

  // 1. Every member reachable; the names gathered (every member gets them: it costs one
  // allgather instead of a gather, and tells each member whether another failed).
  Status reachable = make_reachable();
  NameRecord mine{};
  std::snprintf(mine.name, sizeof mine.name, "%s", pmi().kvsname().c_str());
  mine.ok = reachable.ok() && pmi().kvsname().size() < sizeof mine.name ? 1 : 0;
  mine.unused = pmi().rank();
  std::vector<NameRecord> all(static_cast<size_t>(comm->size()));
  {
    EngineGuard guard;
    WEFT_TRY(coll::allgather_bytes(team, &mine, sizeof mine, all.data()));
  }
  if (!reachable.ok()) return reachable;
  for (int r = 0; r < comm->size(); ++r) {
    if (all[static_cast<size_t>(r)].ok == 0) {
      return error(MPI_ERR_SPAWN, "%s: rank %d of comm cannot take part in the spawn", call, r);
    }
  }

  // 2. The root asks the launcher.
  Answer answer{};
  if (is_root) {
    answer.tag = static_cast<int32_t>(g_handshakes.fetch_add(1) & 0xffffff);
    std::vector<Name> names;
    for (const NameRecord& record : all) names.emplace_back(record.name, record.unused);
    const std::string parents = encode_names(names);
    if (prepared.ok() && parents.size() > 8000) {
      prepared = error(MPI_ERR_SPAWN, "%s: the parent communicator spans too many jobs to "
                       "describe to the children", call);
    }
    SpawnOutcome outcome;
    if (prepared.ok()) {
      std::vector<std::pair<std::string, std::string>> preput = {
          {"weft-parents", parents},
          {"weft-root", std::to_string(root)},
          {"weft-tag", std::to_string(answer.tag)}};
      std::lock_guard<std::mutex> lock(g_pmi_mutex);
      prepared = pmi().spawn(commands, preput, outcome);
    }
    if (!prepared.ok()) {
      std::snprintf(answer.message, sizeof answer.message, "%s", prepared.message().c_str());
    } else if (!outcome.ok) {
      std::snprintf(answer.message, sizeof answer.message,
                    "%s: the launcher could not start the processes: %s", call,
                    outcome.message.c_str());
    } else {
      answer.ok = 1;
      answer.size = outcome.size;
      std::snprintf(answer.kvsname, sizeof answer.kvsname, "%s", outcome.kvsname.c_str());
    }
    // One code per process asked for: those `soft` left out, and all of a failed spawn,
    // are MPI_ERR_SPAWN.
    errcodes->clear();
    for (size_t i = 0; i < specs.size(); ++i) {
      const int started = i < counts.size() ? counts[i] : 0;
      for (int p = 0; p < specs[i].maxprocs; ++p) {
        errcodes->push_back(answer.ok != 0 && p < started ? MPI_SUCCESS : MPI_ERR_SPAWN);
      }
    }
  }
  {
    EngineGuard guard;
    WEFT_TRY(coll::bcast_bytes(team, root, &answer, sizeof answer));
  }
  if (answer.ok == 0) {
    answer.message[sizeof answer.message - 1] = '\0';
    return Status(is_root && !prepared.ok() ? prepared.error_class() : MPI_ERR_SPAWN,
                  answer.message);
  }

  // 3. The children join the process table.
  std::vector<Name> children;
  for (int r = 0; r < answer.size; ++r) children.emplace_back(answer.kvsname, r);
  std::vector<int> ids;
  Status added = add_named(children, &ids);
  if (!added.ok()) {
    return error(MPI_ERR_SPAWN, "%s: cannot connect to the spawned processes: %s", call,
                 added.message().c_str());
  }

  // 4. A context id free on both sides; the leaders talk on the handshake context.
  const int link_processes[2] = {comm->process(root), ids[0]};
  const coll::Team link{link_processes, 0, 2, kDynamicContext, answer.tag};
  uint32_t context = 0;
  {
    EngineGuard guard;
    WEFT_TRY(agree_inter_context(call, team, root, link, 1, context));
  }
  *intercomm = build_inter(comm->group()->processes(), ids, context, comm->errhandler(), "");
  return Status();
}

Status connect_parent() {
  PmiClient& client = pmi();
  if (!client.spawned()) return Status();
  std::string parents_text;
  std::string root_text;
  std::string tag_text;
  {
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    Status got = client.get_preput("weft-parents", parents_text);
    if (got.ok()) got = client.get_preput("weft-root", root_text);
    if (got.ok()) got = client.get_preput("weft-tag", tag_text);
    if (!got.ok()) {
      return error(MPI_ERR_OTHER,
                   "MPI_Init: this process was spawned (PMI_SPAWNED) but its launcher holds no "
                   "description of its parents: %s", got.message().c_str());
    }
  }
  std::vector<Name> names;
  if (!decode_names(parents_text, &names)) {
    return error(MPI_ERR_OTHER, "MPI_Init: malformed description of the parents: %s",
                 parents_text.c_str());
  }
  const int root = std::atoi(root_text.c_str());
  if (root < 0 || static_cast<size_t>(root) >= names.size()) {
    return error(MPI_ERR_OTHER, "MPI_Init: the parents' root %d is not one of them", root);
  }
  {
    EngineGuard guard;
    WEFT_TRY(p2p::engine().enable_late(client));
  }
  std::vector<int> ids;
  Status added = add_named(names, &ids);
  if (!added.ok()) {
    return error(MPI_ERR_OTHER, "MPI_Init: cannot connect to the parent processes: %s",
                 added.message().c_str());
  }
  Comm* world = comm_world();
  const int link_processes[2] = {ids[static_cast<size_t>(root)], world->process(0)};
  const coll::Team link{link_processes, 1, 2, kDynamicContext, std::atoi(tag_text.c_str())};
  uint32_t context = 0;
  {
    EngineGuard guard;
    WEFT_TRY(agree_inter_context("MPI_Init", world->coll_team(), 0, link, 0, context));
  }
  g_parent = build_inter(world->group()->processes(), ids, context, errors_are_fatal(),
                         "MPI_COMM_PARENT");
  return Status();
}

// ---- ports and names -------------------------------------------------------------------

namespace {

std::atomic<uint32_t> g_ports{0};

// What the root learned from the other group, broadcast to its own.
struct Peers {
  int32_t ok;
  int32_t remote_root;
  int32_t tag;
  int32_t unused;
  char names[8192];
  char message[1024];
};

// Every member reachable, and the names of the group in rank order (collective).
Status gather_names(const char* call, Comm* comm, std::vector<Name>* names) {
  Status reachable = make_reachable();
  NameRecord mine{};
  std::snprintf(mine.name, sizeof mine.name, "%s", pmi().kvsname().c_str());
  mine.ok = reachable.ok() && pmi().kvsname().size() < sizeof mine.name ? 1 : 0;
  mine.unused = pmi().rank();
  std::vector<NameRecord> all(static_cast<size_t>(comm->size()));
  {
    EngineGuard guard;
    WEFT_TRY(coll::allgather_bytes(comm->coll_team(), &mine, sizeof mine, all.data()));
  }
  if (!reachable.ok()) return reachable;
  for (int r = 0; r < comm->size(); ++r) {
    if (all[static_cast<size_t>(r)].ok == 0) {
      return error(MPI_ERR_OTHER, "%s: rank %d of comm cannot be reached by other jobs", call, r);
    }
    names->emplace_back(all[static_cast<size_t>(r)].name, all[static_cast<size_t>(r)].unused);
  }
  return Status();
}

// "<tag>;<root>;<names>" and back.
std::string pack_offer(int tag, int root, const std::vector<Name>& names) {
  return std::to_string(tag) + "/" + std::to_string(root) + "/" + encode_names(names);
}
bool unpack_offer(const std::string& text, int* tag, int* root, std::string* names) {
  const auto first = text.find('/');
  const auto second = first == std::string::npos ? first : text.find('/', first + 1);
  if (second == std::string::npos) return false;
  *tag = std::atoi(text.substr(0, first).c_str());
  *root = std::atoi(text.substr(first + 1, second - first - 1).c_str());
  *names = text.substr(second + 1);
  return true;
}

// Both groups know each other's names and leaders: connect and agree on a context id. The
// side that accepts is rank 0 of the leaders' link.
Status join_groups(const char* call, Comm* comm, int root, const Peers& peers, bool accepting,
                   Comm** out) {
  std::vector<Name> remote;
  if (!decode_names(peers.names, &remote) || peers.remote_root < 0 ||
      static_cast<size_t>(peers.remote_root) >= remote.size()) {
    return error(MPI_ERR_INTERN, "%s: malformed description of the other group", call);
  }
  std::vector<int> ids;
  Status added = add_named(remote, &ids);
  if (!added.ok()) {
    return error(added.error_class(), "%s: cannot connect to the other group: %s", call,
                 added.message().c_str());
  }
  const int mine = comm->process(root);
  const int theirs = ids[static_cast<size_t>(peers.remote_root)];
  const int link_processes[2] = {accepting ? mine : theirs, accepting ? theirs : mine};
  const coll::Team link{link_processes, accepting ? 0 : 1, 2, kDynamicContext, peers.tag};
  uint32_t context = 0;
  {
    EngineGuard guard;
    WEFT_TRY(agree_inter_context(call, comm->coll_team(), root, link, accepting ? 1 : 0, context));
  }
  *out = build_inter(comm->group()->processes(), ids, context, comm->errhandler(), "");
  return Status();
}

// The root's half of accept or connect, then the broadcast and the join.
Status meet(const char* call, const std::string& port, Comm* comm, int root,
            const Status& root_check, bool accepting, Comm** out) {
  std::vector<Name> names;
  WEFT_TRY(gather_names(call, comm, &names));
  Peers peers{};
  if (comm->rank() == root) {
    Status status = root_check;
    if (status.ok() && port.rfind("weft-port#", 0) != 0) {
      status = error(MPI_ERR_PORT, "%s: argument port_name=\"%s\" is not a port of weft "
                     "(MPI_Open_port gives one)", call, port.c_str());
    }
    std::string address;
    if (status.ok()) {
      std::lock_guard<std::mutex> lock(g_pmi_mutex);
      status = pmi().port_address(address);
    }
    std::string answer;
    if (status.ok() && accepting) {
      // Wait for a connect, then answer it at its reply port.
      std::string offer;
      status = pmi().wait_port(address, port, offer);
      int tag = 0;
      int remote_root = 0;
      std::string remote_names;
      if (status.ok() && !unpack_offer(offer, &tag, &remote_root, &remote_names)) {
        status = error(MPI_ERR_INTERN, "%s: malformed connect request '%s'", call, offer.c_str());
      }
      if (status.ok()) {
        pmi_wire::Message reply;
        std::lock_guard<std::mutex> lock(g_pmi_mutex);
        status = pmi().call("port_post", {{"port", port + "!" + std::to_string(tag)},
                                          {"value", pack_offer(tag, root, names)}},
                            "port_post_result", reply);
      }
      peers.tag = tag;
      peers.remote_root = remote_root;
      answer = remote_names;
    } else if (status.ok()) {
      const uint32_t salt = g_ports.fetch_add(1);
      const int tag = static_cast<int>(
          (p2p::engine().uid(comm->process(root)) * 31 + salt) & 0xffffff);
      pmi_wire::Message reply;
      {
        std::lock_guard<std::mutex> lock(g_pmi_mutex);
        status = pmi().call("port_post", {{"port", port}, {"value", pack_offer(tag, root, names)}},
                            "port_post_result", reply);
      }
      if (status.ok() && reply.get("rc") != "0") {
        status = error(MPI_ERR_PORT, "%s: no port named \"%s\" is open", call, port.c_str());
      }
      std::string offer;
      if (status.ok()) status = pmi().wait_port(address, port + "!" + std::to_string(tag), offer);
      int echoed = 0;
      int remote_root = 0;
      if (status.ok() && !unpack_offer(offer, &echoed, &remote_root, &answer)) {
        status = error(MPI_ERR_INTERN, "%s: malformed accept answer '%s'", call, offer.c_str());
      }
      peers.tag = tag;
      peers.remote_root = remote_root;
    }
    if (status.ok() && answer.size() >= sizeof peers.names) {
      status = error(MPI_ERR_OTHER, "%s: the other group spans too many jobs to describe", call);
    }
    if (status.ok()) {
      peers.ok = 1;
      std::snprintf(peers.names, sizeof peers.names, "%s", answer.c_str());
    } else {
      std::snprintf(peers.message, sizeof peers.message, "%s", status.message().c_str());
      peers.unused = status.error_class();
    }
  }
  {
    EngineGuard guard;
    WEFT_TRY(coll::bcast_bytes(comm->coll_team(), root, &peers, sizeof peers));
  }
  if (peers.ok == 0) {
    peers.message[sizeof peers.message - 1] = '\0';
    return Status(peers.unused != 0 ? peers.unused : MPI_ERR_PORT, peers.message);
  }
  return join_groups(call, comm, root, peers, accepting, out);
}

}  // namespace

Status open_port(const char* call, std::string* name) {
  WEFT_TRY(make_reachable());
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  *name = "weft-port#" + pmi().kvsname() + "#" + std::to_string(pmi().rank()) + "#" +
          std::to_string(g_ports.fetch_add(1));
  pmi_wire::Message reply;
  Status status = pmi().call("port_open", {{"port", *name}}, "port_open_result", reply);
  if (!status.ok() || reply.get("rc") != "0") {
    return error(MPI_ERR_PORT, "%s: the launcher did not open a port (%s)", call,
                 status.ok() ? reply.get("msg").c_str() : status.message().c_str());
  }
  return Status();
}

Status close_port(const char* call, const std::string& name) {
  if (name.rfind("weft-port#", 0) != 0) {
    return error(MPI_ERR_PORT, "%s: argument port_name=\"%s\" is not a port of weft", call,
                 name.c_str());
  }
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  pmi_wire::Message reply;
  return pmi().call("port_close", {{"port", name}}, "port_close_result", reply);
}

Status comm_accept(const char* call, const std::string& port, Comm* comm, int root,
                   const Status& root_check, Comm** out) {
  return meet(call, port, comm, root, root_check, true, out);
}

Status comm_connect(const char* call, const std::string& port, Comm* comm, int root,
                    const Status& root_check, Comm** out) {
  return meet(call, port, comm, root, root_check, false, out);
}

Status publish_name(const char* call, const std::string& service, const std::string& port) {
  {
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    WEFT_TRY(pmi().ensure_server());
  }
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  pmi_wire::Message reply;
  WEFT_TRY(pmi().call("publish_name", {{"service", service}, {"port", port}}, "publish_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_SERVICE, "%s: service \"%s\" is already published", call, service.c_str());
  }
  return Status();
}

Status lookup_name(const char* call, const std::string& service, std::string* port) {
  {
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    WEFT_TRY(pmi().ensure_server());
  }
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  pmi_wire::Message reply;
  WEFT_TRY(pmi().call("lookup_name", {{"service", service}}, "lookup_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_NAME, "%s: no service \"%s\" is published", call, service.c_str());
  }
  *port = reply.get("port");
  return Status();
}

Status unpublish_name(const char* call, const std::string& service) {
  {
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    WEFT_TRY(pmi().ensure_server());
  }
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  pmi_wire::Message reply;
  WEFT_TRY(pmi().call("unpublish_name", {{"service", service}}, "unpublish_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_SERVICE, "%s: service \"%s\" is not published", call, service.c_str());
  }
  return Status();
}

Status comm_join(const char* call, int fd, Comm** out) {
  WEFT_TRY(make_reachable());
  char mine[256] = {0};
  std::snprintf(mine, sizeof mine, "%s#%d", pmi().kvsname().c_str(), pmi().rank());
  // Both ends write their fixed-size name first, then read the other's: the socket buffers
  // a few hundred bytes, so neither blocks the other.
  size_t done = 0;
  while (done < sizeof mine) {
    ssize_t n = ::write(fd, mine + done, sizeof mine - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return error(MPI_ERR_ARG, "%s: cannot write to fd=%d: %s", call, fd, std::strerror(errno));
    done += static_cast<size_t>(n);
  }
  char theirs[256] = {0};
  done = 0;
  while (done < sizeof theirs) {
    ssize_t n = ::read(fd, theirs + done, sizeof theirs - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return error(MPI_ERR_ARG, "%s: the other end of fd=%d sent no name (%s)", call, fd,
                   n == 0 ? "end of file" : std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  theirs[sizeof theirs - 1] = '\0';
  std::string text = theirs;
  const auto hash = text.rfind('#');
  if (hash == std::string::npos) return error(MPI_ERR_ARG, "%s: the other end of fd=%d is not a weft process", call, fd);
  const Name peer{text.substr(0, hash), std::atoi(text.substr(hash + 1).c_str())};
  const uint64_t my_uid = p2p::Engine::uid_of(pmi().kvsname(), pmi().rank());
  const uint64_t their_uid = p2p::Engine::uid_of(peer.first, peer.second);
  if (my_uid == their_uid) return error(MPI_ERR_ARG, "%s: fd=%d leads back to this process", call, fd);
  Peers peers{};
  peers.ok = 1;
  peers.remote_root = 0;
  peers.tag = static_cast<int>((std::min(my_uid, their_uid) ^ (std::max(my_uid, their_uid) >> 7)) & 0xffffff);
  std::snprintf(peers.names, sizeof peers.names, "%s", encode_names({peer}).c_str());
  Status joined = join_groups(call, comm_self(), 0, peers, my_uid < their_uid, out);
  if (!joined.ok() && joined.error_class() == MPI_ERR_OTHER) {
    return error(MPI_ERR_OTHER, "%s: %s (both ends must belong to one weftrun universe)", call,
                 joined.message().c_str());
  }
  return joined;
}

Comm* parent_comm() { return g_parent; }

void forget_parent(Comm* comm) {
  if (comm != nullptr && comm == g_parent) {
    g_parent->release();
    g_parent = nullptr;
  }
}

void release_parent() {
  if (g_parent != nullptr) g_parent->release();
  g_parent = nullptr;
}

Status comm_disconnect(const char* call, Comm* comm) {
  EngineGuard guard;
  // Both groups: an intercommunicator's barrier waits for the remote group too, not only
  // for this process's own group.
  const coll::CommView view = comm->coll_view();
  if (view.is_inter()) return coll::inter::barrier(call, view, nullptr);
  return coll::barrier(call, view, nullptr);
}

}  // namespace weft
