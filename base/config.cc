#include "base/config.h"

#include <cstdio>
#include <cstdlib>

namespace weft::config {

const std::vector<Variable>& variables() {
  static const std::vector<Variable> table = {
      {"WEFT_TRANSPORT", "",
       "Forces one transport for every peer (shm or tcp); empty picks per peer: self, then shm on the same host, then tcp."},
      {"WEFT_EAGER_LIMIT", "16384",
       "Largest message (bytes) sent eagerly; larger ones use the rendezvous protocol."},
      {"WEFT_SHM_RING_BYTES", "1048576",
       "Size in bytes of each shared-memory ring between two ranks."},
      {"WEFT_SHM_FRAGMENT", "65536",
       "Fragment size in bytes of a rendezvous message pipelined through the ring (below WEFT_SHM_SINGLE_COPY, or when single copy is unavailable)."},
      {"WEFT_SHM_CMA", "1",
       "Use cross-memory attach (process_vm_readv) for large transfers when a run-time probe succeeds; 0 disables it."},
      {"WEFT_SHM_SINGLE_COPY", "",
       "Rendezvous messages of at least this many bytes are read from the sender's memory (cross-memory attach); smaller ones are pipelined through the ring in WEFT_SHM_FRAGMENT pieces, which is faster while data fits the caches. 0 reads every rendezvous message. Empty chooses 16777216 when the ranks on a host fit its cores, 0 when they outnumber them (a pipelined copy needs both ranks on a CPU at once)."},
      {"WEFT_SHM_SHARED_COPY", "",
       "Single-copy messages of at least this many bytes are copied by both sides at once (the receiver reads chunks, the sender writes chunks, with cross-memory attach); 0 disables it. Empty chooses 65536 when the ranks on a host fit its cores, 0 when they outnumber them (a helper descheduled in the middle of its chunk would stall the receiver)."},
      {"WEFT_SHM_COPY_CHUNK", "131072",
       "Most bytes each side claims at a time in a shared copy (a message smaller than twice this is split in two halves of at least 32 KiB)."},
      {"WEFT_SPIN_US", "",
       "Microseconds a waiting rank polls before it blocks; empty chooses 100 when ranks fit the cores, 20 (yielding the core) when they outnumber them."},
      {"WEFT_TCP_INTERFACE", "127.0.0.1",
       "Address (or interface name, e.g. eth0) the tcp transport listens on and publishes to peers."},
      {"WEFT_PMI_KEY", "",
       "Job key set by weftrun; every PMI connection must present it (set by the launcher, not by users)."},
      {"WEFT_LOCAL_RANK", "",
       "Set by weftrun: the rank's index among the ranks on its host."},
      {"WEFT_LOCAL_SIZE", "",
       "Set by weftrun: how many ranks of the job run on this host."},
      {"WEFT_UNIVERSE_SIZE", "",
       "Set by weftrun when the user gave a universe size (--usize or hostfile slots)."},
      {"WEFT_CC", "cc", "The C compiler weftcc runs."},
      {"WEFT_CXX", "c++", "The C++ compiler weftcxx runs."},
      {"WEFT_HOSTNAME", "",
       "Overrides the host name used to group ranks into shared-memory nodes (testing)."},
      {"WEFT_DEBUG", "0",
       "Prints transport and protocol decisions to stderr when 1."},
      {"WEFT_COLL_VERBOSE", "0",
       "Logs collective algorithm choices to stderr: 1 each distinct choice once (from rank 0 of the communicator), 2 every call on every rank."},
      {"WEFT_COLL_STRICT", "0",
       "When 1, a forced collective algorithm (WEFT_<COLLECTIVE>_ALGORITHM) that cannot run a call fails the call instead of falling back to the selection table."},
      {"WEFT_COLL_SEGMENT_BYTES", "262144",
       "Segment size in bytes of the pipelined ring allreduce."},
      {"WEFT_TUNING_FILE", "",
       "A tuning file (JSON; docs/tuning.md) whose rules replace the built-in collective selection rules of the collectives it lists; a file that cannot be used fails every collective call with a message naming the file, the place and the problem."},
      {"WEFT_BARRIER_ALGORITHM", "", "Forces the MPI_Barrier/MPI_Ibarrier algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_BCAST_ALGORITHM", "", "Forces the MPI_Bcast/MPI_Ibcast algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_GATHER_ALGORITHM", "", "Forces the MPI_Gather/MPI_Igather algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_GATHERV_ALGORITHM", "", "Forces the MPI_Gatherv/MPI_Igatherv algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_SCATTER_ALGORITHM", "", "Forces the MPI_Scatter/MPI_Iscatter algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_SCATTERV_ALGORITHM", "", "Forces the MPI_Scatterv/MPI_Iscatterv algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_ALLGATHER_ALGORITHM", "", "Forces the MPI_Allgather/MPI_Iallgather algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_ALLGATHERV_ALGORITHM", "", "Forces the MPI_Allgatherv/MPI_Iallgatherv algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_ALLTOALL_ALGORITHM", "", "Forces the MPI_Alltoall/MPI_Ialltoall algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_ALLTOALLV_ALGORITHM", "", "Forces the MPI_Alltoallv/MPI_Ialltoallv algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_REDUCE_ALGORITHM", "", "Forces the MPI_Reduce/MPI_Ireduce algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_ALLREDUCE_ALGORITHM", "", "Forces the MPI_Allreduce/MPI_Iallreduce algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_REDUCE_SCATTER_ALGORITHM", "", "Forces the MPI_Reduce_scatter/MPI_Ireduce_scatter algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_REDUCE_SCATTER_BLOCK_ALGORITHM", "", "Forces the MPI_Reduce_scatter_block/MPI_Ireduce_scatter_block algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_SCAN_ALGORITHM", "", "Forces the MPI_Scan/MPI_Iscan algorithm; weftrun --info lists the names under collective algorithms."},
      {"WEFT_EXSCAN_ALGORITHM", "", "Forces the MPI_Exscan/MPI_Iexscan algorithm; weftrun --info lists the names under collective algorithms."},
  };
  return table;
}

namespace {
const Variable& find(std::string_view name) {
  for (const auto& v : variables()) {
    if (name == v.name) return v;
  }
  std::fprintf(stderr, "weft: internal error: environment variable %.*s is not declared\n",
               static_cast<int>(name.size()), name.data());
  std::abort();
}
}  // namespace

std::string get_string(std::string_view name) {
  const Variable& v = find(name);
  const char* value = std::getenv(v.name);
  return value != nullptr ? std::string(value) : std::string(v.default_value);
}

int64_t get_int(std::string_view name) {
  std::string text = get_string(name);
  if (text.empty()) return 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 0);
  if (end == text.c_str() || *end != '\0') {
    std::fprintf(stderr, "weft: %.*s=%s is not an integer; using the default %s\n",
                 static_cast<int>(name.size()), name.data(), text.c_str(), find(name).default_value);
    std::string def = find(name).default_value;
    return def.empty() ? 0 : std::strtoll(def.c_str(), nullptr, 0);
  }
  return value;
}

bool get_bool(std::string_view name) {
  std::string text = get_string(name);
  return !(text.empty() || text == "0" || text == "false" || text == "no" || text == "off");
}

}  // namespace weft::config
