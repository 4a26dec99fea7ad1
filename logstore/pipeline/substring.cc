#include "logstore/pipeline/substring.h"

#include <immintrin.h>

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
  size_t n = needle.size();
  if (n <= 2) return true;  // first and last already compared
  if constexpr (kFold) {
    return EqualFold(at + 1, needle.data() + 1, n - 2);
  } else {
    return std::memcmp(at + 1, needle.data() + 1, n - 2) == 0;
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
__attribute__((target("avx2"))) size_t FindAvx2(std::string_view hay, const std::string& needle) {
  const size_t n = needle.size();
  const char* h = hay.data();
  const size_t len = hay.size();
  const char first = needle[0], last = needle[n - 1];
  const __m256i vf = _mm256_set1_epi8(first);
  const __m256i vl = _mm256_set1_epi8(last);
  const __m256i fold_f = _mm256_set1_epi8(kFold && IsAlpha(first) ? 0x20 : 0);
  const __m256i fold_l = _mm256_set1_epi8(kFold && IsAlpha(last) ? 0x20 : 0);
  size_t i = 0;
  for (; i + n - 1 + 32 <= len; i += 32) {
    __m256i bf = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i));
    __m256i bl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + i + n - 1));
    if constexpr (kFold) {
      bf = _mm256_or_si256(bf, fold_f);
      bl = _mm256_or_si256(bl, fold_l);
    }
    __m256i eq = _mm256_and_si256(_mm256_cmpeq_epi8(bf, vf), _mm256_cmpeq_epi8(bl, vl));
    uint32_t mask = static_cast<uint32_t>(_mm256_movemask_epi8(eq));
    while (mask != 0) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (Verify<kFold>(h + i + bit, needle)) {
        // The OR with 0x20 also maps a few non-letters onto letters ('@' to
        // '`'): recheck the ends exactly.
        if constexpr (kFold) {
          if (Lower(h[i + bit]) == first && Lower(h[i + bit + n - 1]) == last) return i + bit;
        } else {
          return i + bit;
        }
      }
      mask &= mask - 1;
    }
  }
  return ScalarFind<kFold>(h, i, len, needle);
}

template <bool kFold>
size_t FindSse2(std::string_view hay, const std::string& needle) {
  const size_t n = needle.size();
  const char* h = hay.data();
  const size_t len = hay.size();
  const char first = needle[0], last = needle[n - 1];
  const __m128i vf = _mm_set1_epi8(first);
  const __m128i vl = _mm_set1_epi8(last);
  const __m128i fold_f = _mm_set1_epi8(kFold && IsAlpha(first) ? 0x20 : 0);
  const __m128i fold_l = _mm_set1_epi8(kFold && IsAlpha(last) ? 0x20 : 0);
  size_t i = 0;
  for (; i + n - 1 + 16 <= len; i += 16) {
    __m128i bf = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i));
    __m128i bl = _mm_loadu_si128(reinterpret_cast<const __m128i*>(h + i + n - 1));
    if constexpr (kFold) {
      bf = _mm_or_si128(bf, fold_f);
      bl = _mm_or_si128(bl, fold_l);
    }
    __m128i eq = _mm_and_si128(_mm_cmpeq_epi8(bf, vf), _mm_cmpeq_epi8(bl, vl));
    uint32_t mask = static_cast<uint32_t>(_mm_movemask_epi8(eq));
    while (mask != 0) {
      unsigned bit = static_cast<unsigned>(__builtin_ctz(mask));
      if (Verify<kFold>(h + i + bit, needle)) {
        if constexpr (kFold) {
          if (Lower(h[i + bit]) == first && Lower(h[i + bit + n - 1]) == last) return i + bit;
        } else {
          return i + bit;
        }
      }
      mask &= mask - 1;
    }
  }
  return ScalarFind<kFold>(h, i, len, needle);
}

const bool kHasAvx2 = __builtin_cpu_supports("avx2");

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
}

size_t SubstringSearcher::Find(std::string_view hay) const {
  if (needle_.empty()) return 0;
  if (hay.size() < needle_.size()) return npos;
  if (!icase_ && needle_.size() == 1) {
    const void* p = std::memchr(hay.data(), needle_[0], hay.size());
    return p == nullptr ? npos : static_cast<const char*>(p) - hay.data();
  }
  if (kHasAvx2) {
    return icase_ ? FindAvx2<true>(hay, needle_) : FindAvx2<false>(hay, needle_);
  }
  return icase_ ? FindSse2<true>(hay, needle_) : FindSse2<false>(hay, needle_);
}

}  // namespace logstack::logstore::pipeline
