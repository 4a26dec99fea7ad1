#include "logstore/store/store.h"

#include <algorithm>
#include <cassert>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <deque>
#include <set>

#include "common/coding.h"
#include "common/logging.h"
#include "logstore/chunk/chunk_reader.h"
#include "logstore/model/labels.h"
#include "logstore/push/errors.h"
#include "logstore/push/gotime.h"
#include "logstore/push/validation.h"
#include "logstore/store/merge_iterator.h"
#include "logstore/store/store_internal.h"
#include "logstore/wal/log_reader.h"
#include "logstore/wal/wal.h"

namespace logstack::logstore {

namespace {

constexpr uint8_t kWalEntries = 1;
constexpr uint8_t kIndexChunkRef = 1;
constexpr double kMiB = 1024.0 * 1024.0;

// A WAL record's stream and entry counts are known only once its entries
// have been filtered and written, so Push reserves kCountBytes for each and
// fills them in afterwards as a varint padded to that width (docs/storage.md,
// "Write-ahead log"). Five bytes hold counts below 2^35: more entries than a
// request can carry in memory.
constexpr size_t kCountBytes = 5;
constexpr uint64_t kMaxPaddedCount = (uint64_t{1} << (7 * kCountBytes)) - 1;

// Appends room for a padded count to *dst; returns where it is.
size_t ReserveCount(std::string* dst) {
  const size_t at = dst->size();
  dst->append(kCountBytes, '\0');
  return at;
}

// Writes v at dst[at, at + kCountBytes) as a varint of exactly kCountBytes
// bytes: continuation bits on every byte but the last.
// REQUIRES: v <= kMaxPaddedCount.
void PatchCount(std::string* dst, size_t at, uint64_t v) {
  assert(v <= kMaxPaddedCount);
  char* p = dst->data() + at;
  for (size_t i = 0; i + 1 < kCountBytes; i++) {
    p[i] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  p[kCountBytes - 1] = static_cast<char>(v & 0x7f);
}

// Buffers Push reuses from one push to the next on the same thread, so that
// a push neither allocates a fresh record buffer of the request's size nor
// faults its pages in again. One that grew past kMaxKeptScratchBytes for an
// unusually large push is released after it, so that memory is not held for
// good by every thread that ever pushed.
struct PushScratch {
  static constexpr size_t kMaxKeptScratchBytes = 8 << 20;

  std::string record;    // the WAL record being built
  std::string metadata;  // one entry's encoded structured metadata

  // Called when a push is done with the buffers.
  void Release() {
    if (record.capacity() > kMaxKeptScratchBytes) std::string().swap(record);
    if (metadata.capacity() > kMaxKeptScratchBytes) std::string().swap(metadata);
  }
};

thread_local PushScratch push_scratch;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string PartitionDirName(int64_t start_ns) {
  // Not "p" + std::to_string(...): GCC 12 at -O3 warns about that
  // (a false -Wrestrict), which -Werror turns into an error.
  std::string name(1, 'p');
  name += std::to_string(start_ns / 1'000'000'000);
  return name;
}

std::string EncodeChunkRef(const std::string& labels, const ChunkRef& r) {
  std::string out;
  out.push_back(static_cast<char>(kIndexChunkRef));
  PutLengthPrefixed(&out, labels);
  PutVarsint64(&out, r.min_ts);
  PutVarsint64(&out, r.max_ts);
  PutVarint64(&out, r.file_no);
  PutVarint64(&out, r.offset);
  PutVarint64(&out, r.length);
  PutVarint64(&out, r.entries);
  PutVarint64(&out, r.raw_bytes);
  PutVarint64(&out, r.max_seq);
  return out;
}

bool DecodeChunkRef(std::string_view in, std::string_view* labels, ChunkRef* r) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kIndexChunkRef) return false;
  in.remove_prefix(1);
  uint64_t file_no, offset, length, entries, raw, seq;
  if (!GetLengthPrefixed(&in, labels) || !GetVarsint64(&in, &r->min_ts) ||
      !GetVarsint64(&in, &r->max_ts) || !GetVarint64(&in, &file_no) || !GetVarint64(&in, &offset) ||
      !GetVarint64(&in, &length) || !GetVarint64(&in, &entries) || !GetVarint64(&in, &raw) ||
      !GetVarint64(&in, &seq) || !in.empty()) {
    return false;
  }
  if (file_no > UINT32_MAX || length > UINT32_MAX || entries > UINT32_MAX) return false;
  r->file_no = static_cast<uint32_t>(file_no);
  r->offset = offset;
  r->length = static_cast<uint32_t>(length);
  r->entries = static_cast<uint32_t>(entries);
  r->raw_bytes = raw;
  r->max_seq = seq;
  return true;
}

// Reports corrupt spans of a log file to the log and a counter.
class CorruptionLogger : public wal::LogReader::Reporter {
 public:
  CorruptionLogger(std::string file, metrics::Counter* counter)
      : file_(std::move(file)), counter_(counter) {}
  void Corruption(size_t bytes, const Status& reason) override {
    LOG_WARN("component=index op=load file={} dropped_bytes={} reason={}", file_, bytes,
             Quote(reason.ToString()));
    counter_->Inc();
  }

 private:
  std::string file_;
  metrics::Counter* counter_;
};

chunk::ChunkOptions ChunkOpts(const StoreOptions& o) {
  chunk::ChunkOptions c;
  c.encoding = o.chunk_encoding;
  c.level = o.chunk_compression_level;
  c.block_size = o.chunk_block_size;
  return c;
}

// Go's time.Time.String() without the monotonic part, in UTC.
std::string GoTime(int64_t ns) { return push::FormatGoTime(ns); }
std::string Rfc3339(int64_t ns) { return push::FormatRfc3339(ns); }

std::string FormatKB(double bytes) {
  // Loki prints sizes with go-humanize style units as in "64KB" / "50KB".
  char buf[32];
  double kb = bytes / 1024.0;
  if (kb >= 1024) {
    std::snprintf(buf, sizeof buf, "%.0fMB", kb / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.0fKB", kb);
  }
  return buf;
}

}  // namespace

struct Store::Metrics {
  explicit Metrics(metrics::Registry* r)
      : chunks_flushed(r->GetCounter("logstore_chunks_flushed_total", "Chunks written to disk.")),
        chunk_bytes_flushed(r->GetCounter("logstore_chunk_stored_bytes_total",
                                          "Compressed chunk bytes written to disk.")),
        flush_failures(r->GetCounter("logstore_flush_failures_total",
                                     "Flushes that failed and will be retried.")),
        index_corruptions(r->GetCounter("logstore_index_corruptions_total",
                                        "Corrupt spans skipped while loading index logs.")),
        wal_corruptions(r->GetCounter("logstore_wal_corruptions_total",
                                      "Corrupt spans skipped while replaying the WAL.")),
        wal_replayed_records(r->GetCounter("logstore_wal_replayed_records_total",
                                           "WAL records replayed at start-up.")),
        partitions_deleted(r->GetCounter("logstore_retention_partitions_deleted_total",
                                         "Partitions deleted by retention or for free space.")),
        partitions_deleted_for_space(
            r->GetCounter("logstore_free_space_partitions_deleted_total",
                          "Partitions deleted because the volume had less free space than "
                          "storage.min_free_disk.")),
        registry(r) {}

  metrics::Counter& Rejected(const std::string& tenant, const std::string& reason, bool bytes) {
    return registry->GetCounter(
        bytes ? "logstore_discarded_bytes_total" : "logstore_discarded_samples_total",
        bytes ? "Line bytes rejected, by tenant and reason."
              : "Entries rejected, by tenant and reason.",
        {{"reason", reason}, {"tenant", tenant}});
  }

  metrics::Counter& chunks_flushed;
  metrics::Counter& chunk_bytes_flushed;
  metrics::Counter& flush_failures;
  metrics::Counter& index_corruptions;
  metrics::Counter& wal_corruptions;
  metrics::Counter& wal_replayed_records;
  metrics::Counter& partitions_deleted;
  metrics::Counter& partitions_deleted_for_space;
  metrics::Registry* registry;
};

std::string EscapeTenant(const std::string& tenant) {
  std::string out;
  for (unsigned char c : tenant) {
    if (std::isalnum(c) || c == '_' || c == '-' || (c == '.' && !out.empty())) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string UnescapeTenant(const std::string& dir) {
  std::string out;
  for (size_t i = 0; i < dir.size(); i++) {
    if (dir[i] == '%' && i + 2 < dir.size()) {
      out += static_cast<char>(std::stoi(dir.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += dir[i];
    }
  }
  return out;
}

Store::Store(Env* env, Clock* clock, StoreOptions opts, metrics::Registry* registry)
    : env_(env),
      clock_(clock),
      opts_(std::move(opts)),
      registry_(registry),
      m_(std::make_unique<Metrics>(registry)) {}

Store::~Store() { Close(); }

StatusOr<std::unique_ptr<Store>> Store::Open(Env* env, Clock* clock, StoreOptions opts,
                                             metrics::Registry* registry) {
  std::unique_ptr<Store> s(new Store(env, clock, std::move(opts), registry));
  LOGSTACK_RETURN_IF_ERROR(env->CreateDirs(JoinPath(s->opts_.data_dir, "tenants")));
  int64_t t0 = clock->MonotonicNanos();
  LOGSTACK_RETURN_IF_ERROR(s->Load());
  int64_t t1 = clock->MonotonicNanos();
  LOGSTACK_RETURN_IF_ERROR(s->Replay());
  int64_t t2 = clock->MonotonicNanos();
  StoreStats st = s->Stats();
  LOG_INFO("component=store op=open tenants={} streams={} chunks={} load_ms={} replay_ms={}",
           s->tenants_.size(), st.streams, st.chunks, (t1 - t0) / 1'000'000, (t2 - t1) / 1'000'000);
  Store* raw = s.get();
  registry->AddGaugeFunction("logstore_streams", "Streams known to the store.", {},
                             [raw] { return static_cast<double>(raw->Stats().streams); });
  registry->AddGaugeFunction("logstore_active_streams", "Streams with entries in memory.", {},
                             [raw] { return static_cast<double>(raw->Stats().active_streams); });
  registry->AddGaugeFunction("logstore_head_bytes", "Bytes of entries held in head chunks.", {},
                             [raw] { return static_cast<double>(raw->Stats().head_bytes); });
  registry->AddGaugeFunction("logstore_disk_bytes", "Bytes of chunk and index files.", {},
                             [raw] { return static_cast<double>(raw->Stats().disk_bytes); });
  registry->AddGaugeFunction("logstore_wal_disk_bytes", "Bytes of WAL segments on disk.", {},
                             [raw] { return static_cast<double>(raw->Stats().wal_bytes); });
  // The volume under data_dir, for alerts and the operator's status (NaN when
  // it cannot be read).
  registry->AddGaugeFunction("logstore_volume_capacity_bytes",
                             "Size of the file system holding the data directory.", {}, [raw] {
                               auto d = raw->env_->GetDiskSpace(raw->opts_.data_dir);
                               return d.ok() ? static_cast<double>(d->capacity) : std::nan("");
                             });
  registry->AddGaugeFunction(
      "logstore_volume_available_bytes",
      "Bytes free for the store on the file system holding the data directory.", {}, [raw] {
        auto d = raw->env_->GetDiskSpace(raw->opts_.data_dir);
        return d.ok() ? static_cast<double>(d->available) : std::nan("");
      });
  registry->AddGaugeFunction(
      "logstore_volume_min_free_bytes",
      "The free-space floor: below it the oldest partitions are deleted (0 = off).", {}, [raw] {
        auto d = raw->env_->GetDiskSpace(raw->opts_.data_dir);
        uint64_t cap = d.ok() ? d->capacity : 0;
        return static_cast<double>(std::max<uint64_t>(
            raw->opts_.min_free_disk_bytes,
            static_cast<uint64_t>(cap * raw->opts_.min_free_disk_percent / 100)));
      });
  return s;
}

Tenant* Store::GetTenant(const std::string& id, bool create) {
  std::lock_guard<std::mutex> lock(tenants_mu_);
  auto it = tenants_.find(id);
  if (it != tenants_.end()) return it->second.get();
  if (!create) return nullptr;
  auto t =
      std::make_unique<Tenant>(id, JoinPath(JoinPath(opts_.data_dir, "tenants"), EscapeTenant(id)));
  const TenantLimits& l = opts_.LimitsFor(id);
  t->rate =
      std::make_unique<TokenBucket>(l.ingestion_rate_mb * kMiB, l.ingestion_burst_size_mb * kMiB);
  t->lines = &registry_->GetCounter("logstore_ingested_lines_total", "Entries stored, by tenant.",
                                    {{"tenant", id}});
  t->bytes = &registry_->GetCounter("logstore_ingested_bytes_total",
                                    "Line bytes stored, by tenant.", {{"tenant", id}});
  Tenant* raw = t.get();
  tenants_[id] = std::move(t);
  return raw;
}

Stream* Store::FindOrCreateStream(Tenant* t, const Labels& labels, const std::string& labels_string,
                                  bool* created) {
  *created = false;
  {
    std::shared_lock<std::shared_mutex> lock(t->mu);
    auto it = t->by_labels.find(labels_string);
    if (it != t->by_labels.end()) return it->second;
  }
  std::unique_lock<std::shared_mutex> lock(t->mu);
  auto it = t->by_labels.find(labels_string);
  if (it != t->by_labels.end()) return it->second;
  const TenantLimits& l = opts_.LimitsFor(t->id);
  auto s = std::make_unique<Stream>(t->next_id++, labels, labels_string,
                                    static_cast<double>(l.per_stream_rate_limit),
                                    static_cast<double>(l.per_stream_rate_limit_burst));
  Stream* raw = s.get();
  t->index.Add(raw->id, raw->labels);
  t->by_labels[labels_string] = raw;
  t->streams[raw->id] = std::move(s);
  *created = true;
  return raw;
}

// ---------------------------------------------------------------- loading

Status Store::Load() {
  std::string root = JoinPath(opts_.data_dir, "tenants");
  LOGSTACK_ASSIGN_OR_RETURN(auto names, env_->GetChildren(root));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) LOGSTACK_RETURN_IF_ERROR(LoadTenant(name));
  return Status::Ok();
}

Status Store::LoadTenant(const std::string& dir_name) {
  Tenant* t = GetTenant(UnescapeTenant(dir_name), true);
  LOGSTACK_ASSIGN_OR_RETURN(auto parts, env_->GetChildren(t->dir));
  for (const auto& p : parts) {
    if (p.size() < 2 || p[0] != 'p') continue;
    char* end = nullptr;
    long long secs = std::strtoll(p.c_str() + 1, &end, 10);
    if (*end != '\0') continue;
    int64_t start = static_cast<int64_t>(secs) * 1'000'000'000;
    std::string dir = JoinPath(t->dir, p);
    auto part = std::make_shared<Partition>(env_, dir, start);
    LOGSTACK_ASSIGN_OR_RETURN(auto files, env_->GetChildren(dir));
    uint32_t max_file = 0;
    for (const auto& f : files) {
      unsigned n = 0;
      if (std::sscanf(f.c_str(), "chunks-%u.dat", &n) == 1)
        max_file = std::max<uint32_t>(max_file, n);
      auto size = env_->GetFileSize(JoinPath(dir, f));
      if (size.ok()) part->AddDiskBytes(*size);
    }
    part->SetNextFileNo(max_file + 1);
    t->partitions[start] = part;
    std::string index_path = JoinPath(dir, "index.log");
    if (!env_->FileExists(index_path)) continue;
    LOGSTACK_ASSIGN_OR_RETURN(SequentialFilePtr file, env_->NewSequentialFile(index_path));
    CorruptionLogger reporter(index_path, &m_->index_corruptions);
    wal::LogReader reader(file.get(), &reporter);
    std::string scratch;
    std::string_view record;
    while (reader.ReadRecord(&record, &scratch)) {
      std::string_view labels_text;
      ChunkRef ref;
      if (!DecodeChunkRef(record, &labels_text, &ref)) {
        reporter.Corruption(record.size(), Corruption("undecodable chunk reference"));
        continue;
      }
      ref.partition = start;
      auto parsed = ParseLabelSet(labels_text);
      if (!parsed.ok() || parsed->empty()) {
        reporter.Corruption(record.size(), Corruption("bad labels in chunk reference"));
        continue;
      }
      Labels labels = std::move(*parsed);
      std::sort(labels.begin(), labels.end());
      bool created;
      Stream* s = FindOrCreateStream(t, labels, LabelsString(labels), &created);
      std::lock_guard<std::mutex> lock(s->mu);
      s->chunks.push_back(ref);
      s->max_ts = std::max(s->max_ts, ref.max_ts);
      s->flushed_seq = std::max(s->flushed_seq, ref.max_seq);
    }
    // New references are appended after the last good record; a torn tail
    // left by a crash would otherwise swallow them.
    auto size = env_->GetFileSize(index_path);
    if (size.ok() && *size > reader.LastRecordEnd()) {
      LOG_WARN("component=index op=load file={} truncate_from={} to={}", index_path, *size,
               reader.LastRecordEnd());
      LOGSTACK_RETURN_IF_ERROR(env_->TruncateFile(index_path, reader.LastRecordEnd()));
    }
  }
  std::shared_lock<std::shared_mutex> lock(t->mu);
  for (auto& [id, s] : t->streams) {
    std::sort(s->chunks.begin(), s->chunks.end(),
              [](const ChunkRef& a, const ChunkRef& b) { return a.min_ts < b.min_ts; });
  }
  return Status::Ok();
}

Status Store::Replay() {
  if (!opts_.wal_enabled) return Status::Ok();
  wal::WalOptions wo;
  wo.dir = JoinPath(opts_.data_dir, "wal");
  wo.segment_size = opts_.wal_segment_size;
  wo.sync = opts_.wal_sync;
  LOGSTACK_ASSIGN_OR_RETURN(wal_, wal::Wal::Open(env_, clock_, wo));
  const wal::WalStats* ws = &wal_->stats();
  registry_->AddCounterFunction("logstore_wal_fsyncs_total", "fdatasync calls on WAL segments.", {},
                                [ws] { return static_cast<double>(ws->fsyncs.load()); });
  registry_->AddCounterFunction(
      "logstore_wal_fsync_seconds_total", "Time spent in WAL fdatasync.", {},
      [ws] { return static_cast<double>(ws->fsync_nanos_total.load()) / 1e9; });
  registry_->AddCounterFunction("logstore_wal_records_total", "Records appended to the WAL.", {},
                                [ws] { return static_cast<double>(ws->records.load()); });
  registry_->AddCounterFunction("logstore_wal_written_bytes_total",
                                "Bytes written to WAL segments.", {},
                                [ws] { return static_cast<double>(ws->bytes_written.load()); });
  registry_->AddCounterFunction("logstore_wal_errors_total", "Failed WAL writes and syncs.", {},
                                [ws] { return static_cast<double>(ws->errors.load()); });
  wal::ReplayStats stats;
  int64_t t0 = clock_->MonotonicNanos();
  LOGSTACK_RETURN_IF_ERROR(wal_->Replay(
      [this](uint64_t seq, std::string_view payload) {
        Status s = ApplyWalRecord(seq, payload);
        if (!s.ok()) {
          // A record that checks out but does not decode is corrupt too; skip it.
          LOG_WARN("component=wal op=replay seq={} err={}", seq, Quote(s.ToString()));
          m_->wal_corruptions.Inc();
        }
        return Status::Ok();
      },
      &stats));
  double secs = static_cast<double>(clock_->MonotonicNanos() - t0) / 1e9;
  m_->wal_replayed_records.Inc(static_cast<double>(stats.records));
  if (stats.corruptions > 0) m_->wal_corruptions.Inc(static_cast<double>(stats.corruptions));
  LOG_INFO("component=wal op=replay records={} bytes={} segments={} corrupt_bytes={} secs={:.3f}",
           stats.records, stats.bytes, stats.segments, stats.corrupt_bytes, secs);
  return wal_->Start();
}

Status Store::ApplyWalRecord(uint64_t seq, std::string_view in) {
  if (in.empty() || static_cast<uint8_t>(in[0]) != kWalEntries) {
    return Corruption("unknown WAL record kind");
  }
  in.remove_prefix(1);
  std::string_view tenant_id;
  uint64_t nstreams;
  if (!GetLengthPrefixed(&in, &tenant_id) || !GetVarint64(&in, &nstreams)) {
    return Corruption("truncated WAL record header");
  }
  Tenant* t = GetTenant(std::string(tenant_id), true);
  std::lock_guard<std::mutex> ingest(t->ingest_mu);
  int64_t now = clock_->NowNanos();
  // Entries whose partition retention has deleted (or would delete) stay
  // deleted: the WAL may still hold them.
  int64_t keep = opts_.LimitsFor(t->id).retention_period_ns;
  int64_t expired_before = INT64_MIN;
  if (keep > 0) {
    expired_before = (FloorDiv(now - keep, opts_.partition_period_ns)) * opts_.partition_period_ns;
  }
  for (uint64_t i = 0; i < nstreams; i++) {
    std::string_view labels_text;
    uint64_t n;
    if (!GetLengthPrefixed(&in, &labels_text) || !GetVarint64(&in, &n)) {
      return Corruption("truncated WAL stream header");
    }
    auto parsed = ParseLabelSet(labels_text);
    if (!parsed.ok() || parsed->empty()) return Corruption("bad labels in WAL record");
    Labels labels = std::move(*parsed);
    std::sort(labels.begin(), labels.end());
    bool created;
    Stream* s = FindOrCreateStream(t, labels, LabelsString(labels), &created);
    std::lock_guard<std::mutex> lock(s->mu);
    bool skip = seq <= s->flushed_seq;  // already in a flushed chunk
    int64_t ts = 0;
    for (uint64_t j = 0; j < n; j++) {
      int64_t delta;
      std::string_view line;
      uint64_t md_len;
      if (!GetVarsint64(&in, &delta) || !GetLengthPrefixed(&in, &line) ||
          !GetVarint64(&in, &md_len) || md_len > in.size()) {
        return Corruption("truncated WAL entry");
      }
      ts += delta;
      std::string_view md = in.substr(0, md_len);
      in.remove_prefix(md_len);
      if (skip || ts < expired_before) continue;
      if (!s->head) {
        s->head = std::make_shared<chunk::HeadChunk>(ChunkOpts(opts_));
        s->head_created_ns = now;
        s->first_unflushed_seq = seq;
      }
      s->head->Append(ts, line, md);
      s->max_ts = std::max(s->max_ts, ts);
    }
    if (!skip) {
      s->last_seq = seq;
      s->last_append_ns = now;
    }
  }
  if (!in.empty()) return Corruption("trailing bytes in WAL record");
  return Status::Ok();
}

// ---------------------------------------------------------------- ingest

void Store::Push(const std::string& tenant_id, PushRequestPtr req,
                 std::function<void(PushResult)> done) {
  Push(tenant_id, *req, std::move(done));
}

void Store::Push(const std::string& tenant_id, PushRequest& req,
                 std::function<void(PushResult)> done) {
  const TenantLimits& limits = opts_.LimitsFor(tenant_id);
  int64_t now = clock_->NowNanos();
  if (req.streams.empty()) {
    return done({422, "error at least one valid stream is required for ingestion"});
  }
  auto validated = push::ValidatePush(req, limits.validation, now, tenant_id);
  if (!validated.ok()) return done({400, validated.status().message()});
  push::ValidationResult& v = *validated;
  for (size_t r = 0; r < push::kNumDiscardReasons; r++) {
    const push::DiscardStats& d = v.discarded[r];
    if (d.entries == 0) continue;
    std::string reason(push::DiscardReasonName(static_cast<push::DiscardReason>(r)));
    m_->Rejected(tenant_id, reason, false).Inc(static_cast<double>(d.entries));
    m_->Rejected(tenant_id, reason, true).Inc(static_cast<double>(d.bytes));
  }

  Tenant* t = GetTenant(tenant_id, true);
  uint64_t nstreams = 0;
  uint64_t accepted_lines = 0;
  uint64_t accepted_bytes = 0;
  std::vector<Stream*> touched;
  // Errors found while appending (window, per-stream rate, stream limit): Loki
  // reports one message per failing stream; the last one decides the answer.
  int append_status = 204;
  std::string append_message;

  std::unique_lock<std::mutex> ingest(t->ingest_mu);
  if (v.accepted_line_bytes > 0 &&
      !t->rate->Take(static_cast<double>(v.accepted_line_bytes), now)) {
    ingest.unlock();
    m_->Rejected(tenant_id, "rate_limited", false).Inc(static_cast<double>(v.accepted_entries));
    m_->Rejected(tenant_id, "rate_limited", true).Inc(static_cast<double>(v.accepted_line_bytes));
    char msg[512];
    std::snprintf(msg, sizeof msg,
                  "Ingestion rate limit exceeded for user %s (limit: %.0f bytes/sec) while "
                  "attempting to ingest '%zu' lines totaling '%" PRIu64
                  "' bytes, reduce log volume or contact your Loki administrator to see if the "
                  "limit can be increased",
                  tenant_id.c_str(), limits.ingestion_rate_mb * kMiB, v.accepted_entries,
                  v.accepted_line_bytes);
    return done({429, msg});
  }

  // The WAL record is written once, entry by entry as each is accepted (the
  // layout is in docs/storage.md, "Write-ahead log"); the counts are filled
  // in when known.
  PushScratch& scratch = push_scratch;
  std::string& record = scratch.record;
  std::string& md = scratch.metadata;
  {
    size_t estimate = 1 + 10 + tenant_id.size() + kCountBytes + v.accepted_line_bytes +
                      2 * v.accepted_metadata_bytes + 16 * v.accepted_entries;
    for (const auto& vs : v.streams) estimate += 10 + vs.labels_string.size() + kCountBytes;
    record.clear();
    record.reserve(estimate);
  }
  record.push_back(static_cast<char>(kWalEntries));
  PutLengthPrefixed(&record, tenant_id);
  const size_t nstreams_at = ReserveCount(&record);

  int64_t window = opts_.OutOfOrderWindow();
  // Live tails see what each stream accepted; nothing is collected without one.
  const bool tailing = num_tails_.load(std::memory_order_relaxed) > 0;
  std::vector<EntryView> tail_entries;
  std::deque<std::string> tail_metadata;  // stable addresses for the views
  for (auto& vs : v.streams) {
    if (vs.entries.empty()) continue;
    bool created = false;
    Stream* s;
    {
      std::shared_lock<std::shared_mutex> lock(t->mu);
      auto it = t->by_labels.find(vs.labels_string);
      s = it == t->by_labels.end() ? nullptr : it->second;
    }
    // Loki shows nothing for a stream that holds only empty lines; not
    // creating it gives the same answers (see push/validation.h).
    if (s == nullptr && vs.only_empty_entries) continue;
    if (s == nullptr) {
      int64_t active = 0;
      {
        std::shared_lock<std::shared_mutex> lock(t->mu);
        for (const auto& [id, st] : t->streams) {
          std::lock_guard<std::mutex> sl(st->mu);
          if (st->head || now - st->last_append_ns < opts_.chunk_idle_period_ns) active++;
        }
      }
      if (active >= limits.max_global_streams_per_user) {
        m_->Rejected(tenant_id, "stream_limit", false).Inc(static_cast<double>(vs.entries.size()));
        append_status = 429;
        append_message =
            "Maximum active stream limit exceeded when trying to create stream " +
            vs.labels_string +
            ", reduce the number of active streams (reduce labels or reduce label values), or "
            "contact your Loki administrator to see if the limit can be increased, user: '" +
            tenant_id + "'";
        continue;
      }
      s = FindOrCreateStream(t, vs.labels, vs.labels_string, &created);
    }

    const size_t stream_begin = record.size();
    PutLengthPrefixed(&record, s->labels_string);
    const size_t count_at = ReserveCount(&record);
    uint64_t n = 0;
    int64_t prev_ts = 0;
    size_t ignored = 0;
    uint64_t out_of_order = 0;
    uint64_t rate_limited = 0;
    int ignored_status = 0;
    std::string first_ignored;
    std::lock_guard<std::mutex> lock(s->mu);
    for (const PushEntry& e : vs.entries) {
      int64_t ts = e.timestamp_ns;
      if (s->max_ts != INT64_MIN && ts < s->max_ts - window) {
        if (ignored++ == 0) {
          ignored_status = 400;
          first_ignored =
              "entry with timestamp " + GoTime(ts) +
              " ignored, reason: 'entry too far behind, entry timestamp is: " + Rfc3339(ts) +
              ", oldest acceptable timestamp is: " + Rfc3339(s->max_ts - window) + "'";
        }
        out_of_order++;
        continue;
      }
      md.clear();
      if (e.metadata_count > 0) {
        EncodeMetadata(&md, req.metadata.data() + e.metadata_begin, e.metadata_count);
      }
      double cost = static_cast<double>(e.line.size() + md.size());
      if (!s->rate.Take(cost, now)) {
        if (ignored++ == 0) {
          ignored_status = 429;
          first_ignored = "entry with timestamp " + GoTime(ts) +
                          " ignored, reason: 'Per stream rate limit exceeded (limit: " +
                          FormatKB(static_cast<double>(limits.per_stream_rate_limit)) +
                          "/sec) while attempting to ingest for stream '" + s->labels_string +
                          "' totaling " + FormatKB(cost) +
                          ", consider splitting a stream via additional labels or contact your "
                          "Loki administrator to see if the limit can be increased'";
        }
        rate_limited++;
        continue;
      }
      if (!s->head) {
        s->head = std::make_shared<chunk::HeadChunk>(ChunkOpts(opts_));
        s->head_created_ns = now;
      }
      if (!s->head->Append(ts, e.line, md)) continue;  // exact duplicate
      s->max_ts = std::max(s->max_ts, ts);
      PutVarsint64(&record, ts - prev_ts);
      prev_ts = ts;
      PutLengthPrefixed(&record, e.line);
      PutVarint64(&record, md.size());
      record.append(md);
      if (tailing) {
        std::string_view md_view;
        if (!md.empty()) md_view = tail_metadata.emplace_back(md);
        tail_entries.push_back({ts, e.line, md_view});
      }
      n++;
      accepted_bytes += e.line.size();
    }
    if (out_of_order > 0) {
      m_->Rejected(tenant_id, "out_of_order", false).Inc(static_cast<double>(out_of_order));
    }
    if (rate_limited > 0) {
      m_->Rejected(tenant_id, "per_stream_rate_limit", false)
          .Inc(static_cast<double>(rate_limited));
    }
    if (ignored > 0) {
      append_status = ignored_status;
      append_message = first_ignored + ",\nuser '" + tenant_id +
                       "', total ignored: " + std::to_string(ignored) + " out of " +
                       std::to_string(vs.entries.size()) + " for stream: " + s->labels_string;
    }
    if (n == 0) {
      record.resize(stream_begin);  // nothing of this stream goes into the record
      continue;
    }
    PatchCount(&record, count_at, n);
    if (tailing) {
      NotifyTails(tenant_id, *s, tail_entries);
      tail_entries.clear();
      tail_metadata.clear();
    }
    s->last_append_ns = now;
    nstreams++;
    accepted_lines += n;
    touched.push_back(s);
  }

  PushResult result;
  if (!v.errors.empty()) {
    result = {v.errors.HttpStatus(), v.errors.Message()};
  } else if (append_status != 204) {
    result = {append_status, append_message};
  }
  t->lines->Inc(static_cast<double>(accepted_lines));
  t->bytes->Inc(static_cast<double>(accepted_bytes));
  if (nstreams == 0 || !wal_) {
    ingest.unlock();
    scratch.Release();
    return done(result);
  }
  PatchCount(&record, nstreams_at, nstreams);
  // Append copies the record, so the scratch is free again once it returns.
  uint64_t seq = wal_->Append(record, [done = std::move(done), result](Status s) {
    if (!s.ok()) {
      LOG_ERROR("component=wal op=append err={}", Quote(s.ToString()));
      return done({500, "failed to write the write-ahead log: " + s.message()});
    }
    done(result);
  });
  scratch.Release();
  for (Stream* s : touched) {
    std::lock_guard<std::mutex> lock(s->mu);
    s->last_seq = seq;
    if (s->first_unflushed_seq == 0) s->first_unflushed_seq = seq;
  }
}

// ---------------------------------------------------------------- flush

Status Store::FlushAll() {
  return FlushWhere([](const Stream&, int64_t) { return true; });
}

Status Store::FlushWhere(const std::function<bool(const Stream&, int64_t)>& pick) {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<Tenant*> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [id, t] : tenants_) tenants.push_back(t.get());
  }
  Status first;
  for (Tenant* t : tenants) {
    Status s = FlushTenant(t, pick);
    if (!s.ok() && first.ok()) first = s;
  }
  TruncateWal();
  return first;
}

StatusOr<std::shared_ptr<Partition>> Store::GetPartition(Tenant* t, int64_t start) {
  std::unique_lock<std::shared_mutex> lock(t->mu);
  auto it = t->partitions.find(start);
  if (it != t->partitions.end()) return it->second;
  auto p = std::make_shared<Partition>(env_, JoinPath(t->dir, PartitionDirName(start)), start);
  t->partitions[start] = p;
  return p;
}

Status Store::FlushTenant(Tenant* t, const std::function<bool(const Stream&, int64_t)>& pick) {
  struct Cut {
    Stream* stream;
    std::shared_ptr<chunk::HeadChunk> head;
    uint64_t max_seq;
  };
  std::vector<Cut> cuts;
  int64_t now = clock_->NowNanos();
  {
    // Under the ingest mutex every applied entry's WAL seq is known.
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    std::shared_lock<std::shared_mutex> lock(t->mu);
    for (auto& [id, s] : t->streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      if (!s->head || s->head->empty() || !pick(*s, now)) continue;
      // Cut here, under the stream lock, so Encode() below only reads closed
      // blocks while queries may still snapshot this head.
      s->head->CutBlock();
      cuts.push_back({s.get(), s->head, s->last_seq});
      s->flushing.push_back(s->head);
      s->head.reset();
    }
  }
  if (cuts.empty()) return Status::Ok();

  std::map<int64_t, std::vector<std::pair<Cut*, ChunkRef>>> by_partition;
  Status status;
  for (Cut& c : cuts) {
    std::string bytes = c.head->Encode();
    ChunkRef ref;
    ref.min_ts = c.head->min_ts();
    ref.max_ts = c.head->max_ts();
    ref.entries = static_cast<uint32_t>(c.head->entries());
    ref.raw_bytes = c.head->raw_bytes();
    ref.max_seq = c.max_seq;
    ref.partition = FloorDiv(ref.max_ts, opts_.partition_period_ns) * opts_.partition_period_ns;
    auto part = GetPartition(t, ref.partition);
    if (!part.ok()) {
      status = part.status();
      continue;
    }
    Status s = (*part)->AppendChunk(bytes, &ref);
    if (!s.ok()) {
      status = s;
      continue;
    }
    m_->chunk_bytes_flushed.Inc(static_cast<double>(bytes.size()));
    by_partition[ref.partition].push_back({&c, ref});
  }
  for (auto& [start, items] : by_partition) {
    std::vector<std::string> records;
    for (auto& [c, ref] : items) records.push_back(EncodeChunkRef(c->stream->labels_string, ref));
    auto part = GetPartition(t, start);
    Status s = part.ok() ? (*part)->Commit(records) : part.status();
    if (!s.ok()) {
      status = s;
      continue;
    }
    for (auto& [c, ref] : items) {
      Stream* st = c->stream;
      std::lock_guard<std::mutex> sl(st->mu);
      auto pos = std::lower_bound(st->chunks.begin(), st->chunks.end(), ref.min_ts,
                                  [](const ChunkRef& r, int64_t ts) { return r.min_ts < ts; });
      st->chunks.insert(pos, ref);
      st->flushed_seq = std::max(st->flushed_seq, ref.max_seq);
      st->flushing.erase(std::find(st->flushing.begin(), st->flushing.end(), c->head));
      m_->chunks_flushed.Inc();
      c->head.reset();
    }
  }
  // Heads whose flush failed go back to being flushed next round; they stay
  // readable from `flushing` meanwhile and stay in the WAL.
  for (Cut& c : cuts) {
    if (!c.head) continue;
    m_->flush_failures.Inc();
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    std::lock_guard<std::mutex> sl(c.stream->mu);
    c.stream->flushing.erase(
        std::find(c.stream->flushing.begin(), c.stream->flushing.end(), c.head));
    if (!c.stream->head) {
      c.stream->head = c.head;
    } else {
      // New entries arrived meanwhile; keep both, the old one flushes first next time.
      c.stream->flushing.push_back(c.head);
    }
  }
  // first_unflushed_seq: the oldest record still only in memory.
  {
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    std::shared_lock<std::shared_mutex> lock(t->mu);
    for (Cut& c : cuts) {
      std::lock_guard<std::mutex> sl(c.stream->mu);
      bool in_memory = c.stream->head || !c.stream->flushing.empty();
      if (!in_memory) {
        c.stream->first_unflushed_seq = 0;
      } else if (c.stream->flushing.empty()) {
        // Only the head is left: its oldest record is after the flushed ones.
        c.stream->first_unflushed_seq = c.stream->flushed_seq + 1;
      }
    }
  }
  if (!status.ok())
    LOG_ERROR("component=store op=flush tenant={} err={}", t->id, Quote(status.ToString()));
  return status;
}

void Store::TruncateWal() {
  if (!wal_) return;
  uint64_t oldest = UINT64_MAX;
  std::lock_guard<std::mutex> lock(tenants_mu_);
  for (auto& [id, t] : tenants_) {
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    std::shared_lock<std::shared_mutex> tl(t->mu);
    for (auto& [sid, s] : t->streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      if (s->first_unflushed_seq != 0) oldest = std::min(oldest, s->first_unflushed_seq);
    }
  }
  if (oldest == UINT64_MAX) oldest = wal_->last_seq() + 1;
  Status s = wal_->TruncateBefore(oldest);
  if (!s.ok()) LOG_WARN("component=wal op=truncate err={}", Quote(s.ToString()));
}

// ---------------------------------------------------------------- retention

Status Store::EnforceRetention() {
  int64_t now = clock_->NowNanos();
  std::vector<Tenant*> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [id, t] : tenants_) tenants.push_back(t.get());
  }
  Status first;
  for (Tenant* t : tenants) {
    int64_t keep = opts_.LimitsFor(t->id).retention_period_ns;
    if (keep <= 0) continue;
    std::vector<std::shared_ptr<Partition>> doomed;
    {
      std::unique_lock<std::shared_mutex> lock(t->mu);
      for (auto it = t->partitions.begin(); it != t->partitions.end();) {
        int64_t end = it->first + opts_.partition_period_ns;
        if (end > now - keep) break;  // partitions are in time order
        doomed.push_back(it->second);
        it = t->partitions.erase(it);
      }
      if (doomed.empty()) continue;
      DropPartitionsLocked(t, doomed);
    }
    Status s = DeletePartitions(t, doomed, "retention");
    if (!s.ok() && first.ok()) first = s;
  }
  Status s = EnforceFreeSpace();
  if (!s.ok() && first.ok()) first = s;
  return first;
}

Status Store::DeletePartitions(Tenant* t, const std::vector<std::shared_ptr<Partition>>& doomed,
                               std::string_view why) {
  Status first;
  for (const auto& p : doomed) {
    // Readers that already opened its files keep them until they finish.
    Status s = env_->RemoveDirRecursively(p->dir());
    LOG_INFO("component=retention op=delete reason={} tenant={} partition={} err={}", why, t->id,
             p->dir(), Quote(s.ToString()));
    m_->partitions_deleted.Inc();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

void Store::DropPartitionsLocked(Tenant* t, const std::vector<std::shared_ptr<Partition>>& doomed) {
  std::vector<index::StreamId> empty_streams;
  for (auto& [id, s] : t->streams) {
    std::lock_guard<std::mutex> sl(s->mu);
    std::erase_if(s->chunks, [&](const ChunkRef& r) {
      for (const auto& p : doomed) {
        if (p->start() == r.partition) return true;
      }
      return false;
    });
    if (s->chunks.empty() && !s->head && s->flushing.empty()) empty_streams.push_back(id);
  }
  for (index::StreamId id : empty_streams) {
    t->index.Remove(id);
    t->by_labels.erase(t->streams[id]->labels_string);
    t->streams.erase(id);
  }
}

// Deletes the oldest partitions, of any tenant, while the volume has less
// free space than min_free_disk_bytes, so the store never fills its disk.
// The newest partition of a tenant is kept: it is being written.
Status Store::EnforceFreeSpace() {
  if (opts_.min_free_disk_bytes == 0 && opts_.min_free_disk_percent <= 0) return Status::Ok();
  Status first;
  while (true) {
    auto space = env_->GetDiskSpace(opts_.data_dir);
    if (!space.ok()) return space.status();
    const uint64_t floor = std::max<uint64_t>(
        opts_.min_free_disk_bytes,
        static_cast<uint64_t>(space->capacity * opts_.min_free_disk_percent / 100));
    const uint64_t* free_bytes = &space->available;
    if (*free_bytes >= floor) return first;
    Tenant* oldest_tenant = nullptr;
    int64_t oldest = INT64_MAX;
    {
      std::lock_guard<std::mutex> lock(tenants_mu_);
      for (auto& [id, t] : tenants_) {
        std::shared_lock<std::shared_mutex> tl(t->mu);
        if (t->partitions.size() < 2) continue;
        if (t->partitions.begin()->first < oldest) {
          oldest = t->partitions.begin()->first;
          oldest_tenant = t.get();
        }
      }
    }
    if (oldest_tenant == nullptr) {
      LOG_WARN("component=retention op=free_space free_bytes={} floor={} msg={}", *free_bytes,
               floor, Quote("nothing left to delete"));
      return first;
    }
    std::vector<std::shared_ptr<Partition>> doomed;
    {
      std::unique_lock<std::shared_mutex> lock(oldest_tenant->mu);
      auto it = oldest_tenant->partitions.find(oldest);
      if (it == oldest_tenant->partitions.end()) continue;
      doomed.push_back(it->second);
      oldest_tenant->partitions.erase(it);
      DropPartitionsLocked(oldest_tenant, doomed);
    }
    m_->partitions_deleted_for_space.Inc();
    Status s = DeletePartitions(oldest_tenant, doomed, "free_space");
    if (!s.ok()) return s;
  }
}

// ---------------------------------------------------------------- background

void Store::StartBackground() {
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
}

void Store::BackgroundLoop() {
  int64_t last_retention = 0;
  std::unique_lock<std::mutex> lock(bg_mu_);
  while (!stopping_) {
    bg_cv_.wait_for(lock, std::chrono::nanoseconds(opts_.flush_check_period_ns));
    if (stopping_) break;
    lock.unlock();
    uint64_t target = opts_.chunk_target_size;
    int64_t max_age = opts_.max_chunk_age_ns;
    int64_t idle = opts_.chunk_idle_period_ns;
    bool wal_full = wal_ && wal_->disk_bytes() > opts_.wal_max_size;
    (void)FlushWhere([&](const Stream& s, int64_t now) {
      const chunk::HeadChunk& h = *s.head;
      return wal_full || h.compressed_bytes() >= target || now - s.head_created_ns >= max_age ||
             h.max_ts() - h.min_ts() >= max_age || now - s.last_append_ns >= idle;
    });
    int64_t now = clock_->MonotonicNanos();
    if (now - last_retention >= opts_.retention_check_period_ns) {
      last_retention = now;
      (void)EnforceRetention();
    }
    lock.lock();
  }
}

void Store::Close() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    if (closed_) return;
    closed_ = true;
    stopping_ = true;
  }
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
  Status s = FlushAll();
  if (!s.ok()) LOG_ERROR("component=store op=close err={}", Quote(s.ToString()));
  if (wal_) wal_->Close();
}

// ---------------------------------------------------------------- reads

StatusOr<std::vector<StreamSelection>> Store::Select(const std::string& tenant,
                                                     const std::vector<index::Matcher>& matchers,
                                                     int64_t from, int64_t to, Direction dir,
                                                     chunk::BlockFilterPtr filter) {
  std::vector<StreamSelection> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr || from >= to) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  for (index::StreamId id : t->index.Select(matchers)) {
    Stream* s = t->streams.at(id).get();
    std::vector<LazySource> sources;
    std::lock_guard<std::mutex> sl(s->mu);
    for (const ChunkRef& ref : s->chunks) {
      if (ref.max_ts < from || ref.min_ts >= to) continue;
      auto pit = t->partitions.find(ref.partition);
      if (pit == t->partitions.end()) continue;
      std::shared_ptr<Partition> part = pit->second;
      sources.push_back(
          {ref.min_ts, ref.max_ts,
           [part, ref, from, to, dir, filter]() -> StatusOr<EntryIteratorPtr> {
             if (filter && !filter->literals.empty()) {
               // The trigram filter and the block index sit at
               // the end: look there before reading the blocks.
               LOGSTACK_ASSIGN_OR_RETURN(std::string tail, part->ReadChunkTail(ref, 48 << 10));
               if (!chunk::ChunkReader::TailMayMatch(tail, ref.length, *filter, from, to)) {
                 return chunk::NewBlockIterator(nullptr, {}, from, to, dir);
               }
             }
             LOGSTACK_ASSIGN_OR_RETURN(std::string bytes, part->ReadChunk(ref));
             auto reader = chunk::ChunkReader::Open(std::move(bytes));
             if (!reader.ok()) {
               return reader.status().Annotate(part->dir() + " chunk file " +
                                               std::to_string(ref.file_no) + " offset " +
                                               std::to_string(ref.offset));
             }
             return (*reader)->Iterator(from, to, dir, filter);
           }});
    }
    auto add_head = [&](const std::shared_ptr<chunk::HeadChunk>& h) {
      if (!h || h->empty() || h->max_ts() < from || h->min_ts() >= to) return;
      EntryIteratorPtr it = h->Iterator(from, to, dir);
      auto holder = std::make_shared<EntryIteratorPtr>(std::move(it));
      sources.push_back({h->min_ts(), h->max_ts(),
                         [holder]() -> StatusOr<EntryIteratorPtr> { return std::move(*holder); }});
    };
    for (const auto& h : s->flushing) add_head(h);
    add_head(s->head);
    if (sources.empty()) continue;
    out.push_back({&s->labels, s->labels_string, NewMergeIterator(std::move(sources), dir)});
  }
  return out;
}

namespace {

bool StreamOverlaps(const Stream& s, int64_t from, int64_t to) {
  for (const ChunkRef& r : s.chunks) {
    if (r.max_ts >= from && r.min_ts < to) return true;
  }
  auto head_overlaps = [&](const std::shared_ptr<chunk::HeadChunk>& h) {
    return h && !h->empty() && h->max_ts() >= from && h->min_ts() < to;
  };
  if (head_overlaps(s.head)) return true;
  for (const auto& h : s.flushing) {
    if (head_overlaps(h)) return true;
  }
  return false;
}

}  // namespace

StatusOr<std::vector<std::string>> Store::LabelNames(const std::string& tenant, int64_t from,
                                                     int64_t to,
                                                     const std::vector<index::Matcher>* matchers) {
  std::vector<std::string> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids = matchers ? t->index.Select(*matchers) : t->index.All();
  std::set<std::string> names;
  for (index::StreamId id : ids) {
    Stream* s = t->streams.at(id).get();
    std::lock_guard<std::mutex> sl(s->mu);
    if (!StreamOverlaps(*s, from, to)) continue;
    for (const auto& l : s->labels) names.insert(l.name);
  }
  return std::vector<std::string>(names.begin(), names.end());
}

StatusOr<std::vector<std::string>> Store::LabelValues(const std::string& tenant,
                                                      const std::string& name, int64_t from,
                                                      int64_t to,
                                                      const std::vector<index::Matcher>* matchers) {
  std::vector<std::string> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids;
  if (matchers) {
    ids = t->index.Select(*matchers);
  } else {
    auto m = index::Matcher::Make(index::Matcher::Type::kRegex, name, ".+");
    if (!m.ok()) return m.status();
    ids = t->index.Select({*m});
  }
  std::set<std::string> values;
  for (index::StreamId id : ids) {
    Stream* s = t->streams.at(id).get();
    std::lock_guard<std::mutex> sl(s->mu);
    if (!StreamOverlaps(*s, from, to)) continue;
    for (const auto& l : s->labels) {
      if (l.name == name) values.insert(l.value);
    }
  }
  return std::vector<std::string>(values.begin(), values.end());
}

StatusOr<std::vector<Labels>> Store::Series(const std::string& tenant,
                                            const std::vector<index::Matcher>& matchers,
                                            int64_t from, int64_t to) {
  std::vector<Labels> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr || from >= to) return out;
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids = matchers.empty() ? t->index.All() : t->index.Select(matchers);
  for (index::StreamId id : ids) {
    Stream* s = t->streams.at(id).get();
    std::lock_guard<std::mutex> sl(s->mu);
    if (StreamOverlaps(*s, from, to)) out.push_back(s->labels);
  }
  std::sort(out.begin(), out.end());
  return out;
}

StatusOr<std::vector<StreamVolume>> Store::Volumes(const std::string& tenant,
                                                   const std::vector<index::Matcher>& matchers,
                                                   int64_t from, int64_t to) {
  std::vector<StreamVolume> out;
  Tenant* t = GetTenant(tenant, false);
  if (t == nullptr || from >= to) return out;
  // The share of [min_ts, max_ts] (both inclusive) inside [from, to).
  auto share = [from, to](int64_t min_ts, int64_t max_ts) {
    int64_t lo = std::max(min_ts, from);
    int64_t hi = std::min(max_ts, to - 1);
    if (hi < lo) return 0.0;
    return (static_cast<double>(hi) - static_cast<double>(lo) + 1) /
           (static_cast<double>(max_ts) - static_cast<double>(min_ts) + 1);
  };
  std::shared_lock<std::shared_mutex> lock(t->mu);
  index::Postings ids = matchers.empty() ? t->index.All() : t->index.Select(matchers);
  for (index::StreamId id : ids) {
    Stream* s = t->streams.at(id).get();
    std::lock_guard<std::mutex> sl(s->mu);
    StreamVolume v;
    double entries = 0;
    double bytes = 0;
    auto add = [&](int64_t min_ts, int64_t max_ts, double n, double raw) {
      double f = share(min_ts, max_ts);
      if (f <= 0) return;
      v.chunks++;
      entries += n * f;
      bytes += raw * f;
    };
    for (const ChunkRef& r : s->chunks) add(r.min_ts, r.max_ts, r.entries, r.raw_bytes);
    auto add_head = [&](const std::shared_ptr<chunk::HeadChunk>& h) {
      if (!h || h->empty()) return;
      add(h->min_ts(), h->max_ts(), static_cast<double>(h->entries()),
          static_cast<double>(h->raw_bytes()));
    };
    for (const auto& h : s->flushing) add_head(h);
    add_head(s->head);
    if (v.chunks == 0) continue;
    v.labels = s->labels;
    // At least one entry and byte for a stream that has data in the range.
    v.entries = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(entries)));
    v.bytes = std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(bytes)));
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(),
            [](const StreamVolume& a, const StreamVolume& b) { return a.labels < b.labels; });
  return out;
}

void Store::Subscribe(const std::string& tenant, std::weak_ptr<TailSink> sink) {
  std::lock_guard<std::mutex> lock(tails_mu_);
  tails_.emplace_back(tenant, std::move(sink));
  num_tails_.store(tails_.size(), std::memory_order_relaxed);
}

void Store::NotifyTails(const std::string& tenant, const Stream& s,
                        std::span<const EntryView> entries) {
  std::lock_guard<std::mutex> lock(tails_mu_);
  for (auto it = tails_.begin(); it != tails_.end();) {
    std::shared_ptr<TailSink> sink = it->second.lock();
    if (!sink) {
      it = tails_.erase(it);
      continue;
    }
    if (it->first == tenant) sink->OnPush(s.labels, s.labels_string, entries);
    ++it;
  }
  num_tails_.store(tails_.size(), std::memory_order_relaxed);
}

StoreStats Store::Stats() {
  StoreStats st;
  std::lock_guard<std::mutex> lock(tenants_mu_);
  for (auto& [id, t] : tenants_) {
    std::shared_lock<std::shared_mutex> tl(t->mu);
    for (auto& [sid, s] : t->streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      st.streams++;
      if (s->head || !s->flushing.empty()) st.active_streams++;
      if (s->head) st.head_bytes += s->head->memory_bytes();
      for (const auto& h : s->flushing) st.head_bytes += h->memory_bytes();
      st.chunks += s->chunks.size();
    }
    st.partitions += t->partitions.size();
    for (auto& [start, p] : t->partitions) st.disk_bytes += p->disk_bytes();
  }
  if (wal_) st.wal_bytes = wal_->disk_bytes();
  return st;
}

}  // namespace logstack::logstore
