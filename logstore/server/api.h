#pragma once

// The log store's HTTP API: Loki's routes, request parsing and JSON answers,
// on top of a Store. Queries run on their own thread pool so that a slow query
// never holds up pushes.
//
// Until SetStore() is called (WAL replay runs meanwhile), /ready answers 503
// and every data route 503 too.
//
// Thread safety: all methods may be called from any thread.

#include <atomic>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/http_server.h"
#include "common/metrics.h"
#include "logstore/store/store.h"

namespace logstack::logstore {

class Api {
 public:
  // query_threads serve requests; query_parallelism workers split each
  // query's streams.
  Api(Clock* clock, metrics::Registry* registry, bool auth_enabled, int query_threads,
      int query_parallelism = 2);
  ~Api();

  // Adds every route to the server.
  void Register(http::Server* server);
  // Makes the API ready. The store must outlive the Api or be cleared first.
  // SetStore(nullptr) makes it unready again.
  void SetStore(Store* store);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<Store*> store_{nullptr};
};

// Parses a Loki API time: RFC3339(Nano), Unix seconds (with a fraction, or up
// to 10 digits) or Unix nanoseconds.
StatusOr<int64_t> ParseApiTime(std::string_view text);

}  // namespace logstack::logstore
