#pragma once

// Small helpers shared by the Kubernetes client: base64 and reading small
// files. RFC 3339 times are in common/go/time.h.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::kube {

// Standard base64 (with or without padding; whitespace ignored).
// Returns InvalidArgument for any other character.
StatusOr<std::string> Base64Decode(std::string_view in);
std::string Base64Encode(std::string_view in);

// Reads a whole (small) file. NotFound when absent, IOError otherwise.
StatusOr<std::string> ReadSmallFile(const std::string& path);

}  // namespace logstack::kube
