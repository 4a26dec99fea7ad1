#include "logstore/logql/parser.h"

#include <re2/re2.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <unordered_map>
#include <utility>

#include "logstore/logql/lexer.h"
#include "logstore/logql/printer.h"
#include "logstore/logql/regex_error.h"

namespace logstack::logstore::logql {

namespace {

using TK = TokenKind;

constexpr std::string_view kEmptyCompatible =
    "queries require at least one regexp or equality matcher that does not have an "
    "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but "
    "app=~\".+\" will";

Status SemanticError(const std::string& msg) { return InvalidArgument("parse error : " + msg); }

bool IsLabelName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool RangeOpOf(TK k, RangeOp* op) {
  switch (k) {
    case TK::kRate:
      *op = RangeOp::kRate;
      return true;
    case TK::kRateCounter:
      *op = RangeOp::kRateCounter;
      return true;
    case TK::kCountOverTime:
      *op = RangeOp::kCountOverTime;
      return true;
    case TK::kBytesRate:
      *op = RangeOp::kBytesRate;
      return true;
    case TK::kBytesOverTime:
      *op = RangeOp::kBytesOverTime;
      return true;
    case TK::kAbsentOverTime:
      *op = RangeOp::kAbsentOverTime;
      return true;
    case TK::kSumOverTime:
      *op = RangeOp::kSumOverTime;
      return true;
    case TK::kAvgOverTime:
      *op = RangeOp::kAvgOverTime;
      return true;
    case TK::kMinOverTime:
      *op = RangeOp::kMinOverTime;
      return true;
    case TK::kMaxOverTime:
      *op = RangeOp::kMaxOverTime;
      return true;
    case TK::kStddevOverTime:
      *op = RangeOp::kStddevOverTime;
      return true;
    case TK::kStdvarOverTime:
      *op = RangeOp::kStdvarOverTime;
      return true;
    case TK::kQuantileOverTime:
      *op = RangeOp::kQuantileOverTime;
      return true;
    case TK::kFirstOverTime:
      *op = RangeOp::kFirstOverTime;
      return true;
    case TK::kLastOverTime:
      *op = RangeOp::kLastOverTime;
      return true;
    default:
      return false;
  }
}

bool VectorOpOf(TK k, VectorOp* op) {
  switch (k) {
    case TK::kSum:
      *op = VectorOp::kSum;
      return true;
    case TK::kAvg:
      *op = VectorOp::kAvg;
      return true;
    case TK::kMin:
      *op = VectorOp::kMin;
      return true;
    case TK::kMax:
      *op = VectorOp::kMax;
      return true;
    case TK::kCount:
      *op = VectorOp::kCount;
      return true;
    case TK::kStddev:
      *op = VectorOp::kStddev;
      return true;
    case TK::kStdvar:
      *op = VectorOp::kStdvar;
      return true;
    case TK::kTopK:
      *op = VectorOp::kTopK;
      return true;
    case TK::kBottomK:
      *op = VectorOp::kBottomK;
      return true;
    case TK::kSort:
      *op = VectorOp::kSort;
      return true;
    case TK::kSortDesc:
      *op = VectorOp::kSortDesc;
      return true;
    default:
      return false;
  }
}

// Prometheus precedence: or < and unless < comparisons < + - < * / % < ^.
bool BinaryOpOf(TK k, BinaryOp* op, int* prec) {
  switch (k) {
    case TK::kOr:
      *op = BinaryOp::kOr, *prec = 1;
      return true;
    case TK::kAnd:
      *op = BinaryOp::kAnd, *prec = 2;
      return true;
    case TK::kUnless:
      *op = BinaryOp::kUnless, *prec = 2;
      return true;
    case TK::kCmpEq:
      *op = BinaryOp::kEq, *prec = 3;
      return true;
    case TK::kNeq:
      *op = BinaryOp::kNe, *prec = 3;
      return true;
    case TK::kGt:
      *op = BinaryOp::kGt, *prec = 3;
      return true;
    case TK::kGte:
      *op = BinaryOp::kGe, *prec = 3;
      return true;
    case TK::kLt:
      *op = BinaryOp::kLt, *prec = 3;
      return true;
    case TK::kLte:
      *op = BinaryOp::kLe, *prec = 3;
      return true;
    case TK::kAdd:
      *op = BinaryOp::kAdd, *prec = 4;
      return true;
    case TK::kSub:
      *op = BinaryOp::kSub, *prec = 4;
      return true;
    case TK::kMul:
      *op = BinaryOp::kMul, *prec = 5;
      return true;
    case TK::kDiv:
      *op = BinaryOp::kDiv, *prec = 5;
      return true;
    case TK::kMod:
      *op = BinaryOp::kMod, *prec = 5;
      return true;
    case TK::kPow:
      *op = BinaryOp::kPow, *prec = 6;
      return true;
    default:
      return false;
  }
}

bool IsStageStart(TK k) {
  return k == TK::kPipe || k == TK::kPipeExact || k == TK::kNeq || k == TK::kPipeMatch ||
         k == TK::kNre || k == TK::kPipePattern || k == TK::kNpa;
}

bool IsMatchOp(TK k, index::Matcher::Type* t) {
  switch (k) {
    case TK::kEq:
      *t = index::Matcher::Type::kEqual;
      return true;
    case TK::kNeq:
      *t = index::Matcher::Type::kNotEqual;
      return true;
    case TK::kRe:
      *t = index::Matcher::Type::kRegex;
      return true;
    case TK::kNre:
      *t = index::Matcher::Type::kNotRegex;
      return true;
    default:
      return false;
  }
}

StatusOr<index::Matcher> MakeMatcher(index::Matcher::Type type, std::string name,
                                     std::string value) {
  if (type == index::Matcher::Type::kRegex || type == index::Matcher::Type::kNotRegex) {
    if (auto err = GoRegexpError(value)) return SemanticError(*err);
  }
  auto m = index::Matcher::Make(type, std::move(name), std::move(value));
  if (!m.ok()) return SemanticError(m.status().message());
  return m;
}

// Loki's pattern syntax: literals and captures `<name>`; `<_>` is unnamed.
int PatternNamedCaptures(std::string_view p) {
  int named = 0;
  for (size_t i = 0; i < p.size(); i++) {
    if (p[i] != '<') continue;
    size_t j = i + 1;
    while (j < p.size() && (std::isalnum(static_cast<unsigned char>(p[j])) || p[j] == '_')) j++;
    if (j < p.size() && p[j] == '>' && j > i + 1 &&
        !std::isdigit(static_cast<unsigned char>(p[i + 1]))) {
      if (p.substr(i + 1, j - i - 1) != "_") named++;
      i = j;
    }
  }
  return named;
}

// Nesting deeper than this is rejected, so that hostile queries cannot
// exhaust the stack of this recursive parser, nor of what walks the tree it
// builds (the printer, the engine, label filters, destructors): both the
// parser's recursion and the height of every tree it returns (metric
// expressions, label filter expressions) stay within it.
constexpr int kMaxDepth = 256;

struct RangeBody {
  LogRange range;
  bool has_range = false;
};

class Parser {
 public:
  explicit Parser(std::string_view q) : toks_(Lex(q)) {}

  StatusOr<ExprPtr> Query() {
    LOGSTACK_ASSIGN_OR_RETURN(ExprPtr e, Binary(0, /*allow_log=*/true));
    if (Peek().kind != TK::kEof) return Unexpected(Peek());
    LOGSTACK_RETURN_IF_ERROR(CheckSelectors(*e));
    return e;
  }

 private:
  const Token& Peek(size_t k = 0) const { return toks_[std::min(i_ + k, toks_.size() - 1)]; }
  const Token& Take() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) i_++;
    return t;
  }
  bool IsName(const Token& t) const { return t.kind == TK::kIdentifier && !t.bad; }

  // Counts the nesting of the recursive rules; see kMaxDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
    ~DepthGuard() { --*depth_; }
    bool TooDeep() const { return *depth_ > kMaxDepth; }

   private:
    int* depth_;
  };
  static Status TooDeep() { return SemanticError("query is nested too deeply"); }

  // The height of a tree node the parser built (1 for a leaf). Left-
  // associative chains (`a + b + c`, `x>1 and y>1 and z>1`) grow the tree
  // without recursing, and a parenthesized chain can start another: the
  // recursion depth alone does not bound the height, so it is tracked.
  int Height(const void* node) const {
    auto it = heights_.find(node);
    return it == heights_.end() ? 1 : it->second;
  }
  // Records the height of a new inner node; TooDeep past kMaxDepth.
  Status SetHeight(const void* node, int height) {
    if (height > kMaxDepth) return TooDeep();
    heights_[node] = height;
    return Status::Ok();
  }

  Status Unexpected(const Token& t, std::initializer_list<TK> expecting = {}) const {
    if (t.kind == TK::kError) return InvalidArgument(t.text);
    std::string msg = "syntax error: unexpected ";
    msg += TokenName(t.kind);
    bool first = true;
    for (TK k : expecting) {
      msg += first ? ", expecting " : " or ";
      msg += TokenName(k);
      first = false;
    }
    if (t.line == 0 && t.col == 0) return InvalidArgument("parse error : " + msg);
    return InvalidArgument("parse error at line " + std::to_string(t.next_extended ? 0 : t.line) +
                           ", col " + std::to_string(t.col) + ": " + msg);
  }

  // Consumes a token of kind `k` or fails naming `expecting`.
  StatusOr<const Token*> Expect(TK k, std::initializer_list<TK> expecting) {
    if (Peek().kind != k) return Unexpected(Peek(), expecting);
    return &Take();
  }
  Status ExpectNoList(TK k) {
    if (Peek().kind != k) return Unexpected(Peek());
    Take();
    return Status::Ok();
  }

  // ---- metric expressions ------------------------------------------------

  StatusOr<ExprPtr> Binary(int min_prec, bool allow_log) {
    DepthGuard guard(&depth_);
    if (guard.TooDeep()) return TooDeep();
    LOGSTACK_ASSIGN_OR_RETURN(ExprPtr lhs, Unary(allow_log));
    // Left-associative chains deepen the tree too (printing and destroying
    // it recurse): they count against the same limit.
    for (int chain = 0;; chain++) {
      BinaryOp op;
      int prec;
      if (!BinaryOpOf(Peek().kind, &op, &prec) || prec < min_prec) break;
      if (chain + depth_ > kMaxDepth) return TooDeep();
      if (lhs->IsLogQuery()) return Unexpected(Peek());
      Take();
      auto be = std::make_unique<BinaryExpr>();
      be->op = op;
      if (Peek().kind == TK::kBool) {
        Take();
        if (!IsComparison(op)) {
          return SemanticError("bool modifier can only be used on comparison operators");
        }
        be->return_bool = true;
      }
      if (Peek().kind == TK::kOn || Peek().kind == TK::kIgnoring) {
        VectorMatching vm;
        vm.on = Take().kind == TK::kOn;
        LOGSTACK_ASSIGN_OR_RETURN(vm.labels, LabelList());
        if (Peek().kind == TK::kGroupLeft || Peek().kind == TK::kGroupRight) {
          vm.card = Take().kind == TK::kGroupLeft ? VectorMatching::Card::kManyToOne
                                                  : VectorMatching::Card::kOneToMany;
          if (Peek().kind == TK::kLParen) {
            LOGSTACK_ASSIGN_OR_RETURN(vm.include, LabelList());
          }
        }
        be->matching = std::move(vm);
      }
      LOGSTACK_ASSIGN_OR_RETURN(be->rhs, Binary(op == BinaryOp::kPow ? prec : prec + 1, false));
      LOGSTACK_RETURN_IF_ERROR(
          SetHeight(be.get(), 1 + std::max(Height(lhs.get()), Height(be->rhs.get()))));
      be->lhs = std::move(lhs);
      lhs = std::move(be);
    }
    return lhs;
  }

  StatusOr<ExprPtr> Literal(bool negative) {
    const Token& t = Take();
    errno = 0;
    double v = std::strtod(t.text.c_str(), nullptr);
    if (std::isinf(v)) {
      return SemanticError("unable to parse literal as a float: strconv.ParseFloat: parsing \"" +
                           t.text + "\": value out of range");
    }
    auto lit = std::make_unique<LiteralExpr>();
    lit->value = negative ? -v : v;
    return ExprPtr(std::move(lit));
  }

  StatusOr<ExprPtr> Unary(bool allow_log) {
    const Token& t = Peek();
    RangeOp rop;
    VectorOp vop;
    switch (t.kind) {
      case TK::kAdd:
      case TK::kSub: {
        bool neg = Take().kind == TK::kSub;
        if (Peek().kind != TK::kNumber) return Unexpected(Peek(), {TK::kNumber});
        return Literal(neg);
      }
      case TK::kNumber:
        return Literal(false);
      case TK::kLBrace: {
        if (allow_log) return LogQuery();
        // A selector where a metric is needed: Loki reads on as for a log
        // range and fails at the first token that cannot follow.
        LOGSTACK_ASSIGN_OR_RETURN(RangeBody rb, ParseRangeBody(false, true));
        (void)rb;
        return Unexpected(Peek());
      }
      case TK::kLParen: {
        Take();
        LOGSTACK_ASSIGN_OR_RETURN(ExprPtr inner, Binary(0, allow_log));
        LOGSTACK_RETURN_IF_ERROR(ExpectNoList(TK::kRParen));
        return inner;
      }
      case TK::kVector: {
        Take();
        LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
        LOGSTACK_ASSIGN_OR_RETURN(const Token* n, Expect(TK::kNumber, {TK::kNumber}));
        auto v = std::make_unique<VectorExpr>();
        v->value = std::strtod(n->text.c_str(), nullptr);
        LOGSTACK_RETURN_IF_ERROR(Expect(TK::kRParen, {TK::kRParen}).status());
        return ExprPtr(std::move(v));
      }
      case TK::kLabelReplace:
        return LabelReplace();
      default:
        break;
    }
    if (RangeOpOf(t.kind, &rop)) return RangeAgg(rop);
    if (VectorOpOf(t.kind, &vop)) return VectorAgg(vop);
    return Unexpected(t);
  }

  StatusOr<std::vector<std::string>> LabelList() {
    LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
    std::vector<std::string> out;
    if (Peek().kind == TK::kRParen) {
      Take();
      return out;
    }
    while (true) {
      if (!IsName(Peek())) {
        if (out.empty()) return Unexpected(Peek(), {TK::kIdentifier, TK::kRParen});
        return Unexpected(Peek(), {TK::kIdentifier});
      }
      out.push_back(Take().text);
      if (Peek().kind == TK::kComma) {
        Take();
        continue;
      }
      if (Peek().kind == TK::kRParen) {
        Take();
        return out;
      }
      return Unexpected(Peek(), {TK::kComma, TK::kRParen});
    }
  }

  StatusOr<Grouping> ParseGrouping() {
    Grouping g;
    g.without = Take().kind == TK::kWithout;
    LOGSTACK_ASSIGN_OR_RETURN(g.labels, LabelList());
    return g;
  }
  bool AtGrouping() const { return Peek().kind == TK::kBy || Peek().kind == TK::kWithout; }

  StatusOr<ExprPtr> RangeAgg(RangeOp op) {
    Take();
    LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
    auto e = std::make_unique<RangeAggExpr>();
    e->op = op;
    std::optional<std::string> param;
    if (Peek().kind == TK::kNumber) {
      param = Take().text;
      LOGSTACK_RETURN_IF_ERROR(Expect(TK::kComma, {TK::kComma}).status());
    }
    LOGSTACK_ASSIGN_OR_RETURN(RangeBody rb, ParseRangeBody(false, false));
    e->range = std::move(rb.range);
    LOGSTACK_RETURN_IF_ERROR(ExpectNoList(TK::kRParen));
    if (AtGrouping()) {
      LOGSTACK_ASSIGN_OR_RETURN(e->grouping, ParseGrouping());
    }
    const std::string name = RangeOpName(op);
    if (param) {
      if (op != RangeOp::kQuantileOverTime) {
        return SemanticError("parameter " + *param + " not supported for operation " + name);
      }
      e->param = std::strtod(param->c_str(), nullptr);
    } else if (op == RangeOp::kQuantileOverTime) {
      return SemanticError("parameter required for operation " + name);
    }
    if (e->grouping) {
      switch (op) {
        case RangeOp::kAvgOverTime:
        case RangeOp::kStddevOverTime:
        case RangeOp::kStdvarOverTime:
        case RangeOp::kQuantileOverTime:
        case RangeOp::kMaxOverTime:
        case RangeOp::kMinOverTime:
        case RangeOp::kFirstOverTime:
        case RangeOp::kLastOverTime:
          break;
        default:
          return SemanticError("grouping not allowed for " + name + " aggregation");
      }
    }
    if (e->range.unwrap) {
      switch (op) {
        case RangeOp::kCountOverTime:
        case RangeOp::kBytesOverTime:
        case RangeOp::kBytesRate:
          return SemanticError("invalid aggregation " + name + " with unwrap");
        default:
          break;
      }
    } else {
      switch (op) {
        case RangeOp::kCountOverTime:
        case RangeOp::kBytesOverTime:
        case RangeOp::kBytesRate:
        case RangeOp::kRate:
        case RangeOp::kAbsentOverTime:
          break;
        default:
          return SemanticError("invalid aggregation " + name + " without unwrap");
      }
    }
    return ExprPtr(std::move(e));
  }

  StatusOr<ExprPtr> VectorAgg(VectorOp op) {
    Take();
    auto e = std::make_unique<VectorAggExpr>();
    e->op = op;
    if (AtGrouping()) {
      LOGSTACK_ASSIGN_OR_RETURN(e->grouping, ParseGrouping());
    }
    LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
    std::optional<std::string> param;
    if (Peek().kind == TK::kNumber && Peek(1).kind == TK::kComma) {
      param = Take().text;
      Take();
    }
    LOGSTACK_ASSIGN_OR_RETURN(e->inner, Binary(0, false));
    LOGSTACK_RETURN_IF_ERROR(SetHeight(e.get(), 1 + Height(e->inner.get())));
    LOGSTACK_RETURN_IF_ERROR(ExpectNoList(TK::kRParen));
    if (!e->grouping && AtGrouping()) {
      LOGSTACK_ASSIGN_OR_RETURN(e->grouping, ParseGrouping());
    }
    const std::string name = VectorOpName(op);
    if (op == VectorOp::kTopK || op == VectorOp::kBottomK) {
      if (!param) return SemanticError("parameter required for operation " + name);
      const std::string& p = *param;
      int64_t k = 0;
      bool ok = !p.empty() && p.size() < 19;
      for (char c : p) ok = ok && c >= '0' && c <= '9';
      if (ok) k = std::stoll(p);
      if (!ok) return SemanticError("invalid parameter " + name + "(" + p + ",");
      if (k <= 0)
        return SemanticError("invalid parameter (must be greater than 0) " + name + "(" + p);
      e->param = k;
    } else if (param) {
      return SemanticError("unsupported parameter for operation " + name + "(" + *param + ",");
    }
    return ExprPtr(std::move(e));
  }

  StatusOr<ExprPtr> LabelReplace() {
    Take();
    LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
    auto e = std::make_unique<LabelReplaceExpr>();
    LOGSTACK_ASSIGN_OR_RETURN(e->inner, Binary(0, false));
    LOGSTACK_RETURN_IF_ERROR(SetHeight(e.get(), 1 + Height(e->inner.get())));
    std::string* fields[] = {&e->dst, &e->replacement, &e->src, &e->regex};
    for (std::string* f : fields) {
      LOGSTACK_RETURN_IF_ERROR(Expect(TK::kComma, {TK::kComma}).status());
      LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
      *f = s->text;
    }
    LOGSTACK_RETURN_IF_ERROR(Expect(TK::kRParen, {TK::kRParen}).status());
    if (auto err = GoRegexpError("^(?:" + e->regex + ")$")) {
      return SemanticError("invalid regex in label_replace: " + *err);
    }
    if (!IsLabelName(e->dst)) {
      return SemanticError("invalid destination label name in label_replace: " + e->dst);
    }
    return ExprPtr(std::move(e));
  }

  // ---- log expressions ---------------------------------------------------

  StatusOr<ExprPtr> LogQuery() {
    LOGSTACK_ASSIGN_OR_RETURN(std::unique_ptr<LogSelectorExpr> sel, Selector());
    while (IsStageStart(Peek().kind)) {
      if (Peek().kind == TK::kPipe && Peek(1).kind == TK::kUnwrap) return Unexpected(Peek(1));
      LOGSTACK_ASSIGN_OR_RETURN(Stage st, ParseStage());
      sel->stages.push_back(std::move(st));
    }
    return ExprPtr(std::move(sel));
  }

  StatusOr<std::unique_ptr<LogSelectorExpr>> Selector() {
    LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLBrace, {TK::kLBrace}).status());
    auto sel = std::make_unique<LogSelectorExpr>();
    if (Peek().kind == TK::kRBrace) {
      Take();
      return sel;
    }
    while (true) {
      if (!IsName(Peek())) {
        if (sel->matchers.empty()) return Unexpected(Peek(), {TK::kIdentifier, TK::kRBrace});
        return Unexpected(Peek(), {TK::kIdentifier});
      }
      std::string name = Take().text;
      index::Matcher::Type type;
      if (!IsMatchOp(Peek().kind, &type)) {
        return Unexpected(Peek(), {TK::kEq, TK::kRe, TK::kNre, TK::kNeq});
      }
      Take();
      LOGSTACK_ASSIGN_OR_RETURN(const Token* v, Expect(TK::kString, {TK::kString}));
      LOGSTACK_ASSIGN_OR_RETURN(index::Matcher m, MakeMatcher(type, std::move(name), v->text));
      sel->matchers.push_back(std::move(m));
      if (Peek().kind == TK::kComma) {
        Take();
        continue;
      }
      if (Peek().kind == TK::kRBrace) {
        Take();
        return sel;
      }
      return Unexpected(Peek(), {TK::kRBrace, TK::kComma});
    }
  }

  Status ParseOffset(LogRange* r) {
    if (Peek().kind != TK::kOffset) return Status::Ok();
    Take();
    LOGSTACK_ASSIGN_OR_RETURN(const Token* d, Expect(TK::kDuration, {TK::kDuration}));
    r->offset_ns = d->duration_ns;
    return Status::Ok();
  }

  // The log range of a range aggregation: a selector, a pipeline, an
  // optional unwrap and a range (before or after the pipeline), maybe in
  // parentheses. `in_paren`: a closing parenthesis may come before the range.
  StatusOr<RangeBody> ParseRangeBody(bool in_paren, bool range_optional) {
    DepthGuard guard(&depth_);
    if (guard.TooDeep()) return TooDeep();
    RangeBody rb;
    if (Peek().kind == TK::kLParen) {
      Take();
      LOGSTACK_ASSIGN_OR_RETURN(rb, ParseRangeBody(true, false));
      LOGSTACK_RETURN_IF_ERROR(ExpectNoList(TK::kRParen));
      if (!rb.has_range) {
        if (Peek().kind != TK::kRange) return Unexpected(Peek());
        rb.range.range_ns = Take().duration_ns;
        rb.has_range = true;
        LOGSTACK_RETURN_IF_ERROR(ParseOffset(&rb.range));
      }
      return rb;
    }
    if (Peek().kind != TK::kLBrace) return Unexpected(Peek());
    LOGSTACK_ASSIGN_OR_RETURN(rb.range.selector, Selector());
    if (Peek().kind == TK::kRange) {
      rb.range.range_ns = Take().duration_ns;
      rb.has_range = true;
      LOGSTACK_RETURN_IF_ERROR(ParseOffset(&rb.range));
    }
    while (IsStageStart(Peek().kind) && !rb.range.unwrap) {
      if (Peek().kind == TK::kPipe && Peek(1).kind == TK::kUnwrap) {
        LOGSTACK_ASSIGN_OR_RETURN(rb.range.unwrap, ParseUnwrap());
        continue;
      }
      LOGSTACK_ASSIGN_OR_RETURN(Stage st, ParseStage());
      rb.range.selector->stages.push_back(std::move(st));
    }
    if (!rb.has_range) {
      if (Peek().kind == TK::kRange) {
        rb.range.range_ns = Take().duration_ns;
        rb.has_range = true;
        LOGSTACK_RETURN_IF_ERROR(ParseOffset(&rb.range));
      } else if (!(in_paren && Peek().kind == TK::kRParen) && !range_optional) {
        return Unexpected(Peek());
      }
    }
    return rb;
  }

  StatusOr<Unwrap> ParseUnwrap() {
    Take();  // |
    Take();  // unwrap
    Unwrap u;
    TK k = Peek().kind;
    if (IsName(Peek())) {
      u.label = Take().text;
    } else if (k == TK::kBytesConv || k == TK::kDurationConv || k == TK::kDurationSecondsConv) {
      Take();
      u.conv = k == TK::kBytesConv      ? Unwrap::Conv::kBytes
               : k == TK::kDurationConv ? Unwrap::Conv::kDuration
                                        : Unwrap::Conv::kDurationSeconds;
      LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
      LOGSTACK_ASSIGN_OR_RETURN(const Token* l, Expect(TK::kIdentifier, {TK::kIdentifier}));
      if (l->bad) return Unexpected(*l, {TK::kIdentifier});
      u.label = l->text;
      LOGSTACK_RETURN_IF_ERROR(Expect(TK::kRParen, {TK::kRParen}).status());
    } else {
      return Unexpected(
          Peek(), {TK::kIdentifier, TK::kBytesConv, TK::kDurationConv, TK::kDurationSecondsConv});
    }
    while (Peek().kind == TK::kPipe) {
      if (!IsName(Peek(1)) && Peek(1).kind != TK::kLParen) return Unexpected(Peek(1));
      Take();
      LabelFilterStage lf;
      LOGSTACK_ASSIGN_OR_RETURN(lf.expr, LabelFilter(0));
      u.post_filters.push_back(std::move(lf));
    }
    return u;
  }

  StatusOr<Stage> ParseStage() {
    const Token& t = Take();
    switch (t.kind) {
      case TK::kPipeExact:
        return LineFilter(LineFilterOp::kContains);
      case TK::kNeq:
        return LineFilter(LineFilterOp::kNotContains);
      case TK::kPipeMatch:
        return LineFilter(LineFilterOp::kRegex);
      case TK::kNre:
        return LineFilter(LineFilterOp::kNotRegex);
      case TK::kPipePattern:
        return LineFilter(LineFilterOp::kPattern);
      case TK::kNpa:
        return LineFilter(LineFilterOp::kNotPattern);
      default:
        break;
    }
    // After `|`.
    const Token& n = Peek();
    switch (n.kind) {
      case TK::kJson: {
        Take();
        JsonStage js;
        LOGSTACK_ASSIGN_OR_RETURN(js.params, ExtractParams());
        return Stage(std::move(js));
      }
      case TK::kLogfmt: {
        Take();
        LogfmtStage ls;
        while (Peek().kind == TK::kParserFlag) {
          const std::string& f = Take().text;
          if (f == "--strict") {
            ls.strict = true;
          } else if (f == "--keep-empty") {
            ls.keep_empty = true;
          } else {
            return SemanticError("invalid logfmt parser flag: " + f);
          }
        }
        LOGSTACK_ASSIGN_OR_RETURN(ls.params, ExtractParams());
        return Stage(std::move(ls));
      }
      case TK::kRegexp: {
        Take();
        LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
        if (auto err = GoRegexpError(s->text)) {
          return SemanticError("invalid regexp parser: " + *err);
        }
        if (NamedCaptureCount(s->text) == 0) {
          return SemanticError(
              "invalid regexp parser: at least one named capture must be supplied");
        }
        return Stage(RegexpStage{s->text});
      }
      case TK::kPattern: {
        Take();
        LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
        if (PatternNamedCaptures(s->text) == 0) {
          return SemanticError("invalid pattern parser: at least one capture is required");
        }
        return Stage(PatternStage{s->text});
      }
      case TK::kUnpack:
        Take();
        return Stage(UnpackStage{});
      case TK::kDecolorize:
        Take();
        return Stage(DecolorizeStage{});
      case TK::kLineFmt: {
        Take();
        LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
        return Stage(LineFormatStage{s->text});
      }
      case TK::kLabelFmt: {
        Take();
        LabelFormatStage lf;
        while (true) {
          if (!IsName(Peek())) return Unexpected(Peek(), {TK::kIdentifier});
          LabelFormatItem item;
          item.dst = Take().text;
          LOGSTACK_RETURN_IF_ERROR(Expect(TK::kEq, {TK::kEq}).status());
          if (IsName(Peek())) {
            item.value = Take().text;
          } else if (Peek().kind == TK::kString) {
            item.value = Take().text;
            item.is_template = true;
          } else {
            return Unexpected(Peek(), {TK::kIdentifier, TK::kString});
          }
          lf.items.push_back(std::move(item));
          if (Peek().kind != TK::kComma) break;
          Take();
        }
        return Stage(std::move(lf));
      }
      case TK::kDrop:
      case TK::kKeep: {
        bool drop = Take().kind == TK::kDrop;
        std::vector<DropKeepItem> items;
        while (true) {
          if (!IsName(Peek())) return Unexpected(Peek(), {TK::kIdentifier});
          DropKeepItem item;
          item.name = Take().text;
          index::Matcher::Type type;
          if (IsMatchOp(Peek().kind, &type)) {
            Take();
            LOGSTACK_ASSIGN_OR_RETURN(const Token* v, Expect(TK::kString, {TK::kString}));
            LOGSTACK_ASSIGN_OR_RETURN(item.matcher, MakeMatcher(type, item.name, v->text));
          }
          items.push_back(std::move(item));
          if (Peek().kind != TK::kComma) break;
          Take();
        }
        if (drop) return Stage(DropStage{std::move(items)});
        return Stage(KeepStage{std::move(items)});
      }
      default:
        break;
    }
    if (IsName(n) || n.kind == TK::kLParen) {
      LabelFilterStage lf;
      LOGSTACK_ASSIGN_OR_RETURN(lf.expr, LabelFilter(0));
      return Stage(std::move(lf));
    }
    return Unexpected(n);
  }

  StatusOr<std::vector<ExtractParam>> ExtractParams() {
    std::vector<ExtractParam> out;
    if (!IsName(Peek())) return out;
    while (true) {
      ExtractParam p;
      p.label = Take().text;
      if (Peek().kind == TK::kEq) {
        Take();
        LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
        p.expr = s->text;
      } else {
        p.expr = p.label;
      }
      out.push_back(std::move(p));
      if (Peek().kind != TK::kComma) return out;
      Take();
      if (!IsName(Peek())) return Unexpected(Peek(), {TK::kIdentifier});
    }
  }

  StatusOr<Stage> LineFilter(LineFilterOp op) {
    LineFilterStage st;
    st.op = op;
    while (true) {
      LineFilterTerm term;
      if (Peek().kind == TK::kString) {
        term.value = Take().text;
      } else if (Peek().kind == TK::kIp) {
        Take();
        LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
        LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
        LOGSTACK_RETURN_IF_ERROR(Expect(TK::kRParen, {TK::kRParen}).status());
        term.value = s->text;
        term.is_ip = true;
      } else {
        return Unexpected(Peek(), {TK::kString, TK::kIp});
      }
      st.terms.push_back(std::move(term));
      if (Peek().kind != TK::kOr) break;
      Take();
    }
    for (const LineFilterTerm& term : st.terms) {
      if (term.is_ip && op != LineFilterOp::kContains && op != LineFilterOp::kNotContains) {
        return SemanticError("stage '" + FormatStage(Stage(st)) +
                             "' : ip filter is only supported with |= and !=");
      }
    }
    if (op == LineFilterOp::kRegex || op == LineFilterOp::kNotRegex) {
      for (const LineFilterTerm& term : st.terms) {
        if (auto err = GoRegexpError(term.value)) {
          return SemanticError("stage '" + FormatStage(Stage(st)) + "' : " + *err);
        }
      }
    }
    return Stage(std::move(st));
  }

  // Label filter expressions. Loki's grammar leaves juxtaposition and `,`
  // without precedence, so yacc shifts: they take everything to their
  // right. `and` binds tighter than `or`; both are left-associative.
  StatusOr<LabelFilterPtr> LabelFilter(int min_prec) {
    DepthGuard guard(&depth_);
    if (guard.TooDeep()) return TooDeep();
    LOGSTACK_ASSIGN_OR_RETURN(LabelFilterPtr left, LabelFilterPrimary());
    for (int chain = 0;; chain++) {
      if (chain + depth_ > kMaxDepth) return TooDeep();
      const Token& t = Peek();
      if (t.kind == TK::kComma || IsName(t) || t.kind == TK::kLParen) {
        if (t.kind == TK::kComma) Take();
        LOGSTACK_ASSIGN_OR_RETURN(LabelFilterPtr right, LabelFilter(0));
        return Combine(LabelFilterExpr::Kind::kAnd, std::move(left), std::move(right));
      }
      int prec = t.kind == TK::kAnd ? 2 : t.kind == TK::kOr ? 1 : 0;
      if (prec == 0 || prec < min_prec) break;
      Take();
      LOGSTACK_ASSIGN_OR_RETURN(LabelFilterPtr right, LabelFilter(prec + 1));
      LOGSTACK_ASSIGN_OR_RETURN(
          left, Combine(prec == 2 ? LabelFilterExpr::Kind::kAnd : LabelFilterExpr::Kind::kOr,
                        std::move(left), std::move(right)));
    }
    return left;
  }

  StatusOr<LabelFilterPtr> Combine(LabelFilterExpr::Kind kind, LabelFilterPtr l, LabelFilterPtr r) {
    auto e = std::make_unique<LabelFilterExpr>();
    LOGSTACK_RETURN_IF_ERROR(SetHeight(e.get(), 1 + std::max(Height(l.get()), Height(r.get()))));
    e->kind = kind;
    e->left = std::move(l);
    e->right = std::move(r);
    return e;
  }

  StatusOr<LabelFilterPtr> LabelFilterPrimary() {
    if (Peek().kind == TK::kLParen) {
      Take();
      LOGSTACK_ASSIGN_OR_RETURN(LabelFilterPtr e, LabelFilter(0));
      LOGSTACK_RETURN_IF_ERROR(ExpectNoList(TK::kRParen));
      e->parenthesized = true;
      return e;
    }
    if (!IsName(Peek())) return Unexpected(Peek());
    auto e = std::make_unique<LabelFilterExpr>();
    e->name = Take().text;
    const Token& op = Peek();
    bool is_eq = op.kind == TK::kEq, is_ne = op.kind == TK::kNeq;
    bool is_re = op.kind == TK::kRe || op.kind == TK::kNre;
    switch (op.kind) {
      case TK::kEq:
      case TK::kCmpEq:
        e->op = CmpOp::kEq;
        break;
      case TK::kNeq:
        e->op = CmpOp::kNe;
        break;
      case TK::kGt:
        e->op = CmpOp::kGt;
        break;
      case TK::kGte:
        e->op = CmpOp::kGe;
        break;
      case TK::kLt:
        e->op = CmpOp::kLt;
        break;
      case TK::kLte:
        e->op = CmpOp::kLe;
        break;
      case TK::kRe:
      case TK::kNre:
        break;
      default:
        return Unexpected(op);
    }
    TK op_kind = Take().kind;
    const Token& v = Peek();
    if (is_re) {
      if (v.kind != TK::kString) return Unexpected(v, {TK::kString});
    }
    switch (v.kind) {
      case TK::kString: {
        index::Matcher::Type type;
        if (!IsMatchOp(op_kind, &type)) return Unexpected(v);
        e->kind = LabelFilterExpr::Kind::kString;
        LOGSTACK_ASSIGN_OR_RETURN(e->matcher, MakeMatcher(type, e->name, Take().text));
        return e;
      }
      case TK::kIp: {
        if (!is_eq && !is_ne) return Unexpected(v);
        Take();
        LOGSTACK_RETURN_IF_ERROR(Expect(TK::kLParen, {TK::kLParen}).status());
        LOGSTACK_ASSIGN_OR_RETURN(const Token* s, Expect(TK::kString, {TK::kString}));
        LOGSTACK_RETURN_IF_ERROR(Expect(TK::kRParen, {TK::kRParen}).status());
        e->kind = LabelFilterExpr::Kind::kIp;
        e->literal = s->text;
        return e;
      }
      case TK::kAdd:
      case TK::kSub:
      case TK::kNumber: {
        std::string sign;
        if (v.kind != TK::kNumber) {
          sign = Take().kind == TK::kSub ? "-" : "";
          if (Peek().kind != TK::kNumber) return Unexpected(Peek(), {TK::kNumber});
        }
        const Token& n = Take();
        e->kind = LabelFilterExpr::Kind::kNumber;
        e->literal = sign + n.text;
        e->number = std::strtod(e->literal.c_str(), nullptr);
        return e;
      }
      case TK::kDuration: {
        const Token& d = Take();
        e->kind = LabelFilterExpr::Kind::kDuration;
        e->literal = d.text;
        e->number = static_cast<double>(d.duration_ns) / 1e9;
        return e;
      }
      case TK::kBytes: {
        const Token& b = Take();
        e->kind = LabelFilterExpr::Kind::kBytes;
        e->literal = b.text;
        e->number = static_cast<double>(b.bytes);
        return e;
      }
      default:
        return Unexpected(v);
    }
  }

  // ---- validation ----------------------------------------------------------

  static Status CheckSelector(const LogSelectorExpr& sel) {
    for (const index::Matcher& m : sel.matchers) {
      if (!m.MatchesEmpty()) return Status::Ok();
    }
    return SemanticError(std::string(kEmptyCompatible));
  }

  static Status CheckSelectors(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLogSelector:
        return CheckSelector(static_cast<const LogSelectorExpr&>(e));
      case ExprKind::kRangeAgg:
        return CheckSelector(*static_cast<const RangeAggExpr&>(e).range.selector);
      case ExprKind::kVectorAgg:
        return CheckSelectors(*static_cast<const VectorAggExpr&>(e).inner);
      case ExprKind::kBinary: {
        const auto& b = static_cast<const BinaryExpr&>(e);
        LOGSTACK_RETURN_IF_ERROR(CheckSelectors(*b.lhs));
        return CheckSelectors(*b.rhs);
      }
      case ExprKind::kLabelReplace:
        return CheckSelectors(*static_cast<const LabelReplaceExpr&>(e).inner);
      case ExprKind::kLiteral:
      case ExprKind::kVector:
        return Status::Ok();
    }
    return Status::Ok();
  }

  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
  // Heights of the inner nodes built so far (see Height). A node freed
  // during a successful parse (none is, today) could only make a later leaf
  // at its address read too high: a spurious error, never a missed one.
  std::unordered_map<const void*, int> heights_;
};

}  // namespace

StatusOr<ExprPtr> ParseExpr(std::string_view query) { return Parser(query).Query(); }

StatusOr<std::vector<index::Matcher>> ParseMatchers(std::string_view selector) {
  LOGSTACK_ASSIGN_OR_RETURN(ExprPtr e, ParseExpr(selector));
  if (e->kind != ExprKind::kLogSelector) {
    return InvalidArgument("only label matchers are supported");
  }
  auto& sel = static_cast<LogSelectorExpr&>(*e);
  if (!sel.stages.empty()) return InvalidArgument("only label matchers are supported");
  return std::move(sel.matchers);
}

}  // namespace logstack::logstore::logql
