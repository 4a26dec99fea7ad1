#pragma once

// A deterministic, realistic log data set for the benchmarks.
//
// A DataSet is a fixed-seed simulation of a small Kubernetes cluster: about
// twenty workloads (a web shop, its ingress, databases' sidecars, a data
// pipeline, monitoring, auth, kube-system) spread over `nodes` nodes, each pod
// a stream with the labels a Kubernetes log agent attaches (namespace, app,
// pod, container, job, stream, node_name). Each workload writes one of three
// line formats, with the variety real traffic has:
//
//   logfmt  go-kit style: level, ts, caller, msg (quoted, with spaces) and
//           per-message fields: method, path, status, duration, user and
//           trace ids, SQL timings, Kafka offsets, errors with addresses;
//   json    nested objects with numbers: http, context, trace sub-objects;
//   nginx   ingress-nginx's access log: client IP, request line with ids and
//           query strings, status, sizes, referer, user agent, timings,
//           upstream address and request id.
//
// Ids, IPs, paths, latencies and sizes come from a PRNG, skewed the way real
// traffic is (popular products, repeat clients), so the data compresses like
// real logs rather than like a repeated template. Streams differ in volume
// (a few are chatty, most are quiet). Timestamps increase about 1 ms apart per
// stream from `start_ns`, and lines embed the same timestamp.
//
// The same Options always yield the same lines, in the same order, on every
// platform (splitmix64; no std:: distributions, whose output varies).
//
// Thread safety: a DataSet is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace logstack::bench {

// splitmix64: tiny, fast and the same everywhere.
//
// Optionally counts the information its draws carry: with a sink set, each
// draw adds the Shannon entropy (in bits) of its distribution to *sink. The
// lines are a function of the draws, so the sum bounds the information in
// the lines from above; it is how compression_bench tells how far any
// lossless encoding of the data set could go.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n). REQUIRES: n > 0.
  uint64_t Below(uint64_t n) {
    if (bits_ != nullptr) *bits_ += UniformBits(n);
    return Next() % n;
  }
  // In [0, n), skewed towards 0 (the minimum of two draws).
  uint64_t Skewed(uint64_t n) {
    if (bits_ != nullptr) *bits_ += MinOfBits(n, 2);
    uint64_t a = Next() % n, b = Next() % n;
    return a < b ? a : b;
  }
  // In [0, n), strongly skewed towards 0 (the minimum of three draws).
  uint64_t VerySkewed(uint64_t n) {
    if (bits_ != nullptr) *bits_ += MinOfBits(n, 3);
    uint64_t a = Next() % n, b = Next() % n, c = Next() % n;
    return a < b ? (a < c ? a : c) : (b < c ? b : c);
  }
  bool Chance(uint64_t one_in) {
    if (bits_ != nullptr) *bits_ += ChanceBits(one_in);
    return Next() % one_in == 0;
  }
  // Adds `bits` to the sink, for callers that use Next() directly.
  void Account(double bits) {
    if (bits_ != nullptr) *bits_ += bits;
  }
  // Counts into *sink from now on; nullptr stops counting.
  void set_information_sink(double* sink) { bits_ = sink; }

  // Entropy in bits of: a uniform draw from n values; the minimum of k
  // uniform draws from n values (k = 2 or 3); a one-in-n chance.
  static double UniformBits(uint64_t n);
  static double MinOfBits(uint64_t n, int k);
  static double ChanceBits(uint64_t n);

 private:
  uint64_t s_;
  double* bits_ = nullptr;
};

enum class LineFormat { kLogfmt, kJson, kNginx };

struct StreamInfo {
  // Canonical label string: names sorted, `{app="x", container="y", ...}`.
  std::string labels;
  LineFormat format;
  int node;       // index of the node the pod runs on, in [0, nodes)
  double weight;  // relative volume of lines
};

struct DataSetOptions {
  uint64_t seed = 20240501;
  int streams = 100;
  int nodes = 4;
  int64_t start_ns = 0;  // first timestamp of every stream (ns since the Unix epoch)
};

class DataSet {
 public:
  explicit DataSet(DataSetOptions opts);
  ~DataSet();
  DataSet(const DataSet&) = delete;
  DataSet& operator=(const DataSet&) = delete;

  const std::vector<StreamInfo>& streams() const { return streams_; }

  // Appends the next line of stream `i` (without a newline) to *line and
  // returns its timestamp, which is greater than the stream's previous one.
  // REQUIRES: i < streams().size().
  int64_t NextLine(size_t i, std::string* line);

  // Picks a stream running on `node`, in proportion to the streams' weights,
  // from a per-node PRNG (deterministic for a given sequence of calls).
  // REQUIRES: 0 <= node < nodes, and the node runs at least one stream.
  size_t PickStream(int node);

  // Makes every later NextLine() add the information its draws carry, in
  // bits, to *sink (see Rng); nullptr stops counting. Stream picks are not
  // counted: they are not part of any line.
  void set_information_sink(double* sink);

  struct State;  // per-stream generator state; public for the .cc's helpers

 private:
  DataSetOptions opts_;
  std::vector<StreamInfo> streams_;
  std::vector<std::unique_ptr<State>> states_;
  std::vector<std::vector<size_t>> node_streams_;    // stream indexes per node
  std::vector<std::vector<double>> node_cumweight_;  // cumulative weights per node
  std::vector<Rng> node_rngs_;
};

}  // namespace logstack::bench
