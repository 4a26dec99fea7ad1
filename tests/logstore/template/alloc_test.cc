// Execute of a template made of fields and text allocates nothing beyond the
// output string, and function calls on borrowed values stay cheap.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <new>

#include "tests/logstore/template/fake_data.h"

namespace {
thread_local bool g_counting = false;
thread_local long g_allocs = 0;
}  // namespace

// Counts allocations made by this thread while g_counting is set. GCC sees
// the malloc/free pair inside the replaced operators as a mismatch.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  if (g_counting) ++g_allocs;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace logstack::logstore::tmpl::testing {
namespace {

long CountAllocs(const Template& t, const TemplateData& d, std::string* out) {
  out->clear();
  g_allocs = 0;
  g_counting = true;
  Status st = t.Execute(d, out);
  g_counting = false;
  EXPECT_TRUE(st.ok()) << st.message();
  return g_allocs;
}

TEST(AllocTest, FieldsAndTextDoNotAllocate) {
  FakeData d(std::map<std::string, std::string>{{"a", "GET"}, {"b", "/api/orders/1234"}},
             "the line", 1705308827529000000);
  std::string out;
  out.reserve(256);
  for (const char* text :
       {"{{.a}} {{.b}}", "{{ .a }}:{{ .missing }}", "{{ if .a }}{{ .b }}{{ end }}",
        "{{- .a -}} {{ __line__ }}", "{{ with .a }}{{ . }}{{ end }}"}) {
    auto t = Template::Parse("line", text);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(CountAllocs(**t, d, &out), 0) << text;
  }
}

TEST(AllocTest, Throughput) {
  FakeData d(std::map<std::string, std::string>{{"a", "GET"}, {"b", "/api/orders/1234"}});
  auto t = Template::Parse("line", "{{.a}} {{.b}}");
  ASSERT_TRUE(t.ok());
  std::string out;
  constexpr int kN = 200000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kN; ++i) {
    out.clear();
    ASSERT_TRUE((*t)->Execute(d, &out).ok());
  }
  auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count();
  std::printf("{{.a}} {{.b}}: %.0f ns per Execute\n", static_cast<double>(ns) / kN);
  EXPECT_EQ(out, "GET /api/orders/1234");
}

}  // namespace
}  // namespace logstack::logstore::tmpl::testing
