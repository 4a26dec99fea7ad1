#include "logstore/pipeline/go_values.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/strings.h"
#include "logstore/logql/go_syntax.h"
#include "logstore/model/labels.h"

namespace logstack::logstore::pipeline {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

// Go's float syntax, underscores between digits allowed only with a base
// prefix (as strconv does for base-prefixed literals).
bool ValidGoFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
  std::string_view rest = s.substr(i);
  if (EqualsIgnoreCase(rest, "inf") || EqualsIgnoreCase(rest, "infinity") ||
      EqualsIgnoreCase(rest, "nan"))
    return true;
  bool hex = rest.size() >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x';
  if (hex) i += 2;
  bool digits = false, dot = false;
  for (; i < s.size(); i++) {
    char c = s[i];
    if (hex ? IsHex(c) : IsDigit(c)) {
      digits = true;
    } else if (c == '_' && hex) {
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < s.size()) {
    char e = static_cast<char>(s[i] | 0x20);
    if (e != (hex ? 'p' : 'e')) return false;
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    bool exp_digits = false;
    for (; i < s.size() && IsDigit(s[i]); i++) exp_digits = true;
    if (!exp_digits || i != s.size()) return false;
  } else if (hex) {
    return false;  // a hexadecimal float needs its p exponent
  }
  return true;
}

Status FloatError(std::string_view s, std::string_view what) {
  return InvalidArgument("strconv.ParseFloat: parsing " + GoQuote(s) + ": " + std::string(what));
}

}  // namespace

StatusOr<double> ParseGoFloat(std::string_view s) {
  if (s.empty() || !ValidGoFloat(s)) return FloatError(s, "invalid syntax");
  std::string buf;
  buf.reserve(s.size());
  for (char c : s) {
    if (c != '_') buf.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return FloatError(s, "invalid syntax");
  if (std::isinf(v) && errno == ERANGE) return FloatError(s, "value out of range");
  return v;
}

StatusOr<int64_t> ParseGoDuration(std::string_view s) { return logql::ParseGoDurationStrict(s); }

StatusOr<uint64_t> ParseHumanBytes(std::string_view s) {
  size_t last = 0;
  bool comma = false;
  while (last < s.size() && (IsDigit(s[last]) || s[last] == '.' || s[last] == ',')) {
    if (s[last] == ',') comma = true;
    last++;
  }
  std::string num(s.substr(0, last));
  if (comma) {
    std::string n2;
    for (char c : num) {
      if (c != ',') n2.push_back(c);
    }
    num = n2;
  }
  auto f = ParseGoFloat(num);
  if (!f.ok()) return f.status();
  std::string_view extra = s.substr(last);
  while (!extra.empty() && (extra.front() == ' ' || extra.front() == '\t')) extra.remove_prefix(1);
  while (!extra.empty() && (extra.back() == ' ' || extra.back() == '\t')) extra.remove_suffix(1);
  std::string unit;
  for (char c : extra) unit.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c);
  std::optional<double> mult = logql::HumanBytesMultiplier(unit);
  if (mult) {
    double v = *f * *mult;
    if (v >= 18446744073709551615.0) return InvalidArgument("too large: " + std::string(s));
    return static_cast<uint64_t>(v);
  }
  return InvalidArgument("unhandled size name: " + unit);
}

}  // namespace logstack::logstore::pipeline
