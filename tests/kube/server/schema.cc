#include "tests/kube/server/schema.h"

#include "tests/kube/server/cel.h"

#include <regex>
#include <set>

namespace logstack::kubetest {
namespace {

using nlohmann::json;

bool Preserve(const json& schema) {
  return schema.is_object() && schema.value("x-kubernetes-preserve-unknown-fields", false);
}

std::string Join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string TypeName(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "boolean";
  if (v.is_number_integer() || v.is_number_unsigned()) return "integer";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  return "object";
}

bool TypeMatches(const std::string& type, const json& v) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer") {
    if (v.is_number_integer() || v.is_number_unsigned()) return true;
    if (v.is_number_float()) {
      double d = v.get<double>();
      return d == static_cast<double>(static_cast<long long>(d));
    }
    return false;
  }
  if (type == "number") return v.is_number();
  return true;
}

double Num(const json& v) { return v.get<double>(); }

std::string NumText(const json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) {
      return std::to_string(static_cast<long long>(d));
    }
  }
  return v.dump();
}

}  // namespace

void Prune(const json& schema, json& value, const std::string& path,
           std::vector<std::string>* pruned) {
  const bool is_root = path.empty();
  if (!schema.is_object()) return;
  if (value.is_object()) {
    const bool has_props = schema.contains("properties") && schema["properties"].is_object();
    const json* additional =
        schema.contains("additionalProperties") ? &schema["additionalProperties"] : nullptr;
    for (auto it = value.begin(); it != value.end();) {
      const std::string& key = it.key();
      if (is_root && (key == "apiVersion" || key == "kind" || key == "metadata")) {
        ++it;
        continue;
      }
      if (has_props && schema["properties"].contains(key)) {
        Prune(schema["properties"][key], it.value(), Join(path, key), pruned);
        ++it;
      } else if (additional && additional->is_object()) {
        Prune(*additional, it.value(), Join(path, key), pruned);
        ++it;
      } else if (Preserve(schema) || (additional && additional->is_boolean() && *additional)) {
        ++it;
      } else {
        if (pruned) pruned->push_back(Join(path, key));
        it = value.erase(it);
      }
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      Prune(schema["items"], value[i], (is_root ? "" : path) + "[" + std::to_string(i) + "]",
            pruned);
    }
  }
}

void ApplyDefaults(const json& schema, json& value) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    if (schema.contains("properties") && schema["properties"].is_object()) {
      for (const auto& [key, sub] : schema["properties"].items()) {
        if (!value.contains(key) && sub.is_object() && sub.contains("default")) {
          value[key] = sub["default"];
        }
        if (value.contains(key)) ApplyDefaults(sub, value[key]);
      }
    }
    if (schema.contains("additionalProperties") && schema["additionalProperties"].is_object()) {
      for (auto& [key, sub] : value.items()) ApplyDefaults(schema["additionalProperties"], sub);
    }
  } else if (value.is_array() && schema.contains("items")) {
    for (auto& item : value) ApplyDefaults(schema["items"], item);
  }
}

std::vector<FieldCause> Validate(const json& schema, const json& value, const std::string& path) {
  std::vector<FieldCause> causes;
  if (!schema.is_object()) return causes;
  auto invalid = [&](const std::string& detail) {
    causes.push_back(
        {"FieldValueInvalid",
         "Invalid value: " + (value.is_string() ? value.dump() : NumText(value)) + ": " + detail,
         path});
  };
  if (value.is_null()) {
    if (!schema.value("nullable", false) && schema.contains("type")) {
      invalid(path + " in body must be of type " + schema["type"].get<std::string>() +
              ": \"null\"");
    }
    return causes;
  }
  if (schema.value("x-kubernetes-int-or-string", false)) {
    if (!value.is_string() && !TypeMatches("integer", value)) {
      invalid(path + " in body must be of type integer-or-string: \"" + TypeName(value) + "\"");
      return causes;
    }
  } else if (schema.contains("type") && schema["type"].is_string()) {
    const std::string type = schema["type"];
    if (!TypeMatches(type, value)) {
      causes.push_back({"FieldValueTypeInvalid",
                        "Invalid value: \"" + TypeName(value) + "\": " + path +
                            " in body must be of type " + type + ": \"" + TypeName(value) + "\"",
                        path});
      return causes;
    }
  }
  if (schema.contains("enum") && schema["enum"].is_array()) {
    bool found = false;
    std::string supported;
    for (const auto& e : schema["enum"]) {
      if (e == value) found = true;
      supported += (supported.empty() ? "" : ", ") + e.dump();
    }
    if (!found) {
      causes.push_back({"FieldValueNotSupported",
                        "Unsupported value: " + value.dump() + ": supported values: " + supported,
                        path});
    }
  }
  if (value.is_string()) {
    const std::string s = value.get<std::string>();
    if (schema.contains("pattern") && schema["pattern"].is_string()) {
      try {
        std::regex re(schema["pattern"].get<std::string>(), std::regex::ECMAScript);
        if (!std::regex_search(s, re)) {
          invalid(path + " in body should match '" + schema["pattern"].get<std::string>() + "'");
        }
      } catch (const std::regex_error&) {
        // An invalid pattern is rejected when the CRD is created; ignore it here.
      }
    }
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>()) {
      invalid(path + " in body should be at least " + schema["minLength"].dump() + " chars long");
    }
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>()) {
      causes.push_back({"FieldValueTooLong",
                        "Too long: may not be more than " + schema["maxLength"].dump() + " bytes",
                        path});
    }
  }
  if (value.is_number()) {
    if (schema.contains("minimum")) {
      bool excl = schema.value("exclusiveMinimum", false);
      double min = Num(schema["minimum"]);
      if (excl ? Num(value) <= min : Num(value) < min) {
        invalid(path + " in body should be greater than " + (excl ? "" : "or equal to ") +
                NumText(schema["minimum"]));
      }
    }
    if (schema.contains("maximum")) {
      bool excl = schema.value("exclusiveMaximum", false);
      double max = Num(schema["maximum"]);
      if (excl ? Num(value) >= max : Num(value) > max) {
        invalid(path + " in body should be less than " + (excl ? "" : "or equal to ") +
                NumText(schema["maximum"]));
      }
    }
  }
  if (value.is_array()) {
    if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
      invalid(path + " in body should have at least " + schema["minItems"].dump() + " items");
    }
    if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>()) {
      causes.push_back({"FieldValueTooMany",
                        "Too many: " + std::to_string(value.size()) + ": must have at most " +
                            schema["maxItems"].dump() + " items",
                        path});
    }
    if (schema.value("uniqueItems", false)) {
      std::set<std::string> seen;
      for (const auto& item : value) {
        if (!seen.insert(item.dump()).second) {
          causes.push_back({"FieldValueDuplicate", "Duplicate value: " + item.dump(), path});
        }
      }
    }
    if (schema.contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        auto sub = Validate(schema["items"], value[i], path + "[" + std::to_string(i) + "]");
        causes.insert(causes.end(), sub.begin(), sub.end());
      }
    }
  }
  if (value.is_object()) {
    if (schema.contains("required") && schema["required"].is_array()) {
      for (const auto& r : schema["required"]) {
        if (r.is_string() && !value.contains(r.get<std::string>())) {
          causes.push_back({"FieldValueRequired", "Required value", Join(path, r)});
        }
      }
    }
    if (schema.contains("minProperties") && value.size() < schema["minProperties"].get<size_t>()) {
      invalid(path + " in body should have at least " + schema["minProperties"].dump() +
              " properties");
    }
    if (schema.contains("maxProperties") && value.size() > schema["maxProperties"].get<size_t>()) {
      causes.push_back({"FieldValueTooMany",
                        "Too many: " + std::to_string(value.size()) + ": must have at most " +
                            schema["maxProperties"].dump() + " items",
                        path});
    }
    const bool has_props = schema.contains("properties") && schema["properties"].is_object();
    for (const auto& [key, sub] : value.items()) {
      if (path.empty() && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
      const json* sub_schema = nullptr;
      if (has_props && schema["properties"].contains(key)) {
        sub_schema = &schema["properties"][key];
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        sub_schema = &schema["additionalProperties"];
      }
      if (sub_schema) {
        auto more = Validate(*sub_schema, sub, Join(path, key));
        causes.insert(causes.end(), more.begin(), more.end());
      }
    }
  }
  return causes;
}

std::vector<FieldCause> PrepareCustomResource(const json& schema, json& object,
                                              std::vector<std::string>* pruned,
                                              const json* old_object) {
  if (!schema.is_object() || schema.empty()) return {};
  Prune(schema, object, "", pruned);
  ApplyDefaults(schema, object);
  std::vector<FieldCause> causes = Validate(schema, object, "");
  // Like a real server, rules run only when every value has its schema's type
  // (a rule over a wrongly typed value would only add noise).
  for (const auto& c : causes) {
    if (c.reason == "FieldValueTypeInvalid") return causes;
  }
  auto rules = cel::ValidateRules(schema, object, old_object);
  causes.insert(causes.end(), rules.begin(), rules.end());
  return causes;
}

}  // namespace logstack::kubetest
