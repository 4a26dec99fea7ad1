#include "logstore/logql/lexer.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "common/go/humanize.h"
#include "logstore/logql/go_syntax.h"

namespace logstack::logstore::logql {

namespace {

struct Keyword {
  std::string_view text;
  TokenKind kind;
};

// Always keywords.
constexpr Keyword kKeywords[] = {
    {"by", TokenKind::kBy},
    {"without", TokenKind::kWithout},
    {"bool", TokenKind::kBool},
    {"offset", TokenKind::kOffset},
    {"on", TokenKind::kOn},
    {"ignoring", TokenKind::kIgnoring},
    {"group_left", TokenKind::kGroupLeft},
    {"group_right", TokenKind::kGroupRight},
    {"or", TokenKind::kOr},
    {"and", TokenKind::kAnd},
    {"unless", TokenKind::kUnless},
    {"json", TokenKind::kJson},
    {"regexp", TokenKind::kRegexp},
    {"logfmt", TokenKind::kLogfmt},
    {"unpack", TokenKind::kUnpack},
    {"pattern", TokenKind::kPattern},
    {"label_format", TokenKind::kLabelFmt},
    {"line_format", TokenKind::kLineFmt},
    {"unwrap", TokenKind::kUnwrap},
    {"drop", TokenKind::kDrop},
    {"keep", TokenKind::kKeep},
    {"decolorize", TokenKind::kDecolorize},
    {"label_replace", TokenKind::kLabelReplace},
};

// Keywords only when a call follows.
constexpr Keyword kFunctions[] = {
    {"rate", TokenKind::kRate},
    {"rate_counter", TokenKind::kRateCounter},
    {"count_over_time", TokenKind::kCountOverTime},
    {"bytes_rate", TokenKind::kBytesRate},
    {"bytes_over_time", TokenKind::kBytesOverTime},
    {"absent_over_time", TokenKind::kAbsentOverTime},
    {"sum_over_time", TokenKind::kSumOverTime},
    {"avg_over_time", TokenKind::kAvgOverTime},
    {"min_over_time", TokenKind::kMinOverTime},
    {"max_over_time", TokenKind::kMaxOverTime},
    {"stddev_over_time", TokenKind::kStddevOverTime},
    {"stdvar_over_time", TokenKind::kStdvarOverTime},
    {"quantile_over_time", TokenKind::kQuantileOverTime},
    {"first_over_time", TokenKind::kFirstOverTime},
    {"last_over_time", TokenKind::kLastOverTime},
    {"sum", TokenKind::kSum},
    {"avg", TokenKind::kAvg},
    {"min", TokenKind::kMin},
    {"max", TokenKind::kMax},
    {"count", TokenKind::kCount},
    {"stddev", TokenKind::kStddev},
    {"stdvar", TokenKind::kStdvar},
    {"topk", TokenKind::kTopK},
    {"bottomk", TokenKind::kBottomK},
    {"sort", TokenKind::kSort},
    {"sort_desc", TokenKind::kSortDesc},
    {"vector", TokenKind::kVector},
    {"bytes", TokenKind::kBytesConv},
    {"duration", TokenKind::kDurationConv},
    {"duration_seconds", TokenKind::kDurationSecondsConv},
    {"ip", TokenKind::kIp},
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    while (true) {
      Token t = NextToken();
      bool stop = t.kind == TokenKind::kEof || t.kind == TokenKind::kError;
      out.push_back(std::move(t));
      if (stop) break;
    }
    if (out.back().kind == TokenKind::kError) {
      Token eof;
      eof.kind = TokenKind::kEof;
      eof.offset = s_.size();
      out.push_back(std::move(eof));
    }
    return out;
  }

 private:
  // Line and column of byte offset `off` (text/scanner rules). Tokens are
  // made in order, so the count goes on from the last offset asked for:
  // lexing stays linear in the query's length (scanning from the start for
  // every token made a 1 MB query take minutes).
  std::pair<int, int> PosAt(size_t off) {
    off = std::min(off, s_.size());
    if (off < pos_off_) pos_off_ = 0, pos_line_ = 1, pos_col_ = 1;
    for (size_t i = pos_off_; i < off; i++) {
      if (s_[i] == '\n') {
        pos_line_++;
        pos_col_ = 1;
      } else if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) {
        pos_col_++;
      }
    }
    pos_off_ = off;
    return {pos_line_, pos_col_};
  }
  size_t pos_off_ = 0;  // PosAt's cursor: the line and column at pos_off_
  int pos_line_ = 1;
  int pos_col_ = 1;

  Token Make(TokenKind kind, size_t start, std::string text = {}, bool ext = false) {
    Token t;
    t.kind = kind;
    t.offset = start;
    t.text = std::move(text);
    t.next_extended = ext;
    if (kind == TokenKind::kEof && s_.empty()) {
      t.line = 0;
      t.col = 0;
    } else {
      auto [l, c] = PosAt(start);
      t.line = l;
      t.col = c;
    }
    return t;
  }

  Token Error(size_t start, const std::string& msg, bool ext) {
    auto [l, c] = PosAt(start);
    Token t;
    t.kind = TokenKind::kError;
    t.offset = start;
    t.line = l;
    t.col = c;
    t.next_extended = ext;
    t.text = "parse error at line " + std::to_string(ext ? 0 : l) + ", col " + std::to_string(c) +
             ": " + msg;
    return t;
  }

  char At(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }

  // Skips whitespace and comments. Returns false on an unterminated /* */.
  bool SkipSpaceAndComments() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (IsSpace(c)) {
        pos_++;
      } else if (c == '#' || (c == '/' && At(pos_ + 1) == '/')) {
        while (pos_ < s_.size() && s_[pos_] != '\n') pos_++;
      } else if (c == '/' && At(pos_ + 1) == '*') {
        size_t end = s_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          comment_start_ = pos_;
          pos_ = s_.size();
          return false;
        }
        pos_ = end + 2;
      } else {
        break;
      }
    }
    return true;
  }

  // Loki's isFunction: `(` follows, or `by`/`without` and then `(`.
  bool IsCallAhead(size_t p) const {
    auto skip = [&](size_t q) {
      while (q < s_.size() && IsSpace(s_[q])) q++;
      return q;
    };
    p = skip(p);
    if (At(p) == '(') return true;
    for (std::string_view kw : {std::string_view("by"), std::string_view("without")}) {
      if (s_.substr(p, kw.size()) == kw) return At(skip(p + kw.size())) == '(';
    }
    return false;
  }

  Token NextToken() {
    if (!SkipSpaceAndComments()) return Error(comment_start_, "comment not terminated", false);
    size_t start = pos_;
    if (pos_ >= s_.size()) return Make(TokenKind::kEof, start);
    char c = s_[pos_];
    if (IsIdentStart(c)) {
      while (pos_ < s_.size() && IsIdentChar(s_[pos_])) pos_++;
      std::string_view word = s_.substr(start, pos_ - start);
      for (const Keyword& k : kFunctions) {
        if (k.text == word) {
          if (IsCallAhead(pos_)) return Make(k.kind, start, std::string(word));
          return Make(TokenKind::kIdentifier, start, std::string(word));
        }
      }
      for (const Keyword& k : kKeywords) {
        if (k.text == word) return Make(k.kind, start, std::string(word));
      }
      return Make(TokenKind::kIdentifier, start, std::string(word));
    }
    if (IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)))) return Number(start);
    if (c == '"') return QuotedString(start);
    if (c == '`') {
      size_t end = s_.find('`', pos_ + 1);
      if (end == std::string_view::npos) {
        pos_ = s_.size();
        return Error(start, "literal not terminated", false);
      }
      pos_ = end + 1;
      return Make(TokenKind::kString, start, std::string(s_.substr(start + 1, end - start - 1)));
    }
    if (c == '[') {
      size_t end = s_.find(']', pos_ + 1);
      if (end == std::string_view::npos) {
        pos_ = s_.size();
        return Error(start, "missing closing ']' in duration", true);
      }
      std::string inner(s_.substr(start + 1, end - start - 1));
      pos_ = end + 1;
      auto d = ParsePromDuration(inner);
      if (!d.ok()) return Error(start, d.status().message(), true);
      Token t = Make(TokenKind::kRange, start, inner, true);
      t.duration_ns = *d;
      return t;
    }
    pos_++;
    char n = At(pos_);
    auto two = [&](TokenKind k) {
      pos_++;
      return Make(k, start, std::string(s_.substr(start, 2)), true);
    };
    auto one = [&](TokenKind k) { return Make(k, start, std::string(1, c)); };
    switch (c) {
      case '{':
        return one(TokenKind::kLBrace);
      case '}':
        return one(TokenKind::kRBrace);
      case '(':
        return one(TokenKind::kLParen);
      case ')':
        return one(TokenKind::kRParen);
      case ']':
        return one(TokenKind::kRBracket);
      case ',':
        return one(TokenKind::kComma);
      case '.':
        return one(TokenKind::kDot);
      case '+':
        return one(TokenKind::kAdd);
      case '*':
        return one(TokenKind::kMul);
      case '/':
        return one(TokenKind::kDiv);
      case '%':
        return one(TokenKind::kMod);
      case '^':
        return one(TokenKind::kPow);
      case '=':
        if (n == '=') return two(TokenKind::kCmpEq);
        if (n == '~') return two(TokenKind::kRe);
        return one(TokenKind::kEq);
      case '!':
        if (n == '=') return two(TokenKind::kNeq);
        if (n == '~') return two(TokenKind::kNre);
        if (n == '>') return two(TokenKind::kNpa);
        break;
      case '|':
        if (n == '=') return two(TokenKind::kPipeExact);
        if (n == '~') return two(TokenKind::kPipeMatch);
        if (n == '>') return two(TokenKind::kPipePattern);
        return one(TokenKind::kPipe);
      case '>':
        if (n == '=') return two(TokenKind::kGte);
        return one(TokenKind::kGt);
      case '<':
        if (n == '=') return two(TokenKind::kLte);
        return one(TokenKind::kLt);
      case '-': {
        if (n == '-') {
          size_t q = pos_ + 1;
          while (q < s_.size() && ((s_[q] >= 'a' && s_[q] <= 'z') ||
                                   (s_[q] >= 'A' && s_[q] <= 'Z') || s_[q] == '-')) {
            q++;
          }
          if (q > pos_ + 1) {
            pos_ = q;
            return Make(TokenKind::kParserFlag, start, std::string(s_.substr(start, q - start)),
                        true);
          }
        }
        if (auto t = TryDuration(start, pos_)) return std::move(*t);
        return one(TokenKind::kSub);
      }
      default:
        break;
    }
    // A stray character: Loki's lexer returns it as an IDENTIFIER.
    while (pos_ < s_.size() && (static_cast<unsigned char>(s_[pos_]) & 0xC0) == 0x80) pos_++;
    Token t = Make(TokenKind::kIdentifier, start, std::string(s_.substr(start, pos_ - start)));
    t.bad = true;
    return t;
  }

  static bool IsDurationRuneAt(std::string_view s, size_t i, size_t* len) {
    char c = s[i];
    *len = 1;
    if (IsDigit(c) || c == '.') return true;
    switch (c) {
      case 'n':
      case 's':
      case 'u':
      case 'm':
      case 'h':
      case 'd':
      case 'w':
      case 'y':
        return true;
      default:
        break;
    }
    if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xB5') {  // µ
      *len = 2;
      return true;
    }
    return false;
  }

  // Loki's tryScanDuration: `start..num_end` is a number (or "-"); extends
  // it over digits, '.', and unit letters up to whitespace.
  std::optional<Token> TryDuration(size_t start, size_t num_end) {
    size_t q = num_end, len;
    while (q < s_.size() && !IsSpace(s_[q]) && IsDurationRuneAt(s_, q, &len)) q += len;
    if (q == num_end) return std::nullopt;
    std::string_view text = s_.substr(start, q - start);
    auto d = ParseLokiDuration(text);
    if (!d) return std::nullopt;
    pos_ = q;
    Token t = Make(TokenKind::kDuration, start, std::string(text), true);
    t.duration_ns = *d;
    return t;
  }

  std::optional<Token> TryBytes(size_t start, size_t num_end) {
    size_t q = num_end;
    while (q < s_.size()) {
      char c = s_[q];
      if (IsDigit(c) || c == '.' || c == 'B' || c == 'i' || c == 'k' || c == 'K' || c == 'M' ||
          c == 'G' || c == 'T' || c == 'P') {
        q++;
      } else {
        break;
      }
    }
    if (q == num_end) return std::nullopt;
    std::string_view text = s_.substr(start, q - start);
    StatusOr<uint64_t> b = go::ParseBytes(text);
    if (!b.ok()) return std::nullopt;
    pos_ = q;
    Token t = Make(TokenKind::kBytes, start, std::string(text), true);
    t.bytes = *b;
    return t;
  }

  Token Number(size_t start) {
    while (pos_ < s_.size() && IsDigit(s_[pos_])) pos_++;
    if (At(pos_) == '.') {
      pos_++;
      while (pos_ < s_.size() && IsDigit(s_[pos_])) pos_++;
    }
    if (At(pos_) == 'e' || At(pos_) == 'E') {
      size_t q = pos_ + 1;
      if (At(q) == '+' || At(q) == '-') q++;
      if (IsDigit(At(q))) {
        while (IsDigit(At(q))) q++;
        pos_ = q;
      }
    }
    size_t num_end = pos_;
    if (auto t = TryDuration(start, num_end)) return std::move(*t);
    if (auto t = TryBytes(start, num_end)) return std::move(*t);
    return Make(TokenKind::kNumber, start, std::string(s_.substr(start, num_end - start)));
  }

  static int HexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  static void AppendUtf8(std::string* out, uint32_t r) {
    if (r < 0x80) {
      *out += static_cast<char>(r);
    } else if (r < 0x800) {
      *out += static_cast<char>(0xC0 | (r >> 6));
      *out += static_cast<char>(0x80 | (r & 0x3F));
    } else if (r < 0x10000) {
      *out += static_cast<char>(0xE0 | (r >> 12));
      *out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (r & 0x3F));
    } else {
      *out += static_cast<char>(0xF0 | (r >> 18));
      *out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
      *out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
      *out += static_cast<char>(0x80 | (r & 0x3F));
    }
  }

  Token QuotedString(size_t start) {
    pos_++;
    std::string v;
    while (true) {
      if (pos_ >= s_.size() || s_[pos_] == '\n') {
        pos_ = s_.size();
        return Error(start, "literal not terminated", false);
      }
      char c = s_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        v += c;
        continue;
      }
      char e = At(pos_);
      pos_++;
      switch (e) {
        case 'a':
          v += '\a';
          break;
        case 'b':
          v += '\b';
          break;
        case 'f':
          v += '\f';
          break;
        case 'n':
          v += '\n';
          break;
        case 'r':
          v += '\r';
          break;
        case 't':
          v += '\t';
          break;
        case 'v':
          v += '\v';
          break;
        case '\\':
          v += '\\';
          break;
        case '"':
          v += '"';
          break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          uint32_t x = e - '0';
          for (int i = 0; i < 2; i++) {
            char d = At(pos_);
            if (d < '0' || d > '7') return Error(start, "invalid char escape", false);
            x = x * 8 + (d - '0');
            pos_++;
          }
          if (x > 255) return Error(start, "escape sequence is invalid Unicode code point", false);
          v += static_cast<char>(x);
          break;
        }
        case 'x':
        case 'u':
        case 'U': {
          int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          uint32_t x = 0;
          for (int i = 0; i < n; i++) {
            int h = HexVal(At(pos_));
            if (h < 0) return Error(start, "invalid char escape", false);
            x = x * 16 + static_cast<uint32_t>(h);
            pos_++;
          }
          if (e == 'x') {
            v += static_cast<char>(x);
          } else {
            if (x > 0x10FFFF || (x >= 0xD800 && x <= 0xDFFF)) {
              return Error(start, "escape sequence is invalid Unicode code point", false);
            }
            AppendUtf8(&v, x);
          }
          break;
        }
        default:
          return Error(start, "invalid char escape", false);
      }
    }
    return Make(TokenKind::kString, start, std::move(v));
  }

  std::string_view s_;
  size_t pos_ = 0;
  size_t comment_start_ = 0;
};

}  // namespace

std::string_view TokenName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof:
      return "$end";
    case TokenKind::kError:
      return "error";
    case TokenKind::kIdentifier:
      return "IDENTIFIER";
    case TokenKind::kString:
      return "STRING";
    case TokenKind::kNumber:
      return "NUMBER";
    case TokenKind::kDuration:
      return "DURATION";
    case TokenKind::kBytes:
      return "BYTES";
    case TokenKind::kRange:
      return "RANGE";
    case TokenKind::kParserFlag:
      return "PARSER_FLAG";
    case TokenKind::kLBrace:
      return "{";
    case TokenKind::kRBrace:
      return "}";
    case TokenKind::kLParen:
      return "(";
    case TokenKind::kRParen:
      return ")";
    case TokenKind::kRBracket:
      return "]";
    case TokenKind::kComma:
      return ",";
    case TokenKind::kDot:
      return ".";
    case TokenKind::kEq:
      return "=";
    case TokenKind::kNeq:
      return "!=";
    case TokenKind::kRe:
      return "=~";
    case TokenKind::kNre:
      return "!~";
    case TokenKind::kPipe:
      return "|";
    case TokenKind::kPipeExact:
      return "|=";
    case TokenKind::kPipeMatch:
      return "|~";
    case TokenKind::kPipePattern:
      return "|>";
    case TokenKind::kNpa:
      return "!>";
    case TokenKind::kCmpEq:
      return "==";
    case TokenKind::kGt:
      return ">";
    case TokenKind::kGte:
      return ">=";
    case TokenKind::kLt:
      return "<";
    case TokenKind::kLte:
      return "<=";
    case TokenKind::kAdd:
      return "+";
    case TokenKind::kSub:
      return "-";
    case TokenKind::kMul:
      return "*";
    case TokenKind::kDiv:
      return "/";
    case TokenKind::kMod:
      return "%";
    case TokenKind::kPow:
      return "^";
    case TokenKind::kRate:
      return "RATE";
    case TokenKind::kRateCounter:
      return "RATE_COUNTER";
    case TokenKind::kCountOverTime:
      return "COUNT_OVER_TIME";
    case TokenKind::kBytesRate:
      return "BYTES_RATE";
    case TokenKind::kBytesOverTime:
      return "BYTES_OVER_TIME";
    case TokenKind::kAbsentOverTime:
      return "ABSENT_OVER_TIME";
    case TokenKind::kSumOverTime:
      return "SUM_OVER_TIME";
    case TokenKind::kAvgOverTime:
      return "AVG_OVER_TIME";
    case TokenKind::kMinOverTime:
      return "MIN_OVER_TIME";
    case TokenKind::kMaxOverTime:
      return "MAX_OVER_TIME";
    case TokenKind::kStddevOverTime:
      return "STDDEV_OVER_TIME";
    case TokenKind::kStdvarOverTime:
      return "STDVAR_OVER_TIME";
    case TokenKind::kQuantileOverTime:
      return "QUANTILE_OVER_TIME";
    case TokenKind::kFirstOverTime:
      return "FIRST_OVER_TIME";
    case TokenKind::kLastOverTime:
      return "LAST_OVER_TIME";
    case TokenKind::kSum:
      return "SUM";
    case TokenKind::kAvg:
      return "AVG";
    case TokenKind::kMin:
      return "MIN";
    case TokenKind::kMax:
      return "MAX";
    case TokenKind::kCount:
      return "COUNT";
    case TokenKind::kStddev:
      return "STDDEV";
    case TokenKind::kStdvar:
      return "STDVAR";
    case TokenKind::kTopK:
      return "TOPK";
    case TokenKind::kBottomK:
      return "BOTTOMK";
    case TokenKind::kSort:
      return "SORT";
    case TokenKind::kSortDesc:
      return "SORT_DESC";
    case TokenKind::kVector:
      return "VECTOR";
    case TokenKind::kBytesConv:
      return "BYTES_CONV";
    case TokenKind::kDurationConv:
      return "DURATION_CONV";
    case TokenKind::kDurationSecondsConv:
      return "DURATION_SECONDS_CONV";
    case TokenKind::kIp:
      return "ip";
    default:
      break;
  }
  for (const Keyword& k : kKeywords) {
    if (k.kind == kind) return k.text;
  }
  return "?";
}

std::vector<Token> Lex(std::string_view query) { return Lexer(query).Run(); }

}  // namespace logstack::logstore::logql
