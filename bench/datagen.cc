#include "bench/datagen.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>
#include <utility>

namespace logstack::bench {

namespace {

// ---------------------------------------------------------------- vocabulary

enum class Flavor {
  kGoService,   // logfmt: HTTP handlers, SQL, caches, upstream calls, business events
  kConsumer,    // logfmt: Kafka consumer
  kMonitoring,  // logfmt: Prometheus-style components
  kJavaJson,    // JSON (logstash encoder): logger, thread, context and trace objects
  kPinoJson,    // JSON (pino): numeric time and level, req/res objects
  kPythonJson,  // JSON (structlog): batch jobs
  kEnvoyJson,   // JSON: an API gateway's access log
  kIngress,     // nginx: ingress-nginx's upstream log format
  kNginx,       // nginx: combined format plus request time
};

struct Workload {
  const char* ns;
  const char* app;
  const char* container;
  Flavor flavor;
  double weight;     // lines per replica, relative
  int replicas;      // at most this many pods
  bool statefulset;  // pods named app-0, app-1, ...
  bool has_stderr;   // the pod also writes a (quiet) stderr stream
};

const Workload kWorkloads[] = {
    {"ingress-nginx", "ingress-nginx", "controller", Flavor::kIngress, 6.0, 4, false, true},
    {"shop", "api-gateway", "gateway", Flavor::kEnvoyJson, 4.0, 8, false, false},
    {"shop", "frontend", "nginx", Flavor::kNginx, 3.0, 6, false, false},
    {"shop", "checkout", "checkout", Flavor::kGoService, 2.5, 6, false, true},
    {"shop", "cart", "cart", Flavor::kJavaJson, 2.0, 6, false, false},
    {"shop", "catalog", "catalog", Flavor::kPinoJson, 3.0, 8, false, false},
    {"shop", "orders", "orders", Flavor::kGoService, 2.0, 6, false, true},
    {"shop", "payments", "payments", Flavor::kGoService, 1.2, 4, false, true},
    {"shop", "search", "search", Flavor::kPinoJson, 1.5, 6, false, false},
    {"shop", "recommendations", "recommender", Flavor::kPythonJson, 0.8, 4, false, false},
    {"shop", "notifications", "notifications", Flavor::kGoService, 0.6, 3, false, false},
    {"auth", "keycloak", "keycloak", Flavor::kJavaJson, 0.8, 3, true, false},
    {"auth", "oauth2-proxy", "oauth2-proxy", Flavor::kNginx, 1.0, 3, false, false},
    {"data", "order-events-consumer", "consumer", Flavor::kConsumer, 2.0, 6, false, false},
    {"data", "etl-worker", "worker", Flavor::kPythonJson, 1.0, 4, false, false},
    {"monitoring", "prometheus", "prometheus", Flavor::kMonitoring, 0.6, 2, true, false},
    {"monitoring", "alertmanager", "alertmanager", Flavor::kMonitoring, 0.2, 3, true, false},
    {"monitoring", "grafana", "grafana", Flavor::kGoService, 0.4, 2, false, false},
};

const char* const kMethods[] = {"GET", "GET", "GET", "POST", "GET", "PUT", "DELETE", "PATCH"};
const char* const kStatuses[] = {"200", "200", "200", "200", "201", "204", "304",
                                 "302", "400", "401", "404", "429", "500", "503"};
const char* const kApiPaths[] = {
    "/api/v1/products/", "/api/v1/cart/items/",      "/api/v1/orders/",  "/api/v1/users/",
    "/api/v1/search",    "/api/v1/reviews/",         "/api/v1/checkout", "/api/v1/inventory/",
    "/api/v1/payments/", "/api/v2/recommendations/", "/healthz",         "/metrics"};
const char* const kPages[] = {"/",
                              "/products/",
                              "/category/shoes",
                              "/category/bags",
                              "/cart",
                              "/checkout",
                              "/account/orders",
                              "/search",
                              "/static/js/app.",
                              "/static/css/main.",
                              "/favicon.ico",
                              "/images/products/"};
const char* const kAgents[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.6367.82 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/123.0.0.0 Safari/537.36 Edg/123.0.2420.97",
    "kube-probe/1.29",
    "Go-http-client/1.1",
    "curl/8.5.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "okhttp/4.12.0",
    "python-requests/2.31.0"};
const char* const kCallers[] = {"transport/http.go:142",  "transport/http.go:198",
                                "store/postgres.go:311",  "store/postgres.go:87",
                                "cache/redis.go:64",      "client/upstream.go:119",
                                "service/service.go:233", "service/validate.go:41",
                                "worker/pool.go:77",      "main.go:96"};
const char* const kQueries[] = {
    "SELECT id, status, total FROM orders WHERE user_id = $1 ORDER BY created_at DESC LIMIT 50",
    "SELECT * FROM cart_items WHERE cart_id = $1",
    "UPDATE inventory SET reserved = reserved + $1 WHERE sku = $2",
    "INSERT INTO orders (id, user_id, total, currency) VALUES ($1, $2, $3, $4)",
    "SELECT p.id, p.name, p.price FROM products p JOIN stock s ON s.sku = p.sku WHERE p.id = "
    "ANY($1)",
    "DELETE FROM sessions WHERE expires_at < now()"};
const char* const kUpstreams[] = {"payments.shop.svc.cluster.local:8080",
                                  "inventory.shop.svc.cluster.local:8080",
                                  "catalog.shop.svc.cluster.local:3000",
                                  "keycloak.auth.svc.cluster.local:8443",
                                  "api.stripe.com:443",
                                  "redis-master.shop.svc.cluster.local:6379"};
const char* const kErrors[] = {
    "connect: connection refused",    "i/o timeout", "context deadline exceeded",
    "read: connection reset by peer", "EOF",         "no such host"};
const char* const kEvents[] = {"order placed",   "payment authorized", "payment declined",
                               "item reserved",  "email queued",       "refund issued",
                               "coupon applied", "address validated"};
const char* const kCurrencies[] = {"EUR", "USD", "GBP", "SEK", "PLN"};
const char* const kJavaMessages[] = {"Added item to cart",  "Removed item from cart",
                                     "Cart loaded",         "Price recalculated",
                                     "Session validated",   "Token issued",
                                     "Login succeeded",     "Login failed: invalid credentials",
                                     "Cache entry evicted", "Slow database call"};
const char* const kJavaLoggers[] = {"com.example.cart.CartService",
                                    "com.example.cart.PricingEngine",
                                    "com.example.cart.web.CartController",
                                    "org.keycloak.events",
                                    "org.hibernate.SQL",
                                    "com.zaxxer.hikari.pool.HikariPool"};
const char* const kSearchTerms[] = {"red+shoes", "leather+bag",    "running",  "jacket",
                                    "wallet",    "sneakers+white", "backpack", "sunglasses",
                                    "watch",     "boots"};
const char* const kPythonEvents[] = {
    "batch processed", "model scored",   "features loaded",         "job started",
    "job finished",    "retrying batch", "recommendations computed"};
const char* const kTables[] = {"orders", "order_items", "page_views", "users", "products"};
const char* const kTopics[] = {"orders.v1", "payments.v1", "inventory.v1", "shipments.v1"};
const char* const kPromComponents[] = {"tsdb", "scrape manager", "rule manager", "notifier",
                                       "web",  "remote"};
const char* const kPromMessages[] = {"write block",
                                     "Head GC completed",
                                     "Compaction done",
                                     "Append failed",
                                     "Rule evaluation completed",
                                     "Sending alerts",
                                     "Notify success",
                                     "Completed loading of configuration file"};

template <size_t N>
const char* Pick(Rng& rng, const char* const (&items)[N]) {
  return items[rng.Skewed(N)];
}

template <size_t N>
const char* PickUniform(Rng& rng, const char* const (&items)[N]) {
  return items[rng.Below(N)];
}

// ---------------------------------------------------------------- formatting

void Num(std::string* s, uint64_t v) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  s->append(buf, static_cast<size_t>(n));
}

void Padded(std::string* s, uint64_t v, int width) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%0*llu", width, static_cast<unsigned long long>(v));
  s->append(buf, static_cast<size_t>(n));
}

// v / 10^decimals with that many decimals.
void Fixed(std::string* s, uint64_t v, int decimals) {
  uint64_t div = 1;
  for (int i = 0; i < decimals; i++) div *= 10;
  Num(s, v / div);
  s->push_back('.');
  Padded(s, v % div, decimals);
}

void Hex(std::string* s, Rng& rng, int digits) {
  static const char kHex[] = "0123456789abcdef";
  rng.Account(4.0 * digits);
  uint64_t v = 0;
  for (int i = 0; i < digits; i++) {
    if (i % 16 == 0) v = rng.Next();
    s->push_back(kHex[v & 15]);
    v >>= 4;
  }
}

std::string HexString(Rng& rng, int digits) {
  std::string s;
  Hex(&s, rng, digits);
  return s;
}

void Uuid(std::string* s, Rng& rng) {
  Hex(s, rng, 8);
  s->push_back('-');
  Hex(s, rng, 4);
  *s += "-4";
  Hex(s, rng, 3);
  s->push_back('-');
  s->push_back("89ab"[rng.Below(4)]);
  Hex(s, rng, 3);
  s->push_back('-');
  Hex(s, rng, 12);
}

// Kubernetes' name suffix alphabet (no vowels, no confusable digits).
void KubeSuffix(std::string* s, Rng& rng, int len) {
  static const char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  for (int i = 0; i < len; i++) s->push_back(kAlphabet[rng.Below(sizeof kAlphabet - 1)]);
}

struct Civil {
  int64_t year;
  unsigned month, day, hour, minute, second;
};

// Howard Hinnant's civil_from_days.
Civil ToCivil(int64_t secs) {
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  Civil c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2);
  c.hour = static_cast<unsigned>(rem / 3600);
  c.minute = static_cast<unsigned>(rem / 60 % 60);
  c.second = static_cast<unsigned>(rem % 60);
  return c;
}

// "2024-05-01T12:34:56" followed by `frac_digits` of the fraction and "Z".
void Rfc3339(std::string* s, int64_t ns, int frac_digits) {
  Civil c = ToCivil(ns / 1'000'000'000);
  Padded(s, static_cast<uint64_t>(c.year), 4);
  s->push_back('-');
  Padded(s, c.month, 2);
  s->push_back('-');
  Padded(s, c.day, 2);
  s->push_back('T');
  Padded(s, c.hour, 2);
  s->push_back(':');
  Padded(s, c.minute, 2);
  s->push_back(':');
  Padded(s, c.second, 2);
  if (frac_digits > 0) {
    s->push_back('.');
    uint64_t frac = static_cast<uint64_t>(ns % 1'000'000'000);
    for (int i = frac_digits; i < 9; i++) frac /= 10;
    Padded(s, frac, frac_digits);
  }
  s->push_back('Z');
}

// nginx's $time_local in UTC: "01/May/2024:12:34:56 +0000".
void NginxTime(std::string* s, int64_t ns) {
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Civil c = ToCivil(ns / 1'000'000'000);
  Padded(s, c.day, 2);
  s->push_back('/');
  *s += kMonths[c.month - 1];
  s->push_back('/');
  Padded(s, static_cast<uint64_t>(c.year), 4);
  s->push_back(':');
  Padded(s, c.hour, 2);
  s->push_back(':');
  Padded(s, c.minute, 2);
  s->push_back(':');
  Padded(s, c.second, 2);
  *s += " +0000";
}

void PodIp(std::string* s, Rng& rng) {
  *s += "10.244.";
  Num(s, rng.Below(16));
  s->push_back('.');
  Num(s, 2 + rng.Below(250));
}

}  // namespace

// ---------------------------------------------------------------- per-stream state

struct DataSet::State {
  explicit State(uint64_t seed) : rng(seed) {}

  Rng rng;
  const Workload* workload = nullptr;
  std::string pod;
  bool is_stderr = false;
  int64_t ts = 0;
  // A request in progress: handlers log a few lines that share its ids.
  int request_lines_left = 0;
  std::string trace_id;
  std::string span_id;
  uint64_t user_id = 0;
  std::string path;
  std::string method;
  std::string cart_id;
  // Long-lived ids: a batch job's id, a Kafka member id, pino's request counter.
  std::string job_id;
  int job_lines_left = 0;
  std::string member_id;
  uint64_t request_counter = 0;
  // Clients that come back (their IPs), and the pod's own view of the world.
  std::vector<std::string> clients;
  std::vector<std::string> upstream_ips;
  uint64_t kafka_offset = 0;

  // A client IP: mostly returning visitors, some new ones.
  const std::string& Client() {
    if (rng.Chance(4)) {
      std::string ip;
      switch (rng.Below(3)) {
        case 0:
          ip = "203.0.113.";
          break;
        case 1:
          ip = "198.51.";
          Num(&ip, rng.Below(256));
          ip += ".";
          break;
        default:
          ip = std::to_string(1 + rng.Below(223)) + "." + std::to_string(rng.Below(256)) + ".";
      }
      Num(&ip, rng.Below(256));
      clients[rng.Below(clients.size())] = std::move(ip);
    }
    return clients[rng.VerySkewed(clients.size())];
  }

  void NewRequest() {
    request_lines_left = 1 + static_cast<int>(rng.Skewed(4));
    trace_id = HexString(rng, 32);
    span_id = HexString(rng, 16);
    user_id = 1000 + rng.Skewed(250000);
    method = Pick(rng, kMethods);
    path = Pick(rng, kApiPaths);
    if (path.back() == '/') Num(&path, rng.VerySkewed(120000));
    cart_id.clear();
    Uuid(&cart_id, rng);
  }
};

namespace {

using State = DataSet::State;

// --------------------------------------------------------------- line writers

void GoService(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  if (st.request_lines_left <= 0) st.NewRequest();
  st.request_lines_left--;
  uint64_t kind = r.Below(100);
  if (st.is_stderr) kind = 95 + r.Below(5);
  const char* level = "info";
  if (kind >= 97) {
    level = "error";
  } else if (kind >= 92) {
    level = "warn";
  } else if (kind >= 55 && kind < 75) {
    level = "debug";
  }
  *s += "level=";
  *s += level;
  *s += " ts=";
  Rfc3339(s, ns, 9);
  *s += " caller=";
  *s += Pick(r, kCallers);
  if (kind < 55) {
    *s += " msg=\"request completed\" method=";
    *s += st.method;
    *s += " path=";
    *s += st.path;
    *s += " status=";
    *s += Pick(r, kStatuses);
    *s += " duration=";
    Fixed(s, 200 + r.VerySkewed(400000), 3);
    *s += "ms bytes=";
    Num(s, r.Skewed(40000));
    *s += " user_id=";
    Num(s, st.user_id);
    *s += " remote_addr=";
    *s += st.Client();
    s->push_back(':');
    Num(s, 32768 + r.Below(28000));
    *s += " trace_id=";
    *s += st.trace_id;
  } else if (kind < 67) {
    *s += " msg=\"query executed\" query=\"";
    *s += Pick(r, kQueries);
    *s += "\" rows=";
    Num(s, r.VerySkewed(500));
    *s += " duration=";
    Fixed(s, 50 + r.VerySkewed(80000), 3);
    *s += "ms trace_id=";
    *s += st.trace_id;
  } else if (kind < 75) {
    *s += " msg=\"cache lookup\" key=";
    *s += r.Chance(2) ? "user:" : "product:";
    Num(s, r.VerySkewed(120000));
    *s += r.Chance(3) ? " hit=false" : " hit=true";
    *s += " duration=";
    Fixed(s, 20 + r.VerySkewed(3000), 3);
    *s += "ms";
  } else if (kind < 84) {
    *s += " msg=\"";
    *s += Pick(r, kEvents);
    *s += "\" order_id=ORD-";
    Padded(s, r.Below(100000000), 8);
    *s += " items=";
    Num(s, 1 + r.VerySkewed(12));
    *s += " total=";
    Fixed(s, 199 + r.VerySkewed(60000), 2);
    *s += " currency=";
    *s += Pick(r, kCurrencies);
    *s += " user_id=";
    Num(s, st.user_id);
    *s += " trace_id=";
    *s += st.trace_id;
  } else if (kind < 92) {
    *s += " msg=\"pool stats\" open=";
    uint64_t open = 4 + r.Below(28);
    Num(s, open);
    *s += " idle=";
    uint64_t idle = r.Below(open + 1);
    Num(s, idle);
    *s += " in_use=";
    Num(s, open - idle);
    *s += " wait_count=";
    Num(s, r.VerySkewed(40));
    *s += " goroutines=";
    Num(s, 40 + r.Below(400));
  } else if (kind < 97) {
    *s += " msg=\"slow request\" method=";
    *s += st.method;
    *s += " path=";
    *s += st.path;
    *s += " threshold=500ms duration=";
    Fixed(s, 500000 + r.Skewed(4000000), 3);
    *s += "ms trace_id=";
    *s += st.trace_id;
  } else {
    const char* upstream = Pick(r, kUpstreams);
    *s += " msg=\"upstream request failed\" err=\"Post \\\"http://";
    *s += upstream;
    *s += "/v1/charges\\\": dial tcp ";
    *s += st.upstream_ips[r.Below(st.upstream_ips.size())];
    *s += ": ";
    *s += Pick(r, kErrors);
    *s += "\" upstream=";
    *s += upstream;
    *s += " attempt=";
    Num(s, 1 + r.Skewed(4));
    *s += " backoff=";
    Num(s, 100 << r.Below(5));
    *s += "ms trace_id=";
    *s += st.trace_id;
  }
}

void Consumer(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  uint64_t kind = r.Below(100);
  *s += "level=";
  *s += kind < 90 ? "info" : kind < 98 ? "warn" : "error";
  *s += " ts=";
  Rfc3339(s, ns, 9);
  *s += " caller=consumer/handler.go:";
  Num(s, 40 + r.Below(3) * 37);
  const char* topic = Pick(r, kTopics);
  st.kafka_offset += 1 + r.VerySkewed(30);
  if (kind < 90) {
    *s += " msg=\"message processed\" topic=";
    *s += topic;
    *s += " partition=";
    Num(s, r.Below(12));
    *s += " offset=";
    Num(s, st.kafka_offset);
    *s += " key=ORD-";
    Padded(s, r.Below(100000000), 8);
    *s += " lag=";
    Num(s, r.VerySkewed(2000));
    *s += " duration=";
    Fixed(s, 100 + r.VerySkewed(50000), 3);
    *s += "ms";
  } else if (kind < 98) {
    *s += " msg=\"rebalance in progress, retrying commit\" group=order-events topic=";
    *s += topic;
    *s += " generation=";
    Num(s, 100 + r.Below(30));
    *s += " member_id=";
    *s += st.member_id;
  } else {
    *s += " msg=\"failed to decode message\" topic=";
    *s += topic;
    *s += " offset=";
    Num(s, st.kafka_offset);
    *s += " err=\"json: cannot unmarshal string into Go struct field Order.total of type float64\"";
  }
}

void Monitoring(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  *s += "ts=";
  Rfc3339(s, ns, 3);
  *s += " caller=";
  static const char* const kFiles[] = {"compact.go:523", "head.go:1293",    "scrape.go:1351",
                                       "manager.go:674", "notifier.go:532", "main.go:1214"};
  *s += Pick(r, kFiles);
  bool warn = r.Chance(8);
  *s += warn ? " level=warn" : " level=info";
  *s += " component=\"";
  *s += Pick(r, kPromComponents);
  *s += "\" msg=\"";
  *s += Pick(r, kPromMessages);
  s->push_back('"');
  switch (r.Below(3)) {
    case 0:
      *s += " mint=";
      Num(s, static_cast<uint64_t>(ns / 1'000'000) - 7'200'000);
      *s += " maxt=";
      Num(s, static_cast<uint64_t>(ns / 1'000'000));
      *s += " ulid=01HX";
      for (int i = 0; i < 22; i++) s->push_back("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[r.Below(32)]);
      *s += " duration=";
      Fixed(s, r.Skewed(5'000'000), 6);
      *s += "s";
      break;
    case 1:
      *s += " scrape_pool=kubernetes-pods target=http://";
      PodIp(s, r);
      *s += ":9090/metrics";
      if (warn) *s += " err=\"context deadline exceeded\"";
      *s += " samples=";
      Num(s, r.Skewed(20000));
      break;
    default:
      *s += " group=";
      *s += r.Chance(2) ? "kubernetes-apps" : "node-exporter";
      *s += " alerts=";
      Num(s, r.VerySkewed(20));
      *s += " duration=";
      Fixed(s, r.Skewed(900000), 6);
      *s += "s";
  }
}

void JavaJson(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  if (st.request_lines_left <= 0) st.NewRequest();
  st.request_lines_left--;
  bool err = st.is_stderr || r.Chance(40);
  *s += "{\"@timestamp\":\"";
  Rfc3339(s, ns, 3);
  *s += "\",\"@version\":\"1\",\"level\":\"";
  *s += err ? "ERROR" : r.Chance(6) ? "WARN" : r.Chance(4) ? "DEBUG" : "INFO";
  *s += "\",\"logger_name\":\"";
  *s += Pick(r, kJavaLoggers);
  *s += "\",\"thread_name\":\"http-nio-8080-exec-";
  Num(s, 1 + r.Below(200));
  *s += "\",\"message\":\"";
  *s += Pick(r, kJavaMessages);
  *s += "\",\"context\":{\"user_id\":";
  Num(s, st.user_id);
  *s += ",\"cart_id\":\"";
  *s += st.cart_id;
  *s += "\",\"sku\":\"SKU-";
  Num(s, r.VerySkewed(120000));
  *s += r.Chance(3) ? "-XL" : "-M";
  *s += "\",\"quantity\":";
  Num(s, 1 + r.VerySkewed(6));
  *s += ",\"unit_price\":";
  Fixed(s, 99 + r.Skewed(30000), 2);
  *s += "},\"trace\":{\"trace_id\":\"";
  *s += st.trace_id;
  *s += "\",\"span_id\":\"";
  *s += st.span_id;
  *s += "\"}";
  if (err) {
    *s +=
        ",\"stack_trace\":\"java.net.SocketTimeoutException: Read timed out\\n\\tat "
        "java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\\n\\tat "
        "com.zaxxer.hikari.pool.HikariProxyPreparedStatement.executeQuery(";
    *s += "HikariProxyPreparedStatement.java)\\n\\t... ";
    Num(s, 40 + r.Below(80));
    *s += " common frames omitted\"";
  }
  s->push_back('}');
}

void PinoJson(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  uint64_t level = st.is_stderr ? 50 : r.Chance(30) ? 50 : r.Chance(10) ? 40 : 30;
  *s += "{\"level\":";
  Num(s, level);
  *s += ",\"time\":";
  Num(s, static_cast<uint64_t>(ns / 1'000'000));
  *s += ",\"pid\":1,\"hostname\":\"";
  *s += st.pod;
  *s += "\",\"req\":{\"id\":";
  Num(s, ++st.request_counter);
  *s += ",\"method\":\"GET\",\"url\":\"";
  bool search = std::string_view(st.workload->app) == "search" || r.Chance(3);
  if (search) {
    *s += "/search?q=";
    *s += Pick(r, kSearchTerms);
    *s += "&page=";
    Num(s, 1 + r.VerySkewed(20));
  } else {
    *s += "/products/";
    Num(s, r.VerySkewed(120000));
  }
  *s += "\",\"remoteAddress\":\"";
  PodIp(s, r);
  *s += "\"},\"res\":{\"statusCode\":";
  *s += level == 50 ? "500" : Pick(r, kStatuses);
  *s += "},\"responseTime\":";
  Fixed(s, 100 + r.VerySkewed(300000), 3);
  if (search) {
    *s += ",\"hits\":";
    Num(s, r.Skewed(5000));
    *s += ",\"took_ms\":";
    Num(s, r.VerySkewed(400));
  }
  *s += ",\"msg\":\"";
  *s += level == 50 ? "request errored" : "request completed";
  *s += "\"}";
}

void PythonJson(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  *s += "{\"timestamp\":\"";
  Rfc3339(s, ns, 6);
  *s += "\",\"level\":\"";
  *s += st.is_stderr || r.Chance(50) ? "error" : r.Chance(10) ? "warning" : "info";
  *s += "\",\"logger\":\"";
  *s += std::string_view(st.workload->app) == "etl-worker" ? "etl.jobs.daily_orders"
                                                           : "recommender.serving";
  *s += "\",\"event\":\"";
  *s += Pick(r, kPythonEvents);
  if (st.job_lines_left-- <= 0) {
    st.job_lines_left = 200 + static_cast<int>(r.Below(2000));
    st.job_id.clear();
    Uuid(&st.job_id, r);
  }
  *s += "\",\"job_id\":\"";
  *s += st.job_id;
  *s += "\",\"batch\":{\"index\":";
  Num(s, r.Below(2000));
  *s += ",\"rows\":";
  Num(s, r.Skewed(50000));
  *s += ",\"bytes\":";
  Num(s, r.Skewed(20'000'000));
  *s += ",\"duration_s\":";
  Fixed(s, r.Skewed(30000000), 6);
  *s += "},\"source\":{\"table\":\"";
  *s += Pick(r, kTables);
  *s += "\",\"partition\":\"dt=";
  Civil c = ToCivil(ns / 1'000'000'000 - static_cast<int64_t>(r.VerySkewed(30)) * 86400);
  Padded(s, static_cast<uint64_t>(c.year), 4);
  s->push_back('-');
  Padded(s, c.month, 2);
  s->push_back('-');
  Padded(s, c.day, 2);
  *s += "\"},\"model\":{\"name\":\"ranker\",\"version\":\"2024.04.";
  Num(s, 1 + r.VerySkewed(30));
  *s += "\",\"score_p50\":";
  Fixed(s, r.Below(1000000), 6);
  *s += "}}";
}

void EnvoyJson(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  if (st.request_lines_left <= 0) st.NewRequest();
  st.request_lines_left = 0;
  *s += "{\"start_time\":\"";
  Rfc3339(s, ns, 3);
  *s += "\",\"method\":\"";
  *s += st.method;
  *s += "\",\"path\":\"";
  *s += st.path;
  *s += "\",\"protocol\":\"HTTP/";
  *s += r.Chance(3) ? "1.1" : "2";
  *s += "\",\"response_code\":";
  *s += Pick(r, kStatuses);
  *s += ",\"response_flags\":\"";
  *s += r.Chance(50) ? "UF" : "-";
  *s += "\",\"bytes_received\":";
  Num(s, st.method == "GET" ? 0 : r.Skewed(4000));
  *s += ",\"bytes_sent\":";
  Num(s, r.Skewed(60000));
  *s += ",\"duration\":";
  Num(s, r.VerySkewed(2000));
  *s += ",\"upstream_service_time\":\"";
  Num(s, r.VerySkewed(1900));
  *s += "\",\"x_forwarded_for\":\"";
  *s += st.Client();
  *s += "\",\"user_agent\":\"";
  *s += Pick(r, kAgents);
  *s += "\",\"request_id\":\"";
  Uuid(s, r);
  *s += "\",\"authority\":\"shop.example.com\",\"upstream_host\":\"";
  *s += st.upstream_ips[r.Below(st.upstream_ips.size())];
  *s += "\",\"upstream_cluster\":\"outbound|8080||";
  *s += Pick(r, kUpstreams);
  *s += "\",\"trace_id\":\"";
  *s += st.trace_id;
  *s += "\"}";
}

// nginx's error log: "2024/05/01 12:34:56 [error] 31#31: *1234 upstream timed out ...".
void NginxError(State& st, std::string* s, int64_t ns) {
  Rng& r = st.rng;
  Civil c = ToCivil(ns / 1'000'000'000);
  Padded(s, static_cast<uint64_t>(c.year), 4);
  s->push_back('/');
  Padded(s, c.month, 2);
  s->push_back('/');
  Padded(s, c.day, 2);
  s->push_back(' ');
  Padded(s, c.hour, 2);
  s->push_back(':');
  Padded(s, c.minute, 2);
  s->push_back(':');
  Padded(s, c.second, 2);
  bool warn = r.Chance(3);
  *s += warn ? " [warn] " : " [error] ";
  uint64_t worker = 20 + r.Below(4);
  Num(s, worker);
  s->push_back('#');
  Num(s, worker);
  *s += ": *";
  Num(s, ++st.request_counter * 7 + r.Below(7));
  s->push_back(' ');
  static const char* const kWhat[] = {
      "upstream timed out (110: Connection timed out) while reading response header from upstream",
      "connect() failed (111: Connection refused) while connecting to upstream",
      "upstream prematurely closed connection while reading response header from upstream",
      "an upstream response is buffered to a temporary file /tmp/nginx/proxy_temp/3/07/0000000073"};
  *s += kWhat[warn ? 3 : r.Skewed(3)];
  *s += ", client: ";
  *s += st.Client();
  *s += ", server: shop.example.com, request: \"";
  *s += Pick(r, kMethods);
  s->push_back(' ');
  std::string path = Pick(r, kApiPaths);
  if (path.back() == '/') Num(&path, r.VerySkewed(120000));
  *s += path;
  *s += " HTTP/1.1\", upstream: \"http://";
  *s += st.upstream_ips[r.Below(st.upstream_ips.size())];
  *s += path;
  *s += "\", host: \"shop.example.com\"";
}

void Nginx(State& st, std::string* s, int64_t ns, bool ingress) {
  Rng& r = st.rng;
  if (st.is_stderr) return NginxError(st, s, ns);
  *s += st.Client();
  *s += " - - [";
  NginxTime(s, ns);
  *s += "] \"";
  const char* method = ingress ? Pick(r, kMethods) : "GET";
  *s += method;
  s->push_back(' ');
  std::string path = ingress && r.Chance(2) ? Pick(r, kApiPaths) : Pick(r, kPages);
  s->append(path);
  if (path.back() == '/') {
    Num(s, r.VerySkewed(120000));
  } else if (path.back() == '.') {
    Hex(s, r, 8);
    *s += path.find("js") != std::string::npos ? ".js" : ".css";
  }
  if (r.Chance(4)) {
    *s += "?utm_source=";
    *s += r.Chance(2) ? "newsletter" : "google";
    *s += "&page=";
    Num(s, 1 + r.VerySkewed(30));
  }
  *s += " HTTP/1.1\" ";
  *s += Pick(r, kStatuses);
  s->push_back(' ');
  Num(s, r.Skewed(80000));
  *s += " \"";
  if (r.Chance(3)) {
    s->push_back('-');
  } else {
    *s += "https://shop.example.com";
    *s += Pick(r, kPages);
  }
  *s += "\" \"";
  *s += Pick(r, kAgents);
  *s += "\" ";
  Num(s, 200 + r.Skewed(1500));
  s->push_back(' ');
  uint64_t ms = r.VerySkewed(3000);
  Fixed(s, ms, 3);
  if (ingress) {
    *s += " [shop-";
    static const char* const kServices[] = {"frontend-80", "api-gateway-8080", "catalog-3000",
                                            "checkout-8080"};
    *s += Pick(r, kServices);
    *s += "] [] ";
    *s += st.upstream_ips[r.Below(st.upstream_ips.size())];
    s->push_back(' ');
    Num(s, r.Skewed(80000));
    s->push_back(' ');
    Fixed(s, ms > 0 ? ms - r.Below(ms + 1) / 4 : 0, 3);
    s->push_back(' ');
    *s += Pick(r, kStatuses);
    s->push_back(' ');
    Hex(s, r, 32);
  }
}

}  // namespace

// ---------------------------------------------------------------- DataSet

DataSet::DataSet(DataSetOptions opts) : opts_(opts) {
  assert(opts_.nodes > 0 && opts_.streams > 0);
  Rng rng(opts_.seed);
  std::vector<std::string> nodes;
  for (int i = 0; i < opts_.nodes; i++) {
    nodes.push_back("ip-10-0-" + std::to_string(rng.Below(64)) + "-" +
                    std::to_string(1 + rng.Below(254)) + ".eu-west-1.compute.internal");
  }
  // Deployments' pod-template hashes, one per workload.
  std::vector<std::string> hashes;
  for (size_t w = 0; w < std::size(kWorkloads); w++) {
    std::string h;
    KubeSuffix(&h, rng, 10);
    hashes.push_back(h);
  }
  // Round r adds replica r of every workload that has one, until there are enough streams.
  int pod_no = 0;
  for (int round = 0; static_cast<int>(streams_.size()) < opts_.streams; round++) {
    bool added = false;
    for (size_t w = 0;
         w < std::size(kWorkloads) && static_cast<int>(streams_.size()) < opts_.streams; w++) {
      const Workload& wl = kWorkloads[w];
      // Past the listed replica counts, workloads scale out further (more than ~110 streams).
      if (round >= wl.replicas && round < 8) continue;
      std::string pod = wl.app;
      if (wl.statefulset) {
        pod += "-" + std::to_string(round);
      } else {
        pod += "-" + hashes[w] + "-";
        KubeSuffix(&pod, rng, 5);
      }
      int node = pod_no++ % opts_.nodes;
      double volume = wl.weight * (0.5 + static_cast<double>(rng.Below(1000)) / 1000.0);
      for (int err = 0; err < (wl.has_stderr ? 2 : 1); err++) {
        if (static_cast<int>(streams_.size()) >= opts_.streams) break;
        StreamInfo info;
        info.labels = std::string("{app=\"") + wl.app + "\", container=\"" + wl.container +
                      "\", job=\"" + wl.ns + "/" + wl.app + "\", namespace=\"" + wl.ns +
                      "\", node_name=\"" + nodes[node] + "\", pod=\"" + pod + "\", stream=\"" +
                      (err ? "stderr" : "stdout") + "\"}";
        info.node = node;
        info.weight = err ? volume * 0.05 : volume;
        switch (wl.flavor) {
          case Flavor::kGoService:
          case Flavor::kConsumer:
          case Flavor::kMonitoring:
            info.format = LineFormat::kLogfmt;
            break;
          case Flavor::kJavaJson:
          case Flavor::kPinoJson:
          case Flavor::kPythonJson:
          case Flavor::kEnvoyJson:
            info.format = LineFormat::kJson;
            break;
          case Flavor::kIngress:
          case Flavor::kNginx:
            info.format = LineFormat::kNginx;
            break;
        }
        auto st = std::make_unique<State>(opts_.seed * 1000003 + streams_.size());
        st->workload = &wl;
        st->pod = pod;
        st->is_stderr = err != 0;
        st->ts = opts_.start_ns;
        st->kafka_offset = 1'000'000 + st->rng.Below(50'000'000);
        for (int i = 0; i < 64; i++) {
          std::string ip;
          if (wl.flavor == Flavor::kIngress || i % 2 == 0) {
            ip = std::to_string(1 + st->rng.Below(223)) + "." + std::to_string(st->rng.Below(256)) +
                 "." + std::to_string(st->rng.Below(256)) + "." +
                 std::to_string(st->rng.Below(256));
          } else {
            PodIp(&ip, st->rng);
          }
          st->clients.push_back(std::move(ip));
        }
        st->member_id = std::string("consumer-") + wl.app + "-" + std::to_string(1 + pod_no) + "-";
        Uuid(&st->member_id, st->rng);
        for (int i = 0; i < 8; i++) {
          std::string ip;
          PodIp(&ip, st->rng);
          ip += ":8080";
          st->upstream_ips.push_back(std::move(ip));
        }
        streams_.push_back(std::move(info));
        states_.push_back(std::move(st));
        added = true;
      }
    }
    if (!added && round >= 8) break;  // cannot happen: past round 8 every workload adds a pod
  }
  node_streams_.resize(opts_.nodes);
  node_cumweight_.resize(opts_.nodes);
  for (size_t i = 0; i < streams_.size(); i++) {
    int n = streams_[i].node;
    double prev = node_cumweight_[n].empty() ? 0 : node_cumweight_[n].back();
    node_streams_[n].push_back(i);
    node_cumweight_[n].push_back(prev + streams_[i].weight);
  }
  for (int n = 0; n < opts_.nodes; n++) node_rngs_.emplace_back(opts_.seed + 7919 * (n + 1));
}

DataSet::~DataSet() = default;

void DataSet::set_information_sink(double* sink) {
  for (auto& st : states_) st->rng.set_information_sink(sink);
}

double Rng::UniformBits(uint64_t n) { return std::log2(static_cast<double>(n)); }

double Rng::MinOfBits(uint64_t n, int k) {
  // P(min = i) = ((n - i)^k - (n - i - 1)^k) / n^k. Summed exactly for small
  // n; for large n the sum tends to log2(n) plus the differential entropy of
  // the minimum of k uniforms on [0, 1], whose density is k(1 - x)^(k-1):
  // log2(e) (k - 1) / k - log2(k).
  if (n > 4096) {
    double kk = k;
    return std::log2(static_cast<double>(n)) + std::log2(std::exp(1.0)) * (kk - 1) / kk -
           std::log2(kk);
  }
  thread_local std::map<std::pair<uint64_t, int>, double> cache;
  auto [it, added] = cache.try_emplace({n, k}, 0.0);
  if (!added) return it->second;
  double h = 0, nn = static_cast<double>(n);
  for (uint64_t i = 0; i < n; i++) {
    double p = std::pow((nn - i) / nn, k) - std::pow((nn - i - 1) / nn, k);
    if (p > 0) h -= p * std::log2(p);
  }
  it->second = h;
  return h;
}

double Rng::ChanceBits(uint64_t n) {
  if (n <= 1) return 0;
  double p = 1.0 / static_cast<double>(n);
  return -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

int64_t DataSet::NextLine(size_t i, std::string* line) {
  State& st = *states_[i];
  // About 1 ms apart: 0.5 to 1.5 ms.
  st.ts += 500'000 + static_cast<int64_t>(st.rng.Below(1'000'000));
  switch (st.workload->flavor) {
    case Flavor::kGoService:
      GoService(st, line, st.ts);
      break;
    case Flavor::kConsumer:
      Consumer(st, line, st.ts);
      break;
    case Flavor::kMonitoring:
      Monitoring(st, line, st.ts);
      break;
    case Flavor::kJavaJson:
      JavaJson(st, line, st.ts);
      break;
    case Flavor::kPinoJson:
      PinoJson(st, line, st.ts);
      break;
    case Flavor::kPythonJson:
      PythonJson(st, line, st.ts);
      break;
    case Flavor::kEnvoyJson:
      EnvoyJson(st, line, st.ts);
      break;
    case Flavor::kIngress:
      Nginx(st, line, st.ts, true);
      break;
    case Flavor::kNginx:
      Nginx(st, line, st.ts, false);
      break;
  }
  return st.ts;
}

size_t DataSet::PickStream(int node) {
  const std::vector<double>& cum = node_cumweight_[node];
  assert(!cum.empty());
  double x = static_cast<double>(node_rngs_[node].Below(1u << 30)) / (1u << 30) * cum.back();
  size_t k = static_cast<size_t>(std::upper_bound(cum.begin(), cum.end(), x) - cum.begin());
  return node_streams_[node][std::min(k, cum.size() - 1)];
}

}  // namespace logstack::bench
