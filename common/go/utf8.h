#pragma once

// Go's unicode/utf8: UTF-8 the way Go reads it: an invalid byte decodes as
// U+FFFD of width 1. Go counts runes for widths and truncation (printf
// padding, alignLeft), so the template functions need the same view.
//
// Thread safety: free functions; safe from any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace logstack::go {

inline constexpr char32_t kRuneError = 0xFFFD;

// Decodes the rune at the start of `s` (REQUIRES: !s.empty()) and stores its
// width in bytes in *width.
inline char32_t DecodeRune(std::string_view s, size_t* width) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  *width = 1;
  if (c < 0x80) return c;
  size_t n = 0;
  char32_t r = 0;
  char32_t min = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, r = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, r = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, r = c & 0x07, min = 0x10000;
  } else {
    return kRuneError;
  }
  if (s.size() < n) return kRuneError;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return kRuneError;
    r = (r << 6) | (b(i) & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return kRuneError;
  *width = n;
  return r;
}

inline void AppendRune(char32_t r, std::string* out) {
  if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) r = kRuneError;
  if (r < 0x80) {
    out->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (r >> 6)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (r >> 12)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (r >> 18)));
    out->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

inline size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    size_t w;
    DecodeRune(s.substr(i), &w);
    i += w;
  }
  return n;
}

// The byte offset of rune `n` in `s`, or s.size() when it has fewer runes.
inline size_t RuneOffset(std::string_view s, size_t n) {
  size_t i = 0;
  for (; i < s.size() && n > 0; --n) {
    size_t w;
    DecodeRune(s.substr(i), &w);
    i += w;
  }
  return i;
}

}  // namespace logstack::go
