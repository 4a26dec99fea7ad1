#include "logstore/push/gotime.h"

#include <cstdio>

namespace logstack::logstore::push {

namespace {

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second;
  int64_t nanos;  // 0..999'999'999
};

// Splits a Unix time in nanoseconds into a UTC calendar date and time of day
// (proleptic Gregorian calendar, days-from-civil inverted).
Civil ToCivil(int64_t unix_ns) {
  constexpr int64_t kNsPerSec = 1'000'000'000;
  int64_t secs = unix_ns / kNsPerSec;
  int64_t nanos = unix_ns % kNsPerSec;
  if (nanos < 0) {
    nanos += kNsPerSec;
    secs--;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days--;
  }
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  Civil c;
  c.day = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);
  c.month = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);
  c.year = yoe + era * 400 + (c.month <= 2 ? 1 : 0);
  c.hour = static_cast<unsigned>(sod / 3600);
  c.minute = static_cast<unsigned>(sod / 60 % 60);
  c.second = static_cast<unsigned>(sod % 60);
  c.nanos = nanos;
  return c;
}

}  // namespace

std::string FormatGoTime(int64_t unix_ns) {
  Civil c = ToCivil(unix_ns);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02u %02u:%02u:%02u",
                        static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  std::string out(buf, static_cast<size_t>(n));
  if (c.nanos != 0) {
    char frac[16];
    std::snprintf(frac, sizeof(frac), ".%09lld", static_cast<long long>(c.nanos));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += " +0000 UTC";
  return out;
}

std::string FormatRfc3339(int64_t unix_ns) {
  Civil c = ToCivil(unix_ns);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02u:%02u:%02uZ",
                        static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace logstack::logstore::push
