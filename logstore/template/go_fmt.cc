#include "logstore/template/go_fmt.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "logstore/template/go_time.h"
#include "logstore/template/utf8.h"

namespace logstack::logstore::tmpl {
namespace {

// The shortest decimal digits of |f| (no leading or trailing zeros) and the
// decimal point position: f = 0.digits * 10^dp.
void ShortestDigits(double f, std::string* digits, int* dp) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), std::fabs(f), std::chars_format::scientific);
  std::string_view s(buf, res.ptr - buf);
  size_t e = s.find('e');
  digits->clear();
  for (char c : s.substr(0, e)) {
    if (c != '.') digits->push_back(c);
  }
  int exp = std::atoi(std::string(s.substr(e + 1)).c_str());
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
  *dp = exp + 1;
  if (*digits == "0") *dp = 0;
}

void AppendExp(int exp, char e, std::string* out) {
  out->push_back(e);
  out->push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) out->push_back('0');
  out->append(std::to_string(exp));
}

bool IsPrintRune(char32_t r) {
  if (r < 0x20 || r == 0x7F) return false;
  if (r >= 0x80 && r < 0xA0) return false;
  if (r == 0xAD || r == kRuneError || r == 0xFEFF) return false;
  return true;
}

void AppendHexByte(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  out->append("\\x");
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

void AppendQuotedRune(char32_t r, char quote, std::string* out) {
  static const char kHex[] = "0123456789abcdef";
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out->push_back('\\');
    out->push_back(static_cast<char>(r));
    return;
  }
  if (IsPrintRune(r)) {
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
  }
  if (r < ' ' || r == 0x7F) {
    AppendHexByte(static_cast<unsigned char>(r), out);
  } else if (r < 0x10000) {
    out->append("\\u");
    for (int s = 12; s >= 0; s -= 4) out->push_back(kHex[(r >> s) & 15]);
  } else {
    out->append("\\U");
    for (int s = 28; s >= 0; s -= 4) out->push_back(kHex[(r >> s) & 15]);
  }
}

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int prec = -1;
};

// Pads `s` to spec.width runes, with spaces or (zero flag, right-aligned)
// zeros on the left.
void Pad(std::string_view s, const Spec& spec, std::string* out) {
  int n = static_cast<int>(RuneCount(s));
  int pad = spec.width > n ? spec.width - n : 0;
  if (spec.minus) {
    out->append(s);
    out->append(pad, ' ');
  } else {
    out->append(pad, spec.zero ? '0' : ' ');
    out->append(s);
  }
}

void FmtInteger(uint64_t u, bool negative, int base, char verb, Spec spec, std::string* out) {
  std::string digits;
  if (spec.prec == 0 && u == 0) {
    spec.zero = false;
    Pad("", spec, out);
    return;
  }
  const char* set = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits.insert(digits.begin(), set[u % base]);
    u /= base;
  } while (u != 0);
  int prec = spec.prec;
  if (prec < 0 && spec.zero && spec.width >= 0 && !spec.minus) {
    prec = spec.width;
    if (negative || spec.plus || spec.space) --prec;
  }
  if (prec > static_cast<int>(digits.size())) digits.insert(0, prec - digits.size(), '0');
  std::string s;
  if (negative) {
    s.push_back('-');
  } else if (spec.plus) {
    s.push_back('+');
  } else if (spec.space) {
    s.push_back(' ');
  }
  if (spec.sharp) {
    if (base == 16) s.append(verb == 'X' ? "0X" : "0x");
    if (base == 8 && digits[0] != '0') s.push_back('0');
    if (base == 2) s.append("0b");
  }
  if (verb == 'O') s.append("0o");
  s.append(digits);
  spec.zero = false;
  Pad(s, spec, out);
}

void FmtFloat(double f, char verb, Spec spec, std::string* out) {
  std::string num;
  char fmt = verb == 'v' ? 'g' : (verb == 'F' ? 'f' : verb);
  if (spec.prec < 0 && fmt != 'g' && fmt != 'G') spec.prec = 6;  // %e and %f default to 6
  AppendGoFloat(f, fmt, spec.prec, &num);
  // Go adds the sign explicitly, so that flags and zero padding apply.
  if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
  if (std::isinf(f) || std::isnan(f)) spec.zero = false;
  if (std::isnan(f)) num[0] = spec.plus ? '+' : (spec.space ? ' ' : '\0');
  if (!std::isnan(f) && num[0] == '+' && !spec.plus) {
    num[0] = spec.space ? ' ' : '\0';
  }
  if (num[0] == '\0') num.erase(0, 1);
  if (spec.zero && !spec.minus && spec.width > static_cast<int>(num.size())) {
    bool sign = num[0] == '-' || num[0] == '+' || num[0] == ' ';
    size_t at = sign ? 1 : 0;
    num.insert(at, spec.width - num.size(), '0');
    out->append(num);
    return;
  }
  spec.zero = false;
  Pad(num, spec, out);
}

void FmtString(std::string_view s, char verb, Spec spec, std::string* out) {
  if (spec.prec >= 0) s = s.substr(0, RuneOffset(s, spec.prec));
  std::string tmp;
  switch (verb) {
    case 'q':
      if (spec.sharp && s.find('`') == std::string_view::npos &&
          s.find_first_of("\n\r\t") == std::string_view::npos) {
        tmp.push_back('`');
        tmp.append(s);
        tmp.push_back('`');
      } else {
        AppendGoQuote(s, &tmp);
      }
      Pad(tmp, spec, out);
      return;
    case 'x':
    case 'X': {
      const char* set = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
      for (size_t i = 0; i < s.size(); ++i) {
        if (spec.space && i > 0) tmp.push_back(' ');
        if (spec.sharp && (i == 0 || spec.space)) tmp.append(verb == 'X' ? "0X" : "0x");
        unsigned char c = static_cast<unsigned char>(s[i]);
        tmp.push_back(set[c >> 4]);
        tmp.push_back(set[c & 15]);
      }
      Pad(tmp, spec, out);
      return;
    }
    default:
      Pad(s, spec, out);
      return;
  }
}

void BadVerb(char verb, const Value& v, std::string* out) {
  out->append("%!");
  out->push_back(verb);
  out->push_back('(');
  if (v.IsNil()) {
    out->append("<nil>");
  } else {
    out->append(v.TypeName());
    out->push_back('=');
    AppendValue(v, false, out);
  }
  out->push_back(')');
}

void PrintArg(const Value& v, char verb, const Spec& spec, std::string* out) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      if (verb == 'v') {
        Pad("<nil>", spec, out);
      } else {
        BadVerb(verb, v, out);
      }
      return;
    case Value::Kind::kBool:
      if (verb == 'v' || verb == 't') {
        Pad(v.bool_value() ? "true" : "false", spec, out);
      } else {
        BadVerb(verb, v, out);
      }
      return;
    case Value::Kind::kInt:
    case Value::Kind::kInt64:
    case Value::Kind::kUint64: {
      bool is_unsigned = v.kind() == Value::Kind::kUint64;
      bool neg = !is_unsigned && v.int_value() < 0;
      uint64_t u = neg ? 0 - v.uint_value() : v.uint_value();
      switch (verb) {
        case 'v':
        case 'd':
          FmtInteger(u, neg, 10, verb, spec, out);
          return;
        case 'b':
          FmtInteger(u, neg, 2, verb, spec, out);
          return;
        case 'o':
        case 'O':
          FmtInteger(u, neg, 8, verb, spec, out);
          return;
        case 'x':
        case 'X':
          FmtInteger(u, neg, 16, verb, spec, out);
          return;
        case 'c': {
          std::string s;
          AppendRune(neg || u > 0x10FFFF ? kRuneError : static_cast<char32_t>(u), &s);
          Pad(s, spec, out);
          return;
        }
        case 'q': {
          std::string s = "'";
          AppendQuotedRune(neg || u > 0x10FFFF ? kRuneError : static_cast<char32_t>(u), '\'', &s);
          s.push_back('\'');
          Pad(s, spec, out);
          return;
        }
        case 'U': {
          char buf[32];
          std::snprintf(buf, sizeof(buf), "U+%04llX", static_cast<unsigned long long>(u));
          Pad(buf, spec, out);
          return;
        }
        default:
          BadVerb(verb, v, out);
          return;
      }
    }
    case Value::Kind::kFloat:
      switch (verb) {
        case 'v':
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
          FmtFloat(v.float_value(), verb, spec, out);
          return;
        default:
          BadVerb(verb, v, out);
          return;
      }
    case Value::Kind::kString:
      switch (verb) {
        case 'v':
        case 's':
        case 'q':
        case 'x':
        case 'X':
          FmtString(v.str(), verb, spec, out);
          return;
        default:
          BadVerb(verb, v, out);
          return;
      }
    case Value::Kind::kTime:
    case Value::Kind::kMap: {
      // time.Time has a String method, which Go uses for the string verbs.
      std::string s;
      AppendValue(v, false, &s);
      switch (verb) {
        case 'v':
        case 's':
        case 'q':
        case 'x':
        case 'X':
          FmtString(s, verb, spec, out);
          return;
        default:
          BadVerb(verb, v, out);
          return;
      }
    }
  }
}

// Reads a decimal number at format[*i]; returns -1 when there is none.
int ParseNum(std::string_view format, size_t* i) {
  if (*i >= format.size() || format[*i] < '0' || format[*i] > '9') return -1;
  int n = 0;
  while (*i < format.size() && format[*i] >= '0' && format[*i] <= '9') {
    if (n < 1000000) n = n * 10 + (format[*i] - '0');
    ++*i;
  }
  return n;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

// Go's strconv.ParseUint/ParseInt with base 0 (prefixes 0x, 0o, 0b, 0, and
// underscores between digits).
bool GoParseUint(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  // Underscores may only separate digits, or follow a base prefix.
  int base = 10;
  bool prefixed = false;
  if (s.size() > 1 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
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
  if (s.empty()) return base == 8;  // "0" alone
  if ((s.front() == '_' && !prefixed) || s.back() == '_' ||
      s.find("__") != std::string_view::npos) {
    return false;
  }
  uint64_t v = 0;
  bool any = false;
  for (char c : s) {
    if (c == '_') continue;
    int d = HexDigit(c);
    if (d < 0 || d >= base) return false;
    if (v > (UINT64_MAX - d) / base) return false;
    v = v * base + d;
    any = true;
  }
  if (!any) return false;
  *out = v;
  return true;
}

bool GoParseInt(std::string_view s, int64_t* out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u;
  if (!GoParseUint(s, &u)) return false;
  if (neg) {
    if (u > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - u);
  } else {
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(u);
  }
  return true;
}

bool GoParseFloat(std::string_view s, double* out) {
  std::string t;
  bool hex = s.size() > 2 && (s[0] == '0' || s[1] == '0') &&
             (s.find('x') != std::string_view::npos || s.find('X') != std::string_view::npos);
  for (char c : s) {
    if (c == '_') {
      if (!hex) return false;
      continue;
    }
    t.push_back(c);
  }
  if (t.empty() || std::isspace(static_cast<unsigned char>(t[0]))) return false;
  char* end = nullptr;
  errno = 0;
  double f = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return false;
  if (errno == ERANGE && std::isinf(f)) return false;
  *out = f;
  return true;
}

void AppendGoFloat(double f, char fmt, int prec, std::string* out) {
  if (std::isnan(f)) {
    out->append("NaN");
    return;
  }
  if (std::isinf(f)) {
    out->append(f > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (prec >= 0) {
    char spec[8] = {'%', '.', '*', fmt, '\0'};
    char buf[512];
    int n = std::snprintf(buf, sizeof(buf), spec, prec, f);
    if (n >= 0 && n < static_cast<int>(sizeof(buf))) {
      out->append(buf, n);
    } else {
      std::string big(n + 1, '\0');
      std::snprintf(big.data(), big.size(), spec, prec, f);
      big.resize(n);
      out->append(big);
    }
    return;
  }
  std::string digits;
  int dp;
  ShortestDigits(f, &digits, &dp);
  if (std::signbit(f)) out->push_back('-');
  char e = 'e';
  if (fmt == 'E' || fmt == 'G') e = 'E';
  bool exp_form = fmt == 'e' || fmt == 'E';
  if (fmt == 'g' || fmt == 'G') {
    int exp = dp - 1;
    if (digits == "0") exp = 0;
    // strconv: with the shortest precision, %e is used when the exponent
    // is < -4 or >= 6 (so 1e+06, but 100000).
    exp_form = exp < -4 || exp >= 6;
  }
  if (exp_form) {
    out->push_back(digits[0]);
    if (digits.size() > 1) {
      out->push_back('.');
      out->append(digits, 1, std::string::npos);
    }
    AppendExp(digits == "0" ? 0 : dp - 1, e, out);
    return;
  }
  if (dp <= 0) {
    out->append("0");
    if (digits != "0") {
      out->push_back('.');
      out->append(-dp, '0');
      out->append(digits);
    }
  } else if (dp >= static_cast<int>(digits.size())) {
    out->append(digits);
    out->append(dp - digits.size(), '0');
  } else {
    out->append(digits, 0, dp);
    out->push_back('.');
    out->append(digits, dp, std::string::npos);
  }
}

void AppendGoQuote(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = DecodeRune(s.substr(i), &w);
    if (r == kRuneError && w == 1) {
      AppendHexByte(static_cast<unsigned char>(s[i]), out);
    } else {
      AppendQuotedRune(r, '"', out);
    }
    i += w;
  }
  out->push_back('"');
}

bool GoSprintf(std::string_view format, std::span<const Value> args, std::string* out,
               size_t max_size) {
  size_t argi = 0;
  size_t i = 0;
  while (i < format.size()) {
    size_t pct = format.find('%', i);
    if (pct == std::string_view::npos) {
      out->append(format.substr(i));
      break;
    }
    out->append(format.substr(i, pct - i));
    i = pct + 1;
    Spec spec;
    for (; i < format.size(); ++i) {
      char c = format[i];
      if (c == '-') {
        spec.minus = true;
        spec.zero = false;
      } else if (c == '+') {
        spec.plus = true;
      } else if (c == '#') {
        spec.sharp = true;
      } else if (c == ' ') {
        spec.space = true;
      } else if (c == '0') {
        spec.zero = !spec.minus;
      } else {
        break;
      }
    }
    if (i < format.size() && format[i] == '*') {
      ++i;
      if (argi < args.size() && args[argi].IsIntegral()) {
        int64_t w = args[argi].int_value();
        if (w < 0) {
          spec.minus = true;
          spec.zero = false;
          w = -w;
        }
        spec.width = static_cast<int>(w > 1000000 ? 1000000 : w);
      } else {
        out->append("%!(BADWIDTH)");
      }
      ++argi;
    } else {
      spec.width = ParseNum(format, &i);
    }
    if (i < format.size() && format[i] == '.') {
      ++i;
      if (i < format.size() && format[i] == '*') {
        ++i;
        if (argi < args.size() && args[argi].IsIntegral() && args[argi].int_value() >= 0) {
          spec.prec = static_cast<int>(std::min<int64_t>(args[argi].int_value(), 1000000));
        } else {
          out->append("%!(BADPREC)");
        }
        ++argi;
      } else {
        spec.prec = ParseNum(format, &i);
        if (spec.prec < 0) spec.prec = 0;
      }
    }
    if (i >= format.size()) {
      out->append("%!(NOVERB)");
      break;
    }

    size_t w;
    char32_t verb = DecodeRune(format.substr(i), &w);
    i += w;
    if (verb == '%') {
      out->push_back('%');
      continue;
    }
    if (argi >= args.size()) {
      out->append("%!");
      AppendRune(verb, out);
      out->append("(MISSING)");
      continue;
    }
    // A verb pads to its width, and a number's precision adds digits:
    // refuse what cannot fit before building it (a string's precision only
    // cuts).
    size_t room = out->size() < max_size ? max_size - out->size() : 0;
    bool cuts = verb == 's' || verb == 'q' || verb == 'T';
    int64_t grows = std::max<int64_t>(spec.width, cuts ? -1 : spec.prec);
    if (grows > 0 && static_cast<uint64_t>(grows) > room) return false;
    const Value& arg = args[argi++];
    if (verb == 'T') {
      FmtString(arg.TypeName(), 's', spec, out);
      continue;
    }
    if (verb > 0x7F) {
      out->append("%!");
      AppendRune(verb, out);
      out->push_back('(');
      out->append(arg.TypeName());
      out->push_back('=');
      AppendValue(arg, false, out);
      out->push_back(')');
      continue;
    }
    PrintArg(arg, static_cast<char>(verb), spec, out);
    if (out->size() > max_size) return false;
  }
  if (argi < args.size()) {
    out->append("%!(EXTRA ");
    for (size_t k = argi; k < args.size(); ++k) {
      if (k > argi) out->append(", ");
      if (args[k].IsNil()) {
        out->append("<nil>");
      } else {
        out->append(args[k].TypeName());
        out->push_back('=');
        AppendValue(args[k], false, out);
      }
    }
    out->push_back(')');
  }
  return out->size() <= max_size;
}

void GoSprint(std::span<const Value> args, std::string* out) {
  bool prev_string = false;
  for (size_t i = 0; i < args.size(); ++i) {
    bool is_string = args[i].IsString();
    if (i > 0 && !is_string && !prev_string) out->push_back(' ');
    AppendValue(args[i], false, out);
    prev_string = is_string;
  }
}

void GoSprintln(std::span<const Value> args, std::string* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out->push_back(' ');
    AppendValue(args[i], false, out);
  }
  out->push_back('\n');
}

}  // namespace logstack::logstore::tmpl
