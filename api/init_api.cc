// Environment: start-up, shutdown, version, time, abort.
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "api/api.h"
#include "mpi.h"
#include "mpi/comm.h"
#include "mpi/hardware.h"
#include "mpi/info.h"
#include "mpi/state.h"
#include "weft_config.h"

using weft::Status;
using weft::api::finish;


extern "C" int PMPI_Init(int* argc, char*** argv) {
  (void)argc;
  (void)argv;
  return finish("MPI_Init", nullptr, weft::initialize("MPI_Init", MPI_THREAD_SINGLE, nullptr));
}

extern "C" int PMPI_Init_thread(int* argc, char*** argv, int required, int* provided) {
  (void)argc;
  (void)argv;
  if (provided == nullptr) {
    return finish("MPI_Init_thread", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Init_thread: argument provided is NULL"));
  }
  if (required != MPI_THREAD_SINGLE && required != MPI_THREAD_FUNNELED &&
      required != MPI_THREAD_SERIALIZED && required != MPI_THREAD_MULTIPLE) {
    return finish("MPI_Init_thread", nullptr,
                  weft::error(MPI_ERR_ARG,
                              "MPI_Init_thread: argument required=%d is not a thread level",
                              required));
  }
  return finish("MPI_Init_thread", nullptr,
                weft::initialize("MPI_Init_thread", required, provided));
}

extern "C" int PMPI_Finalize(void) {
  return finish("MPI_Finalize", nullptr, weft::finalize());
}

extern "C" int PMPI_Initialized(int* flag) {
  if (flag == nullptr) {
    return finish("MPI_Initialized", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Initialized: argument flag is NULL"));
  }
  *flag = weft::phase() != weft::Phase::kNotStarted;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Finalized(int* flag) {
  if (flag == nullptr) {
    return finish("MPI_Finalized", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Finalized: argument flag is NULL"));
  }
  *flag = weft::phase() == weft::Phase::kFinalized;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Abort(MPI_Comm comm, int errorcode) {
  (void)comm;  // weft aborts the whole job, which the standard allows for any communicator
  weft::abort_job(errorcode, "weft: rank " + std::to_string(weft::self_process()) +
                                 " called MPI_Abort with error code " +
                                 std::to_string(errorcode));
}

extern "C" int PMPI_Query_thread(int* provided) {
  if (auto s = weft::api::check_initialized("MPI_Query_thread"); !s.ok()) {
    return finish("MPI_Query_thread", nullptr, s);
  }
  if (provided == nullptr) {
    return finish("MPI_Query_thread", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Query_thread: argument provided is NULL"));
  }
  *provided = weft::thread_level();
  return MPI_SUCCESS;
}

extern "C" int PMPI_Is_thread_main(int* flag) {
  if (auto s = weft::api::check_initialized("MPI_Is_thread_main"); !s.ok()) {
    return finish("MPI_Is_thread_main", nullptr, s);
  }
  if (flag == nullptr) {
    return finish("MPI_Is_thread_main", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Is_thread_main: argument flag is NULL"));
  }
  *flag = weft::is_main_thread();
  return MPI_SUCCESS;
}

extern "C" double PMPI_Wtime(void) {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

extern "C" double PMPI_Wtick(void) {
  timespec resolution;
  clock_getres(CLOCK_MONOTONIC, &resolution);
  return static_cast<double>(resolution.tv_sec) + 1e-9 * static_cast<double>(resolution.tv_nsec);
}

extern "C" int PMPI_Get_processor_name(char* name, int* resultlen) {
  if (name == nullptr || resultlen == nullptr) {
    return finish("MPI_Get_processor_name", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Get_processor_name: argument %s is NULL",
                              name == nullptr ? "name" : "resultlen"));
  }
  const std::string& host = weft::host_name();
  size_t n = std::min(host.size(), static_cast<size_t>(MPI_MAX_PROCESSOR_NAME - 1));
  std::memcpy(name, host.data(), n);
  name[n] = '\0';
  *resultlen = static_cast<int>(n);
  return MPI_SUCCESS;
}

extern "C" int PMPI_Get_version(int* version, int* subversion) {
  if (version == nullptr || subversion == nullptr) {
    return finish("MPI_Get_version", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Get_version: argument %s is NULL",
                              version == nullptr ? "version" : "subversion"));
  }
  *version = MPI_VERSION;
  *subversion = MPI_SUBVERSION;
  return MPI_SUCCESS;
}

extern "C" int PMPI_Get_library_version(char* version, int* resultlen) {
  if (version == nullptr || resultlen == nullptr) {
    return finish("MPI_Get_library_version", nullptr,
                  weft::error(MPI_ERR_ARG, "MPI_Get_library_version: argument %s is NULL",
                              version == nullptr ? "version" : "resultlen"));
  }
  int n = std::snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                        "weft %s (MPI %d.%d, standard ABI)", WEFT_VERSION, MPI_VERSION,
                        MPI_SUBVERSION);
  *resultlen = n;
  return MPI_SUCCESS;
}

// The profiling interface's hook: weft itself has no profiling levels to switch, so every
// level is accepted and ignored (a profiling library interposing MPI_Pcontrol sees it).
extern "C" int PMPI_Pcontrol(const int level, ...) {
  (void)level;
  return MPI_SUCCESS;
}

// MPI-4.1: the hardware the calling process runs on. Keys (weft's; the standard leaves
// them to the implementation): for each resource level of mpi/hardware.h ("mpi_shared_memory"
// for the host, "package", "numanode", "core", "pu"), how many of them the process's CPUs
// span, where the system says; "host" the host name.
extern "C" int PMPI_Get_hw_resource_info(MPI_Info* hw_info) {
  const char* call = "MPI_Get_hw_resource_info";
  Status s = weft::api::check_initialized(call);
  if (s.ok() && hw_info == nullptr) s = weft::error(MPI_ERR_ARG, "%s: argument hw_info is NULL", call);
  if (!s.ok()) return finish(call, nullptr, s);
  auto* info = new weft::Info();
  std::vector<int> counts = weft::resource_counts();
  for (int l = 0; l < weft::kHardwareLevels; ++l) {
    if (counts[static_cast<size_t>(l)] > 0) {
      info->set(weft::hardware_level_name(static_cast<weft::HardwareLevel>(l)),
                std::to_string(counts[static_cast<size_t>(l)]));
    }
  }
  info->set("host", weft::host_name());
  *hw_info = info->handle();
  return MPI_SUCCESS;
}
