#include "collector/pipeline/time_zone.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "common/go/time_format.h"

namespace logstack::collector {
namespace {

using go::CivilFromDays;
using go::DaysFromCivil;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

class Reader {
 public:
  explicit Reader(std::string_view d) : d_(d) {}
  bool Has(size_t n) const { return pos_ + n <= d_.size(); }
  int64_t Be(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(d_[pos_ + i]);
    pos_ += n;
    if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
    return static_cast<int64_t>(v);
  }
  uint8_t Byte() { return static_cast<uint8_t>(d_[pos_++]); }
  std::string_view Take(size_t n) {
    std::string_view s = d_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  void Skip(size_t n) { pos_ += n; }
  std::string_view Rest() const { return d_.substr(pos_); }

 private:
  std::string_view d_;
  size_t pos_ = 0;
};

// [+-]hh[:mm[:ss]]
bool ParseHms(std::string_view* s, int32_t* out) {
  int sign = 1;
  if (!s->empty() && (s->front() == '+' || s->front() == '-')) {
    sign = s->front() == '-' ? -1 : 1;
    s->remove_prefix(1);
  }
  int32_t parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      if (s->empty() || s->front() != ':') break;
      s->remove_prefix(1);
    }
    size_t n = 0;
    int32_t v = 0;
    while (n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9' && n < 3)
      v = v * 10 + ((*s)[n++] - '0');
    if (n == 0) return false;
    parts[i] = v;
    s->remove_prefix(n);
  }
  *out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
  return true;
}

bool ParseName(std::string_view* s, std::string* out) {
  if (!s->empty() && s->front() == '<') {
    size_t end = s->find('>');
    if (end == std::string_view::npos) return false;
    *out = std::string(s->substr(1, end - 1));
    s->remove_prefix(end + 1);
    return true;
  }
  size_t n = 0;
  while (n < s->size() &&
         (((*s)[n] >= 'A' && (*s)[n] <= 'Z') || ((*s)[n] >= 'a' && (*s)[n] <= 'z')))
    ++n;
  if (n < 3) return false;
  *out = std::string(s->substr(0, n));
  s->remove_prefix(n);
  return true;
}

bool ParseNum(std::string_view* s, int* out) {
  size_t n = 0;
  int v = 0;
  while (n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9' && n < 4) v = v * 10 + ((*s)[n++] - '0');
  if (n == 0) return false;
  *out = v;
  s->remove_prefix(n);
  return true;
}

}  // namespace

bool TimeZone::ParseRule(std::string_view s, Rule* rule) {
  Rule r;
  if (!ParseName(&s, &r.std_type.abbrev)) return false;
  int32_t off = 0;
  if (!ParseHms(&s, &off)) return false;
  r.std_type.offset = -off;  // POSIX offsets are west-positive
  if (s.empty()) {
    r.valid = true;
    *rule = r;
    return true;
  }
  if (!ParseName(&s, &r.dst_type.abbrev)) return false;
  r.has_dst = true;
  r.dst_type.dst = true;
  r.dst_type.offset = r.std_type.offset + 3600;
  if (!s.empty() && s.front() != ',') {
    if (!ParseHms(&s, &off)) return false;
    r.dst_type.offset = -off;
  }
  for (Rule::When* w : {&r.start, &r.end}) {
    if (s.empty() || s.front() != ',') return false;
    s.remove_prefix(1);
    if (!s.empty() && s.front() == 'M') {
      s.remove_prefix(1);
      w->kind = 'M';
      if (!ParseNum(&s, &w->month) || s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
      if (!ParseNum(&s, &w->week) || s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
      if (!ParseNum(&s, &w->wday)) return false;
      if (w->month < 1 || w->month > 12 || w->week < 1 || w->week > 5 || w->wday > 6) return false;
    } else if (!s.empty() && s.front() == 'J') {
      s.remove_prefix(1);
      w->kind = 'J';
      if (!ParseNum(&s, &w->day) || w->day < 1 || w->day > 365) return false;
    } else {
      w->kind = 'N';
      if (!ParseNum(&s, &w->day) || w->day > 365) return false;
    }
    if (!s.empty() && s.front() == '/') {
      s.remove_prefix(1);
      if (!ParseHms(&s, &w->time)) return false;
    }
  }
  if (!s.empty()) return false;
  r.valid = true;
  *rule = r;
  return true;
}

TimeZone::Type TimeZone::RuleAt(int64_t unix_sec) const {
  if (!rule_.has_dst) return rule_.std_type;
  int64_t y = 0;
  int m = 0, d = 0;
  CivilFromDays(FloorDiv(unix_sec, 86400), &y, &m, &d);
  auto local_days = [&](const Rule::When& w) -> int64_t {
    if (w.kind == 'M') {
      int64_t first = DaysFromCivil(y, w.month, 1);
      int wday_first = static_cast<int>(((first % 7) + 7 + 4) % 7);  // 1970-01-01: Thursday
      int day = 1 + (w.wday - wday_first + 7) % 7 + (w.week - 1) * 7;
      while (day > DaysInMonth(y, w.month)) day -= 7;
      return first + day - 1;
    }
    int64_t jan1 = DaysFromCivil(y, 1, 1);
    if (w.kind == 'J') return jan1 + w.day - 1 + (IsLeap(y) && w.day >= 60 ? 1 : 0);
    return jan1 + w.day;
  };
  int64_t start = local_days(rule_.start) * 86400 + rule_.start.time - rule_.std_type.offset;
  int64_t end = local_days(rule_.end) * 86400 + rule_.end.time - rule_.dst_type.offset;
  bool dst =
      start < end ? (unix_sec >= start && unix_sec < end) : !(unix_sec >= end && unix_sec < start);
  return dst ? rule_.dst_type : rule_.std_type;
}

StatusOr<std::shared_ptr<const TimeZone>> TimeZone::FromTzif(std::string_view name,
                                                             std::string_view data) {
  auto bad = [&] {
    return InvalidArgument("time zone \"" + std::string(name) + "\": not a TZif file");
  };
  auto tz = std::make_shared<TimeZone>();
  tz->name_ = std::string(name);
  Reader r(data);
  auto read_block = [&](bool v2, bool keep) -> bool {
    if (!r.Has(44) || r.Take(4) != "TZif") return false;
    r.Skip(16);
    int64_t isutcnt = r.Be(4), isstdcnt = r.Be(4), leapcnt = r.Be(4), timecnt = r.Be(4),
            typecnt = r.Be(4), charcnt = r.Be(4);
    if (isutcnt < 0 || isstdcnt < 0 || leapcnt < 0 || timecnt < 0 || typecnt <= 0 || charcnt < 0 ||
        typecnt > 256) {
      return false;
    }
    size_t tsize = v2 ? 8 : 4;
    size_t need = timecnt * tsize + timecnt + typecnt * 6 + charcnt + leapcnt * (tsize + 4) +
                  isstdcnt + isutcnt;
    if (!r.Has(need)) return false;
    if (!keep) {
      r.Skip(need);
      return true;
    }
    for (int64_t i = 0; i < timecnt; ++i) tz->transitions_.push_back(r.Be(tsize));
    for (int64_t i = 0; i < timecnt; ++i) tz->trans_types_.push_back(r.Byte());
    std::vector<std::pair<Type, uint8_t>> types;
    for (int64_t i = 0; i < typecnt; ++i) {
      Type t;
      t.offset = static_cast<int32_t>(r.Be(4));
      t.dst = r.Byte() != 0;
      types.emplace_back(t, r.Byte());
    }
    std::string_view chars = r.Take(charcnt);
    for (auto& [t, idx] : types) {
      if (idx < chars.size()) {
        size_t end = chars.find('\0', idx);
        t.abbrev = std::string(chars.substr(idx, end == std::string_view::npos ? end : end - idx));
      }
      tz->types_.push_back(t);
    }
    for (uint8_t t : tz->trans_types_) {
      if (t >= tz->types_.size()) return false;
    }
    r.Skip(leapcnt * (tsize + 4) + isstdcnt + isutcnt);
    return true;
  };
  if (data.size() < 5) return bad();
  const bool v2 = data[4] >= '2';
  if (!read_block(false, !v2)) return bad();
  if (v2) {
    if (!read_block(true, true)) return bad();
    std::string_view footer = r.Rest();
    if (footer.size() >= 2 && footer.front() == '\n') {
      footer.remove_prefix(1);
      size_t nl = footer.find('\n');
      if (nl != std::string_view::npos && nl > 0) ParseRule(footer.substr(0, nl), &tz->rule_);
    }
  }
  if (!std::is_sorted(tz->transitions_.begin(), tz->transitions_.end())) return bad();
  return std::shared_ptr<const TimeZone>(std::move(tz));
}

StatusOr<std::shared_ptr<const TimeZone>> TimeZone::Load(std::string_view name,
                                                         const std::string& zoneinfo_dir) {
  if (name.empty() || name == "UTC") {
    auto tz = std::make_shared<TimeZone>();
    tz->name_ = "UTC";
    tz->types_.push_back(Type{0, false, "UTC"});
    return std::shared_ptr<const TimeZone>(std::move(tz));
  }
  const std::string unknown = "unknown time zone \"" + std::string(name) + "\"";
  if (name.front() == '/' || name.find("..") != std::string_view::npos ||
      name.find('\\') != std::string_view::npos) {
    return InvalidArgument(unknown);
  }
  std::ifstream in(zoneinfo_dir + "/" + std::string(name), std::ios::binary);
  if (!in) return InvalidArgument(unknown + " (no " + zoneinfo_dir + "/" + std::string(name) + ")");
  std::stringstream buf;
  buf << in.rdbuf();
  auto tz = FromTzif(name, buf.str());
  if (!tz.ok()) return InvalidArgument(unknown + ": " + tz.status().message());
  return tz;
}

int32_t TimeZone::OffsetAt(int64_t unix_sec, std::string* abbrev) const {
  const Type* t = nullptr;
  Type from_rule;
  if (transitions_.empty() || unix_sec < transitions_.front()) {
    // Before the first transition: the first standard-time type (RFC 8536 says
    // type 0; Go picks the first non-DST one).
    t = &types_.front();
    for (const auto& ty : types_) {
      if (!ty.dst) {
        t = &ty;
        break;
      }
    }
    if (transitions_.empty() && rule_.valid) {
      from_rule = RuleAt(unix_sec);
      t = &from_rule;
    }
  } else if (unix_sec >= transitions_.back() && rule_.valid) {
    from_rule = RuleAt(unix_sec);
    t = &from_rule;
  } else {
    size_t i = std::upper_bound(transitions_.begin(), transitions_.end(), unix_sec) -
               transitions_.begin() - 1;
    t = &types_[trans_types_[i]];
  }
  if (abbrev) *abbrev = t->abbrev;
  return t->offset;
}

int64_t TimeZone::FromCivil(int64_t civil_sec) const {
  int32_t off = OffsetAt(civil_sec);
  int64_t utc = civil_sec - off;
  int32_t off2 = OffsetAt(utc);
  if (off2 != off) utc = civil_sec - off2;
  return utc;
}

}  // namespace logstack::collector
