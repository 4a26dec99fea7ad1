#pragma once

// Small helpers shared by the Kubernetes client: base64, RFC 3339 times,
// reading small files.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::kube {

// Standard base64 (with or without padding; whitespace ignored).
// Returns InvalidArgument for any other character.
StatusOr<std::string> Base64Decode(std::string_view in);
std::string Base64Encode(std::string_view in);

// Parses "2006-01-02T15:04:05Z", with optional fractional seconds and a
// numeric offset ("+02:00"), into nanoseconds since the Unix epoch.
StatusOr<int64_t> ParseRfc3339(std::string_view s);
// Formats as "2006-01-02T15:04:05Z" (seconds precision, as metav1.Time).
std::string FormatRfc3339(int64_t unix_nanos);
// Formats with microseconds, as metav1.MicroTime ("...05.000000Z").
std::string FormatRfc3339Micro(int64_t unix_nanos);

// Reads a whole (small) file. NotFound when absent, IOError otherwise.
StatusOr<std::string> ReadSmallFile(const std::string& path);

}  // namespace logstack::kube
