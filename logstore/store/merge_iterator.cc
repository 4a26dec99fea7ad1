#include "logstore/store/merge_iterator.h"

#include <algorithm>
#include <queue>
#include <string>

namespace logstack::logstore {
namespace {

class MergeIterator final : public EntryIterator {
 public:
  MergeIterator(std::vector<LazySource> sources, Direction dir)
      : sources_(std::move(sources)), dir_(dir) {
    // Forward: open in order of min_ts; backward: in order of max_ts, newest first.
    std::sort(sources_.begin(), sources_.end(), [dir](const LazySource& a, const LazySource& b) {
      return dir == Direction::kForward ? a.min_ts < b.min_ts : a.max_ts > b.max_ts;
    });
  }

  bool Next() override {
    while (true) {
      if (!status_.ok()) return false;
      if (current_ >= 0) {
        Advance(current_);
        current_ = -1;
      }
      OpenReachable();
      if (!status_.ok() || heap_.empty()) return false;
      int top = heap_.top();
      heap_.pop();
      current_ = top;
      const EntryView& e = children_[top]->entry();
      if (has_last_ && e.timestamp_ns == last_ts_ && e.line == last_line_) continue;  // duplicate
      has_last_ = true;
      last_ts_ = e.timestamp_ns;
      last_line_.assign(e.line.data(), e.line.size());
      return true;
    }
  }

  const EntryView& entry() const override { return children_[current_]->entry(); }
  Status status() const override { return status_; }

 private:
  // Opens every source whose range starts at or before the heap's best entry
  // (after it, backward), so nothing can come out of order.
  void OpenReachable() {
    while (next_source_ < sources_.size()) {
      const LazySource& s = sources_[next_source_];
      if (!heap_.empty()) {
        int64_t best = children_[heap_.top()]->entry().timestamp_ns;
        bool reachable = dir_ == Direction::kForward ? s.min_ts <= best : s.max_ts >= best;
        if (!reachable) return;
      }
      next_source_++;
      auto it = s.open();
      if (!it.ok()) {
        status_ = it.status();
        return;
      }
      children_.push_back(std::move(*it));
      Advance(static_cast<int>(children_.size()) - 1);
      if (!status_.ok()) return;
    }
  }

  void Advance(int i) {
    if (children_[i]->Next()) {
      heap_.push(i);
    } else {
      if (!children_[i]->status().ok()) status_ = children_[i]->status();
      children_[i].reset();
    }
  }

  struct Later {
    const MergeIterator* self;
    bool operator()(int a, int b) const {
      const EntryView& x = self->children_[a]->entry();
      const EntryView& y = self->children_[b]->entry();
      if (x.timestamp_ns != y.timestamp_ns) {
        return self->dir_ == Direction::kForward ? x.timestamp_ns > y.timestamp_ns
                                                 : x.timestamp_ns < y.timestamp_ns;
      }
      // Equal times: older sources first going forward, so arrival order holds.
      if (x.line != y.line) return x.line > y.line;
      return self->dir_ == Direction::kForward ? a > b : a < b;
    }
  };

  std::vector<LazySource> sources_;
  Direction dir_;
  size_t next_source_ = 0;
  std::vector<EntryIteratorPtr> children_;
  std::priority_queue<int, std::vector<int>, Later> heap_{Later{this}};
  int current_ = -1;
  Status status_;
  bool has_last_ = false;
  int64_t last_ts_ = 0;
  std::string last_line_;
};

}  // namespace

EntryIteratorPtr NewMergeIterator(std::vector<LazySource> sources, Direction dir) {
  return std::make_unique<MergeIterator>(std::move(sources), dir);
}

}  // namespace logstack::logstore
