#include "launcher/launcher_settings.h"

namespace weft::launcher {

namespace {

constexpr LauncherVariable kVariables[] = {
    {"WEFT_LOCAL_RANK", "", "Set by weftrun: the rank's index among the ranks on its host."},
    {"WEFT_LOCAL_SIZE", "", "Set by weftrun: how many ranks of the job run on this host."},
    {"WEFT_UNIVERSE_SIZE", "",
     "Set by weftrun when the user gave a universe size (--usize or hostfile slots)."},
    {"WEFT_NAME_SERVER", "",
     "Where the jobs of this user on this host meet for MPI_Publish_name/MPI_Lookup_name: a "
     "directory (mode 0700) holding the name server's lock and socket; empty uses "
     "$XDG_RUNTIME_DIR/weft, else /tmp/weft-<uid>; none keeps names within one job and what "
     "it spawns."},
    // Read by the wrappers (launcher/meson.build names them for wrapper.sh.in).
    {"WEFT_CC", "cc", "The C compiler weftcc runs."},
    {"WEFT_CXX", "c++", "The C++ compiler weftcxx runs."},
};

}  // namespace

std::span<const LauncherVariable> launcher_variables() { return kVariables; }

std::vector<std::string> weft_info_arguments() {
  std::vector<std::string> arguments;
  for (const LauncherVariable& v : kVariables) {
    arguments.insert(arguments.end(), {"--variable", v.name, v.default_value, v.description});
  }
  return arguments;
}

}  // namespace weft::launcher
