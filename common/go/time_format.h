#pragma once

// Go's time layouts ("2006-01-02T15:04:05.000Z07:00", "Jan _2 15:04:05"),
// Go's time/format.go: formatting with time.Time.Format and parsing with
// time.Parse, for times in UTC (the only zone logstack uses; a parsed offset
// is applied, so the result is the same instant). time.go's RFC 3339 and
// time.Time.String helpers are built on these.
//
// Thread safety: free functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace logstack::go {

// A time.Time in UTC: seconds since the Unix epoch and nanoseconds in
// [0, 1e9). Unlike a count of nanoseconds it holds every year Go's layouts
// can write. Go's zero time (0001-01-01) is kZeroTimeSec.
struct Time {
  int64_t sec = 0;
  int32_t nsec = 0;
};
inline constexpr int64_t kZeroTimeSec = -62135596800;

// The instant of a Unix time in nanoseconds.
Time TimeFromUnixNanos(int64_t unix_ns);

// Layouts of Go's time package.
inline constexpr std::string_view kRfc3339Layout = "2006-01-02T15:04:05Z07:00";
inline constexpr std::string_view kTimeStringLayout = "2006-01-02 15:04:05.999999999 -0700 MST";

// time.Time.Format(layout) for `t` in UTC.
void AppendFormat(Time t, std::string_view layout, std::string* out);

// time.Time.String() in UTC: "2024-01-15 08:53:47.529 +0000 UTC".
void AppendTimeString(Time t, std::string* out);

// time.Parse(layout, value): the instant, or nullopt when `value` does not
// match `layout` (callers word their own errors).
std::optional<Time> Parse(std::string_view layout, std::string_view value);

// Civil date from days since 1970-01-01 and back (proleptic Gregorian).
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace logstack::go
