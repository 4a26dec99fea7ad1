// Runs the log queries of the LogQL conformance corpus (answers recorded from
// Loki 3.4.6) through CompilePipeline over the corpus data, and compares each
// output entry's labels and line with Loki's.
//
// The corpus is ../shared/logql-conformance beside the source tree (CMake
// passes that path as LOGSTACK_SHARED_DIR), or $LOGQL_CONFORMANCE_DIR. CI
// always has ../shared beside its clone, so a missing corpus fails the tests
// rather than skipping them.

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "logstore/logql/parser.h"
#include "logstore/model/labels.h"
#include "logstore/pipeline/stage.h"
#include "logstore/pipeline/unwrap.h"
#include "tests/logstore/pipeline/test_query.h"

namespace logstack::logstore::pipeline {
namespace {

using nlohmann::json;

std::string CorpusDir() {
  const char* env = std::getenv("LOGQL_CONFORMANCE_DIR");
  return env != nullptr ? env : LOGSTACK_SHARED_DIR "/logql-conformance";
}

std::string NoCorpus() {
  return "no LogQL conformance corpus (data.json and cases.json) at " + CorpusDir() +
         ": clone ../shared beside the source tree or set LOGQL_CONFORMANCE_DIR";
}

bool Load(const std::string& path, json* out) {
  std::ifstream in(path);
  if (!in) return false;
  *out = json::parse(in);
  return true;
}

struct Entry {
  int64_t ts;
  std::string line;
  std::vector<std::pair<std::string, std::string>> metadata;
};
struct Stream {
  Labels labels;
  std::vector<Entry> entries;
};

struct Corpus {
  std::vector<Stream> streams;
  json cases;
};

const Corpus* GetCorpus() {
  static Corpus* corpus = [] {
    auto* c = new Corpus;
    json data;
    if (!Load(CorpusDir() + "/data.json", &data) || !Load(CorpusDir() + "/cases.json", &c->cases)) {
      delete c;
      return static_cast<Corpus*>(nullptr);
    }
    for (const auto& s : data["streams"]) {
      Stream st;
      for (auto it = s["stream"].begin(); it != s["stream"].end(); ++it) {
        st.labels.push_back(Label{it.key(), it.value().get<std::string>()});
      }
      std::sort(st.labels.begin(), st.labels.end());
      for (const auto& v : s["values"]) {
        Entry e;
        e.ts = std::stoll(v[0].get<std::string>());
        e.line = v[1].get<std::string>();
        if (v.size() > 2) {
          for (auto it = v[2].begin(); it != v[2].end(); ++it) {
            e.metadata.emplace_back(it.key(), it.value().get<std::string>());
          }
        }
        st.entries.push_back(std::move(e));
      }
      c->streams.push_back(std::move(st));
    }
    return c;
  }();
  return corpus;
}

struct Out {
  int64_t ts;
  std::string labels;  // LabelsString
  std::string line;
  bool operator<(const Out& o) const {
    return std::tie(ts, labels, line) < std::tie(o.ts, o.labels, o.line);
  }
};

// RFC3339 with a 'Z' zone (what the corpus uses) or Unix nanoseconds.
int64_t ParseTime(const std::string& s) {
  if (s.find('T') == std::string::npos) return std::stoll(s);
  std::tm tm{};
  strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  return static_cast<int64_t>(timegm(&tm)) * 1000000000;
}

bool SelectorMatches(const std::vector<index::Matcher>& sel, const Labels& labels) {
  for (const auto& m : sel) {
    std::string_view v;
    for (const auto& l : labels) {
      if (l.name == m.name()) v = l.value;
    }
    if (!m.Matches(v)) return false;
  }
  return true;
}

// Parses with the test reader, or with the real LogQL parser.
bool ParseQuery(const std::string& query, bool real_parser, testing::TestQuery* q,
                std::string* err) {
  if (!real_parser) {
    testing::TestQueryParser p(query);
    return p.Parse(q, err);
  }
  auto e = logql::ParseExpr(query);
  if (!e.ok()) {
    *err = e.status().message();
    return false;
  }
  auto* sel = dynamic_cast<logql::LogSelectorExpr*>(e->get());
  if (sel == nullptr) {
    *err = "not a log query";
    return false;
  }
  q->selector = sel->matchers;
  q->stages = std::move(sel->stages);
  return true;
}

// Runs one log query case; returns a description of the first difference.
std::string RunCase(const Corpus& corpus, const json& c, bool real_parser) {
  std::string query = c["params"]["query"];
  testing::TestQuery q;
  std::string perr;
  if (!ParseQuery(query, real_parser, &q, &perr)) return "parse error: " + perr;
  auto compiled = CompilePipeline(q.stages);
  if (!compiled.ok()) return "compile error: " + compiled.status().message();
  std::vector<Out> got;
  std::set<std::pair<int64_t, std::string>> seen;  // Loki drops exact duplicates
  const int64_t start = ParseTime(c["params"]["start"]);
  const int64_t end = ParseTime(c["params"]["end"]);
  for (const Stream& s : corpus.streams) {
    if (!SelectorMatches(q.selector, s.labels)) continue;
    PipelinePtr p = (*compiled)->Clone();
    LabelsBuilder lbs(&s.labels);
    seen.clear();
    for (const Entry& e : s.entries) {
      if (e.ts < start || e.ts >= end) continue;
      if (!seen.insert({e.ts, e.line}).second) continue;
      std::vector<LabelRef> md;
      for (const auto& [k, v] : e.metadata) md.push_back(LabelRef{k, v});
      lbs.Reset(md);
      std::string_view line = e.line;
      if (!p->Process(e.ts, &line, &lbs)) continue;
      got.push_back(Out{e.ts, LabelsString(lbs.Result()), std::string(line)});
    }
  }
  std::vector<Out> want;
  for (const auto& r : c["expect"]["data"]["result"]) {
    Labels labels;
    for (auto it = r["stream"].begin(); it != r["stream"].end(); ++it) {
      labels.push_back(Label{it.key(), it.value().get<std::string>()});
    }
    std::sort(labels.begin(), labels.end());
    for (const auto& v : r["values"]) {
      want.push_back(
          Out{std::stoll(v[0].get<std::string>()), LabelsString(labels), v[1].get<std::string>()});
    }
  }
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  size_t limit = std::stoul(c["params"].value("limit", std::string("100")));
  bool forward = c["params"].value("direction", std::string("backward")) == "forward";
  // The answer holds the `limit` first entries in the query's direction;
  // compare ours beyond the boundary timestamp exactly, and at it as a subset.
  if (want.size() < limit) {
    if (got.size() != want.size()) {
      std::ostringstream os;
      os << "got " << got.size() << " entries, want " << want.size();
      for (const auto& w : want) {
        if (!std::binary_search(got.begin(), got.end(), w)) {
          os << "; missing " << w.ts << " " << w.labels << " " << w.line;
          break;
        }
      }
      for (const auto& g : got) {
        if (!std::binary_search(want.begin(), want.end(), g)) {
          os << "; extra " << g.ts << " " << g.labels << " " << g.line;
          break;
        }
      }
      return os.str();
    }
  }
  if (want.empty()) return got.empty() ? "" : "got entries, want none";
  int64_t boundary = forward ? want.back().ts : want.front().ts;
  for (const auto& w : want) {
    if (!std::binary_search(got.begin(), got.end(), w)) {
      std::ostringstream os;
      os << "missing " << w.ts << " " << w.labels << " " << w.line;
      for (const auto& g : got) {
        if (g.ts == w.ts) os << "\n   got " << g.labels << " " << g.line;
      }
      return os.str();
    }
  }
  for (const auto& g : got) {
    bool inside = forward ? g.ts < boundary : g.ts > boundary;
    if (inside && !std::binary_search(want.begin(), want.end(), g)) {
      return "extra " + std::to_string(g.ts) + " " + g.labels + " " + g.line;
    }
  }
  return "";
}

bool IsLogQueryCase(const json& c) {
  if (c["endpoint"] != "query_range" || c["expect"]["status"] != 200) return false;
  std::string q = c["params"].value("query", "");
  return !q.empty() && q[0] == '{';
}

class ConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void RunAll(bool real_parser) {
    const Corpus* corpus = GetCorpus();
    if (corpus == nullptr) FAIL() << NoCorpus();
    int run = 0;
    for (const auto& c : corpus->cases["cases"]) {
      std::string id = c["id"];
      if (id.rfind(GetParam(), 0) != 0 || !IsLogQueryCase(c)) continue;
      run++;
      std::string diff = RunCase(*corpus, c, real_parser);
      EXPECT_EQ(diff, "") << id << ": " << c["params"]["query"].get<std::string>();
    }
    EXPECT_GT(run, 0);
  }
};

TEST_P(ConformanceTest, LogQueriesMatchLoki) { RunAll(/*real_parser=*/false); }

// The same through logql::ParseExpr: the parser's AST and this runtime agree.
TEST_P(ConformanceTest, LogQueriesMatchLokiWithRealParser) { RunAll(/*real_parser=*/true); }

INSTANTIATE_TEST_SUITE_P(Corpus, ConformanceTest,
                         ::testing::Values("filter/", "parser/", "labelf/", "format/", "meta/"),
                         [](const auto& info) {
                           std::string s = info.param;
                           s.pop_back();
                           return s;
                         });

// `sum [by (...)] (count_over_time({...} | pipeline [1h]))` and
// `sum [by (...)] (sum_over_time({...} | pipeline | unwrap x [1h]))` at a whole hour:
// counts every line through the pipeline (no limit), so these check the
// runtime over the whole data set.
TEST(ConformanceCounts, CountsByLabelMatchLoki) {
  const Corpus* corpus = GetCorpus();
  if (corpus == nullptr) FAIL() << NoCorpus();
  int run = 0;
  for (const auto& c : corpus->cases["cases"]) {
    std::string query = c["params"].value("query", "");
    if (c["endpoint"] != "query" || c["expect"]["status"] != 200) continue;
    auto e = logql::ParseExpr(query);
    if (!e.ok()) continue;
    auto* sum = dynamic_cast<logql::VectorAggExpr*>(e->get());
    if (sum == nullptr || sum->op != logql::VectorOp::kSum ||
        (sum->grouping && sum->grouping->without)) {
      continue;
    }
    auto* count = dynamic_cast<logql::RangeAggExpr*>(sum->inner.get());
    if (count == nullptr || count->range.range_ns != 3600LL * 1000000000 ||
        count->range.offset_ns != 0) {
      continue;
    }
    const bool is_sum = count->op == logql::RangeOp::kSumOverTime && count->range.unwrap;
    if (count->op != logql::RangeOp::kCountOverTime && !is_sum) continue;
    PipelinePtr post;
    if (is_sum) {
      auto pf = CompileLabelFilters(count->range.unwrap->post_filters);
      ASSERT_TRUE(pf.ok()) << pf.status().message();
      post = std::move(*pf);
    }
    const int64_t end = ParseTime(c["params"]["time"]);
    auto p = CompilePipeline(count->range.selector->stages);
    ASSERT_TRUE(p.ok()) << p.status().message();
    std::map<std::string, double> got;
    for (const Stream& s : corpus->streams) {
      if (!SelectorMatches(count->range.selector->matchers, s.labels)) continue;
      PipelinePtr pl = (*p)->Clone();
      LabelsBuilder lbs(&s.labels);
      std::set<std::pair<int64_t, std::string>> seen;
      for (const Entry& en : s.entries) {
        if (en.ts <= end - 3600LL * 1000000000 || en.ts > end) continue;
        if (!seen.insert({en.ts, en.line}).second) continue;
        std::vector<LabelRef> md;
        for (const auto& [k, v] : en.metadata) md.push_back(LabelRef{k, v});
        lbs.Reset(md);
        std::string_view line = en.line;
        if (!pl->Process(en.ts, &line, &lbs)) continue;
        double value = 1;
        if (is_sum) {
          UnwrapResult r = ExtractUnwrapped(*count->range.unwrap, &lbs, &value);
          if (r == UnwrapResult::kSkip) continue;
          if (!post->Process(en.ts, &line, &lbs)) continue;
          ASSERT_FALSE(lbs.HasError()) << c["id"].get<std::string>();
        }
        Labels key;
        if (sum->grouping) {
          for (const auto& name : sum->grouping->labels) {
            auto v = lbs.Get(name);
            if (v && !v->empty()) key.push_back(Label{name, std::string(*v)});
          }
          std::sort(key.begin(), key.end());
        }
        got[LabelsString(key)] += value;
      }
    }
    std::map<std::string, double> want;
    for (const auto& r : c["expect"]["data"]["result"]) {
      Labels key;
      for (auto it = r["metric"].begin(); it != r["metric"].end(); ++it) {
        key.push_back(Label{it.key(), it.value().get<std::string>()});
      }
      std::sort(key.begin(), key.end());
      want[LabelsString(key)] = std::stod(r["value"][1].get<std::string>());
    }
    ASSERT_EQ(got.size(), want.size()) << c["id"].get<std::string>() << ": " << query;
    for (const auto& [k, v] : want) {
      EXPECT_NEAR(got[k], v, 1e-9 * std::abs(v)) << c["id"].get<std::string>() << " " << k;
    }
    run++;
  }
  EXPECT_GE(run, 14);
}

// Compile errors Loki reports for stages, without "parse error : ".
TEST(ConformanceErrors, StageErrorsMatchLoki) {
  const Corpus* corpus = GetCorpus();
  if (corpus == nullptr) FAIL() << NoCorpus();
  for (const char* id :
       {"error/invalid-filter-regex", "error/regexp-parser-invalid", "error/regexp-no-named-group",
        "error/pattern-no-capture", "error/invalid-template"}) {
    for (const auto& c : corpus->cases["cases"]) {
      if (c["id"] != id) continue;
      testing::TestQuery q = testing::MustParse(c["params"]["query"].get<std::string>());
      auto p = CompilePipeline(q.stages);
      ASSERT_FALSE(p.ok()) << id;
      std::string want = c["expect"]["error"];
      const std::string prefix = "parse error : ";
      if (want.rfind(prefix, 0) == 0) want = want.substr(prefix.size());
      EXPECT_EQ(p.status().message(), want) << id;
    }
  }
}

}  // namespace
}  // namespace logstack::logstore::pipeline
