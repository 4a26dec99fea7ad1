#include "collector/format/cri.h"

#include <cstring>

#include "collector/format/rfc3339.h"

namespace logstack::collector::format {

std::optional<ParsedLine> ParseCri(std::string_view line) {
  const char* begin = line.data();
  const char* end = begin + line.size();
  const char* sp = static_cast<const char*>(std::memchr(begin, ' ', line.size()));
  if (sp == nullptr) return std::nullopt;
  std::optional<int64_t> ts = ParseRfc3339Nano(std::string_view(begin, sp - begin));
  if (!ts) return std::nullopt;

  ParsedLine out;
  out.format = LineFormat::kCri;
  out.has_timestamp = true;
  out.timestamp_ns = *ts;

  const char* p = sp + 1;
  // "stdout " or "stderr ": both six letters and a space.
  if (end - p < 7 || p[6] != ' ' || std::memcmp(p, "std", 3) != 0) return std::nullopt;
  if (std::memcmp(p + 3, "out", 3) == 0) {
    out.stream = StreamKind::kStdout;
  } else if (std::memcmp(p + 3, "err", 3) == 0) {
    out.stream = StreamKind::kStderr;
  } else {
    return std::nullopt;
  }
  p += 7;

  const char* tag_end = static_cast<const char*>(std::memchr(p, ' ', end - p));
  const char* text = end;
  if (tag_end == nullptr) {
    tag_end = end;
  } else {
    text = tag_end + 1;
  }
  if (tag_end == p) return std::nullopt;
  out.tags = std::string_view(p, tag_end - p);
  // The first tag is "P" exactly: "P" alone or "P:...".
  out.partial = p[0] == 'P' && (tag_end - p == 1 || p[1] == ':');
  out.text = std::string_view(text, end - text);
  return out;
}

}  // namespace logstack::collector::format
