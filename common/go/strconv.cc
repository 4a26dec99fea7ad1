#include "common/go/strconv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/go/utf8.h"

namespace logstack::go {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Decodes the UTF-8 sequence at the start of `s` (REQUIRES: !s.empty()).
// Returns its width, or 0 when the sequence is invalid (overlong, a
// surrogate, past U+10FFFF, or cut short), which Go's utf8.DecodeRune
// reports as U+FFFD of width 1.
size_t DecodeValidRune(std::string_view s, char32_t* r) {
  size_t width;
  *r = DecodeRune(s, &width);
  return *r == kRuneError && width == 1 ? 0 : width;
}

}  // namespace

bool IsPrint(char32_t r, Printable printable) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r < 0x7F) return true;
  switch (printable) {
    case Printable::kFormatChars:
      if (r <= 0xA0) return false;
      if (r == 0xAD || r == 0xFEFF) return false;
      if (r >= 0x200B && r <= 0x200F) return false;
      if (r >= 0x2028 && r <= 0x202E) return false;
      if (r >= 0x2060 && r <= 0x206F) return false;
      if (r >= 0xE000 && r <= 0xF8FF) return false;
      if ((r & 0xFFFE) == 0xFFFE) return false;
      return true;
    case Printable::kControls:
      if (r < 0xA0) return false;
      return r != 0xAD && r != kRuneError && r != 0xFEFF;
    case Printable::kSpacesAndFormatChars:
      if (r <= 0xA0 || r == 0xAD) return false;
      if (r >= 0x600 && r <= 0x605) return false;
      if (r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x8E2 || r == 0x1680 || r == 0x180E) {
        return false;
      }
      if (r >= 0x2000 && r <= 0x200F) return false;
      if (r >= 0x2028 && r <= 0x202F) return false;
      if (r >= 0x205F && r <= 0x206F) return false;
      if (r == 0x3000 || r == 0xFEFF) return false;
      if (r >= 0xD800 && r <= 0xDFFF) return false;
      if (r >= 0xE000 && r <= 0xF8FF) return false;
      if (r >= 0xFDD0 && r <= 0xFDEF) return false;
      if (r >= 0xFFF9 && r <= 0xFFFB) return false;
      if ((r & 0xFFFE) == 0xFFFE) return false;
      if (r == 0x110BD || r == 0x110CD) return false;
      if (r >= 0x13430 && r <= 0x1343F) return false;
      if (r >= 0x1BCA0 && r <= 0x1BCA3) return false;
      if (r >= 0x1D173 && r <= 0x1D17A) return false;
      if (r >= 0xE0000 && r <= 0xE0FFF) return false;
      return r < 0xF0000;
  }
  return true;
}

namespace {

void AppendHexByte(unsigned char c, std::string* out) {
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

// Appends `r` as it appears inside a literal delimited by `quote`.
void AppendEscapedRune(char32_t r, char quote, Printable printable, std::string* out) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrint(r, printable)) {
    AppendRune(r, out);
    return;
  }
  switch (r) {
    case '\a':
      out->append("\\a");
      return;
    case '\b':
      out->append("\\b");
      return;
    case '\f':
      out->append("\\f");
      return;
    case '\n':
      out->append("\\n");
      return;
    case '\r':
      out->append("\\r");
      return;
    case '\t':
      out->append("\\t");
      return;
    case '\v':
      out->append("\\v");
      return;
    default:
      break;
  }
  if (r < ' ' || r == 0x7F) {
    AppendHexByte(static_cast<unsigned char>(r), out);
  } else if (r < 0x10000) {
    out->append("\\u");
    for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(r >> shift) & 15]);
  } else {
    out->append("\\U");
    for (int shift = 28; shift >= 0; shift -= 4) out->push_back(kHex[(r >> shift) & 15]);
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool EqualsFold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

// Go's float syntax (readFloat's grammar, plus the special names).
bool ValidFloatSyntax(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
  const std::string_view rest = s.substr(i);
  if (EqualsFold(rest, "inf") || EqualsFold(rest, "infinity") || EqualsFold(rest, "nan")) {
    return true;
  }
  const bool hex = rest.size() >= 2 && rest[0] == '0' && (rest[1] | 0x20) == 'x';
  if (hex) i += 2;
  bool digits = false;
  bool dot = false;
  for (; i < s.size(); i++) {
    const char c = s[i];
    if (hex ? IsHexDigit(c) : IsDigit(c)) {
      digits = true;
    } else if (c == '_' && hex) {
      continue;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!digits) return false;
  if (i < s.size()) {
    if ((s[i] | 0x20) != (hex ? 'p' : 'e')) return false;
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    bool exp_digits = false;
    for (; i < s.size() && IsDigit(s[i]); i++) exp_digits = true;
    if (!exp_digits || i != s.size()) return false;
  } else if (hex) {
    return false;  // a hexadecimal mantissa needs a p exponent
  }
  return true;
}

Status FloatError(std::string_view s, std::string_view what) {
  return InvalidArgument("strconv.ParseFloat: parsing " +
                         Quote(s, Printable::kSpacesAndFormatChars) + ": " + std::string(what));
}

// The shortest decimal digits of |v| that read back exactly (no trailing
// zeros; "0" for zero) and the decimal point position: |v| = 0.digits * 10^dp.
void ShortestDigits(double v, std::string* digits, int* dp) {
  char buf[64];
  const auto res =
      std::to_chars(buf, buf + sizeof(buf), std::fabs(v), std::chars_format::scientific);
  const std::string_view s(buf, static_cast<size_t>(res.ptr - buf));  // d.ddde[+-]xx
  const size_t e = s.find('e');
  digits->clear();
  for (char c : s.substr(0, e)) {
    if (c != '.') digits->push_back(c);
  }
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  int exp = 0;
  std::string_view exp_text = s.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
  *dp = *digits == "0" ? 0 : exp + 1;
}

void AppendExponent(int exp, char e, std::string* out) {
  out->push_back(e);
  out->push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) out->push_back('0');
  out->append(std::to_string(exp));
}

}  // namespace

std::string Quote(std::string_view s, Printable printable) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendQuote(s, printable, &out);
  return out;
}

void AppendQuote(std::string_view s, Printable printable, std::string* out) {
  out->reserve(out->size() + s.size() + 2);
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    // Runs of printable ASCII other than the quote and the backslash, which
    // every approximation keeps as they are, are copied at once.
    size_t j = i;
    while (j < s.size() && s[j] >= 0x20 && s[j] < 0x7F && s[j] != '"' && s[j] != '\\') j++;
    out->append(s.data() + i, j - i);
    i = j;
    if (i == s.size()) break;
    char32_t r;
    const size_t n = DecodeValidRune(s.substr(i), &r);
    if (n == 0) {
      AppendHexByte(static_cast<unsigned char>(s[i]), out);
      i++;
      continue;
    }
    AppendEscapedRune(r, '"', printable, out);
    i += n;
  }
  out->push_back('"');
}

void AppendQuoteRune(char32_t r, Printable printable, std::string* out) {
  if (r > 0x10FFFF) r = kRuneError;
  out->push_back('\'');
  AppendEscapedRune(r, '\'', printable, out);
  out->push_back('\'');
}

StatusOr<double> ParseFloat(std::string_view s) {
  if (s.empty() || !ValidFloatSyntax(s)) return FloatError(s, "invalid syntax");
  std::string buf;
  buf.reserve(s.size());
  for (char c : s) {
    if (c != '_') buf.push_back(c);
  }
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return FloatError(s, "invalid syntax");
  if (std::isinf(v) && errno == ERANGE) return FloatError(s, "value out of range");
  return v;
}

std::optional<double> ParseFloatLoose(std::string_view s) {
  const bool hex = s.size() > 2 && (s[0] == '0' || s[1] == '0') &&
                   (s.find('x') != std::string_view::npos || s.find('X') != std::string_view::npos);
  std::string buf;
  buf.reserve(s.size());
  for (char c : s) {
    if (c == '_') {
      if (!hex) return std::nullopt;
      continue;
    }
    buf.push_back(c);
  }
  if (buf.empty() || std::isspace(static_cast<unsigned char>(buf[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size()) return std::nullopt;
  if (errno == ERANGE && std::isinf(v)) return std::nullopt;
  return v;
}

std::optional<uint64_t> ParseUint(std::string_view s) {
  if (s.empty()) return std::nullopt;
  int base = 10;
  bool prefixed = false;  // a leading '_' is allowed right after a prefix
  if (s.size() > 1 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 0x20);
    prefixed = true;
    if (p == 'x') {
      base = 16, s.remove_prefix(2);
    } else if (p == 'o') {
      base = 8, s.remove_prefix(2);
    } else if (p == 'b') {
      base = 2, s.remove_prefix(2);
    } else {
      base = 8, s.remove_prefix(1);
      prefixed = s[0] == '_';  // "0_7" is fine: the 0 is a digit too
    }
  }
  if (s.empty()) return base == 8 ? std::optional<uint64_t>(0) : std::nullopt;
  if ((s.front() == '_' && !prefixed) || s.back() == '_' ||
      s.find("__") != std::string_view::npos) {
    return std::nullopt;
  }
  uint64_t v = 0;
  bool any = false;
  for (char c : s) {
    if (c == '_') continue;
    const int d = DigitValue(c);
    if (d < 0 || d >= base) return std::nullopt;
    const auto ud = static_cast<uint64_t>(d);
    const auto ub = static_cast<uint64_t>(base);
    if (v > (UINT64_MAX - ud) / ub) return std::nullopt;
    v = v * ub + ud;
    any = true;
  }
  if (!any) return std::nullopt;
  return v;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  const std::optional<uint64_t> u = ParseUint(s);
  if (!u) return std::nullopt;
  if (neg) {
    if (*u > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *u);
  }
  if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(*u);
}

std::string FormatFloat(double v, char fmt, int prec) {
  std::string out;
  AppendFloat(v, fmt, prec, &out);
  return out;
}

void AppendFloat(double v, char fmt, int prec, std::string* out) {
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (prec >= 0) {
    // With a fixed precision C's printf rounds exactly as Go does.
    const char spec[] = {'%', '.', '*', fmt, '\0'};
    char buf[512];
    const int n = std::snprintf(buf, sizeof(buf), spec, prec, v);
    if (n < 0) return;
    if (n < static_cast<int>(sizeof(buf))) {
      out->append(buf, static_cast<size_t>(n));
      return;
    }
    std::string big(static_cast<size_t>(n) + 1, '\0');
    std::snprintf(big.data(), big.size(), spec, prec, v);
    big.resize(static_cast<size_t>(n));
    out->append(big);
    return;
  }
  std::string digits;
  int dp;
  ShortestDigits(v, &digits, &dp);
  if (std::signbit(v)) out->push_back('-');
  const char e = (fmt == 'E' || fmt == 'G') ? 'E' : 'e';
  bool exp_form = fmt == 'e' || fmt == 'E';
  if (fmt == 'g' || fmt == 'G') {
    // With the shortest digits Go decides as if the precision were 6.
    const int exp = digits == "0" ? 0 : dp - 1;
    exp_form = exp < -4 || exp >= 6;
  }
  if (exp_form) {
    out->push_back(digits[0]);
    if (digits.size() > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    AppendExponent(digits == "0" ? 0 : dp - 1, e, out);
    return;
  }
  if (dp <= 0) {
    out->push_back('0');
    if (digits != "0") {
      out->push_back('.');
      out->append(static_cast<size_t>(-dp), '0');
      out->append(digits);
    }
  } else if (dp >= static_cast<int>(digits.size())) {
    out->append(digits);
    out->append(static_cast<size_t>(dp) - digits.size(), '0');
  } else {
    out->append(digits, 0, static_cast<size_t>(dp));
    out->push_back('.');
    out->append(digits, static_cast<size_t>(dp), std::string::npos);
  }
}

}  // namespace logstack::go
