// The WEFT_* variables that belong to the launcher: those weftrun sets for every rank
// (job_control.cc) and those the compiler wrappers read (wrappers/wrapper.sh.in). weftrun
// links no library code, so they are not library Settings: `weftrun --info` hands them to
// weft-info, which lists them among the library's (base/README.md says why).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace weft::launcher {

struct LauncherVariable {
  const char* name;
  const char* default_value;  // "" means "automatic" (set by weftrun)
  const char* description;    // one sentence
};

std::span<const LauncherVariable> launcher_variables();

// weft-info's arguments that describe them: `--variable NAME DEFAULT SENTENCE` each.
std::vector<std::string> weft_info_arguments();

}  // namespace weft::launcher
