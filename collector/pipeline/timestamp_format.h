#pragma once

// The timestamp stage's `format`: Promtail's named formats (ANSIC, UnixDate,
// RubyDate, RFC822, RFC822Z, RFC850, RFC1123, RFC1123Z, RFC3339, RFC3339Nano,
// Unix, UnixMs, UnixUs, UnixNs) or a Go reference layout
// ("2006-01-02 15:04:05.000", "02/Jan/2006:15:04:05 -0700").
//
// As in Promtail:
//  - named formats parse as Go's time.Parse does: a time without a zone is
//    UTC, `location` does not apply;
//  - a layout applies `location` (time.ParseInLocation) to a time written
//    without a zone, and to a zone abbreviation the location uses then;
//  - a layout without a year ("Jan _2 15:04:05", no "06" in it) takes the
//    year of `now`, the previous one for a December time read in January and
//    the next one for a January time read in December;
//  - Unix takes seconds with an optional fraction of up to 9 digits
//    ("1562708916.000000123"); UnixMs, UnixUs and UnixNs take integers.
//
// Thread safety: immutable after Make.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collector/pipeline/time_zone.h"
#include "common/status.h"

namespace logstack::collector {

class TimestampFormat {
 public:
  // `location` may be null (UTC).
  static StatusOr<TimestampFormat> Make(std::string_view format,
                                        std::shared_ptr<const TimeZone> location);

  // Unix nanoseconds, or nullopt when `value` does not match.
  std::optional<int64_t> Parse(std::string_view value, int64_t now_ns) const;

 private:
  enum class Kind { kLayout, kNamed, kUnix, kUnixMs, kUnixUs, kUnixNs };
  std::optional<int64_t> ParseLayout(std::string_view value, int64_t now_ns) const;

  Kind kind_ = Kind::kLayout;
  std::string layout_;
  std::shared_ptr<const TimeZone> location_;
  bool has_year_ = true;
  bool has_numeric_zone_ = false;
  bool has_zone_abbrev_ = false;
};

// RFC3339Nano as Go prints it in UTC: "2024-01-15T08:53:47.5Z" (fraction
// without trailing zeros, none when zero).
std::string FormatRfc3339Nano(int64_t unix_ns);

}  // namespace logstack::collector
