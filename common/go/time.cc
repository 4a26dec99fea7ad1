#include "common/go/time.h"

#include <cstdio>
#include <limits>

#include "common/go/strconv.h"

namespace logstack::go {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

Status InvalidDuration(std::string_view s) {
  return InvalidArgument("time: invalid duration " + Quote(s));
}

// A UTC calendar date and time of day.
struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second;
  int64_t nanos;  // 0..999'999'999
};

// Days since 1970-01-01 of a proleptic Gregorian date. Linear in `day`, so a
// day past the month's end counts on into the next month.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Splits a Unix time in nanoseconds into a UTC date and time, rounding towards
// the past.
Civil ToCivil(int64_t unix_ns) {
  int64_t secs = unix_ns / kNsPerSec;
  int64_t nanos = unix_ns % kNsPerSec;
  if (nanos < 0) {
    nanos += kNsPerSec;
    secs--;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  Civil c;
  c.day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  c.hour = static_cast<unsigned>(sod / 3600);
  c.minute = static_cast<unsigned>(sod / 60 % 60);
  c.second = static_cast<unsigned>(sod % 60);
  c.nanos = nanos;
  return c;
}

// "2006-01-02" + sep + "15:04:05".
std::string DateTime(const Civil& c, char sep) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u%c%02u:%02u:%02u",
                              static_cast<long long>(c.year), c.month, c.day, sep, c.hour, c.minute,
                              c.second);
  return std::string(buf, static_cast<size_t>(n));
}

bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
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
  const Civil c = ToCivil(unix_ns);
  std::string out = DateTime(c, ' ');
  if (c.nanos != 0) {
    char frac[32];
    std::snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(c.nanos));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += " +0000 UTC";
  return out;
}

std::string FormatRfc3339(int64_t unix_ns) { return DateTime(ToCivil(unix_ns), 'T') + "Z"; }

std::string FormatRfc3339Micro(int64_t unix_ns) {
  const Civil c = ToCivil(unix_ns);
  char frac[32];
  std::snprintf(frac, sizeof(frac), ".%06lldZ", static_cast<long long>(c.nanos / 1000));
  return DateTime(c, 'T') + frac;
}

StatusOr<int64_t> ParseRfc3339(std::string_view s) {
  auto bad = [&] { return InvalidArgument("invalid RFC 3339 time \"" + std::string(s) + "\""); };
  int year, mon, day, hour, min, sec;
  if (!ParseDigits(s, 0, 4, &year) || s.size() < 20 || s[4] != '-' || !ParseDigits(s, 5, 2, &mon) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &day) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !ParseDigits(s, 11, 2, &hour) ||
      s[13] != ':' || !ParseDigits(s, 14, 2, &min) || s[16] != ':' ||
      !ParseDigits(s, 17, 2, &sec)) {
    return bad();
  }
  if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60) return bad();
  size_t pos = 19;
  int64_t frac_nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    const size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) {
      frac_nanos += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return bad();
  }
  int64_t offset_secs = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!ParseDigits(s, pos + 1, 2, &oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !ParseDigits(s, pos + 4, 2, &om)) {
      return bad();
    }
    offset_secs = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad();
  }
  if (pos != s.size()) return bad();
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hour * 3600 + min * 60 + sec - offset_secs;
  return secs * kNsPerSec + frac_nanos;
}

}  // namespace logstack::go
