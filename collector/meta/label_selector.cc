#include "collector/meta/label_selector.h"

#include <algorithm>

namespace logstack::collector {
namespace {

using Json = nlohmann::json;

std::string TypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::object:
      return "a map";
    case Json::value_t::array:
      return "a list";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::boolean:
      return "a boolean";
    default:
      return "a number";
  }
}

// YAML scalars become strings (label values are strings: `true` in a
// matchLabels map means the label value "true").
Json YamlToJson(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      Json out = Json::object();
      for (const auto& kv : n) out[kv.first.Scalar()] = YamlToJson(kv.second);
      return out;
    }
    case YAML::NodeType::Sequence: {
      Json out = Json::array();
      for (const auto& v : n) out.push_back(YamlToJson(v));
      return out;
    }
    case YAML::NodeType::Scalar:
      return n.Scalar();
    default:
      return nullptr;
  }
}

StatusOr<LabelSelector::Op> ParseOp(const std::string& op, const std::string& path) {
  if (op == "In") return LabelSelector::Op::kIn;
  if (op == "NotIn") return LabelSelector::Op::kNotIn;
  if (op == "Exists") return LabelSelector::Op::kExists;
  if (op == "DoesNotExist") return LabelSelector::Op::kDoesNotExist;
  return InvalidArgument(path + ": must be In, NotIn, Exists or DoesNotExist, got \"" + op + "\"");
}

StatusOr<LabelSelector::Requirement> ParseExpression(const Json& e, const std::string& path) {
  if (!e.is_object()) return InvalidArgument(path + ": must be a map, got " + TypeName(e));
  for (const auto& [k, v] : e.items()) {
    if (k != "key" && k != "operator" && k != "values") {
      return InvalidArgument(path + ": unknown field \"" + k + "\"");
    }
  }
  LabelSelector::Requirement r;
  auto key = e.find("key");
  if (key == e.end() || !key->is_string() || key->get<std::string>().empty()) {
    return InvalidArgument(path + ".key: is required (a non-empty string)");
  }
  r.key = key->get<std::string>();
  auto op = e.find("operator");
  if (op == e.end() || !op->is_string()) {
    return InvalidArgument(path + ".operator: is required (In, NotIn, Exists or DoesNotExist)");
  }
  LOGSTACK_ASSIGN_OR_RETURN(r.op, ParseOp(op->get<std::string>(), path + ".operator"));
  auto values = e.find("values");
  if (values != e.end() && !values->is_null()) {
    if (!values->is_array()) {
      return InvalidArgument(path + ".values: must be a list of strings, got " + TypeName(*values));
    }
    for (const auto& v : *values) {
      if (!v.is_string()) {
        return InvalidArgument(path + ".values: must be a list of strings, has " + TypeName(v));
      }
      r.values.push_back(v.get<std::string>());
    }
  }
  const bool wants_values = r.op == LabelSelector::Op::kIn || r.op == LabelSelector::Op::kNotIn;
  if (wants_values && r.values.empty()) {
    return InvalidArgument(path + ".values: must not be empty for operator " +
                           op->get<std::string>());
  }
  if (!wants_values && !r.values.empty()) {
    return InvalidArgument(path + ".values: must be empty for operator " + op->get<std::string>());
  }
  std::sort(r.values.begin(), r.values.end());
  r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
  return r;
}

}  // namespace

StatusOr<LabelSelector> LabelSelector::FromJson(const Json& selector, const std::string& path) {
  if (!selector.is_object()) {
    return InvalidArgument(path + ": must be a label selector map, got " + TypeName(selector));
  }
  LabelSelector out;
  for (const auto& [k, v] : selector.items()) {
    if (k != "matchLabels" && k != "matchExpressions") {
      return InvalidArgument(path + ": unknown field \"" + k +
                             "\" (a label selector has matchLabels and matchExpressions)");
    }
  }
  if (auto ml = selector.find("matchLabels"); ml != selector.end() && !ml->is_null()) {
    if (!ml->is_object()) {
      return InvalidArgument(path + ".matchLabels: must be a map of strings, got " + TypeName(*ml));
    }
    // nlohmann's object is ordered by key: requirements come out sorted.
    for (const auto& [k, v] : ml->items()) {
      if (!v.is_string()) {
        return InvalidArgument(path + ".matchLabels." + k + ": must be a string, got " +
                               TypeName(v));
      }
      if (k.empty()) return InvalidArgument(path + ".matchLabels: a key is empty");
      out.requirements_.push_back({k, Op::kIn, {v.get<std::string>()}});
    }
  }
  if (auto me = selector.find("matchExpressions"); me != selector.end() && !me->is_null()) {
    if (!me->is_array()) {
      return InvalidArgument(path + ".matchExpressions: must be a list, got " + TypeName(*me));
    }
    for (size_t i = 0; i < me->size(); ++i) {
      LOGSTACK_ASSIGN_OR_RETURN(
          Requirement r,
          ParseExpression((*me)[i], path + ".matchExpressions[" + std::to_string(i) + "]"));
      out.requirements_.push_back(std::move(r));
    }
  }
  return out;
}

StatusOr<LabelSelector> LabelSelector::FromYaml(const YAML::Node& selector,
                                                const std::string& path) {
  return FromJson(YamlToJson(selector), path);
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    const bool present = it != labels.end();
    switch (r.op) {
      case Op::kIn:
        if (!present || !std::binary_search(r.values.begin(), r.values.end(), it->second)) {
          return false;
        }
        break;
      case Op::kNotIn:
        if (present && std::binary_search(r.values.begin(), r.values.end(), it->second)) {
          return false;
        }
        break;
      case Op::kExists:
        if (!present) return false;
        break;
      case Op::kDoesNotExist:
        if (present) return false;
        break;
    }
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ',';
    auto list = [&] {
      std::string s = " (";
      for (size_t i = 0; i < r.values.size(); ++i) s += (i ? "," : "") + r.values[i];
      return s + ")";
    };
    switch (r.op) {
      case Op::kIn:
        out += r.values.size() == 1 ? r.key + "=" + r.values[0] : r.key + " in" + list();
        break;
      case Op::kNotIn:
        out += r.key + " notin" + list();
        break;
      case Op::kExists:
        out += r.key;
        break;
      case Op::kDoesNotExist:
        out += "!" + r.key;
        break;
    }
  }
  return out;
}

}  // namespace logstack::collector
