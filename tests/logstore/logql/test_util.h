#pragma once

// Helpers shared by the LogQL parser tests: reading testdata files.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace logstack::logstore::logql::testing {

inline std::filesystem::path TestdataDir() {
  return std::filesystem::path(LOGSTACK_SOURCE_DIR) / "tests/logstore/logql/testdata";
}

// Non-empty lines not starting with '#'.
inline std::vector<std::string> ReadLines(const std::string& name) {
  std::ifstream in(TestdataDir() / name);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

}  // namespace logstack::logstore::logql::testing
