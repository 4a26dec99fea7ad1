#pragma once

// What the LogQL engine takes and gives back: query parameters, limits,
// statistics, and the four result types of Loki's API (streams, matrix,
// vector, scalar).
//
// Thread safety: plain values.

#include <cstdint>
#include <string>
#include <vector>

#include "logstore/model/iterator.h"
#include "logstore/model/types.h"

namespace logstack::logstore::engine {

struct QueryParams {
  std::string tenant = "fake";
  std::string query;
  // Range queries: [start, end] evaluated every `step` (metric queries), or
  // entries in [start, end) (log queries). Instant queries: start == end,
  // step 0.
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  int64_t step_ns = 0;
  int64_t interval_ns = 0;  // log queries: at most one entry per interval
  uint32_t limit = 100;     // log queries: maximum entries
  Direction direction = Direction::kBackward;
  bool instant = false;
};

struct QueryLimits {
  uint32_t max_entries = 5000;         // largest `limit` accepted
  uint32_t max_series = 500;           // series in a metric result (and in flight)
  int64_t max_query_length_ns = 0;     // 0 = unlimited; end - start
  int64_t timeout_ns = 0;              // 0 = unlimited
  uint64_t max_bytes_read = 0;         // 0 = unlimited; line bytes scanned
  uint64_t max_line_size = 256 << 10;  // longest line or label a template builds; 0 = 64 MiB
  uint64_t max_response_bytes = 0;     // 0 = unlimited; the JSON body a route answers
  int parallelism = 2;                 // worker tasks per query
};

struct QueryStats {
  uint64_t bytes_processed = 0;  // line bytes read from storage
  uint64_t lines_processed = 0;  // entries read from storage
  uint64_t streams = 0;          // streams selected
  uint64_t lines_returned = 0;
  double exec_seconds = 0;
};

struct StreamEntry {
  int64_t ts;
  std::string line;
};

struct StreamResult {
  Labels labels;
  std::vector<StreamEntry> entries;  // in the query's direction
};

struct Point {
  int64_t t_ns;
  double v;
};

struct SeriesResult {
  Labels labels;
  std::vector<Point> points;  // ascending time
};

struct QueryResult {
  enum class Type { kStreams, kMatrix, kVector, kScalar };
  Type type = Type::kStreams;
  std::vector<StreamResult> streams;  // kStreams
  std::vector<SeriesResult> series;   // kMatrix; kVector (one point each)
  Point scalar{0, 0};                 // kScalar
};

}  // namespace logstack::logstore::engine
