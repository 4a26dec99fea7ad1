#include "common/config.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/units.h"

namespace logstack {

bool CommandLine::Has(const std::string& name) const {
  for (const auto& [k, v] : flags) {
    if (k == name) return true;
  }
  return false;
}

std::string CommandLine::Get(const std::string& name, const std::string& fallback) const {
  std::string out = fallback;
  for (const auto& [k, v] : flags) {
    if (k == name) out = v;
  }
  return out;
}

StatusOr<CommandLine> ParseCommandLine(int argc, const char* const* argv) {
  CommandLine cmd;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "-h") arg = "--help";
    if (arg.rfind("--", 0) != 0) {
      cmd.positional.push_back(arg);
      continue;
    }
    arg = arg.substr(2);
    if (arg.empty()) return InvalidArgument("empty flag '--'");
    std::string name;
    std::string value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else {
      name = arg;
      if (i + 1 < argc && std::string(argv[i + 1]).rfind("-", 0) != 0 && name != "help") {
        value = argv[++i];
      } else {
        value = "true";
      }
    }
    std::replace(name.begin(), name.end(), '-', '_');
    cmd.flags.emplace_back(name, value);
  }
  return cmd;
}

StatusOr<YAML::Node> LoadConfigTree(const std::string& file, const CommandLine& cmd,
                                    const std::set<std::string>& ignore) {
  YAML::Node root(YAML::NodeType::Map);
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) return NotFound("cannot read config file " + file);
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      YAML::Node loaded = YAML::Load(ss.str());
      if (loaded.IsMap()) {
        root = loaded;
      } else if (!loaded.IsNull()) {
        return InvalidArgument("config file " + file + ": the top level must be a map");
      }
    } catch (const YAML::Exception& e) {
      return InvalidArgument("config file " + file + ": " + e.what());
    }
  }
  for (const auto& [name, value] : cmd.flags) {
    if (ignore.count(name)) continue;
    std::vector<std::string> parts;
    std::stringstream ss(name);
    std::string part;
    while (std::getline(ss, part, '.')) parts.push_back(part);
    // yaml-cpp's operator[] on a Node returns a handle into the same tree.
    std::vector<YAML::Node> chain{root};
    for (size_t i = 0; i + 1 < parts.size(); i++) {
      YAML::Node next = chain.back()[parts[i]];
      if (!next.IsDefined() || next.IsNull()) {
        chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = chain.back()[parts[i]];
      }
      if (!next.IsMap())
        return InvalidArgument("flag --" + name + ": " + parts[i] + " is not a map");
      chain.push_back(next);
    }
    chain.back()[parts.back()] = value;
  }
  return root;
}

ConfigReader::ConfigReader(YAML::Node node, std::string path)
    : node_(std::move(node)), path_(std::move(path)) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    errors_.push_back((path_.empty() ? std::string("config") : path_) + ": expected a map");
    node_ = YAML::Node(YAML::NodeType::Map);
  }
}

std::string ConfigReader::KeyPath(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void ConfigReader::Fail(const std::string& key, const std::string& why) {
  errors_.push_back(KeyPath(key) + ": " + why);
}

bool ConfigReader::Has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined() && !node_[key].IsNull();
}

template <typename T>
static bool Scalar(const YAML::Node& n, T* out) {
  try {
    *out = n.as<T>();
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

void ConfigReader::Read(const std::string& key, std::string* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  if (!node_[key].IsScalar() || !Scalar(node_[key], out)) Fail(key, "expected a string");
}

void ConfigReader::Read(const std::string& key, std::vector<std::string>* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  const YAML::Node n = node_[key];
  std::vector<std::string> items;
  if (n.IsScalar()) {
    std::string s = n.Scalar();
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      if (comma == std::string::npos) comma = s.size();
      if (comma > start) items.push_back(s.substr(start, comma - start));
      start = comma + 1;
    }
  } else if (n.IsSequence()) {
    for (const auto& item : n) {
      std::string v;
      if (!item.IsScalar() || !Scalar(item, &v)) return Fail(key, "expected a list of strings");
      items.push_back(std::move(v));
    }
  } else if (!n.IsNull()) {
    return Fail(key, "expected a list of strings");
  }
  *out = std::move(items);
}

void ConfigReader::ReadNode(const std::string& key, YAML::Node* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  *out = YAML::Clone(node_[key]);
}

void ConfigReader::Read(const std::string& key, bool* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  if (!Scalar(node_[key], out)) Fail(key, "expected true or false");
}

void ConfigReader::Read(const std::string& key, int64_t* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  if (!Scalar(node_[key], out)) Fail(key, "expected an integer");
}

void ConfigReader::Read(const std::string& key, double* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  if (!Scalar(node_[key], out)) Fail(key, "expected a number");
}

void ConfigReader::ReadDuration(const std::string& key, int64_t* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  std::string s;
  if (!Scalar(node_[key], &s)) return Fail(key, "expected a duration such as 1h30m");
  auto d = ParseDuration(s);
  if (!d.ok()) return Fail(key, d.status().message());
  *out = *d;
}

void ConfigReader::ReadBytes(const std::string& key, uint64_t* out) {
  seen_.insert(key);
  if (!Has(key)) return;
  std::string s;
  if (!Scalar(node_[key], &s)) return Fail(key, "expected a size such as 256KB");
  auto b = ParseBytes(s);
  if (!b.ok()) return Fail(key, b.status().message());
  *out = *b;
}

void ConfigReader::ReadBytesOrPercent(const std::string& key, uint64_t* bytes, double* percent) {
  seen_.insert(key);
  if (!Has(key)) return;
  std::string s;
  if (!Scalar(node_[key], &s))
    return Fail(key, "expected a size such as 5GB or a share such as 10%");
  if (!s.empty() && s.back() == '%') {
    char* end = nullptr;
    std::string num = s.substr(0, s.size() - 1);
    double p = std::strtod(num.c_str(), &end);
    if (num.empty() || end != num.c_str() + num.size() || !(p > 0 && p < 100)) {
      return Fail(key, "a share must be a number between 0% and 100%, got \"" + s + "\"");
    }
    *percent = p;
    *bytes = 0;
    return;
  }
  auto b = ParseBytes(s);
  if (!b.ok()) return Fail(key, b.status().message());
  *bytes = *b;
  *percent = 0;
}

ConfigReader& ConfigReader::Child(const std::string& key) {
  seen_.insert(key);
  YAML::Node n = Has(key) ? node_[key] : YAML::Node(YAML::NodeType::Map);
  children_.push_back(std::make_unique<ConfigReader>(n, KeyPath(key)));
  return *children_.back();
}

std::vector<std::string> ConfigReader::ChildKeys(const std::string& key) {
  std::vector<std::string> keys;
  if (!Has(key) || !node_[key].IsMap()) return keys;
  for (const auto& kv : node_[key]) keys.push_back(kv.first.as<std::string>());
  return keys;
}

void ConfigReader::Collect(std::vector<std::string>* errs) const {
  errs->insert(errs->end(), errors_.begin(), errors_.end());
  if (node_.IsMap()) {
    for (const auto& kv : node_) {
      std::string k = kv.first.as<std::string>();
      if (!seen_.count(k)) errs->push_back(KeyPath(k) + ": unknown setting");
    }
  }
  for (const auto& child : children_) child->Collect(errs);
}

Status ConfigReader::Finish() {
  std::vector<std::string> errs;
  Collect(&errs);
  if (errs.empty()) return Status::Ok();
  std::string msg = "invalid configuration: ";
  for (size_t i = 0; i < errs.size(); i++) {
    if (i) msg += "; ";
    msg += errs[i];
  }
  return InvalidArgument(msg);
}

}  // namespace logstack
