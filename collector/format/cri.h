#pragma once

// The CRI log format, as kubelet defines it and containerd and CRI-O write it
// (one record a line):
//
//   <timestamp> <stream> <tags> <text>
//   2024-01-15T08:30:00.123456789Z stdout F hello world
//   2024-01-15T10:30:00.123456789+02:00 stderr P first 16 KiB of a long line
//
//   timestamp  RFC 3339 with nanoseconds, any zone offset (rfc3339.h)
//   stream     "stdout" or "stderr"
//   tags       ':'-separated; the first is "P" (partial: the runtime split a
//              long line, the rest follows on the next line of the same
//              stream) or "F" (full, or the last piece). As kubelet does, a
//              first tag other than "P" counts as full (forward
//              compatibility); the tag field must not be empty.
//   text       everything after the single space following the tags, bytes
//              as written (may be empty; may hold NUL or invalid UTF-8).
//
// Unlike kubelet, a line that ends right after the tags ("... stdout F",
// no space) is accepted with empty text.
//
// Thread safety: pure function; safe from any thread.

#include <optional>
#include <string_view>

#include "collector/format/line.h"

namespace logstack::collector::format {

// The CRI reading of `line` (without its '\n'), or nullopt when it is not a
// CRI line. Views point into `line`.
std::optional<ParsedLine> ParseCri(std::string_view line);

}  // namespace logstack::collector::format
