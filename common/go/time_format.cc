#include "common/go/time_format.h"

#include <cstdio>

namespace logstack::go {
namespace {

constexpr std::string_view kLongMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
constexpr std::string_view kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};

// The layout elements of Go's time package.
enum class Std {
  kNone,
  kLongMonth,              // January
  kMonth,                  // Jan
  kNumMonth,               // 1
  kZeroMonth,              // 01
  kLongWeekDay,            // Monday
  kWeekDay,                // Mon
  kDay,                    // 2
  kUnderDay,               // _2
  kZeroDay,                // 02
  kUnderYearDay,           // __2
  kZeroYearDay,            // 002
  kHour,                   // 15
  kHour12,                 // 3
  kZeroHour12,             // 03
  kMinute,                 // 4
  kZeroMinute,             // 04
  kSecond,                 // 5
  kZeroSecond,             // 05
  kLongYear,               // 2006
  kYear,                   // 06
  kPM,                     // PM
  kpm,                     // pm
  kTZ,                     // MST
  kISO8601TZ,              // Z0700
  kISO8601SecondsTZ,       // Z070000
  kISO8601ShortTZ,         // Z07
  kISO8601ColonTZ,         // Z07:00
  kISO8601ColonSecondsTZ,  // Z07:00:00
  kNumTZ,                  // -0700
  kNumSecondsTz,           // -070000
  kNumShortTZ,             // -07
  kNumColonTZ,             // -07:00
  kNumColonSecondsTZ,      // -07:00:00
  kFracSecond0,            // .000 (fixed width)
  kFracSecond9,            // .999 (trailing zeros trimmed)
};

struct Chunk {
  std::string_view prefix;  // literal text before the element
  Std std = Std::kNone;
  int frac_digits = 0;  // for kFracSecond*
  char frac_sep = '.';
  std::string_view suffix;  // the rest of the layout
};

bool StartsWith(std::string_view s, size_t i, std::string_view p) {
  return s.substr(i, p.size()) == p;
}

bool IsDigitAt(std::string_view s, size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; }

// Finds the first layout element in `layout` (Go's nextStdChunk).
Chunk NextChunk(std::string_view layout) {
  auto make = [&](size_t i, Std std, size_t len) {
    return Chunk{layout.substr(0, i), std, 0, '.', layout.substr(i + len)};
  };
  for (size_t i = 0; i < layout.size(); ++i) {
    switch (layout[i]) {
      case 'J':
        if (StartsWith(layout, i, "January")) return make(i, Std::kLongMonth, 7);
        if (StartsWith(layout, i, "Jan")) return make(i, Std::kMonth, 3);
        break;
      case 'M':
        if (StartsWith(layout, i, "Monday")) return make(i, Std::kLongWeekDay, 6);
        if (StartsWith(layout, i, "Mon")) return make(i, Std::kWeekDay, 3);
        if (StartsWith(layout, i, "MST")) return make(i, Std::kTZ, 3);
        break;
      case '0':
        if (i + 1 < layout.size() && layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          static constexpr Std k0x[] = {Std::kZeroMonth,  Std::kZeroDay,    Std::kZeroHour12,
                                        Std::kZeroMinute, Std::kZeroSecond, Std::kYear};
          return make(i, k0x[layout[i + 1] - '1'], 2);
        }
        if (StartsWith(layout, i, "002")) return make(i, Std::kZeroYearDay, 3);
        break;
      case '1':
        if (StartsWith(layout, i, "15")) return make(i, Std::kHour, 2);
        return make(i, Std::kNumMonth, 1);
      case '2':
        if (StartsWith(layout, i, "2006")) return make(i, Std::kLongYear, 4);
        return make(i, Std::kDay, 1);
      case '_':
        if (StartsWith(layout, i, "_2")) {
          if (StartsWith(layout, i, "_2006")) {
            return Chunk{layout.substr(0, i + 1), Std::kLongYear, 0, '.', layout.substr(i + 5)};
          }
          return make(i, Std::kUnderDay, 2);
        }
        if (StartsWith(layout, i, "__2")) return make(i, Std::kUnderYearDay, 3);
        break;
      case '3':
        return make(i, Std::kHour12, 1);
      case '4':
        return make(i, Std::kMinute, 1);
      case '5':
        return make(i, Std::kSecond, 1);
      case 'P':
        if (StartsWith(layout, i, "PM")) return make(i, Std::kPM, 2);
        break;
      case 'p':
        if (StartsWith(layout, i, "pm")) return make(i, Std::kpm, 2);
        break;
      case '-':
        if (StartsWith(layout, i, "-070000")) return make(i, Std::kNumSecondsTz, 7);
        if (StartsWith(layout, i, "-07:00:00")) return make(i, Std::kNumColonSecondsTZ, 9);
        if (StartsWith(layout, i, "-0700")) return make(i, Std::kNumTZ, 5);
        if (StartsWith(layout, i, "-07:00")) return make(i, Std::kNumColonTZ, 6);
        if (StartsWith(layout, i, "-07")) return make(i, Std::kNumShortTZ, 3);
        break;
      case 'Z':
        if (StartsWith(layout, i, "Z070000")) return make(i, Std::kISO8601SecondsTZ, 7);
        if (StartsWith(layout, i, "Z07:00:00")) return make(i, Std::kISO8601ColonSecondsTZ, 9);
        if (StartsWith(layout, i, "Z0700")) return make(i, Std::kISO8601TZ, 5);
        if (StartsWith(layout, i, "Z07:00")) return make(i, Std::kISO8601ColonTZ, 6);
        if (StartsWith(layout, i, "Z07")) return make(i, Std::kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (i + 1 < layout.size() && (layout[i + 1] == '0' || layout[i + 1] == '9')) {
          char ch = layout[i + 1];
          size_t j = i + 1;
          while (j < layout.size() && layout[j] == ch) ++j;
          if (!IsDigitAt(layout, j)) {
            Chunk c{layout.substr(0, i), ch == '0' ? Std::kFracSecond0 : Std::kFracSecond9,
                    static_cast<int>(j - (i + 1)), layout[i], layout.substr(j)};
            return c;
          }
        }
        break;
      default:
        break;
    }
  }
  return Chunk{layout, Std::kNone, 0, '.', {}};
}

void AppendInt(int64_t v, int width, char pad, std::string* out) {
  if (v < 0) {
    out->push_back('-');
    v = -v;
  }
  std::string s = std::to_string(v);
  if (static_cast<int>(s.size()) < width) out->append(width - s.size(), pad);
  out->append(s);
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

void CivilFromDays(int64_t z, int64_t* year, int* month, int* day) {
  z += 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = yoe + era * 400;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  *year = y + (m <= 2);
  *month = static_cast<int>(m);
  *day = static_cast<int>(d);
}

int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Time TimeFromUnixNanos(int64_t unix_ns) {
  int64_t sec = unix_ns / 1000000000;
  int64_t nsec = unix_ns % 1000000000;
  if (nsec < 0) {
    nsec += 1000000000;
    --sec;
  }
  return Time{sec, static_cast<int32_t>(nsec)};
}

void AppendFormat(Time t, std::string_view layout, std::string* out) {
  int64_t days = FloorDiv(t.sec, 86400);
  int64_t secs = t.sec - days * 86400;
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  int hour = static_cast<int>(secs / 3600);
  int minute = static_cast<int>(secs / 60 % 60);
  int second = static_cast<int>(secs % 60);
  int weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);
  int64_t yday = days - DaysFromCivil(year, 1, 1) + 1;
  while (!layout.empty()) {
    Chunk c = NextChunk(layout);
    out->append(c.prefix);
    if (c.std == Std::kNone) break;
    layout = c.suffix;
    switch (c.std) {
      case Std::kNone:
        break;
      case Std::kLongMonth:
        out->append(kLongMonths[month - 1]);
        break;
      case Std::kMonth:
        out->append(kLongMonths[month - 1].substr(0, 3));
        break;
      case Std::kNumMonth:
        AppendInt(month, 0, '0', out);
        break;
      case Std::kZeroMonth:
        AppendInt(month, 2, '0', out);
        break;
      case Std::kLongWeekDay:
        out->append(kLongDays[weekday]);
        break;
      case Std::kWeekDay:
        out->append(kLongDays[weekday].substr(0, 3));
        break;
      case Std::kDay:
        AppendInt(day, 0, '0', out);
        break;
      case Std::kUnderDay:
        AppendInt(day, 2, ' ', out);
        break;
      case Std::kZeroDay:
        AppendInt(day, 2, '0', out);
        break;
      case Std::kUnderYearDay:
        AppendInt(yday, 3, ' ', out);
        break;
      case Std::kZeroYearDay:
        AppendInt(yday, 3, '0', out);
        break;
      case Std::kHour:
        AppendInt(hour, 2, '0', out);
        break;
      case Std::kHour12:
        AppendInt(hour % 12 == 0 ? 12 : hour % 12, 0, '0', out);
        break;
      case Std::kZeroHour12:
        AppendInt(hour % 12 == 0 ? 12 : hour % 12, 2, '0', out);
        break;
      case Std::kMinute:
        AppendInt(minute, 0, '0', out);
        break;
      case Std::kZeroMinute:
        AppendInt(minute, 2, '0', out);
        break;
      case Std::kSecond:
        AppendInt(second, 0, '0', out);
        break;
      case Std::kZeroSecond:
        AppendInt(second, 2, '0', out);
        break;
      case Std::kLongYear:
        AppendInt(year, 4, '0', out);
        break;
      case Std::kYear:
        AppendInt((year % 100 + 100) % 100, 2, '0', out);
        break;
      case Std::kPM:
        out->append(hour >= 12 ? "PM" : "AM");
        break;
      case Std::kpm:
        out->append(hour >= 12 ? "pm" : "am");
        break;
      case Std::kTZ:
        out->append("UTC");
        break;
      case Std::kISO8601TZ:
      case Std::kISO8601SecondsTZ:
      case Std::kISO8601ShortTZ:
      case Std::kISO8601ColonTZ:
      case Std::kISO8601ColonSecondsTZ:
        out->push_back('Z');
        break;
      case Std::kNumTZ:
        out->append("+0000");
        break;
      case Std::kNumSecondsTz:
        out->append("+000000");
        break;
      case Std::kNumShortTZ:
        out->append("+00");
        break;
      case Std::kNumColonTZ:
        out->append("+00:00");
        break;
      case Std::kNumColonSecondsTZ:
        out->append("+00:00:00");
        break;
      case Std::kFracSecond0:
      case Std::kFracSecond9: {
        char buf[16];
        std::snprintf(buf, sizeof(buf), "%09d", static_cast<int>(t.nsec));
        std::string_view digits(buf, 9);
        digits = digits.substr(0, c.frac_digits > 9 ? 9 : c.frac_digits);
        if (c.std == Std::kFracSecond9) {
          while (!digits.empty() && digits.back() == '0') digits.remove_suffix(1);
          if (digits.empty()) break;
        }
        out->push_back(c.frac_sep);
        out->append(digits);
        break;
      }
    }
  }
}

void AppendTimeString(Time t, std::string* out) { AppendFormat(t, kTimeStringLayout, out); }

namespace {

// Reads one or two digits (exactly two when `fixed`), Go's getnum.
bool GetNum(std::string_view* v, bool fixed, int* out) {
  if (!IsDigitAt(*v, 0)) return false;
  if (!IsDigitAt(*v, 1)) {
    if (fixed) return false;
    *out = (*v)[0] - '0';
    v->remove_prefix(1);
    return true;
  }
  *out = ((*v)[0] - '0') * 10 + ((*v)[1] - '0');
  v->remove_prefix(2);
  return true;
}

bool GetNum3(std::string_view* v, bool fixed, int* out) {
  int n = 0, i = 0;
  for (; i < 3 && IsDigitAt(*v, i); ++i) n = n * 10 + ((*v)[i] - '0');
  if (i == 0 || (fixed && i != 3)) return false;
  *out = n;
  v->remove_prefix(i);
  return true;
}

// Go's skip: removes `prefix` from *v, runs of spaces matching loosely.
bool Skip(std::string_view* v, std::string_view prefix) {
  while (!prefix.empty()) {
    if (prefix[0] == ' ') {
      if (!v->empty() && (*v)[0] != ' ') return false;
      while (!prefix.empty() && prefix[0] == ' ') prefix.remove_prefix(1);
      while (!v->empty() && (*v)[0] == ' ') v->remove_prefix(1);
      continue;
    }
    if (v->empty() || (*v)[0] != prefix[0]) return false;
    prefix.remove_prefix(1);
    v->remove_prefix(1);
  }
  return true;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Matches one of `names` (or its first three letters when `short_form`)
// case-insensitively at the start of *v.
int Lookup(std::string_view* v, const std::string_view* names, int n, bool short_form) {
  for (int i = 0; i < n; ++i) {
    std::string_view name = short_form ? names[i].substr(0, 3) : names[i];
    if (v->size() < name.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < name.size() && eq; ++k) eq = Lower((*v)[k]) == Lower(name[k]);
    if (eq) {
      v->remove_prefix(name.size());
      return i;
    }
  }
  return -1;
}

bool ParseNanos(std::string_view* v, size_t n, int* nsec) {
  // (*v)[0] is the separator; n counts it.
  if (v->size() < n) return false;
  int64_t ns = 0;
  size_t digits = 0;
  for (size_t i = 1; i < n; ++i) {
    if (!IsDigitAt(*v, i)) return false;
    if (digits < 9) {
      ns = ns * 10 + ((*v)[i] - '0');
      ++digits;
    }
  }
  while (digits < 9) {
    ns *= 10;
    ++digits;
  }
  *nsec = static_cast<int>(ns);
  v->remove_prefix(n);
  return true;
}

}  // namespace

std::optional<Time> Parse(std::string_view layout, std::string_view value) {
  int64_t year = 0;
  int month = -1, day = -1, yday = -1, hour = 0, minute = 0, second = 0, nsec = 0;
  bool pm = false, am = false;
  int64_t zone_offset = 0;
  while (true) {
    Chunk c = NextChunk(layout);
    if (!Skip(&value, c.prefix)) return std::nullopt;
    if (c.std == Std::kNone) {
      if (!value.empty()) return std::nullopt;
      break;
    }
    layout = c.suffix;
    bool ok = true;
    switch (c.std) {
      case Std::kNone:
        break;
      case Std::kYear: {
        if (value.size() < 2 || !IsDigitAt(value, 0) || !IsDigitAt(value, 1)) return std::nullopt;
        int y = (value[0] - '0') * 10 + (value[1] - '0');
        year = y >= 69 ? 1900 + y : 2000 + y;
        value.remove_prefix(2);
        break;
      }
      case Std::kLongYear: {
        if (value.size() < 4) return std::nullopt;
        int y = 0;
        for (int i = 0; i < 4; ++i) {
          if (!IsDigitAt(value, i)) return std::nullopt;
          y = y * 10 + (value[i] - '0');
        }
        year = y;
        value.remove_prefix(4);
        break;
      }
      case Std::kMonth:
      case Std::kLongMonth: {
        int m = Lookup(&value, kLongMonths, 12, c.std == Std::kMonth);
        if (m < 0) return std::nullopt;
        month = m + 1;
        break;
      }
      case Std::kNumMonth:
      case Std::kZeroMonth:
        ok = GetNum(&value, c.std == Std::kZeroMonth, &month) && month >= 1 && month <= 12;
        break;
      case Std::kWeekDay:
      case Std::kLongWeekDay:
        ok = Lookup(&value, kLongDays, 7, c.std == Std::kWeekDay) >= 0;
        break;
      case Std::kDay:
      case Std::kUnderDay:
      case Std::kZeroDay:
        if (c.std == Std::kUnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = GetNum(&value, c.std == Std::kZeroDay, &day);
        break;
      case Std::kUnderYearDay:
      case Std::kZeroYearDay:
        for (int i = 0; i < 2 && c.std == Std::kUnderYearDay && !value.empty() && value[0] == ' ';
             ++i) {
          value.remove_prefix(1);
        }
        ok = GetNum3(&value, c.std == Std::kZeroYearDay, &yday) && yday >= 1 && yday <= 366;
        break;
      case Std::kHour:
        ok = GetNum(&value, false, &hour) && hour < 24;
        break;
      case Std::kHour12:
      case Std::kZeroHour12:
        ok = GetNum(&value, c.std == Std::kZeroHour12, &hour) && hour <= 12;
        break;
      case Std::kMinute:
      case Std::kZeroMinute:
        ok = GetNum(&value, c.std == Std::kZeroMinute, &minute) && minute < 60;
        break;
      case Std::kSecond:
      case Std::kZeroSecond: {
        ok = GetNum(&value, c.std == Std::kZeroSecond, &second) && second < 60;
        // A fraction in the value but not in the layout is accepted.
        if (ok && value.size() >= 2 && (value[0] == '.' || value[0] == ',') &&
            IsDigitAt(value, 1)) {
          Chunk next = NextChunk(layout);
          if (next.std == Std::kFracSecond0 || next.std == Std::kFracSecond9) break;
          size_t n = 2;
          while (IsDigitAt(value, n)) ++n;
          ok = ParseNanos(&value, n, &nsec);
        }
        break;
      }
      case Std::kPM:
      case Std::kpm: {
        if (value.size() < 2) return std::nullopt;
        std::string_view p = value.substr(0, 2);
        bool upper = c.std == Std::kPM;
        if (p == (upper ? "PM" : "pm")) {
          pm = true;
        } else if (p == (upper ? "AM" : "am")) {
          am = true;
        } else {
          return std::nullopt;
        }
        value.remove_prefix(2);
        break;
      }
      case Std::kISO8601TZ:
      case Std::kISO8601SecondsTZ:
      case Std::kISO8601ShortTZ:
      case Std::kISO8601ColonTZ:
      case Std::kISO8601ColonSecondsTZ:
      case Std::kNumTZ:
      case Std::kNumSecondsTz:
      case Std::kNumShortTZ:
      case Std::kNumColonTZ:
      case Std::kNumColonSecondsTZ: {
        bool iso = c.std == Std::kISO8601TZ || c.std == Std::kISO8601SecondsTZ ||
                   c.std == Std::kISO8601ShortTZ || c.std == Std::kISO8601ColonTZ ||
                   c.std == Std::kISO8601ColonSecondsTZ;
        if (iso && !value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          zone_offset = 0;
          break;
        }
        if (value.empty() || (value[0] != '+' && value[0] != '-')) return std::nullopt;
        int sign = value[0] == '-' ? -1 : 1;
        value.remove_prefix(1);
        bool colon = c.std == Std::kISO8601ColonTZ || c.std == Std::kISO8601ColonSecondsTZ ||
                     c.std == Std::kNumColonTZ || c.std == Std::kNumColonSecondsTZ;
        bool short_form = c.std == Std::kISO8601ShortTZ || c.std == Std::kNumShortTZ;
        bool with_secs = c.std == Std::kISO8601SecondsTZ || c.std == Std::kISO8601ColonSecondsTZ ||
                         c.std == Std::kNumSecondsTz || c.std == Std::kNumColonSecondsTZ;
        int hh = 0, mm = 0, ss = 0;
        if (!GetNum(&value, true, &hh)) return std::nullopt;
        if (!short_form) {
          if (colon && !Skip(&value, ":")) return std::nullopt;
          if (!GetNum(&value, true, &mm)) return std::nullopt;
          if (with_secs) {
            if (colon && !Skip(&value, ":")) return std::nullopt;
            if (!GetNum(&value, true, &ss)) return std::nullopt;
          }
        }
        zone_offset = sign * (hh * 3600 + mm * 60 + ss);
        break;
      }
      case Std::kTZ: {
        if (value.size() >= 3 && value.substr(0, 3) == "UTC") {
          value.remove_prefix(3);
          break;
        }
        // An abbreviation Go does not know becomes a zone with offset 0.
        size_t n = 0;
        while (n < value.size() && value[n] >= 'A' && value[n] <= 'Z') ++n;
        if (n < 3) return std::nullopt;
        value.remove_prefix(n);
        break;
      }
      case Std::kFracSecond0:
        if (value.empty() || (value[0] != '.' && value[0] != ',')) return std::nullopt;
        ok = ParseNanos(&value, 1 + c.frac_digits, &nsec);
        break;
      case Std::kFracSecond9: {
        if (value.size() < 2 || (value[0] != '.' && value[0] != ',') || !IsDigitAt(value, 1)) {
          break;
        }
        size_t i = 0;
        while (IsDigitAt(value, i + 1)) ++i;
        ok = ParseNanos(&value, 1 + i, &nsec);
        break;
      }
    }
    if (!ok) return std::nullopt;
  }
  if (pm && hour < 12) hour += 12;
  if (am && hour == 12) hour = 0;
  if (yday >= 0 && month < 0 && day < 0) {
    int64_t d = DaysFromCivil(year, 1, 1) + yday - 1;
    int64_t y;
    CivilFromDays(d, &y, &month, &day);
    if (y != year) return std::nullopt;
  }
  if (month < 0) month = 1;
  if (day < 0) day = 1;
  if (day < 1 || day > 31) return std::nullopt;
  int64_t days = DaysFromCivil(year, month, day);
  int64_t y2;
  int m2, d2;
  CivilFromDays(days, &y2, &m2, &d2);
  if (m2 != month || d2 != day) return std::nullopt;  // e.g. Feb 30
  Time t;
  t.sec = days * 86400 + hour * 3600 + minute * 60 + second - zone_offset;
  t.nsec = nsec;
  return t;
}

}  // namespace logstack::go
