#pragma once

// The LogQL parser: query text to the AST of ast.h.
//
// A hand-written recursive-descent parser (precedence climbing for binary
// operators) over the tokens of lexer.h, accepting the language of Loki 3.x.
// Errors are InvalidArgument with Loki's exact message, which the HTTP API
// returns verbatim with status 400:
//
//   syntax:   "parse error at line 1, col 13: syntax error: unexpected $end, expecting } or ,"
//   semantic: "parse error : invalid aggregation sum_over_time without unwrap"
//
// Checks done here (as Loki does at parse time): selector and label-filter
// regexes, line-filter regexes, the regexp and pattern parsers, range and
// vector aggregation rules (unwrap, parameters, grouping), label_replace's
// regex, and that every selector has a matcher that does not match the empty
// string. Templates (line_format, label_format) are not compiled here; the
// pipeline reports their errors.
//
// Thread safety: pure functions.

#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/index/matcher.h"
#include "logstore/logql/ast.h"

namespace logstack::logstore::logql {

// Parses a complete LogQL query (log or metric).
StatusOr<ExprPtr> ParseExpr(std::string_view query);

// Parses a bare stream selector (`{a="b", c=~"d"}`), as the series and
// metadata endpoints take it, and returns its matchers. Pipelines are
// rejected ("only label matchers are supported"), as in Loki.
StatusOr<std::vector<index::Matcher>> ParseMatchers(std::string_view selector);

}  // namespace logstack::logstore::logql
