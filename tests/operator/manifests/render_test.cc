// render: files of LogStacks in, YAML documents of every object out.

#include "operator/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "common/kube/util.h"
#include "operator/manifests/yaml.h"

namespace logstack::op {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

namespace fs = std::filesystem;

RenderOptions Options() {
  RenderOptions o;
  o.defaults.version = "0.1.0";
  o.grafana_admin_password = "fixed-password";
  return o;
}

constexpr char kTwo[] = R"(
apiVersion: logstack.io/v1alpha1
kind: LogStack
metadata:
  name: one
spec: {}
---
apiVersion: logstack.io/v1alpha1
kind: LogStack
metadata:
  name: two
  namespace: shop
spec:
  tenant: "0123"
  grafana:
    deploy:
      enabled: true
)";

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/render_test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  fs::path path_;
};

TEST(BuildFromYamlTest, EveryLogStackOfAFileInOrder) {
  auto stacks = BuildFromYaml(kTwo, "two.yaml", Options());
  ASSERT_TRUE(stacks.ok()) << stacks.status().ToString();
  ASSERT_EQ(stacks->size(), 2u);
  EXPECT_EQ((*stacks)[0].stack.meta.name, "one");
  EXPECT_EQ((*stacks)[0].stack.meta.namespace_, "default");  // none named
  EXPECT_EQ((*stacks)[1].stack.meta.namespace_, "shop");
  // A quoted number stays a string (a tenant of digits).
  EXPECT_EQ((*stacks)[1].stack.spec.tenant, "0123");
  manifests::BuildOptions bo = Options().build;
  bo.stack = (*stacks)[0].stack;
  EXPECT_EQ((*stacks)[0].objects, manifests::BuildAll(bo));
}

TEST(BuildFromYamlTest, DefaultNamespaceOption) {
  RenderOptions o = Options();
  o.default_namespace = "logging";
  auto stacks = BuildFromYaml(kTwo, "two.yaml", o);
  ASSERT_TRUE(stacks.ok());
  EXPECT_EQ((*stacks)[0].stack.meta.namespace_, "logging");
  EXPECT_EQ((*stacks)[1].stack.meta.namespace_, "shop");
}

TEST(BuildFromYamlTest, OtherDocumentsAreErrorsNamingThem) {
  std::string text =
      std::string(kTwo) + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
  auto r = BuildFromYaml(text, "mixed.yaml", Options());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              HasSubstr("mixed.yaml: document 3 (apps/v1 Deployment web): not a "
                        "logstack.io/v1alpha1 LogStack"));

  auto list = BuildFromYaml("- a\n- b\n", "list.yaml", Options());
  ASSERT_FALSE(list.ok());
  EXPECT_THAT(list.status().message(), HasSubstr("list.yaml: document 1 (not a mapping)"));
}

TEST(BuildFromYamlTest, SkipOtherKindsButNotLogStackTypos) {
  RenderOptions o = Options();
  o.skip_other_kinds = true;
  std::string text =
      std::string(kTwo) + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";
  auto r = BuildFromYaml(text, "mixed.yaml", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 2u);
  auto typo = BuildFromYaml(
      "apiVersion: logstack.io/v1alpha1\nkind: Logstack\nmetadata:\n  name: x\n", "t.yaml", o);
  ASSERT_FALSE(typo.ok());
  EXPECT_THAT(typo.status().message(), HasSubstr("Logstack"));
}

TEST(BuildFromYamlTest, InvalidSpecsNameTheDocumentAndField) {
  auto r = BuildFromYaml(R"(
apiVersion: logstack.io/v1alpha1
kind: LogStack
metadata: {name: bad}
spec:
  logstore: {replicas: 3}
  tenant: 123
)",
                         "bad.yaml", Options());
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("bad.yaml: document 1 (logstack.io/v1alpha1 LogStack bad): "));
  EXPECT_THAT(r.status().message(), HasSubstr("spec.logstore.replicas"));
  EXPECT_THAT(r.status().message(), HasSubstr("spec.tenant: must be a string"));
}

TEST(BuildFromYamlTest, DuplicatesAndYamlErrors) {
  auto dup =
      BuildFromYaml(std::string(kTwo) + "---\n" + std::string(kTwo).substr(1), "d.yaml", Options());
  ASSERT_FALSE(dup.ok());
  EXPECT_THAT(dup.status().message(), HasSubstr("LogStack default/one appears twice"));

  auto bad = BuildFromYaml("apiVersion: [\n", "broken.yaml", Options());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("broken.yaml:"));
}

TEST(BuildFromYamlTest, PasswordIsRandomUnlessGiven) {
  auto secret_password = [](const RenderOptions& o) {
    auto stacks = BuildFromYaml(kTwo, "two.yaml", o);
    EXPECT_TRUE(stacks.ok());
    for (const Json& obj : (*stacks)[1].objects) {
      if (obj["kind"] == "Secret") {
        return *kube::Base64Decode(obj["data"]["admin-password"].get<std::string>());
      }
    }
    ADD_FAILURE() << "no Secret";
    return std::string();
  };
  EXPECT_EQ(secret_password(Options()), "fixed-password");
  RenderOptions random = Options();
  random.grafana_admin_password.clear();
  std::string a = secret_password(random), b = secret_password(random);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  // Without deploy.enabled there is no Secret at all.
  auto one = BuildFromYaml(kTwo, "two.yaml", random);
  for (const Json& obj : (*one)[0].objects) EXPECT_NE(obj["kind"], "Secret");
}

TEST(GeneratePasswordTest, AlphanumericAndDistinct) {
  std::set<std::string> seen;
  std::set<char> chars;
  for (int i = 0; i < 200; i++) {
    auto p = GeneratePassword();
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p->size(), 32u);
    for (char c : *p) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << *p;
      chars.insert(c);
    }
    seen.insert(*p);
  }
  EXPECT_EQ(seen.size(), 200u);
  EXPECT_GT(chars.size(), 55u);  // 6400 draws cover (nearly) all 62 characters
  EXPECT_EQ(GeneratePassword(5)->size(), 5u);
}

TEST(RenderTest, WritesEveryObjectAsYamlDocuments) {
  TempDir dir;
  std::string file = dir.Write("two.yaml", kTwo);
  std::ostringstream out;
  ASSERT_TRUE(Render({file}, Options(), out).ok());
  std::string text = out.str();
  EXPECT_THAT(text, StartsWith("---\n# Source: LogStack default/one\n"));
  EXPECT_THAT(text, HasSubstr("---\n# Source: LogStack shop/two\napiVersion: v1\n"));
  auto docs = manifests::ParseYamlDocuments(text, "out");
  ASSERT_TRUE(docs.ok()) << docs.status().ToString();
  auto stacks = BuildFromYaml(kTwo, "two.yaml", Options());
  std::vector<Json> want;
  for (const auto& r : *stacks) want.insert(want.end(), r.objects.begin(), r.objects.end());
  EXPECT_EQ(*docs, want);
}

TEST(RenderTest, NothingIsWrittenUnlessEverythingIsGood) {
  TempDir dir;
  std::string good = dir.Write("good.yaml", kTwo);
  std::string bad = dir.Write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
  std::ostringstream out;
  Status s = Render({good, bad}, Options(), out);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("bad.yaml: document 1 (v1 ConfigMap c)"));
  EXPECT_EQ(out.str(), "");

  std::ostringstream out2;
  Status missing = Render({good, dir.Write("x", "") + ".absent"}, Options(), out2);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(out2.str(), "");

  std::ostringstream out3;
  Status twice = Render({good, good}, Options(), out3);
  EXPECT_THAT(twice.message(), HasSubstr("appears in more than one file"));
  EXPECT_EQ(out3.str(), "");

  std::ostringstream out4;
  EXPECT_EQ(Render({}, Options(), out4).code(), StatusCode::kInvalidArgument);
}

TEST(RenderTest, AFileWithoutLogStacksPrintsNothing) {
  TempDir dir;
  std::ostringstream out;
  ASSERT_TRUE(Render({dir.Write("empty.yaml", "# nothing\n---\n")}, Options(), out).ok());
  EXPECT_EQ(out.str(), "");
}

}  // namespace
}  // namespace logstack::op
