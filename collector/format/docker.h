#pragma once

// Docker's json-file log format (one JSON object a line):
//
//   {"log":"hello world\n","stream":"stdout","time":"2024-01-15T08:30:00.123456789Z"}
//
//   log     the text, a JSON string. Docker ends it with "\n" for a whole
//           line; a "log" without the trailing "\n" is a partial record
//           (Docker splits lines longer than 16 KiB), continued by the next
//           record of the same stream. The trailing "\n" is not part of the
//           text.
//   stream  "stdout" or "stderr" (anything else, or none: StreamKind::kUnknown)
//   time    RFC 3339 with nanoseconds (rfc3339.h); required.
//
// Keys may come in any order; other keys ("attrs", ...) are skipped whatever
// their value. Whitespace between tokens is allowed. The object must be the
// whole line (trailing whitespace aside). JSON escapes in "log" are decoded
// (\uXXXX with surrogate pairs; a lone surrogate becomes U+FFFD, as Go's
// encoding/json does); raw bytes, including invalid UTF-8, are kept as they
// are. A line that is not such an object is not a Docker line.
//
// Thread safety: pure function; safe from any thread (each with its scratch).

#include <optional>
#include <string>
#include <string_view>

#include "collector/format/line.h"

namespace logstack::collector::format {

// The Docker reading of `line`, or nullopt. When "log" holds no escape other
// than its trailing "\n", the text points into `line`; otherwise it is
// decoded into *scratch (cleared first, capacity kept) and points there.
std::optional<ParsedLine> ParseDocker(std::string_view line, std::string* scratch);

}  // namespace logstack::collector::format
