#pragma once

// Engine: evaluates LogQL queries over a Store.
//
// A log query selects streams through the label index, runs each stream's
// entries through the compiled pipeline and keeps the `limit` entries that
// come first in the query's direction; it never holds more than that per
// worker. A metric query turns entries into samples and folds each sample
// into the steps whose window (t - range, t] contains it, so its memory is
// bounded by series x steps, not by the data. Vector aggregations, binary
// operations and functions then work on those step series (matrix.h).
//
// Workers (`QueryLimits::parallelism`) share out (time slice, stream) pairs;
// literal line filters let the store skip chunks and blocks (chunk::BlockFilter).
//
// Thread safety: Exec may be called from many threads at once.

#include <memory>

#include "common/clock.h"
#include "common/status.h"
#include "logstore/engine/query.h"
#include "logstore/store/store.h"

namespace logstack::logstore::engine {

class Engine {
 public:
  // `store` and `clock` outlive the engine; `parallelism` worker threads.
  Engine(Store* store, Clock* clock, int parallelism);
  ~Engine();

  // Parses and runs a query. Errors carry Loki's messages; kInvalidArgument
  // and kResourceExhausted are the client's fault (HTTP 400),
  // kDeadlineExceeded a timeout, anything else a server error.
  StatusOr<QueryResult> Exec(const QueryParams& params, const QueryLimits& limits,
                             QueryStats* stats);

  struct Impl;  // internal: the worker pool and the store

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace logstack::logstore::engine
