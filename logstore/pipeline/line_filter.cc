#include "logstore/pipeline/line_filter.h"

#include <vector>

#include "logstore/pipeline/ip_filter.h"
#include "logstore/pipeline/pattern.h"
#include "logstore/pipeline/regex_util.h"
#include "logstore/pipeline/stages_internal.h"
#include "logstore/pipeline/substring.h"

namespace logstack::logstore::pipeline {
namespace {

class TrueMatcher : public LineMatcher {
 public:
  bool Matches(std::string_view) const override { return true; }
};

class ContainsMatcher : public LineMatcher {
 public:
  ContainsMatcher(std::string_view needle, bool icase) : s_(needle, icase) {}
  bool Matches(std::string_view line) const override { return s_.Contains(line); }

 private:
  SubstringSearcher s_;
};

class ContainsAnyMatcher : public LineMatcher {
 public:
  ContainsAnyMatcher(const std::vector<std::string>& needles, bool icase) {
    for (const auto& n : needles) s_.emplace_back(n, icase);
  }
  bool Matches(std::string_view line) const override {
    for (const auto& s : s_) {
      if (s.Contains(line)) return true;
    }
    return false;
  }

 private:
  std::vector<SubstringSearcher> s_;
};

class RegexMatcher : public LineMatcher {
 public:
  explicit RegexMatcher(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  bool Matches(std::string_view line) const override {
    return re2::RE2::PartialMatch(re2::StringPiece(line.data(), line.size()), *re_);
  }

 private:
  std::shared_ptr<const re2::RE2> re_;
};

class PatternMatcher : public LineMatcher {
 public:
  explicit PatternMatcher(Pattern p) : p_(std::move(p)) {}
  bool Matches(std::string_view line) const override { return p_.Test(line); }

 private:
  Pattern p_;
};

class IpLineMatcher : public LineMatcher {
 public:
  explicit IpLineMatcher(IpMatcher m) : m_(std::move(m)) {}
  bool Matches(std::string_view line) const override { return m_.MatchText(line); }

 private:
  IpMatcher m_;
};

LineMatcherPtr MakeLiteral(const LiteralRegex& lit) {
  if (lit.match_all) return std::make_shared<TrueMatcher>();
  if (lit.literals.size() == 1) {
    if (lit.literals[0].empty()) return std::make_shared<TrueMatcher>();
    return std::make_shared<ContainsMatcher>(lit.literals[0], lit.case_insensitive);
  }
  for (const auto& l : lit.literals) {
    if (l.empty()) return std::make_shared<TrueMatcher>();
  }
  return std::make_shared<ContainsAnyMatcher>(lit.literals, lit.case_insensitive);
}

bool Negated(logql::LineFilterOp op) {
  return op == logql::LineFilterOp::kNotContains || op == logql::LineFilterOp::kNotRegex ||
         op == logql::LineFilterOp::kNotPattern;
}

// A line passes a positive filter when any term matches, a negative one
// when none does.
class LineFilterStageImpl : public StageRuntime {
 public:
  LineFilterStageImpl(std::vector<LineMatcherPtr> terms, bool negate)
      : terms_(std::move(terms)), negate_(negate) {}
  bool Process(int64_t, std::string_view* line, LabelsBuilder*) override {
    for (const auto& t : terms_) {
      if (t->Matches(*line)) return !negate_;
    }
    return negate_;
  }
  StageRuntimePtr Clone() const override {
    return std::make_unique<LineFilterStageImpl>(terms_, negate_);
  }

 private:
  std::vector<LineMatcherPtr> terms_;
  bool negate_;
};

class PassStage : public StageRuntime {
 public:
  bool Process(int64_t, std::string_view*, LabelsBuilder*) override { return true; }
  StageRuntimePtr Clone() const override { return std::make_unique<PassStage>(); }
};

}  // namespace

StatusOr<LineMatcherPtr> MakeLineMatcher(logql::LineFilterOp op, const logql::LineFilterTerm& t) {
  using Op = logql::LineFilterOp;
  if (t.is_ip) {
    auto m = IpMatcher::Parse(t.value);
    if (!m.ok()) return m.status();
    return LineMatcherPtr(std::make_shared<IpLineMatcher>(std::move(*m)));
  }
  switch (op) {
    case Op::kContains:
    case Op::kNotContains:
      if (t.value.empty()) return LineMatcherPtr(std::make_shared<TrueMatcher>());
      return LineMatcherPtr(std::make_shared<ContainsMatcher>(t.value, false));
    case Op::kRegex:
    case Op::kNotRegex: {
      // Compile first so that an invalid regex is reported even when it
      // would simplify.
      auto re = CompileGoRegex(t.value);
      if (!re.ok()) return re.status();
      if (auto lit = SimplifyRegex(t.value)) return MakeLiteral(*lit);
      return LineMatcherPtr(std::make_shared<RegexMatcher>(std::move(*re)));
    }
    case Op::kPattern:
    case Op::kNotPattern: {
      auto p = Pattern::Parse(t.value, /*require_named_capture=*/false);
      if (!p.ok()) return p.status();
      return LineMatcherPtr(std::make_shared<PatternMatcher>(std::move(*p)));
    }
  }
  return InvalidArgument("unknown line filter");
}

StatusOr<StageRuntimePtr> MakeLineFilter(const logql::LineFilterStage& s) {
  std::vector<LineMatcherPtr> terms;
  for (const auto& t : s.terms) {
    auto m = MakeLineMatcher(s.op, t);
    if (!m.ok()) return m.status();
    terms.push_back(std::move(*m));
  }
  bool negate = Negated(s.op);
  // `|= ""` passes every line: drop the stage.
  if (!negate && terms.size() == 1 && dynamic_cast<const TrueMatcher*>(terms[0].get())) {
    return StageRuntimePtr(std::make_unique<PassStage>());
  }
  return StageRuntimePtr(std::make_unique<LineFilterStageImpl>(std::move(terms), negate));
}

}  // namespace logstack::logstore::pipeline
