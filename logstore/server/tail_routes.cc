// Loki's live tail: GET /loki/api/v1/tail upgraded to a WebSocket.
//
// After the handshake the tailer sends the newest `limit` matching entries
// since `start`, then new entries as they are pushed, in frames
//   {"streams":[{"stream":{...},"values":[["<ns>","<line>"]]}],
//    "dropped_entries":[{"labels":{...},"timestamp":"<ns>"}] or null}
// with the query's pipeline applied.
//
// Flow control: the Store hands new entries to a TailQueue (a Store
// TailSink) on the pushing thread; the queue is bounded and what does not
// fit is only remembered as dropped, so a slow client never slows ingest.
// A TailSession drains the queue every kTick on the connection's I/O thread,
// but only while less than kMaxPendingBytes of frames wait to be written to
// the client: a client that stops reading thus fills the queue, and its
// entries are reported in dropped_entries once it reads again.

#include <algorithm>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "common/logging.h"
#include "logstore/engine/limits.h"
#include "logstore/logql/parser.h"
#include "logstore/model/labels.h"
#include "logstore/pipeline/stage.h"
#include "logstore/server/api.h"
#include "logstore/server/api_util.h"

namespace logstack::logstore::api_internal {

namespace {

using namespace std::chrono_literals;

constexpr size_t kQueueCapacity = 1000;        // entries waiting per tailer
constexpr size_t kMaxDroppedKept = 10000;      // dropped entries remembered between frames, at most
constexpr size_t kMaxPendingBytes = 1u << 20;  // unsent frame bytes before draining stops
constexpr size_t kFrameBytes = 256u << 10;     // line bytes per frame, about
constexpr auto kTick = 100ms;
constexpr int64_t kMaxDelayForSeconds = 5;
constexpr int64_t kMaxHistory = 5000;

using LabelsPtr = std::shared_ptr<const Labels>;

struct TailItem {
  LabelsPtr labels;
  int64_t ts;
  std::string line;
  std::string metadata;  // encoded
  int64_t arrival;       // monotonic ns
};

struct DroppedItem {
  LabelsPtr labels;
  int64_t ts;
};

json LabelsJson(const Labels& labels) {
  json out = json::object();
  for (const auto& l : labels) out[l.name] = l.value;
  return out;
}

// The Store-facing half of a tail: a bounded queue of matching entries.
// Holds no reference to the connection. Thread safety: all methods from any
// thread.
class TailQueue : public TailSink {
 public:
  TailQueue(std::vector<index::Matcher> matchers, Clock* clock)
      : matchers_(std::move(matchers)), clock_(clock) {}

  void OnPush(const Labels& labels, const std::string& labels_string,
              std::span<const EntryView> entries) override {
    if (!Matches(labels)) return;
    int64_t now = clock_->MonotonicNanos();
    std::lock_guard<std::mutex> lock(mu_);
    LabelsPtr& lp = labels_cache_[labels_string];
    if (!lp) lp = std::make_shared<const Labels>(labels);
    for (const EntryView& e : entries) {
      if (items_.size() >= kQueueCapacity) {
        if (dropped_.size() < kMaxDroppedKept) dropped_.push_back({lp, e.timestamp_ns});
        continue;
      }
      items_.push_back({lp, e.timestamp_ns, std::string(e.line), std::string(e.metadata), now});
    }
  }

  // Moves queued entries out, up to `max` of them and about `max_bytes` of
  // lines, and every dropped one.
  void Take(size_t max, size_t max_bytes, std::vector<TailItem>* items,
            std::vector<DroppedItem>* dropped) {
    std::lock_guard<std::mutex> lock(mu_);
    size_t bytes = 0;
    while (!items_.empty() && items->size() < max && bytes < max_bytes) {
      bytes += items_.front().line.size();
      items->push_back(std::move(items_.front()));
      items_.pop_front();
    }
    for (auto& d : dropped_) dropped->push_back(std::move(d));
    dropped_.clear();
  }

 private:
  bool Matches(const Labels& labels) const {
    for (const auto& m : matchers_) {
      std::string_view value;
      for (const auto& l : labels) {
        if (l.name == m.name()) value = l.value;
      }
      if (!m.Matches(value)) return false;
    }
    return true;
  }

  const std::vector<index::Matcher> matchers_;
  Clock* const clock_;
  std::mutex mu_;  // guards the members below
  std::deque<TailItem> items_;
  std::vector<DroppedItem> dropped_;
  std::map<std::string, LabelsPtr> labels_cache_;
};

// The connection-facing half: applies the pipeline and sends frames. Runs
// only on the connection's I/O thread (ticks), after being set up on a query
// thread before the handshake.
class TailSession : public std::enable_shared_from_this<TailSession> {
 public:
  TailSession(std::shared_ptr<TailQueue> queue, pipeline::PipelinePtr pipeline, int64_t delay_ns,
              Clock* clock)
      : queue_(std::move(queue)),
        pipeline_(std::move(pipeline)),
        delay_ns_(delay_ns),
        clock_(clock) {}

  // Builds the first frame from the entries already stored (newest first).
  void AddHistory(std::vector<TailItem> items) {
    for (const auto& it : items) history_keys_.insert(Key(it));
    std::sort(items.begin(), items.end(),
              [](const TailItem& a, const TailItem& b) { return a.ts < b.ts; });
    first_frame_ = Frame(items, {});
  }

  void Start(http::WebSocketPtr ws) {
    ws_ = std::move(ws);
    if (!first_frame_.empty()) ws_->SendText(std::move(first_frame_));
    first_frame_.clear();
    Schedule();
  }

 private:
  static std::string Key(const TailItem& it) {
    return std::to_string(it.ts) + '\x00' + it.line + '\x00' + LabelsString(*it.labels);
  }

  void Schedule() {
    ws_->RunAfter(kTick, [self = shared_from_this()] { self->Tick(); });
  }

  void Tick() {
    if (ws_->closed()) return;
    // Frames go out while the client keeps up; otherwise entries stay queued
    // (and the queue drops what does not fit).
    while (ws_->pending_bytes() < kMaxPendingBytes) {
      std::vector<TailItem> fresh;
      std::vector<DroppedItem> dropped;
      size_t room = held_.size() < kQueueCapacity ? kQueueCapacity - held_.size() : 0;
      queue_->Take(room, kFrameBytes, &fresh, &dropped);
      bool took = !fresh.empty();
      for (auto& it : fresh) {
        // Entries pushed while the history was read may be in both.
        if (!history_keys_.empty() && history_keys_.count(Key(it))) continue;
        held_.push_back(std::move(it));
      }
      // Whatever overlapped the history was queued before the first tick.
      history_keys_.clear();
      // delay_for: hold entries that long, so late ones can be sorted in.
      int64_t cutoff = clock_->MonotonicNanos() - delay_ns_;
      auto ready_end =
          std::stable_partition(held_.begin(), held_.end(),
                                [cutoff](const TailItem& it) { return it.arrival <= cutoff; });
      std::vector<TailItem> ready(std::make_move_iterator(held_.begin()),
                                  std::make_move_iterator(ready_end));
      held_.erase(held_.begin(), ready_end);
      std::stable_sort(ready.begin(), ready.end(),
                       [](const TailItem& a, const TailItem& b) { return a.ts < b.ts; });
      if (!ready.empty() || !dropped.empty()) {
        std::string frame = Frame(ready, dropped);
        if (!frame.empty()) ws_->SendText(std::move(frame));
      }
      if (!took) break;
    }
    Schedule();
  }

  // One frame: the entries that pass the pipeline, grouped by their
  // resulting labels, and the dropped ones. Empty when there is nothing.
  std::string Frame(const std::vector<TailItem>& items, const std::vector<DroppedItem>& dropped) {
    std::map<Labels, json> streams;
    std::vector<LabelRef> md;
    for (const TailItem& it : items) {
      md.clear();
      if (!it.metadata.empty() && !DecodeMetadata(it.metadata, &md)) continue;
      pipeline::LabelsBuilder lbs(it.labels.get());
      lbs.Reset(md);
      std::string_view line = it.line;
      if (!pipeline_->Process(it.ts, &line, &lbs)) continue;
      json& values = streams[lbs.Result()];
      if (values.is_null()) values = json::array();
      values.push_back({std::to_string(it.ts), std::string(line)});
    }
    if (streams.empty() && dropped.empty()) return {};
    json out;
    out["streams"] = json::array();
    for (auto& [labels, values] : streams) {
      out["streams"].push_back({{"stream", LabelsJson(labels)}, {"values", std::move(values)}});
    }
    if (dropped.empty()) {
      out["dropped_entries"] = nullptr;
    } else {
      json d = json::array();
      for (const auto& x : dropped) {
        d.push_back({{"labels", LabelsJson(*x.labels)}, {"timestamp", std::to_string(x.ts)}});
      }
      out["dropped_entries"] = std::move(d);
    }
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  const std::shared_ptr<TailQueue> queue_;  // destroying it ends the Store's subscription
  const pipeline::PipelinePtr pipeline_;
  const int64_t delay_ns_;
  Clock* const clock_;
  http::WebSocketPtr ws_;
  std::string first_frame_;
  std::set<std::string> history_keys_;
  std::vector<TailItem> held_;  // waiting for delay_for
};

// Validates the request, subscribes, reads the history and answers the
// upgrade (or an HTTP error). The query limits apply as to a log query run
// by the engine (engine/limits.h): `limit` is the entries asked for, the
// history's range [start, now] the range, and reading the history counts
// against the bytes read and the timeout. Templates get the tenant's line
// size and the API's clock.
http::Response StartTail(ApiContext* ctx, const http::Request& req, Store* store,
                         const std::string& tenant) {
  std::string query = req.Param("query");
  if (query.empty()) return Error(400, "query parameter is required");
  auto expr = logql::ParseExpr(query);
  if (!expr.ok()) return Error(400, expr.status().message());
  if (!(*expr)->IsLogQuery()) return Error(400, "tail: only log queries are supported");
  const auto& sel = static_cast<const logql::LogSelectorExpr&>(**expr);
  const engine::QueryLimits limits = LimitsFor(store, tenant, ctx->parallelism);
  pipeline::CompileOptions opts;
  opts.clock = ctx->clock;
  opts.max_line_size = limits.max_line_size;
  auto pipe = pipeline::CompilePipeline(sel.stages, opts);
  if (!pipe.ok()) return Error(400, "parse error : " + pipe.status().message());

  int64_t delay = 0;
  if (!req.Param("delay_for").empty()) {
    std::string v = req.Param("delay_for");
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (end != v.c_str() + v.size() || n < 0) {
      return Error(400, "invalid delay_for: " + v);
    }
    if (n > kMaxDelayForSeconds) return Error(400, "delay_for can't be greater than 5");
    delay = n;
  }
  int64_t limit = 100;
  if (!req.Param("limit").empty()) {
    std::string v = req.Param("limit");
    char* end = nullptr;
    long long n = std::strtoll(v.c_str(), &end, 10);
    if (end != v.c_str() + v.size() || n <= 0) {
      return Error(400, "limit must be a positive value");
    }
    Status st = engine::CheckEntriesLimit(static_cast<uint64_t>(n), limits);
    if (!st.ok()) return Error(HttpStatusOf(st), st.message());
    limit = std::min<int64_t>(n, kMaxHistory);
  }
  int64_t now = ctx->clock->NowNanos();
  int64_t start = now - 3600 * kSecond;
  if (!req.Param("start").empty()) {
    auto t = ParseApiTime(req.Param("start"));
    if (!t.ok()) return Error(400, t.status().message());
    start = *t;
  }
  if (Status st = engine::CheckQueryLength(start, now, limits); !st.ok()) {
    return Error(HttpStatusOf(st), st.message());
  }

  // Subscribe first, then read what is stored: nothing falls between.
  auto queue = std::make_shared<TailQueue>(sel.matchers, ctx->clock);
  store->Subscribe(tenant, queue);
  auto session =
      std::make_shared<TailSession>(queue, std::move(*pipe), delay * kSecond, ctx->clock);

  auto streams = store->Select(tenant, sel.matchers, start, INT64_MAX, Direction::kBackward);
  if (!streams.ok()) return Error(500, streams.status().message());
  std::vector<TailItem> history;
  engine::ReadBudget budget(limits, ctx->clock);
  for (auto& s : *streams) {
    auto labels = std::make_shared<const Labels>(*s.labels);
    int64_t n = 0;
    while (n < limit && s.it->Next()) {
      const EntryView& e = s.it->entry();
      if (Status st = budget.Add(e.line.size()); !st.ok()) {
        return Error(HttpStatusOf(st), st.message());
      }
      history.push_back({labels, e.timestamp_ns, std::string(e.line), std::string(e.metadata), 0});
      n++;
    }
    if (!s.it->status().ok()) return Error(500, s.it->status().message());
  }
  // The newest `limit` of all streams (before the pipeline, as Loki counts).
  std::stable_sort(history.begin(), history.end(),
                   [](const TailItem& a, const TailItem& b) { return a.ts > b.ts; });
  if (history.size() > static_cast<size_t>(limit)) history.resize(static_cast<size_t>(limit));
  session->AddHistory(std::move(history));

  LOG_INFO("component=api op=tail tenant={} query={} delay_for={} limit={}", tenant, Quote(query),
           delay, limit);
  return http::Response::WebSocketUpgrade(
      [session](http::WebSocketPtr ws) { session->Start(std::move(ws)); });
}

}  // namespace

void RegisterTailRoutes(ApiContext* ctx, http::Server* server) {
  server->Route({"GET"}, "/loki/api/v1/tail", [ctx](http::Request& req, http::Responder respond) {
    Handle(ctx, req, std::move(respond),
           [ctx](http::Request& req, Store* store, engine::Engine*, const std::string& tenant) {
             return StartTail(ctx, req, store, tenant);
           });
  });
}

}  // namespace logstack::logstore::api_internal
