#include "logstore/template/go_fmt.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/go/strconv.h"
#include "common/go/time_format.h"
#include "common/go/utf8.h"

namespace logstack::logstore::tmpl {

using go::AppendRune;
using go::DecodeRune;
using go::kRuneError;
using go::RuneCount;
using go::RuneOffset;
namespace {

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
  go::AppendFloat(f, fmt, spec.prec, &num);
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
        go::AppendQuote(s, go::Printable::kControls, &tmp);
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
          std::string s;
          go::AppendQuoteRune(neg || u > 0x10FFFF ? kRuneError : static_cast<char32_t>(u),
                              go::Printable::kControls, &s);
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

}  // namespace

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
