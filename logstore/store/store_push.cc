// Store::Push: the tenant's and streams' limits, duplicate checks, the WAL
// record and the heads, for a batch the distributor has checked. The rules
// are in docs/logstore.md ("Push") and docs/storage.md ("Write-ahead log",
// "Duplicates").

#include <deque>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_set>

#include "common/logging.h"
#include "logstore/chunk/chunk_reader.h"
#include "logstore/store/store.h"
#include "logstore/store/store_internal.h"
#include "logstore/store/wal_record.h"
#include "logstore/wal/wal.h"

namespace logstack::logstore {

namespace {

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

size_t EstimateRecordSize(const std::string& tenant, const ingest::Batch& v) {
  size_t n = 16 + tenant.size() + v.accepted_line_bytes + 2 * v.accepted_metadata_bytes +
             16 * v.accepted_entries;
  for (const auto& vs : v.streams) n += 16 + vs.labels_string.size();
  return n;
}

uint64_t LineBytes(const ingest::ValidStream& vs) {
  uint64_t n = 0;
  for (const PushEntry& e : vs.entries) n += e.line.size();
  return n;
}

}  // namespace

// What one push did, gathered under the locks and reported after them.
struct PushWork {
  using Reason = ingest::DiscardReason;

  std::array<ingest::DiscardStats, ingest::kNumDiscardReasons> discarded{};
  // The store's own refusal (rate, stream limit, window); the last one
  // decides the answer, as in Loki, which answers with one message per push.
  std::optional<ingest::Refusal> refusal;
  uint64_t lines = 0;
  uint64_t bytes = 0;
  uint64_t duplicates = 0;
  std::vector<Stream*> touched;  // streams that got entries

  // For live tails, only while one is subscribed.
  bool tailing = false;
  struct TailBatch {
    Labels labels;
    std::string labels_string;
    std::vector<EntryView> entries;
  };
  std::vector<TailBatch> tails;
  std::deque<std::string> tail_metadata;  // stable addresses for the views

  // Fingerprints of the flushed chunks read for duplicate checks, by chunk
  // (partition, file, offset); kept for this push only.
  std::map<std::tuple<int64_t, uint32_t, uint64_t>, std::unordered_set<uint64_t>> cold;
  uint64_t cold_read_errors = 0;
  std::string cold_error;

  void Discard(Reason r, uint64_t entries, uint64_t line_bytes) {
    discarded[static_cast<size_t>(r)].entries += entries;
    discarded[static_cast<size_t>(r)].bytes += line_bytes;
  }
  ingest::Refusal& Refuse(Reason r, const std::string& labels) {
    refusal.emplace();
    refusal->reason = r;
    refusal->labels = labels;
    return *refusal;
  }
};

void Store::Push(const std::string& tenant_id, const ingest::Batch& batch,
                 std::function<void(ingest::Outcome)> done) {
  if (Status h = WalHealth(); !h.ok()) return done({std::move(h), std::nullopt});
  const int64_t now = clock_->NowNanos();
  Tenant* t = GetTenant(tenant_id, true);
  PushWork work;
  work.discarded = batch.discarded;
  work.tailing = tails_.active();
  bool appended = false;
  {
    std::lock_guard<std::mutex> ingest(t->ingest_mu);
    if (!t->limiter.TakeIngestion(batch.accepted_line_bytes, now)) {
      work.Discard(ingest::DiscardReason::kRateLimited, batch.accepted_entries,
                   batch.accepted_line_bytes);
      ingest::Refusal& r = work.Refuse(ingest::DiscardReason::kRateLimited, "");
      r.limit_bytes = t->limiter.rate_bytes();
      r.refused = r.total = batch.accepted_entries;
      r.line_bytes = batch.accepted_line_bytes;
    } else {
      WalRecordWriter record(&push_scratch.record);
      record.Begin(tenant_id, EstimateRecordSize(tenant_id, batch));
      for (const ingest::ValidStream& vs : batch.streams) {
        WriteStream(t, vs, batch, now, &record, &work);
      }
      const std::string_view payload = record.Finish();
      if (!payload.empty() && wal_) {
        // Append copies the record, so the scratch is free again once it returns.
        const uint64_t seq =
            wal_->Append(payload, [done = std::move(done), refusal = work.refusal](Status s) {
              if (!s.ok()) {
                LOG_ERROR("component=wal op=append err={}", Quote(s.ToString()));
                return done(
                    {Unavailable("failed to write the write-ahead log: " + s.message()), refusal});
              }
              done({Status::Ok(), refusal});
            });
        appended = true;
        for (Stream* s : work.touched) {
          std::lock_guard<std::mutex> lock(s->mu);
          s->last_seq = seq;
          if (s->first_unflushed_seq == 0) s->first_unflushed_seq = seq;
        }
      }
    }
  }
  push_scratch.Release();
  ReportPush(t, work);
  if (!appended) done({Status::Ok(), std::move(work.refusal)});
}

void Store::WriteStream(Tenant* t, const ingest::ValidStream& vs, const ingest::Batch& batch,
                        int64_t now, WalRecordWriter* record, PushWork* work) {
  if (vs.entries.empty()) return;
  {
    std::shared_lock<std::shared_mutex> tl(t->mu);
    auto it = t->by_labels.find(vs.labels_string);
    if (it != t->by_labels.end()) {
      Stream* s = it->second;
      std::lock_guard<std::mutex> sl(s->mu);
      return AppendEntries(t, s, vs, batch, now, record, work);
    }
  }
  // Loki shows nothing for a stream that holds only empty lines; not
  // creating it gives the same answers (see ingest::ValidStream).
  if (vs.only_empty_entries) return;
  // A new stream: created and written under the exclusive lock, so that
  // retention cannot drop it, still empty, in between.
  std::unique_lock<std::shared_mutex> tl(t->mu);
  auto it = t->by_labels.find(vs.labels_string);
  Stream* s = it != t->by_labels.end() ? it->second : nullptr;
  if (s == nullptr) {
    if (!t->limiter.MayActivateStream()) {
      work->Discard(ingest::DiscardReason::kStreamLimit, vs.entries.size(), LineBytes(vs));
      work->Refuse(ingest::DiscardReason::kStreamLimit, vs.labels_string);
      return;
    }
    s = CreateStreamLocked(t, vs.labels, vs.labels_string);
  }
  std::lock_guard<std::mutex> sl(s->mu);
  AppendEntries(t, s, vs, batch, now, record, work);
}

void Store::AppendEntries(Tenant* t, Stream* s, const ingest::ValidStream& vs,
                          const ingest::Batch& batch, int64_t now, WalRecordWriter* record,
                          PushWork* work) {
  using Reason = ingest::DiscardReason;
  if (!s->InMemory() && !t->limiter.MayActivateStream()) {
    work->Discard(Reason::kStreamLimit, vs.entries.size(), LineBytes(vs));
    work->Refuse(Reason::kStreamLimit, s->labels_string);
    return;
  }
  const TenantLimits& limits = opts_.LimitsFor(t->id);
  const int64_t window = opts_.OutOfOrderWindow();
  std::string& md = push_scratch.metadata;
  PushWork::TailBatch* tail = nullptr;
  if (work->tailing) tail = &work->tails.emplace_back();
  record->BeginStream(s->labels_string);
  // The first entry refused, which Loki's message is about.
  ingest::Refusal first;
  size_t ignored = 0;
  uint64_t n = 0;
  for (const PushEntry& e : vs.entries) {
    const int64_t ts = e.timestamp_ns;
    if (!s->limiter.InWindow(ts, window)) {
      work->Discard(Reason::kTooFarBehind, 1, e.line.size());
      if (ignored++ == 0) {
        first.reason = Reason::kTooFarBehind;
        first.ts = ts;
        first.oldest_acceptable = s->limiter.OldestAcceptable(window);
      }
      continue;
    }
    // Only an entry at or before the newest can be a re-send; newer ones
    // skip the check.
    if (ts <= s->limiter.max_ts() && IsStored(t, *s, ts, e.line, work)) {
      work->duplicates++;
      continue;
    }
    md.clear();
    if (e.metadata_count > 0) {
      EncodeMetadata(&md, batch.metadata.data() + e.metadata_begin, e.metadata_count);
    }
    const double cost = static_cast<double>(e.line.size() + md.size());
    if (!s->limiter.TakeRate(cost, now)) {
      work->Discard(Reason::kPerStreamRateLimit, 1, e.line.size());
      if (ignored++ == 0) {
        first.reason = Reason::kPerStreamRateLimit;
        first.ts = ts;
        first.limit_bytes = static_cast<double>(limits.per_stream_rate_limit);
        first.entry_bytes = cost;
      }
      continue;
    }
    if (!s->head) {
      if (!s->InMemory()) t->limiter.StreamActivated();
      s->head = std::make_shared<chunk::HeadChunk>(ChunkOpts(opts_));
      s->head_created_ns = now;
    }
    s->head->Append(ts, e.line, md);
    s->limiter.Stored(ts);
    record->AddEntry(ts, e.line, md);
    if (tail != nullptr) {
      std::string_view md_view;
      if (!md.empty()) md_view = work->tail_metadata.emplace_back(md);
      tail->entries.push_back({ts, e.line, md_view});
    }
    n++;
    work->bytes += e.line.size();
  }
  record->EndStream();
  if (ignored > 0) {
    first.labels = s->labels_string;
    first.refused = ignored;
    first.total = vs.entries.size();
    work->refusal = std::move(first);
  }
  if (n == 0) {
    if (tail != nullptr) work->tails.pop_back();
    return;
  }
  if (tail != nullptr) {
    tail->labels = s->labels;
    tail->labels_string = s->labels_string;
  }
  s->last_append_ns = now;
  work->lines += n;
  work->touched.push_back(s);
}

bool Store::IsStored(Tenant* t, const Stream& s, int64_t ts, std::string_view line,
                     PushWork* work) {
  if (s.head && s.head->Contains(ts, line)) return true;
  if (ts > s.cold_max_ts) return false;
  for (const auto& h : s.flushing) {
    if (h->Contains(ts, line)) return true;
  }
  // Flushed chunks: each one a re-send reaches is read once per push and
  // its entries fingerprinted (as the head's closed blocks are).
  const uint64_t fp = chunk::EntryFingerprint(ts, line);
  for (const ChunkRef& ref : s.chunks) {
    if (ref.min_ts > ts) break;  // chunks are sorted by min_ts
    if (ref.max_ts < ts) continue;
    auto [it, fresh] = work->cold.try_emplace({ref.partition, ref.file_no, ref.offset});
    std::unordered_set<uint64_t>& fps = it->second;
    if (fresh) {
      auto pit = t->partitions.find(ref.partition);
      if (pit == t->partitions.end()) continue;  // being deleted by retention
      auto bytes = pit->second->ReadChunk(ref);
      auto reader = bytes.ok()
                        ? chunk::ChunkReader::Open(std::move(*bytes))
                        : StatusOr<std::shared_ptr<const chunk::ChunkReader>>(bytes.status());
      Status st = reader.status();
      if (st.ok()) {
        fps.reserve(ref.entries);
        EntryIteratorPtr entries = (*reader)->Iterator(
            ref.min_ts, ref.max_ts == INT64_MAX ? INT64_MAX : ref.max_ts + 1, Direction::kForward);
        while (entries->Next()) {
          fps.insert(chunk::EntryFingerprint(entries->entry().timestamp_ns, entries->entry().line));
        }
        st = entries->status();
      }
      if (!st.ok()) {
        // Unreadable: the entry is kept (a possible second copy, never a loss).
        work->cold_read_errors++;
        work->cold_error = st.ToString();
      }
    }
    if (fps.contains(fp)) return true;
  }
  return false;
}

void Store::ReportPush(Tenant* t, PushWork& work) {
  const TenantCounters& c = t->counters;
  for (size_t r = 0; r < ingest::kNumDiscardReasons; r++) {
    const ingest::DiscardStats& d = work.discarded[r];
    if (d.entries == 0) continue;
    c.discarded_entries[r]->Inc(static_cast<double>(d.entries));
    c.discarded_bytes[r]->Inc(static_cast<double>(d.bytes));
  }
  if (work.lines > 0) {
    c.lines->Inc(static_cast<double>(work.lines));
    c.bytes->Inc(static_cast<double>(work.bytes));
  }
  if (work.duplicates > 0) m_->duplicates.Inc(static_cast<double>(work.duplicates));
  if (work.cold_read_errors > 0) {
    m_->dedup_read_errors.Inc(static_cast<double>(work.cold_read_errors));
    LOG_WARN("component=store op=dedup tenant={} unreadable_chunks={} err={}", t->id,
             work.cold_read_errors, Quote(work.cold_error));
  }
  for (const PushWork::TailBatch& b : work.tails) {
    tails_.Notify(t->id, b.labels, b.labels_string, b.entries);
  }
}

}  // namespace logstack::logstore
