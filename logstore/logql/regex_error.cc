#include "logstore/logql/regex_error.h"

#include <re2/re2.h>

namespace logstack::logstore::logql {

namespace {

RE2::Options Options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

std::string_view GoWording(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "invalid escape sequence";
    case RE2::ErrorBadCharClass:
      return "invalid character class";
    case RE2::ErrorBadCharRange:
      return "invalid character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected )";
    case RE2::ErrorTrailingBackslash:
      return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument:
      return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize:
      return "invalid repeat count";
    case RE2::ErrorRepeatOp:
      return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp:
      return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "invalid named capture";
    case RE2::ErrorPatternTooLarge:
      return "expression too large";
    default:
      return "invalid regular expression";
  }
}

}  // namespace

std::optional<std::string> GoRegexpError(std::string_view pattern) {
  RE2 re(pattern, Options());
  if (re.ok()) return std::nullopt;
  std::string arg = re.error_arg();
  // Go names the whole expression for unbalanced parentheses.
  if (re.error_code() == RE2::ErrorMissingParen || re.error_code() == RE2::ErrorUnexpectedParen) {
    arg = std::string(pattern);
  }
  return "error parsing regexp: " + std::string(GoWording(re.error_code())) + ": `" + arg + "`";
}

int NamedCaptureCount(std::string_view pattern) {
  RE2 re(pattern, Options());
  if (!re.ok()) return 0;
  return static_cast<int>(re.NamedCapturingGroups().size());
}

}  // namespace logstack::logstore::logql
