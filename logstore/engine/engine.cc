#include "logstore/engine/engine.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cmath>
#include <latch>
#include <limits>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "logstore/engine/limits.h"
#include "logstore/engine/matrix.h"
#include "logstore/engine/samples.h"
#include "logstore/logql/parser.h"
#include "logstore/model/labels.h"
#include "logstore/pipeline/stage.h"

namespace logstack::logstore::engine {

using logql::Expr;
using logql::ExprKind;

struct Engine::Impl {
  Impl(Store* s, Clock* c, int threads) : store(s), clock(c), pool(std::max(1, threads)) {}
  Store* store;
  Clock* clock;
  boost::asio::thread_pool pool;

  // Runs fn(0..n-1): task 0 on the calling thread, the rest on the pool.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) return;
    std::latch done(static_cast<std::ptrdiff_t>(n - 1));
    for (size_t i = 1; i < n; ++i) {
      boost::asio::post(pool, [&, i] {
        fn(i);
        done.count_down();
      });
    }
    fn(0);
    done.wait();
  }
};

namespace {

// Shared state of one query's workers.
struct QueryContext {
  const QueryParams* params;
  const QueryLimits* limits;
  Clock* clock;
  int64_t deadline_ns = 0;  // 0 = none
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> lines{0};
  std::atomic<bool> cancelled{false};
  std::mutex err_mu;
  Status err;

  void Fail(Status s) {
    std::lock_guard<std::mutex> l(err_mu);
    if (err.ok()) err = std::move(s);
    cancelled = true;
  }
  // The query's clock and line size, for the templates of its pipelines.
  pipeline::CompileOptions CompileOptions() const {
    pipeline::CompileOptions o;
    o.clock = clock;
    o.max_line_size = limits->max_line_size;
    return o;
  }
  // Called every few thousand entries: the byte limit and the timeout.
  bool Check(uint64_t add_bytes, uint64_t add_lines) {
    uint64_t total = bytes.fetch_add(add_bytes) + add_bytes;
    lines.fetch_add(add_lines);
    if (limits->max_bytes_read > 0 && total > limits->max_bytes_read) {
      Fail(BytesReadError(limits->max_bytes_read));
      return false;
    }
    if (deadline_ns > 0 && clock->NowNanos() > deadline_ns) {
      Fail(TimeoutError());
      return false;
    }
    return !cancelled.load(std::memory_order_relaxed);
  }
};

// Decodes an entry's structured metadata into `out` (cleared first).
void EntryMetadata(const EntryView& e, std::vector<LabelRef>* out) {
  out->clear();
  if (!e.metadata.empty()) DecodeMetadata(e.metadata, out);
}

// ---------------------------------------------------------------------------
// Log queries

struct Candidate {
  int64_t ts;
  uint64_t order;  // arrival order within its worker, for stable ties
  uint32_t out_id;
  std::string line;
};

class LogCollector {
 public:
  LogCollector(size_t limit, bool forward) : limit_(limit), forward_(forward) {}

  // True iff an entry at ts would be kept.
  bool WouldKeep(int64_t ts) const {
    if (heap_.size() < limit_) return true;
    return Better(ts, heap_.front().ts);
  }
  void Add(int64_t ts, uint32_t out_id, std::string_view line) {
    auto worse = [this](const Candidate& a, const Candidate& b) { return Order(a, b); };
    if (heap_.size() < limit_) {
      heap_.push_back({ts, seq_++, out_id, std::string(line)});
      std::push_heap(heap_.begin(), heap_.end(), worse);
      return;
    }
    std::pop_heap(heap_.begin(), heap_.end(), worse);
    heap_.back() = {ts, seq_++, out_id, std::string(line)};
    std::push_heap(heap_.begin(), heap_.end(), worse);
  }
  std::vector<Candidate>& candidates() { return heap_; }

 private:
  bool Better(int64_t a, int64_t b) const { return forward_ ? a < b : a > b; }
  // Heap order: the worst candidate at the front.
  bool Order(const Candidate& a, const Candidate& b) const {
    if (a.ts != b.ts) return Better(a.ts, b.ts);
    return a.order < b.order;
  }
  size_t limit_;
  bool forward_;
  uint64_t seq_ = 0;
  std::vector<Candidate> heap_;
};

// Output stream ids: one per distinct result label set.
class OutputStreams {
 public:
  uint32_t Id(Labels labels) {
    std::string key = LabelsString(labels);
    auto [it, fresh] = ids_.emplace(std::move(key), static_cast<uint32_t>(labels_.size()));
    if (fresh) labels_.push_back(std::move(labels));
    return it->second;
  }
  const Labels& labels(uint32_t id) const { return labels_[id]; }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<Labels> labels_;
};

StatusOr<QueryResult> ExecLogQuery(Engine::Impl* impl, const logql::LogSelectorExpr& sel,
                                   QueryContext* ctx, QueryStats* stats) {
  const QueryParams& p = *ctx->params;
  LOGSTACK_ASSIGN_OR_RETURN(pipeline::PipelinePtr proto, CompileForQuery(pipeline::CompilePipeline(
                                                             sel.stages, ctx->CompileOptions())));
  const bool forward = p.direction == Direction::kForward;
  chunk::BlockFilterPtr filter = MakeBlockFilter(sel.stages);
  // Workers share out (time slice, stream) pairs; `interval` spaces entries
  // along a whole stream, so it keeps one slice.
  const size_t slices = ctx->limits->parallelism > 1 && p.interval_ns == 0
                            ? 2 * static_cast<size_t>(ctx->limits->parallelism)
                            : 1;
  LOGSTACK_ASSIGN_OR_RETURN(std::vector<StreamSelection> streams,
                            SelectSliced(impl->store, p.tenant, sel.matchers, p.start_ns, p.end_ns,
                                         p.direction, filter, slices));
  {
    std::unordered_set<const Labels*> distinct;
    for (const auto& s : streams) distinct.insert(s.labels);
    stats->streams = distinct.size();
  }

  const size_t workers = std::min<size_t>(std::max(1, ctx->limits->parallelism), streams.size());
  std::atomic<size_t> next{0};
  std::vector<LogCollector> collectors;
  std::vector<OutputStreams> outs(workers);
  for (size_t i = 0; i < workers; ++i) collectors.emplace_back(p.limit, forward);

  impl->ParallelFor(workers, [&](size_t w) {
    pipeline::PipelinePtr pl = proto->Clone();
    LogCollector& col = collectors[w];
    OutputStreams& out = outs[w];
    std::vector<LabelRef> md;
    uint64_t bytes = 0, lines = 0;
    for (size_t si = next++; si < streams.size(); si = next++) {
      StreamSelection& s = streams[si];
      pipeline::LabelsBuilder lbs(s.labels);
      int64_t base_id = -1;
      int64_t last_kept = 0;
      bool have_last = false;
      EntryIterator* it = s.it.get();
      while (it->Next()) {
        const EntryView& e = it->entry();
        bytes += e.line.size();
        if (++lines % 4096 == 0) {
          if (!ctx->Check(bytes, lines)) return;
          bytes = lines = 0;
        }
        if (!col.WouldKeep(e.timestamp_ns)) break;  // the rest of this stream comes later
        if (p.interval_ns > 0 && have_last) {
          int64_t gap = forward ? e.timestamp_ns - last_kept : last_kept - e.timestamp_ns;
          if (gap < p.interval_ns) continue;
        }
        EntryMetadata(e, &md);
        lbs.Reset(md);
        std::string_view line = e.line;
        if (!pl->Process(e.timestamp_ns, &line, &lbs)) continue;
        uint32_t id;
        if (!lbs.Modified()) {
          if (base_id < 0) base_id = out.Id(*s.labels);
          id = static_cast<uint32_t>(base_id);
        } else {
          id = out.Id(lbs.Result());
        }
        col.Add(e.timestamp_ns, id, line);
        last_kept = e.timestamp_ns;
        have_last = true;
      }
      if (!it->status().ok()) {
        ctx->Fail(it->status());
        return;
      }
    }
    ctx->Check(bytes, lines);
  });
  if (filter) ctx->Check(filter->skipped_bytes.load(), filter->skipped_entries.load());
  if (!ctx->err.ok()) return ctx->err;

  // Merge the workers' candidates and keep the first `limit`.
  struct Ref {
    int64_t ts;
    size_t worker;
    size_t idx;
  };
  std::vector<Ref> all;
  for (size_t w = 0; w < workers; ++w) {
    auto& c = collectors[w].candidates();
    for (size_t i = 0; i < c.size(); ++i) all.push_back({c[i].ts, w, i});
  }
  std::stable_sort(all.begin(), all.end(), [&](const Ref& a, const Ref& b) {
    if (a.ts != b.ts) return forward ? a.ts < b.ts : a.ts > b.ts;
    const Candidate& x = collectors[a.worker].candidates()[a.idx];
    const Candidate& y = collectors[b.worker].candidates()[b.idx];
    if (a.worker != b.worker) return a.worker < b.worker;
    return x.order < y.order;
  });
  if (all.size() > p.limit) all.resize(p.limit);

  QueryResult res;
  res.type = QueryResult::Type::kStreams;
  std::unordered_map<std::string, size_t> stream_of;
  for (const Ref& r : all) {
    Candidate& c = collectors[r.worker].candidates()[r.idx];
    const Labels& l = outs[r.worker].labels(c.out_id);
    auto [it, fresh] = stream_of.emplace(LabelsString(l), res.streams.size());
    if (fresh) res.streams.push_back({l, {}});
    res.streams[it->second].entries.push_back({c.ts, std::move(c.line)});
  }
  stats->lines_returned = all.size();
  return res;
}

// ---------------------------------------------------------------------------
// Metric queries

struct EvalEnv {
  Engine::Impl* impl;
  QueryContext* ctx;
  StepGrid grid;
  QueryStats* stats;
};

StatusOr<StepValue> Eval(const Expr& e, EvalEnv& env, const logql::VectorAggExpr* parent);

StatusOr<StepValue> EvalRange(const logql::RangeAggExpr& e, EvalEnv& env,
                              const logql::VectorAggExpr* parent) {
  SampleQuery q;
  q.expr = &e;
  q.grid = env.grid;
  q.check_errors = parent == nullptr;
  // A sum over a range aggregation only needs the sum's labels: reduce
  // while extracting, so per-line labels never become series.
  if (parent && parent->op == logql::VectorOp::kSum && !e.grouping &&
      (e.op == logql::RangeOp::kCountOverTime || e.op == logql::RangeOp::kRate ||
       e.op == logql::RangeOp::kBytesOverTime || e.op == logql::RangeOp::kBytesRate ||
       e.op == logql::RangeOp::kSumOverTime)) {
    q.pushdown = parent->grouping ? *parent->grouping : logql::Grouping{false, {}};
    q.has_pushdown = true;
  }
  SampleEnv se;
  se.store = env.impl->store;
  se.tenant = env.ctx->params->tenant;
  se.max_series = env.ctx->limits->max_series;
  se.parallelism = env.ctx->limits->parallelism;
  se.compile = env.ctx->CompileOptions();
  se.parallel_for = [&](size_t n, const std::function<void(size_t)>& fn) {
    env.impl->ParallelFor(n, fn);
  };
  se.check = [&](uint64_t b, uint64_t l) { return env.ctx->Check(b, l); };
  se.fail = [&](Status st) { env.ctx->Fail(std::move(st)); };
  se.error = [&]() {
    std::lock_guard<std::mutex> l(env.ctx->err_mu);
    return env.ctx->err;
  };
  return EvalSamples(q, se, env.stats);
}

StatusOr<StepValue> Eval(const Expr& e, EvalEnv& env, const logql::VectorAggExpr* parent) {
  switch (e.kind) {
    case ExprKind::kLogSelector:
      return InvalidArgument("log queries cannot be used where a metric is expected");
    case ExprKind::kRangeAgg:
      return EvalRange(static_cast<const logql::RangeAggExpr&>(e), env, parent);
    case ExprKind::kVectorAgg: {
      const auto& v = static_cast<const logql::VectorAggExpr&>(e);
      LOGSTACK_ASSIGN_OR_RETURN(StepValue in, Eval(*v.inner, env, &v));
      if (in.is_scalar) return InvalidArgument("vector aggregation over a scalar");
      return VectorAggregate(v, std::move(in), env.grid);
    }
    case ExprKind::kBinary: {
      const auto& b = static_cast<const logql::BinaryExpr&>(e);
      LOGSTACK_ASSIGN_OR_RETURN(StepValue l, Eval(*b.lhs, env, nullptr));
      LOGSTACK_ASSIGN_OR_RETURN(StepValue r, Eval(*b.rhs, env, nullptr));
      return BinaryOperation(b, std::move(l), std::move(r), env.grid);
    }
    case ExprKind::kLiteral: {
      StepValue v;
      v.is_scalar = true;
      v.scalar = static_cast<const logql::LiteralExpr&>(e).value;
      return v;
    }
    case ExprKind::kVector: {
      StepValue v;
      StepSeries s(env.grid.n);
      std::fill(s.v.begin(), s.v.end(), static_cast<const logql::VectorExpr&>(e).value);
      std::fill(s.has.begin(), s.has.end(), 1);
      v.series.push_back(std::move(s));
      return v;
    }
    case ExprKind::kLabelReplace: {
      const auto& lr = static_cast<const logql::LabelReplaceExpr&>(e);
      LOGSTACK_ASSIGN_OR_RETURN(StepValue in, Eval(*lr.inner, env, nullptr));
      return LabelReplace(lr, std::move(in));
    }
  }
  return Internal("unknown expression");
}

QueryResult ToResult(StepValue v, const StepGrid& grid, bool instant) {
  QueryResult res;
  if (v.is_scalar) {
    if (instant) {
      res.type = QueryResult::Type::kScalar;
      res.scalar = {grid.At(0), v.scalar};
      return res;
    }
    StepSeries s(grid.n);
    std::fill(s.v.begin(), s.v.end(), v.scalar);
    std::fill(s.has.begin(), s.has.end(), 1);
    v.series.clear();
    v.series.push_back(std::move(s));
  }
  res.type = instant ? QueryResult::Type::kVector : QueryResult::Type::kMatrix;
  for (auto& s : v.series) {
    SeriesResult r;
    r.labels = std::move(s.labels);
    for (size_t t = 0; t < grid.n; ++t) {
      if (s.has[t]) r.points.push_back({grid.At(t), s.v[t]});
    }
    if (!r.points.empty()) res.series.push_back(std::move(r));
  }
  if (!instant) {
    std::sort(res.series.begin(), res.series.end(),
              [](const SeriesResult& a, const SeriesResult& b) { return a.labels < b.labels; });
  }
  return res;
}

}  // namespace

Engine::Engine(Store* store, Clock* clock, int parallelism)
    : impl_(std::make_unique<Impl>(store, clock, parallelism)) {}

Engine::~Engine() { impl_->pool.join(); }

StatusOr<QueryResult> Engine::Exec(const QueryParams& params, const QueryLimits& limits_,
                                   QueryStats* stats) {
  const int64_t began = impl_->clock->NowNanos();
  LOGSTACK_ASSIGN_OR_RETURN(logql::ExprPtr expr, logql::ParseExpr(params.query));

  LOGSTACK_RETURN_IF_ERROR(CheckQueryLength(params.start_ns, params.end_ns, limits_));
  QueryContext ctx;
  ctx.params = &params;
  ctx.limits = &limits_;
  ctx.clock = impl_->clock;
  if (limits_.timeout_ns > 0) ctx.deadline_ns = began + limits_.timeout_ns;

  StatusOr<QueryResult> result = Internal("not evaluated");
  if (expr->IsLogQuery()) {
    if (params.instant) {
      return InvalidArgument(
          "log queries are not supported as an instant query type, please change your query "
          "to a range query type");
    }
    LOGSTACK_RETURN_IF_ERROR(CheckEntriesLimit(params.limit, limits_));
    result =
        ExecLogQuery(impl_.get(), static_cast<const logql::LogSelectorExpr&>(*expr), &ctx, stats);
  } else {
    EvalEnv env{impl_.get(), &ctx, StepGrid{}, stats};
    env.grid.start = params.start_ns;
    env.grid.step = params.instant ? 0 : params.step_ns;
    env.grid.n = params.instant || params.step_ns <= 0
                     ? 1
                     : static_cast<size_t>((params.end_ns - params.start_ns) / params.step_ns) + 1;
    StatusOr<StepValue> v = Eval(*expr, env, nullptr);
    if (v.ok()) {
      result = ToResult(std::move(*v), env.grid, params.instant);
    } else {
      result = v.status();
    }
  }
  stats->bytes_processed = ctx.bytes.load();
  stats->lines_processed = ctx.lines.load();
  stats->exec_seconds = static_cast<double>(impl_->clock->NowNanos() - began) / 1e9;
  return result;
}

}  // namespace logstack::logstore::engine
