#include "mpi/spawn.h"

#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
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

constexpr std::string_view kPortPrefix = "weft-port#";

// Random bits for handshake tags and meeting keys.
uint64_t random_bits() {
  uint64_t value = 0;
  size_t got = 0;
  auto* bytes = reinterpret_cast<unsigned char*>(&value);
  while (got < sizeof value) {
    ssize_t n = ::getrandom(bytes + got, sizeof value - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < sizeof value) {
    value ^= static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) *
             0x9e3779b97f4a7c15ull;
  }
  return value;
}

std::string hex_of(uint64_t high, uint64_t low) {
  char text[33];
  std::snprintf(text, sizeof text, "%016llx%016llx", static_cast<unsigned long long>(high),
                static_cast<unsigned long long>(low));
  return text;
}

// A port name is "weft-port#<launcher address>#<token>" (launcher/pmi_server.h).
bool split_port(const std::string& port, std::string* address) {
  if (port.rfind(kPortPrefix, 0) != 0) return false;
  const auto hash = port.find('#', kPortPrefix.size());
  if (hash == std::string::npos || hash == kPortPrefix.size() || hash + 1 == port.size()) return false;
  *address = port.substr(kPortPrefix.size(), hash - kPortPrefix.size());
  return port.find_first_of("!# \n", hash + 1) == std::string::npos;
}

// Cards travel as text through the launchers and between the roots: "<uid hex>;k=v;k=v",
// with every byte outside a safe set written %XX (values hold ':' and '/', the launcher's
// line format forbids spaces).
std::string escape(const std::string& text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '.' || c == '_' || c == ':' || c == ',' || c == '-' || c == '+' ||
        c == '@') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool unescape(const std::string& text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      *out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = hex_digit(text[i + 1]);
    const int low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    *out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

std::string encode_card(const p2p::Engine::LateProcess& process) {
  char uid[17];
  std::snprintf(uid, sizeof uid, "%016llx", static_cast<unsigned long long>(process.uid));
  std::string text = uid;
  for (const auto& [key, value] : process.card) text += ";" + escape(key) + "=" + escape(value);
  return text;
}

bool decode_card(const std::string& text, p2p::Engine::LateProcess* out) {
  std::stringstream fields(text);
  std::string field;
  if (!std::getline(fields, field, ';') || field.size() != 16) return false;
  char* end = nullptr;
  out->uid = std::strtoull(field.c_str(), &end, 16);
  if (*end != '\0' || out->uid == 0) return false;
  out->card.clear();
  while (std::getline(fields, field, ';')) {
    const auto equals = field.find('=');
    std::string key, value;
    if (equals == std::string::npos || !unescape(field.substr(0, equals), &key) ||
        !unescape(field.substr(equals + 1), &value)) {
      return false;
    }
    out->card[key] = value;
  }
  return out->card.count("host") != 0;
}

// Cards of a group, one per line.
bool decode_cards(const std::string& text, std::vector<p2p::Engine::LateProcess>* out) {
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    p2p::Engine::LateProcess process;
    if (!decode_card(line, &process)) return false;
    out->push_back(std::move(process));
  }
  return !out->empty();
}

// Every member of `team` contributes a text; every member gets all of them, in rank order.
Status allgather_text(const coll::Team& team, const std::string& mine, std::vector<std::string>* all) {
  uint64_t length = mine.size();
  std::vector<uint64_t> lengths(static_cast<size_t>(team.size));
  EngineGuard guard;
  WEFT_TRY(coll::allgather_bytes(team, &length, sizeof length, lengths.data()));
  const size_t width = *std::max_element(lengths.begin(), lengths.end());
  all->assign(static_cast<size_t>(team.size), std::string());
  if (width == 0) return Status();
  std::string padded = mine;
  padded.resize(width);
  std::vector<char> buffer(width * static_cast<size_t>(team.size));
  WEFT_TRY(coll::allgather_bytes(team, padded.data(), width, buffer.data()));
  for (size_t r = 0; r < all->size(); ++r) {
    (*all)[r].assign(buffer.data() + r * width, lengths[r]);
  }
  return Status();
}

// This process's card: what its transports published, read back from its launcher.
Status own_card(p2p::Engine::LateProcess* out) {
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  return p2p::engine().read_card(pmi(), pmi().kvsname(), pmi().rank(), out);
}

// What the root learned, broadcast to its group (the other group's cards follow).
struct Meeting {
  int32_t ok;
  int32_t error_class;
  int32_t tag;
  int32_t remote_root;
  uint64_t cards_bytes;
  char key[40];
  char message[1024];
};

// Both groups know each other's cards, leaders and the meeting's tag and key: every member
// connects to the other group and both agree on a context id. The side that accepts is rank
// 0 of the leaders' link.
Status join_groups(const char* call, Comm* comm, int root,
                   std::vector<p2p::Engine::LateProcess> remote, int remote_root, int tag,
                   const std::string& key, bool accepting, Comm** out) {
  for (auto& process : remote) process.key = key;
  std::vector<int> ids;
  Status added;
  {
    EngineGuard guard;
    added = p2p::engine().add_processes(remote, &ids);
  }
  if (!added.ok()) {
    return error(added.error_class(), "%s: cannot connect to the other group: %s", call,
                 added.message().c_str());
  }
  const int mine = comm->process(root);
  const int theirs = ids[static_cast<size_t>(remote_root)];
  const int link_processes[2] = {accepting ? mine : theirs, accepting ? theirs : mine};
  const coll::Team link{link_processes, accepting ? 0 : 1, 2, kDynamicContext, tag};
  uint32_t context = 0;
  {
    EngineGuard guard;
    WEFT_TRY(agree_inter_context(call, comm->coll_team(), root, link, accepting ? 1 : 0, context));
  }
  *out = build_inter(comm->group()->processes(), ids, context, comm->errhandler(), "");
  return Status();
}

// "<tag>/<root>/<key>/<card>" and back (the acceptor's answer leaves the key empty).
std::string pack_offer(int tag, int root, const std::string& key, const std::string& card) {
  return std::to_string(tag) + "/" + std::to_string(root) + "/" + key + "/" + card;
}
bool unpack_offer(const std::string& text, int* tag, int* root, std::string* key,
                  p2p::Engine::LateProcess* card) {
  std::stringstream parts(text);
  std::string tag_text, root_text, card_text;
  if (!std::getline(parts, tag_text, '/') || !std::getline(parts, root_text, '/') ||
      !std::getline(parts, *key, '/') || !std::getline(parts, card_text)) {
    return false;
  }
  *tag = std::atoi(tag_text.c_str());
  *root = std::atoi(root_text.c_str());
  return *root >= 0 && decode_card(card_text, card);
}

// The root's half of accept or connect: meets the other root through the port and connects
// to it (its process number in `their_root`); fills the tag, key and remote root of
// `meeting`.
Status meet_at_root(const char* call, const std::string& port, int root,
                    const std::vector<std::string>& group_cards, int timeout_seconds,
                    bool accepting, Meeting* meeting, int* their_root_process) {
  std::string address;
  if (!split_port(port, &address)) {
    return error(MPI_ERR_PORT, "%s: argument port_name=\"%s\" is not a port of weft "
                 "(MPI_Open_port gives one)", call, port.c_str());
  }
  const std::string& my_card = group_cards[static_cast<size_t>(root)];
  p2p::Engine::LateProcess their_root;
  int tag = 0;
  std::string key;
  if (accepting) {
    std::string own_address;
    {
      std::lock_guard<std::mutex> lock(g_pmi_mutex);
      WEFT_TRY(pmi().port_address(own_address));
    }
    if (address != own_address) {
      return error(MPI_ERR_PORT, "%s: port %s was opened by another job (whose launcher listens "
                   "at %s, this job's at %s); a process accepts only at ports of its own job or "
                   "of the job that spawned it", call, port.c_str(), address.c_str(),
                   own_address.c_str());
    }
    // Wait for a connect, then answer it at its reply port.
    std::string offer;
    Status waited = pmi().wait_port(address, port, offer, timeout_seconds);
    if (!waited.ok()) return error(waited.error_class(), "%s: %s", call, waited.message().c_str());
    int remote_root = 0;
    if (!unpack_offer(offer, &tag, &remote_root, &key, &their_root) || key.size() != 32) {
      return error(MPI_ERR_INTERN, "%s: malformed connect request '%s'", call, offer.c_str());
    }
    meeting->remote_root = remote_root;
    pmi_wire::Message reply;
    std::lock_guard<std::mutex> lock(g_pmi_mutex);
    WEFT_TRY(pmi().call("port_post", {{"port", port + "!" + std::to_string(tag)},
                                      {"value", pack_offer(tag, root, "", my_card)}},
                        "port_post_result", reply));
  } else {
    // The tag names the reply port and keeps this handshake apart from others on the
    // leaders' link; the key is what the two groups' transports present to each other.
    tag = static_cast<int>(random_bits() & 0xffffff);
    key = hex_of(random_bits(), random_bits());
    std::string answer;
    Status exchanged = PmiClient::port_exchange(address, port, pack_offer(tag, root, key, my_card),
                                                port + "!" + std::to_string(tag), timeout_seconds,
                                                answer);
    if (!exchanged.ok()) {
      return error(exchanged.error_class(), "%s: %s", call, exchanged.message().c_str());
    }
    int echoed = 0;
    int remote_root = 0;
    std::string unused;
    if (!unpack_offer(answer, &echoed, &remote_root, &unused, &their_root) || echoed != tag) {
      return error(MPI_ERR_INTERN, "%s: malformed accept answer '%s'", call, answer.c_str());
    }
    meeting->remote_root = remote_root;
  }
  meeting->tag = tag;
  std::snprintf(meeting->key, sizeof meeting->key, "%s", key.c_str());
  // The roots connect first and swap their groups' cards over that link.
  their_root.key = key;
  std::vector<int> ids;
  {
    EngineGuard guard;
    Status added = p2p::engine().add_processes({their_root}, &ids);
    if (!added.ok()) {
      return error(added.error_class(), "%s: cannot connect to the other group's root: %s", call,
                   added.message().c_str());
    }
  }
  *their_root_process = ids[0];
  return Status();
}

// The root's and every member's half of accept or connect (collective over `comm`).
Status meet(const char* call, const std::string& port, Comm* comm, int root,
            const Status& root_check, int timeout_seconds, bool accepting, Comm** out) {
  // Every member reachable, and the group's cards in rank order.
  Status reachable = make_reachable();
  p2p::Engine::LateProcess mine;
  if (reachable.ok()) reachable = own_card(&mine);
  std::vector<std::string> group_cards;
  WEFT_TRY(allgather_text(comm->coll_team(), reachable.ok() ? encode_card(mine) : "", &group_cards));
  if (!reachable.ok()) return reachable;
  for (size_t r = 0; r < group_cards.size(); ++r) {
    if (group_cards[r].empty()) {
      return error(MPI_ERR_OTHER, "%s: rank %zu of comm cannot be reached by other jobs", call, r);
    }
  }
  Meeting meeting{};
  std::string remote_cards;
  if (comm->rank() == root) {
    Status status = root_check;
    int their_root_process = -1;
    if (status.ok()) {
      status = meet_at_root(call, port, root, group_cards, timeout_seconds, accepting, &meeting,
                            &their_root_process);
    }
    if (status.ok()) {
      // The roots swap their groups' cards over the link they now have.
      std::string all_mine;
      for (const std::string& card : group_cards) all_mine += card + "\n";
      const int link_processes[2] = {accepting ? comm->process(root) : their_root_process,
                                     accepting ? their_root_process : comm->process(root)};
      const coll::Team link{link_processes, accepting ? 0 : 1, 2, kDynamicContext, meeting.tag};
      std::vector<std::string> both;
      status = allgather_text(link, all_mine, &both);
      if (status.ok()) remote_cards = both[accepting ? 1 : 0];
    }
    if (status.ok()) {
      meeting.ok = 1;
      meeting.cards_bytes = remote_cards.size();
    } else {
      std::snprintf(meeting.message, sizeof meeting.message, "%s", status.message().c_str());
      meeting.error_class = status.error_class();
    }
  }
  {
    EngineGuard guard;
    WEFT_TRY(coll::bcast_bytes(comm->coll_team(), root, &meeting, sizeof meeting));
  }
  if (meeting.ok == 0) {
    meeting.message[sizeof meeting.message - 1] = '\0';
    return Status(meeting.error_class != 0 ? meeting.error_class : MPI_ERR_PORT, meeting.message);
  }
  remote_cards.resize(meeting.cards_bytes);
  {
    EngineGuard guard;
    WEFT_TRY(coll::bcast_bytes(comm->coll_team(), root, remote_cards.data(), remote_cards.size()));
  }
  std::vector<p2p::Engine::LateProcess> remote;
  if (!decode_cards(remote_cards, &remote) || meeting.remote_root < 0 ||
      static_cast<size_t>(meeting.remote_root) >= remote.size()) {
    return error(MPI_ERR_INTERN, "%s: malformed description of the other group", call);
  }
  meeting.key[sizeof meeting.key - 1] = '\0';
  return join_groups(call, comm, root, std::move(remote), meeting.remote_root, meeting.tag,
                     meeting.key, accepting, out);
}

}  // namespace

Status open_port(const char* call, std::string* name) {
  WEFT_TRY(make_reachable());
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  pmi_wire::Message reply;
  Status status = pmi().call("port_open", {}, "port_open_result", reply);
  if (!status.ok() || reply.get("rc") != "0" || reply.get("port").empty()) {
    return error(MPI_ERR_PORT, "%s: the launcher did not open a port (%s)", call,
                 status.ok() ? reply.get("msg").c_str() : status.message().c_str());
  }
  *name = reply.get("port");
  return Status();
}

Status close_port(const char* call, const std::string& name) {
  std::string address;
  if (!split_port(name, &address)) {
    return error(MPI_ERR_PORT, "%s: argument port_name=\"%s\" is not a port of weft", call,
                 name.c_str());
  }
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  pmi_wire::Message reply;
  WEFT_TRY(pmi().call("port_close", {{"port", name}}, "port_close_result", reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_PORT, "%s: port %s is not open in this job (closed already, or opened "
                 "by another job)", call, name.c_str());
  }
  return Status();
}

Status comm_accept(const char* call, const std::string& port, Comm* comm, int root,
                   const Status& root_check, int timeout_seconds, Comm** out) {
  return meet(call, port, comm, root, root_check, timeout_seconds, true, out);
}

Status comm_connect(const char* call, const std::string& port, Comm* comm, int root,
                    const Status& root_check, int timeout_seconds, Comm** out) {
  return meet(call, port, comm, root, root_check, timeout_seconds, false, out);
}

namespace {

// One request to the name service (through this job's launcher, which shares it with the
// other jobs of this host: launcher/name_service.h).
Status name_request(const char* command, const pmi_wire::Fields& fields, const char* expected,
                    pmi_wire::Message* reply) {
  std::lock_guard<std::mutex> lock(g_pmi_mutex);
  WEFT_TRY(pmi().ensure_server());
  return pmi().call(command, fields, expected, *reply);
}

}  // namespace

Status publish_name(const char* call, const std::string& service, const std::string& port) {
  pmi_wire::Message reply;
  WEFT_TRY(name_request("publish_name", {{"service", escape(service)}, {"port", escape(port)}},
                        "publish_result", &reply));
  if (reply.get("rc") != "0") {
    return error(reply.get("msg") == "already_published" ? MPI_ERR_SERVICE : MPI_ERR_NAME,
                 "%s: service \"%s\" %s", call, service.c_str(),
                 reply.get("msg") == "already_published" ? "is already published"
                                                         : "cannot be published (the name service is closing)");
  }
  return Status();
}

Status lookup_name(const char* call, const std::string& service, std::string* port) {
  pmi_wire::Message reply;
  WEFT_TRY(name_request("lookup_name", {{"service", escape(service)}}, "lookup_result", &reply));
  if (reply.get("rc") != "0" || !unescape(reply.get("port"), port)) {
    return error(MPI_ERR_NAME, "%s: no service \"%s\" is published", call, service.c_str());
  }
  return Status();
}

Status unpublish_name(const char* call, const std::string& service) {
  pmi_wire::Message reply;
  WEFT_TRY(name_request("unpublish_name", {{"service", escape(service)}}, "unpublish_result", &reply));
  if (reply.get("rc") != "0") {
    return error(MPI_ERR_SERVICE, "%s: service \"%s\" %s", call, service.c_str(),
                 reply.get("msg") == "not_owner" ? "was published by another job"
                                                 : "is not published");
  }
  return Status();
}

namespace {

// MPI_Comm_join's exchange over the socket: a length, then "<card>\n<half of the key>".
constexpr uint32_t kJoinMagic = 0x4e4a4657;  // "WFJN"

Status move_all(const char* call, int fd, bool write, void* data, size_t bytes) {
  auto* at = static_cast<char*>(data);
  size_t done = 0;
  while (done < bytes) {
    ssize_t n = write ? ::write(fd, at + done, bytes - done) : ::read(fd, at + done, bytes - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return error(MPI_ERR_ARG, "%s: cannot %s fd=%d: %s", call, write ? "write to" : "read from",
                   fd, n == 0 ? "end of file" : std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status();
}

}  // namespace

Status comm_join(const char* call, int fd, Comm** out) {
  WEFT_TRY(make_reachable());
  p2p::Engine::LateProcess mine;
  WEFT_TRY(own_card(&mine));
  const uint64_t key_high = random_bits();
  const uint64_t key_low = random_bits();
  const std::string text = encode_card(mine) + "\n" + hex_of(key_high, key_low);
  // Both ends write first, then read: the socket buffers far more than a card.
  uint32_t header[2] = {kJoinMagic, static_cast<uint32_t>(text.size())};
  WEFT_TRY(move_all(call, fd, true, header, sizeof header));
  WEFT_TRY(move_all(call, fd, true, const_cast<char*>(text.data()), text.size()));
  uint32_t theirs_header[2] = {0, 0};
  WEFT_TRY(move_all(call, fd, false, theirs_header, sizeof theirs_header));
  if (theirs_header[0] != kJoinMagic || theirs_header[1] > 65536) {
    return error(MPI_ERR_ARG, "%s: the other end of fd=%d is not a weft process in "
                 "MPI_Comm_join", call, fd);
  }
  std::string theirs(theirs_header[1], '\0');
  WEFT_TRY(move_all(call, fd, false, theirs.data(), theirs.size()));
  const auto newline = theirs.find('\n');
  p2p::Engine::LateProcess peer;
  unsigned long long their_high = 0, their_low = 0;
  if (newline == std::string::npos || !decode_card(theirs.substr(0, newline), &peer) ||
      theirs.size() - newline - 1 != 32 ||
      std::sscanf(theirs.c_str() + newline + 1, "%16llx%16llx", &their_high, &their_low) != 2) {
    return error(MPI_ERR_ARG, "%s: the other end of fd=%d sent a malformed description", call, fd);
  }
  if (peer.uid == mine.uid) return error(MPI_ERR_ARG, "%s: fd=%d leads back to this process", call, fd);
  // Both ends agree on the key (the halves combined) and on the tag (from both uids).
  const std::string key = hex_of(key_high ^ their_high, key_low ^ their_low);
  const uint64_t low_uid = std::min(mine.uid, peer.uid);
  const uint64_t high_uid = std::max(mine.uid, peer.uid);
  const int tag = static_cast<int>((low_uid ^ (high_uid >> 7)) & 0xffffff);
  return join_groups(call, comm_self(), 0, {peer}, 0, tag, key, mine.uid < peer.uid, out);
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
