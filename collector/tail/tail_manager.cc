#include "collector/tail/tail_manager.h"

#include <fnmatch.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>

#include "common/env.h"
#include "common/logging.h"

namespace logstack::collector::tail {

// A family: its tailer and assembler, and the glue from lines to entries.
struct TailManager::TargetState final : public LineSink, public format::EntryConsumer {
  TargetState(Target t, format::FormatMode m, const TailManagerOptions& o, SourceTable* sources,
              TailStats* stats, format::AssemblerStats* astats)
      : target(std::move(t)),
        dir(DirName(target.path)),
        mode(m),
        tailer(target.path, o.tailer, sources, stats),
        assembler(o.assembler, astats) {}

  void OnLine(std::string_view line, const format::LineRef& ref) override {
    assembler.Add(format::ParseLine(line, mode, scratch), ref, read_time_ns, this);
  }
  void OnEntry(const format::AssembledEntry& e) override { sink->OnEntry(target, e); }

  const Target target;
  const std::string dir;
  const format::FormatMode mode;
  FileTailer tailer;
  format::EntryAssembler assembler;
  bool ready = false;
  bool finished = false;

  // Set for the duration of a read.
  EntrySink* sink = nullptr;
  std::string* scratch = nullptr;
  int64_t read_time_ns = 0;
};

TailManager::TailManager(TailManagerOptions options, Clock* clock,
                         const positions::Positions* positions)
    : options_(std::move(options)),
      clock_(clock),
      positions_(positions),
      discovery_(
          [this] {
            DiscoveryOptions d;
            d.pods_dir = options_.pods_dir;
            for (const StaticTarget& s : options_.static_targets) d.static_globs.push_back(s.glob);
            d.use_inotify = options_.use_inotify;
            return d;
          }(),
          &stats_),
      buffer_(std::max<size_t>(options_.read_block_bytes, 4096)) {
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

TailManager::~TailManager() {
  Add(stats_.targets, -static_cast<int64_t>(targets_.size()));
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void TailManager::Start(EntrySink* sink) {
  events_.Clear();
  discovery_.Start(&events_);
  Apply(events_, /*startup=*/true, sink);
  next_rescan_ns_ =
      clock_->MonotonicNanos() +
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.rescan_interval).count();
  RemoveFinished(sink);
  LOG_INFO("component=tail op=start pods_dir={} static_targets={} targets={} inotify={}",
           Quote(options_.pods_dir), options_.static_targets.size(), targets_.size(),
           discovery_.fd() >= 0);
}

void TailManager::MarkReady(TargetState* t) {
  if (t->ready || t->finished) return;
  t->ready = true;
  ready_.push_back(t);
}

void TailManager::CheckFinished(TargetState* t) {
  if (!t->finished && t->tailer.finished()) {
    t->finished = true;
    finished_.push_back(t);
  }
}

void TailManager::Refresh(TargetState* t) {
  t->tailer.Refresh();
  MarkReady(t);
}

void TailManager::AddTarget(const std::string& path, bool startup, EntrySink* sink) {
  Target target;
  target.path = path;
  format::FormatMode mode = options_.pod_log_format;
  if (discovery_.IsStatic(path)) {
    target.kind = Target::Kind::kStatic;
    for (const StaticTarget& s : options_.static_targets) {
      if (::fnmatch(s.glob.c_str(), path.c_str(), FNM_PATHNAME) == 0) {
        target.labels = s.labels;
        mode = s.format;
        break;
      }
    }
  } else {
    std::optional<PodLogPath> pod = ParsePodLogPath(options_.pods_dir, path);
    if (!pod) {
      Add(stats_.paths_rejected);
      return;
    }
    target.kind = Target::Kind::kPodLog;
    target.pod = std::move(*pod);
  }
  std::optional<positions::Record> saved;
  bool corrupt = false;
  if (positions_ != nullptr) {
    saved = positions_->Get(path);
    corrupt = positions_->loaded_corrupt();
  }
  const positions::StartPoint start = positions::ChooseStart(saved, corrupt, startup);
  auto state = std::make_unique<TargetState>(std::move(target), mode, options_, &sources_, &stats_,
                                             &assembler_stats_);
  TargetState* t = state.get();
  t->tailer.Start(start);
  targets_.emplace(path, std::move(state));
  by_dir_[t->dir].push_back(t);
  Add(stats_.targets_added);
  Add(stats_.targets, 1);
  LOG_INFO("component=tail op=add path={} start={}", Quote(path),
           start.kind == positions::StartKind::kResume
               ? "resume"
               : (start.kind == positions::StartKind::kEnd ? "end" : "beginning"));
  std::optional<SourcePosition> first;
  if (start.kind != positions::StartKind::kResume) first = t->tailer.FrontPosition();
  sink->OnTargetAdded(t->target, first ? &*first : nullptr);
  MarkReady(t);
  CheckFinished(t);
}

void TailManager::Apply(const DiscoveryEvents& events, bool startup, EntrySink* sink) {
  for (const std::string& path : events.added) {
    auto it = targets_.find(path);
    if (it == targets_.end()) {
      AddTarget(path, startup, sink);
    } else {
      Refresh(it->second.get());
    }
  }
  for (const std::string& path : events.removed) {
    auto it = targets_.find(path);
    if (it != targets_.end()) Refresh(it->second.get());
  }
  for (const std::string& dir : events.changed_dirs) {
    auto it = by_dir_.find(dir);
    if (it == by_dir_.end()) continue;
    for (TargetState* t : it->second) Refresh(t);
  }
  for (const std::string& dir : events.active_dirs) {
    auto it = by_dir_.find(dir);
    if (it == by_dir_.end()) continue;
    for (TargetState* t : it->second) MarkReady(t);
  }
}

void TailManager::RefreshAll() {
  int64_t lag = 0;
  for (auto& [path, t] : targets_) {
    Refresh(t.get());
    lag += t->tailer.LagBytes();
  }
  stats_.lag_bytes.store(lag, std::memory_order_relaxed);
}

void TailManager::RemoveFinished(EntrySink* sink) {
  for (TargetState* t : finished_) {
    // The path may have come back since the tailer last looked.
    t->tailer.Refresh();
    if (!t->tailer.finished()) {
      t->finished = false;
      MarkReady(t);
      continue;
    }
    t->sink = sink;
    t->assembler.Flush(t);
    t->sink = nullptr;
    sink->OnTargetRemoved(t->target);
    LOG_INFO("component=tail op=remove path={}", Quote(t->target.path));
    std::erase(ready_, t);
    auto dit = by_dir_.find(t->dir);
    if (dit != by_dir_.end()) {
      std::erase(dit->second, t);
      if (dit->second.empty()) by_dir_.erase(dit);
    }
    Add(stats_.targets_removed);
    Add(stats_.targets, -1);
    targets_.erase(t->target.path);  // destroys t
  }
  finished_.clear();
}

TailManager::RoundResult TailManager::ReadRound(size_t byte_budget, EntrySink* sink) {
  events_.Clear();
  discovery_.Poll(&events_);
  const int64_t now = clock_->MonotonicNanos();
  bool rescanned = false;
  if (events_.overflow || now >= next_rescan_ns_) {
    discovery_.Rescan(&events_);
    next_rescan_ns_ =
        now +
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_.rescan_interval).count();
    rescanned = true;
  }
  Apply(events_, /*startup=*/false, sink);
  if (rescanned) RefreshAll();

  RoundResult result;
  const int64_t read_time = clock_->NowNanos();
  while (!ready_.empty() && result.bytes < byte_budget) {
    TargetState* t = ready_.front();
    ready_.pop_front();
    t->ready = false;
    t->sink = sink;
    t->scratch = &scratch_;
    t->read_time_ns = read_time;
    const size_t slice = std::min(byte_budget - result.bytes, buffer_.size());
    result.bytes += t->tailer.Read(std::span<char>(buffer_), slice, t);
    t->sink = nullptr;
    if (t->tailer.has_more()) {
      MarkReady(t);
    } else {
      CheckFinished(t);
    }
  }
  RemoveFinished(sink);
  result.more = !ready_.empty();
  return result;
}

void TailManager::Wait(std::chrono::milliseconds timeout) {
  if (!ready_.empty() || stopping_.load()) return;
  const int64_t until_rescan_ms = (next_rescan_ns_ - clock_->MonotonicNanos()) / 1'000'000;
  const int64_t ms = std::clamp<int64_t>(until_rescan_ms, 0, timeout.count());
  struct pollfd fds[2];
  nfds_t n = 0;
  if (wake_fd_ >= 0) fds[n++] = {wake_fd_, POLLIN, 0};
  if (discovery_.fd() >= 0) fds[n++] = {discovery_.fd(), POLLIN, 0};
  if (::poll(fds, n, static_cast<int>(ms)) > 0 && wake_fd_ >= 0 && (fds[0].revents & POLLIN)) {
    uint64_t v;
    [[maybe_unused]] ssize_t r = ::read(wake_fd_, &v, sizeof(v));
  }
}

void TailManager::Run(EntrySink* sink, size_t byte_budget_per_round) {
  while (!stopping_.load()) {
    RoundResult r = ReadRound(byte_budget_per_round, sink);
    if (!r.more) Wait(std::chrono::seconds(1));
  }
}

void TailManager::Stop() {
  stopping_.store(true);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_fd_, &one, sizeof(one));
  }
}

}  // namespace logstack::collector::tail
