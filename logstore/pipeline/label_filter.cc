// Label filter stages: `| status >= 500`, `| method="GET" or d > 1s`, ...
//
// Loki's rules: a numeric, duration, bytes or ip comparison drops an entry
// without the label, passes one that already has an error, and on a value it
// cannot parse sets __error__="LabelFilterErr" (with Go's parse error as
// details) and passes the entry on. String matchers see a missing label as
// "" and also see __error__.

#include <cmath>
#include <string>
#include <vector>

#include "common/go/humanize.h"
#include "common/go/strconv.h"
#include "common/go/time.h"
#include "logstore/pipeline/ip_filter.h"
#include "logstore/pipeline/regex_util.h"
#include "logstore/pipeline/stages_internal.h"
#include "logstore/pipeline/substring.h"

namespace logstack::logstore::pipeline {
namespace {

using logql::CmpOp;
using logql::LabelFilterExpr;

template <typename T>
bool Compare(CmpOp op, T a, T b) {
  switch (op) {
    case CmpOp::kEq:
      return a == b;
    case CmpOp::kNe:
      return a != b;
    case CmpOp::kGt:
      return a > b;
    case CmpOp::kGe:
      return a >= b;
    case CmpOp::kLt:
      return a < b;
    case CmpOp::kLe:
      return a <= b;
  }
  return false;
}

class Filter {
 public:
  virtual ~Filter() = default;
  virtual bool Eval(LabelsBuilder* lbs) const = 0;
};
using FilterPtr = std::shared_ptr<const Filter>;

class BinaryFilter : public Filter {
 public:
  BinaryFilter(bool is_and, FilterPtr l, FilterPtr r)
      : and_(is_and), l_(std::move(l)), r_(std::move(r)) {}
  bool Eval(LabelsBuilder* lbs) const override {
    bool left = l_->Eval(lbs);
    if (and_ && !left) return false;
    if (!and_ && left) return true;
    return r_->Eval(lbs);
  }

 private:
  bool and_;
  FilterPtr l_, r_;
};

class StringFilter : public Filter {
 public:
  explicit StringFilter(index::Matcher m) : m_(std::move(m)) {}
  bool Eval(LabelsBuilder* lbs) const override {
    auto v = lbs->Get(m_.name());
    return m_.Matches(v ? *v : std::string_view());
  }

 private:
  index::Matcher m_;
};

bool EqualFold(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
    if (c != lower[i]) return false;
  }
  return true;
}

// A =~ / !~ label filter whose regex is made of literals, evaluated the way
// Loki simplifies it: `lit` compares the whole value, while `lit.*`, `.*lit`
// and `.*lit.*` check that the value *contains* lit (so `a.*` matches
// "frank", a Loki quirk the recorded answers show).
class LiteralRegexFilter : public Filter {
 public:
  LiteralRegexFilter(std::string name, bool negate, const LiteralRegex& lit)
      : name_(std::move(name)), negate_(negate), exact_(lit.exact), icase_(lit.case_insensitive) {
    for (const auto& l : lit.literals) {
      std::string n = l;
      if (icase_) {
        for (char& c : n) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
        }
      }
      searchers_.emplace_back(n, icase_);
    }
  }
  bool Eval(LabelsBuilder* lbs) const override {
    auto v = lbs->Get(name_);
    std::string_view value = v ? *v : std::string_view();
    bool match = false;
    for (size_t i = 0; i < searchers_.size() && !match; i++) {
      const std::string& needle = searchers_[i].needle();
      if (exact_[i]) {
        match = icase_ ? EqualFold(value, needle) : value == needle;
      } else {
        match = searchers_[i].Contains(value);
      }
    }
    return match != negate_;
  }

 private:
  std::string name_;
  bool negate_;
  std::vector<bool> exact_;
  bool icase_;
  std::vector<SubstringSearcher> searchers_;
};

FilterPtr MakeStringFilter(const index::Matcher& m) {
  using T = index::Matcher::Type;
  if (m.type() == T::kRegex || m.type() == T::kNotRegex) {
    auto lit = SimplifyRegex(m.value());
    if (lit && !lit->match_all && !lit->literals.empty()) {
      bool any_empty = false;
      for (const auto& l : lit->literals) any_empty = any_empty || l.empty();
      if (!any_empty) {
        return std::make_shared<LiteralRegexFilter>(m.name(), m.type() == T::kNotRegex, *lit);
      }
    }
  }
  return std::make_shared<StringFilter>(m);
}

enum class ValueKind { kNumber, kDuration, kBytes };

class ValueFilter : public Filter {
 public:
  ValueFilter(ValueKind kind, std::string name, CmpOp op, double value)
      : kind_(kind), name_(std::move(name)), op_(op), value_(value) {}
  bool Eval(LabelsBuilder* lbs) const override {
    auto v = lbs->Get(name_);
    if (!v) return false;
    if (lbs->HasError()) return true;
    switch (kind_) {
      case ValueKind::kNumber: {
        auto f = go::ParseFloat(*v);
        if (!f.ok()) return Fail(lbs, f.status());
        return Compare(op_, *f, value_);
      }
      case ValueKind::kDuration: {
        auto d = go::ParseDuration(*v);
        if (!d.ok()) return Fail(lbs, d.status());
        // Loki compares time.Duration values: nanoseconds.
        return Compare(op_, *d, static_cast<int64_t>(std::llround(value_ * 1e9)));
      }
      case ValueKind::kBytes: {
        auto b = go::ParseBytes(*v);
        if (!b.ok()) return Fail(lbs, b.status());
        return Compare(op_, *b, static_cast<uint64_t>(value_));
      }
    }
    return false;
  }

 private:
  static bool Fail(LabelsBuilder* lbs, const Status& st) {
    lbs->SetError(kLabelFilterErr, st.message());
    return true;
  }
  ValueKind kind_;
  std::string name_;
  CmpOp op_;
  double value_;
};

class IpFilter : public Filter {
 public:
  IpFilter(std::string name, bool negate, IpMatcher m)
      : name_(std::move(name)), negate_(negate), m_(std::move(m)) {}
  bool Eval(LabelsBuilder* lbs) const override {
    auto v = lbs->Get(name_);
    if (!v) return false;
    if (lbs->HasError()) return true;
    bool ok = m_.MatchText(*v);
    return negate_ ? !ok : ok;
  }

 private:
  std::string name_;
  bool negate_;
  IpMatcher m_;
};

StatusOr<FilterPtr> Build(const LabelFilterExpr& e) {
  using K = LabelFilterExpr::Kind;
  switch (e.kind) {
    case K::kAnd:
    case K::kOr: {
      if (!e.left || !e.right) return InvalidArgument("label filter: missing operand");
      auto l = Build(*e.left);
      if (!l.ok()) return l.status();
      auto r = Build(*e.right);
      if (!r.ok()) return r.status();
      return FilterPtr(std::make_shared<BinaryFilter>(e.kind == K::kAnd, *l, *r));
    }
    case K::kString:
      if (!e.matcher) return InvalidArgument("label filter: missing matcher");
      return MakeStringFilter(*e.matcher);
    case K::kNumber:
      return FilterPtr(std::make_shared<ValueFilter>(ValueKind::kNumber, e.name, e.op, e.number));
    case K::kDuration:
      return FilterPtr(std::make_shared<ValueFilter>(ValueKind::kDuration, e.name, e.op, e.number));
    case K::kBytes:
      return FilterPtr(std::make_shared<ValueFilter>(ValueKind::kBytes, e.name, e.op, e.number));
    case K::kIp: {
      auto m = IpMatcher::Parse(e.literal);
      if (!m.ok()) return m.status();
      return FilterPtr(std::make_shared<IpFilter>(e.name, e.op == CmpOp::kNe, std::move(*m)));
    }
  }
  return InvalidArgument("label filter: unknown kind");
}

class LabelFilterStageImpl : public StageRuntime {
 public:
  explicit LabelFilterStageImpl(FilterPtr f) : f_(std::move(f)) {}
  bool Process(int64_t, std::string_view*, LabelsBuilder* lbs) override { return f_->Eval(lbs); }
  StageRuntimePtr Clone() const override { return std::make_unique<LabelFilterStageImpl>(f_); }

 private:
  FilterPtr f_;
};

}  // namespace

StatusOr<StageRuntimePtr> MakeLabelFilter(const logql::LabelFilterStage& s) {
  if (!s.expr) return InvalidArgument("label filter: empty expression");
  auto f = Build(*s.expr);
  if (!f.ok()) return f.status();
  return StageRuntimePtr(std::make_unique<LabelFilterStageImpl>(std::move(*f)));
}

}  // namespace logstack::logstore::pipeline
