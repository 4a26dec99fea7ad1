#pragma once

// Decoding a JSON push body, Loki's /loki/api/v1/push format:
//
//   {"streams": [{"stream": {"app": "x"},
//                 "values": [["<unix ns>", "<line>"],
//                            ["<unix ns>", "<line>", {"trace_id": "abc"}]]}]}
//
// The rules follow Loki's observable behaviour:
//   - An empty (or all-whitespace) body is the error "EOF".
//   - The top level must be an object (or null: no streams); anything else is
//     "readObjectStart: expect { or n, but found ...". "streams" is matched
//     without regard to case, like Loki's decoder; other keys are skipped.
//   - "streams" missing, null or [] gives a request without streams (the
//     caller answers 422); a stream that is null is skipped.
//   - "stream" is an object of string values; a repeated key keeps its last
//     value. "values" is an array of arrays.
//   - In a value, element 0 is the timestamp: a string of digits (an optional
//     leading '-'), Unix nanoseconds; a number, "1.5" or "abc" is an error.
//     Element 1 is the line, a string; a value with only a timestamp has an
//     empty line. Element 2 is the structured metadata, an object of strings
//     (null: none). Further elements are ignored, whatever they are.
//   - Anything but whitespace after the top-level value is an error.
// Errors are kInvalidArgument; their text says what was wrong and where, in
// the style of Loki's decoder ("loghttp.PushRequest.Streams: ..., error found
// in #N byte of ...|context|...").
//
// Speed: the parser is written by hand and does not build a document. Strings
// are views into PushRequest::body; a string with escapes is unescaped in
// place in the body (never longer than its escaped form), so no string is
// allocated.
//
// Thread safety: a free function; safe from any thread.

#include <string>

#include "common/status.h"
#include "logstore/model/types.h"

namespace logstack::logstore::push {

// Decodes body, which becomes the request's body.
StatusOr<PushRequestPtr> DecodeJsonPush(std::string body);

}  // namespace logstack::logstore::push
