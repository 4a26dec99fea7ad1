#pragma once

// Go's fmt formatting, as text/template and its functions print values: %v
// of each Value kind (numbers and quoting through common/go/strconv.h), and
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
