#pragma once

// The part of JMESPath that Promtail's json stage expressions use in
// practice, evaluated over a parsed JSON document:
//
//   a            a field (identifier: [A-Za-z_][A-Za-z0-9_]*)
//   "a.b"        a quoted field (JSON string escapes), for names that are
//                not identifiers
//   a.b.c        sub-expressions
//   a[0], a[-1]  an array element (negative counts from the end)
//   a[*].b       a list projection: b of every element, nulls left out
//   a.*          an object projection over the values
//   a[]          flatten one level, then project
//   @            the current node
//
// Anything else (functions, filters, slices, pipes, multi-selects, literals)
// is refused when the expression is compiled, with the offset and what is
// supported, so a Promtail config that relies on it fails at start instead of
// extracting nothing.
//
// Thread safety: a compiled JmesPath is immutable.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack::collector {

class JmesPath {
 public:
  // Errors read: unsupported JMESPath at offset 3 in "a || b": ...
  static StatusOr<JmesPath> Compile(std::string_view expr);

  // The result; null when nothing matched.
  nlohmann::json Search(const nlohmann::json& doc) const;

 private:
  struct Step {
    enum class Kind { kField, kIndex, kListWildcard, kObjectWildcard, kFlatten, kCurrent };
    Kind kind = Kind::kField;
    std::string name;
    int64_t index = 0;
  };
  nlohmann::json Eval(const nlohmann::json& node, size_t step) const;

  std::vector<Step> steps_;
};

// encoding/json's Marshal of a decoded value: compact, object keys sorted,
// <, > and & escaped as \u003c \u003e \u0026, numbers as Go prints float64.
std::string GoJsonMarshal(const nlohmann::json& v);

}  // namespace logstack::collector
