// libFuzzer target for the LogQL parser: any input must parse or fail with a
// Status (never crash); a query that parses must print to text that parses
// again and prints identically (the printer's round-trip contract). Runs on
// a thread with a query thread's stack (query_thread.h), so that deep
// nesting that would overflow the log store overflows here.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "logstore/logql/parser.h"
#include "logstore/logql/printer.h"
#include "tests/fuzz/query_thread.h"

namespace {

void ParseAndRoundTrip(std::string_view q) {
  using namespace logstack::logstore::logql;
  auto e = ParseExpr(q);
  if (!e.ok()) return;
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
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view q(reinterpret_cast<const char*>(data), size);
  logstack::fuzz::RunOnQueryThread([q] { ParseAndRoundTrip(q); });
  return 0;
}
