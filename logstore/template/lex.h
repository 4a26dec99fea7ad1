#pragma once

// The lexer of Go's text/template with the default delimiters {{ and }}:
// text, actions, trim markers ("{{- " and " -}}") and comments ({{/* */}}).
// It produces the whole token list at once; the parser walks it.
//
// Thread safety: free functions; safe from any thread.

#include <string>
#include <string_view>
#include <vector>

namespace logstack::logstore::tmpl {

enum class TokenType {
  kError,  // `text` is the message
  kEOF,
  kText,
  kLeftDelim,
  kRightDelim,
  kSpace,
  kIdentifier,  // a function name
  kField,       // .name (text includes the dot)
  kVariable,    // $ or $name
  kDot,         // .
  kString,      // "quoted" (text is the quoted form)
  kRawString,   // `raw` (text is the quoted form)
  kCharConstant,
  kNumber,
  kBool,
  kNil,
  kPipe,
  kLeftParen,
  kRightParen,
  kDeclare,  // :=
  kAssign,   // =
  kChar,     // another printable ASCII character, e.g. ','
  // Keywords.
  kBlock,
  kBreak,
  kContinue,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kRange,
  kTemplate,
  kWith,
};

struct Token {
  TokenType type;
  std::string_view text;  // a view of the template text, or a message for kError
  size_t pos;             // byte offset in the template text
  int line;               // 1-based line of the token's start
  std::string message;    // kError only
};

// Tokenizes `input`. The list ends with kEOF, or with kError at the first
// lexical error.
std::vector<Token> Lex(std::string_view input);

// Go's rendering of a token in "unexpected X in Y" messages.
std::string DescribeToken(const Token& t);

}  // namespace logstack::logstore::tmpl
