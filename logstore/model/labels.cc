#include "logstore/model/labels.h"

#include <cstdio>

#include "common/go/strconv.h"

namespace logstack::logstore {

namespace {

constexpr char32_t kRuneError = 0xFFFD;
constexpr char32_t kMaxRune = 0x10FFFF;

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiAlnum(char c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }

// Loki's label texts, and the messages about labels, quote as Go's strconv
// does, with the closest approximation of unicode.IsPrint.
constexpr go::Printable kPrintable = go::Printable::kSpacesAndFormatChars;

std::string Quote(std::string_view s) { return go::Quote(s, kPrintable); }

std::string QuoteRune(char32_t r) {
  std::string out;
  go::AppendQuoteRune(r, kPrintable, &out);
  return out;
}

// An approximation of Go's unicode.IsLetter(r) || unicode.IsDigit(r) past
// ASCII: punctuation, symbols, marks, separators and private use are not;
// the letters and digits of the world's scripts are.
bool IsLetterOrDigit(char32_t r) {
  if (r < 0x80) return IsAsciiAlnum(static_cast<char>(r)) && r != '_';
  if (!go::IsPrint(r, kPrintable)) return false;
  if (r < 0xC0) return r == 0xAA || r == 0xB5 || r == 0xBA;
  if (r == 0xD7 || r == 0xF7) return false;
  if (r >= 0x2C2 && r <= 0x2C5) return false;  // modifier symbols
  if (r >= 0x2D2 && r <= 0x2DF) return false;
  if (r >= 0x2E5 && r <= 0x2EB) return false;
  if (r == 0x2ED || (r >= 0x2EF && r <= 0x2FF)) return false;
  if (r >= 0x300 && r <= 0x36F) return false;    // combining marks
  if (r >= 0x2000 && r <= 0x2BFF) return false;  // punctuation, symbols, arrows, math
  if (r >= 0x2E00 && r <= 0x2E7F) return false;  // supplemental punctuation
  if (r >= 0x3000 && r <= 0x303F) {              // CJK symbols: a few letters
    return r == 0x3005 || r == 0x3006 || (r >= 0x3031 && r <= 0x3035) || r == 0x303B || r == 0x303C;
  }
  if (r >= 0xFE00 && r <= 0xFE0F) return false;  // variation selectors
  if (r >= 0xFE10 && r <= 0xFE6F) return false;  // vertical and small forms
  if ((r >= 0xFF00 && r <= 0xFF0F) || (r >= 0xFF1A && r <= 0xFF20) ||
      (r >= 0xFF3B && r <= 0xFF40) || (r >= 0xFF5B && r <= 0xFF65)) {
    return false;  // fullwidth punctuation
  }
  if (r >= 0xFFF0 && r <= 0xFFFF) return false;    // specials (U+FFFD included)
  if (r >= 0x1F000 && r <= 0x1FBFF) return false;  // emoji and other symbols
  return true;
}

// Go's fmt "%#U": U+0071 'q' (the quoted form only when printable).
std::string UnicodeVerb(char32_t r) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "U+%04X", static_cast<unsigned>(r));
  std::string out = buf;
  if (r <= kMaxRune && go::IsPrint(r, kPrintable)) {
    out += " '";
    AppendUtf8(&out, r);
    out += "'";
  }
  return out;
}

// ---------------------------------------------------------------------------
// The lexer and parser. They follow the observable behaviour of Prometheus'
// metric parser (token descriptions, messages, positions), written anew.

enum class Tok {
  kEof,
  kIdentifier,
  kMetricIdentifier,
  kLeftBrace,
  kRightBrace,
  kComma,
  kEql,
  kEqlRegex,
  kNeq,
  kNeqRegex,
  kString,
  kError,
};

struct Token {
  Tok type = Tok::kEof;
  size_t pos = 0;
  std::string_view text;  // the token as written, quotes included for strings
  std::string error;      // kError only
};

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  Token Next() {
    SkipSpace();
    start_ = pos_;
    if (pos_ >= in_.size()) {
      if (in_braces_) return Error("unexpected end of input inside braces");
      return Make(Tok::kEof);
    }
    return in_braces_ ? InsideBraces() : Statements();
  }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

  void SkipSpace() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) pos_++;
  }

  Token Make(Tok type) {
    Token t;
    t.type = type;
    t.pos = start_;
    t.text = in_.substr(start_, pos_ - start_);
    return t;
  }

  Token Error(std::string msg) {
    Token t;
    t.type = Tok::kError;
    t.pos = start_;
    t.error = std::move(msg);
    return t;
  }

  // Reads the rune at pos_ and moves past it.
  char32_t NextRune() {
    char32_t r;
    pos_ += DecodeUtf8(in_.substr(pos_), &r);
    return r;
  }

  Token Statements() {
    char c = in_[pos_];
    if (IsAsciiAlpha(c) || c == ':') {
      bool colon = false;
      while (pos_ < in_.size() && (IsAsciiAlnum(in_[pos_]) || in_[pos_] == ':')) {
        colon |= in_[pos_] == ':';
        pos_++;
      }
      return Make(colon ? Tok::kMetricIdentifier : Tok::kIdentifier);
    }
    if (c == '{') {
      pos_++;
      in_braces_ = true;
      return Make(Tok::kLeftBrace);
    }
    if (c == '}') return Error("unexpected right bracket '}'");
    if (c == '"' || c == '\'' || c == '`') {
      pos_++;
      return c == '`' ? RawString() : QuotedString(c);
    }
    return Error("unexpected character: " + QuoteRune(NextRune()));
  }

  Token InsideBraces() {
    char c = in_[pos_];
    if (IsAsciiAlpha(c)) {
      while (pos_ < in_.size() && IsAsciiAlnum(in_[pos_])) pos_++;
      return Make(Tok::kIdentifier);
    }
    switch (c) {
      case ',':
        pos_++;
        return Make(Tok::kComma);
      case '}':
        pos_++;
        in_braces_ = false;
        return Make(Tok::kRightBrace);
      case '=':
        pos_++;
        if (pos_ < in_.size() && in_[pos_] == '~') {
          pos_++;
          return Make(Tok::kEqlRegex);
        }
        return Make(Tok::kEql);
      case '!': {
        pos_++;
        if (pos_ < in_.size() && (in_[pos_] == '~' || in_[pos_] == '=')) {
          pos_++;
          return Make(in_[pos_ - 1] == '~' ? Tok::kNeqRegex : Tok::kNeq);
        }
        char32_t r = pos_ < in_.size() ? NextRune() : kRuneError;
        return Error("unexpected character after '!' inside braces: " + QuoteRune(r));
      }
      case '"':
      case '\'':
        pos_++;
        return QuotedString(c);
      case '`':
        pos_++;
        return RawString();
      default:
        return Error("unexpected character inside braces: " + QuoteRune(NextRune()));
    }
  }

  // pos_ is past the opening quote.
  Token QuotedString(char quote) {
    while (true) {
      if (pos_ >= in_.size()) return Error("unterminated quoted string");
      char c = in_[pos_];
      if (c == '\n') return Error("unterminated quoted string");
      if (c == quote) {
        pos_++;
        return Make(Tok::kString);
      }
      if (c == '\\') {
        pos_++;
        std::string err = Escape(quote);
        if (!err.empty()) return Error(std::move(err));
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) {
        pos_++;
        continue;
      }
      if (NextRune() == kRuneError) return Error("invalid UTF-8 rune");
    }
  }

  Token RawString() {
    while (true) {
      if (pos_ >= in_.size()) return Error("unterminated raw string");
      char c = in_[pos_];
      if (c == '`') {
        pos_++;
        return Make(Tok::kString);
      }
      if (static_cast<unsigned char>(c) < 0x80) {
        pos_++;
        continue;
      }
      if (NextRune() == kRuneError) return Error("invalid UTF-8 rune");
    }
  }

  static constexpr char32_t kEofRune = 0xFFFFFFFF;

  // The next rune, or kEofRune at the end of the input.
  char32_t TakeRune() { return pos_ < in_.size() ? NextRune() : kEofRune; }

  static uint32_t DigitVal(char32_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return 16;
  }

  // Checks the escape after a backslash (pos_ is past the backslash). Returns
  // "" when it is well formed, else the lexer's message.
  std::string Escape(char quote) {
    char32_t ch = TakeRune();
    int n;
    uint32_t base, max;
    switch (ch) {
      case 'a':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
      case 'v':
      case '\\':
        return "";
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        n = 3, base = 8, max = 255;
        break;
      case 'x':
        ch = TakeRune();
        n = 2, base = 16, max = 255;
        break;
      case 'u':
        ch = TakeRune();
        n = 4, base = 16, max = kMaxRune;
        break;
      case 'U':
        ch = TakeRune();
        n = 8, base = 16, max = kMaxRune;
        break;
      case kEofRune:
        return "escape sequence not terminated";
      default:
        if (ch == static_cast<char32_t>(quote)) return "";
        return "unknown escape sequence " + UnicodeVerb(ch);
    }
    uint32_t x = 0;
    for (; n > 0; n--) {
      uint32_t d = DigitVal(ch);
      if (d >= base) {
        if (ch == kEofRune) return "escape sequence not terminated";
        return "illegal character " + QuoteRune(ch) + " in escape sequence";
      }
      x = x * base + d;
      if (n > 1) ch = TakeRune();  // no read past the last digit
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
      return "escape sequence is an invalid Unicode code point";
    }
    return "";
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  bool in_braces_ = false;
};

// Decodes a string token the lexer accepted. Escapes are known to be valid.
std::string Unquote(std::string_view tok) {
  char quote = tok.front();
  std::string_view body = tok.substr(1, tok.size() - 2);
  if (quote == '`') return std::string(body);
  std::string out;
  out.reserve(body.size());
  for (size_t i = 0; i < body.size();) {
    char c = body[i];
    if (c != '\\') {
      out.push_back(c);
      i++;
      continue;
    }
    char e = body[i + 1];
    i += 2;
    switch (e) {
      case 'a':
        out.push_back('\a');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'v':
        out.push_back('\v');
        break;
      case 'x':
      case 'u':
      case 'U': {
        int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t v = 0;
        for (int k = 0; k < n; k++) {
          char h = body[i + k];
          v = v * 16 + static_cast<uint32_t>(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
        }
        i += n;
        if (e == 'x') {
          out.push_back(static_cast<char>(v));
        } else {
          AppendUtf8(&out, v);
        }
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t v = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2; k++) v = v * 8 + static_cast<uint32_t>(body[i + k] - '0');
          i += 2;
          out.push_back(static_cast<char>(v));
        } else {
          out.push_back(e);  // \\, \" or \'
        }
    }
  }
  return out;
}

// How the parser names a token in "unexpected ..." messages.
std::string Describe(const Token& t) {
  switch (t.type) {
    case Tok::kEof:
      return "end of input";
    case Tok::kIdentifier:
      return "identifier " + Quote(t.text);
    case Tok::kMetricIdentifier:
      return "metric identifier " + Quote(t.text);
    case Tok::kLeftBrace:
      return "\"{\"";
    case Tok::kRightBrace:
      return "\"}\"";
    case Tok::kComma:
      return "\",\"";
    case Tok::kEql:
      return "<op:=>";
    case Tok::kEqlRegex:
      return "<op:=~>";
    case Tok::kNeq:
      return "<op:!=>";
    case Tok::kNeqRegex:
      return "<op:!~>";
    case Tok::kString: {
      // Go's "%.10q...": at most 10 runes of the token, quoted.
      size_t end = 0, runes = 0;
      while (end < t.text.size() && runes < 10) {
        char32_t r;
        end += DecodeUtf8(t.text.substr(end), &r);
        runes++;
      }
      if (end < t.text.size()) return "string " + Quote(t.text.substr(0, end)) + "...";
      return "string " + Quote(t.text);
    }
    case Tok::kError:
      return t.error;
  }
  return "";
}

Status ParseError(std::string_view in, size_t pos, std::string_view msg) {
  size_t line = 1;
  size_t line_start = 0;  // byte after the last newline before pos
  for (size_t i = 0; i < pos && i < in.size(); i++) {
    if (in[i] == '\n') {
      line++;
      line_start = i + 1;
    }
  }
  size_t col = pos - line_start + 1;
  return InvalidArgument(std::to_string(line) + ":" + std::to_string(col) +
                         ": parse error: " + std::string(msg));
}

// A lexer error is reported as it is; another token as "unexpected ...".
Status Unexpected(std::string_view in, const Token& t, std::string_view context,
                  std::string_view expected) {
  if (t.type == Tok::kError) return ParseError(in, t.pos, t.error);
  std::string msg = "unexpected " + Describe(t);
  if (!context.empty()) msg += " in " + std::string(context);
  if (!expected.empty()) msg += ", expected " + std::string(expected);
  return ParseError(in, t.pos, msg);
}

}  // namespace

size_t DecodeUtf8(std::string_view s, char32_t* r) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned char c0 = p[0];
  if (c0 < 0x80) {
    *r = c0;
    return 1;
  }
  *r = kRuneError;
  if (c0 < 0xC2 || c0 > 0xF4) return 1;
  size_t need = c0 < 0xE0 ? 2 : c0 < 0xF0 ? 3 : 4;
  if (n < need) {
    // Still invalid, but check the bytes present do not matter: width 1.
    return 1;
  }
  unsigned char c1 = p[1];
  unsigned char lo = 0x80, hi = 0xBF;
  if (c0 == 0xE0) lo = 0xA0;
  if (c0 == 0xED) hi = 0x9F;
  if (c0 == 0xF0) lo = 0x90;
  if (c0 == 0xF4) hi = 0x8F;
  if (c1 < lo || c1 > hi) return 1;
  if (need == 2) {
    *r = (static_cast<char32_t>(c0 & 0x1F) << 6) | (c1 & 0x3F);
    return 2;
  }
  unsigned char c2 = p[2];
  if ((c2 & 0xC0) != 0x80) return 1;
  if (need == 3) {
    *r = (static_cast<char32_t>(c0 & 0x0F) << 12) | (static_cast<char32_t>(c1 & 0x3F) << 6) |
         (c2 & 0x3F);
    return 3;
  }
  unsigned char c3 = p[3];
  if ((c3 & 0xC0) != 0x80) return 1;
  *r = (static_cast<char32_t>(c0 & 0x07) << 18) | (static_cast<char32_t>(c1 & 0x3F) << 12) |
       (static_cast<char32_t>(c2 & 0x3F) << 6) | (c3 & 0x3F);
  return 4;
}

void AppendUtf8(std::string* dst, char32_t r) {
  if (r < 0x80) {
    dst->push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    dst->push_back(static_cast<char>(0xC0 | (r >> 6)));
    dst->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    dst->push_back(static_cast<char>(0xE0 | (r >> 12)));
    dst->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    dst->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    dst->push_back(static_cast<char>(0xF0 | (r >> 18)));
    dst->push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    dst->push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    dst->push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

bool IsCleanUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      i++;
      continue;
    }
    char32_t r;
    i += DecodeUtf8(s.substr(i), &r);
    if (r == kRuneError) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || !IsAsciiAlpha(name[0])) return false;
  for (char c : name) {
    if (!IsAsciiAlnum(c)) return false;
  }
  return true;
}

std::string LabelsString(const Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); i++) {
    if (i > 0) out += ", ";
    out += labels[i].name;
    out += '=';
    go::AppendQuote(labels[i].value, kPrintable, &out);
  }
  out += '}';
  return out;
}

std::string LabelsString(const LabelRef* labels, size_t n) {
  std::string out = "{";
  for (size_t i = 0; i < n; i++) {
    if (i > 0) out += ", ";
    out += labels[i].name;
    out += '=';
    go::AppendQuote(labels[i].value, kPrintable, &out);
  }
  out += '}';
  return out;
}

StatusOr<std::vector<Label>> ParseLabelSet(std::string_view text) {
  Lexer lex(text);
  std::vector<Label> out;
  Token t = lex.Next();
  if (t.type == Tok::kIdentifier || t.type == Tok::kMetricIdentifier) {
    out.push_back(Label{"__name__", std::string(t.text)});
    t = lex.Next();
  }
  if (t.type == Tok::kLeftBrace) {
    t = lex.Next();
    if (t.type != Tok::kRightBrace) {
      while (true) {
        if (t.type != Tok::kIdentifier) {
          return Unexpected(text, t, "label set", "identifier or \"}\"");
        }
        std::string_view name = t.text;
        t = lex.Next();
        if (t.type != Tok::kEql) return Unexpected(text, t, "label set", "\"=\"");
        t = lex.Next();
        if (t.type != Tok::kString) return Unexpected(text, t, "label set", "string");
        out.push_back(Label{std::string(name), Unquote(t.text)});
        t = lex.Next();
        if (t.type == Tok::kRightBrace) break;
        if (t.type != Tok::kComma) return Unexpected(text, t, "label set", "\",\" or \"}\"");
        t = lex.Next();
        if (t.type == Tok::kRightBrace) break;
      }
    }
    t = lex.Next();
  }
  if (t.type != Tok::kEof) return Unexpected(text, t, "", "");
  return out;
}

std::string SanitizeMetadataName(std::string_view name) {
  std::string out;
  if (name.empty()) return out;
  out.reserve(name.size() + 4);
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(IsAsciiAlnum(static_cast<char>(c)) ? static_cast<char>(c) : '_');
      i++;
      continue;
    }
    char32_t r;
    size_t w = DecodeUtf8(name.substr(i), &r);
    if (IsLetterOrDigit(r)) {
      out.append(name.substr(i, w));
    } else {
      out.push_back('_');
    }
    i += w;
  }
  if (IsAsciiDigit(out[0])) {
    out.insert(0, "key_");
  } else if (out[0] == '_' && (out.size() < 2 || out[1] != '_')) {
    out.insert(0, "key");
  }
  return out;
}

bool IsSanitizedMetadataName(std::string_view name) {
  if (name.empty()) return true;
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x80) return SanitizeMetadataName(name) == name;
    if (!IsAsciiAlnum(c)) return false;
  }
  if (IsAsciiDigit(name[0])) return false;
  if (name[0] == '_' && (name.size() < 2 || name[1] != '_')) return false;
  return true;
}

}  // namespace logstack::logstore
