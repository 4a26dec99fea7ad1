#include "logstore/distributor/distributor.h"

#include "logstore/push/errors.h"
#include "logstore/push/validation.h"

namespace logstack::logstore {

void Distributor::Push(const std::string& tenant, PushRequest& req,
                       std::function<void(PushResult)> done) {
  if (req.streams.empty()) {
    return done({422, "error at least one valid stream is required for ingestion"});
  }
  const ingest::ValidationLimits& limits = store_->options().LimitsFor(tenant).validation;
  auto validated = push::ValidatePush(req, limits, clock_->NowNanos(), tenant);
  if (!validated.ok()) return done({400, validated.status().message()});
  // The request's own errors are worded now: the request may be reused
  // before the store answers.
  PushResult checks;
  if (!validated->errors.empty()) {
    checks = {validated->errors.HttpStatus(), validated->errors.Message()};
  }
  store_->Push(tenant, *validated,
               [tenant, checks = std::move(checks), done = std::move(done)](ingest::Outcome o) {
                 if (!o.status.ok()) return done({503, o.status.message()});
                 const bool rate_limited =
                     o.refusal && o.refusal->reason == ingest::DiscardReason::kRateLimited;
                 if (o.refusal && (rate_limited || checks.status == 204)) {
                   return done({push::RefusalHttpStatus(*o.refusal),
                                push::RefusalMessage(*o.refusal, tenant)});
                 }
                 done(checks);
               });
}

}  // namespace logstack::logstore
