#include "logstore/pipeline/substring.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace logstack::logstore::pipeline {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  }
  return s;
}

TEST(SubstringSearcher, FindsLikeStringFind) {
  std::mt19937 rng(42);
  const std::string alphabet = "abAB@`[{ \x7f\x80";
  for (int iter = 0; iter < 20000; iter++) {
    std::string hay(rng() % 200, ' ');
    for (char& c : hay) c = alphabet[rng() % alphabet.size()];
    std::string needle(1 + rng() % 6, ' ');
    for (char& c : needle) c = alphabet[rng() % alphabet.size()];
    if (rng() % 3 == 0 && hay.size() > needle.size()) {
      hay.replace(rng() % (hay.size() - needle.size()), needle.size(), needle);
    }
    SubstringSearcher s(needle);
    ASSERT_EQ(s.Find(hay), std::string_view(hay).find(needle)) << hay << " / " << needle;
    SubstringSearcher si(needle, true);
    ASSERT_EQ(si.Find(hay), Lower(hay).find(Lower(needle))) << hay << " / " << needle;
  }
}

TEST(SubstringSearcher, EdgeCases) {
  EXPECT_EQ(SubstringSearcher("").Find("abc"), 0u);
  EXPECT_EQ(SubstringSearcher("").Find(""), 0u);
  EXPECT_EQ(SubstringSearcher("a").Find(""), SubstringSearcher::npos);
  EXPECT_EQ(SubstringSearcher("abc").Find("ab"), SubstringSearcher::npos);
  std::string long_hay(100000, 'x');
  long_hay += "needle";
  EXPECT_EQ(SubstringSearcher("needle").Find(long_hay), 100000u);
  EXPECT_TRUE(SubstringSearcher("ERROR", true).Contains(long_hay + " error"));
  EXPECT_FALSE(SubstringSearcher("ERROR", true).Contains(long_hay + " err0r"));
  // '@' | 0x20 == '`': not a letter, so no case folding.
  EXPECT_FALSE(SubstringSearcher("`x", true).Contains("@x"));
  EXPECT_TRUE(IsAscii("abc"));
  EXPECT_FALSE(IsAscii("K\xc3\xb6ln"));
}

}  // namespace
}  // namespace logstack::logstore::pipeline
