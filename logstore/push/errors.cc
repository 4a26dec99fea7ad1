#include "logstore/push/errors.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "common/go/time.h"

namespace logstack::logstore::push {

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

int DiscardReasonHttpStatus(DiscardReason reason) {
  switch (reason) {
    case DiscardReason::kPerStreamRateLimit:
    case DiscardReason::kStreamLimit:
    case DiscardReason::kRateLimited:
      return 429;
    default:
      return 400;
  }
}

void PushErrors::Add(DiscardReason reason, std::string message) {
  total_++;
  by_reason_[static_cast<size_t>(reason)]++;
  auto it = index_.find(message);
  if (it != index_.end()) {
    groups_[it->second].count++;
    return;
  }
  if (groups_.size() >= kMaxGroups) {
    overflow_++;
    return;
  }
  groups_.push_back(Group{std::move(message), 1});
  index_.emplace(groups_.back().message, groups_.size() - 1);
}

void PushErrors::Merge(const PushErrors& other) {
  for (const Group& g : other.groups_) {
    auto it = index_.find(g.message);
    if (it != index_.end()) {
      groups_[it->second].count += g.count;
    } else if (groups_.size() >= kMaxGroups) {
      overflow_ += g.count;
    } else {
      groups_.push_back(g);
      index_.emplace(groups_.back().message, groups_.size() - 1);
    }
  }
  overflow_ += other.overflow_;
  total_ += other.total_;
  for (size_t i = 0; i < kNumDiscardReasons; i++) by_reason_[i] += other.by_reason_[i];
}

int PushErrors::HttpStatus() const {
  if (total_ == 0) return 204;
  for (size_t i = 0; i < kNumDiscardReasons; i++) {
    if (by_reason_[i] > 0 && DiscardReasonHttpStatus(static_cast<DiscardReason>(i)) == 429) {
      return 429;
    }
  }
  return 400;
}

std::string PushErrors::Message() const {
  if (total_ == 0) return "";
  if (groups_.size() == 1 && groups_[0].count == 1 && overflow_ == 0) return groups_[0].message;
  std::string out;
  for (const Group& g : groups_) {
    if (!out.empty()) out += "; ";
    out += std::to_string(g.count);
    out += " errors like: ";
    out += g.message;
  }
  if (overflow_ > 0) {
    if (!out.empty()) out += "; ";
    out += "and " + std::to_string(overflow_) + " more errors";
  }
  return out;
}

Status PushErrors::ToStatus() const {
  if (total_ == 0) return Status::Ok();
  if (HttpStatus() == 429) return ResourceExhausted(Message());
  return InvalidArgument(Message());
}

namespace {

// Sizes as Loki prints them (go-humanize style units): "64KB", "50KB", "3MB".
std::string FormatKB(double bytes) {
  char buf[32];
  double kb = bytes / 1024.0;
  if (kb >= 1024) {
    std::snprintf(buf, sizeof buf, "%.0fMB", kb / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0fKB", kb);
  }
  return buf;
}

}  // namespace

std::string IngestionRateLimitedMessage(std::string_view tenant, double limit_bytes_per_sec,
                                        size_t entries, uint64_t bytes) {
  char msg[512];
  std::snprintf(msg, sizeof msg,
                "Ingestion rate limit exceeded for user %.*s (limit: %.0f bytes/sec) while "
                "attempting to ingest '%zu' lines totaling '%" PRIu64
                "' bytes, reduce log volume or contact your Loki administrator to see if the "
                "limit can be increased",
                static_cast<int>(std::min<size_t>(tenant.size(), 256)), tenant.data(),
                limit_bytes_per_sec, entries, bytes);
  return msg;
}

std::string StreamLimitMessage(std::string_view labels, std::string_view tenant) {
  std::string m = "Maximum active stream limit exceeded when trying to create stream ";
  m += labels;
  m += ", reduce the number of active streams (reduce labels or reduce label values), or "
       "contact your Loki administrator to see if the limit can be increased, user: '";
  m += tenant;
  m += "'";
  return m;
}

std::string TooFarBehindMessage(int64_t ts, int64_t oldest_acceptable) {
  return "entry with timestamp " + go::FormatTime(ts) +
         " ignored, reason: 'entry too far behind, entry timestamp is: " + go::FormatRfc3339(ts) +
         ", oldest acceptable timestamp is: " + go::FormatRfc3339(oldest_acceptable) + "'";
}

std::string PerStreamRateLimitedMessage(int64_t ts, uint64_t limit_bytes_per_sec,
                                        std::string_view labels, double entry_bytes) {
  std::string m = "entry with timestamp " + go::FormatTime(ts) +
                  " ignored, reason: 'Per stream rate limit exceeded (limit: " +
                  FormatKB(static_cast<double>(limit_bytes_per_sec)) +
                  "/sec) while attempting to ingest for stream '";
  m += labels;
  m += "' totaling " + FormatKB(entry_bytes) +
       ", consider splitting a stream via additional labels or contact your Loki administrator "
       "to see if the limit can be increased'";
  return m;
}

std::string IgnoredEntriesMessage(std::string_view first, std::string_view tenant, size_t ignored,
                                  size_t total, std::string_view labels) {
  std::string m(first);
  m += ",\nuser '";
  m += tenant;
  m += "', total ignored: " + std::to_string(ignored) + " out of " + std::to_string(total) +
       " for stream: ";
  m += labels;
  return m;
}

}  // namespace logstack::logstore::push
