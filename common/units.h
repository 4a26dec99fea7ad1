#pragma once

// Parsing and printing of durations and byte sizes as Loki and Prometheus
// write them in configs and queries.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack {

// Go/Prometheus durations: "1h30m", "250ms", "1.5s", "2d", "1w", "-5m", "0".
// Units: ns, us (µs), ms, s, m, h, d, w, y (365d). Returns nanoseconds.
StatusOr<int64_t> ParseDuration(std::string_view text);

// Formats nanoseconds the way Go's time.Duration.String() does ("1h30m0s", "250ms").
std::string FormatDuration(int64_t nanos);

// Byte sizes: "256KB", "4MB", "1.5GiB", "1024", "10Gi". KB, MB, GB, TB and
// their KiB/Ki forms are all powers of 1024, as in Loki's configuration.
StatusOr<uint64_t> ParseBytes(std::string_view text);

}  // namespace logstack
