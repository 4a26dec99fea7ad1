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

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "logstore/model/types.h"
#include "logstore/push/errors.h"

namespace logstack::logstore::push {

// A tenant's limits. The defaults are Loki's.
struct ValidationLimits {
  uint64_t max_line_size = 256 << 10;                // bytes; 0: no limit
  bool max_line_size_truncate = false;               // cut long lines instead of refusing them
  int max_label_names_per_series = 15;               // a label named service_name is not counted
  int max_label_name_length = 1024;                  // bytes
  int max_label_value_length = 2048;                 // bytes
  uint64_t max_structured_metadata_size = 64 << 10;  // name + value bytes of one entry; 0: none
  int max_structured_metadata_entries_count = 128;   // pairs of one entry; 0: no limit
  bool reject_old_samples = true;
  int64_t reject_old_samples_max_age_ns = 168 * 3600 * int64_t{1'000'000'000};
  int64_t creation_grace_period_ns = 10 * 60 * int64_t{1'000'000'000};
  bool allow_structured_metadata = true;
};

// The accepted entries of one stream.
struct ValidStream {
  Labels labels;                   // sorted by name, no empty values, at least one
  std::string labels_string;       // canonical text, e.g. {app="x", pod="y"}
  uint64_t hash = 0;               // FNV-1a of labels_string; equal hashes need not be equal labels
  std::vector<PushEntry> entries;  // accepted, in request order; views into the request
  // True iff every entry has an empty line and no structured metadata. See
  // "Empty lines" above.
  bool only_empty_entries = false;
};

// Entries (and their line + structured metadata bytes) not stored, by reason.
struct DiscardStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

struct ValidationResult {
  std::vector<ValidStream> streams;  // in order of first occurrence
  PushErrors errors;                 // per-stream and per-entry errors
  size_t accepted_entries = 0;
  uint64_t accepted_line_bytes = 0;      // lines of accepted entries
  uint64_t accepted_metadata_bytes = 0;  // name + value bytes of their metadata
  size_t truncated_lines = 0;            // with max_line_size_truncate
  std::array<DiscardStats, kNumDiscardReasons> discarded{};

  const DiscardStats& Discarded(DiscardReason reason) const {
    return discarded[static_cast<size_t>(reason)];
  }
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
