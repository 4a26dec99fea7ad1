#pragma once

// IANA time zones for the timestamp stage's `location`, read from the
// system's zoneinfo files (TZif, RFC 8536, versions 1 to 4) including the
// POSIX TZ rule at their end for times past the last listed transition. No
// dependency on the process's TZ or on libc's time zone state.
//
// Thread safety: a loaded TimeZone is immutable; share freely.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace logstack::collector {

class TimeZone {
 public:
  // "UTC" (and "") without any file; otherwise <zoneinfo_dir>/<name>, e.g.
  // "Europe/Berlin". Errors name the zone: `unknown time zone "Mars/Base"`.
  static StatusOr<std::shared_ptr<const TimeZone>> Load(std::string_view name,
                                                        const std::string& zoneinfo_dir);
  // Parses TZif data (for tests).
  static StatusOr<std::shared_ptr<const TimeZone>> FromTzif(std::string_view name,
                                                            std::string_view data);

  const std::string& name() const { return name_; }

  // The UTC offset in seconds at the instant `unix_sec`, and its abbreviation.
  int32_t OffsetAt(int64_t unix_sec, std::string* abbrev = nullptr) const;

  // The instant of a civil (wall clock) time given as seconds since
  // 1970-01-01 00:00 in this zone, chosen as Go's time.Date chooses it in a
  // gap or an overlap.
  int64_t FromCivil(int64_t civil_sec) const;

 private:
  struct Type {
    int32_t offset = 0;
    bool dst = false;
    std::string abbrev;
  };
  // A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3").
  struct Rule {
    bool valid = false;
    Type std_type, dst_type;
    bool has_dst = false;
    struct When {
      char kind = 'M';  // 'M' (Mm.w.d), 'J' (Jn, no Feb 29) or 'N' (n, 0-based day)
      int month = 0, week = 0, wday = 0, day = 0;
      int32_t time = 7200;  // seconds after local midnight
    } start, end;
  };
  static bool ParseRule(std::string_view s, Rule* rule);
  // The offset and abbreviation the rule gives at `unix_sec`.
  Type RuleAt(int64_t unix_sec) const;

  std::string name_;
  std::vector<int64_t> transitions_;  // sorted instants
  std::vector<uint8_t> trans_types_;  // type index in effect from each transition
  std::vector<Type> types_;
  Rule rule_;
};

}  // namespace logstack::collector
