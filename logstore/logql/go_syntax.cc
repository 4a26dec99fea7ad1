#include "logstore/logql/go_syntax.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace logstack::logstore::logql {

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
size_t DecodeRune(std::string_view s, size_t i, uint32_t* r) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *r = c;
    return 1;
  }
  size_t n = 0;
  uint32_t v = 0, min = 0;
  if ((c & 0xE0) == 0xC0) {
    n = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; k++) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    v = (v << 6) | (cc & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *r = v;
  return n;
}

// An approximation of Go's unicode.IsPrint for runes >= 0x80: the C1
// controls, the soft hyphen, the line/paragraph separators and the
// non-characters are not printable.
bool IsPrintRune(uint32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  if (r >= 0x80 && r <= 0xA0) return false;
  if (r == 0xAD || r == 0x2028 || r == 0x2029 || r == 0xFEFF) return false;
  if (r >= 0x200B && r <= 0x200F) return false;
  if (r >= 0x202A && r <= 0x202E) return false;
  if (r >= 0x2060 && r <= 0x206F) return false;
  if (r >= 0xE000 && r <= 0xF8FF) return false;  // private use
  if ((r & 0xFFFE) == 0xFFFE) return false;
  return true;
}

const char kHex[] = "0123456789abcdef";

}  // namespace

std::string GoQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    uint32_t r;
    size_t n = DecodeRune(s, i, &r);
    if (n == 0) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      i++;
      continue;
    }
    if (r == '"' || r == '\\') {
      out += '\\';
      out += static_cast<char>(r);
    } else if (IsPrintRune(r)) {
      out.append(s.substr(i, n));
    } else {
      switch (r) {
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (r < ' ' || r == 0x7F) {
            out += "\\x";
            out += kHex[r >> 4];
            out += kHex[r & 15];
          } else if (r < 0x10000) {
            out += "\\u";
            for (int sh = 12; sh >= 0; sh -= 4) out += kHex[(r >> sh) & 15];
          } else {
            out += "\\U";
            for (int sh = 28; sh >= 0; sh -= 4) out += kHex[(r >> sh) & 15];
          }
      }
    }
    i += n;
  }
  out += '"';
  return out;
}

namespace {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

Status DurationError(std::string_view orig) {
  return InvalidArgument("time: invalid duration " + GoQuote(orig));
}

}  // namespace

// Go's time.ParseDuration, step for step (the fraction goes through a
// float64, as Go's does), with its error texts.
StatusOr<int64_t> ParseGoDurationStrict(std::string_view orig) {
  std::string_view s = orig;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return DurationError(orig);
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || IsAsciiDigit(s[0]))) return DurationError(orig);
    uint64_t v = 0;
    size_t i = 0;
    for (; i < s.size() && IsAsciiDigit(s[i]); i++) {
      if (v > (std::numeric_limits<uint64_t>::max() >> 1) / 10) return DurationError(orig);
      v = v * 10 + static_cast<uint64_t>(s[i] - '0');
    }
    bool pre = i > 0;
    s.remove_prefix(i);
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < s.size() && IsAsciiDigit(s[j]); j++) {
        if (overflow) continue;
        if (f > (std::numeric_limits<uint64_t>::max() >> 1) / 10) {
          overflow = true;
          continue;
        }
        f = f * 10 + static_cast<uint64_t>(s[j] - '0');
        scale *= 10;
      }
      post = j > 0;
      s.remove_prefix(j);
    }
    if (!pre && !post) return DurationError(orig);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsAsciiDigit(s[u])) u++;
    if (u == 0) return InvalidArgument("time: missing unit in duration " + GoQuote(orig));
    std::string_view unit_name = s.substr(0, u);
    s.remove_prefix(u);
    uint64_t unit;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\xc2\xb5s" || unit_name == "\xce\xbcs") {
      unit = 1000;
    } else if (unit_name == "ms") {
      unit = 1000000;
    } else if (unit_name == "s") {
      unit = 1000000000;
    } else if (unit_name == "m") {
      unit = 60ull * 1000000000;
    } else if (unit_name == "h") {
      unit = 3600ull * 1000000000;
    } else {
      return InvalidArgument("time: unknown unit " + GoQuote(unit_name) + " in duration " +
                             GoQuote(orig));
    }
    constexpr uint64_t kMax = uint64_t{1} << 63;
    if (v > kMax / unit) return DurationError(orig);
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kMax) return DurationError(orig);
    }
    total += v;
    if (total > kMax) return DurationError(orig);
  }
  if (neg) return -static_cast<int64_t>(total);
  if (total > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return DurationError(orig);
  }
  return static_cast<int64_t>(total);
}

std::optional<int64_t> ParseGoDuration(std::string_view s) {
  auto d = ParseGoDurationStrict(s);
  if (!d.ok()) return std::nullopt;
  return *d;
}

std::string FormatGoDuration(int64_t d) {
  if (d == 0) return "0s";
  bool neg = d < 0;
  uint64_t u = neg ? static_cast<uint64_t>(0) - static_cast<uint64_t>(d) : static_cast<uint64_t>(d);
  // Digits with an optional fraction of `prec` digits, trailing zeros dropped.
  auto frac = [](uint64_t v, int prec, std::string* out) {
    std::string digits;
    bool print = false;
    for (int i = 0; i < prec; i++) {
      int digit = static_cast<int>(v % 10);
      print = print || digit != 0;
      if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
      v /= 10;
    }
    if (print) *out = "." + digits;
    return v;
  };
  std::string out;
  if (u < 1000000000ULL) {
    int prec;
    std::string unit;
    if (u < 1000) {
      return std::string(neg ? "-" : "") + std::to_string(u) + "ns";
    } else if (u < 1000000) {
      prec = 3;
      unit = "\xC2\xB5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    std::string f;
    uint64_t w = frac(u, prec, &f);
    out = std::to_string(w) + f + unit;
  } else {
    std::string f;
    uint64_t w = frac(u, 9, &f);
    std::string secs = std::to_string(w % 60) + f + "s";
    w /= 60;
    if (w > 0) {
      std::string mins = std::to_string(w % 60) + "m";
      w /= 60;
      out = (w > 0 ? std::to_string(w) + "h" : "") + mins + secs;
    } else {
      out = secs;
    }
  }
  return (neg ? "-" : "") + out;
}

StatusOr<int64_t> ParsePromDuration(std::string_view s) {
  std::string orig(s);
  if (s == "0") return 0;
  if (s.empty()) return InvalidArgument("empty duration string");
  auto invalid = [&] { return InvalidArgument("not a valid duration string: " + GoQuote(orig)); };
  struct Unit {
    std::string_view name;
    uint64_t mult;
    int pos;
  };
  static constexpr uint64_t kMs = 1000000;
  static const Unit kUnits[] = {
      {"y", kMs * 1000 * 60 * 60 * 24 * 365, 1},
      {"w", kMs * 1000 * 60 * 60 * 24 * 7, 2},
      {"d", kMs * 1000 * 60 * 60 * 24, 3},
      {"h", kMs * 1000 * 60 * 60, 4},
      {"m", kMs * 1000 * 60, 5},
      {"s", kMs * 1000, 6},
      {"ms", kMs, 7},
  };
  uint64_t dur = 0;
  int last_pos = 0;
  while (!s.empty()) {
    if (!(s[0] >= '0' && s[0] <= '9')) return invalid();
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + i, v);
    if (ec != std::errc()) return invalid();
    s.remove_prefix(i);
    i = 0;
    while (i < s.size() && !(s[i] >= '0' && s[i] <= '9')) i++;
    if (i == 0) return invalid();
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const Unit& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (unit == nullptr) {
      return InvalidArgument("unknown unit " + GoQuote(u) + " in duration " + GoQuote(orig));
    }
    if (unit->pos <= last_pos) return invalid();
    last_pos = unit->pos;
    if (v > (1ULL << 63) / unit->mult) return InvalidArgument("duration out of range");
    dur += v * unit->mult;
    if (dur > (1ULL << 63) - 1) return InvalidArgument("duration out of range");
  }
  return static_cast<int64_t>(dur);
}

std::string FormatPromDuration(int64_t ns) {
  int64_t ms = ns / 1000000;
  if (ms == 0) return "0s";
  std::string r;
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      r += std::to_string(v) + unit;
      ms -= v * mult;
    }
  };
  f("y", 1000LL * 60 * 60 * 24 * 365, true);
  f("w", 1000LL * 60 * 60 * 24 * 7, true);
  f("d", 1000LL * 60 * 60 * 24, false);
  f("h", 1000LL * 60 * 60, false);
  f("m", 1000LL * 60, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return r;
}

std::optional<int64_t> ParseLokiDuration(std::string_view s) {
  if (auto d = ParseGoDuration(s)) return d;
  auto p = ParsePromDuration(s);
  if (p.ok()) return *p;
  return std::nullopt;
}

std::optional<double> HumanBytesMultiplier(std::string_view unit) {
  struct U {
    const char* n;
    double m;
  };
  static const U kUnits[] = {
      {"", 1},
      {"b", 1},
      {"kib", 1024.0},
      {"ki", 1024.0},
      {"kb", 1e3},
      {"k", 1e3},
      {"mib", 1048576.0},
      {"mi", 1048576.0},
      {"mb", 1e6},
      {"m", 1e6},
      {"gib", 1073741824.0},
      {"gi", 1073741824.0},
      {"gb", 1e9},
      {"g", 1e9},
      {"tib", 1099511627776.0},
      {"ti", 1099511627776.0},
      {"tb", 1e12},
      {"t", 1e12},
      {"pib", 1125899906842624.0},
      {"pi", 1125899906842624.0},
      {"pb", 1e15},
      {"p", 1e15},
      {"eib", 1152921504606846976.0},
      {"ei", 1152921504606846976.0},
      {"eb", 1e18},
      {"e", 1e18},
  };
  for (const U& u : kUnits) {
    if (unit == u.n) return u.m;
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseHumanBytes(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) i++;
  if (i == 0) return std::nullopt;
  std::string num(s.substr(0, i));
  char* end = nullptr;
  double v = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return std::nullopt;
  std::string_view rest = s.substr(i);
  while (!rest.empty() && rest[0] == ' ') rest.remove_prefix(1);
  std::string unit;
  for (char c : rest) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::optional<double> mult = HumanBytesMultiplier(unit);
  if (!mult) return std::nullopt;
  double bytes = v * *mult;
  if (!(bytes < 18446744073709551616.0)) return std::nullopt;
  return static_cast<uint64_t>(bytes);
}

namespace {

// Shortest round-trip digits and decimal exponent of |v| (v finite, != 0):
// v = 0.d1d2d3... x 10^exp10.
void ShortestDigits(double v, std::string* digits, int* exp10) {
  char buf[64];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  std::string s(buf, p);  // d.ddde[+-]xx
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  int ex = std::atoi(s.c_str() + e + 1);
  digits->clear();
  for (char c : mant) {
    if (c != '.') *digits += c;
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  *exp10 = ex + 1;
}

}  // namespace

std::string FormatFloatF(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";  // also -0: "-0" would lex as a duration
  std::string digits;
  int exp10;
  ShortestDigits(v, &digits, &exp10);
  std::string out = v < 0 ? "-" : "";
  if (exp10 <= 0) {
    out += "0." + std::string(-exp10, '0') + digits;
  } else if (static_cast<size_t>(exp10) >= digits.size()) {
    out += digits + std::string(exp10 - digits.size(), '0');
  } else {
    out += digits.substr(0, exp10) + "." + digits.substr(exp10);
  }
  return out;
}

std::string FormatFloatV(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return "0";  // also -0: "-0" would lex as a duration
  std::string digits;
  int exp10;
  ShortestDigits(v, &digits, &exp10);
  int x = exp10 - 1;  // exponent in d.ddd form
  if (x < -4 || x >= 21) {
    std::string out = v < 0 ? "-" : "";
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
    return out + eb;
  }
  return FormatFloatF(v);
}

}  // namespace logstack::logstore::logql
