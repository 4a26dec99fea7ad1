#pragma once

// One physical log line, parsed: which format it is in (CRI, Docker
// json-file or raw), its timestamp and stream when the format carries them,
// whether it is a partial line to be joined with the next ones, and its text.
//
// Parsing never allocates and never fails: a line in neither format is a raw
// line (the whole line is its text, it has no timestamp of its own), so no
// line is ever dropped. Bytes are not validated: invalid UTF-8 and NUL bytes
// pass through unchanged.
//
// Lines are given without their terminating '\n'. The views in a ParsedLine
// point into the line given or, for Docker lines whose "log" string holds
// escapes, into the caller's scratch string; they are valid while both are.
//
// Formats:
//   CRI (kubelet, containerd, CRI-O): see cri.h.
//   Docker json-file: see docker.h.
//
// Thread safety: pure functions; safe from any thread (each thread with its
// own scratch string).

#include <cstdint>
#include <string>
#include <string_view>

namespace logstack::collector::format {

enum class LineFormat : uint8_t { kRaw, kCri, kDocker };

enum class StreamKind : uint8_t { kUnknown, kStdout, kStderr };

// "stdout", "stderr", or "" for kUnknown.
std::string_view StreamName(StreamKind stream);
// "raw", "cri", "docker".
std::string_view FormatName(LineFormat format);

struct ParsedLine {
  LineFormat format = LineFormat::kRaw;
  StreamKind stream = StreamKind::kUnknown;
  // True for CRI "P" lines and Docker records whose "log" does not end in
  // "\n": the entry continues on the next line of the same stream.
  bool partial = false;
  // False for raw lines: they get the time they were read (EntryAssembler).
  bool has_timestamp = false;
  int64_t timestamp_ns = 0;
  // CRI only: the whole tag field, e.g. "F", "P" or "F:x".
  std::string_view tags;
  // The log text without the runtime's framing (for raw lines, the line).
  std::string_view text;
};

// Which formats ParseLine tries. kAuto decides per line: a line starting with
// '{' is tried as Docker, one starting with a digit as CRI, and whatever does
// not parse is raw.
enum class FormatMode : uint8_t { kAuto, kCri, kDocker, kRaw };

// Parses one line (without its '\n') as `mode` says. Never fails; see above.
// `scratch` is reused for unescaped Docker text (its capacity is kept).
ParsedLine ParseLine(std::string_view line, FormatMode mode, std::string* scratch);

// The raw reading of a line: format kRaw, no timestamp, text = line.
inline ParsedLine RawLine(std::string_view line) {
  ParsedLine p;
  p.text = line;
  return p;
}

}  // namespace logstack::collector::format
