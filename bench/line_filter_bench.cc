// Line filter throughput: how many bytes of log lines per second one core
// scans for `|= "rare"`, `|~ "(?i)rare"` and a regex that RE2 must run, next
// to glibc's memmem. About 100 MB of generated logfmt lines, short (~180 B,
// typical) and long (~4 KB, where per-line overhead no longer hides the
// search speed). The needles occur in a few lines only, so every byte is
// scanned.
//
//   line_filter_bench [--mb=N] [--reps=N]
//
// Prints "name value unit" lines (GB/s, decimal).

#include <string.h>

#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_util.h"
#include "logstore/pipeline/line_filter.h"

namespace logstack::bench {
namespace {

using logstore::logql::LineFilterOp;
using logstore::logql::LineFilterTerm;
using logstore::pipeline::LineMatcherPtr;
using logstore::pipeline::MakeLineMatcher;

struct Corpus {
  std::string buf;
  std::vector<std::string_view> lines;
};

// Lines of about `line_len` bytes; every 10000th line holds the needle.
Corpus MakeCorpus(size_t total, size_t line_len) {
  static const char* kMsgs[] = {"request served", "cache miss", "order created", "upstream failed",
                                "client error"};
  static const char* kPaths[] = {"/api/cart", "/api/orders/1234", "/healthz", "/api/checkout"};
  static const char* kUsers[] = {"alice", "bob", "carol", "dave", "erin"};
  std::mt19937 gen(7);
  auto rng = [&gen]() { return static_cast<unsigned>(gen()); };
  Corpus c;
  c.buf.reserve(total + line_len * 2);
  std::vector<size_t> ends;
  size_t n = 0;
  while (c.buf.size() < total) {
    size_t start = c.buf.size();
    char head[160];
    std::snprintf(head, sizeof(head),
                  "ts=2024-01-15T08:%02u:%02u.%03uZ level=info caller=handler.go:%u msg=\"%s\" "
                  "method=GET path=%s status=%u ",
                  rng() % 60, rng() % 60, rng() % 1000, rng() % 300, kMsgs[rng() % 5],
                  kPaths[rng() % 4], 200 + rng() % 4);
    c.buf += head;
    while (c.buf.size() - start < line_len) {
      char kv[96];
      std::snprintf(kv, sizeof(kv), "user=%s latency_ms=%u bytes=%uB k%u=v%u ", kUsers[rng() % 5],
                    rng() % 900, rng() % 9000, rng() % 50, rng() % 1000);
      c.buf += kv;
    }
    if (++n % 10000 == 0) c.buf += " deadbeef-Needle ERROR latency_ms=999 x";
    ends.push_back(c.buf.size());
  }
  size_t prev = 0;
  for (size_t e : ends) {
    c.lines.emplace_back(c.buf.data() + prev, e - prev);
    prev = e;
  }
  return c;
}

template <typename Fn>
double Measure(const Corpus& c, int reps, Fn&& fn, size_t* hits) {
  double best = 1e300;
  for (int r = 0; r < reps; r++) {
    size_t h = 0;
    double t0 = MonotonicSeconds();
    for (std::string_view l : c.lines) h += fn(l) ? 1 : 0;
    double dt = MonotonicSeconds() - t0;
    if (dt < best) best = dt;
    *hits = h;
  }
  return static_cast<double>(c.buf.size()) / best / 1e9;
}

LineMatcherPtr Must(LineFilterOp op, std::string v) {
  LineFilterTerm t;
  t.value = std::move(v);
  auto m = MakeLineMatcher(op, t);
  if (!m.ok()) Die(m.status().message());
  return *m;
}

void Run(const std::string& name, const Corpus& c, int reps) {
  const std::string needle = "deadbeef-Needle";
  size_t hits = 0;
  double memmem_gbs = Measure(
      c, reps,
      [&](std::string_view l) {
        return memmem(l.data(), l.size(), needle.data(), needle.size()) != nullptr;
      },
      &hits);
  Report(name + "_memmem", memmem_gbs, "GB/s");
  auto contains = Must(LineFilterOp::kContains, needle);
  Report(name + "_contains",
         Measure(
             c, reps, [&](std::string_view l) { return contains->Matches(l); }, &hits),
         "GB/s");
  auto icase = Must(LineFilterOp::kRegex, "(?i)DEADBEEF-needle");
  Report(name + "_icase",
         Measure(
             c, reps, [&](std::string_view l) { return icase->Matches(l); }, &hits),
         "GB/s");
  auto re = Must(LineFilterOp::kRegex, "ERROR latency_ms=9[0-9]{2}");
  Report(name + "_regex",
         Measure(
             c, reps, [&](std::string_view l) { return re->Matches(l); }, &hits),
         "GB/s");
  std::fprintf(stderr, "%s: %zu lines, %zu hits for the regex\n", name.c_str(), c.lines.size(),
               hits);
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) {
  using namespace logstack::bench;
  uint64_t mb = 100, reps = 3;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--mb=", 0) == 0) {
      mb = ParseUint("--mb", a.substr(5));
    } else if (a.rfind("--reps=", 0) == 0) {
      reps = ParseUint("--reps", a.substr(7));
    } else {
      Die("unknown flag " + a);
    }
  }
  {
    Corpus c = MakeCorpus(mb * 1000000, 180);
    Run("line_filter_short", c, static_cast<int>(reps));
  }
  {
    Corpus c = MakeCorpus(mb * 1000000, 4000);
    Run("line_filter_long", c, static_cast<int>(reps));
  }
  return 0;
}
