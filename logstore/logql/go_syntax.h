#pragma once

// Go's lexical conventions that LogQL inherits from Loki's Go implementation:
// string quoting (strconv.Quote), durations (time.ParseDuration and
// Prometheus' model.ParseDuration, with their String forms), byte sizes
// (go-humanize's ParseBytes) and float formatting (strconv.FormatFloat).
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::logql {

// strconv.Quote: a double-quoted Go string literal; non-printable characters
// and invalid UTF-8 are escaped.
std::string GoQuote(std::string_view s);

// time.ParseDuration: "1h30m", "1.5s", "500ms", "250us", "-2m". Returns
// nullopt when `s` is not a Go duration or overflows.
std::optional<int64_t> ParseGoDuration(std::string_view s);
// The same, with Go's error text ("time: invalid duration \"x\"", "time:
// unknown unit \"d\" in duration \"1d\"", "time: missing unit ...").
StatusOr<int64_t> ParseGoDurationStrict(std::string_view s);

// time.Duration.String: "1h30m0s", "1.5s", "500µs", "0s".
std::string FormatGoDuration(int64_t ns);

// Prometheus' model.ParseDuration: units y w d h m s ms, biggest first, no
// fractions. On failure the error message is Prometheus' text, e.g.
// `unknown unit "x" in duration "5x"`.
StatusOr<int64_t> ParsePromDuration(std::string_view s);

// model.Duration.String: "5m", "1h30m", "1d", "500ms". Precise only for whole
// milliseconds (REQUIRES: ns >= 0).
std::string FormatPromDuration(int64_t ns);

// Loki's duration literal rule: time.ParseDuration, then model.ParseDuration.
std::optional<int64_t> ParseLokiDuration(std::string_view s);

// go-humanize ParseBytes, restricted to what the LogQL lexer hands it:
// "100KB", "1.5MiB", "3 kB", "42". Returns nullopt on error.
std::optional<uint64_t> ParseHumanBytes(std::string_view s);

// go-humanize's multiplier for a lower-case unit name ("", "b", "kb", "k",
// "kib", "ki", ... up to "e"), or nullopt for an unknown one.
std::optional<double> HumanBytesMultiplier(std::string_view unit);

// strconv.FormatFloat(v, 'f', -1, 64): "0.9", "1500", "-2.5".
std::string FormatFloatF(double v);

// fmt's %v for a float64: like 'g' with the shortest digits, exponent only
// below 1e-4 or from 1e21 on: "1500", "1e+21", "NaN", "+Inf".
std::string FormatFloatV(double v);

}  // namespace logstack::logstore::logql
