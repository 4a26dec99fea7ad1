// Container log paths: what kubelet writes parses, anything else does not.

#include "collector/tail/pod_log_path.h"

#include <gtest/gtest.h>

#include <string>

namespace logstack::collector::tail {
namespace {

using namespace std::string_literals;

struct Case {
  std::string pods_dir;
  std::string path;
  bool ok;
  std::string ns = {};
  std::string pod = {};
  std::string uid = {};
  std::string container = {};
  uint32_t restart = 0;
};

TEST(PodLogPathTest, Table) {
  const std::string uid = "0b5c4e7a-1111-2222-3333-444455556666";
  const Case cases[] = {
      {"/var/log/pods", "/var/log/pods/shop_web-7f9c_" + uid + "/app/0.log", true, "shop",
       "web-7f9c", uid, "app", 0},
      {"/var/log/pods/", "/var/log/pods/shop_web-7f9c_" + uid + "/app/12.log", true, "shop",
       "web-7f9c", uid, "app", 12},
      {"/var/log/pods//", "/var/log/pods//shop_web_" + uid + "/app/0.log", true, "shop", "web", uid,
       "app", 0},
      // Static pods: the uid is a hash; pod names may hold dots.
      {"/var/log/pods",
       "/var/log/pods/kube-system_etcd-node-1.example.com_7c8d1e2f3a4b5c6d7e8f9a0b1c2d3e4f/etcd/"
       "3.log",
       true, "kube-system", "etcd-node-1.example.com", "7c8d1e2f3a4b5c6d7e8f9a0b1c2d3e4f", "etcd",
       3},
      {"/p", "/p/a_b_c/d/4294967295.log", true, "a", "b", "c", "d", 4294967295u},
      {"p", "p/a_b_c/d/0.log", true, "a", "b", "c", "d", 0},
      // Not kubelet's layout.
      {"/p", "/p/a_b_c/d/4294967296.log", false},  // past uint32
      {"/p", "/p/a_b_c/d/12345678901.log", false},
      {"/p", "/p/a_b/d/0.log", false},      // one underscore
      {"/p", "/p/a_b_c_d/e/0.log", false},  // three
      {"/p", "/p/_b_c/d/0.log", false},     // empty namespace
      {"/p", "/p/a__c/d/0.log", false},     // empty pod
      {"/p", "/p/a_b_/d/0.log", false},     // empty uid
      {"/p", "/p/a_b_c/d/x.log", false},
      {"/p", "/p/a_b_c/d/.log", false},
      {"/p", "/p/a_b_c/d/0.log.20240115-083000", false},  // a rotated file
      {"/p", "/p/a_b_c/d/0.log.20240115-083000.gz", false},
      {"/p", "/p/a_b_c/d/0.txt", false},
      {"/p", "/p/a_b_c/0.log", false},      // no container dir
      {"/p", "/p/a_b_c/d/e/0.log", false},  // one level too deep
      {"/p", "/q/a_b_c/d/0.log", false},    // elsewhere
      {"/p", "/px/a_b_c/d/0.log", false},   // a sibling of pods_dir
      {"/p", "/p/a_b_c/../0.log", false},
      {"/p", "/p/a_b_c/d\x01/0.log", false},  // control character
      {"/p", "/p", false},
      {"", "/p/a_b_c/d/0.log", false},
  };
  for (const Case& c : cases) {
    std::optional<PodLogPath> p = ParsePodLogPath(c.pods_dir, c.path);
    ASSERT_EQ(p.has_value(), c.ok) << c.path;
    if (!c.ok) continue;
    EXPECT_EQ(p->namespace_name, c.ns) << c.path;
    EXPECT_EQ(p->pod, c.pod) << c.path;
    EXPECT_EQ(p->uid, c.uid) << c.path;
    EXPECT_EQ(p->container, c.container) << c.path;
    EXPECT_EQ(p->restart, c.restart) << c.path;
  }
}

TEST(PodLogPathTest, Parts) {
  EXPECT_TRUE(ParsePodDirName("ns_pod_uid").has_value());
  EXPECT_FALSE(ParsePodDirName("ns_pod").has_value());
  EXPECT_FALSE(ParsePodDirName("..").has_value());
  EXPECT_FALSE(ParsePodDirName("a_.._c").has_value());
  EXPECT_TRUE(IsContainerDirName("app"));
  EXPECT_FALSE(IsContainerDirName(""));
  EXPECT_FALSE(IsContainerDirName("."));
  EXPECT_EQ(ParseContainerLogName("7.log"), 7u);
  EXPECT_FALSE(ParseContainerLogName("7.log.1").has_value());
  EXPECT_FALSE(ParseContainerLogName("-1.log").has_value());
}

}  // namespace
}  // namespace logstack::collector::tail
