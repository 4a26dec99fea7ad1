#include "common/metrics.h"

#include <cmath>
#include <cstdio>

namespace logstack::metrics {
namespace {

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string RenderLabels(const LabelPairs& labels, const std::string& extra_name = "",
                         const std::string& extra_value = "") {
  if (labels.empty() && extra_name.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k + "=\"" + EscapeLabelValue(v) + "\"";
  }
  if (!extra_name.empty()) {
    if (!first) out += ",";
    out += extra_name + "=\"" + extra_value + "\"";
  }
  out += "}";
  return out;
}

std::string FormatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[bounds_.size() + 1]) {  // NOLINT: array of atomics
  for (size_t i = 0; i <= bounds_.size(); i++) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) i++;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.Inc(v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t acc = 0;
  for (size_t i = 0; i <= bounds_.size(); i++) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; i++) {
    out.push_back(v);
    v *= factor;
  }
  return out;
}

Registry::Series& Registry::GetSeries(const std::string& name, const std::string& help, Kind kind,
                                      const LabelPairs& labels) {
  Family& fam = families_[name];
  if (fam.series.empty()) {
    fam.kind = kind;
    fam.help = help;
  }
  // A series' fields are written once, when it is made: Render reads them
  // without the lock.
  auto [it, inserted] = fam.series.try_emplace(RenderLabels(labels));
  if (inserted) it->second.labels = labels;
  return it->second;
}

Counter& Registry::GetCounter(const std::string& name, const std::string& help,
                              const LabelPairs& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = GetSeries(name, help, Kind::kCounter, labels);
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::GetGauge(const std::string& name, const std::string& help,
                          const LabelPairs& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = GetSeries(name, help, Kind::kGauge, labels);
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::GetHistogram(const std::string& name, const std::string& help,
                                  const std::vector<double>& bounds, const LabelPairs& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = GetSeries(name, help, Kind::kHistogram, labels);
  if (!s.histogram) s.histogram = std::make_unique<Histogram>(bounds);
  return *s.histogram;
}

void Registry::AddGaugeFunction(const std::string& name, const std::string& help,
                                const LabelPairs& labels, std::function<double()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  GetSeries(name, help, Kind::kGauge, labels).fn = std::move(fn);
}

void Registry::AddCounterFunction(const std::string& name, const std::string& help,
                                  const LabelPairs& labels, std::function<double()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  GetSeries(name, help, Kind::kCounter, labels).fn = std::move(fn);
}

void Registry::AddScrapeHook(std::function<void()> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  hooks_.push_back(std::move(hook));
}

std::string Registry::Render() const {
  // What to render, collected under the lock; the hooks and functions run
  // after it is released (see the lock order in the header). Series live in
  // map nodes that are never erased, so the pointers stay valid.
  struct Row {
    const std::string* name;
    const Family* family;
    const std::string* key;
    const Series* series;
    std::function<double()> fn;  // a copy: AddGaugeFunction may replace it meanwhile
  };
  std::vector<std::function<void()>> hooks;
  std::vector<Row> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hooks = hooks_;
    for (const auto& [name, fam] : families_) {
      for (const auto& [key, s] : fam.series) rows.push_back({&name, &fam, &key, &s, s.fn});
    }
  }
  for (const auto& hook : hooks) hook();

  std::string out;
  const std::string* family_name = nullptr;
  for (const Row& r : rows) {
    const std::string& name = *r.name;
    if (family_name != r.name) {
      family_name = r.name;
      const char* type = r.family->kind == Kind::kCounter ? "counter"
                         : r.family->kind == Kind::kGauge ? "gauge"
                                                          : "histogram";
      out += "# HELP " + name + " " + r.family->help + "\n";
      out += "# TYPE " + name + " " + type + "\n";
    }
    const Series& s = *r.series;
    if (s.histogram) {
      auto counts = s.histogram->CumulativeCounts();
      const auto& b = s.histogram->bounds();
      for (size_t i = 0; i <= b.size(); i++) {
        std::string le = i < b.size() ? FormatValue(b[i]) : "+Inf";
        out += name + "_bucket" + RenderLabels(s.labels, "le", le) + " " +
               std::to_string(counts[i]) + "\n";
      }
      out += name + "_sum" + *r.key + " " + FormatValue(s.histogram->Sum()) + "\n";
      out += name + "_count" + *r.key + " " + std::to_string(s.histogram->Count()) + "\n";
      continue;
    }
    double v = r.fn ? r.fn() : s.counter ? s.counter->Value() : s.gauge ? s.gauge->Value() : 0;
    out += name + *r.key + " " + FormatValue(v) + "\n";
  }
  return out;
}

}  // namespace logstack::metrics
