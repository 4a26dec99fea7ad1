// Go's fmt: printf verbs, flags and in-band errors. strconv's float
// formatting, quoting and number parsing are tested in tests/common/go.

#include "logstore/template/go_fmt.h"

#include <gtest/gtest.h>

#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

TEST(GoFmtTest, Printf) {
  EXPECT_EQ(R("{{ printf \"%-6s|%8s|%s\" \"GET\" \"1.2s\" \"200\" }}"), "GET   |    1.2s|200");
  EXPECT_EQ(R("{{ printf \"%d %5d %-5d| %05d %+d %x %X %o %b %c %q\" 42 42 42 -42 42 255 255 8 5 "
              "65 65 }}"),
            "42    42 42   | -0042 +42 ff FF 10 101 A 'A'");
  EXPECT_EQ(R("{{ printf \"%.2f %06.2f %e %g %v %8.3f|\" 3.14159 3.14159 1234.5 0.000012 2.5 "
              "-1.0 }}"),
            "3.14 003.14 1.234500e+03 1.2e-05 2.5   -1.000|");
  EXPECT_EQ(R("{{ printf \"%t %v %s %q %x %.2s %5.1s|\" true false \"s\" \"a\\\"b\" \"hi\" "
              "\"hello\" \"xyz\" }}"),
            "true false s \"a\\\"b\" 6869 he     x|");
  EXPECT_EQ(R("{{ printf \"100%%\" }}"), "100%");
}

TEST(GoFmtTest, PrintfErrors) {
  EXPECT_EQ(R("{{ printf \"%d\" \"abc\" }}"), "%!d(string=abc)");
  EXPECT_EQ(R("{{ printf \"%s\" 5 }}"), "%!s(int=5)");
  EXPECT_EQ(R("{{ printf \"%d %d\" 1 }}"), "1 %!d(MISSING)");
  EXPECT_EQ(R("{{ printf \"%d\" 1 2 }}"), "1%!(EXTRA int=2)");
  EXPECT_EQ(R("{{ printf \"%f\" (add 1 1) }}"), "%!f(int64=2)");
  EXPECT_EQ(R("{{ printf \"%d\" nil }}"), "%!d(<nil>)");
  EXPECT_EQ(R("{{ printf \"%z\" 1 }}"), "%!z(int=1)");
  EXPECT_EQ(R("{{ printf \"abc%\" }}"), "abc%!(NOVERB)");
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
