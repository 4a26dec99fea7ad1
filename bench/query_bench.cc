// query_bench: LogQL query speed on the generated data set, out of compressed
// chunks on disk, with grep over the same lines as a plain file for a
// baseline.
//
//   query_bench [--mb=1024] [--parallelism=N] [--only=NAME] [--reps=N]
//
// Loads --mb MiB of generated lines (bench/datagen.h; a rare needle planted
// every 200,000th line) into a Store in a temporary directory, flushes every
// head to chunk files and reopens the store, so queries read only compressed
// chunks. Then runs each query once (after a warm-up run of the first) and
// reports its wall time, the CPU time the process spent, the raw line bytes
// it covered per CPU-second ("per core"; a chunk or block skipped by the
// literal filters counts as covered) and how much the peak resident set grew
// while it ran. The
// same lines, one per line in a text file, go through `grep -F` and
// `grep -E` for comparison (the page cache is warm for both).

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/datagen.h"
#include "common/clock.h"
#include "common/env.h"
#include "common/metrics.h"
#include "logstore/distributor/distributor.h"
#include "logstore/engine/engine.h"
#include "logstore/store/store.h"

namespace logstack::bench {
namespace {

using logstore::engine::Engine;
using logstore::engine::QueryParams;
using logstore::engine::QueryStats;

constexpr int64_t kSec = 1'000'000'000;
constexpr const char* kNeedle = "xyzzy-7f3a-needle";

double CpuSeconds(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Resets the kernel's peak-RSS mark (VmHWM) of this process.
void ResetPeakRss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
}

struct Loaded {
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  uint64_t bytes = 0;
  uint64_t lines = 0;
  std::string logfmt_apps, json_apps;
};

Loaded Load(logstore::Store* store, uint64_t mb, const std::string& text_path) {
  DataSetOptions dopts;
  dopts.start_ns = 1705305600LL * kSec;  // 2024-01-15T08:00:00Z
  DataSet data(dopts);
  Loaded out;
  out.start_ns = dopts.start_ns;
  std::set<std::string> logfmt, json;
  for (const auto& s : data.streams()) {
    size_t a = s.labels.find("app=\"") + 5;
    std::string app = s.labels.substr(a, s.labels.find('"', a) - a);
    if (s.format == LineFormat::kLogfmt) logfmt.insert(app);
    if (s.format == LineFormat::kJson) json.insert(app);
  }
  for (const auto& a : logfmt) out.logfmt_apps += (out.logfmt_apps.empty() ? "" : "|") + a;
  for (const auto& a : json) out.json_apps += (out.json_apps.empty() ? "" : "|") + a;

  std::FILE* text = std::fopen(text_path.c_str(), "w");
  if (!text) Die("cannot write " + text_path);
  const uint64_t target = mb << 20;
  std::vector<std::future<logstore::PushResult>> inflight;
  std::string line;
  int node = 0;
  while (out.bytes < target) {
    // One push of ~1 MiB: lines from many streams, grouped by stream.
    auto req = std::make_unique<logstore::PushRequest>();
    struct Pending {
      size_t stream;
      int64_t ts;
      size_t off, len;
    };
    std::vector<Pending> pend;
    while (req->body.size() < (1u << 20)) {
      size_t s = data.PickStream(node);
      node = (node + 1) % dopts.nodes;
      line.clear();
      int64_t ts = data.NextLine(s, &line);
      if (++out.lines % 200000 == 0) line += std::string(" ") + kNeedle;
      pend.push_back({s, ts, req->body.size(), line.size()});
      req->body += line;
      std::fwrite(line.data(), 1, line.size(), text);
      std::fputc('\n', text);
      out.bytes += line.size();
      out.end_ns = std::max(out.end_ns, ts);
    }
    std::map<size_t, size_t> stream_index;
    for (const auto& p : pend) {
      auto [it, fresh] = stream_index.emplace(p.stream, req->streams.size());
      if (fresh) {
        logstore::PushStream ps;
        ps.labels_text = data.streams()[p.stream].labels;
        req->streams.push_back(std::move(ps));
      }
      logstore::PushEntry e;
      e.timestamp_ns = p.ts;
      e.line = std::string_view(req->body).substr(p.off, p.len);
      req->streams[it->second].entries.push_back(e);
    }
    auto prom = std::make_shared<std::promise<logstore::PushResult>>();
    inflight.push_back(prom->get_future());
    logstore::Distributor(store, &RealClock::Default())
        .Push("fake", std::move(req), [prom](logstore::PushResult r) { prom->set_value(r); });
    if (inflight.size() >= 4) {
      for (auto& f : inflight) {
        auto r = f.get();
        if (r.status != 204) Die("push refused: " + r.message);
      }
      inflight.clear();
    }
  }
  for (auto& f : inflight) {
    auto r = f.get();
    if (r.status != 204) Die("push refused: " + r.message);
  }
  std::fclose(text);
  return out;
}

// Runs a program and returns its CPU seconds (user + system).
double RunGrep(const std::vector<std::string>& args, double* wall) {
  double before = CpuSeconds(RUSAGE_CHILDREN);
  double t0 = MonotonicSeconds();
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  *wall = MonotonicSeconds() - t0;
  return CpuSeconds(RUSAGE_CHILDREN) - before;
}

int Main(int argc, char** argv) {
  uint64_t mb = 1024;
  int parallelism = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string only;
  int reps = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--mb=", 0) == 0) {
      mb = ParseUint("--mb", a.substr(5));
    } else if (a.rfind("--parallelism=", 0) == 0) {
      parallelism = static_cast<int>(ParseUint("--parallelism", a.substr(14)));
    } else if (a.rfind("--reps=", 0) == 0) {
      reps = static_cast<int>(ParseUint("--reps", a.substr(7)));
    } else if (a.rfind("--only=", 0) == 0) {
      only = a.substr(7);
    } else {
      Die("unknown flag " + a);
    }
  }
  TempDir dir("query-bench");
  logstore::StoreOptions opts;
  opts.data_dir = dir.path() + "/data";
  opts.wal_sync = false;
  opts.limits.ingestion_rate_mb = 1e6;
  opts.limits.ingestion_burst_size_mb = 1e6;
  opts.limits.per_stream_rate_limit = 1ull << 40;
  opts.limits.per_stream_rate_limit_burst = 1ull << 40;
  opts.limits.validation.reject_old_samples = false;
  opts.limits.retention_period_ns = 0;
  opts.max_chunk_age_ns = 1000LL * 3600 * kSec;
  metrics::Registry registry;
  const std::string text_path = dir.path() + "/lines.txt";

  Loaded data;
  {
    auto store = logstore::Store::Open(Env::Default(), &RealClock::Default(), opts, &registry);
    if (!store.ok()) Die(store.status().ToString());
    double t0 = MonotonicSeconds();
    data = Load(store->get(), mb, text_path);
    Status st = (*store)->FlushAll();
    if (!st.ok()) Die(st.ToString());
    (*store)->Close();
    std::fprintf(stderr, "loaded %.0f MiB, %llu lines in %.1f s\n",
                 static_cast<double>(data.bytes) / (1 << 20),
                 static_cast<unsigned long long>(data.lines), MonotonicSeconds() - t0);
  }
  metrics::Registry registry2;
  auto reopened = logstore::Store::Open(Env::Default(), &RealClock::Default(), opts, &registry2);
  if (!reopened.ok()) Die(reopened.status().ToString());
  logstore::Store* store = reopened->get();
  Report("data_line_bytes", static_cast<double>(data.bytes) / 1e6, "MB");
  Report("data_lines", static_cast<double>(data.lines), "lines");
  Report("data_disk_bytes", static_cast<double>(store->Stats().disk_bytes) / 1e6, "MB");
  Report("query_parallelism", parallelism, "workers");

  Engine engine(store, &RealClock::Default(), parallelism);
  logstore::engine::QueryLimits limits;
  limits.parallelism = parallelism;
  limits.max_series = 100000;
  limits.timeout_ns = 0;

  const std::string all = "{namespace=~\".+\"}";
  const std::string lf = "{app=~\"" + data.logfmt_apps + "\"}";
  const std::string js = "{app=~\"" + data.json_apps + "\"}";
  struct Q {
    const char* name;
    std::string query;
    bool metric;
  };
  std::vector<Q> queries = {
      {"needle", all + " |= \"" + kNeedle + "\"", false},
      {"regex", all + " |~ \"status=5[0-9][0-9] .*duration=[0-9]+\\\\.[0-9]+s\"", false},
      {"icase", all + " |~ \"(?i)XYZZY-7F3A-NEEDLE\"", false},
      {"json_label_filter", js + " | json | level=\"error\" | logger=\"etl.jobs.daily_orders\"",
       false},
      {"logfmt_count_by_level", "sum by (level) (count_over_time(" + lf + " | logfmt [1m]))", true},
      {"rate_all", "sum by (app) (rate(" + all + "[1m]))", true},
      {"quantile_unwrap",
       "quantile_over_time(0.99, " + lf +
           " | logfmt | unwrap duration(duration) | __error__=\"\" [1m]) by (app)",
       true},
      {"topk", "topk(5, sum by (pod) (rate(" + all + "[1m])))", true},
  };
  bool warmed = false;
  for (const auto& q : queries) {
    if (!only.empty() && only != q.name) continue;
    QueryParams p;
    p.query = q.query;
    // Log queries: every entry. Metric queries: 1m windows every minute,
    // so each sample falls in exactly one step.
    p.start_ns = q.metric ? data.start_ns + 60 * kSec - 1 : data.start_ns;
    p.end_ns = q.metric ? data.end_ns + 60 * kSec : data.end_ns + 1;
    p.step_ns = 60 * kSec;
    p.limit = 100;
    if (!warmed) {
      QueryStats st;
      (void)engine.Exec(p, limits, &st);
      warmed = true;
    }
    for (int i = 1; i < reps; ++i) {  // extra runs, for profiling
      QueryStats st;
      (void)engine.Exec(p, limits, &st);
    }
    ResetPeakRss();
    const uint64_t rss_before = ProcessRssBytes(getpid());
    QueryStats st;
    double c0 = CpuSeconds(RUSAGE_SELF), t0 = MonotonicSeconds();
    auto r = engine.Exec(p, limits, &st);
    double wall = MonotonicSeconds() - t0, cpu = CpuSeconds(RUSAGE_SELF) - c0;
    if (!r.ok()) Die(std::string(q.name) + ": " + r.status().ToString());
    size_t results =
        r->type == logstore::engine::QueryResult::Type::kStreams ? 0 : r->series.size();
    for (auto& s : r->streams) results += s.entries.size();
    std::string n = q.name;
    Report(n + "_wall", wall, "s");
    Report(n + "_cpu", cpu, "CPU-s");
    Report(n + "_scanned", static_cast<double>(st.bytes_processed) / 1e6, "MB");
    Report(n + "_per_core", static_cast<double>(st.bytes_processed) / 1e6 / cpu, "MB/CPU-s");
    Report(n + "_results", static_cast<double>(results), q.metric ? "series" : "entries");
    // What the query itself added to the resident set at its peak (the
    // process also holds the store's index and the loader's leftovers).
    uint64_t peak = ProcessPeakRssBytes(getpid());
    Report(n + "_peak_rss_growth",
           static_cast<double>(peak > rss_before ? peak - rss_before : 0) / (1 << 20), "MiB");
  }
  if (only.empty() || only == "grep") {
    double wall = 0;
    double cpu = RunGrep({"grep", "-F", "-c", kNeedle, text_path}, &wall);
    Report("grep_F_needle_wall", wall, "s");
    Report("grep_F_needle_cpu", cpu, "CPU-s");
    Report("grep_F_needle_per_core", static_cast<double>(data.bytes) / 1e6 / cpu, "MB/CPU-s");
    cpu = RunGrep({"grep", "-E", "-c", "status=5[0-9][0-9] .*duration=[0-9]+\\.[0-9]+s", text_path},
                  &wall);
    Report("grep_E_regex_wall", wall, "s");
    Report("grep_E_regex_cpu", cpu, "CPU-s");
    Report("grep_E_regex_per_core", static_cast<double>(data.bytes) / 1e6 / cpu, "MB/CPU-s");
    cpu = RunGrep({"grep", "-i", "-F", "-c", kNeedle, text_path}, &wall);
    Report("grep_iF_needle_cpu", cpu, "CPU-s");
  }
  store->Close();
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
