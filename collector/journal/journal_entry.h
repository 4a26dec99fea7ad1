#pragma once

// How a systemd journal record becomes a collector Entry (docs/collector.md,
// "The journal"). Pure, so it is tested without libsystemd.
//
// The line is the record's MESSAGE, byte for byte (a binary MESSAGE, invalid
// UTF-8 or NUL bytes included, passes through); the timestamp its realtime
// timestamp (__REALTIME_TIMESTAMP, microseconds) in nanoseconds, which a
// re-read gives again, as exactly-once needs. Labels, in Promtail's
// conventions for its `journal` scrape config (whose usual relabelling turns
// `__journal__systemd_unit` into `unit`):
//   job        `job` from the config ("node/journal" by default)
//   node_name  the node's name from the config (none when empty)
//   unit       _SYSTEMD_UNIT (none when the record has none: kernel messages)
//   level      the PRIORITY keyword (emerg alert crit err warning notice info
//              debug, Promtail's `__journal_priority_keyword`), only when
//              `level_as_label` is set
// and as structured metadata (Loki 3's per-entry name/value pairs):
//   level              the PRIORITY keyword, unless it is a label
//   syslog_identifier  SYSLOG_IDENTIFIER
//   hostname           _HOSTNAME
// Absent or empty fields add nothing. The level is structured metadata by
// default, not a label: as a label it would split each unit's stream in up
// to eight, while Loki 3 and Grafana read `level` from structured metadata
// just as well (log volume by level, detected_level).
// The position is `source` 0 and the record's cursor.
//
// Thread safety: pure functions.

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/model/entry.h"

namespace logstack::collector {

inline constexpr char kDefaultJournalJob[] = "node/journal";

struct JournalLabelOptions {
  std::string job = kDefaultJournalJob;
  std::string node_name;
  bool level_as_label = false;
};

// The fields of one record, as the reader found them ("" when absent).
struct JournalRecord {
  uint64_t realtime_us = 0;
  std::string_view message;
  std::string_view unit;               // _SYSTEMD_UNIT
  std::string_view priority;           // PRIORITY, "0".."7"
  std::string_view hostname;           // _HOSTNAME
  std::string_view syslog_identifier;  // SYSLOG_IDENTIFIER
  std::string cursor;
};

// "0" -> "emerg" ... "7" -> "debug"; "" for anything else.
std::string_view PriorityKeyword(std::string_view priority);

Entry JournalEntry(JournalRecord record, const JournalLabelOptions& options);

}  // namespace logstack::collector
