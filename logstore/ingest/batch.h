#pragma once

// What the store takes and what it gives back. A Batch is a push that has
// passed the checks of one request (push::ValidatePush: labels parsed,
// entries within the tenant's limits), grouped by stream. The store applies
// only the rules that need its state (limits.h) and answers with an Outcome:
// whether the batch is durable and, typed, what it refused. The store words
// nothing; the caller turns a Refusal into Loki's text (push/errors.h).
//
// Lifetime: a Batch views the decoded request (model/types.h) its entries
// and structured metadata point into; the request must outlive it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "logstore/ingest/discard.h"
#include "logstore/model/types.h"

namespace logstack::logstore::ingest {

// The accepted entries of one stream.
struct ValidStream {
  Labels labels;                   // sorted by name, no empty values, at least one
  std::string labels_string;       // canonical text, e.g. {app="x", pod="y"}
  uint64_t hash = 0;               // FNV-1a of labels_string; equal hashes need not be equal labels
  std::vector<PushEntry> entries;  // accepted, in request order; views into the request
  // True iff every entry has an empty line and no structured metadata: a
  // stream Loki shows nothing for, which the store therefore does not
  // create (see push/validation.h, "Empty lines").
  bool only_empty_entries = false;
};

struct Batch {
  std::vector<ValidStream> streams;  // in order of first occurrence, labels distinct
  // The request's structured metadata, which entries index
  // (PushEntry::metadata_begin, metadata_count).
  std::span<const LabelRef> metadata;
  size_t accepted_entries = 0;
  uint64_t accepted_line_bytes = 0;      // lines of accepted entries
  uint64_t accepted_metadata_bytes = 0;  // name + value bytes of their metadata
  // What the request's checks refused, by reason; the store counts these in
  // its metrics together with what it refuses itself.
  std::array<DiscardStats, kNumDiscardReasons> discarded{};

  const DiscardStats& Discarded(DiscardReason reason) const {
    return discarded[static_cast<size_t>(reason)];
  }
};

// Something the store refused of a batch, with what Loki's message about it
// says. The fields a reason does not use are left as they are.
struct Refusal {
  // kRateLimited: the tenant's ingestion rate refused the whole batch.
  // kStreamLimit: a stream with nothing in memory would pass the tenant's
  //   active-stream limit; none of its entries were stored.
  // kTooFarBehind, kPerStreamRateLimit: some of a stream's entries were
  //   refused; the reason, `ts` and `entry_bytes` are the first one's.
  DiscardReason reason = DiscardReason::kRateLimited;
  std::string labels;             // the stream's canonical labels; empty for kRateLimited
  double limit_bytes = 0;         // per second: the tenant's rate (kRateLimited), the
                                  // stream's (kPerStreamRateLimit)
  int64_t ts = 0;                 // the first refused entry's timestamp
  int64_t oldest_acceptable = 0;  // kTooFarBehind: the window's lower bound
  double entry_bytes = 0;         // kPerStreamRateLimit: that entry's line + metadata bytes
  size_t refused = 0;             // entries refused: of the stream, or of the batch
  size_t total = 0;               // entries of the stream, or of the batch
  uint64_t line_bytes = 0;        // kRateLimited: the batch's line bytes
};

// What Store::Push did with a batch.
struct Outcome {
  // OK once every entry the store kept is durable. Unavailable when the WAL
  // failed, before or while the batch was written: nothing is acknowledged
  // (entries may still have been kept; a re-send is dropped as a duplicate).
  Status status;
  // Loki answers a push with one message, so the store reports one thing
  // it refused: kRateLimited if the tenant's rate refused the batch, else
  // the last stream it refused entries of; none when it stored all.
  std::optional<Refusal> refusal;
};

}  // namespace logstack::logstore::ingest
