#include "logstore/engine/limits.h"

#include <string>

#include "common/units.h"

namespace logstack::logstore::engine {

Status CheckQueryLength(int64_t start_ns, int64_t end_ns, const QueryLimits& limits) {
  if (limits.max_query_length_ns > 0 && end_ns - start_ns > limits.max_query_length_ns) {
    return InvalidArgument("the query time range exceeds the limit (query length: " +
                           FormatDuration(end_ns - start_ns) +
                           ", limit: " + FormatDuration(limits.max_query_length_ns) + ")");
  }
  return Status::Ok();
}

Status CheckEntriesLimit(uint64_t limit, const QueryLimits& limits) {
  if (limit > limits.max_entries) {
    return InvalidArgument("max entries limit per query exceeded, limit > max_entries_limit (" +
                           std::to_string(limit) + " > " + std::to_string(limits.max_entries) +
                           ")");
  }
  return Status::Ok();
}

Status BytesReadError(uint64_t max_bytes_read) {
  return InvalidArgument(
      "the query would read too many bytes (limit: " + std::to_string(max_bytes_read) +
      " bytes); narrow the selector, the time range or add filters");
}

Status TimeoutError() { return DeadlineExceeded("query timed out"); }

Status CheckResponseSize(size_t bytes, const QueryLimits& limits) {
  if (limits.max_response_bytes > 0 && bytes > limits.max_response_bytes) {
    return InvalidArgument("the query response would be larger than the limit (" +
                           std::to_string(limits.max_response_bytes) +
                           " bytes); narrow the time range, lower the limit or add filters");
  }
  return Status::Ok();
}

ReadBudget::ReadBudget(const QueryLimits& limits, const Clock* clock)
    : max_bytes_(limits.max_bytes_read),
      clock_(clock),
      deadline_ns_(limits.timeout_ns > 0 ? clock->NowNanos() + limits.timeout_ns : 0) {}

Status ReadBudget::Add(size_t line_bytes) {
  if (!err_.ok()) return err_;
  bytes_ += line_bytes;
  ++lines_;
  if (max_bytes_ > 0 && bytes_ > max_bytes_) {
    err_ = BytesReadError(max_bytes_);
  } else if (deadline_ns_ > 0 && clock_->NowNanos() > deadline_ns_) {
    err_ = TimeoutError();
  }
  return err_;
}

}  // namespace logstack::logstore::engine
