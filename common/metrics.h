#pragma once

// A small Prometheus metrics registry: counters, gauges, histograms and
// gauges computed on scrape, rendered in the text exposition format.
//
// Metrics are created once and updated through the returned reference, which
// stays valid for the registry's lifetime; updates are lock-free atomics, so
// hot paths cache the reference instead of looking it up per event.
//
// Thread safety: everything is safe to call from any thread.
//
// Lock order: the registry's mutex is a leaf. Nothing runs under it but the
// registry's own bookkeeping: gauge and counter functions and scrape hooks are
// called by Render() after it is released. So they may take their owner's
// locks, and their owner may create or update metrics while holding its own.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace logstack::metrics {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(double v = 1) {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) {
    double cur = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
    }
  }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  // Cumulative counts per bucket (last is +Inf), sum and count.
  std::vector<uint64_t> CumulativeCounts() const;
  double Sum() const { return sum_.Value(); }
  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  Counter sum_;
  std::atomic<uint64_t> count_{0};
};

// Exponential bucket bounds: start, start*factor, ... (count bounds).
std::vector<double> ExponentialBuckets(double start, double factor, int count);

class Registry {
 public:
  Counter& GetCounter(const std::string& name, const std::string& help,
                      const LabelPairs& labels = {});
  Gauge& GetGauge(const std::string& name, const std::string& help, const LabelPairs& labels = {});
  Histogram& GetHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& bounds, const LabelPairs& labels = {});
  // A gauge whose value is read from fn at each scrape.
  void AddGaugeFunction(const std::string& name, const std::string& help, const LabelPairs& labels,
                        std::function<double()> fn);
  // A counter whose value is read from fn at each scrape.
  void AddCounterFunction(const std::string& name, const std::string& help,
                          const LabelPairs& labels, std::function<double()> fn);

  // Runs `hook` at the start of every Render(), before any function is read
  // and outside the registry's lock: a module whose statistics cost a walk
  // over its state takes one snapshot there and sets plain gauges from it,
  // instead of one walk per gauge function.
  void AddScrapeHook(std::function<void()> hook);

  // The text exposition format, families sorted by name. Runs the scrape
  // hooks, then reads every series.
  std::string Render() const;

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  // Set once under mu_ when made (fn may be replaced, under mu_); Render
  // reads labels and the metric pointers without the lock.
  struct Series {
    LabelPairs labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> fn;
  };
  struct Family {
    Kind kind;
    std::string help;
    std::map<std::string, Series> series;  // keyed by rendered labels
  };
  Series& GetSeries(const std::string& name, const std::string& help, Kind kind,
                    const LabelPairs& labels);

  mutable std::mutex mu_;
  std::map<std::string, Family> families_;    // GUARDED_BY(mu_); series are never erased
  std::vector<std::function<void()>> hooks_;  // GUARDED_BY(mu_)
};

}  // namespace logstack::metrics
