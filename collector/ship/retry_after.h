#pragma once

// Reading an HTTP Retry-After header (RFC 9110, section 10.2.3): either a
// number of seconds ("120") or an HTTP date after which to retry, in any of
// the three forms a recipient must accept:
//
//   Sun, 06 Nov 1994 08:49:37 GMT    IMF-fixdate (what servers send)
//   Sunday, 06-Nov-94 08:49:37 GMT   RFC 850 (obsolete; a two-digit year more
//                                    than 50 years ahead of `now` is taken
//                                    to be in the past century)
//   Sun Nov  6 08:49:37 1994         ANSI C asctime() (obsolete)
//
// Surrounding spaces and tabs are ignored; the day name is not checked
// against the date (RFC 9110 lets recipients ignore it).
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

namespace logstack::collector {

// How long to wait, in nanoseconds, from `now_unix_ns`: the seconds given,
// or the time from now until the date (0 for a date in the past). nullopt
// when `value` is neither form. Huge numbers of seconds saturate at about
// 292 years rather than overflowing.
std::optional<int64_t> ParseRetryAfter(std::string_view value, int64_t now_unix_ns);

// Unix seconds of an HTTP date in one of the three forms; nullopt otherwise.
std::optional<int64_t> ParseHttpDate(std::string_view value, int64_t now_unix_ns);

}  // namespace logstack::collector
