#include "logstore/wal/wal.h"

#include <algorithm>
#include <cstdio>
#include <future>
#include <optional>

#include "common/coding.h"
#include "common/logging.h"
#include "logstore/wal/log_reader.h"

namespace logstack::logstore::wal {

namespace {

constexpr size_t kSeqSize = 8;
constexpr std::string_view kSegmentSuffix = ".wal";
constexpr size_t kSegmentDigits = 16;
// An fsync slower than this is logged: the disk is in trouble.
constexpr int64_t kSlowFsyncNanos = 1'000'000'000;

// "0000000000000007.wal" -> 7; anything else -> nullopt.
std::optional<uint64_t> ParseSegmentName(std::string_view name) {
  if (name.size() != kSegmentDigits + kSegmentSuffix.size() || !name.ends_with(kSegmentSuffix)) {
    return std::nullopt;
  }
  uint64_t number = 0;
  for (char c : name.substr(0, kSegmentDigits)) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<uint64_t>(c - '0');
  }
  if (number == 0) return std::nullopt;
  return number;
}

std::string SegmentName(uint64_t number) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%016llu.wal", static_cast<unsigned long long>(number));
  return buf;
}

// Counts the damage one segment's reader finds into ReplayStats and logs it.
class ReplayReporter final : public LogReader::Reporter {
 public:
  ReplayReporter(ReplayStats* stats, std::string segment)
      : stats_(stats), segment_(std::move(segment)) {}

  void Corruption(size_t bytes, const Status& reason) override {
    if (reason.code() != StatusCode::kCorruption) return;  // an I/O error: Replay returns it
    stats_->corrupt_bytes += bytes;
    stats_->corruptions++;
    stats_->last_error = segment_ + ": " + reason.message();
    LOG_WARN("component=wal op=replay segment={} dropped_bytes={} reason={}", Quote(segment_),
             bytes, Quote(reason.message()));
  }

 private:
  ReplayStats* const stats_;
  const std::string segment_;
};

}  // namespace

void WalStats::ObserveFsync(uint64_t nanos) {
  fsyncs.fetch_add(1, std::memory_order_relaxed);
  fsync_nanos_total.fetch_add(nanos, std::memory_order_relaxed);
  const uint64_t micros = (nanos + 999) / 1000;
  const auto* it =
      std::lower_bound(kFsyncBucketBoundsMicros.begin(), kFsyncBucketBoundsMicros.end(), micros);
  fsync_latency_buckets[static_cast<size_t>(it - kFsyncBucketBoundsMicros.begin())].fetch_add(
      1, std::memory_order_relaxed);
}

Wal::Wal(PassKey, Env* env, Clock* clock, WalOptions opts)
    : env_(env), clock_(clock), opts_(std::move(opts)) {}

Wal::~Wal() { Close(); }

StatusOr<std::unique_ptr<Wal>> Wal::Open(Env* env, Clock* clock, WalOptions opts) {
  if (opts.dir.empty()) return InvalidArgument("wal: dir must be set");
  if (opts.segment_size == 0) return InvalidArgument("wal: segment_size must be positive");
  LOGSTACK_RETURN_IF_ERROR(env->CreateDirs(opts.dir));
  LOGSTACK_ASSIGN_OR_RETURN(std::vector<std::string> children, env->GetChildren(opts.dir));

  auto wal = std::make_unique<Wal>(PassKey(), env, clock, std::move(opts));
  uint64_t disk_bytes = 0;
  for (const std::string& name : children) {
    std::optional<uint64_t> number = ParseSegmentName(name);
    if (!number.has_value()) continue;
    LOGSTACK_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(wal->SegmentPath(*number)));
    wal->segments_.push_back(Segment{*number, size, 0});
    disk_bytes += size;
  }
  std::sort(wal->segments_.begin(), wal->segments_.end(),
            [](const Segment& a, const Segment& b) { return a.number < b.number; });
  wal->disk_bytes_.store(disk_bytes);
  return wal;
}

std::string Wal::SegmentPath(uint64_t number) const {
  return JoinPath(opts_.dir, SegmentName(number));
}

Status Wal::Replay(const std::function<Status(uint64_t seq, std::string_view payload)>& fn,
                   ReplayStats* stats) {
  ReplayStats local;
  ReplayStats& st = stats != nullptr ? *stats : local;
  st = ReplayStats{};
  std::vector<uint64_t> numbers;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (started_) return FailedPrecondition("wal: Replay() after Start()");
    for (const Segment& seg : segments_) numbers.push_back(seg.number);
  }

  uint64_t last_seq = 0;
  auto publish_seq = [&](uint64_t number, uint64_t max_seq) {
    std::lock_guard<std::mutex> l(mu_);
    last_seq_ = std::max(last_seq_, last_seq);
    for (Segment& seg : segments_) {
      if (seg.number == number) seg.max_seq = max_seq;
    }
  };

  std::string scratch;
  for (uint64_t number : numbers) {
    const std::string path = SegmentPath(number);
    LOGSTACK_ASSIGN_OR_RETURN(SequentialFilePtr file, env_->NewSequentialFile(path));
    ReplayReporter reporter(&st, path);
    LogReader reader(file.get(), &reporter);
    uint64_t max_seq = 0;
    std::string_view record;
    while (reader.ReadRecord(&record, &scratch)) {
      if (record.size() < kSeqSize) {
        reporter.Corruption(record.size(), Corruption("record too short to hold a seq"));
        continue;
      }
      const uint64_t seq = DecodeFixed64(record.data());
      if (seq <= last_seq) {
        reporter.Corruption(record.size(),
                            Corruption("seq " + std::to_string(seq) + " does not follow " +
                                       std::to_string(last_seq)));
        continue;
      }
      if (last_seq != 0 && seq != last_seq + 1) {
        LOG_WARN("component=wal op=replay segment={} msg=\"seq gap\" from={} to={}", Quote(path),
                 last_seq, seq);
      }
      last_seq = seq;
      max_seq = seq;
      st.records++;
      st.bytes += record.size() - kSeqSize;
      Status s = fn(seq, record.substr(kSeqSize));
      if (!s.ok()) {
        publish_seq(number, max_seq);
        return s;
      }
    }
    publish_seq(number, max_seq);
    if (!reader.status().ok()) return reader.status().Annotate("wal replay " + path);
    st.segments++;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    replayed_ = true;
  }
  LOG_INFO(
      "component=wal op=replay segments={} records={} bytes={} corrupt_bytes={} corruptions={} "
      "last_seq={}",
      st.segments, st.records, st.bytes, st.corrupt_bytes, st.corruptions, last_seq);
  return Status::Ok();
}

Status Wal::Start() {
  bool replayed;
  {
    std::lock_guard<std::mutex> l(mu_);
    replayed = replayed_;
  }
  if (!replayed) {
    // Learn the highest seq, so that seqs continue after it.
    LOGSTACK_RETURN_IF_ERROR(
        Replay([](uint64_t, std::string_view) { return Status::Ok(); }, nullptr));
  }
  uint64_t number;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (started_ || closing_)
      return FailedPrecondition("wal: Start() called twice or after Close()");
    number = segments_.empty() ? 1 : segments_.back().number + 1;
  }
  LOGSTACK_RETURN_IF_ERROR(OpenSegment(number));
  {
    std::lock_guard<std::mutex> l(mu_);
    started_ = true;
    framer_ = RecordFramer(0);
  }
  syncer_ = std::thread([this] { SyncerLoop(); });
  return Status::Ok();
}

Status Wal::OpenSegment(uint64_t number) {
  const std::string path = SegmentPath(number);
  LOGSTACK_ASSIGN_OR_RETURN(WritableFilePtr file, env_->NewWritableFile(path));
  LOGSTACK_RETURN_IF_ERROR(env_->SyncDir(opts_.dir));
  if (file_ != nullptr) {
    // Everything in it was synced already; a close error loses nothing.
    Status s = file_->Close();
    if (!s.ok()) LOG_WARN("component=wal op=close_segment error={}", Quote(s.ToString()));
  }
  file_ = std::move(file);
  {
    std::lock_guard<std::mutex> l(mu_);
    segments_.push_back(Segment{number, 0, 0});
  }
  stats_.segments_created.fetch_add(1, std::memory_order_relaxed);
  LOG_INFO("component=wal op=new_segment segment={}", Quote(path));
  return Status::Ok();
}

int64_t Wal::StalledNanos() const {
  const int64_t since = busy_since_.load();
  return since == 0 ? 0 : std::max<int64_t>(0, clock_->MonotonicNanos() - since);
}

uint64_t Wal::Append(std::string_view payload, Callback done) {
  std::unique_lock<std::mutex> l(mu_);
  if (!started_ || closing_) {
    l.unlock();
    done(FailedPrecondition(started_ ? "wal is closed" : "wal is not started"));
    return 0;
  }
  const uint64_t seq = ++last_seq_;
  if (error_.ok()) {
    char seq_bytes[kSeqSize];
    EncodeFixed64(seq_bytes, seq);
    framer_.AppendFramed(std::string_view(seq_bytes, kSeqSize), payload, &pending_);
    pending_max_seq_ = seq;
  }
  pending_callbacks_.push_back(std::move(done));
  const bool wake = pending_callbacks_.size() == 1;
  if (busy_since_.load() == 0) busy_since_.store(clock_->MonotonicNanos());
  l.unlock();
  stats_.records.fetch_add(1, std::memory_order_relaxed);
  stats_.pending_records.fetch_add(1, std::memory_order_relaxed);
  if (wake) work_cv_.notify_one();
  return seq;
}

Status Wal::AppendSync(std::string_view payload) {
  std::promise<Status> promise;
  std::future<Status> result = promise.get_future();
  Append(payload, [&promise](Status s) { promise.set_value(std::move(s)); });
  return result.get();
}

void Wal::SyncerLoop() {
  std::string data;
  std::vector<Callback> callbacks;
  while (true) {
    Status status;
    std::optional<uint64_t> rotate_to;
    {
      std::unique_lock<std::mutex> l(mu_);
      work_cv_.wait(l, [this] { return !pending_callbacks_.empty() || closing_; });
      if (pending_callbacks_.empty()) break;  // closing and drained
      data.clear();
      data.swap(pending_);
      callbacks.clear();
      callbacks.swap(pending_callbacks_);
      status = error_;
      if (status.ok()) {
        Segment& current = segments_.back();
        current.max_seq = std::max(current.max_seq, pending_max_seq_);
        // Rotate after this round; later Appends frame for the new segment,
        // which is created before the next round is written.
        if (framer_.offset() >= opts_.segment_size) {
          rotate_to = current.number + 1;
          framer_ = RecordFramer(0);
        }
      }
      round_in_progress_ = true;
    }

    if (status.ok()) status = WriteRound(data);
    Status later_error = status;  // what fails the Appends after this round
    if (status.ok() && rotate_to.has_value()) {
      // This round is durable, so its callbacks succeed even if this fails.
      later_error = OpenSegment(*rotate_to).Annotate("wal rotate");
    }
    if (!later_error.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      if (error_.ok()) {
        error_ = later_error;
        stats_.errors.fetch_add(1, std::memory_order_relaxed);
        LOG_ERROR("component=wal op=write msg=\"wal failed; failing all later appends\" error={}",
                  Quote(later_error.ToString()));
      }
    }

    {
      // The round is written: what waits now has waited since now at most.
      std::lock_guard<std::mutex> l(mu_);
      busy_since_.store(pending_callbacks_.empty() ? 0 : clock_->MonotonicNanos());
    }
    for (Callback& cb : callbacks) cb(status);
    stats_.pending_records.fetch_sub(callbacks.size(), std::memory_order_relaxed);
    callbacks.clear();  // drop what the callbacks captured now, not a round later
    {
      std::lock_guard<std::mutex> l(mu_);
      round_in_progress_ = false;
    }
    idle_cv_.notify_all();
  }
}

Status Wal::WriteRound(std::string_view data) {
  const uint64_t size_before = file_->Size();
  Status s = file_->Append(data);
  const uint64_t size_after = file_->Size();
  {
    std::lock_guard<std::mutex> l(mu_);
    segments_.back().size = size_after;
  }
  disk_bytes_.fetch_add(size_after - size_before, std::memory_order_relaxed);
  LOGSTACK_RETURN_IF_ERROR(s);
  stats_.bytes_written.fetch_add(data.size(), std::memory_order_relaxed);
  stats_.write_rounds.fetch_add(1, std::memory_order_relaxed);
  if (!opts_.sync) return file_->Flush();

  const int64_t start = clock_->MonotonicNanos();
  s = file_->Sync();
  const int64_t nanos = std::max<int64_t>(0, clock_->MonotonicNanos() - start);
  stats_.ObserveFsync(static_cast<uint64_t>(nanos));
  if (nanos >= kSlowFsyncNanos) {
    LOG_WARN("component=wal op=fsync msg=\"slow fsync\" latency_ms={} bytes={}", nanos / 1'000'000,
             data.size());
  }
  return s;
}

Status Wal::TruncateBefore(uint64_t seq) {
  std::vector<Segment> victims;
  {
    std::lock_guard<std::mutex> l(mu_);
    // Segments' max seqs are known only once they have all been read.
    if (!replayed_) return FailedPrecondition("wal: TruncateBefore() before Replay()/Start()");
    // The last segment is the one being written (or, before Start(), the one
    // the next segment's seqs follow): never remove it.
    auto last = segments_.empty() ? segments_.end() : segments_.end() - 1;
    auto removed = std::stable_partition(segments_.begin(), last,
                                         [seq](const Segment& s) { return s.max_seq >= seq; });
    victims.assign(removed, last);
    segments_.erase(removed, last);
  }

  Status first_error;
  std::vector<Segment> failed;
  for (const Segment& seg : victims) {
    const std::string path = SegmentPath(seg.number);
    Status s = env_->RemoveFile(path);
    if (s.ok() || s.code() == StatusCode::kNotFound) {
      disk_bytes_.fetch_sub(seg.size, std::memory_order_relaxed);
      stats_.segments_removed.fetch_add(1, std::memory_order_relaxed);
      LOG_INFO("component=wal op=remove_segment segment={} max_seq={} bytes={}", Quote(path),
               seg.max_seq, seg.size);
    } else {
      LOG_ERROR("component=wal op=remove_segment segment={} error={}", Quote(path),
                Quote(s.ToString()));
      if (first_error.ok()) first_error = s;
      failed.push_back(seg);
    }
  }
  if (!failed.empty()) {
    std::lock_guard<std::mutex> l(mu_);
    segments_.insert(segments_.begin(), failed.begin(), failed.end());
    std::sort(segments_.begin(), segments_.end(),
              [](const Segment& a, const Segment& b) { return a.number < b.number; });
  }
  return first_error;
}

void Wal::WaitIdle() {
  std::unique_lock<std::mutex> l(mu_);
  // Before Start() and after Close() nothing is pending: Append() fails inline.
  idle_cv_.wait(l, [this] { return pending_callbacks_.empty() && !round_in_progress_; });
}

void Wal::Close() {
  std::lock_guard<std::mutex> close_lock(close_mu_);
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closing_) return;
    closing_ = true;
  }
  work_cv_.notify_all();
  if (syncer_.joinable()) syncer_.join();
  idle_cv_.notify_all();
  if (file_ != nullptr) {
    Status s = file_->Close();
    if (!s.ok()) LOG_ERROR("component=wal op=close error={}", Quote(s.ToString()));
    file_.reset();
  }
}

uint64_t Wal::last_seq() const {
  std::lock_guard<std::mutex> l(mu_);
  return last_seq_;
}

uint64_t Wal::disk_bytes() const { return disk_bytes_.load(std::memory_order_relaxed); }

uint64_t Wal::OldestSegmentMaxSeq() const {
  std::lock_guard<std::mutex> l(mu_);
  if (segments_.size() < 2) return 0;
  return segments_.front().max_seq;
}

size_t Wal::segment_count() const {
  std::lock_guard<std::mutex> l(mu_);
  return segments_.size();
}

bool Wal::healthy() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_.ok();
}

Status Wal::error() const {
  std::lock_guard<std::mutex> l(mu_);
  return error_;
}

}  // namespace logstack::logstore::wal
