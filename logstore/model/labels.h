#pragma once

// Label sets as text: parsing the form clients send in protobuf pushes, the
// canonical form Loki prints in its messages, and the rewriting Loki applies
// to structured metadata names. Values are quoted as Go's strconv.Quote does
// (go::Quote with Printable::kSpacesAndFormatChars, common/go/strconv.h).
//
// Thread safety: free functions on values; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/model/types.h"

namespace logstack::logstore {

// Parses a label set in the Prometheus text form Loki accepts for a stream:
// `{a="b", c="d"}`. Spaces (and newlines) between tokens are optional, values
// may be double-quoted or single-quoted with Go escapes (\n, \t, \", \\, \xHH,
// \NNN octal, \uHHHH, \UHHHHHHHH) or backquoted (raw, no escapes), a trailing
// comma is allowed, and a metric name before the braces (`up{a="b"}` or just
// `up`) becomes the label __name__. The labels are returned in the order
// written, duplicates and empty values included; the caller sorts, drops empty
// values and checks duplicates.
//
// "" and "{}" give an empty set; the caller reports that a stream needs labels.
//
// On error the message is Prometheus' parser text without any prefix, e.g.
//   1:47: parse error: unexpected end of input inside braces
//   1:49: parse error: unexpected <op:=~> in label set, expected "="
//   1:2: parse error: unexpected character inside braces: '1'
// where the position is line:column, both 1-based, the column counted in
// bytes. The Status code is kInvalidArgument.
StatusOr<std::vector<Label>> ParseLabelSet(std::string_view text);

// Returns true iff name matches [a-zA-Z_][a-zA-Z0-9_]*.
bool IsValidLabelName(std::string_view name);

// The canonical text of a label set, `{a="1", b="2"}`: pairs in the given
// order (callers pass sorted labels), ", " between them, values quoted like
// Go's strconv.Quote (see above). An empty set is "{}".
std::string LabelsString(const Labels& labels);
std::string LabelsString(const LabelRef* labels, size_t n);

// How Loki rewrites a structured metadata name into a valid label name: every
// character that is not a letter or a digit becomes '_', a name starting with
// a digit gets the prefix "key_", and one starting with a single '_' the
// prefix "key" ("trace-id" -> "trace_id", "1st" -> "key_1st", "_x" -> "key_x",
// "__x" stays). "" stays "". Letters and digits outside ASCII are recognised
// by a compact approximation of Unicode's categories.
std::string SanitizeMetadataName(std::string_view name);

// Returns true iff SanitizeMetadataName(name) == name, without allocating in
// the common (ASCII) case.
bool IsSanitizedMetadataName(std::string_view name);

// Decodes one UTF-8 sequence from the front of s (REQUIRES: !s.empty()) like
// Go's utf8.DecodeRuneInString: returns its width and stores the code point;
// invalid or truncated input gives U+FFFD with width 1.
size_t DecodeUtf8(std::string_view s, char32_t* r);

// Appends the UTF-8 encoding of r (REQUIRES: a valid code point).
void AppendUtf8(std::string* dst, char32_t r);

// Returns true iff s is valid UTF-8 and holds no U+FFFD, i.e. Go's
// strings.ContainsRune(s, utf8.RuneError) is false.
bool IsCleanUtf8(std::string_view s);

}  // namespace logstack::logstore
