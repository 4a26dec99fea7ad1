#pragma once

// Fast substring search for line filters (`|= "x"`, `!= "x"`, `|~ "(?i)x"`):
// the hot path of every query that filters lines.
//
// The search compares two of the needle's bytes (the rarest in log text by a
// fixed table) against 32 (AVX2) or 16 (SSE2) haystack positions at once and
// verifies only the candidates where both match, so a rare needle is scanned
// at memory speed. Case-insensitive
// search is ASCII-only: the caller uses a regular expression for a needle
// with non-ASCII letters.
//
// Thread safety: immutable after construction; share freely.

#include <cstddef>
#include <string>
#include <string_view>

namespace logstack::logstore::pipeline {

class SubstringSearcher {
 public:
  // REQUIRES: for case_insensitive, `needle` is ASCII.
  explicit SubstringSearcher(std::string_view needle, bool case_insensitive = false);

  // The offset of the first occurrence of the needle in `hay`, or npos.
  // An empty needle is found at 0.
  size_t Find(std::string_view hay) const;
  bool Contains(std::string_view hay) const { return Find(hay) != npos; }

  const std::string& needle() const { return needle_; }
  bool case_insensitive() const { return icase_; }

  static constexpr size_t npos = std::string_view::npos;

 private:
  std::string needle_;  // lower-cased when icase_
  bool icase_;
  size_t p1_ = 0, p2_ = 0;  // the two needle positions compared first
};

// Returns true iff `s` holds only ASCII bytes.
bool IsAscii(std::string_view s);

}  // namespace logstack::logstore::pipeline
