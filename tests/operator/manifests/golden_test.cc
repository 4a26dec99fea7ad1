// Golden files: what `render` prints for every sample LogStack
// (config/samples/**.yaml) and every spec under testdata/, byte for byte.
//
//   UPDATE_GOLDEN=1 build/bin/operator_manifests_test --gtest_filter='Golden*'
//
// rewrites them (and removes golden files whose input is gone); review the
// diff before committing it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "operator/manifests/yaml.h"
#include "operator/render.h"

namespace logstack::op {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = LOGSTACK_SOURCE_DIR;
const fs::path kGoldenDir = kSource / "tests/operator/manifests/golden";

struct Input {
  fs::path file;
  std::string golden;  // path under golden/
};

// Every YAML file under config/samples (kustomizations aside) and testdata/.
std::vector<Input> Inputs() {
  std::vector<Input> out;
  auto add_tree = [&](const fs::path& root, const std::string& prefix) {
    if (!fs::exists(root)) return;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
      if (e.path().filename() == "kustomization.yaml") continue;
      std::string rel = fs::relative(e.path(), root).string();
      std::replace(rel.begin(), rel.end(), '/', '_');
      out.push_back({e.path(), prefix + "/" + rel});
    }
  };
  add_tree(kSource / "config/samples", "samples");
  add_tree(kSource / "tests/operator/manifests/testdata", "testdata");
  std::sort(out.begin(), out.end(),
            [](const Input& a, const Input& b) { return a.golden < b.golden; });
  return out;
}

RenderOptions GoldenOptions() {
  RenderOptions o;
  o.defaults.version = "0.1.0";
  o.build.grafana_operator_available = true;  // show the GrafanaDatasource too
  o.grafana_admin_password = "golden-admin-password";
  o.skip_other_kinds = true;  // samples hold the apps that log beside their LogStack
  return o;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Updating() {
  const char* v = std::getenv("UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

// The first line where two texts differ, for a readable failure.
std::string FirstDifference(const std::string& want, const std::string& got) {
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; line++) {
    bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
    if (ea && eb) return "no difference";
    if (ea || eb || la != lb) {
      return "line " + std::to_string(line) + ":\n  golden: " + (ea ? "<end>" : la) +
             "\n  built:  " + (eb ? "<end>" : lb);
    }
  }
}

TEST(GoldenTest, EveryInputMatchesItsGoldenFile) {
  std::vector<Input> inputs = Inputs();
  ASSERT_FALSE(inputs.empty());
  int compared = 0;
  for (const Input& in : inputs) {
    SCOPED_TRACE(in.file.string());
    auto stacks = BuildFromYaml(ReadFile(in.file), in.file.string(), GoldenOptions());
    ASSERT_TRUE(stacks.ok()) << stacks.status().ToString();
    if (stacks->empty()) continue;  // e.g. a file of Namespaces
    std::string text;
    for (const RenderedStack& r : *stacks) text += ToYamlDocuments(r.stack, r.objects);
    fs::path golden = kGoldenDir / in.golden;
    if (Updating()) {
      fs::create_directories(golden.parent_path());
      std::ofstream(golden, std::ios::binary | std::ios::trunc) << text;
      continue;
    }
    ASSERT_TRUE(fs::exists(golden))
        << golden << " is missing: run with UPDATE_GOLDEN=1 and review the new file";
    std::string want = ReadFile(golden);
    EXPECT_EQ(want, text) << golden << " differs at " << FirstDifference(want, text)
                          << "\n(UPDATE_GOLDEN=1 rewrites it when the change is intended)";
    compared++;
  }
  if (!Updating()) {
    EXPECT_GT(compared, 0);
  }
}

TEST(GoldenTest, NoGoldenFileWithoutInput) {
  std::set<std::string> expected;
  for (const Input& in : Inputs()) {
    auto stacks = BuildFromYaml(ReadFile(in.file), in.file.string(), GoldenOptions());
    if (stacks.ok() && !stacks->empty()) expected.insert(in.golden);
  }
  if (!fs::exists(kGoldenDir)) return;
  for (const auto& e : fs::recursive_directory_iterator(kGoldenDir)) {
    if (!e.is_regular_file()) continue;
    std::string rel = fs::relative(e.path(), kGoldenDir).string();
    if (expected.count(rel)) continue;
    if (Updating()) {
      fs::remove(e.path());
    } else {
      ADD_FAILURE() << "stale golden file " << e.path()
                    << " (its input is gone; UPDATE_GOLDEN=1 removes it)";
    }
  }
}

// The golden text reads back, with yaml-cpp, as exactly the objects built.
TEST(GoldenTest, GoldenTextReadsBackAsTheObjects) {
  for (const Input& in : Inputs()) {
    SCOPED_TRACE(in.file.string());
    auto stacks = BuildFromYaml(ReadFile(in.file), in.file.string(), GoldenOptions());
    ASSERT_TRUE(stacks.ok()) << stacks.status().ToString();
    for (const RenderedStack& r : *stacks) {
      auto docs = manifests::ParseYamlDocuments(ToYamlDocuments(r.stack, r.objects), "golden");
      ASSERT_TRUE(docs.ok()) << docs.status().ToString();
      EXPECT_EQ(*docs, r.objects);
    }
  }
}

}  // namespace
}  // namespace logstack::op
