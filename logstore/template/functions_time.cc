// Time functions: sprig's date, toDate, now and unixEpoch, and Loki's
// unixEpochMillis, unixEpochNanos, toDateInZone and unixToTime. Times are
// UTC (the zone Loki runs in); toDateInZone knows only UTC.

#include <string>

#include "common/go/strconv.h"
#include "common/go/time_format.h"
#include "logstore/template/functions.h"
#include "logstore/template/go_fmt.h"

namespace logstack::logstore::tmpl {

namespace {

using Args = std::span<Value>;

Status StrResult(std::string s, Value* out) {
  *out = Value::String(std::move(s));
  return Status::Ok();
}

// sprig's date(fmt, date): a time, or Unix seconds as int/int64; anything
// else formats the current time.
Status FnDate(Args a, const CallContext& c, Value* out) {
  go::Time t;
  switch (a[1].kind()) {
    case Value::Kind::kTime:
      t = a[1].time();
      break;
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
      t = go::Time{a[1].int_value(), 0};
      break;
    default:
      t = go::TimeFromUnixNanos(c.data->NowNs());
  }
  std::string s;
  go::AppendFormat(t, a[0].str(), &s);
  return StrResult(std::move(s), out);
}

// sprig's toDate drops the parse error and returns Go's zero time.
Status FnToDate(Args a, const CallContext&, Value* out) {
  std::optional<go::Time> t = go::Parse(a[0].str(), a[1].str());
  *out = Value::Time(t ? *t : go::Time{go::kZeroTimeSec, 0});
  return Status::Ok();
}

Status FnToDateInZone(Args a, const CallContext&, Value* out) {
  std::optional<go::Time> t = go::Parse(a[0].str(), a[2].str());
  *out = Value::Time(t ? *t : go::Time{go::kZeroTimeSec, 0});
  return Status::Ok();
}

Status FnNow(Args, const CallContext& c, Value* out) {
  *out = Value::Time(go::TimeFromUnixNanos(c.data->NowNs()));
  return Status::Ok();
}

Status FnUnixEpoch(Args a, const CallContext&, Value* out) {
  return StrResult(std::to_string(a[0].time().sec), out);
}

// Go's UnixMilli/UnixNano: wrapping int64 arithmetic.
Status FnUnixEpochMillis(Args a, const CallContext&, Value* out) {
  go::Time t = a[0].time();
  uint64_t ms = static_cast<uint64_t>(t.sec) * 1000u + static_cast<uint64_t>(t.nsec / 1000000);
  return StrResult(std::to_string(static_cast<int64_t>(ms)), out);
}

Status FnUnixEpochNanos(Args a, const CallContext&, Value* out) {
  go::Time t = a[0].time();
  uint64_t ns = static_cast<uint64_t>(t.sec) * 1000000000u + static_cast<uint64_t>(t.nsec);
  return StrResult(std::to_string(static_cast<int64_t>(ns)), out);
}

// Loki's unixToTime: the unit is told by the number of digits: 5 days,
// 10 seconds, 13 milliseconds, 16 microseconds, 19 nanoseconds.
Status FnUnixToTime(Args a, const CallContext&, Value* out) {
  std::string_view s = a[0].str();
  bool digits_only = !s.empty();
  for (char ch : s) digits_only = digits_only && ((ch >= '0' && ch <= '9') || ch == '-');
  const std::optional<int64_t> parsed = digits_only ? go::ParseInt(s) : std::nullopt;
  if (!parsed) {
    return CallError("unable to parse time '" + std::string(s) + "': strconv.ParseInt: parsing \"" +
                     std::string(s) + "\": invalid syntax");
  }
  const int64_t v = *parsed;
  go::Time t;
  switch (s.size()) {
    case 5:
      t = go::Time{v * 86400, 0};
      break;
    case 10:
      t = go::Time{v, 0};
      break;
    case 13:
      t = go::TimeFromUnixNanos(v * 1000000);
      break;
    case 16:
      t = go::TimeFromUnixNanos(v * 1000);
      break;
    case 19:
      t = go::TimeFromUnixNanos(v);
      break;
    default:
      return CallError("unable to parse time '" + std::string(s) + "' length " +
                       std::to_string(s.size()) + " did not match any expected lengths");
  }
  *out = Value::Time(t);
  return Status::Ok();
}

constexpr FuncDef kTime[] = {
    {"date", "sa", FnDate},
    {"toDate", "ss", FnToDate},
    {"toDateInZone", "sss", FnToDateInZone},
    {"now", "", FnNow},
    {"unixEpoch", "t", FnUnixEpoch},
    {"unixEpochMillis", "t", FnUnixEpochMillis},
    {"unixEpochNanos", "t", FnUnixEpochNanos},
    {"unixToTime", "s", FnUnixToTime},
};

}  // namespace

std::span<const FuncDef> TimeFunctions() { return kTime; }

}  // namespace logstack::logstore::tmpl
