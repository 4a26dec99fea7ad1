#pragma once

// The types every collector module shares: a log entry on its way from a
// source (a container's log file, a static file, the journal) to the store,
// and where in its source it ended, so that the source's position advances
// only after the store acknowledged it (docs/collector.md, "Exactly once").
//
// Labels are kept sorted by name, names unique, as Loki's label sets are; the
// stream they name is the Prometheus-style rendering `{a="1", b="2"}`.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace logstack::collector {

using LabelPair = std::pair<std::string, std::string>;

// A sorted, duplicate-free list of labels.
class LabelSet {
 public:
  LabelSet() = default;
  // Sorts and keeps the last value of a repeated name.
  explicit LabelSet(std::vector<LabelPair> pairs);

  // Adds or replaces `name`. An empty value removes it, as in Loki.
  void Set(std::string_view name, std::string_view value);
  void Remove(std::string_view name);
  // nullptr when absent.
  const std::string* Get(std::string_view name) const;

  const std::vector<LabelPair>& pairs() const { return pairs_; }
  bool empty() const { return pairs_.empty(); }
  size_t size() const { return pairs_.size(); }

  // `{a="1", b="2"}`, values quoted as Go's strconv.Quote does (the form
  // Loki's push API parses).
  std::string ToString() const;

  friend bool operator==(const LabelSet& a, const LabelSet& b) { return a.pairs_ == b.pairs_; }

 private:
  std::vector<LabelPair> pairs_;
};

// Where an entry's bytes end in its source. For files, `source` is the
// collector's id of the file (device and inode, see tail/) and `offset` the
// byte offset just after the entry's last line; for the journal, `source` is
// 0 and `cursor` the journal cursor of the entry's last record.
struct SourcePosition {
  uint64_t source = 0;
  int64_t offset = 0;
  std::string cursor;
};

// One entry. Timestamps are Unix nanoseconds.
struct Entry {
  int64_t timestamp_ns = 0;
  std::string line;
  LabelSet labels;
  // Loki 3's structured metadata: name/value pairs stored beside the line.
  std::vector<LabelPair> structured_metadata;
  // Which tenant to push to; empty = the collector's configured tenant.
  std::string tenant;
  SourcePosition position;
};

}  // namespace logstack::collector
