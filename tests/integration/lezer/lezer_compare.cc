// Compares our LogQL parser with Grafana's grammar (@grafana/lezer-logql).
//
// Reads lezer_check.cjs's output on stdin ("ok<TAB>query" or
// "error<TAB>query" per line) and parses each query with ParseExpr. Every
// query lezer accepts must parse here and every query it rejects must be
// rejected here, except the queries listed in the exceptions file (argv[1]):
// one exact query a line, each preceded by '#' comment lines giving the
// reason (lezer is a syntax-only editor grammar and differs from Loki in
// known ways). Exits 1 on a disagreement that is not an exception.

#include <fstream>
#include <iostream>
#include <set>
#include <string>

#include "logstore/logql/parser.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: lezer_check.cjs ... | lezer_compare <exceptions file>\n";
    return 2;
  }
  std::set<std::string> exceptions;
  {
    std::ifstream in(argv[1]);
    if (!in) {
      std::cerr << "cannot read " << argv[1] << "\n";
      return 2;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != '#') exceptions.insert(line);
    }
  }
  int total = 0, failures = 0, excepted = 0;
  std::set<std::string> used;
  std::string line;
  while (std::getline(std::cin, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    bool lezer_ok = line.substr(0, tab) == "ok";
    std::string q = line.substr(tab + 1);
    total++;
    auto e = logstack::logstore::logql::ParseExpr(q);
    if (e.ok() == lezer_ok) continue;
    if (exceptions.count(q) > 0) {
      excepted++;
      used.insert(q);
      continue;
    }
    failures++;
    std::cout << "DIFFER: lezer " << (lezer_ok ? "accepts" : "rejects") << ", logstack "
              << (e.ok() ? "accepts" : "rejects (" + e.status().message() + ")") << ": " << q
              << "\n";
  }
  for (const std::string& q : exceptions) {
    if (used.count(q) == 0) std::cout << "note: exception no longer needed: " << q << "\n";
  }
  std::cout << total << " queries, " << failures << " disagreements, " << excepted
            << " known differences\n";
  if (total == 0) return 1;
  return failures == 0 ? 0 : 1;
}
