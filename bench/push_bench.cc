// push_bench: the log store's ingest path end to end, over HTTP.
//
//   push_bench [--bin-dir=DIR] [--mb=1024] [--wal-mb=256] [--pushers=4] [--batch-kb=1024]
//              [--server-flag=--KEY=VALUE ...]
//
// --server-flag passes a flag on to logstore (repeatable), for experiments such
// as --server-flag=--storage.chunk-compression-level=1.
//
// 1. Ingest. Generates the data set (bench/datagen.h: 100 streams on 4 nodes)
//    and cuts it up front into Loki push requests of about --batch-kb of line
//    bytes each (protobuf, snappy-compressed, as Promtail sends them), until
//    --mb MiB of line bytes. Each node's batches cover that node's streams,
//    in time order. It then starts the real `logstore` (DIR/logstore, by
//    default beside this binary) on a free port with a temporary data dir,
//    the WAL on with fsync, and limits raised so nothing is refused. One
//    pusher thread per node (--pushers) sends its batches on a keep-alive
//    connection, each waiting for the 204 before sending the next.
//    Measured: wall time of the pushes; the server's CPU time (utime + stime
//    from /proc/<pid>/stat, before the first push and after the last answer);
//    its peak RSS (VmHWM) after the pushes; the 1-minute load average just
//    before the pushes (the machine may be shared); then SIGTERM, which makes it
//    flush every head chunk, and the bytes on disk: chunk files, index logs,
//    and what is left in the WAL directory.
// 2. WAL replay. A second data set of --wal-mb MiB is pushed to a fresh server
//    whose chunks are never cut (huge target size and idle period), so it all
//    stays in the WAL; the server is killed with SIGKILL and started again on
//    the same directory. Measured: time from exec until GET /ready answers
//    200, and the replay time the server logs ("component=wal op=replay ...
//    secs=").
//
// Prints "name value unit" lines (see bench/run.sh). Sizes are MiB (2^20).

#include <signal.h>
#include <snappy.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "bench/datagen.h"
#include "push.pb.h"

namespace logstack::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

struct Options {
  std::string bin_dir;
  uint64_t mb = 1024;
  uint64_t wal_mb = 256;
  int pushers = 4;
  uint64_t batch_kb = 1024;
  std::vector<std::string> server_flags;
};

struct Batch {
  std::string body;  // snappy(PushRequest)
  uint64_t line_bytes = 0;
  uint64_t lines = 0;
};

struct Batches {
  std::vector<std::vector<Batch>> per_node;  // each pusher sends one node's batches in order
  uint64_t line_bytes = 0;
  uint64_t lines = 0;
  uint64_t proto_bytes = 0;
  uint64_t wire_bytes = 0;
  size_t count = 0;
};

// Cuts `total` line bytes of the data set into batches, round-robin over the
// nodes so every pusher gets the same volume.
Batches BuildBatches(DataSet& ds, int nodes, uint64_t total, uint64_t batch_bytes) {
  Batches out;
  out.per_node.resize(nodes);
  std::string line, proto;
  for (uint64_t b = 0; out.line_bytes < total; b++) {
    int node = static_cast<int>(b % static_cast<uint64_t>(nodes));
    logproto::PushRequest req;
    std::map<size_t, logproto::StreamAdapter*> by_stream;
    Batch batch;
    while (batch.line_bytes < batch_bytes && out.line_bytes + batch.line_bytes < total) {
      size_t s = ds.PickStream(node);
      line.clear();
      int64_t ts = ds.NextLine(s, &line);
      auto [it, fresh] = by_stream.emplace(s, nullptr);
      if (fresh) {
        it->second = req.add_streams();
        it->second->set_labels(ds.streams()[s].labels);
      }
      logproto::EntryAdapter* e = it->second->add_entries();
      e->mutable_timestamp()->set_seconds(ts / 1'000'000'000);
      e->mutable_timestamp()->set_nanos(static_cast<int32_t>(ts % 1'000'000'000));
      e->set_line(line);
      batch.line_bytes += line.size();
      batch.lines++;
    }
    proto.clear();
    if (!req.SerializeToString(&proto)) Die("cannot serialize a PushRequest");
    snappy::Compress(proto.data(), proto.size(), &batch.body);
    out.line_bytes += batch.line_bytes;
    out.lines += batch.lines;
    out.proto_bytes += proto.size();
    out.wire_bytes += batch.body.size();
    out.count++;
    out.per_node[node].push_back(std::move(batch));
  }
  return out;
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The 1-minute load average: the machine is shared, and CPU-time figures get
// worse while others run (docs/benchmarks.md, "Machine and conditions").
double LoadAverage() {
  std::ifstream in("/proc/loadavg");
  double load = -1;
  in >> load;
  return load;
}

double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

// A running log store on a data directory, and where its output goes.
class Server {
 public:
  Server(const std::string& binary, const std::string& data_dir, std::vector<std::string> extra)
      : log_path_(data_dir + "/logstore.log") {
    std::vector<std::string> argv = {binary,
                                     "--data-dir=" + data_dir,
                                     "--http-listen=127.0.0.1:0",
                                     "--limits.ingestion-rate-mb=100000",
                                     "--limits.ingestion-burst-size-mb=100000",
                                     "--limits.per-stream-rate-limit=100GB",
                                     "--limits.per-stream-rate-limit-burst=100GB",
                                     "--limits.reject-old-samples=false",
                                     "--wal.enabled=true",
                                     "--wal.sync=true"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv_ = std::move(argv);
  }

  // Starts the process and waits until /ready answers 200. Returns the
  // seconds from fork until ready.
  double Start() {
    uint64_t offset = FileSize(log_path_);
    log_offset_ = offset;
    double t0 = MonotonicSeconds();
    child_ = std::make_unique<ChildProcess>(argv_, log_path_);
    double deadline = t0 + 120;
    port_ = 0;
    while (port_ == 0) {
      port_ = FindLogstorePort(log_path_, offset);
      if (port_ != 0) break;
      int ws = 0;
      if (::waitpid(child_->pid(), &ws, WNOHANG) == child_->pid()) {
        Die("logstore exited before listening; see " + log_path_ + "\n" + Tail());
      }
      if (MonotonicSeconds() > deadline) Die("logstore did not log its port\n" + Tail());
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (!WaitReady(port_, deadline - MonotonicSeconds(), 2)) {
      Die("logstore not ready in time\n" + Tail());
    }
    return MonotonicSeconds() - t0;
  }

  // Sends `sig` and waits for the exit; returns the exit's wait status.
  int Stop(int sig) { return child_->SignalAndWait(sig); }

  pid_t pid() const { return child_->pid(); }
  uint16_t port() const { return port_; }
  double total_cpu_seconds() const { return child_->total_cpu_seconds(); }

  // The value of `key=` in the last log line (after the last start) holding `marker`.
  std::string LogField(const std::string& marker, const std::string& key) const {
    std::ifstream in(log_path_, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(log_offset_));
    std::string line, value;
    while (std::getline(in, line)) {
      if (line.find(marker) == std::string::npos) continue;
      size_t p = line.find(" " + key + "=");
      if (p == std::string::npos) continue;
      p += key.size() + 2;
      value = line.substr(p, line.find(' ', p) - p);
    }
    return value;
  }

  std::string Tail() const {
    std::ifstream in(log_path_, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return all.size() > 3000 ? all.substr(all.size() - 3000) : all;
  }

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  uint64_t log_offset_ = 0;
  std::unique_ptr<ChildProcess> child_;
  uint16_t port_ = 0;
};

// Sends every batch, one pusher thread per node. Returns the wall seconds.
double PushAll(const Batches& batches, uint16_t port) {
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  double t0 = MonotonicSeconds();
  for (const std::vector<Batch>& mine : batches.per_node) {
    threads.emplace_back([&mine, &failed, port] {
      HttpConn conn("127.0.0.1", port);
      std::string answer;
      for (const Batch& b : mine) {
        int status =
            conn.Do("POST", "/loki/api/v1/push", "application/x-protobuf", b.body, &answer);
        if (status != 204) {
          failed = true;
          Die("push answered " + std::to_string(status) + ": " + answer.substr(0, 500));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  if (failed) Die("a push failed");
  return MonotonicSeconds() - t0;
}

bool IsChunkFile(std::string_view n) { return n.rfind("chunks-", 0) == 0; }
bool IsIndexFile(std::string_view n) { return n == "index.log"; }
bool IsAnyFile(std::string_view) { return true; }

void Ingest(const Options& o, const std::string& binary) {
  const int64_t start_ns = NowNanos() - 30LL * 60 * 1'000'000'000;
  DataSet ds({.seed = 20240501, .streams = 100, .nodes = o.pushers, .start_ns = start_ns});
  double g0 = MonotonicSeconds();
  Batches batches = BuildBatches(ds, o.pushers, o.mb << 20, o.batch_kb << 10);
  double gen_secs = MonotonicSeconds() - g0;
  Report("dataset_streams", static_cast<double>(ds.streams().size()), "streams");
  Report("dataset_line_bytes", batches.line_bytes / kMiB, "MiB");
  Report("dataset_lines", static_cast<double>(batches.lines), "lines");
  Report("dataset_avg_line", static_cast<double>(batches.line_bytes) / batches.lines, "bytes");
  Report("batches", static_cast<double>(batches.count), "requests");
  Report("batch_avg_proto", batches.proto_bytes / kMiB / batches.count, "MiB");
  Report("batch_avg_snappy", batches.wire_bytes / kMiB / batches.count, "MiB");
  std::fprintf(stderr, "push_bench: generated %.0f MiB in %zu batches in %.1f s\n",
               batches.line_bytes / kMiB, batches.count, gen_secs);

  TempDir dir("logstack-push-bench-");
  Server server(binary, dir.path(), o.server_flags);
  server.Start();
  Report("load_average", LoadAverage(), "load");  // 1 min, just before the pushes
  double cpu0 = ProcessCpuSeconds(server.pid());
  double self0 = SelfCpuSeconds();
  double wall = PushAll(batches, server.port());
  double cpu = ProcessCpuSeconds(server.pid()) - cpu0;
  double client_cpu = SelfCpuSeconds() - self0;
  uint64_t hwm = ProcessPeakRssBytes(server.pid());
  uint64_t rss = ProcessRssBytes(server.pid());
  double s0 = MonotonicSeconds();
  int ws = server.Stop(SIGTERM);
  double stop_secs = MonotonicSeconds() - s0;
  if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
    Die("logstore did not exit cleanly\n" + server.Tail());

  const double mb = batches.line_bytes / kMiB;
  Report("push_throughput", mb / wall, "MiB/s");
  Report("push_lines", static_cast<double>(batches.lines) / wall, "lines/s");
  Report("push_wall", wall, "s");
  Report("server_cpu", cpu, "cpu-s");
  Report("server_cores_used", cpu / wall, "cores");
  Report("ingest_per_cpu", mb / cpu, "MiB/cpu-s");
  Report("ingest_per_cpu_mb", batches.line_bytes / 1e6 / cpu,
         "MB/cpu-s");  // decimal, as the target
  Report("cpu_per_gib", cpu / (mb / 1024), "cpu-s/GiB");
  Report("client_cpu", client_cpu, "cpu-s");
  Report("server_peak_rss", hwm / kMiB, "MiB");
  Report("server_rss_after_push", rss / kMiB, "MiB");
  // Process lifetime CPU (start-up, pushes, and the flush at shutdown).
  Report("server_cpu_lifetime", server.total_cpu_seconds(), "cpu-s");
  Report("shutdown_flush", stop_secs, "s");

  const std::string tenants = dir.path() + "/tenants";
  uint64_t chunk_bytes = DirBytes(tenants, IsChunkFile);
  uint64_t index_bytes = DirBytes(tenants, IsIndexFile);
  uint64_t wal_bytes = DirBytes(dir.path() + "/wal", IsAnyFile);
  Report("disk_chunks", chunk_bytes / kMiB, "MiB");
  Report("disk_index", index_bytes / kMiB, "MiB");
  Report("disk_wal_after_shutdown", wal_bytes / kMiB, "MiB");
  Report("compression_ratio", static_cast<double>(batches.line_bytes) / chunk_bytes, "x");
  Report("compression_ratio_with_index",
         static_cast<double>(batches.line_bytes) / (chunk_bytes + index_bytes), "x");
}

void Replay(const Options& o, const std::string& binary) {
  const int64_t start_ns = NowNanos() - 30LL * 60 * 1'000'000'000;
  DataSet ds({.seed = 19700101, .streams = 100, .nodes = o.pushers, .start_ns = start_ns});
  Batches batches = BuildBatches(ds, o.pushers, o.wal_mb << 20, o.batch_kb << 10);

  TempDir dir("logstack-replay-bench-");
  // Nothing is cut into chunks: everything stays in head chunks and the WAL.
  std::vector<std::string> flags = o.server_flags;
  flags.insert(flags.end(),
               {"--storage.chunk-target-size=64GB", "--storage.chunk-idle-period=1000h",
                "--storage.max-chunk-age=1000h", "--wal.max-size=64GB"});
  Server server(binary, dir.path(), flags);
  server.Start();
  PushAll(batches, server.port());
  server.Stop(SIGKILL);
  uint64_t wal_bytes = DirBytes(dir.path() + "/wal", IsAnyFile);
  uint64_t chunk_bytes = DirBytes(dir.path() + "/tenants", IsChunkFile);
  if (chunk_bytes > 0)
    std::fprintf(stderr, "push_bench: %llu chunk bytes were flushed before the kill\n",
                 static_cast<unsigned long long>(chunk_bytes));
  double ready_secs = server.Start();
  uint64_t rss = ProcessRssBytes(server.pid());
  std::string logged = server.LogField("op=replay", "secs");
  std::string records = server.LogField("op=replay", "records");
  server.Stop(SIGTERM);

  Report("wal_size", wal_bytes / kMiB, "MiB");
  Report("wal_line_bytes", batches.line_bytes / kMiB, "MiB");
  Report("replay_until_ready", ready_secs, "s");
  Report("replay_wal_rate", wal_bytes / kMiB / ready_secs, "MiB/s");
  Report("replay_line_rate", batches.line_bytes / kMiB / ready_secs, "MiB/s");
  if (!logged.empty()) {
    double secs = std::strtod(logged.c_str(), nullptr);
    Report("replay_logged", secs, "s");
    if (secs > 0) Report("replay_logged_wal_rate", wal_bytes / kMiB / secs, "MiB/s");
  }
  if (!records.empty()) Report("replay_records", std::strtod(records.c_str(), nullptr), "records");
  Report("server_rss_after_replay", rss / kMiB, "MiB");
}

int Main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    size_t eq = a.find('=');
    std::string key = a.substr(0, eq), value = eq == std::string::npos ? "" : a.substr(eq + 1);
    if (key == "--bin-dir") {
      o.bin_dir = value;
    } else if (key == "--mb") {
      o.mb = ParseUint(key, value);
    } else if (key == "--wal-mb") {
      o.wal_mb = ParseUint(key, value);
    } else if (key == "--pushers") {
      o.pushers = static_cast<int>(ParseUint(key, value));
    } else if (key == "--batch-kb") {
      o.batch_kb = ParseUint(key, value);
    } else if (key == "--server-flag") {
      o.server_flags.push_back(value);
    } else if (a.rfind("--", 0) != 0 && o.bin_dir.empty()) {
      o.bin_dir = a;
    } else {
      Die("usage: push_bench [--bin-dir=DIR] [--mb=1024] [--wal-mb=256] [--pushers=4] "
          "[--batch-kb=1024] [--server-flag=--KEY=VALUE ...]");
    }
  }
  if (o.pushers < 1) Die("--pushers must be at least 1");
  if (o.bin_dir.empty()) {
    std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
    o.bin_dir = self.substr(0, self.rfind('/'));
  }
  const std::string binary = o.bin_dir + "/logstore";
  if (::access(binary.c_str(), X_OK) != 0) Die("cannot execute " + binary);
  ::signal(SIGPIPE, SIG_IGN);
  if (o.mb > 0) Ingest(o, binary);
  if (o.wal_mb > 0) Replay(o, binary);
  return 0;
}

}  // namespace
}  // namespace logstack::bench

int main(int argc, char** argv) { return logstack::bench::Main(argc, argv); }
