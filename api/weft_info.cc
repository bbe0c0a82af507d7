// weft-info: prints what `weftrun --info` shows (version, transports, collective
// algorithms, every WEFT_* variable). weftrun links no library code, so it runs this small
// program, built beside it from the whole library (every Setting the library declares is
// linked in), instead. weftrun passes the variables that belong to the launcher as
// `--variable NAME DEFAULT SENTENCE` arguments; they are listed with the library's.
#include <algorithm>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "base/config.h"
#include "coll/select.h"
#include "transport/registry.h"
#include "weft_config.h"

namespace {

struct Variable {
  std::string name;
  std::string default_value;
  std::string description;
};

std::string info_text(std::vector<Variable> variables) {
  for (const weft::config::Setting* s : weft::config::settings()) {
    variables.push_back({s->name(), s->default_value(), s->description()});
  }
  std::sort(variables.begin(), variables.end(),
            [](const Variable& a, const Variable& b) { return a.name < b.name; });
  std::ostringstream out;
  out << "weft " << WEFT_VERSION << " (MPI 5.0 standard ABI subset)\n";
  out << "transports:";
  for (const auto& t : weft::transport::names()) out << ' ' << t;
  out << "\ncuda toolkit: " << (WEFT_HAVE_CUDA ? "found" : "not found")
      << " (device buffers are not supported yet)\n";
  out << weft::coll::algorithms_text();
  out << "environment variables:\n";
  for (const Variable& v : variables) {
    out << "  " << v.name << " (default: "
        << (v.default_value.empty() ? "automatic" : v.default_value) << ")\n      "
        << v.description << "\n";
  }
  return out.str();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<Variable> launcher_variables;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--variable") != 0 || i + 3 >= argc) {
      std::cerr << "usage: weft-info [--variable NAME DEFAULT SENTENCE]...\n";
      return 2;
    }
    launcher_variables.push_back({argv[i + 1], argv[i + 2], argv[i + 3]});
    i += 3;
  }
  std::cout << info_text(std::move(launcher_variables));
  return std::cout.good() ? 0 : 1;
}
