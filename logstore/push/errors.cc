#include "logstore/push/errors.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "common/go/time.h"

namespace logstack::logstore::push {

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

int RefusalHttpStatus(const ingest::Refusal& refusal) {
  return DiscardReasonHttpStatus(refusal.reason);
}

std::string RefusalMessage(const ingest::Refusal& r, std::string_view tenant) {
  switch (r.reason) {
    case DiscardReason::kRateLimited:
      return IngestionRateLimitedMessage(tenant, r.limit_bytes, r.refused, r.line_bytes);
    case DiscardReason::kStreamLimit:
      return StreamLimitMessage(r.labels, tenant);
    case DiscardReason::kTooFarBehind:
      return IgnoredEntriesMessage(TooFarBehindMessage(r.ts, r.oldest_acceptable), tenant,
                                   r.refused, r.total, r.labels);
    case DiscardReason::kPerStreamRateLimit:
      return IgnoredEntriesMessage(
          PerStreamRateLimitedMessage(r.ts, static_cast<uint64_t>(r.limit_bytes), r.labels,
                                      r.entry_bytes),
          tenant, r.refused, r.total, r.labels);
    default:
      // Not a reason the store refuses with; named rather than dropped.
      return "entries refused: " + std::string(DiscardReasonName(r.reason));
  }
}

}  // namespace logstack::logstore::push
