#pragma once

// Label matchers of a stream selector: {app="x", pod=~"web-.*", env!="dev"}.
// Regular expressions are RE2, fully anchored, as in Loki and Prometheus.
//
// Thread safety: immutable after Make(); share freely.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "common/status.h"

namespace logstack::logstore::index {

class Matcher {
 public:
  enum class Type { kEqual, kNotEqual, kRegex, kNotRegex };

  // Returns InvalidArgument for a regex RE2 cannot compile.
  static StatusOr<Matcher> Make(Type type, std::string name, std::string value);

  Type type() const { return type_; }
  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  // True iff a label with this value (empty = label absent) passes.
  bool Matches(std::string_view value) const;
  bool MatchesEmpty() const { return matches_empty_; }
  // "=", "!=", "=~" or "!~".
  static std::string_view TypeString(Type t);
  // The matcher as written in LogQL: name="value" with Go quoting.
  std::string ToString() const;

 private:
  Type type_ = Type::kEqual;
  std::string name_;
  std::string value_;
  std::shared_ptr<const re2::RE2> re_;
  bool matches_empty_ = false;
};

// Parses a bare stream selector such as {app="x", pod=~"y.*"}. Used by the
// metadata endpoints and, until the LogQL engine exists, by query_range.
StatusOr<std::vector<Matcher>> ParseSelector(std::string_view text);

}  // namespace logstack::logstore::index
