#pragma once

// The LogQL abstract syntax tree: what the parser (parser.h) produces, the
// printer (printer.h) prints back canonically, and the engine evaluates.
//
// A query is either a log query (a stream selector and a pipeline) or a
// metric query (range aggregations over log ranges, then vector
// aggregations, binary operations, literals and functions over those).
//
// Ownership: an Expr owns its children through unique_ptr. Nodes are plain
// values after parsing; the tree is immutable and may be read from any
// number of threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "logstore/index/matcher.h"

namespace logstack::logstore::logql {

// ---------------------------------------------------------------------------
// Log pipeline stages

// A line filter: `|= "a"`, `!= "a"`, `|~ "re"`, `!~ "re"`, `|> "pat"`,
// `!> "pat"`, each possibly an `or` chain (`|= "a" or "b"`). A term may be
// `ip("cidr or range")` for |= and != only.
enum class LineFilterOp { kContains, kNotContains, kRegex, kNotRegex, kPattern, kNotPattern };

struct LineFilterTerm {
  std::string value;   // the string as written, unescaped
  bool is_ip = false;  // ip("...")
};

struct LineFilterStage {
  LineFilterOp op = LineFilterOp::kContains;
  // At least one. For the positive ops a line passes when any term matches;
  // for the negative ops (Loki's semantics) when no term matches.
  std::vector<LineFilterTerm> terms;
};

// `| json` or `| json a="x.y", b`: with params only those labels are
// extracted; an expression defaults to the label name itself.
struct ExtractParam {
  std::string label;
  std::string expr;  // JSON path (json) or key (logfmt), unescaped
};

struct JsonStage {
  std::vector<ExtractParam> params;
};

struct LogfmtStage {
  bool strict = false;      // --strict
  bool keep_empty = false;  // --keep-empty
  std::vector<ExtractParam> params;
};

struct RegexpStage {
  std::string regex;  // RE2 with named groups
};

struct PatternStage {
  std::string pattern;  // e.g. "<ip> - <_> [<ts>]"
};

struct UnpackStage {};
struct DecolorizeStage {};

// Label filter expressions: `status >= 500`, `method="GET"`, `d > 1s`,
// `size > 20MB`, `addr = ip("10.0.0.0/8")`, combined with and/or/,/space and
// parentheses.
struct LabelFilterExpr;
using LabelFilterPtr = std::unique_ptr<LabelFilterExpr>;

enum class CmpOp { kEq, kNe, kGt, kGe, kLt, kLe };  // ==/=, !=, >, >=, <, <=

struct LabelFilterExpr {
  enum class Kind {
    kAnd,       // left and right (also `,` and juxtaposition)
    kOr,        // left or right
    kString,    // name op "value", op one of = != =~ !~ (a Matcher)
    kNumber,    // name op 1.5 (op any CmpOp; `=` and `==` both kEq)
    kDuration,  // name op 250ms (value in seconds, as Loki compares)
    kBytes,     // name op 20MB (value in bytes)
    kIp,        // name = ip("...") or name != ip("...")
  };
  Kind kind = Kind::kString;
  LabelFilterPtr left, right;  // kAnd, kOr
  // Leaves:
  std::optional<index::Matcher> matcher;  // kString
  std::string name;                       // kNumber, kDuration, kBytes, kIp
  CmpOp op = CmpOp::kEq;
  double number = 0;      // kNumber; kDuration in seconds; kBytes in bytes
  std::string literal;    // the number/duration/bytes/ip text as written
  bool parenthesized = false;  // written in parentheses (printing only)
};

struct LabelFilterStage {
  LabelFilterPtr expr;
};

// `| line_format "{{.a}}"`.
struct LineFormatStage {
  std::string tmpl;
};

// `| label_format dst=src, dst2="{{.a}}"`: a rename when the value is an
// identifier, a template when it is a string.
struct LabelFormatItem {
  std::string dst;
  std::string value;  // source label name, or template text
  bool is_template = false;
};

struct LabelFormatStage {
  std::vector<LabelFormatItem> items;
};

// `| drop a, b="x", c=~"y.*"` and `| keep ...`: a bare name, or a matcher
// that must also match the label's value.
struct DropKeepItem {
  std::string name;
  std::optional<index::Matcher> matcher;
};

struct DropStage {
  std::vector<DropKeepItem> items;
};
struct KeepStage {
  std::vector<DropKeepItem> items;
};

using Stage = std::variant<LineFilterStage, JsonStage, LogfmtStage, RegexpStage, PatternStage,
                           UnpackStage, DecolorizeStage, LabelFilterStage, LineFormatStage,
                           LabelFormatStage, DropStage, KeepStage>;

// ---------------------------------------------------------------------------
// Expressions

enum class ExprKind {
  kLogSelector,  // {a="b"} | pipeline
  kRangeAgg,     // count_over_time({...}[5m]) ...
  kVectorAgg,    // sum by (a) (...)
  kBinary,       // a + b, a and b, ...
  kLiteral,      // 1.5
  kVector,       // vector(1)
  kLabelReplace  // label_replace(expr, "dst", "repl", "src", "re")
};

struct Expr {
  explicit Expr(ExprKind k) : kind(k) {}
  virtual ~Expr() = default;
  const ExprKind kind;
  bool IsLogQuery() const { return kind == ExprKind::kLogSelector; }
};
using ExprPtr = std::unique_ptr<Expr>;

struct LogSelectorExpr : Expr {
  LogSelectorExpr() : Expr(ExprKind::kLogSelector) {}
  std::vector<index::Matcher> matchers;
  std::vector<Stage> stages;
};

// `| unwrap latency`, `| unwrap duration(d)`, `| unwrap bytes(size)`,
// optionally followed by label filters (`| __error__=""`).
struct Unwrap {
  enum class Conv { kNone, kBytes, kDuration, kDurationSeconds };
  std::string label;
  Conv conv = Conv::kNone;
  std::vector<LabelFilterStage> post_filters;
};

// The `{...} | pipeline [5m] offset 1m` part of a range aggregation. The
// range may also be written before the pipeline (`{...}[5m] | json`); the
// printer always puts it last, as Loki does.
struct LogRange {
  std::unique_ptr<LogSelectorExpr> selector;
  int64_t range_ns = 0;
  int64_t offset_ns = 0;
  std::optional<Unwrap> unwrap;
};

// Grouping labels: `by (a, b)` or `without (c)`. `by ()` is present and empty.
struct Grouping {
  bool without = false;
  std::vector<std::string> labels;
};

enum class RangeOp {
  kCountOverTime,
  kRate,
  kRateCounter,
  kBytesOverTime,
  kBytesRate,
  kAbsentOverTime,
  kSumOverTime,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kQuantileOverTime,
  kFirstOverTime,
  kLastOverTime,
};
// "count_over_time", ...
const char* RangeOpName(RangeOp op);

struct RangeAggExpr : Expr {
  RangeAggExpr() : Expr(ExprKind::kRangeAgg) {}
  RangeOp op = RangeOp::kCountOverTime;
  LogRange range;
  std::optional<double> param;       // quantile_over_time's φ
  std::optional<Grouping> grouping;  // only where Loki allows it
};

enum class VectorOp { kSum, kAvg, kMin, kMax, kCount, kStddev, kStdvar, kTopK, kBottomK,
                      kSort, kSortDesc };
const char* VectorOpName(VectorOp op);

struct VectorAggExpr : Expr {
  VectorAggExpr() : Expr(ExprKind::kVectorAgg) {}
  VectorOp op = VectorOp::kSum;
  std::optional<Grouping> grouping;
  std::optional<int64_t> param;  // topk/bottomk k
  ExprPtr inner;                 // a metric expression
};

enum class BinaryOp {
  kOr, kAnd, kUnless,
  kAdd, kSub, kMul, kDiv, kMod, kPow,
  kEq, kNe, kGt, kGe, kLt, kLe,
};
const char* BinaryOpName(BinaryOp op);  // "+", "==", "and", ...
bool IsComparison(BinaryOp op);
bool IsSetOp(BinaryOp op);  // and, or, unless

struct VectorMatching {
  enum class Card { kOneToOne, kManyToOne /*group_left*/, kOneToMany /*group_right*/ };
  bool on = false;                   // on(...) rather than ignoring(...)
  std::vector<std::string> labels;   // the on/ignoring labels
  Card card = Card::kOneToOne;
  std::vector<std::string> include;  // group_left(include...)
};

struct BinaryExpr : Expr {
  BinaryExpr() : Expr(ExprKind::kBinary) {}
  BinaryOp op = BinaryOp::kAdd;
  bool return_bool = false;               // `> bool`
  std::optional<VectorMatching> matching;  // written on(...)/ignoring(...)
  ExprPtr lhs, rhs;
};

struct LiteralExpr : Expr {
  LiteralExpr() : Expr(ExprKind::kLiteral) {}
  double value = 0;
};

struct VectorExpr : Expr {
  VectorExpr() : Expr(ExprKind::kVector) {}
  double value = 0;
};

struct LabelReplaceExpr : Expr {
  LabelReplaceExpr() : Expr(ExprKind::kLabelReplace) {}
  ExprPtr inner;
  std::string dst, replacement, src, regex;
};

}  // namespace logstack::logstore::logql
