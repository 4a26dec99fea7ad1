#pragma once

// Distributor: the push path in front of the store, as Loki's distributor
// is in front of its ingesters. It checks a decoded push on its own
// (push::ValidatePush: labels, the tenant's per-request limits), hands what
// passed to the Store as a checked batch, and answers in Loki's words: the
// store reports typed refusals (ingest::Refusal), push/errors.h words them.
//
// Which answer wins, when several things went wrong in one push:
//   1. 422 for a push without streams; 400 for a request that must be
//      refused whole (a label set that does not parse, ...): nothing reaches
//      the store.
//   2. 503 when the store's WAL failed, before or while the batch was written.
//   3. 429 when the tenant's ingestion rate refused the batch.
//   4. The request's own errors (entries too old, too long, ...), if any.
//   5. The last stream the store refused entries of (stream limit, window,
//      per-stream rate).
//   6. 204.
//
// Thread safety: Push may be called from any thread; the distributor holds
// no state of its own besides the two pointers.

#include <functional>
#include <string>

#include "common/clock.h"
#include "logstore/model/types.h"
#include "logstore/store/store.h"

namespace logstack::logstore {

// What a push gets back: 204 with no message, or Loki's status and message.
struct PushResult {
  int status = 204;
  std::string message;
};

class Distributor {
 public:
  // `clock` gives the time the request's timestamps are checked against
  // (too old, too new); pass the store's. REQUIRES: both outlive this.
  Distributor(Store* store, Clock* clock) : store_(store), clock_(clock) {}

  // Checks and stores a decoded push for `tenant`. `done` is called once,
  // possibly from another thread, after the accepted entries are durable
  // (or it is known they will not be). `req` is read, and its structured
  // metadata rewritten (see push::ValidatePush), only until Push returns,
  // so the caller may clear and reuse it, and the memory its views point
  // into, right after, while `done` is still to come.
  void Push(const std::string& tenant, PushRequest& req, std::function<void(PushResult)> done);
  // The same for a request the distributor may drop once Push returns.
  void Push(const std::string& tenant, PushRequestPtr req, std::function<void(PushResult)> done) {
    Push(tenant, *req, std::move(done));
  }

 private:
  Store* const store_;
  Clock* const clock_;
};

}  // namespace logstack::logstore
