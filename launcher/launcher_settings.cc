#include "launcher/launcher_settings.h"

namespace weft::launcher {

namespace {

constexpr LauncherVariable kVariables[] = {
    {"WEFT_LOCAL_RANK", "", "Set by weftrun: the rank's index among the ranks on its host."},
    {"WEFT_LOCAL_SIZE", "", "Set by weftrun: how many ranks of the job run on this host."},
    {"WEFT_UNIVERSE_SIZE", "",
     "Set by weftrun when the user gave a universe size (--usize or hostfile slots)."},
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
