#include "logstore/template/lex.h"

#include <cctype>
#include <cstdio>

#include "common/go/strconv.h"
#include "common/go/utf8.h"
#include "logstore/template/go_fmt.h"

namespace logstack::logstore::tmpl {

using go::AppendRune;
using go::DecodeRune;
using go::kRuneError;
using go::RuneCount;
using go::RuneOffset;
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsAlphaNumeric(std::string_view s, size_t i, size_t* width) {
  *width = 1;
  if (i >= s.size()) return false;
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return c == '_' || std::isalnum(c);
  // Go accepts any Unicode letter or digit; treat every non-ASCII rune as one.
  DecodeRune(s.substr(i), width);
  return true;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : in_(input) {}

  std::vector<Token> Run() {
    while (true) {
      if (!LexText()) break;
      if (!LexAction()) break;
    }
    return std::move(tokens_);
  }

 private:
  int LineAt(size_t pos) {
    while (line_pos_ < pos) {
      if (in_[line_pos_] == '\n') ++line_;
      ++line_pos_;
    }
    return line_;
  }

  void Emit(TokenType type, size_t start, size_t end) {
    tokens_.push_back(Token{type, in_.substr(start, end - start), start, LineAt(start), {}});
  }

  bool Error(std::string msg, size_t at) {
    Token t{TokenType::kError, {}, at, LineAt(at), std::move(msg)};
    tokens_.push_back(std::move(t));
    return false;
  }

  // Text up to the next "{{"; returns false at the end of input.
  bool LexText() {
    size_t start = pos_;
    size_t x = in_.find(kLeftDelim, pos_);
    if (x == std::string_view::npos) {
      size_t end = in_.size();
      if (trim_next_) {
        while (start < end && IsSpace(in_[start])) ++start;
      }
      if (start < end) Emit(TokenType::kText, start, end);
      pos_ = in_.size();
      Emit(TokenType::kEOF, pos_, pos_);
      return false;
    }
    size_t end = x;
    if (trim_next_) {
      while (start < end && IsSpace(in_[start])) ++start;
      trim_next_ = false;
    }
    bool trim_left = x + 3 < in_.size() && in_[x + 2] == '-' && IsSpace(in_[x + 3]);
    if (trim_left) {
      while (end > start && IsSpace(in_[end - 1])) --end;
    }
    if (end > start) Emit(TokenType::kText, start, end);
    pos_ = x;
    return true;
  }

  // At "{{": the action through "}}"; returns false on error.
  bool LexAction() {
    size_t delim = pos_;
    pos_ += kLeftDelim.size();
    bool trim = pos_ + 1 < in_.size() && in_[pos_] == '-' && IsSpace(in_[pos_ + 1]);
    if (trim) pos_ += 2;
    if (in_.substr(pos_, kLeftComment.size()) == kLeftComment) return LexComment(delim);
    Emit(TokenType::kLeftDelim, delim, delim + kLeftDelim.size());
    paren_depth_ = 0;
    return LexInsideAction();
  }

  // Returns whether the input at pos_ is a closing delimiter, and whether it
  // carries a trim marker (" -}}").
  bool AtRightDelim(bool* trim) {
    if (in_.substr(pos_, 2) == " -" && in_.substr(pos_ + 2, 2) == kRightDelim) {
      *trim = true;
      return true;
    }
    // Go also accepts other spaces before the marker.
    if (pos_ < in_.size() && IsSpace(in_[pos_]) && in_.substr(pos_ + 1, 1) == "-" &&
        in_.substr(pos_ + 2, 2) == kRightDelim) {
      *trim = true;
      return true;
    }
    *trim = false;
    return in_.substr(pos_, 2) == kRightDelim;
  }

  bool EmitRightDelim(bool trim) {
    if (trim) {
      pos_ += 2;
      trim_next_ = true;
    }
    Emit(TokenType::kRightDelim, pos_, pos_ + 2);
    pos_ += 2;
    return true;
  }

  bool LexComment(size_t delim) {
    size_t start = pos_ + kLeftComment.size();
    size_t x = in_.find(kRightComment, start);
    if (x == std::string_view::npos) return Error("unclosed comment", delim);
    pos_ = x + kRightComment.size();
    bool trim;
    if (!AtRightDelim(&trim)) return Error("comment ends before closing delimiter", delim);
    if (trim) {
      pos_ += 2;
      trim_next_ = true;
    }
    pos_ += 2;
    return true;
  }

  bool AtTerminator() {
    if (pos_ >= in_.size()) return true;
    char c = in_[pos_];
    if (IsSpace(c) || c == '.' || c == ',' || c == '|' || c == ':' || c == ')' || c == '(') {
      return true;
    }
    return in_.substr(pos_, 2) == kRightDelim;
  }

  bool BadCharacter() {
    size_t w;
    char32_t r = DecodeRune(in_.substr(pos_), &w);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "bad character U+%04X", static_cast<unsigned>(r));
    std::string msg = buf;
    if (r >= 0x20 && r != 0x7F) {
      msg += " '";
      AppendRune(r, &msg);
      msg += "'";
    }
    return Error(msg, pos_);
  }

  bool LexInsideAction() {
    while (true) {
      bool trim;
      if (AtRightDelim(&trim)) {
        if (paren_depth_ > 0) return Error("unclosed left paren", pos_);
        return EmitRightDelim(trim);
      }
      if (pos_ >= in_.size()) return Error("unclosed action", pos_);
      char c = in_[pos_];
      size_t start = pos_;
      if (IsSpace(c)) {
        // Stop before a trim-marked closing delimiter.
        while (pos_ < in_.size() && IsSpace(in_[pos_])) {
          bool t;
          if (AtRightDelim(&t) && t) break;
          ++pos_;
        }
        if (pos_ > start) Emit(TokenType::kSpace, start, pos_);
        continue;
      }
      if (c == '=') {
        ++pos_;
        Emit(TokenType::kAssign, start, pos_);
      } else if (c == ':') {
        if (in_.substr(pos_, 2) != ":=") return Error("expected :=", pos_);
        pos_ += 2;
        Emit(TokenType::kDeclare, start, pos_);
      } else if (c == '|') {
        ++pos_;
        Emit(TokenType::kPipe, start, pos_);
      } else if (c == '"') {
        if (!LexQuote('"', "unterminated quoted string")) return false;
        Emit(TokenType::kString, start, pos_);
      } else if (c == '`') {
        size_t x = in_.find('`', pos_ + 1);
        if (x == std::string_view::npos) return Error("unterminated raw quoted string", start);
        pos_ = x + 1;
        Emit(TokenType::kRawString, start, pos_);
      } else if (c == '\'') {
        if (!LexQuote('\'', "unterminated character constant")) return false;
        Emit(TokenType::kCharConstant, start, pos_);
      } else if (c == '$') {
        ++pos_;
        size_t w;
        while (IsAlphaNumeric(in_, pos_, &w)) pos_ += w;
        if (!AtTerminator()) return BadCharacter();
        Emit(TokenType::kVariable, start, pos_);
      } else if (c == '.') {
        if (pos_ + 1 < in_.size() && in_[pos_ + 1] >= '0' && in_[pos_ + 1] <= '9') {
          if (!LexNumber()) return false;
          continue;
        }
        ++pos_;
        size_t w;
        while (IsAlphaNumeric(in_, pos_, &w)) pos_ += w;
        if (pos_ == start + 1) {
          Emit(TokenType::kDot, start, pos_);
          continue;
        }
        if (!AtTerminator()) return BadCharacter();
        Emit(TokenType::kField, start, pos_);
      } else if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
        if (!LexNumber()) return false;
      } else if (size_t w; IsAlphaNumeric(in_, pos_, &w)) {
        while (IsAlphaNumeric(in_, pos_, &w)) pos_ += w;
        if (!AtTerminator()) return BadCharacter();
        std::string_view word = in_.substr(start, pos_ - start);
        TokenType type = TokenType::kIdentifier;
        if (word == "true" || word == "false") {
          type = TokenType::kBool;
        } else if (word == "nil") {
          type = TokenType::kNil;
        } else if (word == "block") {
          type = TokenType::kBlock;
        } else if (word == "break") {
          type = TokenType::kBreak;
        } else if (word == "continue") {
          type = TokenType::kContinue;
        } else if (word == "define") {
          type = TokenType::kDefine;
        } else if (word == "else") {
          type = TokenType::kElse;
        } else if (word == "end") {
          type = TokenType::kEnd;
        } else if (word == "if") {
          type = TokenType::kIf;
        } else if (word == "range") {
          type = TokenType::kRange;
        } else if (word == "template") {
          type = TokenType::kTemplate;
        } else if (word == "with") {
          type = TokenType::kWith;
        }
        Emit(type, start, pos_);
      } else if (c == '(') {
        ++pos_;
        ++paren_depth_;
        Emit(TokenType::kLeftParen, start, pos_);
      } else if (c == ')') {
        ++pos_;
        if (--paren_depth_ < 0) return Error("unexpected right paren", start);
        Emit(TokenType::kRightParen, start, pos_);
      } else if (static_cast<unsigned char>(c) < 0x80 && c >= 0x20 && c != 0x7F) {
        ++pos_;
        Emit(TokenType::kChar, start, pos_);
      } else {
        size_t w;
        char32_t r = DecodeRune(in_.substr(pos_), &w);
        char buf[64];
        std::snprintf(buf, sizeof(buf), "unrecognized character in action: U+%04X",
                      static_cast<unsigned>(r));
        std::string msg = buf;
        if (r >= 0x20 && r != 0x7F) {
          msg += " '";
          AppendRune(r, &msg);
          msg += "'";
        }
        return Error(msg, start);
      }
    }
  }

  bool LexQuote(char q, const char* unterminated) {
    size_t start = pos_;
    ++pos_;
    while (true) {
      if (pos_ >= in_.size() || in_[pos_] == '\n') return Error(unterminated, start);
      char c = in_[pos_++];
      if (c == '\\') {
        if (pos_ >= in_.size() || in_[pos_] == '\n') return Error(unterminated, start);
        ++pos_;
      } else if (c == q) {
        return true;
      }
    }
  }

  bool Accept(std::string_view valid) {
    if (pos_ < in_.size() && valid.find(in_[pos_]) != std::string_view::npos) {
      ++pos_;
      return true;
    }
    return false;
  }

  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }

  bool LexNumber() {
    size_t start = pos_;
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    size_t w;
    if (IsAlphaNumeric(in_, pos_, &w)) {
      pos_ += w;
      std::string msg = "bad number syntax: ";
      go::AppendQuote(in_.substr(start, pos_ - start), go::Printable::kControls, &msg);
      return Error(msg, start);
    }
    Emit(TokenType::kNumber, start, pos_);
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  bool trim_next_ = false;
  int paren_depth_ = 0;
  std::vector<Token> tokens_;
  int line_ = 1;
  size_t line_pos_ = 0;
};

}  // namespace

std::vector<Token> Lex(std::string_view input) { return Lexer(input).Run(); }

std::string DescribeToken(const Token& t) {
  switch (t.type) {
    case TokenType::kEOF:
      return "EOF";
    case TokenType::kError:
      return t.message;
    case TokenType::kBlock:
    case TokenType::kBreak:
    case TokenType::kContinue:
    case TokenType::kDefine:
    case TokenType::kElse:
    case TokenType::kEnd:
    case TokenType::kIf:
    case TokenType::kRange:
    case TokenType::kTemplate:
    case TokenType::kWith:
      return "<" + std::string(t.text) + ">";
    default:
      break;
  }
  std::string s;
  if (t.text.size() > 10) {
    // Go: %.10q... (the first ten runes, quoted).
    go::AppendQuote(t.text.substr(0, RuneOffset(t.text, 10)), go::Printable::kControls, &s);
    s += "...";
  } else {
    go::AppendQuote(t.text, go::Printable::kControls, &s);
  }
  return s;
}

}  // namespace logstack::logstore::tmpl
