#include <gtest/gtest.h>

#include <cmath>

#include "logstore/pipeline/ip_filter.h"
#include "logstore/pipeline/pattern.h"
#include "logstore/pipeline/regex_util.h"
#include "logstore/pipeline/unwrap.h"

namespace logstack::logstore::pipeline {
namespace {

TEST(Unwrap, Conversions) {
  EXPECT_EQ(*ConvertUnwrapValue(logql::Unwrap::Conv::kNone, "45"), 45);
  EXPECT_EQ(*ConvertUnwrapValue(logql::Unwrap::Conv::kBytes, "1.5KB"), 1500);
  EXPECT_EQ(*ConvertUnwrapValue(logql::Unwrap::Conv::kDuration, "250ms"), 0.25);
  EXPECT_EQ(*ConvertUnwrapValue(logql::Unwrap::Conv::kDurationSeconds, "1m"), 60);

  Labels stream = {{"app", "order"}};
  LabelsBuilder lbs(&stream);
  lbs.Reset();
  logql::Unwrap u;
  u.label = "user";
  double v = 0;
  EXPECT_EQ(ExtractUnwrapped(u, &lbs, &v), UnwrapResult::kSkip);
  lbs.Set(LabelCategory::kParsed, "user", "erin");
  EXPECT_EQ(ExtractUnwrapped(u, &lbs, &v), UnwrapResult::kError);
  EXPECT_EQ(lbs.error(), "SampleExtractionErr");
  EXPECT_EQ(lbs.error_details(), "strconv.ParseFloat: parsing \"erin\": invalid syntax");
  EXPECT_EQ(lbs.Get("user"), "erin");
  lbs.Reset();
  lbs.Set(LabelCategory::kParsed, "user", "12.5");
  EXPECT_EQ(ExtractUnwrapped(u, &lbs, &v), UnwrapResult::kSample);
  EXPECT_EQ(v, 12.5);
  EXPECT_FALSE(lbs.Get("user").has_value());
}

TEST(Pattern, MatchesLikeLoki) {
  auto p = Pattern::Parse("<ip> - <user> [<_>] \"<method> <path>", true);
  ASSERT_TRUE(p.ok());
  std::vector<std::string_view> caps;
  ASSERT_EQ(p->Match("1.2.3.4 - bob [x] \"GET /a b", &caps), 4u);
  EXPECT_EQ(caps[0], "1.2.3.4");
  EXPECT_EQ(caps[1], "bob");
  EXPECT_EQ(caps[2], "GET");
  EXPECT_EQ(caps[3], "/a b");
  // A missing literal: the capture takes the rest of the line.
  ASSERT_EQ(p->Match("no dashes here", &caps), 1u);
  EXPECT_EQ(caps[0], "no dashes here");

  auto f = Pattern::Parse("<_> bar", false);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->Test("foo bar"));
  EXPECT_FALSE(f->Test("foo bar baz"));
  EXPECT_FALSE(f->Test(" bar"));
  EXPECT_TRUE(Pattern::Parse("foo <_>", false)->Test("foo x"));
  EXPECT_FALSE(Pattern::Parse("foo <_>", false)->Test("xfoo x"));

  EXPECT_EQ(Pattern::Parse("<_> foo", true).status().message(), "at least one capture is required");
  EXPECT_FALSE(Pattern::Parse("<a><b>", true).ok());
  EXPECT_FALSE(Pattern::Parse("<a> <a>", true).ok());
}

TEST(Ip, Matchers) {
  auto cidr = IpMatcher::Parse("192.168.1.0/24");
  ASSERT_TRUE(cidr.ok());
  EXPECT_TRUE(cidr->MatchText("client 192.168.1.77 said"));
  EXPECT_FALSE(cidr->MatchText("client 192.168.2.77 said"));
  EXPECT_TRUE(cidr->MatchText("http://192.168.1.5:8080/x"));
  auto v6 = IpMatcher::Parse("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->MatchText("[INFO] [2001:db8::5]:53 - x"));
  EXPECT_FALSE(v6->MatchText("[INFO] 10.0.0.1:53"));
  auto range = IpMatcher::Parse("10.0.3.17-10.0.3.20");
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->MatchText("10.0.3.20 - -"));
  EXPECT_FALSE(range->MatchText("10.0.3.21 - -"));
  auto single = IpMatcher::Parse("::1");
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->MatchText("from ::1"));
  EXPECT_FALSE(IpMatcher::Parse("300.1.1.1").ok());
  EXPECT_FALSE(IpMatcher::Parse("10.0.0.9-10.0.0.1").ok());
}

TEST(Regex, GoErrors) {
  EXPECT_EQ(CompileGoRegex("(unclosed").status().message(),
            "error parsing regexp: missing closing ): `(unclosed`");
  EXPECT_EQ(CompileGoRegex("*a").status().message(),
            "error parsing regexp: missing argument to repetition operator: `*`");
  EXPECT_EQ(CompileGoRegex("(?P<x").status().message(),
            "error parsing regexp: invalid named capture: `(?P<x`");
  EXPECT_EQ(CompileGoRegex("[a").status().message(),
            "error parsing regexp: missing closing ]: `[a`");
}

TEST(Regex, Simplify) {
  auto l = SimplifyRegex("(?i)error");
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->case_insensitive);
  EXPECT_EQ(l->literals, std::vector<std::string>{"error"});
  l = SimplifyRegex(".*timeout.*");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->literals, std::vector<std::string>{"timeout"});
  EXPECT_FALSE(l->exact[0]);
  l = SimplifyRegex("NXDOMAIN|SERVFAIL|\\.js");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->literals, (std::vector<std::string>{"NXDOMAIN", "SERVFAIL", ".js"}));
  EXPECT_TRUE(l->exact[0]);
  l = SimplifyRegex("(GET|POST)");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->literals.size(), 2u);
  EXPECT_TRUE(SimplifyRegex(".*")->match_all);
  EXPECT_FALSE(SimplifyRegex("status=5[0-9]{2}"));
  EXPECT_FALSE(SimplifyRegex("^error"));
  EXPECT_FALSE(SimplifyRegex("a.*b"));
  EXPECT_FALSE(SimplifyRegex("(?i)k\xc3\xb6ln"));
}

}  // namespace
}  // namespace logstack::logstore::pipeline
