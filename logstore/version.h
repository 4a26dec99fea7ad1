#pragma once

// Build information, as /loki/api/v1/status/buildinfo reports it; the
// revision is common/build_info.h's BuildRevision().

#include <string_view>

namespace logstack::logstore {

inline constexpr std::string_view kVersion = LOGSTACK_VERSION;
// The Loki API version whose behaviour the store follows (Grafana reads it).
inline constexpr std::string_view kLokiCompatVersion = "3.4.6";

}  // namespace logstack::logstore
