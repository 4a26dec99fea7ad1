// The collector's reading half, per CPU-second: ~120-byte CRI lines split,
// parsed and assembled into entries (collector/format), first from memory,
// then read from a file through the TailManager (collector/tail: pread in
// 256 KiB blocks from the page cache, inotify, positions bookkeeping), then
// the same for Docker json-file lines. First of all, the memory of watching
// 1,000 container logs (RSS growth after discovering and reading them all). One line in 20 is a partial
// ("P") line joined with the next, as long lines are. The target (issue 16) is 1,000,000 lines per
// collector CPU-second end to end; this measures the part before batching.
//
//   collector_read_bench [--mb=N] [--reps=N]
//
// Prints "name value unit" lines (bench/run.sh's format). CPU time is the
// process's (CLOCK_PROCESS_CPUTIME_ID), best of --reps.

#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>

#include "bench/bench_util.h"
#include "collector/format/assembler.h"
#include "collector/format/line.h"
#include "collector/tail/tail_manager.h"
#include "common/clock.h"

namespace logstack::bench {
namespace {

using collector::format::AssembledEntry;

double CpuSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// About `total` bytes of ~120-byte lines; every 20th line is split into a
// partial and its end. Returns the number of entries the lines make.
size_t MakeLines(size_t total, bool docker, std::string* out) {
  static const char* kMsgs[] = {"request served", "cache miss", "order created", "upstream failed",
                                "client error"};
  static const char* kPaths[] = {"/api/cart", "/api/orders/1234", "/healthz", "/api/checkout"};
  std::mt19937 gen(7);
  out->reserve(total + 256);
  size_t entries = 0;
  int64_t ns = 0;
  while (out->size() < total) {
    char text[128];
    const int n = std::snprintf(
        text, sizeof(text), "level=info msg=\"%s\" method=GET path=%s status=%u dur=%ums",
        kMsgs[gen() % 5], kPaths[gen() % 4], static_cast<unsigned>(200 + gen() % 4),
        static_cast<unsigned>(gen() % 900));
    std::string_view t(text, static_cast<size_t>(n));
    const bool split = entries % 20 == 19;
    for (int piece = 0; piece < (split ? 2 : 1); ++piece) {
      std::string_view part = split ? (piece == 0 ? t.substr(0, 30) : t.substr(30)) : t;
      const bool partial = split && piece == 0;
      ns += 1234567;
      char ts[48];
      std::snprintf(ts, sizeof(ts), "2024-01-15T08:%02d:%02d.%09dZ",
                    static_cast<int>(ns / 60'000'000'000 % 60),
                    static_cast<int>(ns / 1'000'000'000 % 60),
                    static_cast<int>(ns % 1'000'000'000));
      if (docker) {
        *out += "{\"log\":\"";
        for (char c : part) {  // JSON-escape the quotes of msg="..."
          if (c == '"') *out += '\\';
          *out += c;
        }
        *out += partial ? "" : "\\n";
        *out += "\",\"stream\":\"stdout\",\"time\":\"";
        *out += ts;
        *out += "\"}\n";
      } else {
        *out += ts;
        *out += partial ? " stdout P " : " stdout F ";
        *out += part;
        *out += '\n';
      }
    }
    ++entries;
  }
  return entries;
}

class Count final : public collector::format::EntryConsumer {
 public:
  void OnEntry(const AssembledEntry& e) override {
    ++entries;
    bytes += e.line.size();
  }
  size_t entries = 0;
  size_t bytes = 0;
};

// Split, parse and assemble from memory.
void InMemory(const std::string& name, const std::string& data, size_t want_entries, int reps) {
  size_t lines = 0;
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    collector::format::EntryAssembler assembler;
    Count count;
    std::string scratch;
    lines = 0;
    const double t0 = CpuSeconds();
    const char* p = data.data();
    const char* end = p + data.size();
    int64_t off = 0;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', end - p));
      std::string_view line(p, nl - p);
      const int64_t next = off + static_cast<int64_t>(line.size()) + 1;
      assembler.Add(
          collector::format::ParseLine(line, collector::format::FormatMode::kAuto, &scratch),
          {1, off, next}, 0, &count);
      off = next;
      p = nl + 1;
      ++lines;
    }
    best = std::min(best, CpuSeconds() - t0);
    if (count.entries != want_entries) Die(name + ": wrong number of entries");
  }
  Report(name + "_lines_per_cpu_s", static_cast<double>(lines) / best, "lines/s");
  Report(name + "_entries_per_cpu_s", static_cast<double>(want_entries) / best, "entries/s");
  Report(name + "_mb_per_cpu_s", static_cast<double>(data.size()) / best / 1e6, "MB/s");
}

class Sink final : public collector::tail::EntrySink {
 public:
  void OnEntry(const collector::tail::Target&, const AssembledEntry& e) override {
    ++entries;
    bytes += e.line.size();
    last = e.position;
  }
  size_t entries = 0;
  size_t bytes = 0;
  collector::SourcePosition last;
};

// Through the TailManager from a file (page cache), as the collector reads.
void FromFile(const std::string& name, const std::string& data, size_t want_entries, int reps) {
  TempDir dir("collector-read-bench-");
  const std::string container = dir.path() + "/pods/ns_pod_0b5c4e7a-1111-2222-3333-444455556666/c";
  std::string mk = "mkdir -p " + container;
  if (std::system(mk.c_str()) != 0) Die("mkdir failed");
  const std::string path = container + "/0.log";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
    Die("cannot write " + path);
  }
  std::fclose(f);
  double best = 1e300;
  for (int r = 0; r < reps; ++r) {
    collector::tail::TailManagerOptions opts;
    opts.pods_dir = dir.path() + "/pods";
    collector::tail::TailManager m(opts, &RealClock::Default(), nullptr);
    Sink sink;
    const double t0 = CpuSeconds();
    m.Start(&sink);
    while (sink.entries < want_entries) {
      if (m.ReadRound(4 << 20, &sink).bytes == 0) Die(name + ": read stalled");
    }
    best = std::min(best, CpuSeconds() - t0);
    if (sink.last.offset != static_cast<int64_t>(data.size())) Die(name + ": wrong end position");
  }
  size_t lines = static_cast<size_t>(std::count(data.begin(), data.end(), '\n'));
  Report(name + "_lines_per_cpu_s", static_cast<double>(lines) / best, "lines/s");
  Report(name + "_entries_per_cpu_s", static_cast<double>(want_entries) / best, "entries/s");
  Report(name + "_mb_per_cpu_s", static_cast<double>(data.size()) / best / 1e6, "MB/s");
}

// 1,000 pods with one container log each: RSS growth once all are
// discovered, watched, opened and read.
void ThousandFiles() {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
    rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  TempDir dir("collector-read-bench-1000-");
  const std::string pods = dir.path() + "/pods";
  if (std::system(("mkdir -p " + pods).c_str()) != 0) Die("mkdir failed");
  constexpr int kFiles = 1000;
  std::string lines;
  MakeLines(4096, false, &lines);
  for (int i = 0; i < kFiles; ++i) {
    const std::string c =
        pods + "/ns_pod-" + std::to_string(i) + "_uid" + std::to_string(i) + "/app";
    std::filesystem::create_directories(c);
    FILE* f = std::fopen((c + "/0.log").c_str(), "wb");
    if (f == nullptr) Die("cannot write under " + c);
    std::fwrite(lines.data(), 1, lines.size(), f);
    std::fclose(f);
  }
  const uint64_t before = ProcessRssBytes(getpid());
  collector::tail::TailManagerOptions opts;
  opts.pods_dir = pods;
  collector::tail::TailManager m(opts, &RealClock::Default(), nullptr);
  Sink sink;
  m.Start(&sink);
  while (m.ReadRound(4 << 20, &sink).more) {
  }
  if (m.target_count() != kFiles || m.stats().open_files.load() != kFiles) {
    Die("1000 files: not all files were opened (open file limit?)");
  }
  const uint64_t after = ProcessRssBytes(getpid());
  Report("collector_1000_files_rss_growth", static_cast<double>(after - before) / 1e6, "MB");
  Report("collector_1000_files_watches", static_cast<double>(m.stats().watches.load()), "watches");
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) {
  using namespace logstack::bench;
  uint64_t mb = 64, reps = 3;
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
  const int r = static_cast<int>(std::max<uint64_t>(reps, 1));
  spdlog::set_level(spdlog::level::warn);  // the tailer's per-file info lines
  ThousandFiles();  // first: memory freed by the other runs would hide its growth
  {
    std::string cri;
    const size_t entries = MakeLines(mb << 20, /*docker=*/false, &cri);
    const size_t lines = static_cast<size_t>(std::count(cri.begin(), cri.end(), '\n'));
    std::fprintf(stderr, "cri: %zu lines, %.1f bytes a line\n", lines,
                 static_cast<double>(cri.size()) / static_cast<double>(lines));
    InMemory("collector_cri_parse_assemble", cri, entries, r);
    FromFile("collector_cri_tail", cri, entries, r);
  }
  {
    std::string docker;
    const size_t entries = MakeLines(mb << 20, /*docker=*/true, &docker);
    InMemory("collector_docker_parse_assemble", docker, entries, r);
  }
  return 0;
}
