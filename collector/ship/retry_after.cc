#include "collector/ship/retry_after.h"

#include <array>
#include <cstddef>
#include <limits>

namespace logstack::collector {

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A cursor over the header value.
class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  bool done() const { return s_.empty(); }
  bool Literal(std::string_view lit) {
    if (s_.substr(0, lit.size()) != lit) return false;
    s_.remove_prefix(lit.size());
    return true;
  }
  // Exactly `n` digits.
  bool Digits(size_t n, int* out) {
    if (s_.size() < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!IsDigit(s_[i])) return false;
      v = v * 10 + (s_[i] - '0');
    }
    s_.remove_prefix(n);
    *out = v;
    return true;
  }
  // Letters up to the next character that is not a letter.
  std::string_view Word() {
    size_t n = 0;
    while (n < s_.size() && ((s_[n] >= 'A' && s_[n] <= 'Z') || (s_[n] >= 'a' && s_[n] <= 'z'))) {
      ++n;
    }
    std::string_view w = s_.substr(0, n);
    s_.remove_prefix(n);
    return w;
  }
  // "08:49:37"
  bool Time(int* h, int* m, int* sec) {
    return Digits(2, h) && Literal(":") && Digits(2, m) && Literal(":") && Digits(2, sec);
  }

 private:
  std::string_view s_;
};

int Month(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (name == kMonths[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

bool IsShortDay(std::string_view d) {
  return d == "Mon" || d == "Tue" || d == "Wed" || d == "Thu" || d == "Fri" || d == "Sat" ||
         d == "Sun";
}
bool IsLongDay(std::string_view d) {
  return d == "Monday" || d == "Tuesday" || d == "Wednesday" || d == "Thursday" || d == "Friday" ||
         d == "Saturday" || d == "Sunday";
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar: whole
// 400-year eras (146097 days each) counted from March 1 of year 0, so that
// the leap day is the last day of its year.
int64_t DaysFromCivil(int y, int m, int d) {
  const int64_t year = m <= 2 ? y - 1 : y;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;                          // [0, 399]
  const int64_t month_from_march = m > 2 ? m - 3 : m + 9;                // [0, 11]
  const int64_t day_of_year = (153 * month_from_march + 2) / 5 + d - 1;  // [0, 365]
  const int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

int YearOf(int64_t unix_ns) {
  // Good enough for the two-digit-year rule: within a day of the truth.
  int64_t days = unix_ns / kNanosPerSecond / 86400;
  int year = 1970 + static_cast<int>(days / 365);
  while (DaysFromCivil(year, 1, 1) > days) --year;
  while (DaysFromCivil(year + 1, 1, 1) <= days) ++year;
  return year;
}

std::optional<int64_t> ToUnix(int y, int mon, int d, int h, int m, int s) {
  if (mon < 1 || mon > 12 || d < 1 || d > DaysInMonth(y, mon) || h > 23 || m > 59 || s > 60) {
    return std::nullopt;
  }
  if (s == 60) s = 59;  // a leap second: as good as the second before it
  return DaysFromCivil(y, mon, d) * 86400 + h * 3600 + m * 60 + s;
}

}  // namespace

std::optional<int64_t> ParseHttpDate(std::string_view value, int64_t now_unix_ns) {
  value = Trim(value);
  Scanner sc(value);
  std::string_view day = sc.Word();
  int d = 0, y = 0, h = 0, m = 0, s = 0, mon = 0;
  if (IsShortDay(day) && sc.Literal(", ")) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (!sc.Digits(2, &d) || !sc.Literal(" ")) return std::nullopt;
    mon = Month(sc.Word());
    if (!sc.Literal(" ") || !sc.Digits(4, &y) || !sc.Literal(" ") || !sc.Time(&h, &m, &s) ||
        !sc.Literal(" GMT") || !sc.done()) {
      return std::nullopt;
    }
  } else if (IsLongDay(day) && sc.Literal(", ")) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    int yy = 0;
    if (!sc.Digits(2, &d) || !sc.Literal("-")) return std::nullopt;
    mon = Month(sc.Word());
    if (!sc.Literal("-") || !sc.Digits(2, &yy) || !sc.Literal(" ") || !sc.Time(&h, &m, &s) ||
        !sc.Literal(" GMT") || !sc.done()) {
      return std::nullopt;
    }
    const int now_year = YearOf(now_unix_ns);
    y = now_year - now_year % 100 + yy;
    if (y > now_year + 50) y -= 100;
  } else if (IsShortDay(day) && sc.Literal(" ")) {
    // asctime: "Sun Nov  6 08:49:37 1994" (the day padded with a space)
    mon = Month(sc.Word());
    if (!sc.Literal(" ")) return std::nullopt;
    if (sc.Literal(" ")) {
      if (!sc.Digits(1, &d)) return std::nullopt;
    } else if (!sc.Digits(2, &d)) {
      return std::nullopt;
    }
    if (!sc.Literal(" ") || !sc.Time(&h, &m, &s) || !sc.Literal(" ") || !sc.Digits(4, &y) ||
        !sc.done()) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  return ToUnix(y, mon, d, h, m, s);
}

std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_unix_ns) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (IsDigit(value[0])) {
    constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / kNanosPerSecond;
    int64_t seconds = 0;
    for (char c : value) {
      if (!IsDigit(c)) return std::nullopt;
      if (seconds < kMaxSeconds) seconds = seconds * 10 + (c - '0');
    }
    if (seconds > kMaxSeconds) seconds = kMaxSeconds;
    return seconds * kNanosPerSecond;
  }
  std::optional<int64_t> at = ParseHttpDate(value, now_unix_ns);
  if (!at) return std::nullopt;
  // Compared in seconds first: dates reach from year 0 to 9999, beyond
  // what int64 nanoseconds can hold.
  if (*at < now_unix_ns / kNanosPerSecond - 1) return 0;
  if (*at >= std::numeric_limits<int64_t>::max() / kNanosPerSecond) {
    return std::numeric_limits<int64_t>::max() - now_unix_ns;
  }
  int64_t at_ns = *at * kNanosPerSecond;
  return at_ns > now_unix_ns ? at_ns - now_unix_ns : 0;
}

}  // namespace logstack::collector
