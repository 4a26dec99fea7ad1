#include "logstore/logql/printer.h"

#include <cmath>
#include <cstdlib>

#include "common/go/strconv.h"
#include "common/go/time.h"
#include "logstore/logql/go_syntax.h"

namespace logstack::logstore::logql {

namespace {

// A number as LogQL prints it: strconv.FormatFloat(v, 'f', -1, 64), except
// that -0 prints as "0" ("-0" would lex as a duration).
std::string FormatNumberF(double v) { return go::FormatFloat(v == 0 ? 0.0 : v, 'f', -1); }

// A literal or vector() value: the 'f' form, or the 'e' form
// (strconv.FormatFloat(v, 'e', -1, 64)) when the decimal exponent is below -4
// or at least 21: "1500", "1e+21", "1e-05". -0 prints as "0", NaN as "NaN",
// the infinities as "+Inf" and "-Inf".
std::string FormatNumber(double v) {
  if (v == 0 || !std::isfinite(v)) return FormatNumberF(v);
  const std::string e = go::FormatFloat(v, 'e', -1);
  const int exp = std::atoi(e.c_str() + e.find('e') + 1);
  return exp < -4 || exp >= 21 ? e : FormatNumberF(v);
}

std::string MatcherText(const index::Matcher& m) {
  return m.name() + std::string(index::Matcher::TypeString(m.type())) + go::Quote(m.value());
}

std::string_view CmpText(CmpOp op) {
  switch (op) {
    case CmpOp::kEq:
      return "==";
    case CmpOp::kNe:
      return "!=";
    case CmpOp::kGt:
      return ">";
    case CmpOp::kGe:
      return ">=";
    case CmpOp::kLt:
      return "<";
    case CmpOp::kLe:
      return "<=";
  }
  return "==";
}

std::string_view LineOpText(LineFilterOp op) {
  switch (op) {
    case LineFilterOp::kContains:
      return "|=";
    case LineFilterOp::kNotContains:
      return "!=";
    case LineFilterOp::kRegex:
      return "|~";
    case LineFilterOp::kNotRegex:
      return "!~";
    case LineFilterOp::kPattern:
      return "|>";
    case LineFilterOp::kNotPattern:
      return "!>";
  }
  return "|=";
}

std::string Params(const std::vector<ExtractParam>& params) {
  std::string out;
  for (size_t i = 0; i < params.size(); i++) {
    if (i > 0) out += ",";
    out += params[i].label + "=" + go::Quote(params[i].expr);
  }
  return out;
}

std::string DropKeep(std::string_view op, const std::vector<DropKeepItem>& items) {
  std::string out = "| ";
  out += op;
  out += " ";
  for (size_t i = 0; i < items.size(); i++) {
    if (i > 0) out += ",";
    out += items[i].matcher ? MatcherText(*items[i].matcher) : items[i].name;
  }
  return out;
}

std::string Labels(const std::vector<std::string>& labels) {
  std::string out = "(";
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) out += ",";
    out += labels[i];
  }
  return out + ")";
}

std::string GroupingText(const std::optional<Grouping>& g) {
  if (!g) return "";
  if (!g->without && g->labels.empty()) return "";  // `by ()` is no grouping
  return std::string(g->without ? " without " : " by ") + Labels(g->labels);
}

// Prometheus' form for whole milliseconds, Go's otherwise (which the lexer
// reads back too).
std::string DurationText(int64_t ns) {
  if (ns > 0 && ns % 1000000 == 0) return FormatPromDuration(ns);
  return go::FormatDuration(ns);
}

std::string Unwrapped(const Unwrap& u) {
  std::string out = " | unwrap ";
  switch (u.conv) {
    case Unwrap::Conv::kNone:
      out += u.label;
      break;
    case Unwrap::Conv::kBytes:
      out += "bytes(" + u.label + ")";
      break;
    case Unwrap::Conv::kDuration:
      out += "duration(" + u.label + ")";
      break;
    case Unwrap::Conv::kDurationSeconds:
      out += "duration_seconds(" + u.label + ")";
      break;
  }
  for (const LabelFilterStage& f : u.post_filters) out += " | " + FormatLabelFilter(*f.expr);
  return out;
}

struct StagePrinter {
  std::string operator()(const LineFilterStage& s) const {
    std::string out(LineOpText(s.op));
    for (size_t i = 0; i < s.terms.size(); i++) {
      if (i > 0) out += " or";
      out += " ";
      out += s.terms[i].is_ip ? "ip(" + go::Quote(s.terms[i].value) + ")"
                              : go::Quote(s.terms[i].value);
    }
    return out;
  }
  std::string operator()(const JsonStage& s) const {
    return s.params.empty() ? "| json" : "| json " + Params(s.params);
  }
  std::string operator()(const LogfmtStage& s) const {
    std::string out = "| logfmt";
    if (s.strict) out += " --strict";
    if (s.keep_empty) out += " --keep-empty";
    if (!s.params.empty()) out += " " + Params(s.params);
    return out;
  }
  std::string operator()(const RegexpStage& s) const { return "| regexp " + go::Quote(s.regex); }
  std::string operator()(const PatternStage& s) const {
    return "| pattern " + go::Quote(s.pattern);
  }
  std::string operator()(const UnpackStage&) const { return "| unpack"; }
  std::string operator()(const DecolorizeStage&) const { return "| decolorize"; }
  std::string operator()(const LabelFilterStage& s) const {
    return "| " + FormatLabelFilter(*s.expr);
  }
  std::string operator()(const LineFormatStage& s) const {
    return "| line_format " + go::Quote(s.tmpl);
  }
  std::string operator()(const LabelFormatStage& s) const {
    std::string out = "| label_format ";
    for (size_t i = 0; i < s.items.size(); i++) {
      if (i > 0) out += ",";
      out += s.items[i].dst + "=" +
             (s.items[i].is_template ? go::Quote(s.items[i].value) : s.items[i].value);
    }
    return out;
  }
  std::string operator()(const DropStage& s) const { return DropKeep("drop", s.items); }
  std::string operator()(const KeepStage& s) const { return DropKeep("keep", s.items); }
};

std::string SelectorText(const LogSelectorExpr& sel) {
  std::string out = FormatMatchers(sel.matchers);
  for (const Stage& st : sel.stages) out += " " + FormatStage(st);
  return out;
}

}  // namespace

std::string FormatMatchers(const std::vector<index::Matcher>& matchers) {
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); i++) {
    if (i > 0) out += ", ";
    out += MatcherText(matchers[i]);
  }
  return out + "}";
}

std::string FormatLabelFilter(const LabelFilterExpr& f) {
  using K = LabelFilterExpr::Kind;
  switch (f.kind) {
    case K::kAnd:
      return "( " + FormatLabelFilter(*f.left) + " , " + FormatLabelFilter(*f.right) + " )";
    case K::kOr:
      return "( " + FormatLabelFilter(*f.left) + " or " + FormatLabelFilter(*f.right) + " )";
    case K::kString:
      return f.matcher ? MatcherText(*f.matcher) : f.name;
    case K::kNumber:
      return f.name + std::string(CmpText(f.op)) + FormatNumberF(f.number);
    case K::kDuration: {
      auto ns = ParseLokiDuration(f.literal);
      return f.name + std::string(CmpText(f.op)) + (ns ? go::FormatDuration(*ns) : f.literal);
    }
    case K::kBytes:
      return f.name + std::string(CmpText(f.op)) + f.literal;
    case K::kIp:
      return f.name + (f.op == CmpOp::kNe ? "!=" : "=") + "ip(" + go::Quote(f.literal) + ")";
  }
  return "";
}

std::string FormatStage(const Stage& stage) { return std::visit(StagePrinter{}, stage); }

std::string Format(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kLogSelector:
      return SelectorText(static_cast<const LogSelectorExpr&>(e));
    case ExprKind::kRangeAgg: {
      const auto& r = static_cast<const RangeAggExpr&>(e);
      std::string out = std::string(RangeOpName(r.op)) + "(";
      if (r.param) out += FormatNumberF(*r.param) + ",";
      out += SelectorText(*r.range.selector);
      if (r.range.unwrap) out += Unwrapped(*r.range.unwrap);
      out += "[" + DurationText(r.range.range_ns) + "]";
      if (r.range.offset_ns != 0) out += " offset " + DurationText(r.range.offset_ns);
      out += ")";
      out += GroupingText(r.grouping);
      return out;
    }
    case ExprKind::kVectorAgg: {
      const auto& v = static_cast<const VectorAggExpr&>(e);
      std::string out = std::string(VectorOpName(v.op)) + GroupingText(v.grouping) + "(";
      if (v.param) out += std::to_string(*v.param) + ",";
      return out + Format(*v.inner) + ")";
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      std::string op = BinaryOpName(b.op);
      if (b.return_bool) op += " bool";
      if (b.matching) {
        const VectorMatching& m = *b.matching;
        std::string group;
        if (m.card == VectorMatching::Card::kManyToOne) group = "group_left";
        if (m.card == VectorMatching::Card::kOneToMany) group = "group_right";
        if (!m.include.empty()) group += " " + Labels(m.include);
        op += std::string(m.on ? " on " : " ignoring ") + Labels(m.labels) + " " + group;
      }
      return "(" + Format(*b.lhs) + " " + op + " " + Format(*b.rhs) + ")";
    }
    case ExprKind::kLiteral:
      return FormatNumber(static_cast<const LiteralExpr&>(e).value);
    case ExprKind::kVector:
      return "vector(" + FormatNumber(static_cast<const VectorExpr&>(e).value) + ")";
    case ExprKind::kLabelReplace: {
      const auto& l = static_cast<const LabelReplaceExpr&>(e);
      return "label_replace(" + Format(*l.inner) + "," + go::Quote(l.dst) + "," +
             go::Quote(l.replacement) + "," + go::Quote(l.src) + "," + go::Quote(l.regex) + ")";
    }
  }
  return "";
}

}  // namespace logstack::logstore::logql
