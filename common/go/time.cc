#include "common/go/time.h"

#include <limits>

#include "common/go/strconv.h"
#include "common/go/time_format.h"

namespace logstack::go {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status InvalidDuration(std::string_view s) {
  return InvalidArgument("time: invalid duration " + Quote(s));
}

}  // namespace

StatusOr<int64_t> ParseDuration(std::string_view orig) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return InvalidDuration(orig);
  constexpr uint64_t kMax = uint64_t{1} << 63;
  constexpr uint64_t kDigitLimit = (std::numeric_limits<uint64_t>::max() >> 1) / 10;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsDigit(s[0]))) return InvalidDuration(orig);
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && IsDigit(s[i]); i++) {
      if (v > kDigitLimit) return InvalidDuration(orig);
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    const bool pre = i > 0;
    s.remove_prefix(i);
    // The fraction: its digits past what a uint64 holds are dropped.
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && IsDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > kDigitLimit) {
          overflow = true;
          continue;
        }
        f = f * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return InvalidDuration(orig);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) u++;
    if (u == 0) return InvalidArgument("time: missing unit in duration " + Quote(orig));
    const std::string_view unit_name = s.substr(0, u);
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
      return InvalidArgument("time: unknown unit " + Quote(unit_name) + " in duration " +
                             Quote(orig));
    }
    if (v > kMax / unit) return InvalidDuration(orig);
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return InvalidDuration(orig);
    }
    total += v;
    if (total > kMax) return InvalidDuration(orig);
  }
  if (neg) return static_cast<int64_t>(0 - total);
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidDuration(orig);
  }
  return static_cast<int64_t>(total);
}

std::string FormatDuration(int64_t d) {
  if (d == 0) return "0s";
  const bool neg = d < 0;
  const uint64_t u = neg ? 0 - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  const std::string sign = neg ? "-" : "";
  // Splits off `prec` fraction digits; *frac gets ".ddd" with trailing zeros
  // dropped, or nothing when they are all zero. Returns the whole part.
  auto split = [](uint64_t v, int prec, std::string* frac) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; i++) {
      const int digit = static_cast<int>(v % 10);
      print = print || digit != 0;
      if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
      v /= 10;
    }
    if (print) *frac = "." + digits;
    return v;
  };
  std::string frac;
  if (u < 1000) return sign + std::to_string(u) + "ns";
  if (u < 1000000) {
    const uint64_t w = split(u, 3, &frac);
    return sign + std::to_string(w) + frac + "\xC2\xB5s";
  }
  if (u < 1000000000) {
    const uint64_t w = split(u, 6, &frac);
    return sign + std::to_string(w) + frac + "ms";
  }
  uint64_t w = split(u, 9, &frac);
  const std::string secs = std::to_string(w % 60) + frac + "s";
  w /= 60;
  if (w == 0) return sign + secs;
  const std::string mins = std::to_string(w % 60) + "m";
  w /= 60;
  return sign + (w > 0 ? std::to_string(w) + "h" : "") + mins + secs;
}

std::string FormatTime(int64_t unix_ns) {
  std::string out;
  AppendTimeString(TimeFromUnixNanos(unix_ns), &out);
  return out;
}

std::string FormatRfc3339(int64_t unix_ns) {
  std::string out;
  AppendFormat(TimeFromUnixNanos(unix_ns), kRfc3339Layout, &out);
  return out;
}

std::string FormatRfc3339Micro(int64_t unix_ns) {
  std::string out;
  AppendFormat(TimeFromUnixNanos(unix_ns), "2006-01-02T15:04:05.000000Z07:00", &out);
  return out;
}

StatusOr<int64_t> ParseRfc3339(std::string_view s) {
  const std::optional<Time> t = Parse(kRfc3339Layout, s);
  int64_t ns;
  if (!t || __builtin_mul_overflow(t->sec, kNsPerSec, &ns) ||
      __builtin_add_overflow(ns, int64_t{t->nsec}, &ns)) {
    return InvalidArgument("invalid RFC 3339 time \"" + std::string(s) + "\"");
  }
  return ns;
}

}  // namespace logstack::go
