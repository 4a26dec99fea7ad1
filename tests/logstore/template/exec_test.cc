// Execution: fields, variables, pipelines, control structures, printing of
// each value type, and execution errors.

#include <gtest/gtest.h>

#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

TEST(ExecTest, FieldsAndDot) {
  EXPECT_EQ(R("{{.a}} {{.b}}", {{"a", "1"}, {"b", "two"}}), "1 two");
  EXPECT_EQ(R("[{{.missing}}]"), "[]");
  EXPECT_EQ(R("{{ $.a }}", {{"a", "x"}}), "x");
  EXPECT_EQ(R("{{ with .a }}<{{ . }}>{{ end }}", {{"a", "x"}}), "<x>");
  EXPECT_EQ(R("{{ with .a }}<{{ . }}>{{ else }}none{{ end }}"), "none");
}

TEST(ExecTest, PipelinePassesLastArgument) {
  EXPECT_EQ(R("{{ .a | printf \"%s-%s\" \"x\" }}", {{"a", "y"}}), "x-y");
  EXPECT_EQ(R("{{ .p | replace \" \" \"_\" | trunc 5 | upper }}", {{"p", "a b c d e f"}}), "A_B_C");
  EXPECT_EQ(R("{{ (printf \"%s\" .a) | len }}", {{"a", "abcd"}}), "4");
  EXPECT_EQ(R("{{ sub 10 (add 1 2) }}"), "7");
}

TEST(ExecTest, Variables) {
  EXPECT_EQ(R("{{ $x := .a }}{{ $x }}{{ $x = \"b\" }}{{ $x }}", {{"a", "a"}}), "ab");
  EXPECT_EQ(R("{{ $x := 1 }}{{ if true }}{{ $y := 2 }}{{ $x }}{{ $y }}{{ end }}{{ $x }}"), "121");
  EXPECT_EQ(R("{{ range $i := 3 }}{{ $i }}{{ end }}"), "012");
}

TEST(ExecTest, IfElseChains) {
  const char* t = "{{ if eq .l \"a\" }}A{{ else if eq .l \"b\" }}B{{ else }}C{{ end }}";
  EXPECT_EQ(R(t, {{"l", "a"}}), "A");
  EXPECT_EQ(R(t, {{"l", "b"}}), "B");
  EXPECT_EQ(R(t, {{"l", "z"}}), "C");
  EXPECT_EQ(R("{{ if and .a .b }}y{{ else }}n{{ end }}", {{"a", "1"}}), "n");
  EXPECT_EQ(R("{{ if or .a .b }}y{{ else }}n{{ end }}", {{"b", "1"}}), "y");
  EXPECT_EQ(R("{{ if not .a }}empty{{ end }}"), "empty");
  EXPECT_EQ(R("{{ if 0 }}y{{ else }}n{{ end }} {{ if 0.0 }}y{{ else }}n{{ end }}"), "n n");
}

TEST(ExecTest, AndOrReturnOperands) {
  EXPECT_EQ(R("{{ and 1 \"x\" }} {{ and 0 \"x\" }} {{ or \"\" \"y\" }} {{ or \"a\" \"y\" }}"),
            "x 0 y a");
  // Short circuit: the failing call after a deciding operand never runs.
  EXPECT_EQ(R("{{ or 1 (div 1 0) }}"), "1");
  EXPECT_EQ(R("{{ .a | and 1 }}", {{"a", "z"}}), "z");
}

TEST(ExecTest, Range) {
  EXPECT_EQ(R("{{ range 3 }}[{{ . }}]{{ end }}"), "[0][1][2]");
  EXPECT_EQ(R("{{ range 0 }}x{{ else }}none{{ end }}"), "none");
  EXPECT_EQ(R("{{ range 5 }}{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}"), "012");
  EXPECT_EQ(R("{{ range 4 }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}"), "023");
}

TEST(ExecTest, PrintsValuesAsGo) {
  EXPECT_EQ(R("{{ 150.60000000000002 }} {{ 1e6 }} {{ 100000.0 }} {{ 1e-5 }} {{ 0.0001 }}"),
            "150.60000000000002 1e+06 100000 1e-05 0.0001");
  EXPECT_EQ(R("{{ 3.0 }} {{ -0.5 }} {{ 123456789.0 }}"), "3 -0.5 1.23456789e+08");
  EXPECT_EQ(R("{{ add 1 2 }} {{ true }} {{ default nil nil }}"), "3 true <no value>");
  FakeData d({}, "", 1705308827529000000);
  EXPECT_EQ(*Render("{{ __timestamp__ }}", d), "2024-01-15 08:53:47.529 +0000 UTC");
  EXPECT_EQ(*Render("{{ __timestamp__.Unix }} {{ (__timestamp__).Year }}", d), "1705308827 2024");
}

TEST(ExecTest, ExecutionErrors) {
  EXPECT_EQ(R("{{ ToUpper 5 }}"),
            "ERROR: template: line:1:11: executing \"line\" at <5>: expected string; found 5");
  EXPECT_EQ(R("{{ div 1 0 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <div>: error calling div: runtime "
            "error: integer divide by zero");
  EXPECT_EQ(R("{{ upper }}"),
            "ERROR: template: line:1:3: executing \"line\" at <upper>: wrong number of args for "
            "upper: want 1 got 0");
  EXPECT_EQ(R("{{ add 1 2 | upper }}"),
            "ERROR: template: line:1:13: executing \"line\" at <upper>: wrong type for value; "
            "expected string; got int64");
  EXPECT_EQ(R("{{ trunc 1.5 \"abc\" }}"),
            "ERROR: template: line:1:9: executing \"line\" at <1.5>: expected integer; found 1.5");
  EXPECT_EQ(R("{{ .a .b }}"),
            "ERROR: template: line:1:3: executing \"line\" at <.a>: a is not a method but has "
            "arguments");
  EXPECT_EQ(R("{{ \"x\" 1 }}"),
            "ERROR: template: line:1:3: executing \"line\" at <\"x\" 1>: can't give argument to "
            "non-function \"x\"");
  EXPECT_EQ(R("{{ eq .a 1 }}", {{"a", "1"}}),
            "ERROR: template: line:1:3: executing \"line\" at <eq>: error calling eq: "
            "incompatible types for comparison");
  EXPECT_EQ(R("{{ nil }}"),
            "ERROR: template: line:1:3: executing \"line\" at <nil>: nil is not a command");
  EXPECT_EQ(R("{{ .a.b }}", {{"a", "x"}}),
            "ERROR: template: line:1:3: executing \"line\" at <.a.b>: can't evaluate field b in "
            "type string");
  EXPECT_EQ(R("x\n {{ div 1 0 }}").substr(0, 32), "ERROR: template: line:2:4: execu");
}

TEST(ExecTest, ExecuteAppends) {
  auto t = Template::Parse("line", "{{.a}}-{{.b}}");
  ASSERT_TRUE(t.ok());
  FakeData d(std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}});
  std::string out = "prefix:";
  ASSERT_TRUE((*t)->Execute(d, &out).ok());
  EXPECT_EQ(out, "prefix:1-2");
  ASSERT_TRUE((*t)->Execute(d, &out).ok());
  EXPECT_EQ(out, "prefix:1-21-2");
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
