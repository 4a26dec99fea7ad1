#pragma once

// A test-only reader for the LogQL subset the pipeline tests use: a stream
// selector and a pipeline (`{app="x"} |= "a" | logfmt | status >= 500`).
// It lets the conformance tests run the recorded queries as written, without
// depending on the real parser (logstore/logql/parser.h). It accepts valid
// queries only; a malformed one fails the test that uses it.

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>
#include <vector>

#include "logstore/index/matcher.h"
#include "logstore/logql/ast.h"
#include "logstore/model/labels.h"

namespace logstack::logstore::pipeline::testing {

struct TestQuery {
  std::vector<index::Matcher> selector;
  std::vector<logql::Stage> stages;
};

class TestQueryParser {
 public:
  explicit TestQueryParser(std::string_view q) : q_(q) {}

  bool Parse(TestQuery* out, std::string* err) {
    try {
      Selector(out);
      while (Skip(), pos_ < q_.size()) out->stages.push_back(Stage());
      return true;
    } catch (const std::string& e) {
      *err = e + " at " + std::to_string(pos_) + " in " + std::string(q_);
      return false;
    }
  }

 private:
  [[noreturn]] void Fail(const std::string& msg) { throw msg; }
  void Skip() {
    while (pos_ < q_.size() && std::isspace(static_cast<unsigned char>(q_[pos_]))) pos_++;
  }
  bool Peek(std::string_view s) {
    Skip();
    return q_.substr(pos_, s.size()) == s;
  }
  bool Eat(std::string_view s) {
    if (!Peek(s)) return false;
    pos_ += s.size();
    return true;
  }
  void Expect(std::string_view s) {
    if (!Eat(s)) Fail("expected " + std::string(s));
  }
  static bool IdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  std::string Ident() {
    Skip();
    size_t s = pos_;
    while (pos_ < q_.size() && IdentChar(q_[pos_])) pos_++;
    if (s == pos_) Fail("expected identifier");
    return std::string(q_.substr(s, pos_ - s));
  }
  bool PeekString() {
    Skip();
    return pos_ < q_.size() && (q_[pos_] == '"' || q_[pos_] == '`');
  }
  std::string String() {
    Skip();
    if (pos_ >= q_.size()) Fail("expected string");
    char quote = q_[pos_++];
    std::string out;
    if (quote == '`') {
      size_t e = q_.find('`', pos_);
      out = std::string(q_.substr(pos_, e - pos_));
      pos_ = e + 1;
      return out;
    }
    if (quote != '"') Fail("expected string");
    while (pos_ < q_.size() && q_[pos_] != '"') {
      char c = q_[pos_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      char e = q_[pos_++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 'x': {
          out.push_back(static_cast<char>(std::stoi(std::string(q_.substr(pos_, 2)), nullptr, 16)));
          pos_ += 2;
          break;
        }
        case 'u': {
          AppendUtf8(
              &out, static_cast<char32_t>(std::stoi(std::string(q_.substr(pos_, 4)), nullptr, 16)));
          pos_ += 4;
          break;
        }
        default:
          out.push_back(e);
      }
    }
    pos_++;
    return out;
  }
  index::Matcher::Type MatchOp() {
    if (Eat("=~")) return index::Matcher::Type::kRegex;
    if (Eat("!~")) return index::Matcher::Type::kNotRegex;
    if (Eat("!=")) return index::Matcher::Type::kNotEqual;
    if (Eat("=")) return index::Matcher::Type::kEqual;
    Fail("expected matcher op");
  }
  index::Matcher MakeMatcher(index::Matcher::Type t, std::string name, std::string value) {
    auto m = index::Matcher::Make(t, std::move(name), std::move(value));
    if (!m.ok()) Fail(m.status().message());
    return *m;
  }
  void Selector(TestQuery* out) {
    Expect("{");
    while (!Eat("}")) {
      std::string name = Ident();
      auto t = MatchOp();
      out->selector.push_back(MakeMatcher(t, name, String()));
      Eat(",");
    }
  }
  logql::Stage Stage() {
    using Op = logql::LineFilterOp;
    static const std::pair<const char*, Op> kOps[] = {
        {"|=", Op::kContains}, {"!=", Op::kNotContains}, {"|~", Op::kRegex},
        {"!~", Op::kNotRegex}, {"|>", Op::kPattern},     {"!>", Op::kNotPattern}};
    for (const auto& [tok, op] : kOps) {
      if (Eat(tok)) {
        logql::LineFilterStage f;
        f.op = op;
        do {
          logql::LineFilterTerm t;
          if (Eat("ip(")) {
            t.is_ip = true;
            t.value = String();
            Expect(")");
          } else {
            t.value = String();
          }
          f.terms.push_back(t);
        } while (EatWord("or"));
        return f;
      }
    }
    Expect("|");
    size_t save = pos_;
    if (Peek("(")) {
      logql::LabelFilterStage lf;
      lf.expr = Or();
      return lf;
    }
    std::string word = Ident();
    if (word == "json") {
      logql::JsonStage s;
      s.params = Params();
      return s;
    }
    if (word == "logfmt") {
      logql::LogfmtStage s;
      for (;;) {
        if (Eat("--strict")) {
          s.strict = true;
        } else if (Eat("--keep-empty")) {
          s.keep_empty = true;
        } else {
          break;
        }
      }
      s.params = Params();
      return s;
    }
    if (word == "regexp") return logql::RegexpStage{String()};
    if (word == "pattern") return logql::PatternStage{String()};
    if (word == "unpack") return logql::UnpackStage{};
    if (word == "decolorize") return logql::DecolorizeStage{};
    if (word == "line_format") return logql::LineFormatStage{String()};
    if (word == "label_format") {
      logql::LabelFormatStage s;
      do {
        logql::LabelFormatItem it;
        it.dst = Ident();
        Expect("=");
        if (PeekString()) {
          it.value = String();
          it.is_template = true;
        } else {
          it.value = Ident();
        }
        s.items.push_back(it);
      } while (Eat(","));
      return s;
    }
    if (word == "drop" || word == "keep") {
      std::vector<logql::DropKeepItem> items;
      do {
        logql::DropKeepItem it;
        it.name = Ident();
        if (Peek("=") || Peek("!=") || Peek("=~") || Peek("!~")) {
          auto t = MatchOp();
          it.matcher = MakeMatcher(t, it.name, String());
        }
        items.push_back(it);
      } while (Eat(","));
      if (word == "drop") return logql::DropStage{std::move(items)};
      return logql::KeepStage{std::move(items)};
    }
    pos_ = save;
    logql::LabelFilterStage lf;
    lf.expr = Or();
    return lf;
  }
  bool EatWord(std::string_view w) {
    Skip();
    if (q_.substr(pos_, w.size()) == w &&
        (pos_ + w.size() >= q_.size() || !IdentChar(q_[pos_ + w.size()]))) {
      pos_ += w.size();
      return true;
    }
    return false;
  }
  std::vector<logql::ExtractParam> Params() {
    std::vector<logql::ExtractParam> out;
    Skip();
    if (pos_ >= q_.size() || !IdentChar(q_[pos_])) return out;
    do {
      logql::ExtractParam p;
      p.label = Ident();
      if (Eat("=")) {
        p.expr = String();
      } else {
        p.expr = p.label;
      }
      out.push_back(p);
    } while (Eat(","));
    return out;
  }
  logql::LabelFilterPtr Or() {
    auto l = And();
    while (EatWord("or")) {
      auto e = std::make_unique<logql::LabelFilterExpr>();
      e->kind = logql::LabelFilterExpr::Kind::kOr;
      e->left = std::move(l);
      e->right = And();
      l = std::move(e);
    }
    return l;
  }
  logql::LabelFilterPtr And() {
    auto l = Prim();
    for (;;) {
      Skip();
      bool more = EatWord("and") || Eat(",");
      if (!more) {
        // Juxtaposition: another filter follows directly.
        bool is_or =
            q_.substr(pos_, 2) == "or" && (pos_ + 2 >= q_.size() || !IdentChar(q_[pos_ + 2]));
        if (pos_ < q_.size() && (q_[pos_] == '(' || IdentChar(q_[pos_])) && !is_or) {
          more = true;
        }
      }
      if (!more) return l;
      auto e = std::make_unique<logql::LabelFilterExpr>();
      e->kind = logql::LabelFilterExpr::Kind::kAnd;
      e->left = std::move(l);
      e->right = Prim();
      l = std::move(e);
    }
  }
  logql::LabelFilterPtr Prim() {
    using K = logql::LabelFilterExpr::Kind;
    auto e = std::make_unique<logql::LabelFilterExpr>();
    if (Eat("(")) {
      e = Or();
      Expect(")");
      e->parenthesized = true;
      return e;
    }
    std::string name = Ident();
    Skip();
    // String matcher?
    for (auto [tok, t] : {std::pair{"=~", index::Matcher::Type::kRegex},
                          std::pair{"!~", index::Matcher::Type::kNotRegex}}) {
      if (Eat(tok)) {
        e->kind = K::kString;
        e->matcher = MakeMatcher(t, name, String());
        return e;
      }
    }
    logql::CmpOp op;
    if (Eat("==")) {
      op = logql::CmpOp::kEq;
    } else if (Eat("!=")) {
      op = logql::CmpOp::kNe;
    } else if (Eat(">=")) {
      op = logql::CmpOp::kGe;
    } else if (Eat("<=")) {
      op = logql::CmpOp::kLe;
    } else if (Eat(">")) {
      op = logql::CmpOp::kGt;
    } else if (Eat("<")) {
      op = logql::CmpOp::kLt;
    } else {
      Expect("=");
      op = logql::CmpOp::kEq;
    }
    e->name = name;
    e->op = op;
    if (PeekString()) {
      e->kind = K::kString;
      e->matcher = MakeMatcher(
          op == logql::CmpOp::kNe ? index::Matcher::Type::kNotEqual : index::Matcher::Type::kEqual,
          name, String());
      return e;
    }
    if (Eat("ip(")) {
      e->kind = K::kIp;
      e->literal = String();
      Expect(")");
      return e;
    }
    Skip();
    size_t s = pos_;
    if (q_[pos_] == '-') pos_++;
    while (pos_ < q_.size() &&
           (std::isdigit(static_cast<unsigned char>(q_[pos_])) || q_[pos_] == '.'))
      pos_++;
    size_t num_end = pos_;
    while (pos_ < q_.size() && (std::isalpha(static_cast<unsigned char>(q_[pos_])) ||
                                static_cast<unsigned char>(q_[pos_]) >= 0x80)) {
      pos_++;
    }
    e->literal = std::string(q_.substr(s, pos_ - s));
    std::string unit(q_.substr(num_end, pos_ - num_end));
    double v = std::stod(std::string(q_.substr(s, num_end - s)));
    if (unit.empty()) {
      e->kind = K::kNumber;
      e->number = v;
    } else if (unit == "ns" || unit == "us" || unit == "ms" || unit == "s" || unit == "m" ||
               unit == "h") {
      static const std::pair<const char*, double> kUnits[] = {
          {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
      e->kind = K::kDuration;
      for (auto [u, m] : kUnits) {
        if (unit == u) e->number = v * m;
      }
    } else {
      e->kind = K::kBytes;
      static const std::pair<const char*, double> kUnits[] = {
          {"B", 1},      {"KB", 1e3},        {"MB", 1e6},          {"GB", 1e9},
          {"KiB", 1024}, {"MiB", 1048576.0}, {"GiB", 1073741824.0}};
      for (auto [u, m] : kUnits) {
        if (unit == u) e->number = v * m;
      }
    }
    return e;
  }

  std::string_view q_;
  size_t pos_ = 0;
};

inline TestQuery MustParse(std::string_view q) {
  TestQuery out;
  std::string err;
  TestQueryParser p(q);
  EXPECT_TRUE(p.Parse(&out, &err)) << err;
  return out;
}

}  // namespace logstack::logstore::pipeline::testing
