#pragma once

// Go's regexp error wording for RE2 compile errors. Loki compiles regular
// expressions with Go's regexp package and returns its message verbatim
// ("error parsing regexp: missing closing ): `(`"); RE2 reports the same
// conditions with other words, so they are mapped here.
//
// Thread safety: pure functions.

#include <optional>
#include <string>
#include <string_view>

namespace logstack::logstore::logql {

// Returns nullopt when `pattern` compiles (as RE2, unanchored), else Go's
// message: "error parsing regexp: <what>: `<fragment>`".
std::optional<std::string> GoRegexpError(std::string_view pattern);

// The number of named capture groups of a pattern that compiles.
int NamedCaptureCount(std::string_view pattern);

}  // namespace logstack::logstore::logql
