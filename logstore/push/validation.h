#pragma once

// The per-request validation of a decoded push, as Loki's distributor does
// it: label sets parsed and checked, entries checked against the tenant's
// limits, what passes grouped by stream, what fails described in Loki's
// words. It is pure: no stream state, no clock (`now_ns` is given), so the
// same request and time always give the same result. What depends on stored
// state (the order window, rate limits, the stream limit) is the store's.
//
// Whole request or part of it:
//   - These reject the whole request (ValidatePush returns an error, HTTP
//     400, nothing is stored):
//       a label set that does not parse, in any stream, with or without
//         entries: "couldn't parse labels: 1:5: parse error: ..."
//       a stream with entries and no labels (after empty values are dropped):
//         "error at least one label pair is required per stream"
//       a stream with entries whose labels repeat a name:
//         "stream '{a="1", a="2"}' has duplicate label name: 'a'"
//     Parse errors are looked for in every stream before the other two.
//   - Everything else rejects only a stream (too many label names, a name or
//     value too long) or an entry (too old, too new, line too long, structured
//     metadata too large, too many or not allowed). Those errors are collected
//     in ValidationResult::errors, and the other streams and entries are kept.
//
// Labels: empty values are dropped (every label of a name that has an empty
// value, as Loki's label builder does), the rest sorted by name. A JSON
// stream's labels are first written out as Loki does (sorted by name, values
// quoted: `{a="1", b=""}`) and that text is parsed, so an invalid name gives
// the same parse error, at the same column, as in Loki. Messages about a
// stream's labels show its label text as received (that JSON text, or the
// protobuf labels string as sent); messages about entries show the canonical
// text of the stream's labels.
//
// Streams with the same labels (in whatever order they were written) are
// merged into one ValidStream, entries in request order. Streams without
// entries, and streams whose every entry was refused, give no ValidStream.
//
// Structured metadata of kept entries is rewritten in place in the request:
// names as SanitizeMetadataName does, values with invalid UTF-8 (or U+FFFD)
// lose those characters, as Loki does. Replacements live in req.Keep().
// With max_line_size_truncate, lines over max_line_size are cut to that many
// bytes (before any other check) instead of being refused.
//
// Empty lines: kept, like any entry. Loki answers 204 for them, but a stream
// whose only stored entries are empty lines without structured metadata
// returns nothing to queries (its head block holds 0 bytes and reads as
// empty); an empty line next to other lines of the stream, or one carrying
// metadata, is returned. Validation cannot see stored state, so it only
// marks such streams: ValidStream::only_empty_entries. A store that wants
// Loki's answers treats entries of zero size as invisible while all of the
// stream's (head) entries have zero size, e.g. by not creating a new stream
// for a ValidStream with only_empty_entries.
//
// Thread safety: ValidatePush mutates only `req`; distinct requests can be
// validated concurrently.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/ingest/batch.h"
#include "logstore/ingest/limits.h"
#include "logstore/model/types.h"
#include "logstore/push/errors.h"

namespace logstack::logstore::push {

using ingest::DiscardStats;
using ingest::ValidationLimits;  // ingest/limits.h
using ingest::ValidStream;       // ingest/batch.h

// The checked batch the store takes, and Loki's texts for what the checks
// refused.
struct ValidationResult : ingest::Batch {
  PushErrors errors;           // per-stream and per-entry errors
  size_t truncated_lines = 0;  // with max_line_size_truncate
};

// Validates req at time now_ns (Unix nanoseconds). Returns an error
// (kInvalidArgument, HTTP 400) when the whole request must be refused, as
// listed above; otherwise the result, whose streams may be empty and whose
// errors may be non-empty (partial acceptance). Entries in the result point
// into req, which must outlive it. `tenant` is the tenant the request is for
// (no validation message names it today).
StatusOr<ValidationResult> ValidatePush(PushRequest& req, const ValidationLimits& limits,
                                        int64_t now_ns, std::string_view tenant);

}  // namespace logstack::logstore::push
