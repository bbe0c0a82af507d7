#include "launcher/hosts.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

namespace weft::launcher {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<int> parse_slots(std::string_view text) {
  std::string copy(text);
  if (copy.empty() || !std::isdigit(static_cast<unsigned char>(copy[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long value = std::strtol(copy.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < 1 || value > INT_MAX) return std::nullopt;
  return static_cast<int>(value);
}

// "name" or "name:N". IPv6 literals contain ':' too; only "::1" matters here, and a
// trailing ":N" is split off only when N is a number.
bool parse_host_word(std::string_view word, Host& host, std::string& error) {
  std::size_t colon = word.rfind(':');
  host = Host{};
  if (colon != std::string_view::npos && word != "::1") {
    std::string_view slots_text = word.substr(colon + 1);
    auto slots = parse_slots(slots_text);
    if (!slots) {
      error = "host '" + std::string(word) + "': slots '" + std::string(slots_text) +
              "' is not a positive number";
      return false;
    }
    host.name = std::string(word.substr(0, colon));
    host.slots = *slots;
    host.slots_given = true;
  } else {
    host.name = std::string(word);
  }
  if (host.name.empty()) {
    error = "empty host name in '" + std::string(word) + "'";
    return false;
  }
  return true;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

HostParseResult parse_host_list(std::string_view list) {
  HostParseResult result;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view word = trim(list.substr(start, comma - start));
    if (word.empty()) {
      result.error = "empty host name in host list '" + std::string(list) + "'";
      return result;
    }
    Host host;
    if (!parse_host_word(word, host, result.error)) return result;
    result.hosts.push_back(std::move(host));
    start = comma + 1;
  }
  result.ok = true;
  return result;
}

HostParseResult parse_hostfile(std::string_view text, std::string_view source) {
  HostParseResult result;
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) newline = text.size();
    std::string_view line = text.substr(start, newline - start);
    start = newline + 1;
    ++line_number;
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos)
      line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;

    auto where = [&] { return std::string(source) + ":" + std::to_string(line_number) + ": "; };
    std::size_t space = line.find_first_of(" \t");
    Host host;
    std::string error;
    if (!parse_host_word(line.substr(0, space), host, error)) {
      result.error = where() + error;
      return result;
    }
    std::string_view rest =
        space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
    while (!rest.empty()) {
      std::size_t end = rest.find_first_of(" \t");
      std::string_view attribute = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : trim(rest.substr(end));
      if (attribute.rfind("slots=", 0) != 0) {
        result.error =
            where() + "unknown attribute '" + std::string(attribute) + "' (expected slots=N)";
        return result;
      }
      auto slots = parse_slots(attribute.substr(6));
      if (!slots) {
        result.error =
            where() + "'" + std::string(attribute) + "' is not a positive number of slots";
        return result;
      }
      host.slots = *slots;
      host.slots_given = true;
    }
    result.hosts.push_back(std::move(host));
  }
  if (result.hosts.empty()) {
    result.error = std::string(source) + ": the hostfile names no host";
    return result;
  }
  result.ok = true;
  return result;
}

std::string this_host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name) != 0) return "localhost";
  name[HOST_NAME_MAX] = '\0';
  return name;
}

std::vector<std::string> local_host_names() {
  std::vector<std::string> names = {"localhost", "localhost.localdomain", "127.0.0.1", "::1"};
  std::string full = lowercase(this_host_name());
  names.push_back(full);
  if (std::size_t dot = full.find('.'); dot != std::string::npos)
    names.push_back(full.substr(0, dot));
  return names;
}

bool is_local_host(std::string_view name, const std::vector<std::string>& local_names) {
  std::string wanted = lowercase(name);
  return std::find(local_names.begin(), local_names.end(), wanted) != local_names.end();
}

std::optional<int> universe_size(std::optional<int> usize, const std::vector<Host>& hostfile_hosts,
                                 bool hostfile_given, const std::vector<Host>& list_hosts) {
  if (usize) return usize;
  auto total = [](const std::vector<Host>& hosts) {
    long sum = 0;
    for (const Host& h : hosts) sum += h.slots;
    return static_cast<int>(std::min<long>(sum, INT_MAX));
  };
  if (hostfile_given) return total(hostfile_hosts);
  bool any_slots = std::any_of(list_hosts.begin(), list_hosts.end(),
                               [](const Host& h) { return h.slots_given; });
  if (any_slots) return total(list_hosts);
  return std::nullopt;
}

}  // namespace weft::launcher
