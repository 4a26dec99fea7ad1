#include "collector/format/line.h"

#include "collector/format/cri.h"
#include "collector/format/docker.h"

namespace logstack::collector::format {

std::string_view StreamName(StreamKind stream) {
  switch (stream) {
    case StreamKind::kStdout:
      return "stdout";
    case StreamKind::kStderr:
      return "stderr";
    case StreamKind::kUnknown:
      break;
  }
  return "";
}

std::string_view FormatName(LineFormat format) {
  switch (format) {
    case LineFormat::kCri:
      return "cri";
    case LineFormat::kDocker:
      return "docker";
    case LineFormat::kRaw:
      break;
  }
  return "raw";
}

ParsedLine ParseLine(std::string_view line, FormatMode mode, std::string* scratch) {
  if (line.empty() || mode == FormatMode::kRaw) return RawLine(line);
  const char first = line.front();
  if ((mode == FormatMode::kAuto || mode == FormatMode::kCri) && first >= '0' && first <= '9') {
    if (std::optional<ParsedLine> p = ParseCri(line)) return *p;
  } else if ((mode == FormatMode::kAuto || mode == FormatMode::kDocker) &&
             (first == '{' || mode == FormatMode::kDocker)) {
    if (std::optional<ParsedLine> p = ParseDocker(line, scratch)) return *p;
  }
  return RawLine(line);
}

}  // namespace logstack::collector::format
