#include "base/pmi_wire.h"

namespace weft::pmi_wire {

std::string Message::get(const std::string& key, std::string fallback) const {
  auto it = fields.find(key);
  return it == fields.end() ? fallback : it->second;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim_line_end(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || is_blank(line.back()))) {
    line.remove_suffix(1);
  }
  return line;
}

ParseResult failure(std::string error) {
  ParseResult result;
  result.error = std::move(error);
  return result;
}

}  // namespace

ParseResult parse_line(std::string_view line) {
  line = trim_line_end(line);
  ParseResult result;
  bool have_command = false;
  std::size_t pos = 0;
  while (true) {
    while (pos < line.size() && is_blank(line[pos])) ++pos;
    if (pos >= line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && !is_blank(line[end])) ++end;
    std::string_view token = line.substr(pos, end - pos);
    std::size_t equals = token.find('=');
    if (equals == std::string_view::npos) {
      return failure("field '" + std::string(token) + "' has no '='");
    }
    if (equals == 0) return failure("field '" + std::string(token) + "' has an empty key");
    std::string key(token.substr(0, equals));
    std::string value(token.substr(equals + 1));
    // Free text: an abort's message runs to the end of the line, spaces included.
    if (key == "msg" && have_command &&
        (result.message.command == "abort" || result.message.command == "spawn_result" ||
         result.message.command == "process_failed")) {
      value = std::string(line.substr(pos + equals + 1));
      end = line.size();
    }
    if (key == "cmd" || key == "mcmd") {
      if (have_command) return failure("the line names its command twice");
      if (value.empty()) return failure("the command name is empty");
      result.message.command = std::move(value);
      result.message.multi_line = key == "mcmd";
      have_command = true;
    } else if (!result.message.fields.emplace(key, std::move(value)).second) {
      return failure("field '" + key + "' appears twice");
    }
    pos = end;
  }
  if (!have_command) {
    return failure(line.empty() ? "empty line" : "the line has no cmd= field");
  }
  result.ok = true;
  return result;
}

std::string format_line(std::string_view command, const Fields& fields) {
  std::string out = "cmd=";
  out += command;
  for (const auto& [key, value] : fields) {
    out += ' ';
    out += key;
    out += '=';
    for (char c : value) out += (c == '\n' || c == '\r') ? ' ' : c;
  }
  out += '\n';
  return out;
}

bool keys_equal(std::string_view expected, std::string_view offered) {
  if (expected.size() != offered.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(expected[i] ^ offered[i]);
  }
  return difference == 0;
}

}  // namespace weft::pmi_wire
