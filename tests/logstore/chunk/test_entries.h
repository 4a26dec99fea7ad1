#pragma once

// Entries as the chunk tests and the chunk reader fuzz target compare them:
// owned copies of what an EntryIterator hands out.

#include <cstdint>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "common/status.h"
#include "logstore/model/iterator.h"

namespace logstack::logstore::chunk::testing {

inline constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
inline constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

struct Entry {
  int64_t ts;
  std::string line;
  std::string metadata;
  bool operator==(const Entry&) const = default;
};

// Lines are shown by size: they may hold any bytes.
inline std::ostream& operator<<(std::ostream& os, const Entry& e) {
  return os << "{" << e.ts << ", " << e.line.size() << "B line, " << e.metadata.size() << "B md}";
}

// Copies every entry `it` yields; *status gets the iterator's final status.
inline std::vector<Entry> Drain(EntryIterator& it, Status* status) {
  std::vector<Entry> out;
  while (it.Next()) {
    const EntryView& e = it.entry();
    out.push_back({e.timestamp_ns, std::string(e.line), std::string(e.metadata)});
  }
  *status = it.status();
  return out;
}

}  // namespace logstack::logstore::chunk::testing
