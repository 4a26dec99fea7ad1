// chunk_bench: throughput and compression ratio of the chunk layer.
//
// Generates a deterministic data set of realistic log lines (one stream each
// of logfmt, JSON and nginx access logs, from a fixed-seed PRNG), then
// measures, per encoding:
//   - append: HeadChunk::Append of every line, cutting a chunk (Encode) at
//     1.5 MB compressed as a stream would, in MB of line bytes per CPU-second;
//   - ratio: raw bytes (lines + metadata) / encoded chunk bytes, overall and
//     per line format; ratio_lines: line bytes / encoded chunk bytes;
//   - scan: ChunkReader::Open + a full forward (and backward) iteration, in MB
//     of raw entry bytes per CPU-second;
//   - scan_filter_miss: every block put through the query literal pre-check
//     (BlockFilter) with a literal that no line holds, bypassing the chunks'
//     trigram filters, in MB of raw entry bytes per CPU-second.
// Prints one "name value unit" line per figure. Times are this thread's CPU
// time, so other load on the machine skews them less than wall time would;
// each speed is the best of --repeat runs.
//
//   chunk_bench [--repeat=N]

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_util.h"
#include "logstore/chunk/chunk_reader.h"
#include "logstore/chunk/head_chunk.h"
#include "logstore/model/types.h"

namespace logstack::logstore::chunk {
namespace {

constexpr size_t kBytesPerFormat = 32 << 20;
constexpr size_t kChunkTargetCompressed = 1536 << 10;

double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// splitmix64: tiny, fast and the same on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  // Skewed towards the front of a list of n, as real traffic is.
  uint64_t Skewed(uint64_t n) {
    uint64_t a = Below(n), b = Below(n);
    return std::min(a, b);
  }
  template <size_t N>
  const char* Pick(const char* const (&items)[N]) {
    return items[Skewed(N)];
  }

 private:
  uint64_t s_;
};

void AppendNum(std::string* s, uint64_t v) { *s += std::to_string(v); }

void AppendHex(std::string* s, Rng& rng, int digits) {
  static const char kHex[] = "0123456789abcdef";
  uint64_t v = rng.Next();
  for (int i = 0; i < digits; i++) {
    if (i == 16) v = rng.Next();
    s->push_back(kHex[(v >> (4 * (i % 16))) & 15]);
  }
}

void AppendPadded(std::string* s, uint64_t v, int width) {
  std::string d = std::to_string(v);
  if (static_cast<int>(d.size()) < width) s->append(width - d.size(), '0');
  *s += d;
}

// "2024-05-01T12:34:56.123456Z" for a nanosecond Unix time.
void AppendRfc3339(std::string* s, int64_t ns) {
  int64_t secs = ns / 1'000'000'000;
  int64_t day_secs = secs % 86400;
  *s += "2024-05-01T";
  AppendPadded(s, day_secs / 3600, 2);
  s->push_back(':');
  AppendPadded(s, day_secs / 60 % 60, 2);
  s->push_back(':');
  AppendPadded(s, day_secs % 60, 2);
  s->push_back('.');
  AppendPadded(s, ns / 1000 % 1'000'000, 6);
  s->push_back('Z');
}

const char* const kLevels[] = {"info", "debug", "warn", "error"};
const char* const kPaths[] = {"/api/v1/products", "/api/v1/cart",    "/api/v1/orders",
                              "/healthz",         "/api/v1/search",  "/api/v1/users/me",
                              "/static/app.js",   "/api/v1/checkout"};
const char* const kMethods[] = {"GET", "POST", "PUT", "DELETE"};
const char* const kStatus[] = {"200", "200", "304", "201", "404", "500", "302"};
const char* const kMessages[] = {"request served",     "cache miss, loading from db",
                                 "upstream retry",     "payment authorized",
                                 "session refreshed",  "slow query detected",
                                 "rate limit applied", "connection reset by peer"};
const char* const kCallers[] = {"server/http.go:231",    "cache/lru.go:88",     "db/pool.go:142",
                                "payments/stripe.go:77", "auth/session.go:310", "api/orders.go:55"};
const char* const kAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4_1) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "kube-probe/1.29",
    "Go-http-client/2.0"};
const char* const kMonths[] = {"May"};

void Logfmt(std::string* s, Rng& rng, int64_t ns) {
  *s += "ts=";
  AppendRfc3339(s, ns);
  *s += " level=";
  *s += rng.Pick(kLevels);
  *s += " caller=";
  *s += rng.Pick(kCallers);
  *s += " component=checkout msg=\"";
  *s += rng.Pick(kMessages);
  *s += "\" method=";
  *s += rng.Pick(kMethods);
  *s += " path=";
  *s += rng.Pick(kPaths);
  *s += " status=";
  *s += rng.Pick(kStatus);
  *s += " duration=";
  AppendNum(s, rng.Skewed(800));
  s->push_back('.');
  AppendNum(s, rng.Below(1000));
  *s += "ms user_id=";
  AppendNum(s, 1000 + rng.Skewed(50000));
  *s += " trace_id=";
  AppendHex(s, rng, 16);
}

void Json(std::string* s, Rng& rng, int64_t ns) {
  *s += "{\"time\":\"";
  AppendRfc3339(s, ns);
  *s += "\",\"level\":\"";
  *s += rng.Pick(kLevels);
  *s += "\",\"logger\":\"orders.api\",\"msg\":\"";
  *s += rng.Pick(kMessages);
  *s += "\",\"request_id\":\"";
  AppendHex(s, rng, 8);
  s->push_back('-');
  AppendHex(s, rng, 4);
  *s += "\",\"http\":{\"method\":\"";
  *s += rng.Pick(kMethods);
  *s += "\",\"path\":\"";
  *s += rng.Pick(kPaths);
  s->push_back('/');
  AppendNum(s, rng.Skewed(5000));
  *s += "\",\"status\":";
  *s += rng.Pick(kStatus);
  *s += ",\"bytes\":";
  AppendNum(s, 200 + rng.Skewed(20000));
  *s += "},\"latency_ms\":";
  AppendNum(s, rng.Skewed(300));
  s->push_back('.');
  AppendNum(s, rng.Below(100));
  *s += ",\"pod\":\"orders-api-7d9f8b6c5-";
  static const char* const kPods[] = {"x2k4p", "m9q7z", "b3n8w"};
  *s += rng.Pick(kPods);
  *s += "\"}";
}

void Nginx(std::string* s, Rng& rng, int64_t ns) {
  *s += "10.";
  AppendNum(s, rng.Skewed(4));
  s->push_back('.');
  AppendNum(s, rng.Skewed(256));
  s->push_back('.');
  AppendNum(s, rng.Skewed(256));
  *s += " - - [01/";
  *s += kMonths[0];
  *s += "/2024:";
  int64_t secs = ns / 1'000'000'000 % 86400;
  AppendPadded(s, secs / 3600, 2);
  s->push_back(':');
  AppendPadded(s, secs / 60 % 60, 2);
  s->push_back(':');
  AppendPadded(s, secs % 60, 2);
  *s += " +0000] \"";
  *s += rng.Pick(kMethods);
  s->push_back(' ');
  *s += rng.Pick(kPaths);
  if (rng.Below(3) == 0) {
    *s += "?page=";
    AppendNum(s, 1 + rng.Skewed(20));
  }
  *s += " HTTP/1.1\" ";
  *s += rng.Pick(kStatus);
  s->push_back(' ');
  AppendNum(s, rng.Skewed(60000));
  *s += " \"https://shop.example.com";
  *s += rng.Pick(kPaths);
  *s += "\" \"";
  *s += rng.Pick(kAgents);
  *s += "\" ";
  AppendNum(s, rng.Skewed(2));
  s->push_back('.');
  AppendPadded(s, rng.Below(1000), 3);
}

struct Stream {
  const char* name;
  std::string arena;  // every line, back to back
  std::vector<int64_t> ts;
  std::vector<uint32_t> end;  // end offset of each line in arena
  std::string metadata;       // attached to every 10th entry
  std::string_view Line(size_t i) const {
    uint32_t begin = i == 0 ? 0 : end[i - 1];
    return std::string_view(arena).substr(begin, end[i] - begin);
  }
};

Stream Generate(const char* name, void (*gen)(std::string*, Rng&, int64_t), uint64_t seed) {
  Stream s;
  s.name = name;
  Rng rng(seed);
  int64_t ns = 1'714'564'800'000'000'000;
  s.arena.reserve(kBytesPerFormat + 4096);
  while (s.arena.size() < kBytesPerFormat) {
    ns += static_cast<int64_t>(rng.Skewed(2'000'000));  // ~1500 lines/s, some equal
    gen(&s.arena, rng, ns);
    s.ts.push_back(ns);
    s.end.push_back(static_cast<uint32_t>(s.arena.size()));
  }
  LabelRef md[] = {{"trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}};
  EncodeMetadata(&s.metadata, md, 1);
  return s;
}

struct Chunks {
  std::vector<std::string> encoded;
  size_t raw = 0;
  size_t line_bytes = 0;
  size_t bytes() const {
    size_t n = 0;
    for (const auto& c : encoded) n += c.size();
    return n;
  }
};

// Appends a stream the way the store does: one head chunk at a time, cut at
// the target compressed size. `jitter_every` > 0 moves every n-th entry up to
// a second back in time (out-of-order writes).
Chunks Ingest(const Stream& s, const ChunkOptions& opts, size_t jitter_every, double* seconds) {
  Chunks out;
  Rng rng(99);
  double start = CpuSeconds();
  auto head = std::make_unique<HeadChunk>(opts);
  for (size_t i = 0; i < s.ts.size(); i++) {
    std::string_view line = s.Line(i);
    std::string_view md = i % 10 == 0 ? std::string_view(s.metadata) : std::string_view();
    int64_t ts = s.ts[i];
    if (jitter_every > 0 && i % jitter_every == 0) {
      ts -= static_cast<int64_t>(rng.Below(1'000'000'000));
    }
    head->Append(ts, line, md);
    out.line_bytes += line.size();
    if (head->compressed_bytes() >= kChunkTargetCompressed) {
      out.raw += head->raw_bytes();
      out.encoded.push_back(head->Encode());
      head = std::make_unique<HeadChunk>(opts);
    }
  }
  if (!head->empty()) {
    out.raw += head->raw_bytes();
    out.encoded.push_back(head->Encode());
  }
  *seconds = CpuSeconds() - start;
  return out;
}

// Opens and fully iterates every chunk. Returns raw bytes seen.
size_t Scan(const Chunks& chunks, Direction dir, double* seconds, uint64_t* checksum) {
  size_t raw = 0;
  double total = 0;
  for (const std::string& bytes : chunks.encoded) {
    std::string copy = bytes;  // Open takes ownership; the copy is not timed
    double start = CpuSeconds();
    auto reader = ChunkReader::Open(std::move(copy));
    if (!reader.ok()) bench::Die("open: " + reader.status().ToString());
    auto it = (*reader)->Iterator(INT64_MIN, INT64_MAX, dir);
    while (it->Next()) {
      const EntryView& e = it->entry();
      raw += e.line.size() + e.metadata.size();
      *checksum += static_cast<uint64_t>(e.timestamp_ns) + e.line.size();
    }
    if (!it->status().ok()) bench::Die("scan: " + it->status().ToString());
    total += CpuSeconds() - start;
  }
  *seconds = total;
  return raw;
}

// Puts every block of every chunk through the literal pre-check with a
// literal no line holds, as a query whose literal passed the chunks' trigram
// filters would. Returns raw bytes skipped.
size_t FilterMiss(const Chunks& chunks, double* seconds) {
  size_t raw = 0;
  double total = 0;
  for (const std::string& bytes : chunks.encoded) {
    auto reader = ChunkReader::Open(bytes);
    if (!reader.ok()) bench::Die("open: " + reader.status().ToString());
    std::vector<BlockSource> sources;
    for (const BlockMeta& b : (*reader)->blocks()) {
      sources.push_back(
          BlockSource{b, std::string_view((*reader)->bytes()).substr(b.offset, b.compressed_len),
                      (*reader)->encoding(), /*verify_crc=*/true, (*reader)->layout()});
    }
    auto filter = std::make_shared<BlockFilter>();
    filter->literals = {"no line holds this literal"};
    double start = CpuSeconds();
    auto it = NewBlockIterator(*reader, std::move(sources), INT64_MIN, INT64_MAX,
                               Direction::kForward, filter);
    if (it->Next()) bench::Die("filter_miss: a block matched");
    if (!it->status().ok()) bench::Die("filter_miss: " + it->status().ToString());
    total += CpuSeconds() - start;
    raw += filter->skipped_bytes.load();
  }
  *seconds = total;
  return raw;
}

void Print(const std::string& name, double value, const char* unit) {
  std::printf("%-32s %10.2f %s\n", name.c_str(), value, unit);
}

// The best (highest) of `repeat` speeds: bytes / seconds per run.
template <typename Run>
double BestSpeed(int repeat, Run run) {
  double best = 0;
  for (int i = 0; i < repeat; i++) {
    double seconds = 0;
    double bytes = static_cast<double>(run(&seconds));
    best = std::max(best, bytes / 1e6 / seconds);
  }
  return best;
}

int Main(int repeat) {
  std::vector<Stream> streams;
  streams.push_back(Generate("logfmt", Logfmt, 1));
  streams.push_back(Generate("json", Json, 2));
  streams.push_back(Generate("nginx", Nginx, 3));
  size_t total_lines = 0;
  for (const Stream& s : streams) total_lines += s.arena.size();
  Print("dataset_line_bytes", total_lines / 1e6, "MB");

  struct Config {
    const char* name;
    ChunkOptions opts;
  };
  const Config configs[] = {
      {"zstd1", {Encoding::kZstd, 1, 256 << 10}},
      {"zstd3", {Encoding::kZstd, 3, 256 << 10}},
      {"snappy", {Encoding::kSnappy, 0, 256 << 10}},
  };
  uint64_t checksum = 0;
  for (const Config& c : configs) {
    const std::string suffix = std::string("_") + c.name;
    size_t lines = 0, raw = 0, encoded = 0;
    std::vector<Chunks> per_stream;
    for (const Stream& s : streams) {
      double t;
      per_stream.push_back(Ingest(s, c.opts, 0, &t));
      lines += per_stream.back().line_bytes;
      raw += per_stream.back().raw;
      encoded += per_stream.back().bytes();
      Print("ratio" + suffix + "_" + s.name,
            static_cast<double>(per_stream.back().raw) / per_stream.back().bytes(), "x");
    }
    Print("append" + suffix,
          BestSpeed(repeat,
                    [&](double* seconds) {
                      size_t n = 0;
                      *seconds = 0;
                      for (const Stream& s : streams) {
                        double t;
                        n += Ingest(s, c.opts, 0, &t).line_bytes;
                        *seconds += t;
                      }
                      return n;
                    }),
          "MB/s");
    Print("ratio" + suffix, static_cast<double>(raw) / encoded, "x");
    Print("ratio_lines" + suffix, static_cast<double>(lines) / encoded, "x");
    auto scan = [&](Direction dir) {
      return [&, dir](double* seconds) {
        size_t n = 0;
        *seconds = 0;
        for (const Chunks& ch : per_stream) {
          double t;
          n += Scan(ch, dir, &t, &checksum);
          *seconds += t;
        }
        return n;
      };
    };
    Print("scan_forward" + suffix, BestSpeed(repeat, scan(Direction::kForward)), "MB/s");
    if (c.opts.encoding == Encoding::kZstd) {
      Print("scan_backward" + suffix, BestSpeed(repeat, scan(Direction::kBackward)), "MB/s");
    }
    Print("scan_filter_miss" + suffix,
          BestSpeed(repeat,
                    [&](double* seconds) {
                      size_t n = 0;
                      *seconds = 0;
                      for (const Chunks& ch : per_stream) {
                        double t;
                        n += FilterMiss(ch, &t);
                        *seconds += t;
                      }
                      return n;
                    }),
          "MB/s");
    if (c.opts.encoding == Encoding::kZstd && c.opts.level == 3) {
      // Every 10th entry up to 1 s late: out-of-order appends into the open
      // block and the duplicate checks that come with them.
      Print("append_ooo" + suffix + "_logfmt",
            BestSpeed(repeat,
                      [&](double* seconds) {
                        return Ingest(streams[0], c.opts, 10, seconds).line_bytes;
                      }),
            "MB/s");
    }
  }
  std::fprintf(stderr, "checksum %llu\n", static_cast<unsigned long long>(checksum));
  return 0;
}

}  // namespace
}  // namespace logstack::logstore::chunk

int main(int argc, char** argv) {
  int repeat = 3;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: chunk_bench [--repeat=N]\n"
          "  Appends 32 MB each of generated logfmt, JSON and nginx lines to head chunks\n"
          "  (zstd level 1, zstd level 3, snappy; 256 KiB blocks), then reports the\n"
          "  compression ratios and the append, scan and literal pre-check speeds in MB\n"
          "  per CPU-second, one \"name value unit\" line each.\n"
          "  --repeat=N  time each speed N times and report the best (default 3)\n");
      return 0;
    }
    if (arg.rfind("--repeat=", 0) == 0) {
      uint64_t n = logstack::bench::ParseUint("--repeat", arg.substr(9));
      if (n == 0 || n > 100) logstack::bench::Die("--repeat must be between 1 and 100");
      repeat = static_cast<int>(n);
      continue;
    }
    logstack::bench::Die("unknown argument " + arg + " (see --help)");
  }
  return logstack::logstore::chunk::Main(repeat);
}
