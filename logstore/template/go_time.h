#pragma once

// Go's time layouts ("2006-01-02T15:04:05.000Z07:00", "Jan _2 15:04:05"):
// formatting with time.Time.Format and parsing with time.Parse, for times in
// UTC (the only zone logstack's templates use; a parsed offset is applied,
// so the result is the same instant).
//
// Thread safety: free functions; safe from any thread.

#include <optional>
#include <string>
#include <string_view>

#include "logstore/template/value.h"

namespace logstack::logstore::tmpl {

// time.Time.Format(layout) for `t` in UTC.
void AppendGoTimeFormat(GoTime t, std::string_view layout, std::string* out);

// time.Time.String() in UTC: "2024-01-15 08:53:47.529 +0000 UTC".
void AppendGoTimeString(GoTime t, std::string* out);

// time.Parse(layout, value): the instant, or nullopt when `value` does not
// match `layout` (Go's error is not needed: sprig's toDate drops it).
std::optional<GoTime> ParseGoTime(std::string_view layout, std::string_view value);

// Civil date from days since 1970-01-01 and back (proleptic Gregorian).
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace logstack::logstore::tmpl
