#pragma once

// Go's strconv, as far as Loki's answers depend on it: Quote, ParseFloat,
// ParseInt and ParseUint with base 0, and FormatFloat for float64. Error texts
// are Go's, byte for byte, where a function returns them: they reach users and
// are compared with Loki's recorded answers.
//
// Thread safety: pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace logstack::go {

// strconv.Quote escapes every rune that unicode.IsPrint rejects. logstack
// carries no Unicode tables; its callers approximate IsPrint in two ways that
// agree on ASCII and on invalid UTF-8 (each such byte is written \xHH) but not
// past ASCII. Each caller names the approximation whose output it has always
// produced, so that none changes.
enum class Printable {
  // Escapes C0 and C1 controls, DEL, U+00A0, U+00AD, U+200B..U+200F,
  // U+2028..U+202E, U+2060..U+206F, U+FEFF, private use (U+E000..U+F8FF) and
  // U+xFFFE/U+xFFFF. LogQL's printer and its error messages use this.
  kFormatChars,
  // Escapes only C0 and C1 controls, DEL, U+00AD, U+FEFF and a well-formed
  // U+FFFD. text/template's printf %q and its parse errors use this.
  kControls,
  // Escapes what kFormatChars does, and also the other Unicode space
  // separators (U+1680, U+2000..U+200A, U+202F, U+205F, U+3000), more format
  // characters (U+0600..U+0605, U+061C, U+06DD, U+070F, U+08E2, U+180E,
  // U+FFF9..U+FFFB, ...), noncharacters, tags and supplementary private use.
  // The closest to Go; ParseFloat's error text uses it, as do Loki's label
  // texts and the messages about them (logstore/model, logstore/push).
  kSpacesAndFormatChars,
};

// unicode.IsPrint as the given approximation has it.
bool IsPrint(char32_t r, Printable printable);

// strconv.Quote: a double-quoted Go string literal. `"` and `\` are escaped,
// \a \b \f \n \r \t \v by name, other unprintable runes as \xHH (below
// U+0080), \uHHHH or \UHHHHHHHH, and each byte of invalid UTF-8 as \xHH.
std::string Quote(std::string_view s, Printable printable = Printable::kFormatChars);
void AppendQuote(std::string_view s, Printable printable, std::string* out);

// strconv.QuoteRune: a single-quoted Go rune literal ('x', '\n', '\''),
// appended to *out. A value past U+10FFFF is quoted as U+FFFD, as in Go. A
// surrogate, which `printable` lets through, is written as the bytes of
// U+FFFD.
void AppendQuoteRune(char32_t r, Printable printable, std::string* out);

// strconv.ParseFloat(s, 64): decimal and hexadecimal (with its p exponent)
// floats, "inf", "infinity" and "nan" in any case, an optional sign,
// underscores only after a base prefix, no surrounding spaces. Errors are
// Go's, `s` quoted with Printable::kSpacesAndFormatChars: `strconv.ParseFloat: parsing "bob":
// invalid syntax` and `strconv.ParseFloat: parsing "1e999": value out of range`.
StatusOr<double> ParseFloat(std::string_view s);

// strconv.ParseFloat(s, 64) as text/template's number parsing and sprig's
// conversions have always read it: the result for every string Go accepts,
// but also some Go rejects (whatever C's strtod reads once the underscores of
// a string with an 'x' near its start are dropped, such as "0x10" without a p
// exponent). Returns nullopt where it fails, Go's error text is not needed.
std::optional<double> ParseFloatLoose(std::string_view s);

// strconv.ParseUint(s, 0, 64) and strconv.ParseInt(s, 0, 64): prefixes 0x,
// 0o, 0b and a leading 0 (octal), underscores between digits or after a
// prefix. nullopt where Go returns an error (syntax or range).
std::optional<uint64_t> ParseUint(std::string_view s);
std::optional<int64_t> ParseInt(std::string_view s);

// strconv.FormatFloat(v, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g' and 'G'.
// prec -1 gives the shortest digits that read back as exactly `v`, and then
// 'g' uses the exponent form below 1e-4 and from 1e+06 on. NaN prints as
// "NaN", the infinities as "+Inf" and "-Inf", negative zero as "-0".
std::string FormatFloat(double v, char fmt, int prec);
void AppendFloat(double v, char fmt, int prec, std::string* out);

}  // namespace logstack::go
