// libFuzzer target for the LogQL parser: any input must parse or fail with a
// Status (never crash); a query that parses must print to text that parses
// again and prints identically (the printer's round-trip contract).

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "logstore/logql/parser.h"
#include "logstore/logql/printer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace logstack::logstore::logql;
  std::string_view q(reinterpret_cast<const char*>(data), size);
  auto e = ParseExpr(q);
  if (!e.ok()) return 0;
  std::string once = Format(**e);
  auto again = ParseExpr(once);
  if (!again.ok()) {
    std::fprintf(stderr, "formatted query does not parse:\n  %s\n  %s\n", once.c_str(),
                 again.status().message().c_str());
    std::abort();
  }
  std::string twice = Format(**again);
  if (twice != once) {
    std::fprintf(stderr, "round trip differs:\n  %s\n  %s\n", once.c_str(), twice.c_str());
    std::abort();
  }
  return 0;
}
