#pragma once

// LogQL's duration literals, which Loki reads with Go's time.ParseDuration
// (common/go/time.h) and then with Prometheus' model.ParseDuration, here with
// its String form. Go's strconv, time and go-humanize rules are in common/go.
//
// Thread safety: pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::logql {

// Prometheus' model.ParseDuration: units y w d h m s ms, biggest first, no
// fractions. On failure the error message is Prometheus' text, e.g.
// `unknown unit "x" in duration "5x"`.
StatusOr<int64_t> ParsePromDuration(std::string_view s);

// model.Duration.String: "5m", "1h30m", "1d", "500ms". Precise only for whole
// milliseconds (REQUIRES: ns >= 0).
std::string FormatPromDuration(int64_t ns);

// Loki's duration literal rule: time.ParseDuration, then model.ParseDuration.
std::optional<int64_t> ParseLokiDuration(std::string_view s);

}  // namespace logstack::logstore::logql
