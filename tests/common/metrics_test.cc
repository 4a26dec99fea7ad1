#include "common/metrics.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace logstack::metrics {
namespace {

TEST(RegistryTest, RendersCountersGaugesFunctionsAndHistograms) {
  Registry r;
  r.GetCounter("b_total", "B.", {{"k", "v"}}).Inc(2);
  r.GetGauge("a", "A.").Set(1.5);
  r.AddGaugeFunction("c", "C.", {}, [] { return 7.0; });
  r.GetHistogram("d_seconds", "D.", {1, 2}).Observe(1.5);
  const std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE a gauge\na 1.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE b_total counter\nb_total{k=\"v\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("c 7\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"2\"} 1\n"), std::string::npos) << text;
  EXPECT_LT(text.find("# HELP a "), text.find("# HELP b_total ")) << "families sorted by name";
}

TEST(RegistryTest, ScrapeHooksRunOnceARenderBeforeTheValuesAreRead) {
  Registry r;
  Gauge& g = r.GetGauge("snapshot", "Set by the hook.");
  int calls = 0;
  r.AddScrapeHook([&] { g.Set(++calls); });
  EXPECT_NE(r.Render().find("snapshot 1\n"), std::string::npos);
  EXPECT_NE(r.Render().find("snapshot 2\n"), std::string::npos);
  EXPECT_EQ(calls, 2);
}

// A module's gauge function takes the module's lock, and the module creates
// metrics while it holds that lock. With the registry's lock held across
// the function (as before issue 15) the two threads below deadlock.
TEST(RegistryTest, FunctionsRunOutsideTheRegistryLock) {
  Registry r;
  std::mutex module_mu;
  r.AddGaugeFunction("module_value", "Reads the module under its lock.", {}, [&] {
    std::lock_guard<std::mutex> l(module_mu);
    return 1.0;
  });
  r.AddScrapeHook([&] { std::lock_guard<std::mutex> l(module_mu); });
  std::atomic<bool> stop{false};
  std::thread module([&] {
    for (int i = 0; !stop.load(); i++) {
      std::lock_guard<std::mutex> l(module_mu);
      r.GetCounter("module_events_total", "Counted under the module's lock.",
                   {{"n", std::to_string(i % 50)}})
          .Inc();
    }
  });
  for (int i = 0; i < 2000; i++) ASSERT_NE(r.Render().find("module_value 1"), std::string::npos);
  stop.store(true);
  module.join();
}

// Render reads series without the lock: looking a series up again must not
// write to it (TSan caught `labels` rewritten on every GetHistogram, as the
// HTTP server's observer does per request, while /metrics was rendered).
TEST(RegistryTest, LookingUpExistingSeriesWhileRenderingIsSafe) {
  Registry r;
  r.GetHistogram("latency_seconds", "Per route.", {0.1, 1}, {{"route", "push"}});
  std::atomic<bool> stop{false};
  std::thread observer([&] {
    while (!stop.load()) {
      r.GetHistogram("latency_seconds", "Per route.", {0.1, 1}, {{"route", "push"}}).Observe(0.2);
      r.GetCounter("requests_total", "Per route.", {{"route", "push"}}).Inc();
    }
  });
  for (int i = 0; i < 2000; i++) {
    ASSERT_NE(r.Render().find("latency_seconds_bucket{route=\"push\",le=\"1\"}"),
              std::string::npos);
  }
  stop.store(true);
  observer.join();
}

TEST(RegistryTest, AFunctionMayCreateMetricsWhileRendering) {
  Registry r;
  r.AddGaugeFunction("creator", "Creates another series when read.", {}, [&r] {
    r.GetCounter("created_total", "Made during a render.").Inc();
    return 0.0;
  });
  r.Render();
  EXPECT_NE(r.Render().find("created_total "), std::string::npos);
  EXPECT_EQ(r.GetCounter("created_total", "Made during a render.").Value(), 2);
}

}  // namespace
}  // namespace logstack::metrics
