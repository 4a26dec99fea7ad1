#include "collector/pipeline/timestamp_format.h"

#include <limits>

#include "common/go/time_format.h"

namespace logstack::collector {
namespace {

using go::CivilFromDays;
using go::DaysFromCivil;
using GoTime = go::Time;


constexpr int64_t kNsPerSec = 1'000'000'000;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// strconv.ParseInt(s, 10, 64).
std::optional<int64_t> ParseDecimal(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1 - (c - '0')) / 10) {
      return std::nullopt;
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (!neg && v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

std::optional<int64_t> Mul(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<int64_t> ToNs(GoTime t) {
  auto s = Mul(t.sec, kNsPerSec);
  if (!s) return std::nullopt;
  int64_t r = 0;
  if (__builtin_add_overflow(*s, static_cast<int64_t>(t.nsec), &r)) return std::nullopt;
  return r;
}

const char* NamedLayout(std::string_view name) {
  static const std::pair<const char*, const char*> kNamed[] = {
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
      {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", "2006-01-02T15:04:05Z07:00"},
      {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
  };
  for (const auto& [n, l] : kNamed) {
    if (name == n) return l;
  }
  return nullptr;
}

}  // namespace

StatusOr<TimestampFormat> TimestampFormat::Make(std::string_view format,
                                                std::shared_ptr<const TimeZone> location) {
  TimestampFormat f;
  if (format.empty()) return InvalidArgument("a format is required");
  if (format == "Unix") {
    f.kind_ = Kind::kUnix;
  } else if (format == "UnixMs") {
    f.kind_ = Kind::kUnixMs;
  } else if (format == "UnixUs") {
    f.kind_ = Kind::kUnixUs;
  } else if (format == "UnixNs") {
    f.kind_ = Kind::kUnixNs;
  } else if (const char* named = NamedLayout(format)) {
    f.kind_ = Kind::kNamed;
    f.layout_ = named;
  } else {
    f.kind_ = Kind::kLayout;
    f.layout_ = std::string(format);
    f.location_ = std::move(location);
    f.has_year_ = f.layout_.find("06") != std::string::npos;
  }
  f.has_numeric_zone_ =
      f.layout_.find("Z07") != std::string::npos || f.layout_.find("-07") != std::string::npos;
  f.has_zone_abbrev_ = f.layout_.find("MST") != std::string::npos;
  return f;
}

std::optional<int64_t> TimestampFormat::Parse(std::string_view value, int64_t now_ns) const {
  switch (kind_) {
    case Kind::kUnix: {
      size_t dot = value.find('.');
      if (dot != std::string_view::npos && value.find('.', dot + 1) == std::string_view::npos) {
        std::string_view frac = value.substr(dot + 1);
        if (frac.size() > 9) return std::nullopt;
        auto sec = ParseDecimal(value.substr(0, dot));
        auto ns = ParseDecimal(frac);
        if (!sec || !ns) return std::nullopt;
        for (size_t i = frac.size(); i < 9; ++i) *ns *= 10;
        return ToNs(GoTime{*sec, static_cast<int32_t>(*ns)});
      }
      auto sec = ParseDecimal(value);
      if (!sec) return std::nullopt;
      return Mul(*sec, kNsPerSec);
    }
    case Kind::kUnixMs: {
      auto v = ParseDecimal(value);
      if (!v) return std::nullopt;
      return Mul(*v, 1'000'000);
    }
    case Kind::kUnixUs: {
      auto v = ParseDecimal(value);
      if (!v) return std::nullopt;
      return Mul(*v, 1'000);
    }
    case Kind::kUnixNs:
      return ParseDecimal(value);
    case Kind::kNamed: {
      auto t = go::Parse(layout_, value);
      if (!t) return std::nullopt;
      return ToNs(*t);
    }
    case Kind::kLayout:
      return ParseLayout(value, now_ns);
  }
  return std::nullopt;
}

std::optional<int64_t> TimestampFormat::ParseLayout(std::string_view value, int64_t now_ns) const {
  std::optional<GoTime> t = go::Parse(layout_, value);
  if (!t) return std::nullopt;
  if (!has_year_) {
    // Parsed in year 0: move the wall clock time to the year of `now`.
    int64_t y0 = 0, now_y = 0;
    int m = 0, d = 0, now_m = 0, now_d = 0;
    int64_t days = FloorDiv(t->sec, 86400);
    int64_t secs_of_day = t->sec - days * 86400;
    CivilFromDays(days, &y0, &m, &d);
    if (y0 != 0) return std::nullopt;  // Promtail: "is expected to not contain the year"
    CivilFromDays(FloorDiv(FloorDiv(now_ns, kNsPerSec), 86400), &now_y, &now_m, &now_d);
    int64_t year = now_y;
    if (m == 12 && now_m == 1) year = now_y - 1;
    if (m == 1 && now_m == 12) year = now_y + 1;
    t->sec = DaysFromCivil(year, m, d) * 86400 + secs_of_day;
  }
  if (location_ && !has_numeric_zone_) {
    // t->sec is the wall clock time read as UTC.
    int64_t instant = location_->FromCivil(t->sec);
    if (has_zone_abbrev_) {
      // The location's offset only when the value names its abbreviation.
      std::string abbrev;
      location_->OffsetAt(instant, &abbrev);
      if (abbrev.empty() || value.find(abbrev) == std::string_view::npos) instant = t->sec;
    }
    t->sec = instant;
  }
  return ToNs(*t);
}

std::string FormatRfc3339Nano(int64_t unix_ns) {
  int64_t sec = FloorDiv(unix_ns, kNsPerSec);
  int64_t ns = unix_ns - sec * kNsPerSec;
  int64_t days = FloorDiv(sec, 86400);
  int64_t sod = sec - days * 86400;
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  snprintf(buf, sizeof(buf), "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(y), m, d,
           static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
           static_cast<int>(sod % 60));
  std::string out = buf;
  if (ns != 0) {
    char frac[16];
    snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(ns));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

}  // namespace logstack::collector
