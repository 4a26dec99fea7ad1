#include "logstore/ingest/discard.h"

namespace logstack::logstore::ingest {

std::string_view DiscardReasonName(DiscardReason reason) {
  switch (reason) {
    case DiscardReason::kLineTooLong:
      return "line_too_long";
    case DiscardReason::kGreaterThanMaxSampleAge:
      return "greater_than_max_sample_age";
    case DiscardReason::kTooFarInFuture:
      return "too_far_in_future";
    case DiscardReason::kInvalidLabels:
      return "invalid_labels";
    case DiscardReason::kMissingLabels:
      return "missing_labels";
    case DiscardReason::kMaxLabelNamesPerSeries:
      return "max_label_names_per_series";
    case DiscardReason::kLabelNameTooLong:
      return "label_name_too_long";
    case DiscardReason::kLabelValueTooLong:
      return "label_value_too_long";
    case DiscardReason::kDuplicateLabelNames:
      return "duplicate_label_names";
    case DiscardReason::kStructuredMetadataTooLarge:
      return "structured_metadata_too_large";
    case DiscardReason::kStructuredMetadataTooMany:
      return "structured_metadata_too_many";
    case DiscardReason::kDisallowedStructuredMetadata:
      return "disallowed_structured_metadata";
    case DiscardReason::kTooFarBehind:
      return "too_far_behind";
    case DiscardReason::kPerStreamRateLimit:
      return "per_stream_rate_limit";
    case DiscardReason::kStreamLimit:
      return "stream_limit";
    case DiscardReason::kRateLimited:
      return "rate_limited";
  }
  return "unknown";
}

}  // namespace logstack::logstore::ingest
