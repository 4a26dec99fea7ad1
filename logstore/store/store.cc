// Store: opening (load the index logs, replay the WAL), tenants and streams,
// flushing heads to chunks, the background loop, health and statistics.
// Pushes are in store_push.cc, reads in store_read.cc, retention in
// retention.cc.

#include "logstore/store/store.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "common/logging.h"
#include "logstore/model/labels.h"
#include "logstore/store/store_internal.h"
#include "logstore/store/wal_record.h"
#include "logstore/wal/wal.h"

namespace logstack::logstore {

namespace {

constexpr double kMiB = 1024.0 * 1024.0;

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string PartitionDirName(int64_t start_ns) {
  // Not "p" + std::to_string(...): GCC 12 at -O3 warns about that
  // (a false -Wrestrict), which -Werror turns into an error.
  std::string name(1, 'p');
  name += std::to_string(start_ns / 1'000'000'000);
  return name;
}

// The partition start a directory name "p<unix seconds>" stands for, or
// false for any other name.
bool ParsePartitionDirName(const std::string& name, int64_t* start_ns) {
  if (name.size() < 2 || name.size() > 20 || name[0] != 'p') return false;
  int64_t secs = 0;
  size_t i = 1;
  const bool negative = name[1] == '-';
  if (negative) i++;
  if (i == name.size()) return false;
  for (; i < name.size(); i++) {
    if (name[i] < '0' || name[i] > '9') return false;
    secs = secs * 10 + (name[i] - '0');
    if (secs > INT64_MAX / 1'000'000'000) return false;
  }
  *start_ns = (negative ? -secs : secs) * 1'000'000'000;
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

int64_t PartitionStart(int64_t ts, int64_t period) { return FloorDiv(ts, period) * period; }

chunk::ChunkOptions ChunkOpts(const StoreOptions& o) {
  chunk::ChunkOptions c;
  c.encoding = o.chunk_encoding;
  c.level = o.chunk_compression_level;
  c.block_size = o.chunk_block_size;
  return c;
}

Store::Metrics::Metrics(metrics::Registry* r)
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
      skipped_dirs(r->GetCounter("logstore_load_skipped_total",
                                 "Damaged or unknown things skipped while opening the data "
                                 "directory, by what they were.",
                                 {{"what", "directory"}})),
      skipped_chunk_refs(r->GetCounter("logstore_load_skipped_total",
                                       "Damaged or unknown things skipped while opening the data "
                                       "directory, by what they were.",
                                       {{"what", "chunk_reference"}})),
      dedup_read_errors(r->GetCounter(
          "logstore_dedup_read_errors_total",
          "Flushed chunks a duplicate check could not read (the entries were kept).")),
      duplicates(r->GetCounter("logstore_duplicate_entries_total",
                               "Entries dropped because the stream already held them "
                               "(re-sent by a client).")),
      streams(r->GetGauge("logstore_streams", "Streams known to the store.")),
      active_streams(r->GetGauge("logstore_active_streams", "Streams with entries in memory.")),
      head_bytes(r->GetGauge("logstore_head_bytes", "Bytes of entries held in head chunks.")),
      disk_bytes(r->GetGauge("logstore_disk_bytes", "Bytes of chunk and index files.")),
      wal_disk_bytes(r->GetGauge("logstore_wal_disk_bytes", "Bytes of WAL segments on disk.")),
      wal_failed(r->GetGauge("logstore_wal_failed",
                             "1 once a WAL write or sync failed: pushes are refused and /ready "
                             "answers 503 until a restart.")),
      wal_stalled(r->GetGauge("logstore_watchdog_stalled",
                              "1 while a background task has made no progress for longer than "
                              "storage.watchdog_timeout (/ready answers 503), by task.",
                              {{"task", "wal_sync"}})),
      flush_stalled(r->GetGauge("logstore_watchdog_stalled",
                                "1 while a background task has made no progress for longer than "
                                "storage.watchdog_timeout (/ready answers 503), by task.",
                                {{"task", "flush"}})),
      registry(r) {}

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

StatusOr<std::string> UnescapeTenant(const std::string& dir) {
  std::string out;
  for (size_t i = 0; i < dir.size(); i++) {
    if (dir[i] != '%') {
      out += dir[i];
      continue;
    }
    const int hi = i + 1 < dir.size() ? HexDigit(dir[i + 1]) : -1;
    const int lo = i + 2 < dir.size() ? HexDigit(dir[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      return Corruption("tenant directory name " + dir +
                        " has a '%' not followed by two hex digits");
    }
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Store::Store(Env* env, Clock* clock, StoreOptions opts, metrics::Registry* registry)
    : env_(env),
      clock_(clock),
      opts_(std::move(opts)),
      registry_(registry),
      bg_sleeper_(clock->NewSleeper()),
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
  registry->AddScrapeHook([raw] { raw->SetScrapeGauges(); });
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
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    auto it = tenants_.find(id);
    if (it != tenants_.end()) return it->second.get();
    if (!create) return nullptr;
  }
  // The tenant's counters are looked up once, here, with no lock of ours held.
  TenantCounters c;
  c.lines = &registry_->GetCounter("logstore_ingested_lines_total", "Entries stored, by tenant.",
                                   {{"tenant", id}});
  c.bytes = &registry_->GetCounter("logstore_ingested_bytes_total", "Line bytes stored, by tenant.",
                                   {{"tenant", id}});
  for (size_t r = 0; r < ingest::kNumDiscardReasons; r++) {
    const metrics::LabelPairs labels = {
        {"reason", std::string(ingest::DiscardReasonName(static_cast<ingest::DiscardReason>(r)))},
        {"tenant", id}};
    c.discarded_entries[r] = &registry_->GetCounter(
        "logstore_discarded_samples_total", "Entries rejected, by tenant and reason.", labels);
    c.discarded_bytes[r] = &registry_->GetCounter(
        "logstore_discarded_bytes_total", "Line bytes rejected, by tenant and reason.", labels);
  }
  const TenantLimits& l = opts_.LimitsFor(id);
  ingest::TenantLimiter::Limits limits{l.ingestion_rate_mb * kMiB, l.ingestion_burst_size_mb * kMiB,
                                       l.max_global_streams_per_user};
  auto t = std::make_unique<Tenant>(
      id, JoinPath(JoinPath(opts_.data_dir, "tenants"), EscapeTenant(id)), limits, c);
  std::lock_guard<std::mutex> lock(tenants_mu_);
  auto [it, inserted] = tenants_.emplace(id, std::move(t));
  return it->second.get();
}

Stream* Store::CreateStreamLocked(Tenant* t, const Labels& labels,
                                  const std::string& labels_string) {
  const TenantLimits& l = opts_.LimitsFor(t->id);
  auto s = std::make_unique<Stream>(t->next_id++, labels, labels_string,
                                    static_cast<double>(l.per_stream_rate_limit),
                                    static_cast<double>(l.per_stream_rate_limit_burst));
  Stream* raw = s.get();
  t->index.Add(raw->id, raw->labels);
  t->by_labels[labels_string] = raw;
  t->streams[raw->id] = std::move(s);
  return raw;
}

Stream* Store::FindOrCreateStream(Tenant* t, const Labels& labels,
                                  const std::string& labels_string) {
  {
    std::shared_lock<std::shared_mutex> lock(t->mu);
    auto it = t->by_labels.find(labels_string);
    if (it != t->by_labels.end()) return it->second;
  }
  std::unique_lock<std::shared_mutex> lock(t->mu);
  auto it = t->by_labels.find(labels_string);
  if (it != t->by_labels.end()) return it->second;
  return CreateStreamLocked(t, labels, labels_string);
}

// ---------------------------------------------------------------- loading

Status Store::Load() {
  std::string root = JoinPath(opts_.data_dir, "tenants");
  LOGSTACK_ASSIGN_OR_RETURN(auto names, env_->GetChildren(root));
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    auto id = UnescapeTenant(name);
    if (!id.ok()) {
      LOG_WARN("component=store op=load dir={} skipped=true err={}", Quote(JoinPath(root, name)),
               Quote(id.status().ToString()));
      m_->skipped_dirs.Inc();
      continue;
    }
    auto parts = env_->GetChildren(JoinPath(root, name));
    if (!parts.ok()) {
      // A stray file, or a directory that cannot be listed: its data (if
      // any) is not served, and that is said once.
      LOG_WARN("component=store op=load dir={} skipped=true err={}", Quote(JoinPath(root, name)),
               Quote(parts.status().ToString()));
      m_->skipped_dirs.Inc();
      continue;
    }
    Tenant* t = GetTenant(*id, true);
    for (const auto& p : *parts) {
      int64_t start;
      if (!ParsePartitionDirName(p, &start)) {
        LOG_WARN("component=store op=load dir={} skipped=true err={}", Quote(JoinPath(t->dir, p)),
                 Quote("not a partition directory name"));
        m_->skipped_dirs.Inc();
        continue;
      }
      LOGSTACK_RETURN_IF_ERROR(LoadPartition(t, p, start));
    }
    std::shared_lock<std::shared_mutex> lock(t->mu);
    for (auto& [sid, s] : t->streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      std::sort(s->chunks.begin(), s->chunks.end(),
                [](const ChunkRef& a, const ChunkRef& b) { return a.min_ts < b.min_ts; });
    }
  }
  return Status::Ok();
}

Status Store::LoadPartition(Tenant* t, const std::string& name, int64_t start) {
  const std::string dir = JoinPath(t->dir, name);
  auto files = env_->GetChildren(dir);
  if (!files.ok()) {
    LOG_WARN("component=store op=load dir={} skipped=true err={}", Quote(dir),
             Quote(files.status().ToString()));
    m_->skipped_dirs.Inc();
    return Status::Ok();
  }
  auto part = std::make_shared<Partition>(env_, dir, start);
  uint32_t max_file = 0;
  std::map<uint32_t, uint64_t> chunk_file_sizes;
  for (const auto& f : *files) {
    auto size = env_->GetFileSize(JoinPath(dir, f));
    unsigned n = 0;
    char tail = 0;
    if (std::sscanf(f.c_str(), "chunks-%u.da%c", &n, &tail) == 2 && tail == 't' &&
        f == ChunkFileName(n)) {
      max_file = std::max<uint32_t>(max_file, n);
      chunk_file_sizes[n] = size.ok() ? *size : 0;
    }
    if (size.ok()) part->AddDiskBytes(*size);
  }
  part->SetNextFileNo(max_file + 1);
  {
    std::unique_lock<std::shared_mutex> lock(t->mu);
    t->partitions[start] = part;
  }
  const std::string index_path = JoinPath(dir, "index.log");
  if (!env_->FileExists(index_path)) return Status::Ok();
  uint64_t short_refs = 0;
  std::string short_example;
  auto stats = index::ReadIndexLog(env_, index_path, [&](std::string_view text, ChunkRef ref) {
    ref.partition = start;
    auto file = chunk_file_sizes.find(ref.file_no);
    if (file == chunk_file_sizes.end() || file->second < ref.offset + ref.length) {
      // The chunk is not (all) there: a lost or cut chunk file.
      if (short_refs++ == 0) {
        short_example = ChunkFileName(ref.file_no) + " offset " + std::to_string(ref.offset) +
                        " length " + std::to_string(ref.length);
      }
      return;
    }
    auto parsed = ParseLabelSet(text);
    if (!parsed.ok() || parsed->empty()) {
      short_refs++;  // counted with the unusable references
      return;
    }
    Labels labels = std::move(*parsed);
    std::sort(labels.begin(), labels.end());
    Stream* s = FindOrCreateStream(t, labels, LabelsString(labels));
    std::lock_guard<std::mutex> sl(s->mu);
    s->chunks.push_back(ref);
    s->limiter.Stored(ref.max_ts);
    s->cold_max_ts = std::max(s->cold_max_ts, ref.max_ts);
    s->flushed_seq = std::max(s->flushed_seq, ref.max_seq);
  });
  if (!stats.ok()) return stats.status().Annotate(index_path);
  if (stats->corruptions > 0) {
    LOG_WARN("component=index op=load file={} corruptions={} last={}", Quote(index_path),
             stats->corruptions, Quote(stats->last_error));
    m_->index_corruptions.Inc(static_cast<double>(stats->corruptions));
  }
  if (short_refs > 0) {
    LOG_WARN("component=index op=load file={} unusable_references={} example={}", Quote(index_path),
             short_refs, Quote(short_example));
    m_->skipped_chunk_refs.Inc(static_cast<double>(short_refs));
  }
  // New references are appended after the last good record; a torn tail
  // left by a crash would otherwise swallow them.
  auto size = env_->GetFileSize(index_path);
  if (size.ok() && *size > stats->good_end) {
    LOG_WARN("component=index op=load file={} truncate_from={} to={}", Quote(index_path), *size,
             stats->good_end);
    LOGSTACK_RETURN_IF_ERROR(env_->TruncateFile(index_path, stats->good_end));
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

Status Store::ApplyWalRecord(uint64_t seq, std::string_view payload) {
  WalRecordReader rec(payload);
  LOGSTACK_RETURN_IF_ERROR(rec.Open());
  Tenant* t = GetTenant(std::string(rec.tenant()), true);
  std::lock_guard<std::mutex> ingest(t->ingest_mu);
  int64_t now = clock_->NowNanos();
  // Entries whose partition retention has deleted (or would delete) stay
  // deleted: the WAL may still hold them.
  int64_t keep = opts_.LimitsFor(t->id).retention_period_ns;
  int64_t expired_before = INT64_MIN;
  if (keep > 0) expired_before = PartitionStart(now - keep, opts_.partition_period_ns);
  bool more_streams;
  while (true) {
    LOGSTACK_RETURN_IF_ERROR(rec.NextStream(&more_streams));
    if (!more_streams) break;
    auto parsed = ParseLabelSet(rec.labels());
    if (!parsed.ok() || parsed->empty()) return Corruption("bad labels in WAL record");
    Labels labels = std::move(*parsed);
    std::sort(labels.begin(), labels.end());
    Stream* s = FindOrCreateStream(t, labels, LabelsString(labels));
    std::lock_guard<std::mutex> lock(s->mu);
    const bool skip = seq <= s->flushed_seq;  // already in a flushed chunk
    bool more_entries;
    while (true) {
      LOGSTACK_RETURN_IF_ERROR(rec.NextEntry(&more_entries));
      if (!more_entries) break;
      if (skip || rec.ts() < expired_before) continue;
      if (!s->head) {
        if (!s->InMemory()) t->limiter.StreamActivated();
        s->head = std::make_shared<chunk::HeadChunk>(ChunkOpts(opts_));
        s->head_created_ns = now;
        s->first_unflushed_seq = seq;
      }
      s->head->Append(rec.ts(), rec.line(), rec.metadata());
      s->limiter.Stored(rec.ts());
    }
    if (!skip) {
      s->last_seq = seq;
      s->last_append_ns = now;
    }
  }
  return Status::Ok();
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
      s->cold_max_ts = std::max(s->cold_max_ts, s->head->max_ts());
      s->flushing.push_back(s->head);
      s->head.reset();
    }
  }
  if (cuts.empty()) return Status::Ok();

  std::map<int64_t, std::vector<std::pair<Cut*, ChunkRef>>> by_partition;
  Status status;
  uint64_t flushed_bytes = 0;
  for (Cut& c : cuts) {
    std::string bytes = c.head->Encode();
    ChunkRef ref;
    ref.min_ts = c.head->min_ts();
    ref.max_ts = c.head->max_ts();
    ref.entries = static_cast<uint32_t>(c.head->entries());
    ref.raw_bytes = c.head->raw_bytes();
    ref.max_seq = c.max_seq;
    ref.partition = PartitionStart(ref.max_ts, opts_.partition_period_ns);
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
    flushed_bytes += bytes.size();
    by_partition[ref.partition].push_back({&c, ref});
  }
  m_->chunk_bytes_flushed.Inc(static_cast<double>(flushed_bytes));
  uint64_t flushed_chunks = 0;
  for (auto& [start, items] : by_partition) {
    std::vector<std::string> records;
    for (auto& [c, ref] : items) {
      records.push_back(index::EncodeChunkRef(c->stream->labels_string, ref));
    }
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
      if (!st->InMemory()) t->limiter.StreamDeactivated();
      flushed_chunks++;
      c->head.reset();
    }
  }
  m_->chunks_flushed.Inc(static_cast<double>(flushed_chunks));
  // Heads whose flush failed go back to being flushed next round; they stay
  // readable from `flushing` meanwhile and stay in the WAL.
  uint64_t failures = 0;
  for (Cut& c : cuts) {
    if (!c.head) continue;
    failures++;
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
  m_->flush_failures.Inc(static_cast<double>(failures));
  // first_unflushed_seq: the oldest record still only in memory.
  {
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    std::shared_lock<std::shared_mutex> lock(t->mu);
    for (Cut& c : cuts) {
      std::lock_guard<std::mutex> sl(c.stream->mu);
      if (!c.stream->InMemory()) {
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
  // Read first: a record appended from here on (by a stream already looked
  // at, or a tenant created meanwhile) has a higher seq and stays.
  const uint64_t last = wal_->last_seq();
  std::vector<Tenant*> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [id, t] : tenants_) tenants.push_back(t.get());
  }
  uint64_t oldest = UINT64_MAX;
  for (Tenant* t : tenants) {
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    std::shared_lock<std::shared_mutex> tl(t->mu);
    for (auto& [sid, s] : t->streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      if (s->first_unflushed_seq != 0) oldest = std::min(oldest, s->first_unflushed_seq);
    }
  }
  oldest = std::min(oldest, last + 1);
  Status s = wal_->TruncateBefore(oldest);
  if (!s.ok()) LOG_WARN("component=wal op=truncate err={}", Quote(s.ToString()));
}

// ---------------------------------------------------------------- background

void Store::StartBackground() {
  const int64_t now = clock_->MonotonicNanos();
  flush_heartbeat_.store(now);
  // The first round is due a period from now, on this thread's reading: a
  // test that moves a FakeClock right after this call moves it past it.
  bg_thread_ = std::thread([this, now] { BackgroundLoop(now + opts_.flush_check_period_ns); });
}

void Store::BackgroundLoop(int64_t first_round) {
  for (int64_t next = first_round; bg_sleeper_->SleepUntil(next);
       next = clock_->MonotonicNanos() + opts_.flush_check_period_ns) {
    RunBackgroundRound();
  }
}

void Store::RunBackgroundRound() {
  std::lock_guard<std::mutex> round(round_mu_);
  // The watchdog's heartbeat, once StartBackground() started the loop.
  auto beat = [this] {
    if (flush_heartbeat_.load() != 0) flush_heartbeat_.store(clock_->MonotonicNanos());
  };
  beat();
  const uint64_t target = opts_.chunk_target_size;
  const int64_t max_age = opts_.max_chunk_age_ns;
  const int64_t idle = opts_.chunk_idle_period_ns;
  // Past wal.max_size, the heads holding records of the oldest segment
  // are flushed early, so it can be deleted; one segment a round.
  const uint64_t pinned_seq =
      wal_ && wal_->disk_bytes() > opts_.wal_max_size ? wal_->OldestSegmentMaxSeq() : 0;
  (void)FlushWhere([&](const Stream& s, int64_t now) {
    const chunk::HeadChunk& h = *s.head;
    const bool pins_wal = s.first_unflushed_seq != 0 && s.first_unflushed_seq <= pinned_seq;
    return pins_wal || h.compressed_bytes() >= target || now - s.head_created_ns >= max_age ||
           h.max_ts() - h.min_ts() >= max_age || now - s.last_append_ns >= idle;
  });
  const int64_t now = clock_->MonotonicNanos();
  if (last_retention_ns_ == 0 || now - last_retention_ns_ >= opts_.retention_check_period_ns) {
    last_retention_ns_ = now;
    (void)EnforceRetention();
  }
  beat();
}

void Store::Close() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    if (closed_) return;
    closed_ = true;
  }
  bg_sleeper_->Stop();
  if (bg_thread_.joinable()) bg_thread_.join();
  flush_heartbeat_.store(0);
  Status s = FlushAll();
  if (!s.ok()) LOG_ERROR("component=store op=close err={}", Quote(s.ToString()));
  if (wal_) wal_->Close();
}

// ---------------------------------------------------------------- health

Status Store::WalHealth() const {
  if (wal_ && !wal_->healthy()) {
    return Unavailable("the write-ahead log failed, pushes are refused until a restart: " +
                       wal_->error().message());
  }
  return Status::Ok();
}

Store::Stalls Store::CheckStalls() const {
  Stalls st;
  const int64_t timeout = opts_.watchdog_timeout_ns;
  if (timeout <= 0) return st;
  if (wal_ && wal_->StalledNanos() > timeout) st.wal_ns = wal_->StalledNanos();
  const int64_t beat = flush_heartbeat_.load();
  // The loop sleeps flush_check_period between rounds.
  if (beat != 0 && clock_->MonotonicNanos() - beat > timeout + opts_.flush_check_period_ns) {
    st.flush_ns = clock_->MonotonicNanos() - beat;
  }
  return st;
}

Status Store::Health() const {
  LOGSTACK_RETURN_IF_ERROR(WalHealth());
  const Stalls st = CheckStalls();
  auto seconds = [](int64_t ns) { return std::to_string(ns / 1'000'000'000) + "s"; };
  const std::string limit =
      " (storage.watchdog_timeout " + seconds(opts_.watchdog_timeout_ns) + ")";
  if (st.wal_ns > 0) {
    return Unavailable("the write-ahead log's sync has made no progress for " + seconds(st.wal_ns) +
                       limit);
  }
  if (st.flush_ns > 0) {
    return Unavailable("the flush loop has made no progress for " + seconds(st.flush_ns) + limit);
  }
  return Status::Ok();
}

// ---------------------------------------------------------------- statistics

void Store::Subscribe(const std::string& tenant, std::weak_ptr<TailSink> sink) {
  tails_.Subscribe(tenant, std::move(sink));
}

StoreStats Store::Stats() {
  StoreStats st;
  std::vector<Tenant*> tenants;
  {
    std::lock_guard<std::mutex> lock(tenants_mu_);
    for (auto& [id, t] : tenants_) tenants.push_back(t.get());
  }
  for (Tenant* t : tenants) {
    std::shared_lock<std::shared_mutex> tl(t->mu);
    for (auto& [sid, s] : t->streams) {
      std::lock_guard<std::mutex> sl(s->mu);
      st.streams++;
      if (s->InMemory()) st.active_streams++;
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

void Store::SetScrapeGauges() {
  const StoreStats st = Stats();
  m_->streams.Set(static_cast<double>(st.streams));
  m_->active_streams.Set(static_cast<double>(st.active_streams));
  m_->head_bytes.Set(static_cast<double>(st.head_bytes));
  m_->disk_bytes.Set(static_cast<double>(st.disk_bytes));
  m_->wal_disk_bytes.Set(static_cast<double>(st.wal_bytes));
  m_->wal_failed.Set(wal_ && !wal_->healthy() ? 1 : 0);
  const Stalls stalls = CheckStalls();
  m_->wal_stalled.Set(stalls.wal_ns > 0 ? 1 : 0);
  m_->flush_stalled.Set(stalls.flush_ns > 0 ? 1 : 0);
}

}  // namespace logstack::logstore
