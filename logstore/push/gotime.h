#pragma once

// Timestamps printed the way Go prints them, for messages that must read
// exactly like Loki's. All times are shown in UTC.
//
// Thread safety: free functions; safe from any thread.

#include <cstdint>
#include <string>

namespace logstack::logstore::push {

// Go's time.Time.String() in UTC: "2026-11-23 07:29:11.5 +0000 UTC". The
// fraction keeps up to nine digits with trailing zeros dropped, and is left
// out when zero ("2026-11-23 07:29:11 +0000 UTC").
std::string FormatGoTime(int64_t unix_ns);

// Go's time.RFC3339 layout in UTC, whole seconds (rounded down):
// "2026-11-23T07:29:11Z".
std::string FormatRfc3339(int64_t unix_ns);

}  // namespace logstack::logstore::push
