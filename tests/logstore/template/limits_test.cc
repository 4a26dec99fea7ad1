// Hostile templates get an error, never a crash or an unbounded allocation:
// nesting depth while parsing (parse.h, kMaxTemplateDepth), output size and
// range iterations while executing (TemplateOptions).

#include <gtest/gtest.h>

#include <string>

#include "logstore/template/parse.h"
#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

std::string Repeated(std::string_view s, int n) {
  std::string out;
  out.reserve(s.size() * n);
  for (int i = 0; i < n; ++i) out.append(s);
  return out;
}

std::string ParseError(std::string_view text) {
  auto t = Template::Parse("line", text);
  return t.ok() ? "OK" : t.status().message();
}

constexpr char kTooDeep[] = "template: line:1: exceeded maximum template depth (100)";

TEST(TemplateLimitsTest, DeepNestingIsAParseErrorNotACrash) {
  constexpr int kDeep = 100000;
  EXPECT_EQ(ParseError(Repeated("{{if 1}}", kDeep) + "x" + Repeated("{{end}}", kDeep)), kTooDeep);
  EXPECT_EQ(ParseError(Repeated("{{if 1}}", kDeep)), kTooDeep);  // unclosed as well
  EXPECT_EQ(ParseError(Repeated("{{with 1}}", kDeep) + Repeated("{{end}}", kDeep)), kTooDeep);
  EXPECT_EQ(ParseError(Repeated("{{range 1}}", kDeep) + Repeated("{{end}}", kDeep)), kTooDeep);
  EXPECT_EQ(ParseError("{{" + Repeated("(", kDeep) + "1" + Repeated(")", kDeep) + "}}"), kTooDeep);
  EXPECT_EQ(ParseError("{{" + Repeated("(", kDeep) + "}}"), kTooDeep);
  EXPECT_EQ(
      ParseError("{{ upper " + Repeated("(upper ", kDeep) + "\"a\"" + Repeated(")", kDeep) + " }}"),
      kTooDeep);
  // {{else if}} nests one level a branch.
  EXPECT_EQ(ParseError("{{if 0}}" + Repeated("{{else if 0}}", kDeep) + "{{end}}"), kTooDeep);
  // Mixed: control structures around parentheses.
  EXPECT_EQ(ParseError(Repeated("{{if (1)}}", 99) + Repeated("{{end}}", 99)), kTooDeep);
  // Deep but flat: many siblings are no nesting.
  EXPECT_EQ(ParseError(Repeated("{{if 1}}x{{end}}", kDeep)), "OK");
}

// The parser and the executor count the same levels: the deepest template
// the parser accepts runs.
TEST(TemplateLimitsTest, DeepestAcceptedTemplateExecutes) {
  // 99 ifs: the innermost condition is level 100.
  EXPECT_EQ(R(Repeated("{{if 1}}", 99) + "x" + Repeated("{{end}}", 99)), "x");
  EXPECT_EQ(ParseError(Repeated("{{if 1}}", 100) + "x" + Repeated("{{end}}", 100)), kTooDeep);
  // An action's pipeline is level 1, each parenthesis one more.
  EXPECT_EQ(R("{{" + Repeated("(", 99) + "1" + Repeated(")", 99) + "}}"), "1");
  EXPECT_EQ(ParseError("{{" + Repeated("(", 100) + "1" + Repeated(")", 100) + "}}"), kTooDeep);
  EXPECT_EQ(R("{{if 0}}" + Repeated("{{else if 0}}", 98) + "{{else}}y{{end}}"), "y");
}

TEST(TemplateLimitsTest, LabelTemplatesNameThemselves) {
  auto t = Template::Parse("label", Repeated("{{if 1}}", 1000));
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().message(), "template: label:1: exceeded maximum template depth (100)");
}

// Renders with a small output limit.
std::string RSmall(std::string_view text, size_t max, std::map<std::string, std::string> l = {}) {
  TemplateOptions opts;
  opts.max_output_bytes = max;
  auto t = Template::Parse("line", text, opts);
  if (!t.ok()) return "PARSE ERROR: " + t.status().message();
  std::string out;
  Status st = (*t)->Execute(FakeData(std::move(l)), &out);
  return st.ok() ? out : "ERROR: " + st.message();
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

constexpr char kTooLong[] = "maximum line size (262144 bytes)";

TEST(TemplateLimitsTest, PrintfWidthsAndPrecisionsAreBounded) {
  // A gigabyte of padding is refused before it is built.
  EXPECT_TRUE(Contains(R("{{ printf \"%999999999d\" 1 }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ printf \"%-999999999s\" \"a\" }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ printf \"%0999999999.3f\" 1.5 }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ printf \"%.999999999f\" 1.5 }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ printf \"%.999999999d\" 7 }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ printf \"%*d\" 999999999 7 }}"), kTooLong));
  // Nested printf: each result fits, together they do not.
  EXPECT_TRUE(Contains(R("{{ printf \"%s%s\" (printf \"%200000d\" 1) (printf \"%200000d\" 2) }}"),
                       kTooLong));
  EXPECT_EQ(
      R("{{ printf \"%s%s\" (printf \"%200000d\" 1) (printf \"%200000d\" 2) | len }}").substr(0, 7),
      "ERROR: ");
  // Within the limit: as Go prints it. A string's precision only cuts.
  EXPECT_EQ(R("{{ printf \"%5d|%-4s|%.2f\" 42 \"ab\" 3.14159 }}"), "   42|ab  |3.14");
  EXPECT_EQ(R("{{ printf \"%.999999999s\" \"abc\" }}"), "abc");
  EXPECT_EQ(R("{{ printf \"%100000d\" 1 | len }}"), "100000");
  EXPECT_EQ(RSmall("{{ printf \"%10d\" 1 }}", 10), "         1");
  EXPECT_TRUE(Contains(RSmall("{{ printf \"%11d\" 1 }}", 10), "maximum line size (10 bytes)"));
}

TEST(TemplateLimitsTest, GrowingFunctionsAreBounded) {
  EXPECT_TRUE(Contains(R("{{ repeat 999999999 \"ab\" }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ repeat 9223372036854775807 \"ab\" }}"), kTooLong));
  EXPECT_EQ(R("{{ repeat 9223372036854775807 \"\" }}"), "");  // instant, no loop
  EXPECT_EQ(R("{{ repeat 1000 \"ab\" | len }}"), "2000");
  EXPECT_TRUE(Contains(R("{{ indent 999999999 \"a\" }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ nindent 999999999 \"a\" }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ alignLeft 999999999 \"a\" }}"), kTooLong));
  EXPECT_TRUE(Contains(R("{{ alignRight 999999999 \"a\" }}"), kTooLong));
  EXPECT_EQ(R("{{ alignRight 4 \"a\" }}"), "   a");
  // Replacing "" inserts at every rune: 1000 x 1000 bytes.
  EXPECT_TRUE(Contains(R("{{ replace \"\" (repeat 1000 \"y\") (repeat 1000 \"x\") }}"), kTooLong));
  EXPECT_TRUE(
      Contains(R("{{ Replace (repeat 1000 \"x\") \"x\" (repeat 1000 \"y\") -1 }}"), kTooLong));
  EXPECT_TRUE(
      Contains(R("{{ regexReplaceAll \"\" (repeat 1000 \"x\") (repeat 1000 \"y\") }}"), kTooLong));
  // One expansion of a long template of group references.
  EXPECT_TRUE(Contains(R("{{ regexReplaceAll \"(.*)\" (repeat 1000 \"x\") (repeat 1000 \"$1\") }}"),
                       kTooLong));
  EXPECT_TRUE(Contains(
      R("{{ regexReplaceAllLiteral \"\" (repeat 1000 \"x\") (repeat 1000 \"y\") }}"), kTooLong));
  EXPECT_EQ(R("{{ replace \"\" \"-\" \"ab\" }}"), "-a-b-");
  // Values from the data count too.
  EXPECT_TRUE(Contains(RSmall("{{ .a }}", 4, {{"a", "12345"}}), "maximum line size (4 bytes)"));
  EXPECT_EQ(RSmall("{{ .a }}", 5, {{"a", "12345"}}), "12345");
  EXPECT_TRUE(Contains(RSmall("{{ upper .a }}", 4, {{"a", "12345"}}), "error calling upper"));
}

TEST(TemplateLimitsTest, OutputAndRangeWorkAreBounded) {
  // Text repeated by a range: the output limit.
  EXPECT_EQ(R("{{ range 1000000 }}xxxxxxxx{{ end }}"),
            "ERROR: template: line: output longer than the maximum line size (262144 bytes)");
  // A range that prints nothing: the iteration budget, nested ranges included.
  EXPECT_TRUE(Contains(R("{{ range 1048576 }}{{ range 1048576 }}{{ end }}{{ end }}"),
                       "range count too large"));
  EXPECT_EQ(R("{{ range 1000 }}{{ range 1000 }}{{ end }}{{ end }}ok"), "ok");
  // Output appended to an existing string counts from where it starts.
  TemplateOptions opts;
  opts.max_output_bytes = 3;
  auto t = Template::Parse("line", "{{ .a }}", opts);
  ASSERT_TRUE(t.ok());
  std::string out(100, 'p');
  FakeData d(std::map<std::string, std::string>{{"a", "abc"}});
  EXPECT_TRUE((*t)->Execute(d, &out).ok());
  EXPECT_EQ(out.size(), 103u);
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
