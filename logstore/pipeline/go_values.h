#pragma once

// Go's value parsers as LogQL uses them on label values, with Go's error
// texts (they reach users through __error_details__):
//   strconv.ParseFloat   strconv.ParseFloat: parsing "bob": invalid syntax
//   time.ParseDuration   time: invalid duration "abc"
//   humanize.ParseBytes  unhandled size name: xb
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::pipeline {

// strconv.ParseFloat(s, 64): decimal and hexadecimal floats, inf/infinity/nan
// in any case, an optional sign; no surrounding spaces.
StatusOr<double> ParseGoFloat(std::string_view s);

// time.ParseDuration: e.g. "1h30m", "1.5s", "-250ms", "490us", "0". Nanoseconds.
StatusOr<int64_t> ParseGoDuration(std::string_view s);

// go-humanize's ParseBytes: "1.5KB" (1000s), "3KiB" (1024s), "512B", "42",
// unit names case-insensitive, commas in the number ignored.
StatusOr<uint64_t> ParseHumanBytes(std::string_view s);

}  // namespace logstack::logstore::pipeline
