// The CEL evaluator of the API test server (tests/kube/server/cel.h): the
// language subset on its own, then x-kubernetes-validations through the
// ApiServer as a client sees them (CRD creation rejecting bad rules, 422s for
// failing rules, transition rules on update).

#include "tests/kube/server/cel.h"

#include <gtest/gtest.h>

#include "tests/kube/server/api_server.h"

namespace logstack::kubetest {
namespace {

using nlohmann::json;

// Compiles and evaluates `expr` with `self`; the result, or "error: <msg>".
json Eval(const std::string& expr, const json& self = nullptr, const json* schema = nullptr,
          const json* old_self = nullptr) {
  auto p = cel::Compile(expr, schema);
  if (!p.ok()) return "compile error: " + p.status().message();
  auto r = p->Evaluate(self, old_self);
  if (!r.ok()) return "error: " + r.status().message();
  return *r;
}

std::string CompileError(const std::string& expr, const json* schema = nullptr) {
  auto p = cel::Compile(expr, schema);
  return p.ok() ? "" : p.status().message();
}

bool StartsWith(const json& v, const std::string& prefix) {
  return v.is_string() && v.get<std::string>().rfind(prefix, 0) == 0;
}

TEST(CelTest, LiteralsAndArithmetic) {
  EXPECT_EQ(Eval("1 + 2 * 3"), 7);
  EXPECT_EQ(Eval("(1 + 2) * 3 - 10 / 3 % 2"), 8);
  EXPECT_EQ(Eval("0x10 + 1"), 17);
  EXPECT_EQ(Eval("-9223372036854775808"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Eval("9223372036854775807 + 1"), "error: integer overflow");
  EXPECT_EQ(Eval("7 / 0"), "error: division by zero");
  EXPECT_EQ(Eval("1.5 * 2.0"), 3.0);
  EXPECT_EQ(Eval("2.5e1"), 25.0);
  EXPECT_TRUE(StartsWith(Eval("1 + 1.0"), "error: no such overload"));
  EXPECT_EQ(Eval("'ab' + \"c\" + '''d''' + r'\\n'"), "abcd\\n");
  EXPECT_EQ(Eval("'\\x41\\u00e9\\n'"), "A\xC3\xA9\n");
  EXPECT_EQ(Eval("[1, 2] + [3]"), json({1, 2, 3}));
  EXPECT_EQ(Eval("{'a': 1, 'b': [true, null]}"), json::parse(R"({"a":1,"b":[true,null]})"));
  EXPECT_EQ(Eval("{'a': 1}.a"), 1);
  EXPECT_EQ(Eval("{'a': 1}['a']"), 1);
  EXPECT_EQ(Eval("[10, 20][1]"), 20);
  EXPECT_EQ(Eval("[10, 20][2]"), "error: index out of bounds: 2");
  EXPECT_EQ(Eval("null == null"), true);
}

TEST(CelTest, ComparisonsAcrossTypes) {
  EXPECT_EQ(Eval("1 == 1.0"), true);
  EXPECT_EQ(Eval("1 < 1.5 && 2.0 > 1"), true);
  EXPECT_EQ(Eval("'a' < 'b' && 'b' >= 'b'"), true);
  EXPECT_EQ(Eval("false < true"), true);
  EXPECT_EQ(Eval("1 == 'a'"), false);
  EXPECT_EQ(Eval("1 != 'a'"), true);
  EXPECT_EQ(Eval("[1, 'a'] == [1.0, 'a']"), true);
  EXPECT_EQ(Eval("{'a': [1]} == {'a': [1]}"), true);
  EXPECT_EQ(Eval("{'a': [1]} == {'a': [2]}"), false);
  EXPECT_TRUE(StartsWith(Eval("1 < 'a'"), "error: no such overload: _<_(int, string)"));
}

TEST(CelTest, LogicAbsorbsErrorsLikeCel) {
  EXPECT_EQ(Eval("false && 1 / 0 == 1"), false);
  EXPECT_EQ(Eval("1 / 0 == 1 && false"), false);
  EXPECT_EQ(Eval("1 / 0 == 1 || true"), true);
  EXPECT_EQ(Eval("true || 1 / 0 == 1"), true);
  EXPECT_EQ(Eval("true && 1 / 0 == 1"), "error: division by zero");
  EXPECT_EQ(Eval("false || 1 / 0 == 1"), "error: division by zero");
  EXPECT_EQ(Eval("!true || !!true"), true);
  EXPECT_EQ(Eval("1 > 2 ? 'a' : 'b'"), "b");
  EXPECT_EQ(Eval("true ? 1 : 1 / 0"), 1);
  EXPECT_TRUE(StartsWith(Eval("1 ? 2 : 3"), "error: no such overload"));
  EXPECT_TRUE(StartsWith(Eval("!1"), "error: no such overload"));
}

TEST(CelTest, StringFunctions) {
  EXPECT_EQ(Eval("size('h\xC3\xA9llo')"), 5);  // code points, not bytes
  EXPECT_EQ(Eval("'h\xC3\xA9llo'.size()"), 5);
  EXPECT_EQ(Eval("'logstack'.startsWith('log') && 'logstack'.endsWith('stack')"), true);
  EXPECT_EQ(Eval("'logstack'.contains('gst')"), true);
  EXPECT_EQ(Eval("'logstack'.contains('x')"), false);
  EXPECT_EQ(Eval("'abc123'.matches('[0-9]+')"), true);  // unanchored, as RE2 find
  EXPECT_EQ(Eval("'abc123'.matches('^[0-9]+$')"), false);
  EXPECT_EQ(Eval("matches('abc', 'b')"), true);
  EXPECT_TRUE(StartsWith(Eval("'a'.matches('(')"), "error: error parsing regexp"));
  EXPECT_EQ(Eval("'MiXed'.lowerAscii() + 'MiXed'.upperAscii()"), "mixedMIXED");
  EXPECT_EQ(Eval("'  x \\t'.trim()"), "x");
  EXPECT_EQ(Eval("int('42') + int(2.9) + int(-1)"), 43);
  EXPECT_EQ(Eval("double(1) + double('0.5')"), 1.5);
  EXPECT_EQ(Eval("string(42) + string(true) + string(1.5)"), "42true1.5");
  EXPECT_TRUE(StartsWith(Eval("int('x')"), "error: cannot convert"));
}

TEST(CelTest, SelfFieldsHasAndIn) {
  json self = json::parse(R"({"a": {"b": 3, "list": ["x", "y"], "m": {"k": "v"}}, "n": null})");
  EXPECT_EQ(Eval("self.a.b", self), 3);
  EXPECT_EQ(Eval("self.a.c", self), "error: no such key: c");
  EXPECT_EQ(Eval("has(self.a.c) || self.a.c == 1", self), "error: no such key: c");
  EXPECT_EQ(Eval("!has(self.a.c) || self.a.c == 1", self), true);
  EXPECT_EQ(Eval("has(self.a.b) && has(self.n)", self), true);
  EXPECT_EQ(Eval("self.n == null", self), true);
  EXPECT_EQ(Eval("'x' in self.a.list && !('z' in self.a.list)", self), true);
  EXPECT_EQ(Eval("'k' in self.a.m && self.a.m['k'] == 'v' && self.a.m.k == 'v'", self), true);
  EXPECT_EQ(Eval("size(self.a.list) + size(self.a.m) + self.a.size()", self), 6);
  EXPECT_TRUE(StartsWith(Eval("self.a.b.c", self), "error: type 'int' does not support"));
}

TEST(CelTest, Macros) {
  json self = json::parse(R"({"items": [1, 2, 3], "m": {"a": 1, "b": 2}})");
  EXPECT_EQ(Eval("self.items.all(x, x > 0)", self), true);
  EXPECT_EQ(Eval("self.items.all(x, x > 1)", self), false);
  EXPECT_EQ(Eval("self.items.exists(x, x == 2)", self), true);
  EXPECT_EQ(Eval("self.items.exists_one(x, x >= 2)", self), false);
  EXPECT_EQ(Eval("self.items.exists_one(x, x == 2)", self), true);
  EXPECT_EQ(Eval("self.items.map(x, x * 10)", self), json({10, 20, 30}));
  EXPECT_EQ(Eval("self.items.map(x, x > 1, x * 10)", self), json({20, 30}));
  EXPECT_EQ(Eval("self.items.filter(x, x != 2)", self), json({1, 3}));
  EXPECT_EQ(Eval("self.m.all(k, k in ['a', 'b'] && self.m[k] > 0)", self), true);
  EXPECT_EQ(Eval("self.items.all(x, self.items.exists(y, y == x))", self), true);
  // Errors inside all/exists are absorbed by a deciding element, like &&/||.
  EXPECT_EQ(Eval("[0, 3].all(x, 3 / x == 2)"), false);
  EXPECT_EQ(Eval("[0, 3].all(x, 3 / x == 1)"), "error: division by zero");
  EXPECT_EQ(Eval("[0, 3].exists(x, 3 / x == 1)"), true);
  EXPECT_EQ(Eval("[0, 3].exists_one(x, 3 / x == 1)"), "error: division by zero");
}

TEST(CelTest, QuantityLibrary) {
  EXPECT_EQ(Eval("quantity('1Gi').compareTo(quantity('1024Mi'))"), 0);
  EXPECT_EQ(Eval("quantity('1G').compareTo(quantity('1Gi'))"), -1);
  EXPECT_EQ(Eval("quantity('500m').isLessThan(quantity('1'))"), true);
  EXPECT_EQ(Eval("quantity('2e3').isGreaterThan(quantity('1k'))"), true);
  EXPECT_EQ(Eval("quantity('1.5Gi') == quantity('1536Mi')"), true);
  EXPECT_EQ(Eval("quantity('250m').asApproximateFloat()"), 0.25);
  EXPECT_EQ(Eval("isQuantity('10Gi') && !isQuantity('10 Gi') && !isQuantity('Gi')"), true);
  EXPECT_TRUE(StartsWith(Eval("quantity('ten')"), "error: quantities must match"));
}

TEST(CelTest, OutsideTheSubsetFailsToCompile) {
  EXPECT_NE(CompileError("self.a ==").find("Syntax error"), std::string::npos);
  EXPECT_NE(CompileError("self.a == 1)").find("Syntax error"), std::string::npos);
  EXPECT_NE(CompileError("'open").find("unterminated string"), std::string::npos);
  EXPECT_EQ(CompileError("foo == 1"), "<input>:1:1: undeclared reference to 'foo'");
  EXPECT_NE(CompileError("duration(self) > duration('1h')").find("'duration'"), std::string::npos);
  EXPECT_NE(CompileError("self.x.split(',')").find("'split'"), std::string::npos);
  EXPECT_NE(CompileError("b'abc' == self").find("bytes"), std::string::npos);
  EXPECT_NE(CompileError("self == 1u").find("uint"), std::string::npos);
  EXPECT_NE(CompileError("has(self)").find("has()"), std::string::npos);
  EXPECT_NE(CompileError("self.all(1, true)").find("identifier"), std::string::npos);
  EXPECT_NE(CompileError("size(self, 1)").find("no matching overload"), std::string::npos);
  EXPECT_NE(CompileError("self.optional.?x").find("Syntax error"), std::string::npos);
  EXPECT_NE(CompileError("self.x # 1").find("token recognition"), std::string::npos);
  EXPECT_NE(CompileError("if == 1").find("reserved"), std::string::npos);
}

TEST(CelTest, FieldNamesAreCheckedAgainstTheSchema) {
  json schema = json::parse(R"({"type": "object", "properties": {
      "a": {"type": "object", "properties": {"b": {"type": "integer"}}},
      "list": {"type": "array", "items": {"type": "object", "properties": {
          "name": {"type": "string"}}}},
      "labels": {"type": "object", "additionalProperties": {"type": "string"}},
      "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}})");
  EXPECT_EQ(CompileError("self.a.b > 0", &schema), "");
  EXPECT_EQ(CompileError("has(self.a.c)", &schema), "<input>:1:12: undefined field 'c'");
  EXPECT_EQ(CompileError("self.nope == 1", &schema), "<input>:1:6: undefined field 'nope'");
  EXPECT_EQ(CompileError("self.list.all(x, x.name != '')", &schema), "");
  EXPECT_NE(CompileError("self.list.all(x, x.nam != '')", &schema).find("undefined field 'nam'"),
            std::string::npos);
  EXPECT_EQ(CompileError("self.labels.anything == 'x' && self.free.x.y == 1", &schema), "");
  EXPECT_NE(CompileError("self.a.b.c == 1", &schema).find("does not support field selection"),
            std::string::npos);
}

TEST(CelTest, NumbersFollowTheSchemaType) {
  json schema = json::parse(R"({"type": "object", "properties": {
      "rate": {"type": "number"}, "count": {"type": "integer"}}})");
  json self = cel::ToCelJson(schema, json::parse(R"({"rate": 4, "count": 2.0})"));
  EXPECT_TRUE(self["rate"].is_number_float());
  EXPECT_TRUE(self["count"].is_number_integer());
  EXPECT_EQ(Eval("self.rate + 0.5 == 4.5 && self.count + 1 == 3", self, &schema), true);
}

TEST(CelTest, OldSelfMarksATransitionRule) {
  auto p = cel::Compile("self >= oldSelf");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->UsesOldSelf());
  EXPECT_FALSE(cel::Compile("self >= 1")->UsesOldSelf());
  json old = 3;
  EXPECT_EQ(Eval("self >= oldSelf", 4, nullptr, &old), true);
  EXPECT_EQ(Eval("self >= oldSelf", 2, nullptr, &old), false);
}

TEST(CelTest, RuntimeCostIsBounded) {
  json self = json::array();
  for (int i = 0; i < 2000; ++i) self.push_back(i);
  EXPECT_EQ(Eval("self.all(x, self.all(y, x != y || x == y))", self),
            "error: operation cancelled: actual cost limit exceeded");
}

// --- through the API server -------------------------------------------------

constexpr char kCrds[] = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
constexpr char kWidgets[] = "/apis/example.com/v1/namespaces/default/widgets";

json WidgetCrd(const json& spec_schema) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "widgets.example.com"}}},
          {"spec",
           {{"group", "example.com"},
            {"scope", "Namespaced"},
            {"names", {{"plural", "widgets"}, {"singular", "widget"}, {"kind", "Widget"}}},
            {"versions",
             {{{"name", "v1"},
               {"served", true},
               {"storage", true},
               {"schema",
                {{"openAPIV3Schema",
                  {{"type", "object"}, {"properties", {{"spec", spec_schema}}}}}}}}}}}}};
}

json Widget(const std::string& name, const json& spec) {
  return {{"apiVersion", "example.com/v1"},
          {"kind", "Widget"},
          {"metadata", {{"name", name}}},
          {"spec", spec}};
}

class CelApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    json spec = json::parse(R"j({
      "type": "object",
      "x-kubernetes-validations": [
        {"rule": "self.min <= self.max", "message": "min must not exceed max",
         "fieldPath": ".min"},
        {"rule": "!has(self.url) || !has(self.size)",
         "message": "url excludes size", "reason": "FieldValueForbidden"},
        {"rule": "self.mode != 'broken'"},
        {"rule": "self.max < 100",
         "messageExpression": "'max is ' + string(self.max) + ', over 99'"}],
      "properties": {
        "min": {"type": "integer", "default": 0},
        "max": {"type": "integer", "default": 10},
        "url": {"type": "string", "maxLength": 100},
        "size": {"type": "string", "maxLength": 10},
        "mode": {"type": "string", "default": "fast", "maxLength": 20,
                 "x-kubernetes-validations": [
                   {"rule": "self == oldSelf", "message": "mode is immutable"}]},
        "tags": {"type": "array", "maxItems": 10,
                 "items": {"type": "string", "maxLength": 20,
                           "x-kubernetes-validations": [
                             {"rule": "self.startsWith('t-')", "message": "tags start with t-"}]}}
      }})j");
    auto r = api_.Call("POST", kCrds, WidgetCrd(spec));
ASSERT_EQ(r.status, 201) << r.body.dump();
}

// The causes of a 422, as "field|reason|message" strings.
std::vector<std::string> Causes(const ApiServer::CallResult& r) {
  std::vector<std::string> out;
  EXPECT_EQ(r.status, 422) << r.body.dump();
  if (r.status != 422) return out;
  for (const auto& c : r.body["details"]["causes"]) {
    out.push_back(c.value("field", "") + "|" + c.value("reason", "") + "|" +
                  c.value("message", ""));
  }
  return out;
}

ApiServer api_;
};

TEST_F(CelApiServerTest, PassingObjectsAreStoredWithDefaults) {
  auto r = api_.Call("POST", kWidgets, Widget("ok", {{"min", 1}, {"tags", {"t-a", "t-b"}}}));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["spec"]["max"], 10);  // defaulted before the rules ran
  EXPECT_EQ(r.body["spec"]["mode"], "fast");
}

TEST_F(CelApiServerTest, FailingRulesAre422WithFieldAndMessage) {
  EXPECT_EQ(Causes(api_.Call("POST", kWidgets, Widget("a", {{"min", 11}}))),
            std::vector<std::string>{
                "spec.min|FieldValueInvalid|Invalid value: \"object\": min must not exceed max"});
  EXPECT_EQ(Causes(api_.Call("POST", kWidgets, Widget("b", {{"url", "u"}, {"size", "1"}}))),
            std::vector<std::string>{"spec|FieldValueForbidden|Forbidden: url excludes size"});
  EXPECT_EQ(
      Causes(api_.Call("POST", kWidgets, Widget("c", {{"mode", "broken"}}))),
      std::vector<std::string>{
          "spec|FieldValueInvalid|Invalid value: \"object\": failed rule: self.mode != 'broken'"});
  EXPECT_EQ(Causes(api_.Call("POST", kWidgets, Widget("d", {{"max", 150}}))),
            std::vector<std::string>{
                "spec|FieldValueInvalid|Invalid value: \"object\": max is 150, over 99"});
  EXPECT_EQ(Causes(api_.Call("POST", kWidgets, Widget("e", {{"tags", {"t-a", "x"}}}))),
            std::vector<std::string>{
                "spec.tags[1]|FieldValueInvalid|Invalid value: \"string\": tags start with t-"});
  auto r = api_.Call("POST", kWidgets, Widget("f", {{"min", 11}, {"mode", "broken"}}));
  EXPECT_EQ(Causes(r).size(), 2u);
  EXPECT_NE(r.body["message"].get<std::string>().find(
                "Widget.example.com \"f\" is invalid: [spec.min: Invalid value"),
            std::string::npos)
      << r.body.dump();
}

TEST_F(CelApiServerTest, RulesDoNotRunOnWronglyTypedValues) {
  auto causes = Causes(api_.Call("POST", kWidgets, Widget("t", {{"min", "one"}})));
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes[0].rfind("spec.min|FieldValueTypeInvalid|", 0), 0u) << causes[0];
}

TEST_F(CelApiServerTest, TransitionRulesRunOnUpdateOnly) {
  auto created = api_.Call("POST", kWidgets, Widget("w", {{"mode", "slow"}}));
  ASSERT_EQ(created.status, 201) << created.body.dump();
  json next = created.body;
  next["spec"]["max"] = 20;
  auto ok = api_.Call("PUT", std::string(kWidgets) + "/w", next);
  ASSERT_EQ(ok.status, 200) << ok.body.dump();
  next = ok.body;
  next["spec"]["mode"] = "fast";
  EXPECT_EQ(Causes(api_.Call("PUT", std::string(kWidgets) + "/w", next)),
            std::vector<std::string>{
                "spec.mode|FieldValueInvalid|Invalid value: \"string\": mode is immutable"});
}

TEST(CelCrdTest, CrdCreationRejectsRulesOutsideTheSubsetOrInvalid) {
  ApiServer api;
  auto with_rule = [](const json& rule) {
    return WidgetCrd({{"type", "object"},
                      {"properties", {{"n", {{"type", "integer"}}}}},
                      {"x-kubernetes-validations", {rule}}});
  };
  const std::string rule_path =
      "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0]";

  auto r = api.Call("POST", kCrds, with_rule({{"rule", "duration(self.n) > 0"}}));
  ASSERT_EQ(r.status, 422) << r.body.dump();
  EXPECT_EQ(r.body["details"]["causes"][0]["field"], rule_path + ".rule");
  EXPECT_NE(r.body["details"]["causes"][0]["message"].get<std::string>().find(
                "compilation failed: ERROR: <input>:1:1: undeclared reference to 'duration'"),
            std::string::npos)
      << r.body.dump();

  r = api.Call("POST", kCrds, with_rule({{"rule", "self.m > 0"}}));
  ASSERT_EQ(r.status, 422);
  EXPECT_NE(r.body["message"].get<std::string>().find("undefined field 'm'"), std::string::npos);

  r = api.Call("POST", kCrds, with_rule({{"rule", "self.n > 0"}, {"fieldPath", ".x"}}));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.body["details"]["causes"][0]["field"], rule_path + ".fieldPath");

  r = api.Call("POST", kCrds, with_rule({{"rule", "self.n > 0"}, {"reason", "Whatever"}}));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.body["details"]["causes"][0]["field"], rule_path + ".reason");

  r = api.Call("POST", kCrds, with_rule({{"rule", "self.n > 0"}, {"message", "two\nlines"}}));
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(r.body["details"]["causes"][0]["field"], rule_path + ".message");

  r = api.Call("POST", kCrds, with_rule({{"rule", ""}}));
  ASSERT_EQ(r.status, 422);

  // Nothing was registered by the failures; a good rule works.
  r = api.Call("POST", kCrds, with_rule({{"rule", "!has(self.n) || self.n > 0"}}));
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(api.Call("POST", kWidgets, Widget("x", {{"n", 0}})).status, 422);
  EXPECT_EQ(api.Call("POST", kWidgets, Widget("y", {{"n", 1}})).status, 201);
}

}  // namespace
}  // namespace logstack::kubetest
