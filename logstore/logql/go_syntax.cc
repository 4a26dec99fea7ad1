#include "logstore/logql/go_syntax.h"

#include <charconv>

#include "common/go/strconv.h"
#include "common/go/time.h"

namespace logstack::logstore::logql {

StatusOr<int64_t> ParsePromDuration(std::string_view s) {
  std::string orig(s);
  if (s == "0") return 0;
  if (s.empty()) return InvalidArgument("empty duration string");
  auto invalid = [&] { return InvalidArgument("not a valid duration string: " + go::Quote(orig)); };
  struct Unit {
    std::string_view name;
    uint64_t mult;
    int pos;
  };
  static constexpr uint64_t kMs = 1000000;
  static const Unit kUnits[] = {
      {"y", kMs * 1000 * 60 * 60 * 24 * 365, 1},
      {"w", kMs * 1000 * 60 * 60 * 24 * 7, 2},
      {"d", kMs * 1000 * 60 * 60 * 24, 3},
      {"h", kMs * 1000 * 60 * 60, 4},
      {"m", kMs * 1000 * 60, 5},
      {"s", kMs * 1000, 6},
      {"ms", kMs, 7},
  };
  uint64_t dur = 0;
  int last_pos = 0;
  while (!s.empty()) {
    if (!(s[0] >= '0' && s[0] <= '9')) return invalid();
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + i, v);
    if (ec != std::errc()) return invalid();
    s.remove_prefix(i);
    i = 0;
    while (i < s.size() && !(s[i] >= '0' && s[i] <= '9')) i++;
    if (i == 0) return invalid();
    std::string_view u = s.substr(0, i);
    s.remove_prefix(i);
    const Unit* unit = nullptr;
    for (const Unit& cand : kUnits) {
      if (cand.name == u) unit = &cand;
    }
    if (unit == nullptr) {
      return InvalidArgument("unknown unit " + go::Quote(u) + " in duration " + go::Quote(orig));
    }
    if (unit->pos <= last_pos) return invalid();
    last_pos = unit->pos;
    if (v > (1ULL << 63) / unit->mult) return InvalidArgument("duration out of range");
    dur += v * unit->mult;
    if (dur > (1ULL << 63) - 1) return InvalidArgument("duration out of range");
  }
  return static_cast<int64_t>(dur);
}

std::string FormatPromDuration(int64_t ns) {
  int64_t ms = ns / 1000000;
  if (ms == 0) return "0s";
  std::string r;
  auto f = [&](const char* unit, int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    int64_t v = ms / mult;
    if (v > 0) {
      r += std::to_string(v) + unit;
      ms -= v * mult;
    }
  };
  f("y", 1000LL * 60 * 60 * 24 * 365, true);
  f("w", 1000LL * 60 * 60 * 24 * 7, true);
  f("d", 1000LL * 60 * 60 * 24, false);
  f("h", 1000LL * 60 * 60, false);
  f("m", 1000LL * 60, false);
  f("s", 1000, false);
  f("ms", 1, false);
  return r;
}

std::optional<int64_t> ParseLokiDuration(std::string_view s) {
  if (StatusOr<int64_t> d = go::ParseDuration(s); d.ok()) return *d;
  auto p = ParsePromDuration(s);
  if (p.ok()) return *p;
  return std::nullopt;
}

}  // namespace logstack::logstore::logql
