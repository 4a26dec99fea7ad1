#pragma once

// Why entries were not stored: Loki's discarded-samples reasons, shared by
// the checks of a request (push::ValidatePush), the store's own admission
// rules (limits.h) and the metrics that count both
// (logstore_discarded_samples_total and _bytes_total, label `reason`).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace logstack::logstore::ingest {

enum class DiscardReason : uint8_t {
  kLineTooLong,                   // line_too_long
  kGreaterThanMaxSampleAge,       // greater_than_max_sample_age
  kTooFarInFuture,                // too_far_in_future
  kInvalidLabels,                 // invalid_labels (the label text does not parse)
  kMissingLabels,                 // missing_labels
  kMaxLabelNamesPerSeries,        // max_label_names_per_series
  kLabelNameTooLong,              // label_name_too_long
  kLabelValueTooLong,             // label_value_too_long
  kDuplicateLabelNames,           // duplicate_label_names
  kStructuredMetadataTooLarge,    // structured_metadata_too_large
  kStructuredMetadataTooMany,     // structured_metadata_too_many
  kDisallowedStructuredMetadata,  // disallowed_structured_metadata
  kTooFarBehind,                  // too_far_behind (store: out of the order window)
  kPerStreamRateLimit,            // per_stream_rate_limit (store; HTTP 429)
  kStreamLimit,                   // stream_limit (store: max active streams; HTTP 429)
  kRateLimited,                   // rate_limited (store: tenant ingestion rate; HTTP 429)
};
inline constexpr size_t kNumDiscardReasons = 16;

// Loki's name of the reason, e.g. "line_too_long".
std::string_view DiscardReasonName(DiscardReason reason);

// Entries (and their line + structured metadata bytes) not stored.
struct DiscardStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

}  // namespace logstack::logstore::ingest
