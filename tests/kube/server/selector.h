#pragma once

// Label and field selectors as the Kubernetes API server accepts them in the
// labelSelector and fieldSelector query parameters.
//
// Label selectors: comma-separated requirements, each one of
//   key=value, key==value, key!=value, key in (a,b), key notin (a,b), key, !key
// Field selectors: comma-separated key=value, key==value, key!=value, where the
// key is a dotted path into the object (metadata.name, spec.nodeName, ...);
// which keys a resource supports is the caller's business (SupportedFields).
//
// Thread safety: values; immutable after parsing.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack::kubetest {

class LabelSelector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  // Returns the parsed selector, or InvalidArgument with the reason. An empty
  // string selects everything.
  static StatusOr<LabelSelector> Parse(std::string_view text);

  // True iff every requirement holds for `labels` (a JSON object of strings,
  // or null for no labels).
  bool Matches(const nlohmann::json& labels) const;
  bool empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  std::vector<Requirement> reqs_;
};

class FieldSelector {
 public:
  struct Requirement {
    std::string field;  // dotted path, e.g. "metadata.name"
    bool equals;        // false for !=
    std::string value;
  };

  static StatusOr<FieldSelector> Parse(std::string_view text);

  // True iff every requirement holds; a missing field compares as "".
  bool Matches(const nlohmann::json& object) const;
  bool empty() const { return reqs_.empty(); }
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  std::vector<Requirement> reqs_;
};

// The string value at a dotted path ("" when absent; numbers and booleans
// printed as JSON).
std::string FieldValue(const nlohmann::json& object, std::string_view dotted_path);

}  // namespace logstack::kubetest
