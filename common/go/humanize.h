#pragma once

// go-humanize (github.com/dustin/go-humanize), as far as Loki's answers depend
// on it: ParseBytes, which LogQL uses for byte-size literals, label filters
// and unwrap, and text/template's `bytes` function.
//
// Thread safety: pure functions; safe from any thread.

#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace logstack::go {

// humanize.ParseBytes: a number (commas in it ignored) and an optional unit,
// spaces and tabs around the unit ignored: "42", "1.5KB" (1000s), "3KiB"
// (1024s), "1,000 kb", "3 M". Units are B, K(B), Ki(B), ... E(B), Ei(B) in any
// case. Errors are go-humanize's:
//   strconv.ParseFloat: parsing "": invalid syntax   (no number; see ParseFloat)
//   unhandled size name: xb                          (the unit, lower-cased)
//   too large: 20EB                                  (2^64 bytes or more)
StatusOr<uint64_t> ParseBytes(std::string_view s);

}  // namespace logstack::go
