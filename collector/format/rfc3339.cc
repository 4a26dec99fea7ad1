#include "collector/format/rfc3339.h"

namespace logstack::collector::format {
namespace {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The value of the two digits at s[i], or -1.
inline int Two(const char* s) {
  if (!IsDigit(s[0]) || !IsDigit(s[1])) return -1;
  return (s[0] - '0') * 10 + (s[1] - '0');
}

inline bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline int DaysIn(int month, int64_t year) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // Shift the year to start in March, so that the leap day ends it; then
  // count whole 400-year eras (146097 days each) and the days within one.
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);             // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::optional<int64_t> ParseRfc3339Nano(std::string_view s) {
  if (s.size() < 20) return std::nullopt;  // "2006-01-02T15:04:05" and at least 'Z'
  const char* p = s.data();
  const int y_hi = Two(p);
  const int y_lo = Two(p + 2);
  const int month = Two(p + 5);
  const int day = Two(p + 8);
  const int hour = Two(p + 11);
  const int min = Two(p + 14);
  const int sec = Two(p + 17);
  if ((y_hi | y_lo | month | day | hour | min | sec) < 0) return std::nullopt;
  if (p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' || p[16] != ':') {
    return std::nullopt;
  }
  const int64_t year = y_hi * 100 + y_lo;
  if (month < 1 || month > 12 || day < 1 || day > DaysIn(month, year) || hour > 23 || min > 59 ||
      sec > 59) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t nanos = 0;
  if (s.size() - i >= 2 && s[i] == '.' && IsDigit(s[i + 1])) {
    size_t j = i + 1;
    int digits = 0;
    for (; j < s.size() && IsDigit(s[j]); ++j) {
      if (digits < 9) {
        nanos = nanos * 10 + (s[j] - '0');
        ++digits;
      }
    }
    for (; digits < 9; ++digits) nanos *= 10;
    i = j;
  }
  int64_t offset_seconds = 0;
  const size_t rest = s.size() - i;
  if (rest == 1 && s[i] == 'Z') {
    // UTC.
  } else if (rest == 6 && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    const int zh = Two(p + i + 1);
    const int zm = Two(p + i + 4);
    if (zh < 0 || zm < 0 || zh > 23 || zm > 59) return std::nullopt;
    offset_seconds = (zh * 60 + zm) * 60;
    if (s[i] == '-') offset_seconds = -offset_seconds;
  } else {
    return std::nullopt;
  }
  const int64_t seconds =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + min * 60 + sec - offset_seconds;
  int64_t ns;
  if (__builtin_mul_overflow(seconds, int64_t{1'000'000'000}, &ns) ||
      __builtin_add_overflow(ns, nanos, &ns)) {
    return std::nullopt;
  }
  return ns;
}

}  // namespace logstack::collector::format
