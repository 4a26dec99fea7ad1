#include "logstore/engine/samples.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "logstore/model/labels.h"
#include "logstore/pipeline/stage.h"
#include "logstore/pipeline/unwrap.h"

namespace logstack::logstore::engine {
namespace {

using logql::RangeOp;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per series and step. The fields' meaning depends on the operation:
// sum/count for additive ones, min/max in `a`, Welford's mean/m2 in a/c,
// first/last value in `a` with its time in `t`.
struct Acc {
  double a = 0;
  double b = 0;  // sample count
  double c = 0;
  int64_t t = 0;
};

struct SeriesAcc {
  Labels labels;
  std::vector<Acc> acc;
  // quantile_over_time and rate_counter: the window's samples per step.
  std::vector<std::vector<std::pair<int64_t, double>>> samples;
};

bool KeepsSamples(RangeOp op) {
  return op == RangeOp::kQuantileOverTime || op == RangeOp::kRateCounter;
}

void Fold(RangeOp op, Acc& x, int64_t ts, double v) {
  switch (op) {
    case RangeOp::kMinOverTime:
      if (x.b == 0 || v < x.a || std::isnan(x.a)) x.a = v;
      break;
    case RangeOp::kMaxOverTime:
      if (x.b == 0 || v > x.a || std::isnan(x.a)) x.a = v;
      break;
    case RangeOp::kStddevOverTime:
    case RangeOp::kStdvarOverTime: {
      double n = x.b + 1;
      double d = v - x.a;
      x.a += d / n;
      x.c += d * (v - x.a);
      break;
    }
    case RangeOp::kFirstOverTime:
      if (x.b == 0 || ts < x.t) {
        x.a = v;
        x.t = ts;
      }
      break;
    case RangeOp::kLastOverTime:
      if (x.b == 0 || ts >= x.t) {
        x.a = v;
        x.t = ts;
      }
      break;
    default:
      x.a += v;
      break;
  }
  x.b += 1;
}

// Combines two workers' accumulators for one step.
void Merge(RangeOp op, Acc& x, const Acc& y) {
  if (y.b == 0) return;
  if (x.b == 0) {
    x = y;
    return;
  }
  switch (op) {
    case RangeOp::kMinOverTime:
      x.a = std::min(x.a, y.a);
      break;
    case RangeOp::kMaxOverTime:
      x.a = std::max(x.a, y.a);
      break;
    case RangeOp::kStddevOverTime:
    case RangeOp::kStdvarOverTime: {
      double n = x.b + y.b;
      double d = y.a - x.a;
      x.c = x.c + y.c + d * d * x.b * y.b / n;
      x.a = x.a + d * y.b / n;
      break;
    }
    case RangeOp::kFirstOverTime:
      if (y.t < x.t) {
        x.a = y.a;
        x.t = y.t;
      }
      break;
    case RangeOp::kLastOverTime:
      if (y.t >= x.t) {
        x.a = y.a;
        x.t = y.t;
      }
      break;
    default:
      x.a += y.a;
      break;
  }
  x.b += y.b;
}

// rate_counter as Loki 3.4 computes it: Prometheus' extrapolated counter
// rate, but with the window taken as [first sample - range in milliseconds,
// last sample] on nanosecond timestamps and durations divided by 1000. The
// effect is almost no extrapolation: increase / range, scaled by
// (sampled + range_ms / 1000) / sampled in those units. The recorded answers
// pin this down to the last digit.
double CounterRate(std::vector<std::pair<int64_t, double>>& s, double range_s, int64_t range_ns,
                   bool* ok) {
  std::sort(s.begin(), s.end(), [](auto& a, auto& b) { return a.first < b.first; });
  if (s.size() < 2) {
    *ok = false;
    return 0;
  }
  *ok = true;
  double result = s.back().second - s.front().second;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i].second < s[i - 1].second) result += s[i - 1].second;
  }
  const int64_t range_ms = range_ns / 1'000'000;
  double to_start = static_cast<double>(range_ms) / 1000.0;
  double to_end = 0;
  double sampled = static_cast<double>(s.back().first - s.front().first) / 1000.0;
  if (sampled == 0) return 0;
  double avg_gap = sampled / static_cast<double>(s.size() - 1);
  if (result > 0 && s.front().second >= 0) {
    double to_zero = sampled * (s.front().second / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  double threshold = avg_gap * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_gap / 2;
  interval += to_end < threshold ? to_end : avg_gap / 2;
  return result * (interval / sampled) / range_s;
}

Labels Reduce(const Labels& in, const logql::Grouping& g) {
  return g.without ? DropLabels(in, g.labels) : KeepLabels(in, g.labels);
}

// Equality matchers of the selector: absent_over_time's labels.
Labels AbsentLabels(const logql::LogSelectorExpr& sel) {
  Labels out;
  for (const auto& m : sel.matchers) {
    if (m.type() != index::Matcher::Type::kEqual) continue;
    bool dup =
        std::any_of(out.begin(), out.end(), [&](const Label& l) { return l.name == m.name(); });
    if (!dup) out.push_back({m.name(), m.value()});
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string PipelineError(std::string_view err, const Labels& labels) {
  return "pipeline error: '" + std::string(err) + "' for series: '" + LabelsString(labels) +
         "'.\nUse a label filter to intentionally skip this error. (e.g | __error__!=\"" +
         std::string(err) +
         "\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\n"
         "The label filter can also be specified after unwrap. (e.g | unwrap latency | "
         "__error__=\"\" )";
}

// The labels a `by` metric query can use, so parsers extract only those;
// nullopt when a stage may read any label (templates) or the grouping keeps
// everything not excluded.
void FilterNames(const logql::LabelFilterExpr& f, std::vector<std::string>* out) {
  if (f.left) FilterNames(*f.left, out);
  if (f.right) FilterNames(*f.right, out);
  if (f.matcher) out->push_back(f.matcher->name());
  if (!f.name.empty()) out->push_back(f.name);
}

std::optional<std::vector<std::string>> ExtractionHints(
    const logql::LogRange& r, const std::optional<logql::Grouping>& grouping) {
  if (!grouping || grouping->without) return std::nullopt;
  std::vector<std::string> names = grouping->labels;
  for (const auto& st : r.selector->stages) {
    if (std::holds_alternative<logql::LineFormatStage>(st)) return std::nullopt;
    if (const auto* lf = std::get_if<logql::LabelFormatStage>(&st)) {
      for (const auto& item : lf->items) {
        if (item.is_template) return std::nullopt;
        names.push_back(item.dst);
        names.push_back(item.value);
      }
    } else if (const auto* f = std::get_if<logql::LabelFilterStage>(&st)) {
      FilterNames(*f->expr, &names);
    } else if (const auto* d = std::get_if<logql::DropStage>(&st)) {
      for (const auto& item : d->items) names.push_back(item.name);
    } else if (const auto* k = std::get_if<logql::KeepStage>(&st)) {
      for (const auto& item : k->items) names.push_back(item.name);
    }
  }
  if (r.unwrap) {
    names.push_back(r.unwrap->label);
    for (const auto& f : r.unwrap->post_filters) FilterNames(*f.expr, &names);
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

}  // namespace

StatusOr<std::vector<StreamSelection>> SelectSliced(Store* store, const std::string& tenant,
                                                    const std::vector<index::Matcher>& matchers,
                                                    int64_t from, int64_t to, Direction dir,
                                                    chunk::BlockFilterPtr filter, size_t slices) {
  if (slices <= 1 || to - from < static_cast<int64_t>(slices) * 1'000'000) {
    return store->Select(tenant, matchers, from, to, dir, std::move(filter));
  }
  std::vector<StreamSelection> all;
  const int64_t span = to - from;
  for (size_t i = 0; i < slices; ++i) {
    size_t k = dir == Direction::kForward ? i : slices - 1 - i;
    int64_t a = from + static_cast<int64_t>(static_cast<__int128>(span) * k / slices);
    int64_t b = from + static_cast<int64_t>(static_cast<__int128>(span) * (k + 1) / slices);
    LOGSTACK_ASSIGN_OR_RETURN(std::vector<StreamSelection> part,
                              store->Select(tenant, matchers, a, b, dir, filter));
    for (auto& sel : part) all.push_back(std::move(sel));
  }
  return all;
}

double Quantile(double phi, std::vector<double> values) {
  if (values.empty()) return kNaN;
  if (phi < 0) return -std::numeric_limits<double>::infinity();
  if (phi > 1) return std::numeric_limits<double>::infinity();
  std::sort(values.begin(), values.end());
  double n = static_cast<double>(values.size());
  double rank = phi * (n - 1);
  size_t lo = static_cast<size_t>(std::max(0.0, std::floor(rank)));
  size_t hi = static_cast<size_t>(std::min(n - 1, lo + 1.0));
  double w = rank - std::floor(rank);
  return values[lo] * (1 - w) + values[hi] * w;
}

StatusOr<StepValue> EvalSamples(const SampleQuery& q, const SampleEnv& env, QueryStats* stats) {
  const logql::RangeAggExpr& e = *q.expr;
  const logql::LogRange& r = e.range;
  const StepGrid& g = q.grid;
  const RangeOp op = e.op;
  LOGSTACK_ASSIGN_OR_RETURN(pipeline::PipelinePtr proto, CompileForQuery(pipeline::CompilePipeline(
                                                             r.selector->stages, env.compile)));
  pipeline::PipelinePtr post_proto;
  if (r.unwrap && !r.unwrap->post_filters.empty()) {
    LOGSTACK_ASSIGN_OR_RETURN(
        post_proto, CompileForQuery(pipeline::CompileLabelFilters(r.unwrap->post_filters)));
  }
  const std::optional<logql::Grouping> grouping =
      e.grouping ? e.grouping : (q.has_pushdown ? std::optional(q.pushdown) : std::nullopt);
  const std::optional<std::vector<std::string>> hints = ExtractionHints(r, grouping);

  chunk::BlockFilterPtr filter = MakeBlockFilter(r.selector->stages);
  // Entries in (first window start, last step] shifted by the offset.
  const int64_t last_t = g.At(g.n - 1);
  const int64_t from = g.start - r.offset_ns - r.range_ns + 1;
  const int64_t to = last_t - r.offset_ns + 1;
  LOGSTACK_ASSIGN_OR_RETURN(
      std::vector<StreamSelection> streams,
      SelectSliced(env.store, env.tenant, r.selector->matchers, from, to, Direction::kForward,
                   filter, env.parallelism > 1 ? 2 * static_cast<size_t>(env.parallelism) : 1));
  {
    std::unordered_set<const Labels*> distinct;
    for (const auto& sel : streams) distinct.insert(sel.labels);
    stats->streams += distinct.size();
  }

  const size_t workers = std::min<size_t>(std::max(1, env.parallelism), streams.size());
  std::vector<std::unordered_map<std::string, SeriesAcc>> maps(workers);
  std::atomic<size_t> next{0};
  const bool keep_samples = KeepsSamples(op);
  const bool is_bytes = op == RangeOp::kBytesOverTime || op == RangeOp::kBytesRate;

  env.parallel_for(workers, [&](size_t w) {
    auto& series = maps[w];
    pipeline::PipelinePtr pl = proto->Clone();
    pipeline::PipelinePtr post = post_proto ? post_proto->Clone() : nullptr;
    std::vector<LabelRef> md;
    uint64_t bytes = 0, lines = 0;
    // Series by key; `make` builds the labels of a new one.
    auto find_or_add = [&](const std::string& key,
                           const std::function<Labels()>& make) -> SeriesAcc* {
      auto it = series.find(key);
      if (it != series.end()) return &it->second;
      if (series.size() >= env.max_series) {
        env.fail(InvalidArgument("maximum of series (" + std::to_string(env.max_series) +
                                 ") reached for a single query"));
        return nullptr;
      }
      SeriesAcc& s = series[key];
      s.labels = make();
      s.acc.resize(g.n);
      if (keep_samples) s.samples.resize(g.n);
      return &s;
    };
    auto series_for = [&](Labels labels) -> SeriesAcc* {
      std::string key = LabelsString(labels);
      return find_or_add(key, [&] { return std::move(labels); });
    };
    // `by (...)`: the key comes from the grouping labels alone, without
    // building the entry's whole label set.
    std::vector<std::string> by_names;
    if (grouping && !grouping->without) {
      by_names = grouping->labels;
      std::sort(by_names.begin(), by_names.end());
      by_names.erase(std::unique(by_names.begin(), by_names.end()), by_names.end());
    }
    std::string key_buf;
    auto series_by = [&](pipeline::LabelsBuilder& lbs) -> SeriesAcc* {
      key_buf.clear();
      for (const auto& name : by_names) {
        std::optional<std::string_view> v = lbs.Get(name);
        if (!v || v->empty()) continue;
        key_buf += name;
        key_buf += '\x01';
        key_buf += *v;
        key_buf += '\x02';
      }
      return find_or_add(key_buf, [&] {
        Labels l;
        for (const auto& name : by_names) {
          std::optional<std::string_view> v = lbs.Get(name);
          if (v && !v->empty()) l.push_back({name, std::string(*v)});
        }
        return l;
      });
    };
    for (size_t si = next++; si < streams.size(); si = next++) {
      StreamSelection& sel = streams[si];
      pipeline::LabelsBuilder lbs(sel.labels);
      if (hints) lbs.SetHints(&*hints);
      SeriesAcc* base = nullptr;
      EntryIterator* it = sel.it.get();
      while (it->Next()) {
        const EntryView& en = it->entry();
        bytes += en.line.size();
        if (++lines % 4096 == 0) {
          if (!env.check(bytes, lines)) return;
          bytes = lines = 0;
        }
        md.clear();
        if (!en.metadata.empty()) DecodeMetadata(en.metadata, &md);
        lbs.Reset(md);
        std::string_view line = en.line;
        if (!pl->Process(en.timestamp_ns, &line, &lbs)) continue;
        double v = 1;
        if (is_bytes) v = static_cast<double>(line.size());
        if (r.unwrap) {
          if (!lbs.HasError()) {
            pipeline::UnwrapResult ur = pipeline::ExtractUnwrapped(*r.unwrap, &lbs, &v);
            if (ur == pipeline::UnwrapResult::kSkip) continue;
          }
          if (post && !post->Process(en.timestamp_ns, &line, &lbs)) continue;
        }
        SeriesAcc* s;
        if (!lbs.Modified() && !r.unwrap) {
          if (!base) {
            base = (grouping && !grouping->without)
                       ? series_by(lbs)
                       : series_for(grouping ? Reduce(*sel.labels, *grouping) : *sel.labels);
            if (!base) return;
          }
          s = base;
        } else {
          if (q.check_errors && lbs.HasError()) {
            env.fail(InvalidArgument(PipelineError(lbs.error(), lbs.Result())));
            return;
          }
          if (grouping && !grouping->without) {
            s = series_by(lbs);
          } else {
            Labels full = lbs.Result();
            s = series_for(grouping ? Reduce(full, *grouping) : std::move(full));
          }
          if (!s) return;
        }
        // Steps t with t - offset in [ts, ts + range).
        const int64_t lo_t = en.timestamp_ns + r.offset_ns;
        const int64_t hi_t = en.timestamp_ns + r.offset_ns + r.range_ns - 1;
        size_t k_lo, k_hi;
        if (g.step == 0) {
          if (g.start < lo_t || g.start > hi_t) continue;
          k_lo = k_hi = 0;
        } else {
          if (hi_t < g.start || lo_t > last_t) continue;
          k_lo = lo_t <= g.start ? 0 : static_cast<size_t>((lo_t - g.start + g.step - 1) / g.step);
          k_hi = std::min<size_t>(g.n - 1, static_cast<size_t>((hi_t - g.start) / g.step));
        }
        for (size_t k = k_lo; k <= k_hi; ++k) {
          Fold(op, s->acc[k], en.timestamp_ns, v);
          if (keep_samples) s->samples[k].emplace_back(en.timestamp_ns, v);
        }
      }
      if (!it->status().ok()) {
        env.fail(it->status());
        return;
      }
    }
    env.check(bytes, lines);
  });
  if (filter) env.check(filter->skipped_bytes.load(), filter->skipped_entries.load());
  if (Status st = env.error(); !st.ok()) return st;

  // Merge the workers' series.
  std::unordered_map<std::string, SeriesAcc> all;
  if (workers > 0) all = std::move(maps[0]);
  for (size_t w = 1; w < workers; ++w) {
    for (auto& [key, s] : maps[w]) {
      auto it = all.find(key);
      if (it == all.end()) {
        all.emplace(key, std::move(s));
        continue;
      }
      for (size_t k = 0; k < g.n; ++k) {
        Merge(op, it->second.acc[k], s.acc[k]);
        if (keep_samples) {
          auto& dst = it->second.samples[k];
          dst.insert(dst.end(), s.samples[k].begin(), s.samples[k].end());
        }
      }
    }
  }
  if (all.size() > env.max_series) {
    return InvalidArgument("maximum of series (" + std::to_string(env.max_series) +
                           ") reached for a single query");
  }

  const double range_s = static_cast<double>(r.range_ns) / 1e9;
  StepValue out;
  if (op == RangeOp::kAbsentOverTime) {
    StepSeries s(g.n);
    s.labels = AbsentLabels(*r.selector);
    for (size_t k = 0; k < g.n; ++k) {
      bool any =
          std::any_of(all.begin(), all.end(), [&](auto& kv) { return kv.second.acc[k].b > 0; });
      if (!any) {
        s.v[k] = 1;
        s.has[k] = 1;
      }
    }
    if (!s.Empty()) out.series.push_back(std::move(s));
    return out;
  }
  for (auto& [key, sa] : all) {
    StepSeries s(g.n);
    s.labels = std::move(sa.labels);
    for (size_t k = 0; k < g.n; ++k) {
      const Acc& x = sa.acc[k];
      if (x.b == 0) continue;
      double v = 0;
      switch (op) {
        case RangeOp::kCountOverTime:
          v = x.b;
          break;
        case RangeOp::kRate:
          v = (r.unwrap ? x.a : x.b) / range_s;
          break;
        case RangeOp::kBytesOverTime:
        case RangeOp::kSumOverTime:
          v = x.a;
          break;
        case RangeOp::kBytesRate:
          v = x.a / range_s;
          break;
        case RangeOp::kAvgOverTime:
          v = x.a / x.b;
          break;
        case RangeOp::kMinOverTime:
        case RangeOp::kMaxOverTime:
        case RangeOp::kFirstOverTime:
        case RangeOp::kLastOverTime:
          v = x.a;
          break;
        case RangeOp::kStddevOverTime:
          v = std::sqrt(x.c / x.b);
          break;
        case RangeOp::kStdvarOverTime:
          v = x.c / x.b;
          break;
        case RangeOp::kQuantileOverTime: {
          std::vector<double> vals;
          vals.reserve(sa.samples[k].size());
          for (auto& p : sa.samples[k]) vals.push_back(p.second);
          v = Quantile(e.param.value_or(0), std::move(vals));
          break;
        }
        case RangeOp::kRateCounter: {
          bool ok = false;
          v = CounterRate(sa.samples[k], range_s, r.range_ns, &ok);
          if (!ok) continue;
          break;
        }
        case RangeOp::kAbsentOverTime:
          break;
      }
      s.v[k] = v;
      s.has[k] = 1;
    }
    if (!s.Empty()) out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace logstack::logstore::engine
