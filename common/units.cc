#include "common/units.h"

#include <cmath>
#include <cstdlib>

namespace logstack {
namespace {

constexpr int64_t kNs = 1;
constexpr int64_t kUs = 1000 * kNs;
constexpr int64_t kMs = 1000 * kUs;
constexpr int64_t kS = 1000 * kMs;
constexpr int64_t kM = 60 * kS;
constexpr int64_t kH = 60 * kM;
constexpr int64_t kD = 24 * kH;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

StatusOr<int64_t> ParseDuration(std::string_view text) {
  std::string_view s = text;
  auto bad = [&] { return InvalidArgument("invalid duration '" + std::string(text) + "'"); };
  if (s.empty()) return bad();
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad();
  long double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == '.')) i++;
    if (i == 0) return bad();
    std::string num(s.substr(0, i));
    char* end = nullptr;
    long double v = std::strtold(num.c_str(), &end);
    if (end != num.c_str() + num.size()) return bad();
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !IsDigit(s[j]) && s[j] != '.') j++;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    int64_t mult;
    if (unit == "ns") mult = kNs;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mult = kUs;
    else if (unit == "ms") mult = kMs;
    else if (unit == "s") mult = kS;
    else if (unit == "m") mult = kM;
    else if (unit == "h") mult = kH;
    else if (unit == "d") mult = kD;
    else if (unit == "w") mult = 7 * kD;
    else if (unit == "y") mult = 365 * kD;
    else return bad();
    total += v * static_cast<long double>(mult);
  }
  if (total > 9.2e18L) return bad();
  int64_t n = static_cast<int64_t>(std::llround(total));
  return neg ? -n : n;
}

std::string FormatDuration(int64_t d) {
  if (d == 0) return "0s";
  std::string out;
  uint64_t u = d < 0 ? static_cast<uint64_t>(-(d + 1)) + 1 : static_cast<uint64_t>(d);
  if (d < 0) out += '-';
  auto frac = [](uint64_t v, uint64_t unit, int digits) {
    std::string s = std::to_string(v / unit);
    uint64_t rem = v % unit;
    if (rem != 0) {
      std::string f = std::to_string(rem);
      f = std::string(digits - f.size(), '0') + f;
      while (!f.empty() && f.back() == '0') f.pop_back();
      s += "." + f;
    }
    return s;
  };
  if (u < static_cast<uint64_t>(kUs)) return out + std::to_string(u) + "ns";
  if (u < static_cast<uint64_t>(kMs)) return out + frac(u, kUs, 3) + "µs";
  if (u < static_cast<uint64_t>(kS)) return out + frac(u, kMs, 6) + "ms";
  uint64_t h = u / kH;
  uint64_t rest = u % kH;
  uint64_t m = rest / kM;
  rest %= kM;
  if (h > 0) out += std::to_string(h) + "h";
  if (h > 0 || m > 0) out += std::to_string(m) + "m";
  out += frac(rest, kS, 9) + "s";
  return out;
}

StatusOr<uint64_t> ParseBytes(std::string_view text) {
  auto bad = [&] { return InvalidArgument("invalid byte size '" + std::string(text) + "'"); };
  std::string_view s = text;
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  size_t i = 0;
  while (i < s.size() && (IsDigit(s[i]) || s[i] == '.')) i++;
  if (i == 0) return bad();
  std::string num(s.substr(0, i));
  char* end = nullptr;
  long double v = std::strtold(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return bad();
  std::string unit;
  for (char c : s.substr(i)) {
    if (c == ' ') continue;
    unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (unit.size() > 1 && unit.back() == 'B') unit.pop_back();  // KB -> K, KIB -> KI
  if (unit.size() > 1 && unit.back() == 'I') unit.pop_back();  // KI -> K
  long double mult;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "K") mult = 1024.0L;
  else if (unit == "M") mult = 1024.0L * 1024;
  else if (unit == "G") mult = 1024.0L * 1024 * 1024;
  else if (unit == "T") mult = 1024.0L * 1024 * 1024 * 1024;
  else return bad();
  return static_cast<uint64_t>(std::llround(v * mult));
}

}  // namespace logstack
