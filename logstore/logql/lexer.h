#pragma once

// The LogQL lexer. It reproduces the tokens of Loki's lexer (a Go
// text/scanner with LogQL rules on top), because Loki's syntax error messages
// name those tokens and their positions:
//
//  - identifiers, "double" (Go escapes) and `raw` strings, numbers;
//  - a number directly followed by a duration or byte unit is one DURATION
//    (`250ms`, `1h30m`, `-1s`) or BYTES (`20MB`) token;
//  - `[5m]` is one RANGE token (Prometheus duration syntax);
//  - function names (`rate`, `sum`, `bytes`, `ip`, ...) are keywords only when
//    followed by `(` or, for aggregations, by `by (`/`without (`; otherwise
//    they are identifiers, so they may name labels;
//  - other keywords (`by`, `or`, `json`, `offset`, ...) are always keywords;
//  - comments: `#` to end of line, and Go's `//` and `/* */`;
//  - any other character is an IDENTIFIER token flagged `bad` (Loki's lexer
//    does the same; the parser never accepts a bad identifier as a name).
//
// Positions follow text/scanner: 1-based line and column (in characters) of
// the token start. Tokens that Loki's lexer completes with Scanner.Next()
// (two-character operators, DURATION, BYTES, RANGE, flags) report line 0 in
// error messages, a quirk of Loki kept on purpose.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace logstack::logstore::logql {

enum class TokenKind {
  kEof,
  kError,  // a lexical error; `text` is the complete error message
  kIdentifier,
  kString,
  kNumber,
  kDuration,
  kBytes,
  kRange,
  kParserFlag,
  // punctuation and operators
  kLBrace,
  kRBrace,
  kLParen,
  kRParen,
  kRBracket,
  kComma,
  kDot,
  kEq,           // =
  kNeq,          // !=
  kRe,           // =~
  kNre,          // !~
  kPipe,         // |
  kPipeExact,    // |=
  kPipeMatch,    // |~
  kPipePattern,  // |>
  kNpa,          // !>
  kCmpEq,        // ==
  kGt,
  kGte,
  kLt,
  kLte,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  // keywords
  kBy,
  kWithout,
  kBool,
  kOffset,
  kOn,
  kIgnoring,
  kGroupLeft,
  kGroupRight,
  kOr,
  kAnd,
  kUnless,
  kJson,
  kRegexp,
  kLogfmt,
  kUnpack,
  kPattern,
  kLabelFmt,
  kLineFmt,
  kUnwrap,
  kDrop,
  kKeep,
  kDecolorize,
  kLabelReplace,
  // function keywords (only before `(`)
  kRate,
  kRateCounter,
  kCountOverTime,
  kBytesRate,
  kBytesOverTime,
  kAbsentOverTime,
  kSumOverTime,
  kAvgOverTime,
  kMinOverTime,
  kMaxOverTime,
  kStddevOverTime,
  kStdvarOverTime,
  kQuantileOverTime,
  kFirstOverTime,
  kLastOverTime,
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kStddev,
  kStdvar,
  kTopK,
  kBottomK,
  kSort,
  kSortDesc,
  kVector,
  kBytesConv,
  kDurationConv,
  kDurationSecondsConv,
  kIp,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  // kIdentifier, kNumber, kParserFlag, kDuration, kBytes: the text as
  // written; kString: the unescaped value; kRange: the text inside [ ];
  // kError: the error message ("parse error at ...").
  std::string text;
  int64_t duration_ns = 0;     // kDuration, kRange
  uint64_t bytes = 0;          // kBytes
  bool bad = false;            // kIdentifier made of a stray character
  int line = 0;                // 1-based; 0 only for the empty query's $end
  int col = 0;                 // 1-based, in characters
  bool next_extended = false;  // Loki reports line 0 for this token
  size_t offset = 0;           // byte offset of the token start
};

// The name of a token kind in Loki's syntax error messages: "IDENTIFIER",
// "$end", "}", "=~", "by", "SUM", "ip", ...
std::string_view TokenName(TokenKind kind);

// Splits `query` into tokens, ending with one kEof token. Lexing stops at the
// first error, which becomes a kError token followed by kEof.
std::vector<Token> Lex(std::string_view query);

}  // namespace logstack::logstore::logql
