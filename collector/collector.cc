#include "collector/collector.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "collector/journal/journal_reader.h"
#include "collector/meta/label_selector.h"
#include "collector/meta/pod_labels.h"
#include "collector/meta/pod_metadata.h"
#include "collector/pipeline/pipeline.h"
#include "collector/positions/positions.h"
#include "collector/ship/push_encoder.h"
#include "collector/ship/sender.h"
#include "collector/tail/tail_manager.h"
#include "common/logging.h"

namespace logstack::collector {
namespace {

constexpr char kJournalKey[] = "journal:system";
// Source id of journal positions (files get ids from 1 up, tail/source_table.h).
constexpr uint64_t kJournalSource = 0;

std::chrono::milliseconds Millis(int64_t ns) {
  return std::chrono::milliseconds(std::max<int64_t>(ns / 1'000'000, 1));
}

}  // namespace

// The file reader's per-family state: the labels decided when the family
// was first seen, and the stream ids of the current batch.
struct FamilyState {
  bool collect = true;
  // Label sets, one per stream kind (unknown, stdout, stderr), and as
  // rendered. The sets are kept only when there is a pipeline (its input).
  LabelSet label_sets[3];
  std::string labels[3];
  uint64_t generation[3] = {~0ull, ~0ull, ~0ull};
  uint32_t stream_id[3] = {0, 0, 0};
};

struct Collector::Impl : public tail::EntrySink {
  CollectorConfig cfg;
  CollectorDeps deps;

  std::unique_ptr<positions::Positions> positions;
  std::unique_ptr<Sender> sender;
  std::unique_ptr<PodMetadata> meta;
  std::unique_ptr<tail::TailManager> tails;
  PodLabelRules label_rules;
  std::set<std::string, std::less<>> namespaces;  // empty: every namespace

  // Reader thread state.
  std::unique_ptr<PushEncoder> encoder;
  std::unordered_map<const tail::Target*, FamilyState> families;
  std::unique_ptr<Pipeline> pipeline;  // null: no stages
  std::vector<Entry> pipeline_out;
  std::map<std::string, std::unique_ptr<PushEncoder>> tenant_encoders;
  uint64_t pipeline_bytes = 0;
  std::vector<std::string> removed_keys;  // families ended since the last batch
  bool starts_pending = false;            // start points recorded, not saved yet

  std::thread reader;
  std::thread journal_thread;
  std::unique_ptr<JournalReader> journal;
  std::atomic<bool> stopping{false};
  std::atomic<bool> started{false};
  std::atomic<bool> tails_started{false};

  // Keys to forget once the batch with this sequence number is acknowledged.
  std::mutex ack_mu;
  std::map<const Batch*, std::vector<std::string>> removals;  // GUARDED_BY(ack_mu)

  // Counters for /metrics.
  std::atomic<uint64_t> entries_skipped{0};  // pods not collected
  std::atomic<uint64_t> positions_write_errors{0};
  std::atomic<uint64_t> positions_corrupt{0};
  std::atomic<uint64_t> acked_batches{0};
  int64_t last_save_mono_ns = 0;  // the Sender's thread only

  // --- setup

  // A password or token file's content, without a trailing line break.
  StatusOr<std::string> ReadSecretFile(const std::string& path) {
    auto read = ReadFileToString(deps.env, path);
    if (!read.ok()) return read.status();
    std::string data = std::move(*read);
    while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
    return data;
  }

  Status Init() {
    auto pos = positions::Positions::Open(deps.env, cfg.positions_file);
    if (!pos.ok()) return pos.status();
    positions = std::move(*pos);
    if (positions->loaded_corrupt()) {
      positions_corrupt.store(1);
      LOG_ERROR("component=positions op=load file={} err={} trusted_records={} dropped_records={}",
                Quote(cfg.positions_file), Quote(positions->load_status().ToString()),
                positions->Keys().size(), positions->dropped_records());
    }

    for (const auto& ns : cfg.namespaces) namespaces.insert(ns);
    label_rules.node_name = cfg.node_name;
    std::vector<PodLabelCopy> copies;
    for (const auto& l : cfg.pod_labels) {
      size_t eq = l.find('=');
      if (eq == std::string::npos) {
        copies.push_back({l, ""});
      } else {
        copies.push_back({l.substr(0, eq), l.substr(eq + 1)});
      }
    }
    auto norm = NormalizePodLabelCopies(std::move(copies));
    if (!norm.ok()) return norm.status();
    label_rules.copy = std::move(*norm);

    if (deps.kube != nullptr && cfg.collect_pods) {
      PodMetadataOptions mo;
      mo.node_name = cfg.node_name;
      mo.namespaces = cfg.namespaces;
      if (cfg.namespace_selector && !cfg.namespace_selector.IsNull()) {
        auto sel = LabelSelector::FromYaml(cfg.namespace_selector, "namespace_selector");
        if (!sel.ok()) return sel.status();
        mo.namespace_selector = std::move(*sel);
      }
      meta = std::make_unique<PodMetadata>(*deps.kube, std::move(mo), *deps.clock);
    } else if (cfg.namespace_selector && !cfg.namespace_selector.IsNull()) {
      return InvalidArgument(
          "namespace_selector needs pod metadata from the Kubernetes API (kubernetes_metadata)");
    }

    SenderOptions so;
    so.http.url = cfg.push_url;
    so.http.basic_auth_username = cfg.basic_auth_username;
    if (!cfg.basic_auth_password_file.empty()) {
      auto pw = ReadSecretFile(cfg.basic_auth_password_file);
      if (!pw.ok()) return pw.status();
      so.http.basic_auth_password = std::move(*pw);
    }
    if (!cfg.bearer_token_file.empty()) {
      auto tok = ReadSecretFile(cfg.bearer_token_file);
      if (!tok.ok()) return tok.status();
      so.http.bearer_token = std::move(*tok);
    }
    so.request_timeout = Millis(cfg.request_timeout_ns);
    so.backoff.min = std::chrono::nanoseconds(cfg.min_backoff_ns);
    so.backoff.max = std::chrono::nanoseconds(cfg.max_backoff_ns);
    so.max_queue_bytes = cfg.max_buffer_bytes;
    // Besides Loki's retryable answers, 401, 403 and 404 are retried: they
    // mean a wrong URL or credentials, which an operator fixes, and dropping
    // the batches meanwhile would lose every line of the node.
    so.retry_statuses = {408, 429, 401, 403, 404};
    auto s = Sender::Create(std::move(so), deps.clock, deps.registry,
                            [this](BatchPtr b, const AckInfo& info) { OnAck(std::move(b), info); });
    if (!s.ok()) return s.status();
    sender = std::move(*s);

    tail::TailManagerOptions to;
    if (cfg.collect_pods) to.pods_dir = cfg.pods_dir;
    for (const auto& st : cfg.static_targets) {
      LabelSet labels;
      for (const auto& [k, v] : st.labels) labels.Set(k, v);
      if (!cfg.node_name.empty() && labels.Get("node_name") == nullptr) {
        labels.Set("node_name", cfg.node_name);
      }
      for (const auto& glob : st.paths) {
        tail::StaticTarget t;
        t.glob = glob;
        t.labels = labels;
        to.static_targets.push_back(std::move(t));
      }
    }
    to.rescan_interval = Millis(cfg.rescan_interval_ns);
    to.read_block_bytes = cfg.read_block_size;
    to.assembler.max_entry_bytes = cfg.max_entry_size;
    tails = std::make_unique<tail::TailManager>(std::move(to), deps.clock, positions.get());
    encoder = std::make_unique<PushEncoder>(cfg.tenant, deps.clock);
    if (cfg.pipeline_stages && !cfg.pipeline_stages.IsNull() && cfg.pipeline_stages.size() > 0) {
      auto p = Pipeline::FromYaml(cfg.pipeline_stages);
      if (!p.ok()) return p.status();
      pipeline = std::move(*p);
    }
    RegisterMetrics();
    return {};
  }

  void RegisterMetrics() {
    metrics::Registry* r = deps.registry;
    if (r == nullptr) return;
    auto counter = [r](const std::string& name, const std::string& help, auto fn) {
      r->AddCounterFunction("logstack_collector_" + name, help, {}, fn);
    };
    auto gauge = [r](const std::string& name, const std::string& help, auto fn) {
      r->AddGaugeFunction("logstack_collector_" + name, help, {}, fn);
    };
    const tail::TailStats* ts = &tails->stats();
    auto load = [](const std::atomic<uint64_t>& a) { return static_cast<double>(a.load()); };
    counter("read_bytes_total", "Bytes read from log files.", [=] { return load(ts->bytes_read); });
    counter("read_lines_total", "Lines read from log files.", [=] { return load(ts->lines_read); });
    counter("read_errors_total", "Failed reads of log files (retried).",
            [=] { return load(ts->read_errors); });
    counter("files_opened_total", "Log files opened.", [=] { return load(ts->files_opened); });
    counter("rotations_total", "Log file rotations seen.", [=] { return load(ts->rotations); });
    counter("truncations_total", "Log files that got shorter than the read position (copytruncate).",
            [=] { return load(ts->truncations); });
    counter("files_lost_total",
            "Log files deleted before the collector could open them (lines lost).",
            [=] { return load(ts->files_lost); });
    counter("bytes_lost_total", "Size of the log files lost so (a lower bound).",
            [=] { return load(ts->bytes_lost); });
    counter("long_lines_cut_total", "Physical lines longer than the maximum line size, cut.",
            [=] { return load(ts->long_lines_cut); });
    const format::AssemblerStats* as = &tails->assembler_stats();
    counter("truncated_entries_total", "Entries cut at max_entry_size.",
            [=] { return load(as->truncated_entries); });
    counter("partial_lines_total", "Partial lines joined into entries.",
            [=] { return load(as->partial_lines); });
    counter("rescans_total", "Full rescans of the watched directories.",
            [=] { return load(ts->rescans); });
    counter("inotify_overflows_total", "inotify queue overflows (each followed by a rescan).",
            [=] { return load(ts->inotify_overflows); });
    gauge("files_watched", "Log file families being read.",
          [=] { return static_cast<double>(ts->targets.load()); });
    gauge("open_files", "Log files open.", [=] { return static_cast<double>(ts->open_files.load()); });
    gauge("inotify_watches", "Directories watched with inotify.",
          [=] { return static_cast<double>(ts->watches.load()); });
    gauge("lag_bytes", "Bytes of the open log files not read yet (as of the last rescan).",
          [=] { return static_cast<double>(ts->lag_bytes.load()); });
    counter("entries_skipped_total",
            "Entries of pods not collected (namespace not selected, or opted out).",
            [this] { return static_cast<double>(entries_skipped.load()); });
    counter("positions_writes_total", "Successful writes of the positions file.",
            [this] { return static_cast<double>(positions->writes()); });
    counter("positions_write_errors_total", "Failed writes of the positions file.",
            [this] { return static_cast<double>(positions_write_errors.load()); });
    counter("positions_corrupt_total",
            "Positions files found damaged at start (read from a safe place instead).",
            [this] { return static_cast<double>(positions_corrupt.load()); });
  }

  // --- reading (reader thread)

  void OnTargetAdded(const tail::Target& target, const SourcePosition* start) override {
    if (start != nullptr) {
      // Recorded now, saved after this round (see tail_manager.h).
      if (auto rec = tails->sources().ToRecord(*start); rec.has_value()) {
        positions->Set(rec->first, rec->second);
        starts_pending = true;
      }
    }
    FamilyState& f = families[&target];
    if (target.kind == tail::Target::Kind::kStatic) {
      for (int k = 0; k < 3; ++k) {
        f.label_sets[k] = target.labels;
        f.labels[k] = target.labels.ToString();
      }
      return;
    }
    const tail::PodLogPath& p = target.pod;
    PodLookup lookup;
    const PodInfo* info = nullptr;
    if (meta != nullptr) {
      lookup = meta->Lookup(p.namespace_name, p.pod, p.uid);
      if (lookup.state == PodState::kFound || lookup.state == PodState::kGone) info = &lookup.info;
      if (info != nullptr) {
        f.collect = lookup.collect();
      } else {
        // Not (yet) known to the API server's watch: decide by the
        // namespace as far as it is known, labels from the path.
        std::optional<bool> sel = meta->NamespaceSelected(p.namespace_name);
        f.collect = sel.value_or(namespaces.empty() || namespaces.count(p.namespace_name) > 0);
      }
    } else {
      f.collect = namespaces.empty() || namespaces.count(p.namespace_name) > 0;
    }
    ContainerRef ref{p.namespace_name, p.pod, p.container};
    const char* stream_names[3] = {"", "stdout", "stderr"};
    for (int k = 0; k < 3; ++k) {
      LabelSet set = ContainerLabels(ref, stream_names[k], info, label_rules);
      f.labels[k] = set.ToString();
      // Only the pipeline reads the sets; without one they would cost about
      // 1.5 KB a file for nothing.
      if (pipeline != nullptr) f.label_sets[k] = std::move(set);
    }
    LOG_INFO("component=tail op=add path={} collect={} labels={}", Quote(target.path), f.collect,
             Quote(f.labels[1]));
  }

  void OnEntry(const tail::Target& target, const format::AssembledEntry& e) override {
    auto it = families.find(&target);
    if (it == families.end()) {
      OnTargetAdded(target, nullptr);
      it = families.find(&target);
    }
    FamilyState& f = it->second;
    if (!f.collect) {
      entries_skipped.fetch_add(1, std::memory_order_relaxed);
      encoder->AddPosition(e.position);
    } else if (pipeline != nullptr) {
      Entry in;
      in.timestamp_ns = e.timestamp_ns;
      in.line.assign(e.line);
      in.labels = f.label_sets[static_cast<int>(e.stream)];
      in.position = e.position;
      pipeline_out.clear();
      pipeline->Process(std::move(in), deps.clock->NowNanos(), &pipeline_out);
      AppendProcessed();
    } else {
      const int k = static_cast<int>(e.stream);
      if (f.generation[k] != encoder->generation()) {
        f.stream_id[k] = encoder->StreamId(f.labels[k]);
        f.generation[k] = encoder->generation();
      }
      encoder->Append(f.stream_id[k], e.timestamp_ns, e.line);
      encoder->AddPosition(e.position);
    }
    if (encoder->raw_bytes() >= cfg.batch_size) FlushBatch();
  }

  void OnTargetRemoved(const tail::Target& target) override {
    families.erase(&target);
    removed_keys.push_back(target.path);
  }

  // Appends what the pipeline let through. Entries for other tenants go to
  // their own encoders; positions always go to the default encoder, whose
  // batch is queued last (FlushBatch), so a position is committed only after
  // every entry before it, whatever its tenant, was acknowledged.
  void AppendProcessed() {
    for (Entry& out : pipeline_out) {
      PushEncoder* enc = encoder.get();
      if (!out.tenant.empty() && out.tenant != cfg.tenant) {
        auto& slot = tenant_encoders[out.tenant];
        if (slot == nullptr) slot = std::make_unique<PushEncoder>(out.tenant, deps.clock);
        enc = slot.get();
      }
      const uint32_t id = enc->StreamId(out.labels.ToString());
      enc->Append(id, out.timestamp_ns, out.line, out.structured_metadata);
      encoder->AddPosition(out.position);
      pipeline_bytes += out.line.size();
    }
    pipeline_out.clear();
    if (pipeline_bytes >= cfg.batch_size) {
      pipeline_bytes = 0;
      FlushBatch();
    }
  }

  // Hands the current batch to the Sender, waiting for room (reading stops
  // meanwhile: the files are the buffer).
  void FlushBatch(bool final = false) {
    for (auto& [tenant, enc] : tenant_encoders) {
      if (BatchPtr tb = enc->Finish(); tb != nullptr) EnqueueBatch(std::move(tb), final);
    }
    pipeline_bytes = 0;
    BatchPtr b = encoder->Finish();
    if (b == nullptr) {
      if (removed_keys.empty()) return;
      // Only removals: attach them to an empty batch of positions.
      encoder->AddPosition(kJournalSource, 0);
      b = encoder->Finish();
      b->positions.clear();
    }
    if (!removed_keys.empty()) {
      std::lock_guard<std::mutex> l(ack_mu);
      removals[b.get()] = std::move(removed_keys);
      removed_keys.clear();
    }
    const Batch* key = b.get();
    if (!EnqueueBatch(std::move(b), final)) {
      std::lock_guard<std::mutex> l(ack_mu);
      removals.erase(key);
    }
  }

  // Waits for room in the Sender's queue, as long as the collector is not
  // stopping (a final batch gets a second). False: not queued; its lines
  // are read again at the next start.
  bool EnqueueBatch(BatchPtr b, bool final) {
    if (final && sender->Enqueue(b, std::chrono::milliseconds(1000))) return true;
    while (!stopping.load()) {
      if (sender->Enqueue(b, std::chrono::milliseconds(200))) return true;
    }
    return false;
  }

  void ReaderLoop() {
    if (meta != nullptr) {
      // Labels must be decided with the pod's metadata, the same on every
      // run (re-sent lines are only dropped by the store when their stream is
      // the same), so nothing is read before the first list.
      while (!stopping.load() && !meta->WaitForSync(std::chrono::milliseconds(200))) {
      }
      if (stopping.load()) return;
    }
    tails->Start(this);
    tails_started.store(true);
    const size_t budget = std::max<size_t>(cfg.read_block_size * 4, 1 << 20);
    SavePositions();  // the start points of the families found at start
    while (!stopping.load()) {
      auto r = tails->ReadRound(budget, this);
      if (pipeline != nullptr) {
        // multiline's max_wait_time: blocks waiting too long go out.
        pipeline->Flush(deps.clock->NowNanos(), false, &pipeline_out);
        AppendProcessed();
      }
      if (starts_pending) {
        starts_pending = false;
        SavePositions();
      }
      const int64_t created = encoder->created_mono_ns();
      if (!removed_keys.empty() ||
          (created != 0 && deps.clock->MonotonicNanos() - created >= cfg.batch_wait_ns)) {
        FlushBatch();
      }
      if (!r.more) {
        int64_t wait_ns = 200'000'000;
        if (encoder->created_mono_ns() != 0) {
          wait_ns = std::min<int64_t>(
              wait_ns, encoder->created_mono_ns() + cfg.batch_wait_ns - deps.clock->MonotonicNanos());
        }
        tails->Wait(Millis(std::max<int64_t>(wait_ns, 1'000'000)));
      }
    }
    if (pipeline != nullptr) {
      pipeline->Flush(deps.clock->NowNanos(), true, &pipeline_out);
      AppendProcessed();
    }
    FlushBatch(/*final=*/true);
  }

  void SavePositions() {
    Status s = positions->Save();
    if (!s.ok()) {
      positions_write_errors.fetch_add(1);
      LOG_ERROR("component=positions op=save file={} err={}", Quote(cfg.positions_file),
                Quote(s.ToString()));
    }
  }

  // --- the journal (its own thread and encoder)

  void JournalLoop() {
    PushEncoder enc(cfg.tenant, deps.clock);
    std::string labels;
    uint32_t id = 0;
    uint64_t gen = ~0ull;
    while (!stopping.load()) {
      auto entries = journal->Read(4096, std::chrono::milliseconds(200));
      if (!entries.ok()) {
        LOG_WARN("component=journal op=read err={}", Quote(entries.status().ToString()));
        std::this_thread::sleep_for(std::chrono::seconds(1));
        continue;
      }
      for (Entry& e : *entries) {
        for (const auto& [k, v] : cfg.journal.labels) e.labels.Set(k, v);
        std::string l = e.labels.ToString();
        if (l != labels || gen != enc.generation()) {
          labels = std::move(l);
          id = enc.StreamId(labels);
          gen = enc.generation();
        }
        enc.Append(id, e.timestamp_ns, e.line, e.structured_metadata);
        enc.AddPosition(kJournalSource, 0, e.position.cursor);
        if (enc.raw_bytes() >= cfg.batch_size) Enqueue(enc.Finish());
      }
      if (enc.created_mono_ns() != 0 &&
          deps.clock->MonotonicNanos() - enc.created_mono_ns() >= cfg.batch_wait_ns) {
        Enqueue(enc.Finish());
      }
    }
    journal->Stop();
  }

  void Enqueue(BatchPtr b) {
    while (b != nullptr && !stopping.load()) {
      if (sender->Enqueue(b, std::chrono::milliseconds(200))) return;
    }
  }

  // --- acknowledgements (the Sender's thread)

  void OnAck(BatchPtr b, const AckInfo& info) {
    if (info.status >= 400) {
      LOG_WARN("component=sender op=refused status={} lines={} msg={}", info.status, b->lines,
               Quote(info.message));
    }
    for (const SourcePosition& pos : b->positions) {
      if (pos.source == kJournalSource) {
        if (pos.cursor.empty()) continue;
        positions::Record rec;
        rec.cursor = pos.cursor;
        positions->Set(kJournalKey, rec);
        continue;
      }
      auto rec = tails->sources().ToRecord(pos);
      if (rec.has_value()) positions->Set(rec->first, rec->second);
    }
    std::vector<std::string> gone;
    {
      std::lock_guard<std::mutex> l(ack_mu);
      auto it = removals.find(b.get());
      if (it != removals.end()) {
        gone = std::move(it->second);
        removals.erase(it);
      }
    }
    for (const auto& key : gone) positions->Remove(key);
    // Every acknowledgement by default; with positions_sync_period at most
    // once a period (a crash then re-sends more, which the store drops).
    const int64_t now = deps.clock->MonotonicNanos();
    if (cfg.positions_sync_period_ns <= 0 || now - last_save_mono_ns >= cfg.positions_sync_period_ns) {
      last_save_mono_ns = now;
      SavePositions();
    }
    acked_batches.fetch_add(1);
  }

  // --- lifecycle

  Status StartAll() {
    if (meta != nullptr) meta->Start();
    if (cfg.journal.enabled) {
      JournalOptions jo;
      jo.directory = cfg.journal.path;
      jo.max_age = std::chrono::nanoseconds(cfg.journal.max_age_ns);
      if (cfg.journal.max_age_ns > 0) jo.start = JournalOptions::Start::kHead;
      jo.labels.job = cfg.journal.job;
      jo.labels.node_name = cfg.node_name;
      jo.max_line_bytes = cfg.max_entry_size;
      std::string cursor;
      if (auto rec = positions->Get(kJournalKey); rec.has_value()) cursor = rec->cursor;
      auto j = JournalReader::Open(std::move(jo), cursor, *deps.clock);
      if (!j.ok()) return j.status();
      journal = std::move(*j);
      journal_thread = std::thread([this] { JournalLoop(); });
    }
    reader = std::thread([this] { ReaderLoop(); });
    started.store(true);
    return {};
  }

  void StopAll(std::chrono::milliseconds drain) {
    stopping.store(true);
    if (tails != nullptr) tails->Stop();
    if (journal != nullptr) journal->Stop();
    if (reader.joinable()) reader.join();
    if (journal_thread.joinable()) journal_thread.join();
    if (sender != nullptr) sender->Stop(drain);
    if (meta != nullptr) meta->Stop();
    if (positions != nullptr) {
      Status s = positions->Save();
      if (!s.ok()) LOG_ERROR("component=positions op=save err={}", Quote(s.ToString()));
    }
  }
};

Collector::Collector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Collector::~Collector() { Stop(std::chrono::milliseconds(0)); }

StatusOr<std::unique_ptr<Collector>> Collector::Create(CollectorConfig config, CollectorDeps deps) {
  auto impl = std::make_unique<Impl>();
  impl->cfg = std::move(config);
  impl->deps = std::move(deps);
  LOGSTACK_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<Collector>(new Collector(std::move(impl)));
}

Status Collector::Start() { return impl_->StartAll(); }

void Collector::Stop(std::chrono::milliseconds drain) {
  if (impl_ == nullptr || impl_->stopping.exchange(true)) return;
  impl_->StopAll(drain);
}

Status Collector::Ready() const {
  if (!impl_->started.load()) return Unavailable("starting");
  if (impl_->meta != nullptr && !impl_->meta->HasSynced()) {
    return Unavailable("waiting for the first list of pods from the Kubernetes API");
  }
  if (!impl_->tails_started.load()) return Unavailable("starting the file readers");
  return {};
}

}  // namespace logstack::collector
