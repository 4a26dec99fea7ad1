#pragma once

// Go's fmt and strconv formatting, as text/template and its functions print
// values: %v of each Value kind, strconv.FormatFloat, strconv.Quote, and
// fmt.Sprintf/Sprint/Sprintln with Go's verbs, flags and its in-band error
// texts ("%!d(string=abc)", "%!s(MISSING)", "%!(EXTRA int=1)").
//
// Thread safety: free functions; safe from any thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "logstore/template/value.h"

namespace logstack::logstore::tmpl {

// strconv.FormatFloat(f, fmt, prec, 64) for fmt 'e', 'E', 'f', 'g', 'G';
// prec -1 is the shortest representation that reads back exactly. %v prints
// a float64 as AppendGoFloat(f, 'g', -1): "150.60000000000002", "1e+06".
void AppendGoFloat(double f, char fmt, int prec, std::string* out);

// strconv.ParseUint / ParseInt with base 0 (0x, 0o, 0b and 0 prefixes,
// underscores between digits) and strconv.ParseFloat. Return false where Go
// returns an error.
bool GoParseUint(std::string_view s, uint64_t* out);
bool GoParseInt(std::string_view s, int64_t* out);
bool GoParseFloat(std::string_view s, double* out);

// strconv.Quote: a double-quoted Go string literal.
void AppendGoQuote(std::string_view s, std::string* out);

// fmt.Sprintf(format, args...). Returns false, with *out left partly
// written, when the output would grow past `max_size` bytes: a width or a
// precision larger than the room left is refused before any padding is
// built, so `%999999999d` costs nothing.
bool GoSprintf(std::string_view format, std::span<const Value> args, std::string* out,
               size_t max_size = SIZE_MAX);

// fmt.Sprint: operands printed with %v, a space between two operands when
// neither is a string.
void GoSprint(std::span<const Value> args, std::string* out);

// fmt.Sprintln: operands printed with %v, always space-separated, then "\n".
void GoSprintln(std::span<const Value> args, std::string* out);

}  // namespace logstack::logstore::tmpl
