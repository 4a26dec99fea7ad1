#include "common/go/humanize.h"

#include <optional>
#include <string>

#include "common/go/strconv.h"

namespace logstack::go {
namespace {

// The multiplier of a lower-case unit name, or nullopt for an unknown one.
std::optional<double> Multiplier(std::string_view unit) {
  static constexpr struct {
    std::string_view name;
    double mult;
  } kUnits[] = {
      {"", 1},
      {"b", 1},
      {"kib", 1024.0},
      {"ki", 1024.0},
      {"kb", 1e3},
      {"k", 1e3},
      {"mib", 1048576.0},
      {"mi", 1048576.0},
      {"mb", 1e6},
      {"m", 1e6},
      {"gib", 1073741824.0},
      {"gi", 1073741824.0},
      {"gb", 1e9},
      {"g", 1e9},
      {"tib", 1099511627776.0},
      {"ti", 1099511627776.0},
      {"tb", 1e12},
      {"t", 1e12},
      {"pib", 1125899906842624.0},
      {"pi", 1125899906842624.0},
      {"pb", 1e15},
      {"p", 1e15},
      {"eib", 1152921504606846976.0},
      {"ei", 1152921504606846976.0},
      {"eb", 1e18},
      {"e", 1e18},
  };
  for (const auto& u : kUnits) {
    if (unit == u.name) return u.mult;
  }
  return std::nullopt;
}

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

}  // namespace

StatusOr<uint64_t> ParseBytes(std::string_view s) {
  size_t last = 0;
  while (last < s.size() &&
         ((s[last] >= '0' && s[last] <= '9') || s[last] == '.' || s[last] == ',')) {
    last++;
  }
  std::string num;
  num.reserve(last);
  for (char c : s.substr(0, last)) {
    if (c != ',') num.push_back(c);
  }
  const StatusOr<double> f = ParseFloat(num);
  if (!f.ok()) return f.status();
  std::string_view extra = s.substr(last);
  while (!extra.empty() && IsSpaceOrTab(extra.front())) extra.remove_prefix(1);
  while (!extra.empty() && IsSpaceOrTab(extra.back())) extra.remove_suffix(1);
  std::string unit;
  unit.reserve(extra.size());
  for (char c : extra) unit.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c | 0x20) : c);
  const std::optional<double> mult = Multiplier(unit);
  if (!mult) return InvalidArgument("unhandled size name: " + unit);
  const double bytes = *f * *mult;
  // 18446744073709551615.0 is 2^64 as a double.
  if (bytes >= 18446744073709551615.0) return InvalidArgument("too large: " + std::string(s));
  return static_cast<uint64_t>(bytes);
}

}  // namespace logstack::go
