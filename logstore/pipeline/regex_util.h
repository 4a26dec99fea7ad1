#pragma once

// Regular expressions as LogQL writes them (Go's regexp syntax), compiled
// with RE2, and the simplification Loki applies to line filter regexes.
//
// Thread safety: pure functions; a compiled RE2 is immutable and shareable.

#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack::logstore::pipeline {

// Compiles `pattern` unanchored. On error the message is Go's:
//   error parsing regexp: missing closing ): `(unclosed`
StatusOr<std::shared_ptr<const re2::RE2>> CompileGoRegex(std::string_view pattern);

// A regex that is equivalent to "contains any of these literals".
struct LiteralRegex {
  bool case_insensitive = false;
  bool match_all = false;             // e.g. "", ".*": every line matches
  std::vector<std::string> literals;  // at least one unless match_all
  // exact[i]: literal i was written alone (`lit`), not next to `.*`. Loki
  // compares such a literal with the whole value in label filters, and
  // checks containment for `lit.*` / `.*lit` / `.*lit.*` (even for labels).
  std::vector<bool> exact;
};

// Recognises the forms Loki turns into substring searches: `lit`,
// `(?i)lit`, `.*lit.*`, `a|b|c`, `(a|b)`, with escaped metacharacters
// (`\.`) in literals. Case-insensitive forms only with ASCII literals.
// Returns nullopt when the regex is anything else.
std::optional<LiteralRegex> SimplifyRegex(std::string_view pattern);

}  // namespace logstack::logstore::pipeline
