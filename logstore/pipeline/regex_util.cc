#include "logstore/pipeline/regex_util.h"

#include "logstore/pipeline/substring.h"

namespace logstack::logstore::pipeline {
namespace {

// Go's wording for each RE2 error code.
const char* GoRegexError(re2::RE2::ErrorCode code) {
  switch (code) {
    case re2::RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case re2::RE2::ErrorBadCharClass:
      return "invalid character class";
    case re2::RE2::ErrorBadCharRange:
      return "invalid character class range";
    case re2::RE2::ErrorMissingBracket:
      return "missing closing ]";
    case re2::RE2::ErrorMissingParen:
      return "missing closing )";
    case re2::RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case re2::RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case re2::RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case re2::RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case re2::RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case re2::RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case re2::RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case re2::RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return nullptr;
  }
}

bool IsMeta(char c) {
  switch (c) {
    case '\\':
    case '.':
    case '+':
    case '*':
    case '?':
    case '(':
    case ')':
    case '|':
    case '[':
    case ']':
    case '{':
    case '}':
    case '^':
    case '$':
      return true;
    default:
      return false;
  }
}

bool IsPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

// Unescapes a literal; false if it holds any regex syntax.
bool ParseLiteral(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '\\') {
      if (i + 1 >= s.size() || !IsPunct(s[i + 1])) return false;
      out->push_back(s[++i]);
      continue;
    }
    if (IsMeta(c)) return false;
    out->push_back(c);
  }
  return true;
}

// Splits at top-level '|'; false on unbalanced parentheses or a character
// class (which may hold '|').
bool SplitTopLevel(std::string_view s, std::vector<std::string_view>* parts) {
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c == '\\') {
      i++;
      continue;
    }
    if (c == '[') return false;
    if (c == '(') depth++;
    if (c == ')' && --depth < 0) return false;
    if (c == '|' && depth == 0) {
      parts->push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (depth != 0) return false;
  parts->push_back(s.substr(start));
  return true;
}

// True iff s is "(...)" with the parentheses matching each other.
bool WrappedInGroup(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  if (s.size() >= 3 && s[1] == '?') return false;  // flags or named group
  int depth = 0;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] == '\\') {
      i++;
      continue;
    }
    if (s[i] == '(') depth++;
    if (s[i] == ')' && --depth == 0 && i + 1 != s.size()) return false;
  }
  return true;
}

bool SimplifyInto(std::string_view s, int level, LiteralRegex* out) {
  if (level > 3) return false;
  std::vector<std::string_view> parts;
  if (!SplitTopLevel(s, &parts)) return false;
  for (std::string_view p : parts) {
    bool any_stripped = false;
    bool stripped = true;
    while (stripped) {
      stripped = false;
      if (p.substr(0, 2) == ".*") {
        p.remove_prefix(2);
        stripped = true;
      }
      if (p.size() >= 2 && p.substr(p.size() - 2) == ".*" &&
          (p.size() < 3 || p[p.size() - 3] != '\\')) {
        p.remove_suffix(2);
        stripped = true;
      }
      any_stripped = any_stripped || stripped;
    }
    if (p.empty()) {
      out->match_all = true;
      continue;
    }
    if (WrappedInGroup(p)) {
      if (!SimplifyInto(p.substr(1, p.size() - 2), level + 1, out)) return false;
      continue;
    }
    std::string lit;
    if (!ParseLiteral(p, &lit)) return false;
    out->literals.push_back(std::move(lit));
    out->exact.push_back(!any_stripped);
  }
  return true;
}

}  // namespace

StatusOr<std::shared_ptr<const re2::RE2>> CompileGoRegex(std::string_view pattern) {
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_shared<re2::RE2>(re2::StringPiece(pattern.data(), pattern.size()), opts);
  if (!re->ok()) {
    const char* what = GoRegexError(re->error_code());
    std::string msg = "error parsing regexp: ";
    if (what != nullptr) {
      msg += what;
      msg += ": `" + re->error_arg() + "`";
    } else {
      msg += re->error();
    }
    return InvalidArgument(msg);
  }
  return std::shared_ptr<const re2::RE2>(std::move(re));
}

std::optional<LiteralRegex> SimplifyRegex(std::string_view s) {
  LiteralRegex out;
  if (s.substr(0, 4) == "(?i)") {
    out.case_insensitive = true;
    s.remove_prefix(4);
  }
  if (!SimplifyInto(s, 0, &out)) return std::nullopt;
  if (out.case_insensitive) {
    for (const auto& l : out.literals) {
      if (!IsAscii(l)) return std::nullopt;
    }
  }
  if (out.match_all) {
    out.literals.clear();
    out.exact.clear();
  }
  return out;
}

}  // namespace logstack::logstore::pipeline
