#include "logstore/pipeline/substring.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

namespace logstack::logstore::pipeline {
namespace {

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c; }
inline bool IsAlpha(char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

// Compares n bytes of a (haystack) with the lower-cased b, ignoring ASCII case.
inline bool EqualFold(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (Lower(a[i]) != b[i]) return false;
  }
  return true;
}

template <bool kFold>
inline bool Verify(const char* at, const std::string& needle) {
  if constexpr (kFold) {
    return EqualFold(at, needle.data(), needle.size());
  } else {
    return std::memcmp(at, needle.data(), needle.size()) == 0;
  }
}

template <bool kFold>
size_t ScalarFind(const char* h, size_t from, size_t len, const std::string& needle) {
  size_t n = needle.size();
  for (size_t i = from; i + n <= len; i++) {
    if constexpr (kFold) {
      if (EqualFold(h + i, needle.data(), n)) return i;
    } else {
      if (h[i] == needle[0] && std::memcmp(h + i, needle.data(), n) == 0) return i;
    }
  }
  return std::string_view::npos;
}

template <bool kFold>
__attribute__((target("avx2"))) size_t FindAvx2(std::string_view hay, const std::string& needle,
                                                size_t p1, size_t p2) {
  const size_t n = needle.size();
  const char* h = hay.data();
  const size_t len = hay.size();
  const char first = needle[p1], last = needle[p2];
  const __m256i vf = _mm256_set1_epi8(first);
  const __m256i vl = _mm256_set1_epi8(last);
  const __m256i fold_f = _mm256_set1_epi8(kFold && IsAlpha(first) ? 0x20 : 0);
  const __m256i fold_l = _mm256_set1_epi8(kFold && IsAlpha(last) ? 0x20 : 0);
  size_t i = 0;
  for (; i + n - 1 + 32 <= len; i += 32) {
    __m256i bf = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + p1));
    __m256i bl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + p2));
    if constexpr (kFold) {
      bf = _mm256_or_si256(bf, fold_f);
      bl = _mm256_or_si256(bl, fold_l);
    }
    __m256i eq = _mm256_and_si256(_mm256_cmpeq_epi8(bf, vf), _mm256_cmpeq_epi8(bl, vl));
    uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(eq));
    while (mask != 0) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (Verify<kFold>(h + i + bit, needle)) return i + bit;
      mask &= mask - 1;
    }
  }
  return ScalarFind<kFold>(h, i, len, needle);
}

template <bool kFold>
size_t FindSse2(std::string_view hay, const std::string& needle, size_t p1, size_t p2) {
  const size_t n = needle.size();
  const char* h = hay.data();
  const size_t len = hay.size();
  const char first = needle[p1], last = needle[p2];
  const __m128i vf = _mm_set1_epi8(first);
  const __m128i vl = _mm_set1_epi8(last);
  const __m128i fold_f = _mm_set1_epi8(kFold && IsAlpha(first) ? 0x20 : 0);
  const __m128i fold_l = _mm_set1_epi8(kFold && IsAlpha(last) ? 0x20 : 0);
  size_t i = 0;
  for (; i + n - 1 + 16 <= len; i += 16) {
    __m128i bf = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + p1));
    __m128i bl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + p2));
    if constexpr (kFold) {
      bf = _mm_or_si128(bf, fold_f);
      bl = _mm_or_si128(bl, fold_l);
    }
    __m128i eq = _mm_and_si128(_mm_cmpeq_epi8(bf, vf), _mm_cmpeq_epi8(bl, vl));
    uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(eq));
    while (mask != 0) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (Verify<kFold>(h + i + bit, needle)) return i + bit;
      mask &= mask - 1;
    }
  }
  return ScalarFind<kFold>(h, i, len, needle);
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");

// How common a byte is in log text, roughly: lower is rarer. The search
// compares the two rarest bytes of the needle first, so that fewer
// positions need a full comparison.
int Commonness(unsigned char c) {
  if (c == ' ') return 100;
  if (c >= 'a' && c <= 'z') {
    static const char kFreq[] = "etaoinsrhldcumfpgwybvkxjqz";
    for (int i = 0; kFreq[i] != 0; i++) {
      if (kFreq[i] == c) return 90 - i;
    }
  }
  if (c >= '0' && c <= '9') return 60;
  if (c == '=' || c == '"' || c == '.' || c == ':' || c == '/' || c == '-' || c == '_') return 55;
  if (c >= 'A' && c <= 'Z') return 30;
  return 20;
}

}  // namespace

bool IsAscii(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

SubstringSearcher::SubstringSearcher(std::string_view needle, bool case_insensitive)
    : needle_(needle), icase_(case_insensitive) {
  if (icase_) {
    for (char& c : needle_) c = Lower(c);
  }
  // Pick the two rarest positions (the last byte on ties, then the first).
  size_t n = needle_.size();
  if (n >= 2) {
    auto score = [&](size_t i) { return Commonness(static_cast<unsigned char>(needle_[i])); };
    size_t a = n - 1;
    for (size_t i = n - 1; i-- > 0;) {
      if (score(i) < score(a)) a = i;
    }
    size_t b = a == 0 ? n - 1 : 0;
    for (size_t i = 0; i < n; i++) {
      if (i != a && score(i) < score(b)) b = i;
    }
    p1_ = std::min(a, b);
    p2_ = std::max(a, b);
  }
}

size_t SubstringSearcher::Find(std::string_view hay) const {
  if (needle_.empty()) return 0;
  if (hay.size() < needle_.size()) return npos;
  if (!icase_ && needle_.size() == 1) {
    const void* p = std::memchr(hay.data(), needle_[0], hay.size());
    return p == nullptr ? npos : static_cast<const char*>(p) - hay.data();
  }
  if (kHasAvx2) {
    return icase_ ? FindAvx2<true>(hay, needle_, p1_, p2_)
                  : FindAvx2<false>(hay, needle_, p1_, p2_);
  }
  return icase_ ? FindSse2<true>(hay, needle_, p1_, p2_) : FindSse2<false>(hay, needle_, p1_, p2_);
}

}  // namespace logstack::logstore::pipeline
