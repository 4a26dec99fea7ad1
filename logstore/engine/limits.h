#pragma once

// The query limits (QueryLimits) as every route that runs LogQL applies
// them: Engine::Exec, and the routes that read entries through a pipeline
// outside it (detected_fields, tail). One set of checks and one set of
// error texts, so that a limit answers the same wherever it is hit:
//   - the time range: max_query_length;
//   - the entries asked for: max_entries;
//   - the line bytes read: max_bytes_read;
//   - the time spent: timeout (from the Clock, never the wall clock);
//   - the response: max_response_bytes.
// Errors are kInvalidArgument (HTTP 400), except the timeout,
// kDeadlineExceeded (504).
//
// Thread safety: the functions are pure; a ReadBudget belongs to one thread.

#include <cstddef>
#include <cstdint>

#include "common/clock.h"
#include "common/status.h"
#include "logstore/engine/query.h"

namespace logstack::logstore::engine {

// The time range [start, end] against max_query_length.
Status CheckQueryLength(int64_t start_ns, int64_t end_ns, const QueryLimits& limits);

// A log query's `limit` against max_entries.
Status CheckEntriesLimit(uint64_t limit, const QueryLimits& limits);

// The errors of the byte limit and of the timeout.
Status BytesReadError(uint64_t max_bytes_read);
Status TimeoutError();

// A response body of `bytes` against max_response_bytes.
Status CheckResponseSize(size_t bytes, const QueryLimits& limits);

// Counts the line bytes a route reads and stops it at max_bytes_read or at
// the timeout, which runs from construction.
class ReadBudget {
 public:
  // REQUIRES: `clock` outlives the budget.
  ReadBudget(const QueryLimits& limits, const Clock* clock);

  // Accounts for one entry's line. Returns OK, or the error of the first
  // limit passed (and that error again on every later call).
  Status Add(size_t line_bytes);

  uint64_t bytes() const { return bytes_; }
  uint64_t lines() const { return lines_; }

 private:
  const uint64_t max_bytes_;
  const Clock* const clock_;
  const int64_t deadline_ns_;  // 0 = none
  uint64_t bytes_ = 0;
  uint64_t lines_ = 0;
  Status err_;
};

}  // namespace logstack::logstore::engine
