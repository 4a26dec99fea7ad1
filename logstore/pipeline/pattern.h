#pragma once

// Loki's pattern expressions, shared by the `pattern` parser and the `|>` /
// `!>` line filters: literal text and captures, `<name>` (an identifier) or
// `<_>` (unnamed). Anything else, `<` included, is literal text.
//
//   "<ip> - <user> [<_>] \"<method> <path> <_>\""
//
// Thread safety: immutable after Parse(); share freely.

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack::logstore::pipeline {

class Pattern {
 public:
  // Errors: consecutive captures ("<a><b>"), a capture name used twice, an
  // empty pattern. With `require_named_capture`, also a pattern without a
  // named capture ("at least one capture is required").
  static StatusOr<Pattern> Parse(std::string_view text, bool require_named_capture);

  // The parser's matching (Loki's): the leading literal must start the line;
  // then each capture runs to the next occurrence of the following literal.
  // When a literal is not found, the current capture takes the rest of the
  // line and matching stops. Appends the named captures, in order, to *out
  // (cleared first) and returns how many there are; names()[i] names
  // (*out)[i].
  size_t Match(std::string_view line, std::vector<std::string_view>* out) const;

  // The line filter's test: true iff the whole line matches, every capture
  // non-empty.
  bool Test(std::string_view line) const;

  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Node {
    bool capture;
    bool named;
    std::string text;  // the literal, or the capture name
  };
  std::vector<Node> nodes_;
  std::vector<std::string> names_;
};

}  // namespace logstack::logstore::pipeline
