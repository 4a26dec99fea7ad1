// Lexing and parsing: syntax accepted, and Go's error texts for mistakes.

#include <gtest/gtest.h>

#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

std::string ParseError(std::string_view text) {
  auto t = Template::Parse("line", text);
  return t.ok() ? "OK" : t.status().message();
}

TEST(ParseTest, Errors) {
  EXPECT_EQ(ParseError("{{.x"), "template: line:1: unclosed action");
  EXPECT_EQ(ParseError("{{ foo .x }}"), "template: line:1: function \"foo\" not defined");
  EXPECT_EQ(ParseError("{{ .x | nope }}"), "template: line:1: function \"nope\" not defined");
  EXPECT_EQ(ParseError("{{ if .x }}a"), "template: line:1: unexpected EOF");
  EXPECT_EQ(ParseError("{{ end }}"), "template: line:1: unexpected {{end}}");
  EXPECT_EQ(ParseError("{{ else }}"), "template: line:1: unexpected {{else}}");
  EXPECT_EQ(ParseError("{{ if }}{{ end }}"), "template: line:1: missing value for if");
  EXPECT_EQ(ParseError("{{ }}"), "template: line:1: missing value for command");
  EXPECT_EQ(ParseError("{{ \"abc }}"), "template: line:1: unterminated quoted string");
  EXPECT_EQ(ParseError("{{ `abc }}"), "template: line:1: unterminated raw quoted string");
  EXPECT_EQ(ParseError("{{ 12ab }}"), "template: line:1: bad number syntax: \"12a\"");
  EXPECT_EQ(ParseError("{{ (upper .x }}"), "template: line:1: unclosed left paren");
  EXPECT_EQ(ParseError("{{ upper .x) }}"), "template: line:1: unexpected right paren");
  EXPECT_EQ(ParseError("{{ $x }}"), "template: line:1: undefined variable \"$x\"");
  EXPECT_EQ(ParseError("{{ .x | \"a\" }}"),
            "template: line:1: non executable command in pipeline stage 2");
  EXPECT_EQ(ParseError("{{/* x */ .a}}"),
            "template: line:1: comment ends before closing delimiter");
  EXPECT_EQ(ParseError("{{/* x "), "template: line:1: unclosed comment");
  EXPECT_EQ(ParseError("{{ break }}"), "template: line:1: {{break}} outside {{range}}");
  EXPECT_EQ(ParseError("{{ \"\\q\" }}"), "template: line:1: invalid syntax");
  EXPECT_EQ(ParseError("{{ upper , }}"), "template: line:1: unexpected \",\" in operand");
  EXPECT_EQ(ParseError("a\nb\n{{ .x "), "template: line:3: unclosed action");
  EXPECT_EQ(ParseError("{{ 99999999999999999999 }}"),
            "template: line:1: integer overflow: \"99999999999999999999\"");
}

TEST(ParseTest, Accepted) {
  for (const char* t :
       {"", "plain", "{{.a}}", "{{ . }}", "{{ $ }}", "{{- .a -}}", "{{/* c */}}", "{{- /* c */ -}}",
        "{{ if .a }}x{{ else if .b }}y{{ else }}z{{ end }}", "{{ with .a }}{{ . }}{{ end }}",
        "{{ range 3 }}{{ . }}{{ end }}", "{{ $x := .a }}{{ $x }}", "{{ (upper .a) | lower }}",
        "{{ 'a' }}", "{{ 0x1F }} {{ 1e3 }} {{ -2 }} {{ 1_000 }} {{ .5 }}", "{{ nil | default 1 }}",
        "{{ `raw\nstring` }}", "{{ .a\n| upper }}"}) {
    EXPECT_EQ(ParseError(t), "OK") << t;
  }
}

TEST(ParseTest, TrimMarkers) {
  EXPECT_EQ(R("a  {{- .x -}}  b", {{"x", "X"}}), "aXb");
  EXPECT_EQ(R("a \n {{- .x }} b", {{"x", "X"}}), "aX b");
  EXPECT_EQ(R("a {{ .x -}} \n\t b", {{"x", "X"}}), "a Xb");
  EXPECT_EQ(R("a {{- /* gone */ -}} b"), "ab");
  EXPECT_EQ(R("a {{/* gone */}} b"), "a  b");
  // "{{-3}}" is the number -3, not a trim marker.
  EXPECT_EQ(R("a {{-3}} b"), "a -3 b");
  EXPECT_EQ(R("a {{ 3 }}- b"), "a 3- b");
}

TEST(ParseTest, Literals) {
  EXPECT_EQ(R("{{ \"a\\tb\\n\\\"q\\\" \\x41\\u00e9\\101\" }}"),
            "a\tb\n\"q\" A\xC3\xA9"
            "A");
  EXPECT_EQ(R("{{ `a\\tb` }}"), "a\\tb");
  EXPECT_EQ(R("{{ 'a' }}"), "97");
  EXPECT_EQ(R("{{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 017 }} {{ 1_000 }}"), "31 15 5 15 1000");
  EXPECT_EQ(R("{{ 1.5 }} {{ 1e3 }} {{ .5 }} {{ -2 }} {{ +3 }}"), "1.5 1000 0.5 -2 3");
  EXPECT_EQ(R("{{ true }} {{ false }}"), "true false");
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
