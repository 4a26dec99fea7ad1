#pragma once

// Go's time package, as far as Loki's and Kubernetes' answers depend on it:
// durations (time.ParseDuration, time.Duration.String) and instants printed
// and read in UTC (time.Time.String, the RFC 3339 layouts). An instant here
// is nanoseconds since the Unix epoch, which covers the years 1677 to 2262;
// these are built on the layouts of time_format.h, whose go::Time holds any
// year.
//
// Thread safety: pure functions; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::go {

// time.ParseDuration: "1h30m", "1.5s", "500ms", "250us", "-2m", "0". A
// fraction goes through a float64, as in Go. Errors are Go's:
//   time: invalid duration "abc"
//   time: missing unit in duration "5"
//   time: unknown unit "d" in duration "1d"
// (an overflow is "time: invalid duration").
StatusOr<int64_t> ParseDuration(std::string_view s);

// time.Duration.String: "1h30m0s", "1.5s", "500µs", "12ns", "-250ms", "0s".
std::string FormatDuration(int64_t ns);

// time.Time.String for a time in UTC: "2026-11-23 07:29:11.5 +0000 UTC". The
// fraction keeps up to nine digits, trailing zeros dropped, and is left out
// when zero.
std::string FormatTime(int64_t unix_ns);

// The time.RFC3339 layout in UTC, whole seconds rounded down (towards the
// past, also before 1970): "2026-11-23T07:29:11Z". metav1.Time prints so.
std::string FormatRfc3339(int64_t unix_ns);

// RFC 3339 in UTC with exactly six fraction digits, rounded down:
// "2026-11-23T07:29:11.000500Z". metav1.MicroTime prints so.
std::string FormatRfc3339Micro(int64_t unix_ns);

// time.Parse(time.RFC3339, s), which Loki's API and client-go's metav1.Time
// read instants with: "2006-01-02T15:04:05Z" with an upper-case 'T' and 'Z'
// or a "+hh:mm"/"-hh:mm" offset, the day checked against its month, seconds
// up to 59, and an optional fraction of any length after a '.' or ','
// (digits past the ninth are ignored). An instant outside what int64
// nanoseconds hold is an error too. On failure the message is
// `invalid RFC 3339 time "<s>"` (logstack's text, not Go's).
StatusOr<int64_t> ParseRfc3339(std::string_view s);

}  // namespace logstack::go
