// libFuzzer target for the LogQL engine: any input that parses as a query
// is run over a small fixed store (logfmt, JSON and plain lines, structured
// metadata, some entries in chunks and some in heads) as a range query in
// both directions and as an instant query, under small limits. Errors are
// fine; crashes, sanitizer reports and hangs are not.
//
// Seed: tests/logstore/logql/testdata/queries.txt, one query a file (see
// run.sh).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/mem_env.h"
#include "common/metrics.h"
#include "logstore/distributor/distributor.h"
#include "logstore/engine/engine.h"
#include "logstore/logql/parser.h"
#include "logstore/push/json_decoder.h"
#include "logstore/store/store.h"
#include "tests/mocks/fake_clock.h"

namespace {

using namespace logstack;
using namespace logstack::logstore;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1705305600LL * kSec;  // 2024-01-15T08:00:00Z

struct Fixture {
  FakeClock store_clock{kT0 + 3600 * kSec};
  metrics::Registry registry;
  MemEnv env;
  std::unique_ptr<Store> store;
  std::unique_ptr<engine::Engine> engine;

  void Push(const char* labels, const std::vector<std::string>& lines, int64_t t0,
            bool with_metadata) {
    nlohmann::json values = nlohmann::json::array();
    for (size_t i = 0; i < lines.size(); i++) {
      nlohmann::json v = {std::to_string(t0 + static_cast<int64_t>(i) * 7 * kSec + 123), lines[i]};
      if (with_metadata && i % 2 == 0) {
        v.push_back({{"trace_id", "t" + std::to_string(i % 5)}, {"user", "u" + std::to_string(i)}});
      }
      values.push_back(std::move(v));
    }
    nlohmann::json body = {
        {"streams", {{{"stream", nlohmann::json::parse(labels)}, {"values", values}}}}};
    auto req = push::DecodeJsonPush(body.dump());
    if (!req.ok()) std::abort();
    std::promise<PushResult> done;
    Distributor(store.get(), &store_clock).Push("fake", std::move(*req), [&done](PushResult r) {
      done.set_value(r);
    });
    if (done.get_future().get().status != 204) std::abort();
  }

  Fixture() {
    StoreOptions opts;
    opts.data_dir = "/data";
    opts.wal_enabled = false;
    opts.chunk_block_size = 512;
    opts.limits.ingestion_rate_mb = 1000;
    opts.limits.ingestion_burst_size_mb = 1000;
    opts.limits.validation.reject_old_samples = false;
    auto s = Store::Open(&env, &store_clock, opts, &registry);
    if (!s.ok()) std::abort();
    store = std::move(*s);

    std::vector<std::string> logfmt, json_lines, plain;
    for (int i = 0; i < 40; i++) {
      const char* level = i % 3 == 0 ? "error" : (i % 3 == 1 ? "info" : "warn");
      logfmt.push_back(
          "level=" + std::string(level) + " msg=\"req " + std::to_string(i) +
          "\" status=" + std::to_string(200 + (i % 4) * 100) +
          " duration=" + std::to_string(i * 3 % 50) + "ms size=" + std::to_string(i * 17) +
          "KB latency=" + std::to_string(i * 0.25) + (i % 7 == 0 ? " region=" : " region=eu"));
      json_lines.push_back(R"({"level":")" + std::string(level) + R"(","n":)" + std::to_string(i) +
                           R"(,"nested":{"a":)" + std::to_string(i % 4) +
                           R"(,"b":[1,2,{"c":"x"}]},"ok":)" + (i % 2 ? "true" : "false") +
                           R"(,"ts":"2024-01-15T08:00:)" + std::to_string(10 + i) + R"(Z"})");
      plain.push_back(i % 5 == 0 ? "GET /api/orders 10.0.0." + std::to_string(i) + " 503"
                                 : "connection from ::1 port " + std::to_string(1000 + i));
    }
    json_lines[5] = R"({"level":"warn",)";  // truncated JSON
    logfmt[9] = "level=info msg=\"unterminated";
    Push(R"({"app":"order","env":"prod","stream":"stdout"})", logfmt, kT0, true);
    Push(R"({"app":"delivery","env":"prod"})", json_lines, kT0 + 3 * kSec, false);
    Push(R"({"app":"gateway","env":"dev","level":"info"})", plain, kT0 + 5 * kSec, true);
    if (!store->FlushAll().ok()) std::abort();
    // More entries after the flush: these stay in heads.
    Push(R"({"app":"order","env":"prod","stream":"stdout"})", logfmt, kT0 + 300 * kSec, true);
    Push(R"({"app":"payment","env":"prod"})", json_lines, kT0 + 11 * kSec, true);
    engine = std::make_unique<engine::Engine>(store.get(), &RealClock::Default(), 2);
  }
};

Fixture& F() {
  static Fixture* f = new Fixture();  // lives for the process
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view q(reinterpret_cast<const char*>(data), size);
  if (!logql::ParseExpr(q).ok()) return 0;
  Fixture& f = F();

  engine::QueryLimits limits;
  limits.max_entries = 1000;
  limits.max_series = 100;
  limits.timeout_ns = 2 * kSec;
  limits.max_bytes_read = 1 << 20;
  limits.parallelism = 2;

  engine::QueryParams p;
  p.query = std::string(q);
  p.start_ns = kT0;
  p.end_ns = kT0 + 900 * kSec;
  p.step_ns = 30 * kSec;
  p.limit = 50;
  engine::QueryStats stats;
  (void)f.engine->Exec(p, limits, &stats);

  p.direction = Direction::kForward;
  p.interval_ns = 10 * kSec;
  p.step_ns = 7 * kSec;
  p.limit = 7;
  (void)f.engine->Exec(p, limits, &stats);

  engine::QueryParams inst;
  inst.query = std::string(q);
  inst.start_ns = inst.end_ns = kT0 + 400 * kSec;
  inst.instant = true;
  (void)f.engine->Exec(inst, limits, &stats);
  return 0;
}
