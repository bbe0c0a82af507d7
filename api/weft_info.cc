// weft-info: prints what `weftrun --info` shows (version, transports, collective
// algorithms, every WEFT_* variable). weftrun links no library code, so it runs this small
// program, built beside it from the library, instead.
#include <iostream>
#include <sstream>
#include <string>

#include "base/config.h"
#include "coll/select.h"
#include "transport/registry.h"
#include "weft_config.h"

namespace {

std::string info_text() {
  std::ostringstream out;
  out << "weft " << WEFT_VERSION << " (MPI 5.0 standard ABI subset)\n";
  out << "transports:";
  for (const auto& t : weft::transport::names()) out << ' ' << t;
  out << "\ncuda toolkit: " << (WEFT_HAVE_CUDA ? "found" : "not found")
      << " (device buffers are not supported yet)\n";
  out << weft::coll::algorithms_text();
  out << "environment variables:\n";
  for (const auto& v : weft::config::variables()) {
    out << "  " << v.name << " (default: " << (*v.default_value ? v.default_value : "automatic")
        << ")\n      " << v.description << "\n";
  }
  return out.str();
}

}  // namespace

int main() {
  std::cout << info_text();
  return std::cout.good() ? 0 : 1;
}
