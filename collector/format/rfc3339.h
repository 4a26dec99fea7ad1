#pragma once

// A fast reader of the RFC 3339 timestamps that container runtimes write at
// the start of every CRI log line and in Docker's "time" field, e.g.
// "2024-01-15T08:30:00.123456789Z" or "2024-01-15T10:30:00.5+02:00".
//
// It accepts exactly what Go's time.Parse(time.RFC3339Nano, s) accepts on its
// fast path (parseRFC3339 in Go's time package), which is every timestamp
// kubelet, containerd, CRI-O and Docker write:
//   - "YYYY-MM-DDThh:mm:ss": all fields two digits (four for the year), an
//     upper-case 'T', month 1-12, day valid for the month (leap years
//     included), hour 0-23, minute 0-59, second 0-59 (no leap second);
//   - an optional fraction: '.' and one or more digits; digits past the
//     ninth are ignored (truncated, not rounded), as in Go;
//   - then exactly "Z" or "+hh:mm"/"-hh:mm" (hh 0-23, mm 0-59).
// It rejects the rarer spellings that only Go's slow general parser takes
// (a one-digit hour, ',' before the fraction) and instants outside the
// int64 nanosecond range (before 1677-09-21 or after 2262-04-11). A line
// whose timestamp is rejected is not a CRI/Docker line and passes on as raw.
//
// No allocation, no locale, no std::get_time: about 20 ns a timestamp.
//
// Thread safety: pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string_view>

namespace logstack::collector::format {

// Unix nanoseconds of `s`, or nullopt when `s` (all of it) is not a timestamp
// as described above.
std::optional<int64_t> ParseRfc3339Nano(std::string_view s);

// Days from 1970-01-01 to the proleptic Gregorian date y-m-d (negative
// before). REQUIRES: 1 <= m <= 12, 1 <= d <= 31.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);

}  // namespace logstack::collector::format
