#pragma once

// LogQL's ip("...") matcher, for the `|= ip(...)` / `!= ip(...)` line filters
// and the `label = ip(...)` label filter. The pattern is one address
// ("192.168.0.1", "::1"), a CIDR prefix ("10.0.0.0/8", "2001:db8::/32") or an
// inclusive range ("10.0.0.1-10.0.0.9"); IPv4 and IPv6 never match each other.
//
// A text matches when any IP-looking token in it (a run of hex digits, '.'
// and ':' that starts with a hex digit or ':') parses as an address that the
// pattern contains, as Loki scans lines.
//
// Thread safety: immutable after Parse(); share freely.

#include <array>
#include <cstdint>
#include <string_view>

#include "common/status.h"

namespace logstack::logstore::pipeline {

struct IpAddr {
  bool v4 = false;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4
  size_t size() const { return v4 ? 4 : 16; }
};

// Parses a textual IPv4 (dotted quad, no leading zeros) or IPv6 address.
bool ParseIpAddr(std::string_view s, IpAddr* out);

class IpMatcher {
 public:
  static StatusOr<IpMatcher> Parse(std::string_view pattern);
  bool Contains(const IpAddr& a) const;
  // True iff an IP-looking token in `text` is contained in the pattern.
  bool MatchText(std::string_view text) const;

 private:
  enum class Kind { kSingle, kCidr, kRange };
  Kind kind_ = Kind::kSingle;
  IpAddr lo_, hi_;
  int bits_ = 0;
};

}  // namespace logstack::logstore::pipeline
