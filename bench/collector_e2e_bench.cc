// collector_e2e_bench: the real logstack-collector binary end to end. Pod
// logs are written as kubelet writes them (CRI lines of --line-bytes bytes,
// newline included, in <pods>/<ns>_<pod>_<uid>/<container>/0.log; one line
// in ten on stderr), the collector runs as a child process and pushes to a
// sink in this process (an HTTP server answering 204 to POST
// /loki/api/v1/push and counting the entries it receives) or to the real
// log store. Five runs, each on a fresh directory and collector:
//
//   sink    --lines pre-written over --files files, then the collector starts
//           and reads as fast as it can: lines and MB per collector
//           CPU-second, wall time until the sink holds every line, peak RSS.
//   live    the collector starts on empty files; one writer thread appends
//           --live-rate lines/s (spread over the files, every 10 ms) for
//           --live-seconds: collector CPU per line while it follows the
//           writes, and how long after the last write the last line arrives.
//   store   --store-lines pre-written, pushed to build/bin/logstore (WAL
//           fsync on, limits raised as in push_bench): collector and store
//           CPU, lines/s end to end, the lines the store counts as ingested.
//   idle    --idle-files pods with --idle-lines lines each: the collector's
//           RSS once everything is delivered and it sits idle (and, first,
//           the RSS of a collector watching an empty pods directory).
//   outage  the push URL's port refuses connections (bound, not listening)
//           for --outage-seconds while the writer appends --outage-rate
//           lines/s; the collector's RSS is sampled every second; then the
//           sink starts listening and the time until everything arrived is
//           measured.
//
//   collector_e2e_bench [--bin-dir=build/bin] [--runs=sink,live,store,idle,outage]
//       [--files=100] [--lines=2000000] [--line-bytes=120] [--live-rate=200000]
//       [--live-seconds=10] [--store-lines=1000000] [--idle-files=1000]
//       [--idle-lines=10] [--idle-seconds=5] [--outage-seconds=30]
//       [--outage-rate=20000] [--sink-decode=1] [--collector-flag=--KEY=VALUE ...]
//
// Prints "name value unit" lines (bench/run.sh); progress and the outage's
// RSS series go to stderr. A collector's CPU time is utime + stime from
// /proc/<pid>/stat (all its threads), RSS is VmRSS / VmHWM from
// /proc/<pid>/status. "MB" are 10^6 bytes of file (the CRI lines as
// written); "line MB" are the log lines' text only, as the store keeps them.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "common/http_server.h"
#include "common/logging.h"
#include "logstore/model/types.h"
#include "logstore/push/proto_decoder.h"

namespace logstack::bench {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr double kMB = 1e6;
constexpr double kMiB = 1024.0 * 1024.0;

struct Flags {
  std::string bin_dir = "build/bin";
  std::set<std::string> runs = {"sink", "live", "store", "idle", "outage"};
  uint64_t files = 100;
  uint64_t lines = 2'000'000;
  uint64_t line_bytes = 120;
  uint64_t live_rate = 200'000;
  uint64_t live_seconds = 10;
  uint64_t store_lines = 1'000'000;
  uint64_t idle_files = 1000;
  uint64_t idle_lines = 10;
  uint64_t idle_seconds = 5;
  uint64_t outage_seconds = 30;
  uint64_t outage_rate = 20'000;
  bool sink_decode = true;
  std::vector<std::string> collector_flags;
};

void Usage() {
  std::fputs(
      "usage: collector_e2e_bench [--bin-dir=build/bin] [--runs=sink,live,store,idle,outage]\n"
      "  [--files=100] [--lines=2000000] [--line-bytes=120] [--live-rate=200000]\n"
      "  [--live-seconds=10] [--store-lines=1000000] [--idle-files=1000] [--idle-lines=10]\n"
      "  [--idle-seconds=5] [--outage-seconds=30] [--outage-rate=20000] [--sink-decode=1]\n"
      "  [--collector-flag=--KEY=VALUE ...]\n",
      stderr);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      Usage();
      std::exit(0);
    }
    size_t eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) {
      Usage();
      Die("bad argument: " + a);
    }
    std::string k = a.substr(2, eq - 2), v = a.substr(eq + 1);
    if (k == "bin-dir") {
      f.bin_dir = v;
    } else if (k == "runs") {
      f.runs.clear();
      std::stringstream ss(v);
      for (std::string r; std::getline(ss, r, ',');) {
        if (r != "sink" && r != "live" && r != "store" && r != "idle" && r != "outage") {
          Die("unknown run: " + r);
        }
        f.runs.insert(r);
      }
    } else if (k == "files") {
      f.files = ParseUint(a, v);
    } else if (k == "lines") {
      f.lines = ParseUint(a, v);
    } else if (k == "line-bytes") {
      f.line_bytes = ParseUint(a, v);
    } else if (k == "live-rate") {
      f.live_rate = ParseUint(a, v);
    } else if (k == "live-seconds") {
      f.live_seconds = ParseUint(a, v);
    } else if (k == "store-lines") {
      f.store_lines = ParseUint(a, v);
    } else if (k == "idle-files") {
      f.idle_files = ParseUint(a, v);
    } else if (k == "idle-lines") {
      f.idle_lines = ParseUint(a, v);
    } else if (k == "idle-seconds") {
      f.idle_seconds = ParseUint(a, v);
    } else if (k == "outage-seconds") {
      f.outage_seconds = ParseUint(a, v);
    } else if (k == "outage-rate") {
      f.outage_rate = ParseUint(a, v);
    } else if (k == "sink-decode") {
      f.sink_decode = ParseUint(a, v) != 0;
    } else if (k == "collector-flag") {
      f.collector_flags.push_back(v);
    } else {
      Usage();
      Die("unknown flag: " + a);
    }
  }
  if (f.files == 0) Die("--files must be > 0");
  return f;
}

// This process's CPU time (every thread: the sink, the writer).
double SelfCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int64_t WallNanos() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string TailOf(const std::string& path, size_t bytes = 3000) {
  std::string all = ReadAll(path);
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

// The sum of every series of `name` (with or without labels) in a
// Prometheus text exposition; -1 when there is none.
double MetricSum(const std::string& text, std::string_view name) {
  double sum = 0;
  bool found = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != ' ' && next != '{') continue;
    size_t sp = line.rfind(' ');
    sum += std::strtod(std::string(line.substr(sp + 1)).c_str(), nullptr);
    found = true;
  }
  return found ? sum : -1;
}

// Polls `done` every `period` until it holds or `timeout_s` passes.
bool WaitUntil(const std::function<bool()>& done, double timeout_s,
               std::chrono::milliseconds period = 5ms) {
  const double deadline = MonotonicSeconds() + timeout_s;
  while (!done()) {
    if (MonotonicSeconds() > deadline) return false;
    std::this_thread::sleep_for(period);
  }
  return true;
}

// ------------------------------------------------------------------ lines

// Makes CRI lines of exactly `len` bytes (newline included) for one pod:
//   2026-11-24T10:15:30.123456789Z stdout F level=info msg="request served"
//   seq=000001234 status=200 trace=5f0c3e...
// The trace id fills the line to its length, so lines compress like real
// ones with ids in them, not like repeated text.
class LineMaker {
 public:
  explicit LineMaker(size_t len) : len_(len) {}

  // Writes the line for `seq` at `ts_ns` to out[0, len).
  void Make(char* out, uint64_t pod, uint64_t seq, int64_t ts_ns) {
    static const char* kLevels[] = {"info", "info", "info", "debug", "warn", "error"};
    static const char* kMsgs[] = {"request served", "cache miss",   "order created",
                                  "upstream error", "payment done", "client error"};
    const int64_t sec = ts_ns / 1'000'000'000;
    if (sec != cached_sec_) {
      time_t t = static_cast<time_t>(sec);
      struct tm tm;
      gmtime_r(&t, &tm);
      std::strftime(date_, sizeof(date_), "%Y-%m-%dT%H:%M:%S", &tm);
      cached_sec_ = sec;
    }
    const uint64_t h = Mix(pod * 0x9E3779B97F4A7C15ull + seq);
    char* p = out;
    p = Put(p, date_);
    *p++ = '.';
    p = Digits(p, static_cast<uint64_t>(ts_ns % 1'000'000'000), 9);
    p = Put(p, seq % 10 == 9 ? "Z stderr F level=" : "Z stdout F level=");
    p = Put(p, kLevels[h % 6]);
    p = Put(p, " msg=\"");
    p = Put(p, kMsgs[(h >> 8) % 6]);
    p = Put(p, "\" seq=");
    p = Digits(p, seq % 1'000'000'000, 9);
    p = Put(p, " status=");
    p = Digits(p, 200 + (h >> 24) % 4 * 100, 3);
    p = Put(p, " trace=");
    char* end = out + len_ - 1;
    static const char kHex[] = "0123456789abcdef";
    uint64_t x = h;
    while (p < end) {
      x = Mix(x);
      for (int i = 0; i < 16 && p < end; ++i) *p++ = kHex[(x >> (i * 4)) & 15];
    }
    *end = '\n';
  }

  // The longest line without its trace id is 105 bytes (newline included).
  static constexpr size_t kMinBytes = 110;

  // Bytes of the text (what the store keeps) of a line of this maker.
  size_t TextBytes() const { return len_ - 1 - kPrefixBytes; }
  size_t len() const { return len_; }

  // "2026-11-24T10:15:30.123456789Z stdout F ": timestamp, stream, tag.
  static constexpr size_t kPrefixBytes = 30 + 1 + 6 + 1 + 1 + 1;

 private:
  static uint64_t Mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  static char* Put(char* p, const char* s) {
    const size_t n = std::strlen(s);
    std::memcpy(p, s, n);
    return p + n;
  }
  static char* Digits(char* p, uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    return p + width;
  }

  const size_t len_;
  int64_t cached_sec_ = -1;
  char date_[32] = {};
};

// The container log files of `n` pods under `pods_dir`, appended to with
// O_APPEND as kubelet's runtime does, each with its own sequence and clock
// (one microsecond a line, from ten minutes ago).
class PodFiles {
 public:
  PodFiles(const std::string& pods_dir, uint64_t n, size_t line_bytes) : maker_(line_bytes) {
    const int64_t start = WallNanos() - 600'000'000'000;
    for (uint64_t i = 0; i < n; ++i) {
      char pod[96];
      std::snprintf(pod, sizeof(pod), "bench_web-%04llu-7c9d8b6f5d-x2x4z_0b0f6a4e-%08llx",
                    static_cast<unsigned long long>(i), static_cast<unsigned long long>(i));
      const std::string dir = pods_dir + "/" + pod + "/web";
      fs::create_directories(dir);
      const std::string path = dir + "/0.log";
      int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
      if (fd < 0) Die("open " + path + ": " + std::strerror(errno));
      files_.push_back(File{fd, 0, start + static_cast<int64_t>(i) * 1000});
    }
  }
  ~PodFiles() {
    for (File& f : files_) ::close(f.fd);
  }
  PodFiles(const PodFiles&) = delete;
  PodFiles& operator=(const PodFiles&) = delete;

  size_t size() const { return files_.size(); }
  const LineMaker& maker() const { return maker_; }

  // Appends `n` lines to file `i` in writes of at most 1 MiB.
  void Append(size_t i, uint64_t n) {
    File& f = files_[i];
    const size_t len = maker_.len();
    const uint64_t per_write = std::max<uint64_t>(1, (1 << 20) / len);
    while (n > 0) {
      const uint64_t k = std::min(n, per_write);
      buf_.resize(k * len);
      for (uint64_t j = 0; j < k; ++j) {
        maker_.Make(buf_.data() + j * len, i, f.seq++, f.ts_ns);
        f.ts_ns += 1000;
      }
      size_t off = 0;
      while (off < buf_.size()) {
        ssize_t w = ::write(f.fd, buf_.data() + off, buf_.size() - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) Die(std::string("write: ") + std::strerror(errno));
        off += static_cast<size_t>(w);
      }
      n -= k;
    }
  }

  // Appends `total` lines spread evenly over the files.
  void AppendSpread(uint64_t total) {
    for (size_t i = 0; i < files_.size(); ++i) {
      Append(i, total / files_.size() + (i < total % files_.size() ? 1 : 0));
    }
  }

  uint64_t lines() const {
    uint64_t n = 0;
    for (const File& f : files_) n += f.seq;
    return n;
  }

 private:
  struct File {
    int fd;
    uint64_t seq;
    int64_t ts_ns;
  };
  LineMaker maker_;
  std::vector<File> files_;
  std::vector<char> buf_;
};

// One thread appending to PodFiles at `rate` lines/s in total, every 10 ms
// what is due, spread over the files, until Stop().
class Writer {
 public:
  Writer(PodFiles* files, uint64_t rate) : files_(files), rate_(rate) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Writer() { Stop(); }
  // Stops the thread; returns the seconds it wrote for.
  double Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    return seconds_;
  }
  uint64_t written() const { return written_.load(); }

 private:
  void Run() {
    const size_t n = files_->size();
    std::vector<uint64_t> done(n, 0);
    const double t0 = MonotonicSeconds();
    timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stop_.load()) {
      const uint64_t due =
          static_cast<uint64_t>((MonotonicSeconds() - t0) * static_cast<double>(rate_));
      for (size_t i = 0; i < n; ++i) {
        const uint64_t want = due / n + (i < due % n ? 1 : 0);
        if (want > done[i]) {
          files_->Append(i, want - done[i]);
          written_.fetch_add(want - done[i]);
          done[i] = want;
        }
      }
      next.tv_nsec += 10'000'000;
      if (next.tv_nsec >= 1'000'000'000) {
        next.tv_nsec -= 1'000'000'000;
        ++next.tv_sec;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
    }
    seconds_ = MonotonicSeconds() - t0;
  }

  PodFiles* files_;
  const uint64_t rate_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> written_{0};
  double seconds_ = 0;
  std::thread thread_;
};

// ------------------------------------------------------------------ the sink

// A Loki push endpoint that answers 204 and counts: requests, body bytes
// and, when decoding, the entries and line bytes in them (snappy + the
// store's own protobuf decoder, into a request kept per I/O thread).
class Sink {
 public:
  Sink(uint16_t port, bool decode) : decode_(decode) {
    http::ServerOptions o;
    o.listen = "127.0.0.1:" + std::to_string(port);
    o.threads = 1;
    o.body_limit = 64u << 20;
    server_ = std::make_unique<http::Server>(o);
    server_->Route({"POST"}, "/loki/api/v1/push", [this](http::Request& req, http::Responder r) {
      requests_.fetch_add(1, std::memory_order_relaxed);
      body_bytes_.fetch_add(req.body.size(), std::memory_order_relaxed);
      if (decode_) {
        thread_local logstore::PushRequest pr;
        Status s = logstore::push::DecodeProtoPushInto(req.body, &pr);
        if (!s.ok()) {
          bad_.fetch_add(1);
          r(http::Response::Text(400, s.ToString()));
          return;
        }
        uint64_t n = 0, bytes = 0;
        for (const auto& st : pr.streams) {
          n += st.entries.size();
          for (const auto& e : st.entries) bytes += e.line.size();
        }
        line_bytes_.fetch_add(bytes, std::memory_order_relaxed);
        entries_.fetch_add(n, std::memory_order_relaxed);
      }
      r(http::Response::Empty(204));
    });
    Status s = server_->Start();
    if (!s.ok()) Die("sink: " + s.ToString());
  }
  ~Sink() { server_->Stop(); }

  uint16_t port() const { return server_->port(); }
  bool decode() const { return decode_; }
  uint64_t requests() const { return requests_.load(); }
  uint64_t body_bytes() const { return body_bytes_.load(); }
  uint64_t entries() const { return entries_.load(); }
  uint64_t line_bytes() const { return line_bytes_.load(); }
  uint64_t bad() const { return bad_.load(); }

 private:
  const bool decode_;
  std::unique_ptr<http::Server> server_;
  std::atomic<uint64_t> requests_{0}, body_bytes_{0}, entries_{0}, line_bytes_{0}, bad_{0};
};

// A loopback port bound but not listening: connections to it are refused
// until Release(), and nobody else gets it meanwhile.
class RefusingPort {
 public:
  RefusingPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
      Die(std::string("bind: ") + std::strerror(errno));
    }
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~RefusingPort() { Release(); }
  uint16_t port() const { return port_; }
  void Release() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

// ------------------------------------------------------------------ processes

// A server binary as a child process, its port read from its start-up line
// ("op=start ... port=N") and /ready awaited.
class Process {
 public:
  Process(std::vector<std::string> argv, std::string log_path)
      : argv_(std::move(argv)), log_path_(std::move(log_path)) {}

  // Returns the seconds from fork until /ready answered 200.
  double Start() {
    const double t0 = MonotonicSeconds();
    start_time_ = t0;
    child_ = std::make_unique<ChildProcess>(argv_, log_path_);
    const double deadline = t0 + 60;
    while ((port_ = FindLogstorePort(log_path_, 0)) == 0) {
      int ws = 0;
      if (::waitpid(child_->pid(), &ws, WNOHANG) == child_->pid()) {
        Die(argv_[0] + " exited before listening:\n" + TailOf(log_path_));
      }
      if (MonotonicSeconds() > deadline)
        Die(argv_[0] + " did not log its port\n" + TailOf(log_path_));
      std::this_thread::sleep_for(2ms);
    }
    if (!WaitReady(port_, deadline - MonotonicSeconds(), 2)) {
      Die(argv_[0] + " not ready in time\n" + TailOf(log_path_));
    }
    return MonotonicSeconds() - t0;
  }

  // SIGTERM and wait; the whole lifetime's CPU seconds.
  double Stop() {
    child_->SignalAndWait(SIGTERM);
    return child_->total_cpu_seconds();
  }

  pid_t pid() const { return child_->pid(); }
  uint16_t port() const { return port_; }
  double start_time() const { return start_time_; }
  // True once the process has exited (a zombie until Stop() reaps it).
  bool Exited() const {
    std::ifstream in("/proc/" + std::to_string(pid()) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t p = text.rfind(')');
    return p == std::string::npos || p + 2 >= text.size() || text[p + 2] == 'Z' ||
           text[p + 2] == 'X';
  }
  double Cpu() const { return ProcessCpuSeconds(pid()); }
  double RssMiB() const { return static_cast<double>(ProcessRssBytes(pid())) / kMiB; }
  double PeakRssMiB() const { return static_cast<double>(ProcessPeakRssBytes(pid())) / kMiB; }
  // A field of /proc/<pid>/status in MiB (e.g. "RssAnon", "RssFile").
  double StatusMiB(const std::string& field) const {
    std::ifstream in("/proc/" + std::to_string(pid()) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(field + ":", 0) == 0) {
        return std::strtod(line.c_str() + field.size() + 1, nullptr) / 1024.0;
      }
    }
    return -1;
  }

  // The sum of a metric's series on /metrics; -1 when absent or unreachable.
  double Metric(std::string_view name) {
    if (conn_ == nullptr) conn_ = std::make_unique<HttpConn>("127.0.0.1", port_);
    std::string body;
    if (conn_->Do("GET", "/metrics", "", "", &body) != 200) {
      conn_.reset();
      return -1;
    }
    return MetricSum(body, name);
  }

  const std::string& log_path() const { return log_path_; }

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> child_;
  std::unique_ptr<HttpConn> conn_;
  uint16_t port_ = 0;
  double start_time_ = 0;
};

Process MakeCollector(const Flags& f, const std::string& dir, const std::string& pods_dir,
                      uint16_t push_port, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {
      f.bin_dir + "/logstack-collector",
      "--pods-dir=" + pods_dir,
      "--positions-file=" + dir + "/positions.yaml",
      "--push-url=http://127.0.0.1:" + std::to_string(push_port) + "/loki/api/v1/push",
      "--kubernetes-metadata=false",
      "--http-listen=127.0.0.1:0"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), f.collector_flags.begin(), f.collector_flags.end());
  return Process(std::move(argv), dir + "/collector.log");
}

Process MakeStore(const Flags& f, const std::string& dir) {
  fs::create_directories(dir + "/store");
  return Process(
      {f.bin_dir + "/logstore", "--data-dir=" + dir + "/store", "--http-listen=127.0.0.1:0",
       "--limits.ingestion-rate-mb=100000", "--limits.ingestion-burst-size-mb=100000",
       "--limits.per-stream-rate-limit=100GB", "--limits.per-stream-rate-limit-burst=100GB",
       "--limits.reject-old-samples=false", "--wal.enabled=true", "--wal.sync=true"},
      dir + "/logstore.log");
}

// Waits until the sink holds `want` entries (or, without decoding, the
// collector says it sent them). Dies after `timeout_s`. *t99, if given, gets
// the MonotonicSeconds() when 99 % had arrived (the last batch waits up to
// batch_wait, 1 s, before it is sent).
void WaitDelivered(Sink& sink, Process& col, uint64_t want, double timeout_s,
                   double* t99 = nullptr) {
  auto delivered = [&]() -> uint64_t {
    if (sink.decode()) return sink.entries();
    const double v = col.Metric("logstack_collector_sent_entries_total");
    return v < 0 ? 0 : static_cast<uint64_t>(v);
  };
  bool seen99 = false;
  int polls = 0;
  const bool ok = WaitUntil(
      [&] {
        if (++polls % 50 == 0 && col.Exited()) {
          Die("the collector exited; its log:\n" + TailOf(col.log_path()));
        }
        const uint64_t n = delivered();
        if (!seen99 && n * 100 >= want * 99) {
          seen99 = true;
          if (t99 != nullptr) *t99 = MonotonicSeconds();
        }
        return n >= want;
      },
      timeout_s, sink.decode() ? 2ms : 20ms);
  if (!ok) {
    Die("the sink has " + std::to_string(delivered()) + " of " + std::to_string(want) +
        " lines after " + std::to_string(timeout_s) + " s; collector log:\n" +
        TailOf(col.log_path()));
  }
  if (sink.decode() && sink.entries() != want) {
    Die("the sink has " + std::to_string(sink.entries()) + " lines, " + std::to_string(want) +
        " were written");
  }
}

void Progress(const std::string& s) {
  std::fprintf(stderr, "collector_e2e_bench: %s\n", s.c_str());
}

// Syncs the file system of `dir`, so that write-back of what the benchmark
// wrote does not run during the measurement.
void SyncFs(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::syncfs(fd);
    ::close(fd);
  }
}

// ------------------------------------------------------------------ the runs

void RunSink(const Flags& f) {
  TempDir dir("collector-bench-sink-");
  const std::string pods = dir.path() + "/pods";
  PodFiles files(pods, f.files, f.line_bytes);
  double t = MonotonicSeconds();
  files.AppendSpread(f.lines);
  Progress("sink: wrote " + std::to_string(files.lines()) + " lines in " +
           std::to_string(MonotonicSeconds() - t) + " s");
  SyncFs(pods);
  const uint64_t want = files.lines();
  const double file_mb = static_cast<double>(want * f.line_bytes) / kMB;
  const double text_mb = static_cast<double>(want * files.maker().TextBytes()) / kMB;

  Sink sink(0, f.sink_decode);
  const double bench_cpu0 = SelfCpuSeconds();
  Process col = MakeCollector(f, dir.path(), pods, sink.port());
  col.Start();
  double t99 = 0;
  WaitDelivered(sink, col, want, 600, &t99);
  const double wall = MonotonicSeconds() - col.start_time();
  const double cpu = col.Cpu();
  const double bench_cpu = SelfCpuSeconds() - bench_cpu0;
  const double peak = col.PeakRssMiB();
  const double rss = col.RssMiB();
  const double req_s = col.Metric("logstack_collector_request_duration_seconds_sum");
  const double reqs = col.Metric("logstack_collector_request_duration_seconds_count");
  const double lifetime_cpu = col.Stop();

  Report("sink_files", static_cast<double>(f.files), "files");
  Report("sink_lines", static_cast<double>(want), "lines");
  Report("sink_file_mb", file_mb, "MB");
  Report("sink_line_mb", text_mb, "MB");
  Report("sink_wall", wall, "s");
  Report("sink_wall_99pct", t99 - col.start_time(), "s");
  Report("sink_lines_per_s", static_cast<double>(want) / wall, "lines/s");
  Report("sink_collector_cpu", cpu, "cpu-s");
  Report("sink_collector_cores", cpu / wall, "cores");
  Report("sink_lines_per_cpu_s", static_cast<double>(want) / cpu, "lines/cpu-s");
  Report("sink_mb_per_cpu_s", file_mb / cpu, "MB/cpu-s");
  Report("sink_line_mb_per_cpu_s", text_mb / cpu, "MB/cpu-s");
  Report("sink_ns_per_line", cpu * 1e9 / static_cast<double>(want), "ns/line");
  Report("sink_collector_peak_rss", peak, "MiB");
  Report("sink_collector_rss_end", rss, "MiB");
  Report("sink_collector_cpu_lifetime", lifetime_cpu, "cpu-s");
  Report("sink_requests", static_cast<double>(sink.requests()), "requests");
  Report("sink_avg_body",
         static_cast<double>(sink.body_bytes()) / 1024.0 /
             static_cast<double>(std::max<uint64_t>(sink.requests(), 1)),
         "KiB");
  Report("sink_request_time_total", req_s, "s");
  Report("sink_request_avg", req_s * 1000 / std::max(reqs, 1.0), "ms");
  Report("sink_bench_cpu", bench_cpu, "cpu-s");
}

void RunLive(const Flags& f) {
  TempDir dir("collector-bench-live-");
  const std::string pods = dir.path() + "/pods";
  PodFiles files(pods, f.files, f.line_bytes);
  Sink sink(0, f.sink_decode);
  Process col = MakeCollector(f, dir.path(), pods, sink.port());
  col.Start();
  const double cpu0 = col.Cpu();
  const double t0 = MonotonicSeconds();
  Writer writer(&files, f.live_rate);
  std::this_thread::sleep_for(std::chrono::seconds(f.live_seconds));
  const double write_secs = writer.Stop();
  const double t_last_write = MonotonicSeconds();
  const uint64_t want = files.lines();
  WaitDelivered(sink, col, want, 300);
  const double t_done = MonotonicSeconds();
  const double cpu = col.Cpu() - cpu0;
  const double peak = col.PeakRssMiB();
  col.Stop();

  Report("live_files", static_cast<double>(f.files), "files");
  Report("live_lines", static_cast<double>(want), "lines");
  Report("live_write_rate", static_cast<double>(want) / write_secs, "lines/s");
  Report("live_collector_cpu", cpu, "cpu-s");
  Report("live_collector_cores", cpu / (t_done - t0), "cores");
  Report("live_lines_per_cpu_s", static_cast<double>(want) / cpu, "lines/cpu-s");
  Report("live_mb_per_cpu_s", static_cast<double>(want * f.line_bytes) / kMB / cpu, "MB/cpu-s");
  Report("live_catch_up", t_done - t_last_write, "s");
  Report("live_collector_peak_rss", peak, "MiB");
  Report("live_requests", static_cast<double>(sink.requests()), "requests");
}

void RunStore(const Flags& f) {
  TempDir dir("collector-bench-store-");
  const std::string pods = dir.path() + "/pods";
  PodFiles files(pods, f.files, f.line_bytes);
  files.AppendSpread(f.store_lines);
  SyncFs(pods);
  const uint64_t want = files.lines();
  const double file_mb = static_cast<double>(want * f.line_bytes) / kMB;

  Process store = MakeStore(f, dir.path());
  store.Start();
  const double store_cpu0 = store.Cpu();
  Process col = MakeCollector(f, dir.path(), pods, store.port());
  col.Start();
  double t99 = 0;
  const bool ok = WaitUntil(
      [&] {
        if (col.Exited() || store.Exited()) {
          Die("the collector or the store exited; collector log:\n" + TailOf(col.log_path()) +
              "\nstore log:\n" + TailOf(store.log_path()));
        }
        const double n = col.Metric("logstack_collector_sent_entries_total");
        if (t99 == 0 && n >= 0.99 * static_cast<double>(want)) t99 = MonotonicSeconds();
        return n >= static_cast<double>(want);
      },
      600, 20ms);
  if (!ok)
    Die("the store did not acknowledge every line; collector log:\n" + TailOf(col.log_path()));
  const double wall = MonotonicSeconds() - col.start_time();
  const double req_s = col.Metric("logstack_collector_request_duration_seconds_sum");
  const double reqs = col.Metric("logstack_collector_request_duration_seconds_count");
  const double cpu = col.Cpu();
  const double store_cpu = store.Cpu() - store_cpu0;
  const double peak = col.PeakRssMiB();
  const double ingested = store.Metric("logstore_ingested_lines_total");
  const double dups = store.Metric("logstore_duplicate_entries_total");
  const double store_peak = store.PeakRssMiB();
  col.Stop();
  store.Stop();
  if (ingested != static_cast<double>(want)) {
    Die("the store ingested " + std::to_string(ingested) + " lines, " + std::to_string(want) +
        " were written");
  }

  Report("store_lines", static_cast<double>(want), "lines");
  Report("store_file_mb", file_mb, "MB");
  Report("store_wall", wall, "s");
  Report("store_wall_99pct", t99 - col.start_time(), "s");
  Report("store_lines_per_s", static_cast<double>(want) / wall, "lines/s");
  Report("store_collector_cpu", cpu, "cpu-s");
  Report("store_lines_per_collector_cpu_s", static_cast<double>(want) / cpu, "lines/cpu-s");
  Report("store_mb_per_collector_cpu_s", file_mb / cpu, "MB/cpu-s");
  Report("store_collector_peak_rss", peak, "MiB");
  Report("store_requests", reqs, "requests");
  Report("store_request_avg", req_s * 1000 / std::max(reqs, 1.0), "ms");
  Report("store_server_cpu", store_cpu, "cpu-s");
  Report("store_lines_per_server_cpu_s", static_cast<double>(want) / store_cpu, "lines/cpu-s");
  Report("store_server_peak_rss", store_peak, "MiB");
  Report("store_ingested_lines", ingested, "lines");
  Report("store_duplicates", std::max(dups, 0.0), "entries");
}

void RunIdle(const Flags& f) {
  TempDir dir("collector-bench-idle-");
  const std::string pods = dir.path() + "/pods";
  fs::create_directories(pods);
  Sink sink(0, f.sink_decode);
  {
    // A collector with nothing to read: the floor.
    TempDir empty("collector-bench-empty-");
    fs::create_directories(empty.path() + "/pods");
    Process col = MakeCollector(f, empty.path(), empty.path() + "/pods", sink.port());
    col.Start();
    std::this_thread::sleep_for(1s);
    Report("idle_empty_rss", col.RssMiB(), "MiB");
    Report("idle_empty_rss_anon", col.StatusMiB("RssAnon"), "MiB");
    Report("idle_empty_rss_file", col.StatusMiB("RssFile"), "MiB");
    col.Stop();
  }
  PodFiles files(pods, f.idle_files, f.line_bytes);
  files.AppendSpread(f.idle_files * f.idle_lines);
  const uint64_t want = files.lines();
  Process col = MakeCollector(f, dir.path(), pods, sink.port());
  col.Start();
  WaitDelivered(sink, col, want, 300);
  const double delivered_at = MonotonicSeconds() - col.start_time();
  const double watched = col.Metric("logstack_collector_files_watched");
  const double open = col.Metric("logstack_collector_open_files");
  const double rss_delivered = col.RssMiB();
  const double cpu0 = col.Cpu();
  std::this_thread::sleep_for(std::chrono::seconds(f.idle_seconds));
  const double idle_cpu = col.Cpu() - cpu0;
  Report("idle_files", static_cast<double>(f.idle_files), "files");
  Report("idle_files_watched", watched, "files");
  Report("idle_open_files", open, "files");
  Report("idle_delivered_after", delivered_at, "s");
  Report("idle_rss_delivered", rss_delivered, "MiB");
  Report("idle_rss", col.RssMiB(), "MiB");
  Report("idle_rss_anon", col.StatusMiB("RssAnon"), "MiB");
  Report("idle_rss_file", col.StatusMiB("RssFile"), "MiB");
  Report("idle_peak_rss", col.PeakRssMiB(), "MiB");
  Report("idle_cpu_share", idle_cpu / static_cast<double>(f.idle_seconds) * 100, "%");
  col.Stop();
}

void RunOutage(const Flags& f) {
  TempDir dir("collector-bench-outage-");
  const std::string pods = dir.path() + "/pods";
  PodFiles files(pods, f.files, f.line_bytes);
  RefusingPort refusing;
  // Short backoff caps so the catch-up is not a matter of jitter.
  Process col = MakeCollector(f, dir.path(), pods, refusing.port(),
                              {"--min-backoff=100ms", "--max-backoff=2s"});
  col.Start();
  const double t0 = MonotonicSeconds();
  std::vector<double> series;
  {
    Writer writer(&files, f.outage_rate);
    for (uint64_t s = 1; s <= f.outage_seconds; ++s) {
      std::this_thread::sleep_until(
          std::chrono::steady_clock::now() +
          std::chrono::duration<double>(t0 + static_cast<double>(s) - MonotonicSeconds()));
      series.push_back(col.RssMiB());
      if (s % 10 == 0 || s == f.outage_seconds) {
        Progress("outage: " + std::to_string(s) + " s, rss " + std::to_string(series.back()) +
                 " MiB, " + std::to_string(writer.written()) + " lines written");
      }
    }
    writer.Stop();
  }
  const uint64_t want = files.lines();
  const double peak_down = col.PeakRssMiB();
  const double retries = col.Metric("logstack_collector_retries_total");
  const double queue_bytes = col.Metric("logstack_collector_queue_bytes");
  refusing.Release();
  const double t_up = MonotonicSeconds();
  Sink sink(refusing.port(), f.sink_decode);
  WaitDelivered(sink, col, want, 300);
  const double catch_up = MonotonicSeconds() - t_up;
  const double peak = col.PeakRssMiB();
  col.Stop();

  std::string s = "outage: rss MiB per second:";
  for (double v : series) s += " " + std::to_string(v).substr(0, 5);
  Progress(s);
  Report("outage_seconds", static_cast<double>(f.outage_seconds), "s");
  Report("outage_lines", static_cast<double>(want), "lines");
  Report("outage_backlog_mb", static_cast<double>(want * f.line_bytes) / kMB, "MB");
  Report("outage_rss_at_1s", series.front(), "MiB");
  for (size_t i = 9; i < series.size(); i += 10) {
    Report("outage_rss_at_" + std::to_string(i + 1) + "s", series[i], "MiB");
  }
  Report("outage_rss_max_down", *std::max_element(series.begin(), series.end()), "MiB");
  Report("outage_peak_rss_down", peak_down, "MiB");
  Report("outage_queue_bytes_down", queue_bytes, "bytes");
  Report("outage_retries", retries, "retries");
  Report("outage_catch_up", catch_up, "s");
  Report("outage_catch_up_rate", static_cast<double>(want) / catch_up, "lines/s");
  Report("outage_peak_rss", peak, "MiB");
}

int Main(int argc, char** argv) {
  Flags f = ParseFlags(argc, argv);
  (void)InitLogging("error");
  if (f.line_bytes < LineMaker::kMinBytes || f.line_bytes > 16384) {
    Die("--line-bytes must be in [" + std::to_string(LineMaker::kMinBytes) + ", 16384]");
  }
  for (const char* bin : {"logstack-collector", "logstore"}) {
    if (::access((f.bin_dir + "/" + bin).c_str(), X_OK) != 0) {
      Die(f.bin_dir + "/" + bin + " is missing; build it first");
    }
  }
  if (f.runs.count("sink")) RunSink(f);
  if (f.runs.count("live")) RunLive(f);
  if (f.runs.count("store")) RunStore(f);
  if (f.runs.count("idle")) RunIdle(f);
  if (f.runs.count("outage")) RunOutage(f);
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
