#include "collector/format/docker.h"

#include <cstring>

#include "collector/format/rfc3339.h"

namespace logstack::collector::format {
namespace {

inline bool IsWs(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

inline const char* SkipWs(const char* p, const char* end) {
  while (p < end && IsWs(*p)) ++p;
  return p;
}

// A JSON string starting at the '"' at p: its raw content (escapes not
// decoded) and whether it holds any. Returns the byte after the closing
// quote, or nullptr when the string is not closed on this line.
const char* ScanString(const char* p, const char* end, std::string_view* content,
                       bool* has_escape) {
  const char* start = ++p;
  while (true) {
    const char* q = static_cast<const char*>(std::memchr(p, '"', end - p));
    if (q == nullptr) return nullptr;
    // The quote is escaped iff an odd number of backslashes precede it.
    const char* r = q;
    while (r > start && r[-1] == '\\') --r;
    if (((q - r) & 1) == 0) {
      *content = std::string_view(start, q - start);
      *has_escape = r != q || std::memchr(start, '\\', q - start) != nullptr;
      return q + 1;
    }
    p = q + 1;
  }
}

// Skips one JSON value of any kind (not validated beyond bracket and string
// matching). Returns the byte after it, or nullptr.
const char* SkipValue(const char* p, const char* end) {
  std::string_view ignored;
  bool esc;
  if (p >= end) return nullptr;
  if (*p == '"') return ScanString(p, end, &ignored, &esc);
  if (*p == '{' || *p == '[') {
    int depth = 0;
    while (p < end) {
      const char c = *p;
      if (c == '"') {
        p = ScanString(p, end, &ignored, &esc);
        if (p == nullptr) return nullptr;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return p + 1;
      }
      ++p;
    }
    return nullptr;
  }
  const char* start = p;
  while (p < end && *p != ',' && *p != '}' && *p != ']' && !IsWs(*p)) ++p;
  return p == start ? nullptr : p;
}

inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the 4 hex digits at p, or -1.
inline int32_t Hex4(const char* p, const char* end) {
  if (end - p < 4) return -1;
  int32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const int h = HexValue(p[i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Decodes the JSON escapes of `in` into *out. False on an invalid escape.
bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  const char* p = in.data();
  const char* end = p + in.size();
  while (p < end) {
    const char* bs = static_cast<const char*>(std::memchr(p, '\\', end - p));
    if (bs == nullptr) {
      out->append(p, end - p);
      break;
    }
    out->append(p, bs - p);
    if (bs + 1 >= end) return false;
    p = bs + 2;
    // The one-letter escapes, and what they stand for.
    static constexpr std::string_view kLetters = "\"\\/bfnrt";
    static constexpr std::string_view kBytes = "\"\\/\b\f\n\r\t";
    if (const size_t i = kLetters.find(bs[1]); i != std::string_view::npos) {
      out->push_back(kBytes[i]);
      continue;
    }
    if (bs[1] != 'u') return false;
    const int32_t cu = Hex4(p, end);
    if (cu < 0) return false;
    p += 4;
    char32_t cp = static_cast<char32_t>(cu);
    if (cu >= 0xD800 && cu < 0xDC00) {
      // A high surrogate makes a pair only with a low one right after.
      const int32_t lo = (end - p >= 6 && p[0] == '\\' && p[1] == 'u') ? Hex4(p + 2, end) : -1;
      if (lo >= 0xDC00 && lo < 0xE000) {
        cp = 0x10000 + ((static_cast<char32_t>(cu) - 0xD800) << 10) +
             (static_cast<char32_t>(lo) - 0xDC00);
        p += 6;
      } else {
        cp = 0xFFFD;
      }
    } else if (cu >= 0xDC00 && cu < 0xE000) {
      cp = 0xFFFD;
    }
    AppendUtf8(cp, out);
  }
  return true;
}

inline bool KeyIs(std::string_view key, bool escaped, std::string_view name) {
  return !escaped && key == name;
}

}  // namespace

std::optional<ParsedLine> ParseDocker(std::string_view line, std::string* scratch) {
  const char* p = line.data();
  const char* end = p + line.size();
  p = SkipWs(p, end);
  if (p >= end || *p != '{') return std::nullopt;
  p = SkipWs(p + 1, end);

  std::string_view log, stream, time;
  bool log_escaped = false, have_log = false, have_time = false;
  bool stream_escaped = false, time_escaped = false;
  if (p < end && *p == '}') return std::nullopt;  // {} has no "log"
  while (true) {
    if (p >= end || *p != '"') return std::nullopt;
    std::string_view key;
    bool key_escaped;
    p = ScanString(p, end, &key, &key_escaped);
    if (p == nullptr) return std::nullopt;
    p = SkipWs(p, end);
    if (p >= end || *p != ':') return std::nullopt;
    p = SkipWs(p + 1, end);
    if (p >= end) return std::nullopt;
    if (KeyIs(key, key_escaped, "log")) {
      if (*p != '"') return std::nullopt;
      p = ScanString(p, end, &log, &log_escaped);
      have_log = true;
    } else if (KeyIs(key, key_escaped, "stream")) {
      if (*p != '"') return std::nullopt;
      p = ScanString(p, end, &stream, &stream_escaped);
    } else if (KeyIs(key, key_escaped, "time")) {
      if (*p != '"') return std::nullopt;
      p = ScanString(p, end, &time, &time_escaped);
      have_time = true;
    } else {
      p = SkipValue(p, end);
    }
    if (p == nullptr) return std::nullopt;
    p = SkipWs(p, end);
    if (p >= end) return std::nullopt;
    if (*p == ',') {
      p = SkipWs(p + 1, end);
      continue;
    }
    if (*p != '}') return std::nullopt;
    p = SkipWs(p + 1, end);
    if (p != end) return std::nullopt;
    break;
  }
  if (!have_log || !have_time || time_escaped) return std::nullopt;
  std::optional<int64_t> ts = ParseRfc3339Nano(time);
  if (!ts) return std::nullopt;

  ParsedLine out;
  out.format = LineFormat::kDocker;
  out.has_timestamp = true;
  out.timestamp_ns = *ts;
  if (!stream_escaped && stream == "stdout") {
    out.stream = StreamKind::kStdout;
  } else if (!stream_escaped && stream == "stderr") {
    out.stream = StreamKind::kStderr;
  }

  if (!log_escaped) {
    // No trailing "\n" escape: a partial record.
    out.text = log;
    out.partial = true;
    return out;
  }
  // The common case: the only escape is the trailing "\n".
  if (log.size() >= 2 && log.substr(log.size() - 2) == "\\n" &&
      std::memchr(log.data(), '\\', log.size() - 2) == nullptr) {
    out.text = log.substr(0, log.size() - 2);
    return out;
  }
  if (!Unescape(log, scratch)) return std::nullopt;
  std::string_view text = *scratch;
  if (!text.empty() && text.back() == '\n') {
    text.remove_suffix(1);
  } else {
    out.partial = true;
  }
  out.text = text;
  return out;
}

}  // namespace logstack::collector::format
