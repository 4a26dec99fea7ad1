#include "logstore/index/matcher.h"

#include <cctype>

namespace logstack::logstore::index {

StatusOr<Matcher> Matcher::Make(Type type, std::string name, std::string value) {
  Matcher m;
  m.type_ = type;
  m.name_ = std::move(name);
  m.value_ = std::move(value);
  if (type == Type::kRegex || type == Type::kNotRegex) {
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);  // Prometheus and Loki compile selectors with (?s)
    auto re = std::make_shared<re2::RE2>("^(?:" + m.value_ + ")$", opts);
    if (!re->ok()) {
      return InvalidArgument("error parsing regexp: " + re->error() + ": `" + m.value_ + "`");
    }
    m.re_ = std::move(re);
  }
  m.matches_empty_ = m.Matches("");
  return m;
}

bool Matcher::Matches(std::string_view v) const {
  switch (type_) {
    case Type::kEqual: return v == value_;
    case Type::kNotEqual: return v != value_;
    case Type::kRegex: return RE2::FullMatch(v, *re_);
    case Type::kNotRegex: return !RE2::FullMatch(v, *re_);
  }
  return false;
}

std::string_view Matcher::TypeString(Type t) {
  switch (t) {
    case Type::kEqual: return "=";
    case Type::kNotEqual: return "!=";
    case Type::kRegex: return "=~";
    case Type::kNotRegex: return "!~";
  }
  return "=";
}

std::string Matcher::ToString() const {
  std::string out = name_;
  out += TypeString(type_);
  out += '"';
  for (char c : value_) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

namespace {

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view s) : s_(s) {}

  StatusOr<std::vector<Matcher>> Parse() {
    std::vector<Matcher> out;
    SkipSpace();
    if (!Eat('{')) return Error("expected '{'");
    SkipSpace();
    if (Eat('}')) return Finish(std::move(out));
    while (true) {
      SkipSpace();
      size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) ||
                                  s_[pos_] == '_')) {
        pos_++;
      }
      if (start == pos_ || std::isdigit(static_cast<unsigned char>(s_[start]))) {
        return Error("expected a label name");
      }
      std::string name(s_.substr(start, pos_ - start));
      SkipSpace();
      Matcher::Type type;
      if (Eat('=')) {
        type = Eat('~') ? Matcher::Type::kRegex : Matcher::Type::kEqual;
      } else if (Eat('!')) {
        if (Eat('=')) {
          type = Matcher::Type::kNotEqual;
        } else if (Eat('~')) {
          type = Matcher::Type::kNotRegex;
        } else {
          return Error("expected != or !~");
        }
      } else {
        return Error("expected a match operator");
      }
      SkipSpace();
      LOGSTACK_ASSIGN_OR_RETURN(std::string value, ParseString());
      LOGSTACK_ASSIGN_OR_RETURN(Matcher m, Matcher::Make(type, std::move(name), std::move(value)));
      out.push_back(std::move(m));
      SkipSpace();
      if (Eat(',')) continue;
      if (Eat('}')) return Finish(std::move(out));
      return Error("expected ',' or '}'");
    }
  }

 private:
  StatusOr<std::vector<Matcher>> Finish(std::vector<Matcher> out) {
    SkipSpace();
    if (pos_ != s_.size()) return Error("unexpected text after the selector");
    bool ok = false;
    for (const auto& m : out) ok = ok || !m.MatchesEmpty();
    if (!ok) {
      return InvalidArgument(
          "parse error : queries require at least one regexp or equality matcher that does not "
          "have an empty-compatible value. For instance, app=~\".*\" does not meet this "
          "requirement, but app=~\".+\" will");
    }
    return out;
  }

  StatusOr<std::string> ParseString() {
    if (pos_ >= s_.size()) return Error("expected a string");
    char q = s_[pos_];
    if (q == '`') {
      size_t end = s_.find('`', pos_ + 1);
      if (end == std::string_view::npos) return Error("unterminated raw string");
      std::string v(s_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return v;
    }
    if (q != '"') return Error("expected a quoted string");
    pos_++;
    std::string v;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        v += c;
        continue;
      }
      if (pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case 'n': v += '\n'; break;
        case 't': v += '\t'; break;
        case 'r': v += '\r'; break;
        case '\\': v += '\\'; break;
        case '"': v += '"'; break;
        default: v += '\\'; v += e;
      }
    }
    if (!Eat('"')) return Error("unterminated string");
    return v;
  }

  Status Error(const std::string& what) {
    return InvalidArgument("parse error at line 1, col " + std::to_string(pos_ + 1) + ": " + what);
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) pos_++;
  }
  bool Eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      pos_++;
      return true;
    }
    return false;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

StatusOr<std::vector<Matcher>> ParseSelector(std::string_view text) {
  return SelectorParser(text).Parse();
}

}  // namespace logstack::logstore::index
