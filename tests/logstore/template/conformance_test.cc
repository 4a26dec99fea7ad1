// Templates from the LogQL conformance corpus (format/ cases), run on
// entries of its data set, against the output Loki 3.4.6 gave.

#include <gtest/gtest.h>

#include "tests/logstore/template/fake_data.h"

namespace logstack::logstore::tmpl::testing {
namespace {

// The logfmt fields of an order line, as `| logfmt` extracts them, plus the
// stream labels.
std::map<std::string, std::string> OrderEntry(std::string ts, std::string level, std::string method,
                                              std::string path, std::string status,
                                              std::string duration, std::string bytes,
                                              std::string user, std::string latency_ms,
                                              std::string msg) {
  return {{"app", "order"},
          {"namespace", "shop"},
          {"job", "shop/order"},
          {"pod", "order-7d9f8-abcde"},
          {"container", "order"},
          {"stream", "stdout"},
          {"ts", ts},
          {"level", level},
          {"caller", "handler.go:88"},
          {"msg", msg},
          {"method", method},
          {"path", path},
          {"status", status},
          {"duration", duration},
          {"bytes", bytes},
          {"user", user},
          {"latency_ms", latency_ms}};
}

// ts=2024-01-15T08:59:46.505Z level=info caller=handler.go:140 msg="request served"
// method=DELETE path=/api/orders/4368 status=200 duration=16.0ms bytes=2.0KB user=carol
// latency_ms=16
std::map<std::string, std::string> Carol() {
  return OrderEntry("2024-01-15T08:59:46.505Z", "info", "DELETE", "/api/orders/4368", "200",
                    "16.0ms", "2.0KB", "carol", "16", "request served");
}

// ts=2024-01-15T08:59:56.770Z level=error ... msg="database timeout" method=GET
// path=/api/orders/2323 status=502 duration=1.2s bytes=2.0KB user=grace latency_ms=1219
std::map<std::string, std::string> Grace() {
  return OrderEntry("2024-01-15T08:59:56.770Z", "error", "GET", "/api/orders/2323", "502", "1.2s",
                    "2.0KB", "grace", "1219", "database timeout");
}

// ts=2024-01-15T08:59:29.229Z level=debug ... msg="cache hit" method=GET
// path=/api/orders/4170 status=200 duration=75.7ms bytes=1.7KB user=erin latency_ms=76
std::map<std::string, std::string> Erin() {
  return OrderEntry("2024-01-15T08:59:29.229Z", "debug", "GET", "/api/orders/4170", "200", "75.7ms",
                    "1.7KB", "erin", "76", "cache hit");
}

TEST(ConformanceTest, Line) {
  EXPECT_EQ(R("{{.method}} {{.path}} {{.status}}", Erin()), "GET /api/orders/4170 200");
}

TEST(ConformanceTest, UpperLower) {
  const char* t =
      "{{ .level | ToUpper }} {{ ToLower .method }} {{ upper .user }} {{ lower \"MiXeD\" }}";
  EXPECT_EQ(R(t, Erin()), "DEBUG get ERIN mixed");
  EXPECT_EQ(R(t, Carol()), "INFO delete CAROL mixed");
}

TEST(ConformanceTest, TrimReplace) {
  auto e = OrderEntry("2024-01-15T08:58:23.638Z", "info", "POST", "/api/orders", "200", "60.0ms",
                      "1.4KB", "carol", "60", "order created");
  e["note"] = "with  two  spaces";
  EXPECT_EQ(R("[{{ .note | replace \"  \" \" \" }}] [{{ trim \"  pad  \" }}] "
              "[{{ TrimPrefix .path \"/api\" }}]",
              e),
            "[with two spaces] [pad] [/orders]");
}

TEST(ConformanceTest, RegexReplace) {
  const char* t = "{{ regexReplaceAll \"/[0-9]+\" .path \"/:id\" }}";
  EXPECT_EQ(R(t, Erin()), "/api/orders/:id");
  auto e = Erin();
  e["path"] = "/api/orders";
  EXPECT_EQ(R(t, e), "/api/orders");
  EXPECT_EQ(R("{{ regexReplaceAllLiteral \"[0-9]+\" .path \"$1\" }}", Carol()), "/api/orders/$1");
}

TEST(ConformanceTest, Default) {
  const char* t = "{{ default \"anonymous\" .user }} {{ .path }}";
  EXPECT_EQ(R(t, Carol()), "carol /api/orders/4368");
  auto e = Carol();
  e.erase("user");
  EXPECT_EQ(R(t, e), "anonymous /api/orders/4368");
  e["user"] = "";
  EXPECT_EQ(R(t, e), "anonymous /api/orders/4368");
}

TEST(ConformanceTest, Printf) {
  const char* t = "{{ printf \"%-6s|%8s|%s\" .method .duration .status }}";
  EXPECT_EQ(R(t, Erin()), "GET   |  75.7ms|200");
  EXPECT_EQ(R(t, Carol()), "DELETE|  16.0ms|200");
  EXPECT_EQ(R(t, Grace()), "GET   |    1.2s|502");
}

TEST(ConformanceTest, Arith) {
  const char* t =
      "{{ div .latency_ms 10 }} {{ add .status 1 }} {{ sub .latency_ms 1 }} {{ mul .status 2 }} "
      "{{ mod .latency_ms 7 }}";
  EXPECT_EQ(R(t, Erin()), "7 201 75 400 6");
  EXPECT_EQ(R(t, Grace()), "121 503 1218 1004 1");
  auto e = Erin();
  e["latency_ms"] = "4";
  EXPECT_EQ(R(t, e), "0 201 3 400 4");
}

TEST(ConformanceTest, FloatArith) {
  const char* t =
      "{{ mulf .amount 1.2 }} {{ addf .amount 0.01 }} {{ divf .amount 3 }} "
      "{{ round (divf .amount 3) 2 }} {{ ceil .amount }} {{ floor .amount }}";
  EXPECT_EQ(R(t, {{"amount", "128.06"}}), "153.672 128.07 42.68666666666667 42.69 129 128");
  EXPECT_EQ(R(t, {{"amount", "134.52"}}), "161.424 134.53 44.84 44.84 135 134");
  EXPECT_EQ(R(t, {{"amount", "20.00"}}), "24 20.01 6.666666666666667 6.67 20 20");
  EXPECT_EQ(R(t, {{"amount", "37.32"}}), "44.784 37.33 12.44 12.44 38 37");
  EXPECT_EQ(R(t, {{"amount", "57.52"}}), "69.024 57.53 19.173333333333332 19.17 58 57");
  EXPECT_EQ(R(t, {{"amount", "60.45"}}), "72.54 60.46 20.15 20.15 61 60");
  EXPECT_EQ(R(t, {{"amount", "64.32"}}), "77.184 64.33 21.44 21.44 65 64");
}

TEST(ConformanceTest, UnixEpochAndDate) {
  FakeData d({{"app", "cron"}}, "level=info msg=\"job finished\"", 1705308827529000000);
  EXPECT_EQ(*Render("{{ __timestamp__ | unixEpoch }} {{ unixEpochMillis __timestamp__ }}", d),
            "1705308827 1705308827529");
  EXPECT_EQ(*Render("{{ __timestamp__ | date \"2006-01-02T15:04:05.000Z07:00\" }}", d),
            "2024-01-15T08:53:47.529Z");
  FakeData d2({}, "", 1705308794420000000);
  EXPECT_EQ(*Render("{{ __timestamp__ | date \"2006-01-02T15:04:05.000Z07:00\" }}", d2),
            "2024-01-15T08:53:14.420Z");
}

TEST(ConformanceTest, ToDate) {
  const char* t = "{{ unixEpoch (toDate \"2006-01-02T15:04:05.000Z\" .ts) }}";
  EXPECT_EQ(R(t, Carol()), "1705309186");
  EXPECT_EQ(R(t, Grace()), "1705309196");
}

TEST(ConformanceTest, LineFunc) {
  FakeData d({}, "level=info msg=\"job finished\" job=cleanup run=21 duration=2.2s", 0);
  EXPECT_EQ(*Render("{{ __line__ | trunc 24 }}|", d), "level=info msg=\"job fini|");
  FakeData d2({}, "level=info msg=\"deleted expired carts\" job=cleanup run=21 count=34", 0);
  EXPECT_EQ(*Render("{{ __line__ | trunc 24 }}|", d2), "level=info msg=\"deleted |");
}

TEST(ConformanceTest, LabelTemplates) {
  EXPECT_EQ(R("{{.method}}:{{.status}}", Carol()), "DELETE:200");
  EXPECT_EQ(R("{{ .user | upper }}", Carol()), "CAROL");
  EXPECT_EQ(R("{{.app}}-x", {{"app", "cron"}}), "cron-x");
  // A label the entry lacks reads as "" (label-format-in-metric: "-debug").
  EXPECT_EQ(R("{{.method}}-{{.level}}", {{"level", "debug"}}), "-debug");
}

TEST(ConformanceTest, IfElse) {
  const char* t =
      "{{ if hasPrefix \"/api\" .path }}api{{ else }}other{{ end }} "
      "{{ if contains \"order\" .msg }}o{{ end }}{{ if eq .method \"GET\" }}g{{ end }}";
  EXPECT_EQ(R(t, Erin()), "api g");
  EXPECT_EQ(R(t, Carol()), "api ");
  auto e = Erin();
  e["msg"] = "order created";
  EXPECT_EQ(R(t, e), "api og");
  e["path"] = "/health";
  e["method"] = "POST";
  EXPECT_EQ(R(t, e), "other o");
}

TEST(ConformanceTest, TitleTruncSubstr) {
  const char* t = "{{ title .msg }}|{{ trunc 4 .user }}|{{ substr 1 4 .path }}";
  EXPECT_EQ(R(t, Carol()), "Request Served|caro|api");
  EXPECT_EQ(R(t, Grace()), "Database Timeout|grac|api");
  auto e = Carol();
  e["user"] = "bob";
  EXPECT_EQ(R(t, e), "Request Served|bob|api");
}

TEST(ConformanceTest, Align) {
  const char* t = "[{{ alignLeft 5 .method }}][{{ alignRight 6 .status }}]";
  EXPECT_EQ(R(t, Carol()), "[DELET][   200]");
  EXPECT_EQ(R(t, Grace()), "[GET  ][   502]");
}

TEST(ConformanceTest, B64Urlencode) {
  const char* t = "{{ b64enc .user }} {{ urlencode .msg }}";
  EXPECT_EQ(R(t, Carol()), "Y2Fyb2w= request+served");
  EXPECT_EQ(R(t, Grace()), "Z3JhY2U= database+timeout");
  auto e = Carol();
  e["user"] = "bob";
  EXPECT_EQ(R(t, e), "Ym9i request+served");
}

TEST(ConformanceTest, BytesDuration) {
  const char* t = "{{ .bytes | bytes }} {{ .duration | duration }}";
  EXPECT_EQ(R(t, Carol()), "2000 0.016");
  EXPECT_EQ(R(t, Grace()), "2000 1.2");
  EXPECT_EQ(R(t, {{"bytes", "2.8KB"}, {"duration", "33.5ms"}}), "2800 0.0335");
  EXPECT_EQ(R(t, {{"bytes", "226B"}, {"duration", "115.5ms"}}), "226 0.1155");
  EXPECT_EQ(R(t, {{"bytes", "3.1KB"}, {"duration", "11.7ms"}}), "3100 0.0117");
  EXPECT_EQ(R(t, {{"bytes", "6.4KB"}, {"duration", "34.0ms"}}), "6400 0.034");
  EXPECT_EQ(R(t, {{"bytes", "621B"}, {"duration", "16.2ms"}}), "621 0.0162");
  EXPECT_EQ(R(t, {{"bytes", "692B"}, {"duration", "85.2ms"}}), "692 0.0852");
}

TEST(ConformanceTest, RepeatCount) {
  const char* t = "{{ repeat 2 .job }} {{ count \"e\" .msg }}";
  EXPECT_EQ(R(t, {{"job", "shop/cron"}, {"msg", "deleted expired carts"}}), "shop/cronshop/cron 5");
  EXPECT_EQ(R(t, {{"job", "shop/cron"}, {"msg", "job finished"}}), "shop/cronshop/cron 1");
}

TEST(ConformanceTest, EmptyAndReparse) {
  EXPECT_EQ(R(""), "");
  EXPECT_EQ(R("code={{.status}} who={{.user}}", Grace()), "code=502 who=grace");
}

TEST(ConformanceTest, ParserCases) {
  EXPECT_EQ(R("{{.k8s_node}} {{.order_id}}", {{"k8s_node", "node-b"}, {"order_id", "2099"}}),
            "node-b 2099");
  EXPECT_EQ(R("{{.express}}/{{.coupon}}", {{"express", "false"}, {"coupon", ""}}), "false/");
  EXPECT_EQ(R("{{.courier_name}}", {{"courier_name", "J\xC3\xB6rg"}}), "J\xC3\xB6rg");
}

TEST(ConformanceTest, InvalidTemplate) {
  EXPECT_EQ(R("{{.x"), "ERROR: template: line:1: unclosed action");
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
