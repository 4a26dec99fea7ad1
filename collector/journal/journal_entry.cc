#include "collector/journal/journal_entry.h"

#include <utility>
#include <vector>

namespace logstack::collector {

std::string_view PriorityKeyword(std::string_view priority) {
  static constexpr std::string_view kKeywords[] = {"emerg",   "alert",  "crit", "err",
                                                   "warning", "notice", "info", "debug"};
  if (priority.size() != 1 || priority[0] < '0' || priority[0] > '7') return "";
  return kKeywords[priority[0] - '0'];
}

Entry JournalEntry(JournalRecord record, const JournalLabelOptions& options) {
  Entry e;
  e.timestamp_ns = static_cast<int64_t>(record.realtime_us) * 1000;
  e.line.assign(record.message);
  std::string_view level = PriorityKeyword(record.priority);
  std::vector<LabelPair> labels;
  labels.reserve(4);
  labels.emplace_back("job", options.job);
  labels.emplace_back("node_name", options.node_name);
  labels.emplace_back("unit", std::string(record.unit));
  if (options.level_as_label) labels.emplace_back("level", std::string(level));
  e.labels = LabelSet(std::move(labels));  // drops the empty ones
  auto add = [&](const char* name, std::string_view value) {
    if (!value.empty()) e.structured_metadata.emplace_back(name, std::string(value));
  };
  if (!options.level_as_label) add("level", level);
  add("syslog_identifier", record.syslog_identifier);
  add("hostname", record.hostname);
  e.position.source = 0;
  e.position.offset = 0;
  e.position.cursor = std::move(record.cursor);
  return e;
}

}  // namespace logstack::collector
