#include "collector/ship/sender.h"

#include <algorithm>
#include <limits>
#include <random>

#include "collector/ship/retry_after.h"
#include "common/logging.h"

namespace logstack::collector {

namespace {

constexpr std::string_view kProtoContentType = "application/x-protobuf";

bool CanBeHeaderValue(std::string_view v) {
  return v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

int64_t SaturatingAdd(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b) {
    return std::numeric_limits<int64_t>::max();
  }
  return a + b;
}

std::string Shorten(std::string_view s, size_t max = 300) {
  std::string out(s.substr(0, max));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace

struct Sender::Metrics {
  explicit Metrics(metrics::Registry* r)
      : sent_batches(r->GetCounter("logstack_collector_sent_batches_total",
                                   "Batches the store accepted (2xx).")),
        sent_entries(r->GetCounter("logstack_collector_sent_entries_total",
                                   "Entries in batches the store accepted.")),
        sent_bytes(r->GetCounter("logstack_collector_sent_bytes_total",
                                 "Line bytes in batches the store accepted.")),
        sent_compressed_bytes(r->GetCounter(
            "logstack_collector_sent_compressed_bytes_total",
            "Push bodies (protobuf, snappy-compressed) the store accepted, in bytes.")),
        request_duration(r->GetHistogram("logstack_collector_request_duration_seconds",
                                         "Time of one push request, from sending to the answer.",
                                         metrics::ExponentialBuckets(0.005, 2, 12))),
        batch_latency(r->GetHistogram(
            "logstack_collector_batch_latency_seconds",
            "Time from a batch's first entry to its acknowledgement, retries included.",
            metrics::ExponentialBuckets(0.01, 2, 16))),
        queue_bytes(r->GetGauge("logstack_collector_queue_bytes",
                                "Bytes of batches waiting to be sent or being sent.")),
        queue_batches(r->GetGauge("logstack_collector_queue_batches",
                                  "Batches waiting to be sent or being sent.")) {}

  metrics::Counter& sent_batches;
  metrics::Counter& sent_entries;
  metrics::Counter& sent_bytes;
  metrics::Counter& sent_compressed_bytes;
  metrics::Histogram& request_duration;
  metrics::Histogram& batch_latency;
  metrics::Gauge& queue_bytes;
  metrics::Gauge& queue_batches;
};

StatusOr<std::unique_ptr<Sender>> Sender::Create(SenderOptions opts, const Clock* clock,
                                                 metrics::Registry* registry, AckFn on_ack) {
  if (opts.backoff.min.count() <= 0 || opts.backoff.min > opts.backoff.max) {
    return InvalidArgument("backoff: min must be positive and not above max");
  }
  if (!on_ack) return InvalidArgument("the sender needs an on_ack callback");
  if (opts.max_queue_batches == 0 || opts.max_queue_bytes == 0) {
    return InvalidArgument("the send queue needs room for at least one batch");
  }
  if (opts.clock_poll_interval.count() <= 0)
    opts.clock_poll_interval = std::chrono::milliseconds(1);
  if (opts.jitter_seed == 0)
    opts.jitter_seed = (uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  LOGSTACK_ASSIGN_OR_RETURN(auto client, HttpClient::Create(opts.http));
  std::unique_ptr<Sender> sender(
      new Sender(std::move(opts), clock, registry, std::move(on_ack), std::move(client)));
  sender->thread_ = std::thread([s = sender.get()] { s->Run(); });
  return sender;
}

Sender::Sender(SenderOptions opts, const Clock* clock, metrics::Registry* registry, AckFn on_ack,
               std::unique_ptr<HttpClient> client)
    : opts_(std::move(opts)),
      clock_(clock),
      on_ack_(std::move(on_ack)),
      client_(std::move(client)),
      own_registry_(registry == nullptr ? std::make_unique<metrics::Registry>() : nullptr),
      registry_(registry != nullptr ? registry : own_registry_.get()),
      metrics_(std::make_unique<Metrics>(registry_)),
      backoff_(opts_.backoff, opts_.jitter_seed) {}

Sender::~Sender() { Stop(std::chrono::nanoseconds(0)); }

size_t Sender::BatchBytes(const Batch& batch) {
  size_t bytes = sizeof(Batch) + batch.body.size() + batch.tenant.size() +
                 batch.positions.size() * sizeof(SourcePosition);
  for (const SourcePosition& p : batch.positions) bytes += p.cursor.size();
  return bytes;
}

bool Sender::RoomFor(size_t bytes) const {
  if (queue_.empty()) return true;
  return queue_.size() < opts_.max_queue_batches && queued_bytes_ + bytes <= opts_.max_queue_bytes;
}

bool Sender::HasRoom(size_t bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  return !stopping_ && RoomFor(bytes);
}

bool Sender::TryEnqueue(BatchPtr& batch) { return Enqueue(batch, std::chrono::milliseconds(0)); }

bool Sender::Enqueue(BatchPtr& batch) { return Enqueue(batch, std::chrono::milliseconds::max()); }

bool Sender::Enqueue(BatchPtr& batch, std::chrono::milliseconds max_wait) {
  if (batch == nullptr) return true;
  const size_t bytes = BatchBytes(*batch);
  std::unique_lock<std::mutex> lock(mu_);
  auto ready = [&] { return stopping_ || RoomFor(bytes); };
  if (max_wait == std::chrono::milliseconds::max()) {
    room_cv_.wait(lock, ready);
  } else if (max_wait.count() > 0) {
    room_cv_.wait_for(lock, max_wait, ready);
  }
  if (stopping_ || !RoomFor(bytes)) return false;
  queue_.push_back(std::move(batch));
  queued_bytes_ += bytes;
  metrics_->queue_bytes.Set(static_cast<double>(queued_bytes_));
  metrics_->queue_batches.Set(static_cast<double>(queue_.size()));
  work_cv_.notify_one();
  return true;
}

void Sender::Run() {
  for (;;) {
    Batch* batch = nullptr;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return abort_ || stopping_ || !queue_.empty(); });
      if (abort_ || queue_.empty()) return;  // given up, or stopping with nothing left
      // Enqueue() only appends: the front element stays where it is.
      batch = queue_.front().get();
    }
    AckInfo info;
    if (Deliver(*batch, &info) == Outcome::kAborted) return;

    BatchPtr done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done = std::move(queue_.front());  // the slot stays (and counts) until acknowledged
    }
    const size_t bytes = BatchBytes(*done);
    if (done->created_mono_ns != 0) {
      metrics_->batch_latency.Observe(
          static_cast<double>(clock_->MonotonicNanos() - done->created_mono_ns) / 1e9);
    }
    on_ack_(std::move(done), info);
    std::lock_guard<std::mutex> lock(mu_);
    queue_.pop_front();
    queued_bytes_ -= bytes;
    ++stats_.acked_batches;
    metrics_->queue_bytes.Set(static_cast<double>(queued_bytes_));
    metrics_->queue_batches.Set(static_cast<double>(queue_.size()));
    room_cv_.notify_all();
  }
}

bool Sender::IsRetryable(int status) const {
  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) return true;
  return std::find(opts_.retry_statuses.begin(), opts_.retry_statuses.end(), status) !=
         opts_.retry_statuses.end();
}

Sender::Outcome Sender::Deliver(const Batch& batch, AckInfo* info) {
  if (batch.lines == 0) return Outcome::kDone;
  if (!CanBeHeaderValue(batch.tenant)) {
    CountRefusal(batch, "invalid_tenant",
                 "the tenant " + Quote(batch.tenant) + " cannot be sent as X-Scope-OrgID");
    return Outcome::kDone;
  }
  HttpHeaders headers;
  if (!batch.tenant.empty()) headers.emplace_back("X-Scope-OrgID", batch.tenant);
  backoff_.Reset();
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (abort_) return Outcome::kAborted;
    }
    ++info->attempts;
    const int64_t start = clock_->MonotonicNanos();
    auto res = client_->Post(kProtoContentType, batch.body, headers,
                             std::chrono::steady_clock::now() + opts_.request_timeout);
    metrics_->request_duration.Observe(static_cast<double>(clock_->MonotonicNanos() - start) / 1e9);
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.requests;
      stats_.last_status = res.ok() ? res->status : 0;
    }
    std::chrono::nanoseconds wait;
    if (!res.ok()) {
      if (res.status().code() == StatusCode::kCancelled) return Outcome::kAborted;
      if (res.status().code() == StatusCode::kInvalidArgument) {
        // Nothing was sent and nothing will change on a retry.
        CountRefusal(batch, "invalid_request", res.status().message());
        return Outcome::kDone;
      }
      wait = backoff_.Next();
      CountRetry("network", res.status().message());
    } else if (res->status >= 200 && res->status < 300) {
      info->status = res->status;
      metrics_->sent_batches.Inc();
      metrics_->sent_entries.Inc(static_cast<double>(batch.lines));
      metrics_->sent_bytes.Inc(static_cast<double>(batch.line_bytes));
      metrics_->sent_compressed_bytes.Inc(static_cast<double>(batch.body.size()));
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.sent_batches;
      stats_.sent_lines += batch.lines;
      stats_.sent_line_bytes += batch.line_bytes;
      return Outcome::kDone;
    } else if (IsRetryable(res->status)) {
      std::optional<int64_t> after;
      if (!res->retry_after.empty()) after = ParseRetryAfter(res->retry_after, clock_->NowNanos());
      if (after) {
        wait = std::clamp(std::chrono::nanoseconds(*after), opts_.backoff.min, opts_.backoff.max);
      } else {
        wait = backoff_.Next();
      }
      CountRetry(std::to_string(res->status),
                 "HTTP " + std::to_string(res->status) + ": " + Shorten(res->body));
    } else {
      info->status = res->status;
      info->message = res->body;
      CountRefusal(batch, std::to_string(res->status), Shorten(res->body));
      return Outcome::kDone;
    }
    if (!WaitForRetry(wait)) return Outcome::kAborted;
  }
}

void Sender::CountRetry(const std::string& reason, const std::string& detail) {
  registry_
      ->GetCounter("logstack_collector_retries_total",
                   "Push requests that failed and will be retried, by reason (network or the "
                   "HTTP status).",
                   {{"reason", reason}})
      .Inc();
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.retries;
    ++stats_.retries_by_reason[reason];
  }
  const int64_t now = clock_->MonotonicNanos();
  if (now >= next_retry_log_ns_) {
    LOG_WARN("component=ship op=push outcome=retry reason={} failures={} suppressed={} err={}",
             reason, backoff_.failures(), retries_not_logged_, Quote(detail));
    retries_not_logged_ = 0;
    next_retry_log_ns_ = SaturatingAdd(now, opts_.log_interval.count() * 1'000'000);
  } else {
    ++retries_not_logged_;
  }
}

void Sender::CountRefusal(const Batch& batch, const std::string& reason,
                          const std::string& detail) {
  const metrics::LabelPairs labels = {{"reason", reason}};
  registry_
      ->GetCounter("logstack_collector_dropped_batches_total",
                   "Batches the store refused (4xx) or that could not be sent, by reason; not "
                   "retried.",
                   labels)
      .Inc();
  registry_
      ->GetCounter("logstack_collector_dropped_entries_total",
                   "Entries of batches the store refused, by reason. With 400 the store kept the "
                   "batch's valid entries, so this is an upper bound.",
                   labels)
      .Inc(static_cast<double>(batch.lines));
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.dropped_batches_by_reason[reason];
    stats_.dropped_lines += batch.lines;
  }
  const int64_t now = clock_->MonotonicNanos();
  if (now >= next_reject_log_ns_) {
    LOG_WARN(
        "component=ship op=push outcome=refused reason={} tenant={} lines={} suppressed={} "
        "err={}",
        reason, Quote(batch.tenant), batch.lines, rejects_not_logged_, Quote(detail));
    rejects_not_logged_ = 0;
    next_reject_log_ns_ = SaturatingAdd(now, opts_.log_interval.count() * 1'000'000);
  } else {
    ++rejects_not_logged_;
  }
}

bool Sender::WaitForRetry(std::chrono::nanoseconds wait) {
  const int64_t until = SaturatingAdd(clock_->MonotonicNanos(), wait.count());
  const int64_t poll = std::chrono::nanoseconds(opts_.clock_poll_interval).count();
  std::unique_lock<std::mutex> lock(mu_);
  stats_.retry_at_mono_ns = until;
  stats_.retry_wait_ns = wait.count();
  while (!abort_) {
    const int64_t now = clock_->MonotonicNanos();
    if (now >= until) break;
    abort_cv_.wait_for(lock, std::chrono::nanoseconds(std::min(until - now, poll)));
  }
  stats_.retry_at_mono_ns = 0;
  stats_.retry_wait_ns = 0;
  return !abort_;
}

void Sender::Stop(std::chrono::nanoseconds drain_timeout) {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  bool gave_up = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_) return;
    stopping_ = true;
    work_cv_.notify_all();
    room_cv_.notify_all();
    const int64_t until = SaturatingAdd(clock_->MonotonicNanos(), drain_timeout.count());
    const int64_t poll = std::chrono::nanoseconds(opts_.clock_poll_interval).count();
    while (!queue_.empty()) {
      const int64_t now = clock_->MonotonicNanos();
      if (now >= until) break;
      room_cv_.wait_for(lock, std::chrono::nanoseconds(std::min(until - now, poll)));
    }
    if (!queue_.empty()) {
      gave_up = true;
      abort_ = true;
      abort_cv_.notify_all();
      work_cv_.notify_all();
    }
  }
  if (gave_up) client_->Cancel();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  if (!queue_.empty()) {
    uint64_t lines = 0;
    for (const BatchPtr& b : queue_) {
      if (b != nullptr) lines += b->lines;
    }
    LOG_WARN("component=ship op=stop outcome=unsent batches={} lines={} note={}", queue_.size(),
             lines, Quote("not acknowledged: read again after the restart"));
    queue_.clear();
    queued_bytes_ = 0;
    metrics_->queue_bytes.Set(0);
    metrics_->queue_batches.Set(0);
  }
  stopped_ = true;
  room_cv_.notify_all();
}

Sender::Stats Sender::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats s = stats_;
  s.queued_batches = queue_.size();
  s.queued_bytes = queued_bytes_;
  return s;
}

}  // namespace logstack::collector
