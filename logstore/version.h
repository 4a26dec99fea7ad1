#pragma once

// Build information, as /loki/api/v1/status/buildinfo reports it.

#include <string_view>

namespace logstack::logstore {

inline constexpr std::string_view kVersion = LOGSTACK_VERSION;
inline constexpr std::string_view kRevision = LOGSTACK_REVISION;
// The Loki API version whose behaviour the store follows (Grafana reads it).
inline constexpr std::string_view kLokiCompatVersion = "3.4.6";

}  // namespace logstack::logstore
