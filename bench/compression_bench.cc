// compression_bench: how far compression can go on the benchmark data set.
//
// The log store's compression ratio is measured by push_bench (line bytes
// over chunk bytes, through the real server). This benchmark asks a
// different question: what would other codecs and settings make of the same
// lines, and what is the least any lossless encoding could take?
//
// It generates the data set of bench/datagen.h (the lines push_bench sends,
// picked across streams and nodes the same way), keeps each stream's lines
// as one newline-separated text, and reports:
//
//   information_*    the entropy of the generator's random draws per line
//                    (Rng's information sink). The lines and their
//                    timestamps are a function of these draws, so no
//                    lossless encoding can average fewer bytes than this:
//                    `information_bound_ratio` is line bytes over it. Nearly
//                    every draw shows in the text (ids, numbers, choices of
//                    message), so the bound is close, not loose.
//   ratio_<codec>    line bytes over compressed bytes, compressing each
//                    stream's text alone, cut into blocks of the given size
//                    (or whole), and the codec's compression speed in MB of
//                    input per CPU-second of this thread.
//
// Usage: compression_bench [--mb=64] [--slow=1]
//   --mb    MiB of line bytes to generate (default 64)
//   --slow  0 skips the slow codecs (zstd 19 and the whole-stream run)

#include <time.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/datagen.h"

namespace logstack::bench {
namespace {

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Compresses `in` and returns the compressed size.
using Codec = std::function<size_t(std::string_view in)>;

Codec Zstd(int level, int window_log = 0) {
  return [level, window_log](std::string_view in) -> size_t {
    static thread_local ZSTD_CCtx* cctx = ZSTD_createCCtx();
    static thread_local std::string out;
    out.resize(ZSTD_compressBound(in.size()));
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
    if (window_log > 0) {
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_enableLongDistanceMatching, 1);
      ZSTD_CCtx_setParameter(cctx, ZSTD_c_windowLog, window_log);
    }
    size_t n = ZSTD_compress2(cctx, out.data(), out.size(), in.data(), in.size());
    if (ZSTD_isError(n)) Die(std::string("zstd: ") + ZSTD_getErrorName(n));
    return n;
  };
}

Codec Gzip(int level) {
  return [level](std::string_view in) -> size_t {
    static thread_local std::string out;
    uLongf len = compressBound(static_cast<uLong>(in.size()));
    out.resize(len);
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &len,
                  reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()),
                  level) != Z_OK) {
      Die("zlib compress2 failed");
    }
    return len;
  };
}

struct Run {
  const char* name;
  Codec codec;
  size_t block;  // bytes per block; 0 = each stream whole
  bool slow;
};

}  // namespace

int Main(int argc, char** argv) {
  uint64_t mb = 64;
  bool slow = true;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--mb=", 0) == 0) {
      mb = ParseUint("--mb", a.substr(5));
    } else if (a.rfind("--slow=", 0) == 0) {
      slow = ParseUint("--slow", a.substr(7)) != 0;
    } else {
      Die("usage: compression_bench [--mb=64] [--slow=1]");
    }
  }

  DataSetOptions opts;
  DataSet ds(opts);
  const size_t nstreams = ds.streams().size();
  std::vector<std::string> text(nstreams);
  double bits = 0;
  double bits_by_format[3] = {0, 0, 0};
  uint64_t bytes_by_format[3] = {0, 0, 0};
  ds.set_information_sink(&bits);
  uint64_t line_bytes = 0, lines = 0;
  std::string line;
  for (int node = 0; line_bytes < (mb << 20); node = (node + 1) % opts.nodes) {
    size_t s = ds.PickStream(node);
    line.clear();
    double before = bits;
    ds.NextLine(s, &line);
    int f = static_cast<int>(ds.streams()[s].format);
    bits_by_format[f] += bits - before;
    bytes_by_format[f] += line.size();
    text[s] += line;
    text[s] += '\n';
    line_bytes += line.size();
    lines++;
  }
  ds.set_information_sink(nullptr);

  Report("line_bytes", static_cast<double>(line_bytes), "bytes");
  Report("lines", static_cast<double>(lines), "lines");
  Report("line_bytes_per_line", static_cast<double>(line_bytes) / lines, "bytes");
  Report("information_per_line", bits / 8 / static_cast<double>(lines), "bytes");
  Report("information_bound_ratio", static_cast<double>(line_bytes) / (bits / 8), "x");
  const char* kFormat[3] = {"logfmt", "json", "nginx"};
  for (int f = 0; f < 3; f++) {
    if (bytes_by_format[f] == 0) continue;
    Report(std::string("information_bound_ratio_") + kFormat[f],
           static_cast<double>(bytes_by_format[f]) / (bits_by_format[f] / 8), "x");
  }

  const std::vector<Run> runs = {
      {"zstd1_256k", Zstd(1), 256 << 10, false}, {"zstd3_256k", Zstd(3), 256 << 10, false},
      {"zstd6_256k", Zstd(6), 256 << 10, false}, {"gzip6_256k", Gzip(6), 256 << 10, false},
      {"zstd1_1m", Zstd(1), 1 << 20, false},     {"zstd19_256k", Zstd(19), 256 << 10, true},
      {"zstd19_4m", Zstd(19), 4 << 20, true},    {"zstd19_long_whole", Zstd(19, 27), 0, true},
  };
  for (const Run& r : runs) {
    if (r.slow && !slow) continue;
    uint64_t in = 0, out = 0;
    double cpu0 = ThreadCpuSeconds();
    for (const std::string& t : text) {
      size_t block = r.block == 0 ? t.size() : r.block;
      for (size_t off = 0; off < t.size(); off += block) {
        std::string_view piece = std::string_view(t).substr(off, block);
        out += r.codec(piece);
        in += piece.size();
      }
    }
    double cpu = ThreadCpuSeconds() - cpu0;
    // The newlines are not line bytes: count only what the store counts.
    Report(std::string("ratio_") + r.name, static_cast<double>(line_bytes) / out, "x");
    Report(std::string("speed_") + r.name, static_cast<double>(in) / 1e6 / cpu, "MB/cpu-s");
  }
  return 0;
}

}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
