#include "logstore/pipeline/logfmt_scan.h"

#include "common/go/strconv.h"
#include "logstore/model/labels.h"

namespace logstack::logstore::pipeline {
namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Go's strconv-style unquoting of a double-quoted logfmt value (the quotes
// excluded): \", \\, \/, \b, \f, \n, \r, \t, \uXXXX. False if invalid.
bool UnquoteValue(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i >= s.size()) return false;
    switch (s[i]) {
      case '"':
      case '\\':
      case '/':
      case '\'':
        out->push_back(s[i]);
        break;
      case 'b':
        out->push_back('\b');
        break;
      case 'f':
        out->push_back('\f');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'u': {
        char32_t r = 0;
        for (size_t k = 1; k <= 4; k++) {
          if (i + k >= s.size()) return false;
          int h = HexVal(s[i + k]);
          if (h < 0) return false;
          r = r * 16 + static_cast<char32_t>(h);
        }
        i += 4;
        if (r >= 0xD800 && r < 0xE000) r = 0xFFFD;
        AppendUtf8(out, r);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

void LogfmtScanner::Error(size_t pos, std::string_view msg) {
  err_ = "logfmt syntax error at pos " + std::to_string(pos + 1) + " : " + std::string(msg);
  // Resume at the next space, as Loki's non-strict parsing does.
  pos_ = pos;
  while (pos_ < line_.size() && static_cast<unsigned char>(line_[pos_]) > ' ') pos_++;
}

void LogfmtScanner::Unexpected(size_t pos, char c) {
  std::string msg = "unexpected ";
  go::AppendQuoteRune(static_cast<unsigned char>(c), go::Printable::kSpacesAndFormatChars, &msg);
  Error(pos, msg);
}

bool LogfmtScanner::Next() {
  key_ = {};
  value_ = {};
  has_value_ = false;
  const std::string_view line = line_;
  // Skip garbage (spaces and control bytes).
  while (pos_ < line.size() && static_cast<unsigned char>(line[pos_]) <= ' ') pos_++;
  if (pos_ >= line.size()) return true;

  size_t start = pos_;
  bool multibyte = false;
  for (; pos_ < line.size(); pos_++) {
    unsigned char c = static_cast<unsigned char>(line[pos_]);
    if (c == '=') break;
    if (c == '"') {
      Unexpected(pos_, '"');
      return false;
    }
    if (c <= ' ') {
      key_ = line.substr(start, pos_ - start);
      if (multibyte && !IsCleanUtf8(key_)) {
        Error(pos_, "invalid key");
        return false;
      }
      return true;
    }
    if (c >= 0x80) multibyte = true;
  }
  if (pos_ >= line.size()) {
    key_ = line.substr(start);
    if (multibyte && !IsCleanUtf8(key_)) {
      Error(pos_, "invalid key");
      return false;
    }
    return true;
  }
  // line[pos_] == '='
  if (pos_ == start) {
    Unexpected(pos_, '=');
    return false;
  }
  key_ = line.substr(start, pos_ - start);
  if (multibyte && !IsCleanUtf8(key_)) {
    Error(pos_, "invalid key");
    return false;
  }
  pos_++;  // '='
  if (pos_ >= line.size()) return true;
  unsigned char c = static_cast<unsigned char>(line[pos_]);
  if (c <= ' ') return true;
  if (c == '"') {
    bool has_esc = false, esc = false;
    size_t qstart = pos_;
    for (size_t p = pos_ + 1; p < line.size(); p++) {
      char d = line[p];
      if (esc) {
        esc = false;
      } else if (d == '\\') {
        has_esc = esc = true;
      } else if (d == '"') {
        pos_ = p + 1;
        std::string_view body = line.substr(qstart + 1, p - qstart - 1);
        if (has_esc) {
          if (!UnquoteValue(body, &unquoted_)) {
            Error(pos_, "invalid quoted value");
            return false;
          }
          value_ = unquoted_;
        } else {
          value_ = body;
        }
        has_value_ = !value_.empty();
        return true;
      }
    }
    pos_ = line.size();
    Error(pos_, "unterminated quoted value");
    return false;
  }
  start = pos_;
  for (; pos_ < line.size(); pos_++) {
    unsigned char d = static_cast<unsigned char>(line[pos_]);
    if (d == '=' || d == '"') {
      Unexpected(pos_, static_cast<char>(d));
      return false;
    }
    if (d <= ' ') break;
  }
  value_ = line.substr(start, pos_ - start);
  has_value_ = !value_.empty();
  return true;
}

}  // namespace logstack::logstore::pipeline
