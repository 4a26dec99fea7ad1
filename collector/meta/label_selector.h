#pragma once

// A Kubernetes metav1.LabelSelector, evaluated locally: the collector's
// `namespace_selector` (the LogStack's `collector.namespaceSelector`,
// rendered verbatim by the operator) decides which namespaces' pods are
// collected.
//
// Semantics are the API server's:
//   - matchLabels {k: v} is the requirement `k In [v]`;
//   - `In`: the label is present and its value is one of `values`;
//   - `NotIn`: the label is absent, or its value is none of `values`;
//   - `Exists` / `DoesNotExist`: the label is present / absent;
//   - all requirements must hold (AND); a selector without requirements
//     (`{}`) matches everything. (The operator never renders `{}`: it means
//     "no selector" in the LogStack, see docs/operator.md.)
// Parsing is strict as the API server's validation is: an unknown field or
// operator, `In`/`NotIn` without values or `Exists`/`DoesNotExist` with
// values is InvalidArgument naming the offending field.
//
// The API server's test double (tests/kube/server/selector.h) parses the
// string form of selectors for list/watch queries; this is the structured
// form, in production code, and shares nothing with it.
//
// Thread safety: a value; immutable after parsing, so any number of threads
// may call Matches() at once.

#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace logstack::collector {

class LabelSelector {
 public:
  enum class Op { kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kExists;
    std::vector<std::string> values;  // sorted, unique; empty for kExists/kDoesNotExist

    bool operator==(const Requirement&) const = default;
  };

  // Matches everything.
  LabelSelector() = default;

  // From the JSON form ({"matchLabels": {...}, "matchExpressions": [...]}).
  // `path` names the selector in error messages ("namespace_selector").
  static StatusOr<LabelSelector> FromJson(const nlohmann::json& selector,
                                          const std::string& path = "selector");
  // The same from a YAML node, as the collector's config file holds it.
  static StatusOr<LabelSelector> FromYaml(const YAML::Node& selector,
                                          const std::string& path = "selector");

  // True iff every requirement holds for `labels`.
  bool Matches(const std::map<std::string, std::string>& labels) const;

  bool empty() const { return requirements_.empty(); }
  // matchLabels first (by key), then matchExpressions in their order.
  const std::vector<Requirement>& requirements() const { return requirements_; }
  // The string form the API server accepts in `labelSelector=`
  // ("a=b,c in (d,e),!f"), for logs and messages.
  std::string ToString() const;

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace logstack::collector
