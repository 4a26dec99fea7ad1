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

Status DurationError(std::string_view orig) {
  return InvalidArgument("time: invalid duration " + GoQuote(orig));
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

StatusOr<int64_t> ParseGoDuration(std::string_view orig) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return DurationError(orig);
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return DurationError(orig);
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); i++) {
      if (v > (std::numeric_limits<uint64_t>::max() >> 1) / 10) return DurationError(orig);
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && IsDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (std::numeric_limits<uint64_t>::max() >> 1) / 10) {
          overflow = true;
          continue;
        }
        f = f * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return DurationError(orig);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) u++;
    if (u == 0) return InvalidArgument("time: missing unit in duration " + GoQuote(orig));
    std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\xc2\xb5s" || unit_name == "\xce\xbcs") {
      unit = 1000;
    } else if (unit_name == "ms") {
      unit = 1000000;
    } else if (unit_name == "s") {
      unit = 1000000000;
    } else if (unit_name == "m") {
      unit = 60ull * 1000000000;
    } else if (unit_name == "h") {
      unit = 3600ull * 1000000000;
    } else {
      return InvalidArgument("time: unknown unit " + GoQuote(unit_name) + " in duration " +
                             GoQuote(orig));
    }
    constexpr uint64_t kMax = uint64_t{1} << 63;
    if (v > kMax / unit) return DurationError(orig);
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return DurationError(orig);
    }
    total += v;
    if (total > kMax) return DurationError(orig);
  }
  if (neg) return -static_cast<int64_t>(total);
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return DurationError(orig);
  }
  return static_cast<int64_t>(total);
}

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
