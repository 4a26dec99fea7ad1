#pragma once

// Small string helpers shared by the modules.
//
// Thread safety: pure functions.

#include <string_view>

namespace logstack {

// ASCII case-insensitive equality (HTTP header names, keywords such as
// "inf" or "streams"); bytes outside A-Z compare as they are.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x | 0x20);
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y | 0x20);
    if (x != y) return false;
  }
  return true;
}

}  // namespace logstack
