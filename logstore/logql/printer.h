#pragma once

// The canonical text of a LogQL AST, as Loki's /loki/api/v1/format_query
// prints it: `{app="a"} |= "x" | logfmt | status>=500`,
// `sum by (app)(rate({app="a"}[5m]))`, binary operations fully
// parenthesised (`((a / on (x) group_left b) > bool 2)`), strings re-quoted
// with Go's strconv.Quote.
//
// Round trip: ParseExpr(Format(e)) succeeds and formats identically.
// Where Loki's own output cannot be parsed back (byte sizes, which it prints
// as "100 kB"), the literal as written is printed instead.
//
// Thread safety: pure functions.

#include <string>
#include <vector>

#include "logstore/index/matcher.h"
#include "logstore/logql/ast.h"

namespace logstack::logstore::logql {

std::string Format(const Expr& expr);

// One pipeline stage as it appears in Loki's error messages
// (`stage '<FormatStage>' : ...`): `|~ "(unclosed"`, `| line_format "{{.x"`.
std::string FormatStage(const Stage& stage);

// `{a="b", c=~"d"}`.
std::string FormatMatchers(const std::vector<index::Matcher>& matchers);

// One label filter expression without the leading `| `: `status>=500`,
// `( a="b" , c>1 )`.
std::string FormatLabelFilter(const LabelFilterExpr& f);

}  // namespace logstack::logstore::logql
