// Golden tests of the pipeline stages: every testdata/*.yaml file holds a
// pipeline (Promtail's `pipeline_stages` shape, or a whole Promtail config
// file whose first scrape config's stages are used) and cases, each a list
// of steps (entries in, flushes) and the entries expected out:
//
//   pipeline_stages:            # or: promtail_config: <file in testdata/>
//     - json: {expressions: {level: ""}}
//   options: {container_lines_decoded: false}   # optional
//   cases:
//     - name: what it shows
//       now: 2024-05-01T12:00:00Z               # default for every step
//       in:
//         - {labels: {app: api}, ts: 2024-05-01T11:59:00Z, line: '...', source: 1, offset: 10}
//         - {flush: 2024-05-01T12:00:05Z}       # Flush(now, force=false)
//         - {flush: force}                      # Flush(now, force=true)
//       out:
//         - {labels: {app: api, level: info}, ts: ..., line: '...', offset: 10,
//            metadata: {trace_id: abc}, tenant: team-a}
//       dropped: {drop_stage: 1}                # optional
//
// errors.yaml holds configs that must be refused, each with its message.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

#include "collector/pipeline/pipeline.h"
#include "common/go/time.h"

namespace logstack::collector {
namespace {

namespace fs = std::filesystem;

fs::path TestdataDir() {
#ifdef LOGSTACK_SOURCE_DIR
  return fs::path(LOGSTACK_SOURCE_DIR) / "tests/collector/pipeline/testdata";
#else
  // ccache (base_dir) makes __FILE__ relative to the build directory, which
  // is LOGSTACK_BIN_DIR's parent under CTest.
  fs::path here(__FILE__);
  std::vector<fs::path> candidates;
  if (here.is_absolute()) {
    candidates.push_back(here);
  } else {
    if (const char* bin = std::getenv("LOGSTACK_BIN_DIR")) {
      candidates.push_back(fs::path(bin).parent_path() / here);
    }
    candidates.push_back(fs::current_path() / here);
    candidates.push_back(fs::current_path() / "build" / here);
    candidates.push_back(fs::current_path().parent_path() / here);
  }
  for (const auto& c : candidates) {
    if (fs::exists(c.parent_path() / "testdata")) return c.parent_path() / "testdata";
  }
  return fs::path("tests/collector/pipeline/testdata");
#endif
}

int64_t Time(const YAML::Node& n) {
  auto t = go::ParseRfc3339(n.as<std::string>());
  EXPECT_TRUE(t.ok()) << n.as<std::string>();
  return t.ok() ? *t : 0;
}

Entry ReadEntry(const YAML::Node& n) {
  Entry e;
  std::vector<LabelPair> labels;
  for (const auto& kv : n["labels"]) {
    labels.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  e.labels = LabelSet(std::move(labels));
  if (n["ts"]) e.timestamp_ns = Time(n["ts"]);
  e.line = n["line"] ? n["line"].as<std::string>() : "";
  for (const auto& kv : n["metadata"]) {
    e.structured_metadata.emplace_back(kv.first.as<std::string>(), kv.second.as<std::string>());
  }
  if (n["tenant"]) e.tenant = n["tenant"].as<std::string>();
  if (n["source"]) e.position.source = n["source"].as<uint64_t>();
  if (n["offset"]) e.position.offset = n["offset"].as<int64_t>();
  return e;
}

std::string Describe(const Entry& e) {
  std::string s = e.labels.ToString() + " " + go::FormatTime(e.timestamp_ns) + " line=" + e.line;
  if (!e.structured_metadata.empty()) {
    s += " metadata={";
    for (const auto& [k, v] : e.structured_metadata) s += k + "=" + v + ",";
    s += "}";
  }
  if (!e.tenant.empty()) s += " tenant=" + e.tenant;
  s += " position=" + std::to_string(e.position.source) + ":" + std::to_string(e.position.offset);
  return s;
}

std::vector<std::string> GoldenFiles() {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::is_directory(TestdataDir(), ec)) return out;  // TestdataFound fails
  for (const auto& f : fs::directory_iterator(TestdataDir())) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() == ".yaml" && name != "errors.yaml" &&
        name.rfind("promtail_", 0) != 0) {
      out.push_back(name);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PipelineGoldenTest, TestdataFound) {
  ASSERT_TRUE(fs::is_directory(TestdataDir()))
      << TestdataDir() << " not found: run under CTest (LOGSTACK_BIN_DIR) or from the source tree";
  EXPECT_GE(GoldenFiles().size(), 20u);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, Matches) {
  const fs::path file = TestdataDir() / GetParam();
  YAML::Node doc = YAML::LoadFile(file.string());
  YAML::Node stages = doc["pipeline_stages"];
  if (doc["promtail_config"]) {
    YAML::Node promtail =
        YAML::LoadFile((TestdataDir() / doc["promtail_config"].as<std::string>()).string());
    stages = promtail["scrape_configs"][0]["pipeline_stages"];
  }
  ASSERT_TRUE(stages.IsSequence()) << file;
  PipelineOptions options;
  if (doc["options"] && doc["options"]["container_lines_decoded"]) {
    options.container_lines_decoded = doc["options"]["container_lines_decoded"].as<bool>();
  }
  options.zoneinfo_dir = "/usr/share/zoneinfo";
  ASSERT_TRUE(doc["cases"].IsSequence()) << file;
  for (const auto& c : doc["cases"]) {
    const std::string name = c["name"].as<std::string>();
    SCOPED_TRACE(GetParam() + ": " + name);
    auto p = Pipeline::FromYaml(stages, options);
    ASSERT_TRUE(p.ok()) << p.status().message();
    int64_t now = c["now"] ? Time(c["now"]) : Time(YAML::Node("2024-05-01T12:00:00Z"));
    std::vector<Entry> out;
    for (const auto& step : c["in"]) {
      if (step["flush"]) {
        const std::string f = step["flush"].as<std::string>();
        if (f == "force") {
          (*p)->Flush(now, true, &out);
        } else {
          now = Time(step["flush"]);
          (*p)->Flush(now, false, &out);
        }
        continue;
      }
      int64_t step_now = step["now"] ? Time(step["now"]) : now;
      if (step["now"]) now = step_now;
      (*p)->Process(ReadEntry(step), step_now, &out);
    }
    std::vector<std::string> got, want;
    for (const auto& e : out) got.push_back(Describe(e));
    for (const auto& w : c["out"]) want.push_back(Describe(ReadEntry(w)));
    EXPECT_THAT(got, ::testing::ElementsAreArray(want));
    std::map<std::string, uint64_t> dropped;
    for (const auto& kv : c["dropped"]) {
      dropped[kv.first.as<std::string>()] = kv.second.as<uint64_t>();
    }
    EXPECT_EQ((*p)->DroppedByReason(), dropped);
  }
}

INSTANTIATE_TEST_SUITE_P(Testdata, GoldenTest, ::testing::ValuesIn(GoldenFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 5);
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(PipelineErrorsTest, EveryBadConfigIsRefusedWithItsMessage) {
  YAML::Node doc = YAML::LoadFile((TestdataDir() / "errors.yaml").string());
  ASSERT_TRUE(doc.IsSequence());
  ASSERT_GE(doc.size(), 10u);
  for (const auto& c : doc) {
    const std::string want = c["error"].as<std::string>();
    SCOPED_TRACE(want);
    Status st = ValidatePipelineStages(c["pipeline_stages"]);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message(), want);
  }
}

}  // namespace
}  // namespace logstack::collector
