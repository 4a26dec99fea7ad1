#include "collector/positions/positions_file.h"

#include <charconv>
#include <cstdio>
#include <set>

#include "common/crc32c.h"

namespace logstack::collector::positions {
namespace {

constexpr std::string_view kHeader = "logstack-positions v1";
constexpr std::string_view kComment =
    "# logstack-collector positions (docs/collector.md). Written atomically; do not edit.";

void AppendHex8(uint32_t v, std::string* out) {
  char buf[9];
  std::snprintf(buf, sizeof(buf), "%08x", v);
  out->append(buf, 8);
}

void AppendUint(uint64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendInt(int64_t v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

// Appends " crc=<crc of *out since line_start>\n".
void EndLine(size_t line_start, std::string* out) {
  const uint32_t crc = crc32c::Value(std::string_view(*out).substr(line_start));
  out->append(" crc=");
  AppendHex8(crc, out);
  out->push_back('\n');
}

template <typename T>
bool ParseNumber(std::string_view s, T* v) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, 10);
  return ec == std::errc() && end == s.data() + s.size();
}

// Exactly 8 lower-case hex digits, as written (upper case would let a
// flipped bit through).
bool ParseHex8(std::string_view s, uint32_t* v) {
  if (s.size() != 8) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v, 16);
  return ec == std::errc() && end == s.data() + s.size();
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads a quoted string at the start of *s (which must begin with '"') into
// *out, and removes it from *s. False when it is not well formed.
bool ConsumeQuoted(std::string_view* s, std::string* out) {
  if (s->empty() || s->front() != '"') return false;
  out->clear();
  size_t i = 1;
  while (i < s->size()) {
    const char c = (*s)[i];
    if (c == '"') {
      s->remove_prefix(i + 1);
      return true;
    }
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s->size()) return false;
    const char e = (*s)[i + 1];
    if (e == '"' || e == '\\') {
      out->push_back(e);
      i += 2;
    } else if (e == 'x' && i + 3 < s->size() && HexValue((*s)[i + 2]) >= 0 &&
               HexValue((*s)[i + 3]) >= 0) {
      out->push_back(static_cast<char>(HexValue((*s)[i + 2]) * 16 + HexValue((*s)[i + 3])));
      i += 4;
    } else {
      return false;
    }
  }
  return false;
}

// Splits "<content> crc=xxxxxxxx" and checks the CRC of <content>.
bool CheckLineCrc(std::string_view line, std::string_view* content) {
  const size_t pos = line.rfind(" crc=");
  if (pos == std::string_view::npos) return false;
  uint32_t want;
  if (!ParseHex8(line.substr(pos + 5), &want)) return false;
  *content = line.substr(0, pos);
  return crc32c::Value(*content) == want;
}

// Parses a record line's content (its CRC already checked).
bool ParseRecord(std::string_view content, std::string* key, Record* rec) {
  if (!ConsumeQuoted(&content, key)) return false;
  bool have_dev = false, have_ino = false, have_offset = false, have_cursor = false;
  while (!content.empty()) {
    if (content.front() != ' ') return false;
    content.remove_prefix(1);
    const size_t eq = content.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    const std::string_view name = content.substr(0, eq);
    content.remove_prefix(eq + 1);
    std::string_view value;
    if (!content.empty() && content.front() == '"') {
      std::string unquoted;
      if (!ConsumeQuoted(&content, &unquoted)) return false;
      if (name == "cursor") {
        rec->cursor = std::move(unquoted);
        have_cursor = true;
      }
      continue;
    }
    const size_t sp = content.find(' ');
    value = content.substr(0, sp);
    content.remove_prefix(sp == std::string_view::npos ? content.size() : sp);
    if (name == "dev") {
      if (!ParseNumber(value, &rec->dev)) return false;
      have_dev = true;
    } else if (name == "ino") {
      if (!ParseNumber(value, &rec->ino)) return false;
      have_ino = true;
    } else if (name == "offset") {
      if (!ParseNumber(value, &rec->offset) || rec->offset < 0) return false;
      have_offset = true;
    } else if (name == "fp") {
      const size_t colon = value.find(':');
      if (colon == std::string_view::npos ||
          !ParseNumber(value.substr(0, colon), &rec->fingerprint.len) ||
          rec->fingerprint.len > kFingerprintBytes ||
          !ParseHex8(value.substr(colon + 1), &rec->fingerprint.crc)) {
        return false;
      }
    } else if (name == "cursor") {
      return false;  // cursors are always quoted
    }
    // Other names: a later version's fields, ignored.
  }
  if (have_cursor) {
    // A journal record has no file fields.
    const std::string cursor = std::move(rec->cursor);
    *rec = Record{};
    rec->cursor = cursor;
    return true;
  }
  return have_dev && have_ino && have_offset;
}

}  // namespace

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\x");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 15]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

std::string SerializePositions(const RecordMap& records) {
  std::string out;
  out.reserve(128 + records.size() * 160);
  out.append(kComment);
  out.push_back('\n');
  out.append(kHeader);
  out.push_back('\n');
  for (const auto& [key, rec] : records) {
    const size_t start = out.size();
    AppendQuoted(key, &out);
    if (!rec.cursor.empty()) {
      out.append(" cursor=");
      AppendQuoted(rec.cursor, &out);
    } else {
      out.append(" dev=");
      AppendUint(rec.dev, &out);
      out.append(" ino=");
      AppendUint(rec.ino, &out);
      out.append(" offset=");
      AppendInt(rec.offset, &out);
      out.append(" fp=");
      AppendUint(rec.fingerprint.len, &out);
      out.push_back(':');
      AppendHex8(rec.fingerprint.crc, &out);
    }
    EndLine(start, &out);
  }
  const uint32_t total = crc32c::Value(out);
  out.append("end records=");
  AppendUint(records.size(), &out);
  out.append(" crc=");
  AppendHex8(total, &out);
  out.push_back('\n');
  return out;
}

ParsedPositions ParsePositions(std::string_view contents) {
  ParsedPositions result;
  std::string problem;
  auto note = [&problem](std::string p) {
    if (problem.empty()) problem = std::move(p);
  };
  bool header = false, end = false;
  uint64_t record_lines = 0;
  std::set<std::string, std::less<>> duplicates;
  size_t pos = 0;
  int line_no = 0;
  while (pos < contents.size()) {
    const size_t nl = contents.find('\n', pos);
    if (nl == std::string_view::npos) {
      note("the last line is cut off (truncated file)");
      break;
    }
    const std::string_view line = contents.substr(pos, nl - pos);
    const size_t line_start = pos;
    pos = nl + 1;
    ++line_no;
    if (end) {
      note("data after the end line");
      break;
    }
    if (!line.empty() && line.front() == '#') continue;
    if (!header) {
      header = true;
      if (line == kHeader) continue;
      note("line " + std::to_string(line_no) + ": not the header \"" + std::string(kHeader) + "\"");
      if (line.empty() || line.front() != '"') continue;
    }
    if (line.substr(0, 4) == "end ") {
      end = true;
      std::string_view rest = line.substr(4);
      uint64_t n = 0;
      uint32_t crc = 0;
      const size_t sp = rest.find(' ');
      if (rest.substr(0, 8) != "records=" || sp == std::string_view::npos ||
          !ParseNumber(rest.substr(8, sp - 8), &n) || rest.substr(sp, 5) != " crc=" ||
          !ParseHex8(rest.substr(sp + 5), &crc)) {
        note("line " + std::to_string(line_no) + ": malformed end line");
      } else if (n != record_lines) {
        note("the end line counts " + std::to_string(n) + " records, the file holds " +
             std::to_string(record_lines));
      } else if (crc != crc32c::Value(contents.substr(0, line_start))) {
        note("the file's checksum does not match");
      }
      continue;
    }
    ++record_lines;
    std::string_view content;
    std::string key;
    Record rec;
    if (!CheckLineCrc(line, &content)) {
      note("line " + std::to_string(line_no) + ": the record's checksum does not match");
      ++result.bad_records;
      continue;
    }
    if (!ParseRecord(content, &key, &rec)) {
      note("line " + std::to_string(line_no) + ": malformed record");
      ++result.bad_records;
      continue;
    }
    if (duplicates.count(key) != 0 || !result.records.emplace(key, std::move(rec)).second) {
      note("line " + std::to_string(line_no) + ": a second record for the same key");
      ++result.bad_records;
      duplicates.insert(std::move(key));
    }
  }
  for (const std::string& key : duplicates) {
    if (result.records.erase(key) != 0) ++result.bad_records;
  }
  if (!end) note(contents.empty() ? "the file is empty" : "no end line (truncated file)");
  if (!problem.empty()) {
    result.status =
        Corruption(problem + "; " + std::to_string(result.records.size()) + " records trusted, " +
                   std::to_string(result.bad_records) + " dropped");
  }
  return result;
}

StatusOr<ParsedPositions> LoadPositionsFile(Env* env, const std::string& path) {
  if (!env->FileExists(path)) return NotFound("positions file " + path + " does not exist");
  StatusOr<std::string> contents = ReadFileToString(env, path);
  if (!contents.ok()) return contents.status().Annotate("reading positions file " + path);
  ParsedPositions parsed = ParsePositions(*contents);
  if (!parsed.status.ok()) parsed.status = parsed.status.Annotate("positions file " + path);
  return parsed;
}

Status WritePositionsFile(Env* env, const std::string& path, const RecordMap& records) {
  return WriteFileAtomically(env, path, SerializePositions(records))
      .Annotate("writing positions file " + path);
}

}  // namespace logstack::collector::positions
