#include "collector/pipeline/stage_config.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "common/go/time.h"

namespace logstack::collector {
namespace {

std::string KindName(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "\"" + n.Scalar() + "\"";
    default:
      return "null";
  }
}

// Loki's flagext.ByteSize: an integer of bytes, or with a unit B, K(B), M(B),
// G(B), T(B), P(B), E(B) in any case, each 1024 of the one before.
std::optional<uint64_t> ParseByteSizeText(std::string_view s) {
  size_t n = 0;
  uint64_t v = 0;
  while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) {
    if (v > (UINT64_MAX - 9) / 10) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(s[n++] - '0');
  }
  if (n == 0) return std::nullopt;
  std::string unit;
  for (char c : s.substr(n)) {
    if (c != ' ') unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (unit.empty() || unit == "b") return v;
  static const char kUnits[] = "kmgtpe";
  const char* p = unit.size() <= 2 && (unit.size() == 1 || unit[1] == 'b')
                      ? std::strchr(kUnits, unit[0])
                      : nullptr;
  if (p == nullptr || unit[0] == '\0') return std::nullopt;
  for (const char* q = kUnits; q <= p; ++q) {
    if (v > UINT64_MAX / 1024) return std::nullopt;
    v *= 1024;
  }
  return v;
}

}  // namespace

StageConfig::StageConfig(YAML::Node body, std::string where)
    : body_(std::move(body)), where_(std::move(where)) {}

Status StageConfig::Error(std::string_view message) const {
  return InvalidArgument(where_ + ": " + std::string(message));
}

Status StageConfig::KeyError(std::string_view key, std::string_view message) const {
  return InvalidArgument(where_ + ": " + std::string(key) + ": " + std::string(message));
}

Status StageConfig::CheckMap(std::initializer_list<std::string_view> known) const {
  if (!body_.IsDefined() || body_.IsNull()) return Status::Ok();
  if (!body_.IsMap()) return Error("must be a map of options, got " + KindName(body_));
  for (const auto& kv : body_) {
    if (!kv.first.IsScalar()) return Error("option names must be strings");
    const std::string& k = kv.first.Scalar();
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      std::string list;
      for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      return Error("unknown option \"" + k + "\"" +
                   (list.empty() ? std::string(" (it takes none)") : " (known: " + list + ")"));
    }
  }
  return Status::Ok();
}

YAML::Node StageConfig::Get(std::string_view key) const {
  if (!body_.IsMap()) return YAML::Node();
  for (const auto& kv : body_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node();
}

bool StageConfig::Has(std::string_view key) const {
  YAML::Node n = Get(key);
  return n.IsDefined() && !n.IsNull();
}

StatusOr<std::optional<std::string>> StageConfig::String(std::string_view key) const {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return std::optional<std::string>();
  if (!n.IsScalar()) return KeyError(key, "must be a string, got " + KindName(n));
  return std::optional<std::string>(n.Scalar());
}

StatusOr<std::optional<int64_t>> StageConfig::Int(std::string_view key, int64_t min,
                                                  int64_t max) const {
  LOGSTACK_ASSIGN_OR_RETURN(auto s, String(key));
  if (!s) return std::optional<int64_t>();
  int64_t v = 0;
  try {
    size_t used = 0;
    v = std::stoll(*s, &used, 10);
    if (used != s->size()) throw std::invalid_argument(*s);
  } catch (const std::exception&) {
    return KeyError(key, "must be an integer, got \"" + *s + "\"");
  }
  if (v < min || v > max) {
    return KeyError(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                             ", got " + std::to_string(v));
  }
  return std::optional<int64_t>(v);
}

StatusOr<std::optional<bool>> StageConfig::Bool(std::string_view key) const {
  LOGSTACK_ASSIGN_OR_RETURN(auto s, String(key));
  if (!s) return std::optional<bool>();
  if (*s == "true" || *s == "True" || *s == "TRUE") return std::optional<bool>(true);
  if (*s == "false" || *s == "False" || *s == "FALSE") return std::optional<bool>(false);
  return KeyError(key, "must be true or false, got \"" + *s + "\"");
}

StatusOr<std::optional<int64_t>> StageConfig::Duration(std::string_view key) const {
  LOGSTACK_ASSIGN_OR_RETURN(auto s, String(key));
  if (!s) return std::optional<int64_t>();
  StatusOr<int64_t> d = go::ParseDuration(*s);
  if (!d.ok()) return KeyError(key, d.status().message());
  return std::optional<int64_t>(*d);
}

StatusOr<std::optional<uint64_t>> StageConfig::ByteSize(std::string_view key) const {
  LOGSTACK_ASSIGN_OR_RETURN(auto s, String(key));
  if (!s) return std::optional<uint64_t>();
  std::optional<uint64_t> v = ParseByteSizeText(*s);
  if (!v) return KeyError(key, "\"" + *s + "\" is not a size in bytes like 8192 or 8kb");
  return v;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> StageConfig::ReadStringMap(
    const YAML::Node& node, const std::string& where) {
  std::vector<std::pair<std::string, std::string>> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (!node.IsMap()) return InvalidArgument(where + ": must be a map, got " + KindName(node));
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return InvalidArgument(where + ": keys must be strings");
    const std::string& k = kv.first.Scalar();
    if (kv.second.IsNull() || !kv.second.IsDefined()) {
      out.emplace_back(k, "");
    } else if (kv.second.IsScalar()) {
      out.emplace_back(k, kv.second.Scalar());
    } else {
      return InvalidArgument(where + ": " + k + ": must be a string, got " + KindName(kv.second));
    }
  }
  return out;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> StageConfig::StringMap(
    std::string_view key) const {
  return ReadStringMap(Get(key), where_ + ": " + std::string(key));
}

StatusOr<std::vector<std::string>> StageConfig::ReadStringList(const YAML::Node& node,
                                                               const std::string& where) {
  std::vector<std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    return InvalidArgument(where + ": must be a list of strings, got " + KindName(node));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    if (!node[i].IsScalar()) {
      return InvalidArgument(where + "[" + std::to_string(i) + "]: must be a string, got " +
                             KindName(node[i]));
    }
    out.push_back(node[i].Scalar());
  }
  return out;
}

StatusOr<std::optional<std::vector<std::string>>> StageConfig::StringList(
    std::string_view key) const {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return std::optional<std::vector<std::string>>();
  LOGSTACK_ASSIGN_OR_RETURN(auto list, ReadStringList(n, where_ + ": " + std::string(key)));
  return std::optional<std::vector<std::string>>(std::move(list));
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

}  // namespace logstack::collector
