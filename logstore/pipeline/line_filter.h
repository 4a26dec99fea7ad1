#pragma once

// Line filters: `|= "x"`, `!= "x"`, `|~ "re"`, `!~ "re"`, `|> "pat"`,
// `!> "pat"`, `|= ip("cidr")`, and their `or` chains.
//
// Each term compiles to a LineMatcher that answers "does the line contain /
// match this?" (the positive sense); the stage negates for !=, !~ and !>.
// Regexes that are plain literals or alternations of literals (`error`,
// `(?i)error`, `.*error.*`, `GET|POST`) become substring searches, as in
// Loki; other regexes run on RE2, unanchored.
//
// Thread safety: a LineMatcher is immutable; share freely.

#include <memory>
#include <string_view>

#include "common/status.h"
#include "logstore/logql/ast.h"

namespace logstack::logstore::pipeline {

class LineMatcher {
 public:
  virtual ~LineMatcher() = default;
  virtual bool Matches(std::string_view line) const = 0;
};
using LineMatcherPtr = std::shared_ptr<const LineMatcher>;

// Compiles one term of a filter with operator `op` (its positive sense).
// Errors are Loki's messages without the stage prefix, e.g.
//   error parsing regexp: missing closing ): `(unclosed`
StatusOr<LineMatcherPtr> MakeLineMatcher(logql::LineFilterOp op, const logql::LineFilterTerm& t);

}  // namespace logstack::logstore::pipeline
