#include "coll/tuning.h"

#include <cerrno>
#include <cstring>
#include <cstdio>
#include <initializer_list>

#include "base/config.h"
#include "coll/json.h"

namespace weft::coll {

namespace {

constexpr size_t kKiB = 1024;
constexpr size_t kMiB = 1024 * 1024;

// The one format version this reader knows. A later format that old libraries cannot read
// correctly gets a new number, so they refuse it instead of misreading it.
constexpr uint64_t kVersion = 1;

// What a rule may hold, in the order the error messages list them.
constexpr const char* kRuleKeys[] = {"algorithm",  "min_ranks",    "max_ranks",
                                     "min_bytes",  "below_bytes",  "power_of_two",
                                     "commutative", "enough_elements", "comment"};

std::string place_text(JsonPlace place) {
  return "line " + std::to_string(place.line) + ", column " + std::to_string(place.column);
}

std::string list_text(std::initializer_list<const char*> names) {
  std::string text;
  for (const char* name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

std::string algorithm_names(const CollectiveInfo& info) {
  std::string names;
  for (const AlgorithmInfo& algorithm : info.algorithms) {
    names += (names.empty() ? "" : ", ") + std::string(algorithm.name);
  }
  return names;
}

// Reads one file; the first problem found ends it, with its place.
class Reader {
 public:
  // `source` is recorded as the origin of the rules read, `name` names the text in messages.
  Reader(const std::string& source, const std::string& name) : source_(source), name_(name) {}

  bool read(std::string_view text, Tuning* tuning, std::string* error) {
    JsonValue root;
    std::string problem;
    if (!parse_json(text, &root, &problem)) {
      *error = name_ + ": " + problem;
      return false;
    }
    Tuning result = *tuning;
    if (!document(root, &result)) {
      *error = error_;
      return false;
    }
    *tuning = std::move(result);
    return true;
  }

 private:
  bool fail(JsonPlace place, const std::string& problem) {
    error_ = name_ + ": " + place_text(place) + ": " + problem;
    return false;
  }

  bool expect(const JsonValue& value, JsonValue::Kind kind, const std::string& what) {
    if (value.kind == kind) return true;
    return fail(value.place, what + " must be " + article(kind) + ", not " + article(value.kind));
  }

  // "an array", "a number", "true or false", ...: for messages.
  static std::string article(JsonValue::Kind kind) {
    switch (kind) {
      case JsonValue::Kind::kArray:
        return "an array";
      case JsonValue::Kind::kObject:
        return "an object";
      case JsonValue::Kind::kString:
        return "a string";
      case JsonValue::Kind::kNumber:
        return "a number";
      default:
        return json_kind_name(kind);
    }
  }

  // A whole number in [least, most].
  bool whole(const JsonValue& value, const std::string& what, uint64_t least, uint64_t most,
             uint64_t* out) {
    if (!expect(value, JsonValue::Kind::kNumber, what)) return false;
    if (!value.as_unsigned(out) || *out < least || *out > most) {
      return fail(value.place, what + " must be a whole number from " + std::to_string(least) +
                                   " to " + std::to_string(most) + ", not " + value.text);
    }
    return true;
  }

  bool document(const JsonValue& root, Tuning* tuning) {
    if (!expect(root, JsonValue::Kind::kObject, "the document")) return false;
    const JsonValue* collectives = nullptr;
    bool versioned = false;
    for (const JsonMember& member : root.members) {
      if (member.key == "version") {
        uint64_t version = 0;
        if (!expect(member.value, JsonValue::Kind::kNumber, "\"version\"")) return false;
        if (!member.value.as_unsigned(&version) || version != kVersion) {
          return fail(member.value.place, "\"version\" " + member.value.text +
                                              " is not one this library reads (it reads " +
                                              std::to_string(kVersion) + ")");
        }
        versioned = true;
      } else if (member.key == "comment") {
        if (!expect(member.value, JsonValue::Kind::kString, "\"comment\"")) return false;
      } else if (member.key == "collectives") {
        if (!expect(member.value, JsonValue::Kind::kObject, "\"collectives\"")) return false;
        collectives = &member.value;
      } else {
        return fail(member.place, "unknown key \"" + member.key + "\" at the top level (known: " +
                                      list_text({"version", "comment", "collectives"}) + ")");
      }
    }
    if (!versioned) return fail(root.place, "the document has no \"version\" (1)");
    if (collectives == nullptr) return fail(root.place, "the document has no \"collectives\"");

    for (const JsonMember& member : collectives->members) {
      Collective collective;
      if (!find_collective(member.key, &collective)) {
        std::string known;
        for (int c = 0; c < kCollectiveCount; ++c) {
          known += (known.empty() ? "" : ", ") +
                   std::string(collective_info(static_cast<Collective>(c)).name);
        }
        return fail(member.place, "\"" + member.key + "\" is not a collective (known: " + known + ")");
      }
      std::vector<Rule> rules;
      if (!rule_list(member.value, collective, &rules)) return false;
      const size_t index = static_cast<size_t>(collective);
      tuning->rules[index] = std::move(rules);
      tuning->source[index] = source_;
    }
    return true;
  }

  bool rule_list(const JsonValue& list, Collective collective, std::vector<Rule>* rules) {
    const CollectiveInfo& info = collective_info(collective);
    const std::string name = info.name;
    if (!expect(list, JsonValue::Kind::kArray, "the rules of " + name)) return false;
    if (list.items.empty()) return fail(list.place, "the rules of " + name + " are an empty list");
    for (size_t i = 0; i < list.items.size(); ++i) {
      Rule rule;
      if (!one_rule(list.items[i], info, name + " rule " + std::to_string(i + 1), &rule)) {
        return false;
      }
      rules->push_back(rule);
    }
    return true;
  }

  bool need(const JsonValue& value, const std::string& what, Need* out) {
    if (!expect(value, JsonValue::Kind::kBool, what)) return false;
    *out = value.boolean ? Need::kYes : Need::kNo;
    return true;
  }

  bool one_rule(const JsonValue& value, const CollectiveInfo& info, const std::string& what,
                Rule* rule) {
    if (!expect(value, JsonValue::Kind::kObject, what)) return false;
    bool named = false;
    uint64_t number = 0;
    const JsonValue* min_bytes = nullptr;
    const JsonValue* max_ranks = nullptr;
    for (const JsonMember& member : value.members) {
      const std::string field = what + ": \"" + member.key + "\"";
      const JsonValue& v = member.value;
      if (member.key == "algorithm") {
        if (!expect(v, JsonValue::Kind::kString, field)) return false;
        bool found = false;
        for (size_t a = 0; a < info.algorithms.size(); ++a) {
          if (v.text == info.algorithms[a].name) {
            rule->algorithm = static_cast<uint8_t>(a);
            found = true;
          }
        }
        if (!found) {
          return fail(v.place, what + ": \"" + v.text + "\" names no " + std::string(info.name) +
                                   " algorithm (known: " + algorithm_names(info) + ")");
        }
        named = true;
      } else if (member.key == "min_ranks") {
        if (!whole(v, field, 1, INT_MAX, &number)) return false;
        rule->min_size = static_cast<int>(number);
      } else if (member.key == "max_ranks") {
        if (!whole(v, field, 1, INT_MAX, &number)) return false;
        rule->max_size = static_cast<int>(number);
        max_ranks = &v;
      } else if (member.key == "min_bytes") {
        if (!whole(v, field, 0, SIZE_MAX, &number)) return false;
        rule->min_bytes = static_cast<size_t>(number);
        min_bytes = &v;
      } else if (member.key == "below_bytes") {
        if (!whole(v, field, 1, SIZE_MAX, &number)) return false;
        rule->below_bytes = static_cast<size_t>(number);
      } else if (member.key == "power_of_two") {
        if (!need(v, field, &rule->power_of_two)) return false;
      } else if (member.key == "commutative") {
        if (!need(v, field, &rule->commutative)) return false;
      } else if (member.key == "enough_elements") {
        if (!need(v, field, &rule->enough_elements)) return false;
      } else if (member.key == "comment") {
        if (!expect(v, JsonValue::Kind::kString, field)) return false;
      } else {
        std::string known;
        for (const char* key : kRuleKeys) known += (known.empty() ? "" : ", ") + std::string(key);
        return fail(member.place, what + ": unknown key \"" + member.key + "\" (known: " + known + ")");
      }
    }
    if (!named) return fail(value.place, what + " has no \"algorithm\"");
    // A rule that can never match is a mistake in the file, not something to skip quietly.
    if (rule->min_size > rule->max_size) {
      return fail(max_ranks->place, what + ": \"max_ranks\" " + std::to_string(rule->max_size) +
                                        " is below \"min_ranks\" " + std::to_string(rule->min_size) +
                                        ", so the rule never applies");
    }
    if (rule->min_bytes >= rule->below_bytes) {
      return fail(min_bytes->place, what + ": \"min_bytes\" " + std::to_string(rule->min_bytes) +
                                        " is not below \"below_bytes\" " +
                                        std::to_string(rule->below_bytes) +
                                        ", so the rule never applies");
    }
    return true;
  }

  const std::string& source_;
  const std::string& name_;
  std::string error_;
};

std::string bytes_text(size_t bytes) {
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes >= kKiB && bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " B";
}

const config::Setting kTuningFile{
    "WEFT_TUNING_FILE", config::Type::string, "",
    "A tuning file (JSON; docs/tuning.md) whose rules replace the built-in collective "
    "selection rules of the collectives it lists; a file that cannot be used fails every "
    "collective call with a message naming the file, the place and the problem."};

Tuning load() {
  Tuning result;
  std::string problem;
  if (!read_tuning(default_tuning_text(), "", &result, &problem)) {
    // A broken built-in file is a build defect, and the unit tests load it; still say so.
    result.error = "internal error: the built-in tuning file does not load: " + problem;
    return result;
  }
  const std::string path = kTuningFile.text();
  if (path.empty()) return result;
  if (!read_tuning_file(path, path, &result, &problem)) {
    result.error = "WEFT_TUNING_FILE=" + problem;
  }
  return result;
}

}  // namespace

bool read_tuning(std::string_view text, const std::string& source, Tuning* tuning,
                 std::string* error) {
  const std::string name = source.empty() ? "coll/tuning/default.json (built in)" : source;
  Reader reader(source, name);
  return reader.read(text, tuning, error);
}

bool read_tuning_file(const std::string& path, const std::string& source, Tuning* tuning,
                      std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    *error = source + ": cannot be opened: " + std::strerror(errno);
    return false;
  }
  std::string text;
  char chunk[4096];
  size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) text.append(chunk, got);
  const bool failed = std::ferror(file) != 0;
  const int reason = errno;
  std::fclose(file);
  if (failed) {
    *error = source + ": cannot be read: " + std::strerror(reason);
    return false;
  }
  return read_tuning(text, source, tuning, error);
}

const Tuning& tuning() {
  static const Tuning loaded = load();
  return loaded;
}

std::string rule_text(const Rule& rule) {
  std::string text;
  auto add = [&](const std::string& condition) { text += (text.empty() ? "" : ", ") + condition; };
  if (rule.min_size == rule.max_size) {
    add("p = " + std::to_string(rule.min_size));
  } else {
    if (rule.min_size > 1) add("p >= " + std::to_string(rule.min_size));
    if (rule.max_size < INT_MAX) add("p <= " + std::to_string(rule.max_size));
  }
  if (rule.min_bytes > 0) add("bytes >= " + bytes_text(rule.min_bytes));
  if (rule.below_bytes < SIZE_MAX) add("bytes < " + bytes_text(rule.below_bytes));
  if (rule.power_of_two != Need::kAny) {
    add(rule.power_of_two == Need::kYes ? "p a power of two" : "p not a power of two");
  }
  if (rule.commutative != Need::kAny) {
    add(rule.commutative == Need::kYes ? "commutative op" : "non-commutative op");
  }
  if (rule.enough_elements != Need::kAny) {
    add(rule.enough_elements == Need::kYes ? "count >= pof2(p)" : "count < pof2(p)");
  }
  return text;
}

}  // namespace weft::coll
