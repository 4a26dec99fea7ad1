// collector_ship_bench: what the collector's push encoder (collector/ship,
// PushEncoder) costs per line, on one core: Append of ~120-byte log lines
// spread over 100 streams, each with its source position, then Finish()
// (the PushRequest gathered per stream and snappy-compressed) every 1 MiB
// of encoded request, as the batcher does.
//
//   collector_ship_bench [--lines=5000000] [--streams=100] [--line-bytes=120]
//                        [--batch-kb=1024] [--run=1] [--reps=3]
//
// Two ways of naming the stream are measured: "lookup" calls StreamId(labels)
// for every line (a hash of the labels string, unless the line's stream is
// the previous line's), "cached" keeps the ids of the current generation, as
// a batcher holding per-file state would. By default the streams take turns
// line by line (--run=1), the worst case for both; --run=N sends N lines of
// a stream in a row, as a tailer reading a block of one file does. The
// lines are generated logfmt (timestamps, paths, ids, durations), so the
// snappy ratio is that of real logs, not of random or repeated bytes.
//
// Time is the benchmark thread's CPU time (CLOCK_THREAD_CPUTIME_ID), best of
// --reps. Prints "name value unit" lines (bench/run.sh): lines per CPU
// second, nanoseconds per line in total, in Append (with AddPosition) and in
// Finish, the request's bytes before and after snappy, and snappy alone over
// the same lines (the floor under Finish).

#include <snappy.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_util.h"
#include "collector/ship/push_encoder.h"
#include "common/clock.h"

namespace logstack::bench {
namespace {

struct Options {
  uint64_t lines = 5'000'000;
  uint64_t streams = 100;
  uint64_t line_bytes = 120;
  uint64_t batch_kb = 1024;
  uint64_t reps = 3;
  // Consecutive lines of one stream: 1 is round robin over the streams (the
  // worst case); a tailer reading a block of one file gives long runs.
  uint64_t run = 1;
};

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Log lines of exactly `len` bytes, back to back in one buffer.
struct Corpus {
  std::string buf;
  std::vector<std::string_view> lines;
};

Corpus MakeCorpus(size_t count, size_t len) {
  static const char* kLevels[] = {"info", "info", "info", "debug", "warn", "error"};
  static const char* kMsgs[] = {"request served",  "cache miss",   "order created",
                                "upstream failed", "client error", "retrying"};
  static const char* kPaths[] = {"/api/cart",     "/api/orders", "/healthz",
                                 "/api/checkout", "/api/users",  "/metrics"};
  static const char* kUsers[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
  std::mt19937_64 rng(7);
  Corpus c;
  c.buf.reserve(count * len);
  std::vector<size_t> starts;
  char line[512];
  for (size_t i = 0; i < count; ++i) {
    int n = std::snprintf(
        line, sizeof(line),
        "ts=2026-03-01T12:%02d:%02d.%06dZ level=%s msg=\"%s\" path=%s/%u status=%d "
        "dur_ms=%u user=%s req=%016llx trace=%08x pad=",
        static_cast<int>(rng() % 60), static_cast<int>(rng() % 60),
        static_cast<int>(rng() % 1000000), kLevels[rng() % 6], kMsgs[rng() % 6], kPaths[rng() % 6],
        static_cast<unsigned>(rng() % 100000), rng() % 10 == 0 ? 500 : 200,
        static_cast<unsigned>(rng() % 2000), kUsers[rng() % 6],
        static_cast<unsigned long long>(rng()), static_cast<unsigned>(rng()));
    std::string l(line, static_cast<size_t>(std::max(n, 0)));
    while (l.size() < len) l.push_back(static_cast<char>('a' + rng() % 26));
    l.resize(len);
    starts.push_back(c.buf.size());
    c.buf += l;
  }
  for (size_t s : starts) c.lines.emplace_back(c.buf.data() + s, len);
  return c;
}

struct Result {
  double cpu_s = 0;
  double finish_cpu_s = 0;
  uint64_t batches = 0;
  uint64_t raw_bytes = 0;
  uint64_t body_bytes = 0;
};

Result Run(const Options& o, const Corpus& corpus, const std::vector<std::string>& labels,
           bool cached_ids) {
  collector::PushEncoder enc("", &RealClock::Default());
  const uint64_t batch_bytes = o.batch_kb << 10;
  std::vector<uint32_t> ids(labels.size());
  std::vector<uint64_t> id_generation(labels.size(), ~uint64_t{0});
  std::vector<int64_t> offsets(labels.size(), 0);
  Result r;
  int64_t ts = 1'772'366'400'000'000'000;
  auto finish = [&] {
    double t0 = ThreadCpuSeconds();
    collector::BatchPtr b = enc.Finish();
    r.finish_cpu_s += ThreadCpuSeconds() - t0;
    ++r.batches;
    r.raw_bytes += b->raw_bytes;
    r.body_bytes += b->body.size();
  };
  const double start = ThreadCpuSeconds();
  for (uint64_t i = 0; i < o.lines; ++i) {
    const size_t s = (i / o.run) % labels.size();
    uint32_t id;
    if (cached_ids) {
      if (id_generation[s] != enc.generation()) {
        ids[s] = enc.StreamId(labels[s]);
        id_generation[s] = enc.generation();
      }
      id = ids[s];
    } else {
      id = enc.StreamId(labels[s]);
    }
    std::string_view line = corpus.lines[i % corpus.lines.size()];
    enc.Append(id, ts + static_cast<int64_t>(i), line);
    offsets[s] += static_cast<int64_t>(line.size()) + 60;  // the CRI prefix read with it
    enc.AddPosition(s + 1, offsets[s]);
    if (enc.raw_bytes() >= batch_bytes) finish();
  }
  if (!enc.empty()) finish();
  r.cpu_s = ThreadCpuSeconds() - start;
  return r;
}

// The floor under Finish(): snappy alone over 1 MiB batches of the lines.
double SnappyOnlyNsPerLine(const Options& o, const Corpus& corpus) {
  const size_t per_batch = std::max<size_t>(1, (o.batch_kb << 10) / o.line_bytes);
  std::string raw;
  for (size_t i = 0; i < per_batch; ++i) raw += corpus.lines[i % corpus.lines.size()];
  std::string out(snappy::MaxCompressedLength(raw.size()), '\0');
  const uint64_t batches = std::max<uint64_t>(1, o.lines / per_batch);
  double best = 0;
  for (uint64_t rep = 0; rep < o.reps; ++rep) {
    const double start = ThreadCpuSeconds();
    size_t n = 0;
    for (uint64_t b = 0; b < batches; ++b)
      snappy::RawCompress(raw.data(), raw.size(), out.data(), &n);
    const double secs = ThreadCpuSeconds() - start;
    if (rep == 0 || secs < best) best = secs;
  }
  return best * 1e9 / static_cast<double>(batches * per_batch);
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    size_t eq = arg.find('=');
    std::string flag = arg.substr(0, eq);
    std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (flag == "--lines") {
      o.lines = ParseUint(flag, value);
    } else if (flag == "--streams") {
      o.streams = ParseUint(flag, value);
    } else if (flag == "--line-bytes") {
      o.line_bytes = ParseUint(flag, value);
    } else if (flag == "--batch-kb") {
      o.batch_kb = ParseUint(flag, value);
    } else if (flag == "--run") {
      o.run = ParseUint(flag, value);
    } else if (flag == "--reps") {
      o.reps = ParseUint(flag, value);
    } else {
      Die("unknown flag " + arg);
    }
  }
  if (o.lines == 0 || o.streams == 0 || o.line_bytes == 0 || o.batch_kb == 0 || o.reps == 0 ||
      o.run == 0) {
    Die("every flag must be positive");
  }
  std::vector<std::string> labels;
  for (uint64_t s = 0; s < o.streams; ++s) {
    labels.push_back("{app=\"app-" + std::to_string(s % 17) +
                     "\", container=\"main\", "
                     "job=\"ns-" +
                     std::to_string(s % 7) + "/app-" + std::to_string(s % 17) +
                     "\", namespace=\"ns-" + std::to_string(s % 7) +
                     "\", node_name=\"node-1\", "
                     "pod=\"app-" +
                     std::to_string(s) + "-7c9f8d6b5-x2k4q\", stream=\"stdout\"}");
  }
  const Corpus corpus = MakeCorpus(std::min<uint64_t>(o.lines, 200'000), o.line_bytes);

  for (bool cached : {false, true}) {
    Result best;
    for (uint64_t rep = 0; rep < o.reps; ++rep) {
      Result r = Run(o, corpus, labels, cached);
      if (rep == 0 || r.cpu_s < best.cpu_s) best = r;
    }
    const std::string name = std::string("ship_encode_") + (cached ? "cached" : "lookup");
    const double lines = static_cast<double>(o.lines);
    Report(name + "_lines_per_cpu_s", lines / best.cpu_s, "lines/s");
    Report(name + "_ns_per_line", best.cpu_s * 1e9 / lines, "ns");
    Report(name + "_append_ns_per_line", (best.cpu_s - best.finish_cpu_s) * 1e9 / lines, "ns");
    Report(name + "_finish_ns_per_line", best.finish_cpu_s * 1e9 / lines, "ns");
    Report(name + "_input_mb_per_cpu_s",
           lines * static_cast<double>(o.line_bytes) / best.cpu_s / 1e6, "MB/s");
    if (!cached) {
      Report("ship_encode_batches", static_cast<double>(best.batches), "batches");
      Report("ship_encode_raw_bytes_per_line", static_cast<double>(best.raw_bytes) / lines, "B");
      Report("ship_encode_snappy_ratio",
             static_cast<double>(best.raw_bytes) / static_cast<double>(best.body_bytes), "x");
    }
  }
  Report("ship_snappy_only_ns_per_line", SnappyOnlyNsPerLine(o, corpus), "ns");
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
