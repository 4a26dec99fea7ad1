#include "logstore/pipeline/ip_filter.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

namespace logstack::logstore::pipeline {
namespace {

bool IsHex(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

int Compare(const IpAddr& a, const IpAddr& b) {
  return std::memcmp(a.bytes.data(), b.bytes.data(), a.size());
}

Status InvalidPattern(std::string_view p) {
  return InvalidArgument("ip: invalid pattern: " + std::string(p));
}

}  // namespace

bool ParseIpAddr(std::string_view s, IpAddr* out) {
  if (s.empty() || s.size() > 45) return false;
  char buf[64];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  if (s.find(':') == std::string_view::npos) {
    out->v4 = true;
    out->bytes.fill(0);
    return inet_pton(AF_INET, buf, out->bytes.data()) == 1;
  }
  out->v4 = false;
  return inet_pton(AF_INET6, buf, out->bytes.data()) == 1;
}

StatusOr<IpMatcher> IpMatcher::Parse(std::string_view p) {
  IpMatcher m;
  if (size_t slash = p.find('/'); slash != std::string_view::npos) {
    m.kind_ = Kind::kCidr;
    if (!ParseIpAddr(p.substr(0, slash), &m.lo_)) return InvalidPattern(p);
    std::string_view bits = p.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return InvalidPattern(p);
    int b = 0;
    for (char c : bits) {
      if (c < '0' || c > '9') return InvalidPattern(p);
      b = b * 10 + (c - '0');
    }
    if (b > static_cast<int>(m.lo_.size()) * 8) return InvalidPattern(p);
    m.bits_ = b;
    return m;
  }
  if (size_t dash = p.find('-'); dash != std::string_view::npos) {
    m.kind_ = Kind::kRange;
    if (!ParseIpAddr(p.substr(0, dash), &m.lo_) || !ParseIpAddr(p.substr(dash + 1), &m.hi_) ||
        m.lo_.v4 != m.hi_.v4 || Compare(m.lo_, m.hi_) > 0) {
      return InvalidPattern(p);
    }
    return m;
  }
  m.kind_ = Kind::kSingle;
  if (!ParseIpAddr(p, &m.lo_)) return InvalidPattern(p);
  return m;
}

bool IpMatcher::Contains(const IpAddr& a) const {
  if (a.v4 != lo_.v4) return false;
  switch (kind_) {
    case Kind::kSingle:
      return Compare(a, lo_) == 0;
    case Kind::kRange:
      return Compare(a, lo_) >= 0 && Compare(a, hi_) <= 0;
    case Kind::kCidr: {
      int full = bits_ / 8, rem = bits_ % 8;
      if (std::memcmp(a.bytes.data(), lo_.bytes.data(), full) != 0) return false;
      if (rem == 0) return true;
      uint8_t mask = static_cast<uint8_t>(0xff << (8 - rem));
      return (a.bytes[full] & mask) == (lo_.bytes[full] & mask);
    }
  }
  return false;
}

bool IpMatcher::MatchText(std::string_view text) const {
  size_t i = 0, n = text.size();
  while (i < n) {
    while (i < n && !IsHex(text[i]) && text[i] != ':') i++;
    if (i >= n) break;
    size_t j = i;
    while (j < n && (IsHex(text[j]) || text[j] == '.' || text[j] == ':')) j++;
    std::string_view tok = text.substr(i, j - i);
    IpAddr a;
    if (ParseIpAddr(tok, &a) && Contains(a)) return true;
    // "10.1.2.5:8080": an IPv4 address followed by a port.
    size_t colon = tok.find(':');
    if (colon != std::string_view::npos && tok.find('.') != std::string_view::npos &&
        tok.find('.') < colon && ParseIpAddr(tok.substr(0, colon), &a) && Contains(a)) {
      return true;
    }
    i = j;
  }
  return false;
}

}  // namespace logstack::logstore::pipeline
